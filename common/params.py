"""Reading what a request carries: list filters from the address. What does not parse is left out
(as the page's "filters as understood" shows); it never ends in a server error. Credentials from
the Authorization header are read by ``common.jakamo_face``."""

from __future__ import annotations

from django.conf import settings

LARGEST_ID = 2**63 - 1  # a primary key is a signed 64-bit integer on both databases


def whole_number(value, *, largest: int, clamp: bool = False) -> int | None:
    """``value`` as a whole number from 0 to ``largest``, or None. A larger number is None too, or
    ``largest`` with ``clamp`` (where every larger number means the same).

    ``str.isdigit`` alone lets through what ``int`` refuses (``²``) and numbers no column or
    timedelta holds, so: ASCII digits only, and never more of them read than ``largest`` has."""
    text = str(value or "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    digits = text.lstrip("0") or "0"
    if len(digits) > len(str(largest)) or int(digits) > largest:
        return largest if clamp else None
    return int(digits)


def declared_length(request) -> int:
    """The Content-Length the client declared, 0 when missing. One that is no whole number never
    reaches a view (``common.middleware.RefuseBadContentLengthMiddleware``); read as 0 here all the
    same, so a caller outside the middleware cannot fail on it."""
    try:
        return int(request.headers.get("Content-Length") or 0)
    except ValueError:
        return 0


def max_body() -> int:
    """The one body-size limit (``MAX_BODY_BYTES``), which is Django's own
    ``DATA_UPLOAD_MAX_MEMORY_SIZE``: an endpoint that checks it first answers in its own format
    before Django's HTML refusal could."""
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def too_large(request) -> bool:
    return declared_length(request) > max_body()
