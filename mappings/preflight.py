"""Before anything is sent, the mappings it needs are checked here, so that a missing one blocks
the send with a sentence naming it (instead of a 400 from Jakamo later)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC

from django.urls import reverse

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
    # Jakamo's own list from the last "Check with Jakamo": a mapping it lacks is refused there. The
    # sentences are kept (a blocked send's reason) and read by ERPs, so they stay in English, like
    # the user mapping's below.
    at_jakamo = JakamoCompanyList.objects.filter(integration=integration).first()
    what = "supplier" if integration.kind == Kind.PURCHASE_ORDER else "customer"
    for identifier in required.get("companies", []):
        shown = identifier or "(empty)"
        jakamo_has = at_jakamo is not None and identifier in at_jakamo.mapped_ids
        if identifier not in known_companies:
            sentence = (
                f"No company mapping for the {what} identifier “{shown}” in {integration.name}. "
                "Add it under Company mappings."
            )
            if jakamo_has:
                sentence += " Jakamo has it: add it with one click under “Check with Jakamo”."
            missing.append(Missing("company", identifier, sentence, add_url))
        elif at_jakamo is not None and not jakamo_has:
            checked = f"{at_jakamo.checked_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
            sentence = (
                f"Jakamo has no company mapping for the {what} identifier “{shown}” in {integration.name} "
                f"(its list as checked {checked}), so it would refuse the message. Add the mapping in Jakamo, "
                "then press “Check with Jakamo” on the integration's page."
            )
            missing.append(Missing("company", identifier, sentence, add_url))
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
