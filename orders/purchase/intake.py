"""Orders coming in from outside (ERP endpoint, file upload, the order form): one way to read,
validate and refuse, so that every way in behaves the same."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from jakamo import ubl
from jakamo.errors import DocumentError, Problem
from jakamo.ubl_parse import parse_order_document
from mappings.models import CompanyMapping, Integration, UserMapping
from orders import bounds
from orders.models import ErpClient, PurchaseOrder

from . import services


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


def order_from_form(integration: Integration, header: dict, lines: list[dict], user=None) -> PurchaseOrder:
    """Build an Order from the order form's cleaned data (lines with their delivery batches)."""
    vendor = CompanyMapping.objects.filter(integration=integration, identifier=header["supplier"]).first()
    contact = UserMapping.objects.filter(integration=integration, identifier=header["buyer_contact"]).first()
    problems = []
    if not integration.buyer_party_id:
        problems.append(
            Problem(
                _(
                    "%(integration)s has no id for our company: set “Buyer party id” on the integration's page; "
                    "Jakamo and the supplier know the buyer by it"
                )
                % {"integration": integration.name},
                "BuyerCustomerParty/Party/PartyIdentification/ID",
            )
        )
    if vendor is None:
        problems.append(Problem(f"no company mapping for supplier “{header['supplier']}”", "supplier"))
    if contact is None:
        problems.append(Problem(f"no user mapping for buyer contact “{header['buyer_contact']}”", "buyer_contact"))
    if problems:
        raise services.OrderRefused(problems)
    number = header["order_number"]
    currency = header.get("currency") or "EUR"
    order_lines = []
    for n, line in enumerate(lines, 1):
        batches = line.get("batches") or [(line["quantity"], line["requested_date"])]
        order_lines.append(
            ubl.OrderLine(
                id=str(n),
                quantity=ubl.Quantity(line["quantity"], line.get("unit_code") or "PCE"),
                deliveries=[
                    ubl.Delivery(
                        id=f"{number}-{n}-{b}",
                        quantity=ubl.Quantity(qty, line.get("unit_code") or "PCE"),
                        requested_end_date=when,
                    )
                    for b, (qty, when) in enumerate(batches, 1)
                ],
                price=ubl.Price(
                    ubl.Amount(line["price"], currency),
                    ubl.Quantity(line.get("base_quantity") or Decimal(1), line.get("unit_code") or "PCE"),
                ),
                item=ubl.Item(
                    name=line["item_name"],
                    buyers_item_identification=ubl.ItemIdentification(line["buyers_item_id"])
                    if line.get("buyers_item_id")
                    else None,
                    sellers_item_identification=ubl.ItemIdentification(line["sellers_item_id"])
                    if line.get("sellers_item_id")
                    else None,
                ),
            )
        )
    document = ubl.OrderDocument(
        kind=ubl.ORDER,
        id=number,
        issue_date=date.today(),
        document_currency_code=currency,
        notes=[header["note"]] if header.get("note") else [],
        buyer_customer_party=ubl.CustomerParty(
            ubl.Party([ubl.Identifier(integration.buyer_party_id)]), buyer_contact=ubl.Contact(id=contact.identifier)
        ),
        seller_supplier_party=ubl.SupplierParty(
            ubl.Party([ubl.Identifier(vendor.identifier)], name=vendor.company_name)
        ),
        lines=order_lines,
    )
    return services.purchase_order_create(integration=integration, document=document, user=user)
