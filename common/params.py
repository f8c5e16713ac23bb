"""Reading what a request carries: list filters from the address and credentials from the
Authorization header. What does not parse is left out (a filter, as the page's "filters as
understood" shows) or refused (credentials); it never ends in a server error."""

from __future__ import annotations

import base64
import binascii

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


def basic_credentials(value: str) -> tuple[str, str] | None:
    """(username, password) from the part of an ``Authorization: Basic …`` header after the scheme,
    or None when it is no base64, no UTF-8, or carries U+0000: no account's name holds that
    character, and PostgreSQL refuses even to look one up with it (a 500 where Jakamo answers
    "Authentication failed.")."""
    try:
        text = base64.b64decode(value.strip()).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    if "\x00" in text:
        return None
    username, _, password = text.partition(":")
    return username, password
