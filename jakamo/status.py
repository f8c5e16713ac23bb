"""Jakamo's own StatusMessage (not UBL): Cancelled and Received going to Jakamo, Delivered both
ways (PO queue in, SO API out). Shape from PO document 6.6, 6.8.1 and 6.10."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from lxml import etree

from .errors import DocumentError, Problem
from .ubl_build import fmt_decimal, unwritable
from .ubl_parse import _all, _first_children, _Reader, _scan, _text, parse_date
from .xmlsafe import local, parse_xml

CANCELLED = "Cancelled"
RECEIVED = "Received"
DELIVERED = "Delivered"
STATUSES = (CANCELLED, RECEIVED, DELIVERED)


@dataclass
class DeliveryStatus:
    """One delivery batch in a StatusMessage."""

    delivery_id: str
    received_quantity: Decimal | None = None
    received_date: date | None = None
    real_delivery_date: date | None = None
    tracking_number: str | None = None
    delivered_quantity: Decimal | None = None


@dataclass
class LineStatus:
    order_line_id: str
    deliveries: list[DeliveryStatus] = field(default_factory=list)
    real_delivery_date: date | None = None
    tracking_number: str | None = None
    delivered_quantity: Decimal | None = None


@dataclass
class StatusMessage:
    order_id: str
    status: str
    event_date: date | None = None
    real_delivery_date: date | None = None
    tracking_number: str | None = None
    buyer_customer_id: str | None = None
    seller_supplier_id: str | None = None
    lines: list[LineStatus] = field(default_factory=list)

    @property
    def level(self) -> str:
        """order, line or batch: how much the message covers."""
        if not self.lines:
            return "order"
        if any(line.deliveries for line in self.lines):
            return "batch"
        return "line"


def parse_status_message(data) -> StatusMessage:
    root = data if isinstance(data, etree._Element) else parse_xml(data)
    if local(root.tag) != "StatusMessage":
        raise DocumentError(
            [Problem(f"Expected StatusMessage, but the root element is <{local(root.tag)}>.", local(root.tag))]
        )
    r = _Reader()
    in_message = _scan(root)
    get = in_message[0].get
    order_id = _text(get("OrderID"))
    if order_id is None:
        r.problem(root, "StatusMessage has no OrderID")
    status = _text(get("Status"))
    if status is None:
        r.problem(root, "StatusMessage has no Status")
    elif status not in STATUSES:
        r.problem(get("Status"), f"unknown Status '{status}' (expected {', '.join(STATUSES)})")
    lines = []
    for line_el in _all(in_message, "OrderLine"):
        scanned_line = _scan(line_el)
        in_line = scanned_line[0].get
        line_id = _text(in_line("OrderLineID"))
        if line_id is None:
            r.problem(line_el, "OrderLine has no OrderLineID")
            continue
        deliveries = []
        for d in _all(scanned_line, "Delivery"):
            in_delivery = _first_children(d).get
            delivery_id = _text(in_delivery("DeliveryID"))
            if delivery_id is None:
                r.problem(d, "Delivery has no DeliveryID")
                continue
            deliveries.append(
                DeliveryStatus(
                    delivery_id=delivery_id,
                    received_quantity=r.decimal(in_delivery("ReceivedQuantity")),
                    received_date=r.date(in_delivery("ReceivedDate")),
                    real_delivery_date=r.date(in_delivery("RealDeliveryDate")),
                    tracking_number=_text(in_delivery("TrackingNumber")),
                    delivered_quantity=r.decimal(in_delivery("DeliveredQuantity")),
                )
            )
        lines.append(
            LineStatus(
                order_line_id=line_id,
                deliveries=deliveries,
                real_delivery_date=r.date(in_line("RealDeliveryDate")),
                tracking_number=_text(in_line("TrackingNumber")),
                delivered_quantity=r.decimal(in_line("DeliveredQuantity")),
            )
        )
    msg = StatusMessage(
        order_id=order_id or "",
        status=status or "",
        event_date=r.date(get("EventDate")),
        real_delivery_date=r.date(get("RealDeliveryDate")),
        tracking_number=_text(get("TrackingNumber")),
        buyer_customer_id=_text(get("BuyerCustomerID")),
        seller_supplier_id=_text(get("SellerSupplierID")),
        lines=lines,
    )
    for line in msg.lines:
        for d in line.deliveries:
            if d.received_quantity is not None and d.received_quantity <= 0:
                r.problems.append(
                    Problem(
                        "ReceivedQuantity must be more than zero",
                        f"OrderLine {line.order_line_id}/Delivery {d.delivery_id}",
                    )
                )
    if r.problems:
        raise DocumentError(r.problems)
    return msg


def build_status_message(msg: StatusMessage) -> bytes:
    if not msg.order_id:
        raise DocumentError([Problem("a StatusMessage needs an OrderID", "OrderID")])
    if msg.status not in STATUSES:
        raise DocumentError([Problem(f"unknown Status '{msg.status}'", "Status")])
    root = etree.Element("StatusMessage")

    def add(parent, name, value):
        if value is None or value == "":
            return
        node = etree.SubElement(parent, name)
        if isinstance(value, date):
            node.text = value.isoformat()
        elif isinstance(value, Decimal):
            node.text = fmt_decimal(value)
        else:
            try:
                node.text = str(value)
            except ValueError:
                raise unwritable(node, value) from None

    add(root, "OrderID", msg.order_id)
    add(root, "Status", msg.status)
    add(root, "EventDate", msg.event_date)
    add(root, "RealDeliveryDate", msg.real_delivery_date)
    add(root, "TrackingNumber", msg.tracking_number)
    add(root, "BuyerCustomerID", msg.buyer_customer_id)
    add(root, "SellerSupplierID", msg.seller_supplier_id)
    for line in msg.lines:
        line_el = etree.SubElement(root, "OrderLine")
        add(line_el, "OrderLineID", line.order_line_id)
        for d in line.deliveries:
            d_el = etree.SubElement(line_el, "Delivery")
            add(d_el, "DeliveryID", d.delivery_id)
            add(d_el, "ReceivedDate", d.received_date)
            add(d_el, "ReceivedQuantity", d.received_quantity)
            add(d_el, "RealDeliveryDate", d.real_delivery_date)
            add(d_el, "TrackingNumber", d.tracking_number)
            add(d_el, "DeliveredQuantity", d.delivered_quantity)
        add(line_el, "RealDeliveryDate", line.real_delivery_date)
        add(line_el, "TrackingNumber", line.tracking_number)
        add(line_el, "DeliveredQuantity", line.delivered_quantity)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


__all__ = [
    "DeliveryStatus",
    "LineStatus",
    "StatusMessage",
    "build_status_message",
    "parse_date",
    "parse_status_message",
]
