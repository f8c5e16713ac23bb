"""What a column can hold, read from the model itself, so a changed ``max_length`` or ``max_digits``
changes the check with it. Each app that stores values from outside lists which element reaches
which column (``orders.bounds``, ``shipments.bounds``) and checks a document against them where it
is read, before anything is written: a value that does not fit is refused by name, never cut
silently and never left for the database to refuse (PostgreSQL's "value too long" is a 500, and
SQLite keeps it and fails later, when a page reads it back)."""

from __future__ import annotations

import functools
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext as _

from jakamo.errors import Problem

SHOWN = 40  # characters of a refused value quoted back, enough to find it


def max_length(model: type[models.Model], field: str) -> int:
    return model._meta.get_field(field).max_length


# Cached: a 5,000-line document checks some 30,000 numbers against a handful of columns.
@functools.cache
def largest(model: type[models.Model], field: str) -> Decimal:
    """The first number a decimal column cannot hold: 10 ** (max_digits - decimal_places)."""
    f = model._meta.get_field(field)
    return Decimal(10) ** (f.max_digits - f.decimal_places)


@functools.cache
def _decimal_places(model: type[models.Model], field: str) -> int:
    return model._meta.get_field(field).decimal_places


def shown(value: str) -> str:
    return value if len(value) <= SHOWN else value[:SHOWN] + "…"


def _grouped(number: Decimal) -> str:
    return f"{number:,}"


class Bounds:
    """Collects every value that does not fit, each with where it was found."""

    def __init__(self):
        self.problems: list[Problem] = []

    def text(self, value: str | None, model: type[models.Model], field: str, where: str) -> None:
        if not value:
            return
        limit = max_length(model, field)
        if len(value) > limit:
            self.problems.append(
                Problem(
                    _(
                        "“%(value)s” is %(length)s characters long; the portal keeps at most %(limit)s here. "
                        "Shorten it where it was written and send it again."
                    )
                    % {"value": shown(value), "length": len(value), "limit": limit},
                    where,
                    code="too_long",
                )
            )

    def number(
        self,
        value: Decimal | None,
        model: type[models.Model],
        field: str,
        where: str,
        *,
        what: str = "",
        exact: bool = False,
    ):
        """``value`` below the column's largest number; with ``exact`` (a value as sent, not one the
        portal worked out) also with no more decimals than the column keeps, which PostgreSQL would
        round away silently: the portal would keep another number than the one sent on."""
        if value is None or not value.is_finite():
            return
        if exact:
            places = _decimal_places(model, field)
            exponent = value.as_tuple().exponent
            # Normalising only takes trailing zeros off: a number within the places as written is
            # within them normalised too, and most are.
            if -exponent > places:
                exponent = value.normalize().as_tuple().exponent
            if isinstance(exponent, int) and -exponent > places:
                self.problems.append(
                    Problem(
                        _("%(value)s has %(count)s decimals; the portal keeps %(places)s here.")
                        % {"value": value, "count": -exponent, "places": places},
                        where,
                        code="too_many_decimals",
                    )
                )
                return
        limit = largest(model, field)
        if abs(value) >= limit:
            self.problems.append(
                Problem(
                    _("%(what)s %(value)s is too large: the portal keeps numbers below %(limit)s here.")
                    % {"what": what or _("The number"), "value": _grouped(value), "limit": _grouped(limit)},
                    where,
                    code="too_large",
                )
            )
