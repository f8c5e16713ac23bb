"""Inbound messages are parsed here and handed to the app that owns them, by document type.

Apps register a handler per document type and integration kind, e.g.
``@register("OrderResponse", kind="purchase_order")``; until a business flow registers one, the
default records what the message is (type, key, partner) and marks it processed."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from jakamo import asn as jasn
from jakamo import shiphero, ubl
from jakamo import status as jstatus
from jakamo.errors import DocumentError
from jakamo.ubl_parse import parse_order_document
from jakamo.xmlsafe import local, parse_xml

log = logging.getLogger(__name__)


@dataclass
class Identified:
    document_type: str
    key: str
    partner: str
    document: object


Handler = Callable[["InboxMessage", Identified], None]  # noqa: F821
# (document type, integration kind) -> handler. A document type may be a family ("StatusMessage")
# or one member of it ("StatusMessage Delivered"); the most specific registration wins.
HANDLERS: dict[tuple[str, str], Handler] = {}


# Called after the owning app's handler, in the same transaction, for every processed message
# (the ERP gateway copies messages into its clients' queues this way).
SUBSCRIBERS: list[Handler] = []


def subscribe(func: Handler) -> Handler:
    SUBSCRIBERS.append(func)
    return func


def register(document_type: str, *, kind: str):
    def decorator(func: Handler) -> Handler:
        HANDLERS[(document_type, kind)] = func
        return func

    return decorator


def identify(body: bytes, content_type: str, integration_kind: str) -> Identified:
    """Parse a raw message and say what it is. Raises DocumentError with every problem found."""
    if integration_kind == "shiphero":
        doc = shiphero.parse_shipment_asn(body)
        return Identified("ShipHeroShipmentASN", doc.order_id, doc.shipping_details.trading_partner_name or "", doc)
    if integration_kind == "asn" or "json" in content_type.lower() or body.lstrip()[:1] in (b"{", b"["):
        doc = jasn.parse_asn(body)
        partner = doc.supplier.company_name if doc.supplier else ""
        return Identified("ASN", doc.shipment_number, partner or "", doc)
    root = parse_xml(body)
    kind = local(root.tag)
    if kind in ubl.KINDS:
        doc = parse_order_document(root)
        if kind == ubl.ORDER_RESPONSE:
            party = doc.seller_supplier_party.party if doc.seller_supplier_party else None
        else:
            party = doc.buyer_customer_party.party if doc.buyer_customer_party else None
        partner = (party.name or party.id or "") if party else ""
        return Identified(kind, doc.order_number, partner, doc)
    if kind == "StatusMessage":
        doc = jstatus.parse_status_message(root)
        return Identified(f"StatusMessage {doc.status}".strip(), doc.order_id, doc.seller_supplier_id or "", doc)
    raise DocumentError(f"Unknown message: the root element is <{kind}>.")


def handle(inbox, identified: Identified):
    kind = inbox.integration.kind
    handler = HANDLERS.get((identified.document_type, kind)) or HANDLERS.get(
        (identified.document_type.split(" ")[0], kind)
    )
    if handler is not None:
        handler(inbox, identified)
    for subscriber in SUBSCRIBERS:
        subscriber(inbox, identified)
