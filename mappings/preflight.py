"""Before anything is sent, the mappings it needs are checked here, so that a missing one blocks
the send with a sentence naming it (instead of a 400 from Jakamo later)."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from .models import CompanyMapping, Integration, Kind, UserMapping


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
    for identifier in required.get("companies", []):
        if identifier not in known_companies:
            what = "supplier" if integration.kind == Kind.PURCHASE_ORDER else "customer"
            missing.append(
                Missing(
                    "company",
                    identifier,
                    f"No company mapping for the {what} identifier “{identifier or '(empty)'}” in "
                    f"{integration.name}. Add it under Company mappings.",
                    add_url,
                )
            )
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
