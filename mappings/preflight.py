"""Before anything is sent, the mappings it needs are checked here, so that a missing one blocks
the send with a sentence naming it (instead of a 400 from Jakamo later)."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from .models import CompanyMapping, Integration, JakamoCompanyList, Kind, UserMapping


@dataclass
class Missing:
    kind: str  # company | user
    identifier: str
    sentence: str
    add_url: str


def required_for(integration: Integration, document) -> dict[str, list[str]]:
    """Which mappings a document needs: PO side vendor id and buyer contact, SO side customer id
    and seller contact (the Jakamo error tables name exactly these)."""
    from jakamo import ubl

    if not isinstance(document, ubl.OrderDocument):
        return {}
    if integration.kind == Kind.PURCHASE_ORDER and document.kind in (ubl.ORDER, ubl.ORDER_CHANGE):
        return {"companies": [document.vendor_id or ""], "users": [document.buyer_contact_id or ""]}
    if integration.kind == Kind.SALES_ORDER and document.kind == ubl.ORDER_RESPONSE:
        return {"companies": [document.buyer_id or ""], "users": [document.seller_contact_id or ""]}
    return {}


def missing_mappings(integration: Integration, required: dict[str, list[str]]) -> list[Missing]:
    missing = []
    add_url = reverse("mappings:integration_detail", args=[integration.pk]) + "#mappings"
    known_companies = set(
        CompanyMapping.objects.filter(
            integration=integration, identifier__in=required.get("companies", [])
        ).values_list("identifier", flat=True)
    )
    # Jakamo's own list from the last "Check with Jakamo": a mapping it lacks is refused there.
    at_jakamo = JakamoCompanyList.objects.filter(integration=integration).first()
    what = _("supplier") if integration.kind == Kind.PURCHASE_ORDER else _("customer")
    for identifier in required.get("companies", []):
        shown = identifier or _("(empty)")
        params = {"what": what, "identifier": shown, "integration": integration.name}
        jakamo_has = at_jakamo is not None and identifier in at_jakamo.mapped_ids
        if identifier not in known_companies:
            sentence = _(
                "No company mapping for the %(what)s identifier “%(identifier)s” in %(integration)s. "
                "Add it under Company mappings."
            )
            if jakamo_has:
                sentence += " " + _("Jakamo has it: add it with one click under “Check with Jakamo”.")
            missing.append(Missing("company", identifier, sentence % params, add_url))
        elif at_jakamo is not None and not jakamo_has:
            params["checked"] = date_format(localtime(at_jakamo.checked_at), "SHORT_DATETIME_FORMAT")
            sentence = _(
                "Jakamo has no company mapping for the %(what)s identifier “%(identifier)s” in %(integration)s "
                "(its list as checked %(checked)s), so it would refuse the message. Add the mapping in Jakamo, "
                "then press “Check with Jakamo” on the integration's page."
            )
            missing.append(Missing("company", identifier, sentence % params, add_url))
    known_users = set(
        UserMapping.objects.filter(integration=integration, identifier__in=required.get("users", [])).values_list(
            "identifier", flat=True
        )
    )
    for identifier in required.get("users", []):
        if identifier not in known_users:
            contact = "buyer contact" if integration.kind == Kind.PURCHASE_ORDER else "seller contact"
            missing.append(
                Missing(
                    "user",
                    identifier,
                    f"No user mapping for the {contact} “{identifier or '(empty)'}” in {integration.name}. "
                    "Add it under User mappings.",
                    add_url,
                )
            )
    return missing
