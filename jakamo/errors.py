"""Error hierarchy. Callers decide what to retry from the class alone:

- ``TransientError``: nothing happened on Jakamo's side, or it failed (5xx, connection refused,
  DNS, connect timeout). Retrying is safe.
- ``OutcomeUnknownError``: the request left but no answer came (read timeout, dropped connection).
  Jakamo may or may not have acted on it; only retry where a repeat is harmless.
- ``RejectedError``: Jakamo said no (400) and will say no again; a person must act.
- ``AuthenticationError``: credentials or auth method are wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class JakamoError(Exception):
    """Base of everything this library raises."""


@dataclass
class Problem:
    """One thing wrong with a document, located as precisely as we can."""

    message: str
    path: str = ""
    line: int | None = None
    code: str = ""  # stable, for code that decides by it (never by the message's words)

    def __str__(self) -> str:
        where = self.path
        if self.line:
            where = f"{where} (line {self.line})" if where else f"line {self.line}"
        return f"{where}: {self.message}" if where else self.message


class DocumentError(JakamoError):
    """A document we cannot read or will not build. ``problems`` names every issue at once."""

    def __init__(self, problems: list[Problem] | str):
        if isinstance(problems, str):
            problems = [Problem(problems)]
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


class UnwritableError(DocumentError, ValueError):
    """A value that XML cannot carry reached a builder. Also a ValueError: that is what lxml raises
    for it, and what callers already catch."""


class UnsafeXMLError(DocumentError):
    """A DOCTYPE, entity declaration or oversize body: refused before anything reads it."""


@dataclass
class Explanation:
    """Jakamo's short reason, mapped to a sentence a person can act on."""

    code: str
    reason: str
    explanation: str
    where: str = ""  # the element or setting involved
    # What fills the explanation's fields, so the portal can say it again in the reader's language.
    params: dict = field(default_factory=dict)


class JakamoHTTPError(JakamoError):
    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        body: str = "",
        method: str = "",
        url: str = "",
        explanation: Explanation | None = None,
        retry_after: float | None = None,
    ):
        super().__init__(message)
        # Which request failed: "token" (the OAuth2 token endpoint) or "" (Jakamo's API).
        self.stage = ""
        # Seconds Jakamo asked us to wait before asking again (Retry-After on a 429 or 503), capped.
        self.retry_after = retry_after
        self.status = status
        self.body = body
        self.method = method
        self.url = url
        self.explanation = explanation

    @property
    def reason(self) -> str:
        return self.explanation.reason if self.explanation else (self.body or str(self))


class TransientError(JakamoHTTPError):
    """Safe to retry: the request did not reach Jakamo, or Jakamo failed (5xx)."""


class OutcomeUnknownError(JakamoHTTPError):
    """The request was sent but no answer came; Jakamo may have acted on it."""


class RejectedError(JakamoHTTPError):
    """A 400 (or other 4xx): Jakamo refused the message. Needs a person."""


class AuthenticationError(RejectedError):
    """Wrong credentials or auth method (Jakamo answers these with 400 'Authentication failed.')."""


class TokenRefused(AuthenticationError):
    """The OAuth2 token endpoint refused the client. ``error`` is its OAuth2 code (RFC 6749 5.2):
    ``invalid_client`` for a wrong id or secret, ``invalid_scope`` for a scope it will not grant."""

    def __init__(self, message: str, *, error: str = "", **kwargs):
        super().__init__(message, **kwargs)
        self.error = error
        self.stage = "token"


class ProtocolError(JakamoHTTPError):
    """Jakamo answered something this library does not understand (e.g. a queue message without
    an X-Acknowledge-Uri header)."""


@dataclass
class QueueMessage:
    body: bytes
    content_type: str
    acknowledge_uri: str
    confirm_url: str = ""
    order_number: str = ""
    headers: dict[str, str] = field(default_factory=dict)
