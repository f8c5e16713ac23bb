"""Before anything is sent, the mappings it needs are checked here, so that a missing one blocks
the send with a sentence naming it (instead of a 400 from Jakamo later)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import CompanyMapping, Integration, Kind, UserMapping

# What is missing, by the role the identifier plays; said in the reader's language when shown.
SENTENCES = {
    "supplier": _(
        "No company mapping for the supplier identifier “%(identifier)s” in %(integration)s. Add it under "
        "Company mappings."
    ),
    "customer": _(
        "No company mapping for the customer identifier “%(identifier)s” in %(integration)s. Add it under "
        "Company mappings."
    ),
    "buyer_contact": _(
        "No user mapping for the buyer contact “%(identifier)s” in %(integration)s. Add it under User mappings."
    ),
    "seller_contact": _(
        "No user mapping for the seller contact “%(identifier)s” in %(integration)s. Add it under User mappings."
    ),
}


def sentence(role: str, identifier: str, integration_name: str) -> str:
    return gettext(SENTENCES[role]) % {"identifier": identifier or gettext("(empty)"), "integration": integration_name}


@dataclass
class Missing:
    kind: str  # company | user
    identifier: str
    role: str  # a key of SENTENCES
    integration_name: str
    add_url: str

    @property
    def sentence(self) -> str:
        return sentence(self.role, self.identifier, self.integration_name)

    def as_record(self) -> dict:
        """As a blocked message keeps it: what is missing, no sentence."""
        return {"kind": self.kind, "identifier": self.identifier, "role": self.role}


def in_english(missing: list[Missing]) -> str:
    """The sentences for machines and searches (the ERP's answer, the message history's search),
    in the portal's own language whoever made the change."""
    with translation.override(settings.LANGUAGE_CODE):
        return " ".join(m.sentence for m in missing)


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
            role = "supplier" if integration.kind == Kind.PURCHASE_ORDER else "customer"
            missing.append(Missing("company", identifier, role, integration.name, add_url))
    known_users = set(
        UserMapping.objects.filter(integration=integration, identifier__in=required.get("users", [])).values_list(
            "identifier", flat=True
        )
    )
    for identifier in required.get("users", []):
        if identifier not in known_users:
            role = "buyer_contact" if integration.kind == Kind.PURCHASE_ORDER else "seller_contact"
            missing.append(Missing("user", identifier, role, integration.name, add_url))
    return missing
