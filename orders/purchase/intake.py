"""Orders coming in from outside (ERP endpoint, file upload, the order form): one way to read,
validate and refuse, so that every way in behaves the same."""

from __future__ import annotations

import hashlib
import secrets

from django.utils.translation import gettext as _

from jakamo import ubl
from jakamo.errors import DocumentError, Problem
from jakamo.ubl_parse import parse_order_document
from mappings.models import CompanyMapping, Integration, UserMapping
from orders import bounds
from orders.models import ErpClient, PurchaseOrder

from . import form_document, services


def order_from_xml(integration: Integration, data: bytes, user=None) -> PurchaseOrder:
    """Read an Order XML and create the purchase order. Raises OrderRefused with every problem."""
    try:
        document = parse_order_document(data, kinds=(ubl.ORDER,))
    except DocumentError as exc:
        raise services.OrderRefused(exc.problems + other_problems(integration, exc)) from None
    return services.purchase_order_create(integration=integration, document=document, user=user)


# Checks whose outcome a value the reader could not read would change (a quantity that is no
# number reads as missing): left out while the reader has problems, said once those are fixed.
_AFTER_READING = ("Order/IssueDate", "Order/OrderLine[")


def other_problems(integration: Integration, exc: DocumentError) -> list[Problem]:
    """What else is wrong with a document the reader refused, so that one answer names it all."""
    partial = getattr(exc, "document", None)
    if partial is None:
        return []
    fitting = bounds.order_problems(partial)  # a value too long reads well: said at once
    return [
        p
        for p in services.validate_new_order(integration, partial)
        if not p.path.startswith(_AFTER_READING) or p in fitting
    ]


def erp_client_create(*, name: str, integration: Integration) -> tuple[ErpClient, str]:
    """A new ERP client and its token; the token is shown once and only its hash is kept."""
    token = secrets.token_urlsafe(32)
    client = ErpClient.objects.create(
        name=name, integration=integration, token_hash=hashlib.sha256(token.encode()).hexdigest(), token_hint=token[:6]
    )
    return client, token


def erp_client_for(authorization: str) -> ErpClient | None:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    digest = hashlib.sha256(token.strip().encode()).hexdigest()
    return ErpClient.objects.select_related("integration").filter(token_hash=digest, active=True).first()


def _mapping_problems(integration: Integration, header: dict) -> tuple[list[Problem], CompanyMapping | None]:
    """What the form's supplier and buyer contact lack at Jakamo's end, and the supplier's mapping."""
    problems = []
    vendor = None
    if "supplier" in header:
        vendor = CompanyMapping.objects.filter(integration=integration, identifier=header["supplier"]).first()
        if vendor is None:
            problems.append(
                Problem(_("no company mapping for supplier “%(id)s”") % {"id": header["supplier"]}, "supplier")
            )
    if not UserMapping.objects.filter(integration=integration, identifier=header["buyer_contact"]).exists():
        problems.append(
            Problem(_("no user mapping for buyer contact “%(id)s”") % {"id": header["buyer_contact"]}, "buyer_contact")
        )
    return problems, vendor


def order_from_form(integration: Integration, header: dict, lines: list[dict], user=None) -> PurchaseOrder:
    """Build an Order from the order form's cleaned data (lines with their delivery batches)."""
    problems, vendor = _mapping_problems(integration, header)
    if not integration.buyer_party_id:
        problems.insert(
            0,
            Problem(
                _(
                    "%(integration)s has no id for our company: set “Buyer party id” on the integration's page; "
                    "Jakamo and the supplier know the buyer by it"
                )
                % {"integration": integration.name},
                "BuyerCustomerParty/Party/PartyIdentification/ID",
            ),
        )
    if problems:
        raise services.OrderRefused(problems)
    document = form_document.document_from_form(None, header, lines, number=header["order_number"])
    document.buyer_customer_party = ubl.CustomerParty(
        ubl.Party([ubl.Identifier(integration.buyer_party_id)]), buyer_contact=ubl.Contact(id=header["buyer_contact"])
    )
    document.seller_supplier_party = ubl.SupplierParty(
        ubl.Party([ubl.Identifier(vendor.identifier)], name=vendor.company_name)
    )
    return services.purchase_order_create(integration=integration, document=document, user=user)


def order_change_from_form(order: PurchaseOrder, header: dict, lines: list[dict], user=None) -> PurchaseOrder:
    """Revise the order with the order-change form's cleaned data: its current document with the
    form's fields put in, sent as an OrderChange. Raises OrderRefused or Refused."""
    problems, _vendor = _mapping_problems(order.integration, header)
    if problems:
        raise services.OrderRefused(problems)
    document = form_document.document_from_form(services.order_document(order), header, lines)
    contact = document.buyer_customer_party.buyer_contact if document.buyer_customer_party else None
    if contact is None or contact.id != header["buyer_contact"]:
        # Another person's name and details would go out under the new id.
        document.buyer_customer_party = document.buyer_customer_party or ubl.CustomerParty(ubl.Party())
        document.buyer_customer_party.buyer_contact = ubl.Contact(id=header["buyer_contact"])
    return services.purchase_order_revise(order=order, document=document, user=user)
