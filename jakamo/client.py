"""HTTP client for Jakamo's PO, SO and ASN APIs on one ``requests.Session``.

Every call has a (connect, read) timeout. Failures are typed (``jakamo.errors``) so that callers
decide retries from the class: a connect failure never reached Jakamo (``TransientError``), a read
timeout may have (``OutcomeUnknownError``)."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Protocol
from urllib.parse import quote, urljoin

import requests

from . import reasons
from .errors import (
    AuthenticationError,
    JakamoHTTPError,
    OutcomeUnknownError,
    ProtocolError,
    QueueMessage,
    RejectedError,
    TokenRefused,
    TransientError,
)

EMPTY_QUEUE_TEXT = "No more messages available"
XML = "application/xml"

# Longest wait a Retry-After is honoured for: a value beyond it (or a date far ahead) is read as this,
# so one odd header never parks a queue or a message for days.
RETRY_AFTER_CAP_SECONDS = 3600

TEST_BASE_URL = "https://demo.thejakamo.com"
PRODUCTION_BASE_URL = "https://www.thejakamo.com"


@dataclass(frozen=True)
class OAuth2Environment:
    """How Jakamo sets up an environment's OAuth2 applications: Entra ID (Azure AD v2) client
    credentials in Jakamo's tenant, for that environment's API scope (reference: "OAuth2")."""

    tenant: str
    scope: str

    @property
    def token_url(self) -> str:
        return f"https://login.microsoftonline.com/{self.tenant}/oauth2/v2.0/token"


OAUTH2_ENVIRONMENTS = {
    "test": OAuth2Environment("a22b6145-4c73-4914-901d-6bf96bcb0183", "https://demo.jakamoapp.com/.default"),
    "production": OAuth2Environment("c87ad7a3-cc9b-4a04-be72-916199870e5c", "https://api.jakamoapp.com/.default"),
}


@dataclass(frozen=True)
class Paths:
    """Endpoint paths; every one is configurable per integration (the SO and ASN documents do not
    print theirs). Defaults follow the PO document and Jakamo's own C# client."""

    order: str = "/api/order"
    order_status: str = "/api/order/{order_id}"
    response_queue: str = "/api/order/response"
    order_response: str = "/api/orderresponse"
    asn_queue: str = "/api/asn"
    mapped_companies: str = "/api/mappedcompanies"


@dataclass(frozen=True)
class BasicAuth:
    username: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class OAuth2ClientCredentials:
    """Client-credentials grant, as an Azure AD v2 token endpoint expects it."""

    token_url: str
    client_id: str
    client_secret: str = field(repr=False)
    scope: str = ""


class TokenStore(Protocol):
    """Where access tokens are kept between calls: this process's ``TOKEN_CACHE`` by default; the
    portal passes one that every worker process shares."""

    def get(self, key) -> str | None: ...

    def put(self, key, token: str, expires_in: float) -> None: ...

    def forget(self, key) -> None: ...


@dataclass(frozen=True)
class ClientConfig:
    base_url: str
    auth: BasicAuth | OAuth2ClientCredentials
    paths: Paths = Paths()
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    user_agent: str = "JakamoPortal/1.0"
    token_store: TokenStore | None = field(default=None, compare=False)


@dataclass
class SendResult:
    status: int
    body: str
    elapsed_ms: int


class _TokenCache:
    """OAuth2 tokens by (token_url, client_id, scope), reused until shortly before they expire."""

    def __init__(self):
        self._lock = threading.Lock()
        self._tokens: dict[tuple, tuple[str, float]] = {}

    def get(self, key):
        with self._lock:
            token, expires = self._tokens.get(key, (None, 0.0))
            return token if token and time.monotonic() < expires else None

    def put(self, key, token: str, expires_in: float):
        with self._lock:
            # Renew a minute early so a token never expires in flight.
            self._tokens[key] = (token, time.monotonic() + renew_after(expires_in))

    def forget(self, key):
        with self._lock:
            self._tokens.pop(key, None)

    def clear(self):
        with self._lock:
            self._tokens.clear()


