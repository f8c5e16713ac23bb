"""Before anything is sent, the mappings it needs are checked here, so that a missing one blocks
the send with a sentence naming it (instead of a 400 from Jakamo later)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import CompanyMapping, Integration, JakamoCompanyList, Kind, UserMapping

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
    # Missing here while Jakamo has it (its list from the last "Check with Jakamo").
    "supplier_jakamo_has": _(
        "No company mapping for the supplier identifier “%(identifier)s” in %(integration)s. Jakamo has it: "
        "add it with one click under “Check with Jakamo”."
    ),
    "customer_jakamo_has": _(
        "No company mapping for the customer identifier “%(identifier)s” in %(integration)s. Jakamo has it: "
        "add it with one click under “Check with Jakamo”."
    ),
    # Mapped here, missing from Jakamo's list as last checked: Jakamo would refuse the message.
    "supplier_not_at_jakamo": _(
        "Jakamo has no company mapping for the supplier identifier “%(identifier)s” in %(integration)s (its "
        "list as checked %(checked)s), so it would refuse the message. Add the mapping in Jakamo, then press "
        "“Check with Jakamo” on the integration's page."
    ),
    "customer_not_at_jakamo": _(
        "Jakamo has no company mapping for the customer identifier “%(identifier)s” in %(integration)s (its "
        "list as checked %(checked)s), so it would refuse the message. Add the mapping in Jakamo, then press "
        "“Check with Jakamo” on the integration's page."
    ),
    "buyer_contact": _(
        "No user mapping for the buyer contact “%(identifier)s” in %(integration)s. Add it under User mappings."
    ),
    "seller_contact": _(
        "No user mapping for the seller contact “%(identifier)s” in %(integration)s. Add it under User mappings."
    ),
}


def sentence(role: str, identifier: str, integration_name: str, checked: str = "") -> str:
    return gettext(SENTENCES[role]) % {
        "identifier": identifier or gettext("(empty)"),
        "integration": integration_name,
        "checked": checked,
    }


@dataclass
class Missing:
    kind: str  # company | user
    identifier: str
    role: str  # a key of SENTENCES
    integration_name: str
    add_url: str
    checked: str = ""  # when Jakamo's list was checked, for the roles that read it

    @property
    def sentence(self) -> str:
        return sentence(self.role, self.identifier, self.integration_name, self.checked)

    def as_record(self) -> dict:
        """As a blocked message keeps it: what is missing, no sentence."""
        record = {"kind": self.kind, "identifier": self.identifier, "role": self.role}
        return record | ({"checked": self.checked} if self.checked else {})


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
    # Jakamo's own list from the last "Check with Jakamo": a mapping it lacks is refused there.
    at_jakamo = JakamoCompanyList.objects.filter(integration=integration).first()
    what = "supplier" if integration.kind == Kind.PURCHASE_ORDER else "customer"
    for identifier in required.get("companies", []):
        jakamo_has = at_jakamo is not None and identifier in at_jakamo.mapped_ids
        if identifier not in known_companies:
            role = f"{what}_jakamo_has" if jakamo_has else what
            missing.append(Missing("company", identifier, role, integration.name, add_url))
        elif at_jakamo is not None and not jakamo_has:
            checked = f"{at_jakamo.checked_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
            missing.append(Missing("company", identifier, f"{what}_not_at_jakamo", integration.name, add_url, checked))
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
