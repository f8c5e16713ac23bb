"""Inbound messages are parsed here and handed to the app that owns them, by document type.

``identify`` says what a raw message is; ``handle`` looks its (document type, integration kind) up in
the routing table and calls the owning app's function. Each business app fills the table with one
visible line per route in its ``AppConfig.ready()`` (orders/apps.py, shipments/apps.py), e.g.
``handlers.route("OrderResponse", Kind.PURCHASE_ORDER, purchase.on_order_response)``;
``routing_table()`` lists them and ``unrouted()`` what arrives with no route.

A message no app routes (a StatusMessage Cancelled on the PO queue, Received on the SO queue, JSON
on a queue of XML) is refused with ``NoRoute``: the inbox stores it as failed with a sentence a
person can act on, never as processed with no effect. Subscribers (``subscribe``, the ERP gateway in
gateway/apps.py) see every applied message in the same transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

from common import hooks
from jakamo import asn as jasn
from jakamo import shiphero, ubl
from jakamo import status as jstatus
from jakamo.errors import DocumentError
from jakamo.ubl_parse import parse_order_document
from jakamo.xmlsafe import local, parse_xml
from mappings.models import Kind

log = logging.getLogger(__name__)


@dataclass
class Identified:
    document_type: str
    key: str
    partner: str
    document: object


class NoRoute(DocumentError):
    """Nothing in the portal applies this document type on this kind of queue."""

    code = "no_route"

    def __init__(self, document_type: str, kind: str):
        self.document_type, self.kind = document_type, kind
        expected = ", ".join(sorted(t for t, k in HANDLERS if k == kind)) or "nothing"
        super().__init__(
            f"A {document_type or 'message of unknown type'} arrived on a {Kind(kind).label} queue, where the "
            f"portal applies only {expected}. It was acknowledged and kept here, and it changed nothing. If "
            "the other party sent it to the wrong queue, ask them to send it to the right integration; if "
            "the integration's kind is wrong, fix it and reprocess this message."
        )


Handler = Callable[["InboxMessage", Identified], None]  # noqa: F821

# Every document type ``identify`` can name on an integration of each kind. A Jakamo queue's XML is
# an Order, OrderChange, OrderResponse or StatusMessage <status>; a JSON body is read as an ASN on
# any queue.
_STATUS_TYPES = tuple(f"StatusMessage {s}" for s in jstatus.STATUSES)
IDENTIFIABLE: dict[Kind, tuple[str, ...]] = {
    Kind.PURCHASE_ORDER: (*ubl.KINDS, *_STATUS_TYPES, "ASN"),
    Kind.SALES_ORDER: (*ubl.KINDS, *_STATUS_TYPES, "ASN"),
    Kind.ASN: ("ASN",),
    Kind.SHIPHERO: ("ShipHeroShipmentASN",),
}

# (document type, integration kind) -> handler, filled by ``route``. A document type may be a family
# ("StatusMessage") or one member of it ("StatusMessage Delivered"); the most specific route wins.
HANDLERS: dict[tuple[str, Kind], Handler] = {}

# Called after the owning app's handler (if any), in the same transaction, for every handled
# message; filled by ``subscribe``.
SUBSCRIBERS: list[Handler] = []


def _name(func) -> str:
    return f"{func.__module__}.{func.__qualname__}"


def route(document_type: str, kind: Kind, handler: Handler) -> None:
    """Send messages of ``document_type`` arriving on an integration of ``kind`` to ``handler``.
    Called from an app's ``ready()``; a second route for the same (type, kind), an unknown kind or a
    type that never arrives on that kind stops the startup with ImproperlyConfigured."""
    try:
        kind = Kind(kind)
    except ValueError:
        raise ImproperlyConfigured(
            f"Route for {document_type!r} to {_name(handler)}: {kind!r} is not an integration kind "
            f"({', '.join(Kind.values)})."
        ) from None
    arrives = IDENTIFIABLE[kind]
    if not any(t == document_type or t.split(" ")[0] == document_type for t in arrives):
        raise ImproperlyConfigured(
            f"Route for {document_type!r} on {kind.value} to {_name(handler)}: no such message arrives on "
            f"that kind (it carries {', '.join(arrives)})."
        )
    existing = HANDLERS.get((document_type, kind))
    if existing is not None:
        raise ImproperlyConfigured(
            f"{document_type!r} on {kind.value} is routed twice: to {_name(existing)} and to {_name(handler)}. "
            "Each (document type, integration kind) has one handler."
        )
    HANDLERS[(document_type, kind)] = handler


def subscribe(subscriber: Handler) -> None:
    """Call ``subscriber`` after every handled message (see ``handle``). Called from an app's
    ``ready()``; subscribing the same function twice is refused."""
    hooks.register(SUBSCRIBERS, subscriber, what="as a subscriber")


def handler_for(document_type: str, kind: str) -> Handler | None:
    """The function that applies a message of this type on this kind of integration, if any."""
    return HANDLERS.get((document_type, kind)) or HANDLERS.get((document_type.split(" ")[0], kind))


@dataclass(frozen=True)
class Route:
    document_type: str
    kind: str
    handler: str  # dotted name of the function

    def __str__(self):
        return f"{self.document_type:<26} {self.kind:<15} {self.handler}"


def routing_table() -> list[Route]:
    """Every route, by kind then document type, with the dotted name of the function it calls."""
    rows = [Route(t, Kind(k).value, _name(h)) for (t, k), h in HANDLERS.items()]
    return sorted(rows, key=lambda r: (r.kind, r.document_type))


def unrouted() -> list[tuple[str, str]]:
    """(document type, kind) of every message ``identify`` can name that no route handles: these are
    refused (``NoRoute``) and stored as failed with the reason."""
    return [(t, k.value) for k, types in IDENTIFIABLE.items() for t in types if handler_for(t, k) is None]


def identify(body: bytes, content_type: str, integration_kind: str) -> Identified:
    """Parse a raw message and say what it is. Raises DocumentError with every problem found."""
    if integration_kind == Kind.SHIPHERO:
        doc = shiphero.parse_shipment_asn(body)
        return Identified("ShipHeroShipmentASN", doc.order_id, doc.shipping_details.trading_partner_name or "", doc)
    if integration_kind == Kind.ASN or "json" in content_type.lower() or body.lstrip()[:1] in (b"{", b"["):
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


def handle(inbox, identified: Identified) -> None:
    """Apply a message: its route's handler, then every subscriber. Raises NoRoute when no app
    applies this type on this kind of integration (nothing is called then)."""
    kind = inbox.integration.kind
    handler = handler_for(identified.document_type, kind)
    if handler is None:
        raise NoRoute(identified.document_type, kind)
    handler(inbox, identified)
    for subscriber in SUBSCRIBERS:
        subscriber(inbox, identified)