def renew_after(expires_in: float) -> float:
    """Seconds a token is used: a minute less than it lives, so it never expires in flight (half
    its life when it lives less than two minutes)."""
    return max(expires_in - 60, expires_in / 2)


TOKEN_CACHE = _TokenCache()


class JakamoClient:
    def __init__(self, config: ClientConfig, session: requests.Session | None = None):
        self.config = config
        self.session = session or requests.Session()
        self.session.headers.setdefault("User-Agent", config.user_agent)

    # -- plumbing ---------------------------------------------------------------------------
    def url(self, path: str) -> str:
        return urljoin(self.config.base_url.rstrip("/") + "/", path.lstrip("/"))

    def _timeout(self):
        return (self.config.connect_timeout, self.config.read_timeout)

    def _auth_headers(self) -> dict[str, str]:
        auth = self.config.auth
        if isinstance(auth, OAuth2ClientCredentials):
            return {"Authorization": f"Bearer {self.access_token()}"}
        return {}

    def _basic(self):
        auth = self.config.auth
        return (auth.username, auth.password) if isinstance(auth, BasicAuth) else None

    def _tokens(self) -> TokenStore:
        return self.config.token_store or TOKEN_CACHE

    def _token_key(self):
        auth = self.config.auth
        return (auth.token_url, auth.client_id, auth.scope)

    def access_token(self) -> str:
        """The OAuth2 access token: the stored one while it lives, else a new one from the token
        endpoint. A refusal there is ``TokenRefused``; any other failure of that request carries
        ``stage == "token"``, so a person is told which of the two requests failed."""
        auth = self.config.auth
        assert isinstance(auth, OAuth2ClientCredentials)
        key = self._token_key()
        token = self._tokens().get(key)
        if token:
            return token
        data = {"grant_type": "client_credentials", "client_id": auth.client_id, "client_secret": auth.client_secret}
        if auth.scope:
            data["scope"] = auth.scope
        try:
            response = self._send_once("POST", auth.token_url, data=data, authenticate=False, safe_to_repeat=True)
        except RejectedError as exc:
            error = _oauth2_error(exc.body)
            raise TokenRefused(
                f"The OAuth2 token endpoint refused the client ({exc.status} {error or 'no error code'}).",
                error=error,
                status=exc.status,
                body=exc.body,
                method="POST",
                url=auth.token_url,
            ) from None
        except JakamoHTTPError as exc:
            exc.stage = "token"
            raise
        try:
            payload = response.json()
            token = payload["access_token"]
            expires_in = float(payload.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError):
            error = ProtocolError(
                "The OAuth2 token endpoint answered without an access_token.",
                status=response.status_code,
                body=response.text[:2000],
                method="POST",
                url=auth.token_url,
            )
            error.stage = "token"
            raise error from None
        self._tokens().put(key, token, expires_in)
        return token

    def new_token(self) -> str:
        """Forget the stored token and fetch another: proves the client id, secret and scope now,
        not when the stored token runs out."""
        self._tokens().forget(self._token_key())
        return self.access_token()

    def _send(self, method: str, url: str, *, authenticate=True, **kwargs) -> requests.Response:
        """One request; with OAuth2, a refusal of the token (it expired, or Jakamo revoked it before
        its time) fetches a new one and tries once more. Refused credentials are never retried: the
        request was refused before Jakamo acted on it, so the one repeat is harmless."""
        try:
            return self._send_once(method, url, authenticate=authenticate, **kwargs)
        except TokenRefused:
            raise
        except AuthenticationError:
            if not (authenticate and isinstance(self.config.auth, OAuth2ClientCredentials)):
                raise
            self._tokens().forget(self._token_key())
        return self._send_once(method, url, authenticate=authenticate, **kwargs)

    def _send_once(
        self,
        method: str,
        url: str,
        *,
        data=None,
        headers=None,
        authenticate=True,
        safe_to_repeat=False,
        context: dict | None = None,
    ) -> requests.Response:
        """One request. ``safe_to_repeat`` (GETs, token requests) turns a read timeout into a
        TransientError; for anything else it is OutcomeUnknownError."""
        all_headers = dict(headers or {})
        if authenticate:
            all_headers.update(self._auth_headers())
        try:
            response = self.session.request(
                method,
                url,
                data=data,
                headers=all_headers,
                auth=self._basic() if authenticate else None,
                timeout=self._timeout(),
                allow_redirects=False,
            )
        except requests.exceptions.ConnectTimeout as exc:
            raise TransientError(
                f"Could not connect to {url} within {self.config.connect_timeout:g} s.", method=method, url=url
            ) from exc
        except requests.exceptions.SSLError as exc:
            raise TransientError(f"TLS handshake with {url} failed: {exc}", method=method, url=url) from exc
        except requests.exceptions.ConnectionError as exc:
            # A connection error before any byte was sent is safe; after, we cannot tell. requests
            # does not say which, so treat "refused / name resolution" as not sent.
            text = str(exc)
            if any(
                s in text
                for s in ("Connection refused", "Name or service not known", "NameResolution", "Failed to establish")
            ):
                raise TransientError(f"Could not connect to {url}: {_short(text)}", method=method, url=url) from exc
            cls = TransientError if safe_to_repeat else OutcomeUnknownError
            raise cls(
                f"The connection to {url} broke before an answer came: {_short(text)}", method=method, url=url
            ) from exc
        except requests.exceptions.ReadTimeout as exc:
            cls = TransientError if safe_to_repeat else OutcomeUnknownError
            raise cls(
                f"No answer from {url} within {self.config.read_timeout:g} s; the request was sent.",
                method=method,
                url=url,
            ) from exc
        except requests.exceptions.RequestException as exc:
            raise TransientError(f"Request to {url} failed: {_short(str(exc))}", method=method, url=url) from exc
        self._raise_for_status(response, method, url, context or {})
        return response

    def _raise_for_status(self, response: requests.Response, method: str, url: str, context: dict):
        status = response.status_code
        if 200 <= status < 300:
            return
        body = response.text[:5000]
        if status >= 500 or status in (408, 429):
            wait = retry_after(response.headers.get("Retry-After")) if status in (429, 503) else None
            asked = f" (asked to wait {wait:g} s)" if wait else ""
            raise TransientError(
                f"Jakamo answered {status}{asked}: {reasons.body_text(body)[:300] or response.reason}",
                status=status,
                body=body,
                method=method,
                url=url,
                retry_after=wait,
            )
        explanation = reasons.explain(body, **context)
        if status in (401, 403) or explanation.code == "authentication_failed":
            if explanation.code == "unknown":
                explanation = reasons.explain("Authentication failed.")
            raise AuthenticationError(
                f"Jakamo refused the credentials ({status}).",
                status=status,
                body=body,
                method=method,
                url=url,
                explanation=explanation,
            )
        if status == 404:
            explanation.explanation = reasons.NOT_FOUND.format(url=url)
            explanation.code = "not_found"
            explanation.params = {"url": url}
        raise RejectedError(
            f"Jakamo refused the request ({status}): {explanation.reason}",
            status=status,
            body=body,
            method=method,
            url=url,
            explanation=explanation,
        )

    # -- queues -----------------------------------------------------------------------------
    def get_message(self, queue: str = "response") -> QueueMessage | None:
        """GET the oldest message of a queue ('response' for PO/SO, 'asn'), or None when empty.
        The same message comes back until it is acknowledged."""
        path = self.config.paths.asn_queue if queue == "asn" else self.config.paths.response_queue
        url = self.url(path)
        response = self._send("GET", url, safe_to_repeat=True)
        body = response.content
        ack = response.headers.get("X-Acknowledge-Uri", "")
        if not ack:
            if EMPTY_QUEUE_TEXT.encode() in body[:1000]:
                return None
            raise ProtocolError(
                "Jakamo returned a message without an X-Acknowledge-Uri header; it cannot be cleared.",
                status=response.status_code,
                body=response.text[:2000],
                method="GET",
                url=url,
            )
        return QueueMessage(
            body=body,
            content_type=response.headers.get("Content-Type", ""),
            acknowledge_uri=self.url(ack),
            confirm_url=self.url(response.headers["Jakamo-Confirm-Url"])
            if response.headers.get("Jakamo-Confirm-Url")
            else "",
            order_number=response.headers.get("Jakamo-Order-Number", ""),
            headers=dict(response.headers),
        )

    def acknowledge(self, acknowledge_uri: str) -> SendResult:
        """POST (no body) to the message's X-Acknowledge-Uri; clearing twice is harmless."""
        return self._result("POST", self.url(acknowledge_uri), safe_to_repeat=True)

    def simple_confirm(
        self, confirm_url: str, *, note: str | None = None, emphasize_original_agreed_details: bool | None = None
    ) -> SendResult:
        """POST to Jakamo-Confirm-Url: accept the other party's values (PO: supplier's confirmed
        values; SO: customer's requested values)."""
        data = {}
        if note:
            data["Note"] = note
        if emphasize_original_agreed_details is not None:
            data["EmphasizeOriginalAgreedDetails"] = "true" if emphasize_original_agreed_details else "false"
        return self._result("POST", self.url(confirm_url), data=data or None)

    # -- documents --------------------------------------------------------------------------
    def send_order(self, xml: bytes, **context) -> SendResult:
        """POST an Order or OrderChange."""
        return self._result(
            "POST", self.url(self.config.paths.order), data=xml, headers={"Content-Type": XML}, context=context
        )

    send_order_change = send_order

    def send_status(self, order_id: str, xml: bytes, **context) -> SendResult:
        """PUT a StatusMessage (Cancelled, Received; Delivered on the SO side)."""
        path = self.config.paths.order_status.format(order_id=quote(order_id, safe=""))
        context.setdefault("order_number", order_id)
        return self._result("PUT", self.url(path), data=xml, headers={"Content-Type": XML}, context=context)

    def send_order_response(self, xml: bytes, **context) -> SendResult:
        return self._result(
            "POST", self.url(self.config.paths.order_response), data=xml, headers={"Content-Type": XML}, context=context
        )

    def mapped_companies(self) -> list[dict[str, str]]:
        """Every company mapping this integration has at Jakamo ("Mapped companies"): a list of
        ``{"CompanyName": …, "MappedId": …}``."""
        url = self.url(self.config.paths.mapped_companies)
        response = self._send("GET", url, safe_to_repeat=True)
        try:
            rows = response.json()
            companies = [{"CompanyName": str(r["CompanyName"]), "MappedId": str(r["MappedId"])} for r in rows]
        except (ValueError, KeyError, TypeError):
            raise ProtocolError(
                "Jakamo's mapped companies were not a JSON list of CompanyName and MappedId.",
                status=response.status_code,
                body=response.text[:2000],
                method="GET",
                url=url,
            ) from None
        return companies

    def _result(self, method, url, **kwargs) -> SendResult:
        start = time.monotonic()
        response = self._send(method, url, **kwargs)
        return SendResult(response.status_code, response.text[:5000], int((time.monotonic() - start) * 1000))


def _oauth2_error(body: str) -> str:
    """The ``error`` code of an OAuth2 error answer (RFC 6749 5.2), or ""."""
    try:
        payload = json.loads(body)
    except ValueError:
        return ""
    return str(payload.get("error", "")) if isinstance(payload, dict) else ""


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (RFC 9110 10.2.3): delay-seconds or an HTTP-date,
    capped at ``RETRY_AFTER_CAP_SECONDS``; a date in the past is 0; None when absent or unreadable."""
    value = (value or "").strip()
    if not value:
        return None
    if value.isdigit():
        seconds = float(int(value))
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        if when.tzinfo is None:  # an HTTP-date is always GMT
            when = when.replace(tzinfo=UTC)
        seconds = max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
    return min(seconds, RETRY_AFTER_CAP_SECONDS)


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
