"""Secrets at rest: Fernet with a list of keys from FIELD_ENCRYPTION_KEYS, newest first. Any key
decrypts; the newest encrypts, so rotating is "prepend a key, run rotate_secrets, drop the old"."""

from __future__ import annotations

import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@functools.cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty.")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEYS holds an invalid key: {exc}") from None


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise ImproperlyConfigured(
            "A stored secret cannot be decrypted with any key in FIELD_ENCRYPTION_KEYS; "
            "was a key removed before rotate_secrets ran?"
        ) from None


def rotate(token: str) -> str:
    return fernet().rotate(token.encode("ascii")).decode("ascii")


SERIALIZED_PREFIX = "fernet:"


class EncryptedTextField(models.TextField):
    """A text column that holds Fernet tokens; Python code sees the plaintext. Empty stays empty.

    Serialized (``dumpdata``, fixtures) the field stays encrypted, marked with ``fernet:``, so a
    JSON backup holds no plaintext either; ``loaddata`` with the same keys reads it back."""

    def value_to_string(self, obj):
        value = self.value_from_object(obj)
        return SERIALIZED_PREFIX + encrypt(value) if value else value

    def to_python(self, value):
        if isinstance(value, str) and value.startswith(SERIALIZED_PREFIX):
            return decrypt(value.removeprefix(SERIALIZED_PREFIX))
        return super().to_python(value)

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return value
        return encrypt(value)
