"""Secrets never reach the message log: credentials headers are masked, and any known secret
value is blanked wherever it appears."""

from __future__ import annotations

SENSITIVE_HEADERS = {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-shiphero-hmac-sha256"}
MASK = "[redacted]"


def redact_text(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, MASK)
    return text


def redact_headers(headers: dict, secrets: list[str]) -> dict[str, str]:
    clean = {}
    for key, value in (headers or {}).items():
        if key.lower() in SENSITIVE_HEADERS:
            clean[key] = MASK
        else:
            clean[key] = redact_text(str(value), secrets)
    return clean
