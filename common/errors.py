"""The one way a business rule says no. Code that decides something from a refusal reads its
``code`` (stable, never shown); a person reads its ``message``, rendered in their language when it is
shown, not when it is raised (a service raises inside a task as often as inside a request).

A ``ValueError`` or any other exception from a service is a bug: it is a 500 and a log line, never a
flash message."""

from __future__ import annotations

from django.utils import translation


class Refused(Exception):
    """A business refusal: ``code`` for code, ``message`` for people, ``where`` (a line, a batch,
    an element) when the refusal is about one part of a document.

    ``template`` is a lazy translatable string (``gettext_lazy``) with ``%(name)s`` placeholders
    filled from ``params``; it is translated when ``message`` is read."""

    def __init__(self, code: str, template, *, where: str = "", **params):
        self.code = code
        self.template = template
        self.params = params
        self.where = where
        super().__init__(code)

    @property
    def message(self) -> str:
        text = str(self.template)
        return text % self.params if self.params else text

    def in_language(self, language: str) -> str:
        """The message in ``language`` (the gateway answers ERPs in English, whoever is active)."""
        with translation.override(language):
            return self.message

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"Refused({self.code!r}, where={self.where!r})"
