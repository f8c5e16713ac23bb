"""Callbacks that an app higher up registers with a lower one, each with one visible line in its
``AppConfig.ready()``: the lower app calls them without importing the higher (see the README's
"How a message moves"). A callback registered twice is a wiring mistake and stops the startup."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured


def register(hooks: list[Callable], func: Callable, *, what: str) -> Callable:
    """Append ``func`` to ``hooks``; ``what`` names the list in the refusal ("as a subscriber")."""
    if func in hooks:
        raise ImproperlyConfigured(f"{func.__module__}.{func.__qualname__} is registered twice {what}.")
    hooks.append(func)
    return func
