"""Numbers as a person reads them: no trailing zeros a database column keeps (35.500000 is 35.50
as money and 35.5 as a quantity), in the active language's separators (Finnish 35,50)."""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.formats import number_format

register = template.Library()


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None
    return number if number.is_finite() else None


def readable(value, minimum_places: int = 0) -> str:
    """``value`` with its insignificant zeros trimmed but at least ``minimum_places`` decimals,
    grouped and separated as the active language writes numbers; "" for no number."""
    number = _decimal(value)
    if number is None:
        return ""
    exponent = number.normalize().as_tuple().exponent
    places = max(minimum_places, -exponent if isinstance(exponent, int) and exponent < 0 else 0)
    return number_format(number, decimal_pos=places, use_l10n=True, force_grouping=True)


@register.filter
def money(value) -> str:
    """An amount or a price: at least two decimals (35.50), more only where they mean something."""
    return readable(value, 2)


@register.filter
def quantity(value) -> str:
    """A quantity: as many decimals as it has (10, 2.5)."""
    return readable(value, 0)
