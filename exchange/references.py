"""What a message in the history is about, as the apps that own it know it: the order it names (a
link, for a person who may open it) and its partner's name beside the partner's id.

A message carries only text: its document key and a partner that is an id on some routes and a
name on others. The engine cannot read the orders app (it sits above), so the apps register a finder
in their ``AppConfig.ready()`` (orders/apps.py), one line each, as they register routes."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Q

from common import hooks
from mappings.models import CompanyMapping


@dataclass(frozen=True)
class Reference:
    """An order a message is about: its page (``url``, empty for a person who may not open it),
    and its partner as the order knows it."""

    url: str
    partner_id: str
    partner_name: str


# (user, [(integration id, document key), …]) -> {(integration id, document key): Reference}
Finder = Callable[[object, list[tuple[int, str]]], dict[tuple[int, str], Reference]]
FINDERS: list[Finder] = []


def finder(func: Finder) -> Finder:
    return hooks.register(FINDERS, func, what="as a message reference finder")


def annotate(rows: Iterable[dict], user) -> None:
    """Add to each history row (``selectors.filtered_page``) ``order_url``, ``partner_name`` and
    ``partner_id``: the name first, the id as secondary text, as the order or the company mappings
    know them; a partner nobody knows is shown as it arrived."""
    rows = list(rows)
    keys = sorted({(r["obj"].integration_id, r["obj"].document_key) for r in rows if r["obj"].document_key})
    found: dict[tuple[int, str], Reference] = {}
    for find in FINDERS:
        for key, ref in find(user, keys).items():
            found.setdefault(key, ref)
    partners = {(r["obj"].integration_id, r["obj"].partner) for r in rows if r["obj"].partner}
    names = _mapped_names(partners)
    for r in rows:
        obj = r["obj"]
        ref = found.get((obj.integration_id, obj.document_key))
        r["order_url"] = ref.url if ref else ""
        if ref:
            # The message is about this order: its partner is the order's, whatever form it came in.
            name, ident = ref.partner_name, ref.partner_id
        elif (obj.integration_id, obj.partner) in names:
            name, ident = names[(obj.integration_id, obj.partner)]
        else:
            name, ident = obj.partner, ""
        r["partner_name"], r["partner_id"] = (name or ident), (ident if name and ident != name else "")


def _mapped_names(partners: set[tuple[int, str]]) -> dict[tuple[int, str], tuple[str, str]]:
    """(integration, partner as sent) -> (Jakamo company name, our identifier), from the company
    mappings: a partner may arrive as our identifier, as Jakamo's external identifier or by name."""
    if not partners:
        return {}
    values = {p for _, p in partners}
    out: dict[tuple[int, str], tuple[str, str]] = {}
    found = Q(identifier__in=values) | Q(external_identifier__in=values) | Q(company_name__in=values)
    for m in CompanyMapping.objects.filter(found, integration_id__in={i for i, _ in partners}).only(
        "integration_id", "identifier", "external_identifier", "company_name"
    ):
        for sent in (m.identifier, m.external_identifier, m.company_name):
            if sent and sent in values and (m.integration_id, sent) in partners:
                out.setdefault((m.integration_id, sent), (m.company_name, m.identifier))
    return out
