"""The other party's moves in the simulated Jakamo: the supplier answering a buyer's order (PO
side), the customer placing, changing and cancelling orders (SO side), and a ShipHero account
firing Shipment ASN webhooks. Each produces the message Jakamo would queue, with its headers."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import requests
from django.db import transaction

from jakamo import asn as jasn
from jakamo import shiphero, ubl
from jakamo import status as jstatus
from jakamo.ubl_build import build_order_document

from . import jakamo_rules as rules
from .models import Api, CompanyMapping, Integration, Order, OrderStatus, Webhook
from .services import (
    confirmed_doc,
    enqueue,
    integration_for,
    refresh_status,
    requested_doc,
    response_from_order,
)


class PartyActionError(Exception):
    """The simulated party cannot do this (as Jakamo's UI would not let it)."""


@dataclass
class LineChange:
    """How the supplier confirms one line. Unset values are confirmed as requested."""

    quantity: Decimal | None = None
    price: Decimal | None = None
    promised_date: date | None = None
    new_batches: list[tuple[Decimal, date]] = field(default_factory=list)
    leave_open: bool = False
    draft: bool = False
    sellers_item_id: str | None = None


def _lock(order: Order) -> Order:
    return Order.objects.select_for_update().get(pk=order.pk)


def _po_queue_send(order: Order, document_type: str, body: str, *, confirmable: bool = False):
    if order.buyer_integration is not None:
        enqueue(order.buyer_integration, document_type, body, order=order, confirmable=confirmable)


# -- PO side: the sandbox plays the supplier --------------------------------------------------
def supplier_confirm(order: Order, changes: dict[str, LineChange] | None = None, *, note: str = "") -> Order:
    """Confirm an order as requested (no changes), with changes, partially (lines left Open) or
    as Draft; the OrderResponse goes to the buyer's PO queue with a Jakamo-Confirm-Url."""
    changes = changes or {}
    with transaction.atomic():
        order = _lock(order)
        if order.status in (OrderStatus.CANCELLED, OrderStatus.RECEIVED):
            raise PartyActionError(f"Order {order.order_number} is {order.status.lower()}; it cannot be confirmed.")
        requested = requested_doc(order)
        unknown = set(changes) - {line.id for line in requested.lines}
        if unknown:
            raise PartyActionError(f"Order {order.order_number} has no line {', '.join(sorted(unknown))}.")
        buyer = order.buyer_integration
        response = response_from_order(requested, status=ubl.CONFIRMED)
        for line in response.lines:
            change = changes.get(line.id)
            if change is None or line.line_status_code == ubl.CANCELLED:
                continue
            _apply_change(line, change, buyer)
        if note:
            response.notes = [note]
        body = build_order_document(response).decode()
        order.confirmed_xml = body
        refresh_status(order, requested=requested, confirmed=response)
        # Not the order's own document, unchanged (megabytes on a big order).
        order.save(update_fields=["confirmed_xml", "status", "updated_at"])
        _po_queue_send(order, ubl.ORDER_RESPONSE, body, confirmable=True)
    return order


def _apply_change(line: ubl.OrderLine, change: LineChange, buyer: Integration | None):
    if change.leave_open:
        line.line_status_code = ubl.OPEN
        for d in line.deliveries:
            d.quantity = None
            d.promised_start_date = d.promised_end_date = None
        return
    changed = False
    if change.quantity is not None:
        unit = line.quantity.unit_code if line.quantity else None
        line.quantity = ubl.Quantity(change.quantity, unit)
        if len(line.deliveries) == 1:
            line.deliveries[0].quantity = ubl.Quantity(change.quantity, unit)
        changed = True
    if change.price is not None and line.price is not None:
        base = line.price.base_quantity.value if line.price.base_quantity else Decimal(1)
        currency = line.price.amount.currency if line.price.amount else None
        line.price = ubl.Price(ubl.Amount(change.price * base, currency), line.price.base_quantity)
        changed = True
    if change.promised_date is not None:
        for d in line.deliveries:
            d.promised_start_date = d.promised_end_date = change.promised_date
        changed = True
    if change.sellers_item_id is not None:
        line.item = line.item or ubl.Item()
        line.item.sellers_item_identification = ubl.ItemIdentification(change.sellers_item_id)
        changed = True
    if change.new_batches:
        if buyer is None or not buyer.allow_new_batches:
            raise PartyActionError("The buyer's integration does not allow suppliers to add delivery batches.")
        base = line.deliveries[0] if line.deliveries else ubl.Delivery(id=line.id)
        unit = line.quantity.unit_code if line.quantity else None
        for n, (qty, when) in enumerate(change.new_batches, 1):
            line.deliveries.append(
                ubl.Delivery(
                    id=f"{base.id}.{n}",
                    quantity=ubl.Quantity(qty, unit),
                    delivery_location=base.delivery_location,
                    promised_start_date=when,
                    promised_end_date=when,
                    status="Open",
                )
            )
        total = sum((d.quantity.value for d in line.deliveries if d.quantity), Decimal(0))
        if change.quantity is None and line.deliveries[0].quantity is not None:
            # The added batches are split off the original one, keeping the line total.
            original_total = line.quantity.value if line.quantity else total
            added = sum((q for q, _ in change.new_batches), Decimal(0))
            line.deliveries[0].quantity = ubl.Quantity(max(original_total - added, Decimal(0)), unit)
        changed = True
    if change.draft:
        if buyer is None or not buyer.allow_draft:
            raise PartyActionError("The buyer's integration does not allow Draft lines.")
        line.line_status_code = ubl.DRAFT
    elif changed:
        line.line_status_code = ubl.CONFIRMED_WITH_CHANGES


def supplier_reject(order: Order, *, note: str = "") -> Order:
    """Reject the whole order (only before the supplier has confirmed it, as in Jakamo's UI)."""
    with transaction.atomic():
        order = _lock(order)
        if order.confirmed_xml:
            raise PartyActionError(
                f"Order {order.order_number} is already confirmed; Jakamo only lets a supplier reject "
                "an order before confirming it (confirm with quantity 0 instead)."
            )
        if order.status != OrderStatus.WAITING_SUPPLIER:
            # Goods already received (Started receiving) or a closed order: the Reject button is gone.
            raise PartyActionError(
                f"Order {order.order_number} is {order.status.lower()}; only an order waiting "
                "for the supplier's confirmation can be rejected."
            )
        response = response_from_order(requested_doc(order), status=ubl.CANCELLED)
        if note:
            response.notes = [note]
        body = build_order_document(response).decode()
        order.confirmed_xml = body
        order.status = OrderStatus.REJECTED
        order.save()
        _po_queue_send(order, ubl.ORDER_RESPONSE, body)
    return order


def supplier_deliver(
    order: Order,
    *,
    line_ids: list[str] | None = None,
    delivery_date: date | None = None,
    tracking_number: str = "",
) -> Order:
    """Mark the order (or some lines) Delivered; the StatusMessage goes to the buyer's queue."""
    delivery_date = delivery_date or date.today()
    with transaction.atomic():
        order = _lock(order)
        requested = requested_doc(order)
        confirmed = confirmed_doc(order)
        wanted = line_ids or [line.id for line in requested.lines if not rules.line_is_cancelled(line)]
        lines = []
        known = rules.lines_by_id(confirmed or requested)
        for line_id in wanted:
            line = known.get(line_id)
            if line is None:
                raise PartyActionError(f"Order {order.order_number} has no line {line_id}.")
            lines.append(
                jstatus.LineStatus(
                    order_line_id=line_id,
                    deliveries=[
                        jstatus.DeliveryStatus(
                            d.id, real_delivery_date=delivery_date, tracking_number=tracking_number or None
                        )
                        for d in line.deliveries
                        if d.id
                    ],
                    real_delivery_date=delivery_date,
                )
            )
            order.state.setdefault(line_id, {"status": None, "batches": {}})["delivered"] = True
        msg = jstatus.StatusMessage(
            order_id=order.order_number,
            status=jstatus.DELIVERED,
            real_delivery_date=delivery_date,
            tracking_number=tracking_number or None,
            buyer_customer_id=requested.buyer_id,
            seller_supplier_id=requested.vendor_id,
            lines=lines,
        )
        order.save()
        _po_queue_send(order, "StatusMessage", jstatus.build_status_message(msg).decode())
    return order


def supplier_dispatch_asn(
    order: Order, *, quantities: dict[str, Decimal] | None = None, shipment_number: str = ""
) -> jasn.Asn:
    """Dispatch a shipment for the order; the ASN JSON goes to the buyer company's ASN queue."""
    target = integration_for(order.buyer_company, Api.ASN)
    if target is None:
        raise PartyActionError(f"{order.buyer_company} has no ASN integration in the sandbox.")
    requested = requested_doc(order)
    confirmed = confirmed_doc(order)
    items = []
    confirmed_lines = rules.lines_by_id(confirmed)
    for line in requested.lines:
        if rules.line_is_cancelled(line):
            continue
        conf = confirmed_lines.get(line.id)
        qty = (quantities or {}).get(line.id)
        if qty is None:
            qty = (conf or line).quantity.value if (conf or line).quantity else Decimal(0)
        if qty <= 0:
            continue
        item = line.item or ubl.Item()
        batch = (conf or line).deliveries[0].id if (conf or line).deliveries else None
        items.append(
            jasn.AsnItem(
                order_number=order.order_number,
                line_number=line.id,
                quantity=qty,
                sellers_item_id=item.sellers_item_id,
                buyers_item_id=item.buyers_item_identification.id if item.buyers_item_identification else None,
                buyers_item_name=item.name,
                batch_number=batch,
            )
        )
    if not items:
        raise PartyActionError(f"Order {order.order_number} has nothing left to ship.")
    number = shipment_number or f"ASN-{uuid.uuid4().hex[:8].upper()}"
    asn = jasn.Asn(
        id=str(uuid.uuid4().int)[:6],
        shipment_number=number,
        status="DISPATCHED",
        dispatch_company_name=order.supplier_company,
        dispatch_contact_name="Sandbox Supplier",
        dispatch_city="Tampere",
        dispatch_country="Finland",
        dispatch_datetime=datetime.now(UTC).replace(microsecond=0),
        buyer=jasn.AsnParty(order.buyer_company, requested.buyer_id),
        supplier=jasn.AsnParty(order.supplier_company, requested.vendor_id),
        shipping_units=[
            jasn.ShippingUnit(
                "1",
                "Pallet",
                items,
                jasn.Dimensions(Decimal(100), "kg", Decimal("1.2"), Decimal("0.8"), Decimal(1), None, "m"),
            )
        ],
    )
    enqueue(target, "ASN", json.dumps(jasn.asn_to_json(asn)), order=order, content_type="application/json")
    return asn


# -- SO side: the sandbox plays the customer --------------------------------------------------
@dataclass
class CustomerLine:
    name: str
    quantity: Decimal
    price: Decimal
    requested_date: date
    buyers_item_id: str = ""
    sellers_item_id: str = ""
    unit_code: str = "PCE"
    # Several delivery batches (quantity, requested date), ids <order>-<line>-1, -2…; none: one batch
    # of the whole quantity on requested_date.
    batches: tuple[tuple[Decimal, date], ...] = ()
    # The customer's own net amount for the line (LineExtensionAmount), as an ERP with discounts sends it.
    line_extension_amount: Decimal | None = None


def customer_place_order(
    supplier: Integration,
    *,
    customer_company: str,
    lines: list[CustomerLine],
    order_number: str = "",
    buyer_contact: str = "buyer@customer.example",
    currency: str = "EUR",
) -> Order:
    """A customer company sends the supplier a new order; it lands in the supplier's SO queue with
    Jakamo-Confirm-Url and Jakamo-Order-Number headers."""
    if supplier.api != Api.SALES_ORDER:
        raise PartyActionError("Customer orders go to a Sales Order integration.")
    mapping = CompanyMapping.objects.filter(integration=supplier, company=customer_company).first()
    if mapping is None:
        raise PartyActionError(
            f"{supplier.company} has not mapped the customer {customer_company}; add a company mapping first."
        )
    if not lines:
        raise PartyActionError("An order needs at least one line.")
    order_number = order_number or f"PO-{uuid.uuid4().hex[:8].upper()}"
    if Order.objects.filter(buyer_company=customer_company, order_number=order_number).exists():
        raise PartyActionError(f"{customer_company} already has an order {order_number}.")
    doc = ubl.OrderDocument(
        kind=ubl.ORDER,
        id=order_number,
        issue_date=date.today(),
        document_currency_code=currency,
        buyer_customer_party=ubl.CustomerParty(
            ubl.Party([ubl.Identifier(mapping.identifier)], name=customer_company),
            buyer_contact=ubl.Contact(id=buyer_contact),
        ),
        seller_supplier_party=ubl.SupplierParty(ubl.Party([ubl.Identifier(supplier.company)], name=supplier.company)),
        lines=[
            ubl.OrderLine(
                id=str(n),
                quantity=ubl.Quantity(line.quantity, line.unit_code),
                deliveries=[
                    ubl.Delivery(
                        id=f"{order_number}-{n}-{k}",
                        quantity=ubl.Quantity(quantity, line.unit_code),
                        requested_end_date=when,
                    )
                    for k, (quantity, when) in enumerate(line.batches or [(line.quantity, line.requested_date)], 1)
                ],
                price=ubl.Price(ubl.Amount(line.price, currency)),
                line_extension_amount=ubl.Amount(line.line_extension_amount, currency)
                if line.line_extension_amount is not None
                else None,
                item=ubl.Item(
                    name=line.name,
                    buyers_item_identification=ubl.ItemIdentification(line.buyers_item_id)
                    if line.buyers_item_id
                    else None,
                    sellers_item_identification=ubl.ItemIdentification(line.sellers_item_id)
                    if line.sellers_item_id
                    else None,
                ),
            )
            for n, line in enumerate(lines, 1)
        ],
    )
    body = build_order_document(doc).decode()
    with transaction.atomic():
        order = Order.objects.create(
            buyer_company=customer_company,
            supplier_company=supplier.company,
            order_number=order_number,
            supplier_integration=supplier,
            requested_xml=body,
            state={line.id: {"status": None, "batches": {}} for line in doc.lines},
        )
        enqueue(supplier, ubl.ORDER, body, order=order, confirmable=True)
    return order


@dataclass
class CustomerChange:
    quantity: Decimal | None = None
    price: Decimal | None = None
    requested_date: date | None = None


def customer_change_order(order: Order, changes: dict[str, CustomerChange]) -> Order:
    """The customer revises the order (OrderChange); the supplier's SO queue gets it when the
    integration lets order changes pass."""
    with transaction.atomic():
        order = _lock(order)
        if order.status in (OrderStatus.CANCELLED, OrderStatus.RECEIVED):
            raise PartyActionError(f"Order {order.order_number} is {order.status.lower()}; it cannot be reopened.")
        doc = requested_doc(order)
        for line_id, change in changes.items():
            line = doc.line(line_id)
            if line is None:
                raise PartyActionError(f"Order {order.order_number} has no line {line_id}.")
            if change.quantity is not None:
                unit = line.quantity.unit_code if line.quantity else None
                line.quantity = ubl.Quantity(change.quantity, unit)
                if len(line.deliveries) == 1:
                    line.deliveries[0].quantity = ubl.Quantity(change.quantity, unit)
            if change.price is not None and line.price and line.price.amount:
                line.price.amount = ubl.Amount(change.price, line.price.amount.currency)
            if change.requested_date is not None:
                for d in line.deliveries:
                    d.requested_end_date = change.requested_date
        doc.kind = ubl.ORDER_CHANGE
        doc.issue_date = date.today()
        body = build_order_document(doc).decode()
        order.requested_xml = body
        refresh_status(order, actor="buyer")
        order.save()
        if order.supplier_integration and order.supplier_integration.pass_order_changes:
            enqueue(order.supplier_integration, ubl.ORDER_CHANGE, body, order=order, confirmable=True)
    return order


def customer_cancel(order: Order, *, line_ids: list[str] | None = None) -> Order:
    """Cancel the whole order (StatusMessage Cancelled) or some lines (OrderChange with
    LineStatusCode Cancelled)."""
    with transaction.atomic():
        order = _lock(order)
        if order.status in (OrderStatus.CANCELLED, OrderStatus.RECEIVED):
            raise PartyActionError(f"Order {order.order_number} is already {order.status.lower()}.")
        if not line_ids:
            order.status = OrderStatus.CANCELLED
            # Every line of a cancelled order is cancelled too (as receive_po_status does).
            for line in requested_doc(order).lines:
                order.state.setdefault(line.id, {"status": None, "batches": {}})["status"] = ubl.CANCELLED
            order.save()
            body = jstatus.build_status_message(jstatus.StatusMessage(order.order_number, jstatus.CANCELLED)).decode()
            if order.supplier_integration:
                enqueue(order.supplier_integration, "StatusMessage", body, order=order)
            return order
        doc = requested_doc(order)
        for line_id in line_ids:
            line = doc.line(line_id)
            if line is None:
                raise PartyActionError(f"Order {order.order_number} has no line {line_id}.")
            line.line_status_code = ubl.CANCELLED
        doc.kind = ubl.ORDER_CHANGE
        body = build_order_document(doc).decode()
        order.requested_xml = body
        refresh_status(order, actor="buyer")
        order.save()
        if order.supplier_integration:
            enqueue(order.supplier_integration, ubl.ORDER_CHANGE, body, order=order, confirmable=True)
    return order


def customer_accept(order: Order) -> Order:
    """The customer accepts the supplier's confirmed values (as a buyer's simple confirmation)."""
    from .services import accept_confirmed_values

    with transaction.atomic():
        order = _lock(order)
        confirmed = confirmed_doc(order)
        if confirmed is None:
            raise PartyActionError(f"Order {order.order_number} has no confirmation to accept.")
        requested = requested_doc(order)
        accept_confirmed_values(requested, confirmed)
        order.requested_xml = build_order_document(requested).decode()
        refresh_status(order, actor="buyer")
        order.save()
        # The accepted values are the customer's new version of the order: an OrderChange, which
        # reaches the supplier's SO queue like any other change (SO document 6.4).
        if order.supplier_integration and order.supplier_integration.pass_order_changes:
            enqueue(order.supplier_integration, ubl.ORDER_CHANGE, order.requested_xml, order=order, confirmable=True)
    return order


def perform_action(order: Order, data: dict):
    """Carry out one party action from the page's or the command's cleaned data."""
    action = data["action"]
    lines = data.get("lines") or []
    if action in ("confirm", "confirm_changes", "confirm_partial", "confirm_draft"):
        requested = requested_doc(order)
        all_lines = [line.id for line in requested.lines]
        changes = {}
        if action == "confirm_changes":
            for line_id in lines or all_lines[:1]:
                changes[line_id] = LineChange(
                    quantity=data.get("quantity"),
                    price=data.get("unit_price"),
                    promised_date=data.get("promised_date"),
                    new_batches=data.get("new_batches") or [],
                )
                if not any(vars(changes[line_id]).values()):
                    raise PartyActionError("Say what changes: a quantity, a unit price, a date or new batches.")
        elif action == "confirm_partial":
            for line_id in lines or all_lines[-1:]:
                changes[line_id] = LineChange(leave_open=True)
        elif action == "confirm_draft":
            for line_id in lines or all_lines:
                changes[line_id] = LineChange(draft=True)
        return supplier_confirm(order, changes, note=data.get("note") or "")
    if action == "reject":
        return supplier_reject(order, note=data.get("note") or "")
    if action == "deliver":
        return supplier_deliver(order, line_ids=lines or None, tracking_number=data.get("tracking_number") or "")
    if action == "dispatch_asn":
        quantities = {line_id: data["quantity"] for line_id in lines} if data.get("quantity") is not None else None
        supplier_dispatch_asn(order, quantities=quantities)
        return order
    if action == "customer_change":
        requested = requested_doc(order)
        change = CustomerChange(data.get("quantity"), data.get("unit_price"), data.get("promised_date"))
        if not any(vars(change).values()):
            raise PartyActionError("Say what changes: a quantity, a unit price or a date.")
        return customer_change_order(order, {line_id: change for line_id in lines or [requested.lines[0].id]})
    if action == "customer_cancel":
        return customer_cancel(order)
    if action == "customer_cancel_lines":
        if not lines:
            raise PartyActionError("Name the lines to cancel.")
        return customer_cancel(order, line_ids=lines)
    if action == "customer_accept":
        return customer_accept(order)
    raise PartyActionError(f"Unknown action {action}")


# -- ShipHero ---------------------------------------------------------------------------------
def shiphero_payload(
    *,
    kind: str,
    order_id: str,
    line_items: list[dict],
    shipped: bool = True,
    trading_partner_name: str = "some-retailer",
) -> dict:
    """A Shipment ASN payload shaped like the examples of the ShipHero document."""
    if kind not in ("freight", "courier"):
        raise PartyActionError("kind is freight or courier")
    details = {
        "carrier": "Trucking Co" if kind == "freight" else "ups",
        "shipping_method": "Freight" if kind == "freight" else "Ground",
        "shipment_id": str(uuid.uuid4().int)[:9] if shipped else None,
        "ship_date": date.today().isoformat() if shipped else None,
        "requested_delivery_date": (date.today() + timedelta(days=7)).isoformat() + "T00:00:00",
        "ship_not_before_date": None,
        "ship_no_later_than_date": None,
        "trading_partner_id": "TP-001",
        "trading_partner_name": trading_partner_name,
    }
    if kind == "freight":
        details = {
            "scac": "OTH",
            **details,
            "bill_of_lading": f"BOL-{uuid.uuid4().hex[:6]}",
            "pro_number": str(uuid.uuid4().int)[:10],
            "trailer_number": "trailer-1",
        }
    box = {
        "type": "Box",
        "details": {
            "height": 12,
            "length": 12,
            "width": 12,
            "weight_in_oz": 192,
            "barcode": None,
            "shipping_box_id": "custom-9247",
            "container_number": 1,
        },
        "line_items": line_items,
    }
    containers = [box]
    if kind == "freight":
        containers = [
            {
                "type": "Pallet",
                "details": {
                    "height": 60,
                    "length": 48,
                    "width": 40,
                    "weight_in_oz": 448,
                    "barcode": None,
                    "shipping_box_id": "custom-46376",
                    "container_number": 1,
                },
                "containers": [box],
            }
        ]
    now = datetime.now().replace(microsecond=0).isoformat()
    return {
        "account_id": 8444,
        "order_id": int(order_id) if str(order_id).isascii() and str(order_id).isdigit() else order_id,
        "shipment_identification": str(order_id),
        "webhook_type": shiphero.WEBHOOK_TYPE,
        "shipping_details": details,
        "packing_layout": {"created_at": now, "updated_at": now, "containers": containers},
    }


def fire_shiphero_webhook(
    url: str, secret: str, payload: dict, *, timeout: float = 10.0, message_id: str = ""
) -> Webhook:
    """POST a Shipment ASN webhook, signed the way ShipHero signs it."""
    body = json.dumps(payload).encode("utf-8")
    message_id = message_id or str(uuid.uuid4())
    hook = Webhook(
        url=url,
        kind=payload.get("shipping_details", {}).get("shipping_method", ""),
        body=body.decode(),
        message_id=message_id,
    )
    try:
        response = requests.post(
            url,
            data=body,
            headers={
                "Content-Type": "application/json",
                shiphero.SIGNATURE_HEADER: shiphero.sign(body, secret),
                shiphero.MESSAGE_ID_HEADER: message_id,
            },
            timeout=timeout,
        )
        hook.status = response.status_code
        hook.answer = response.text[:2000]
    except requests.RequestException as exc:
        hook.answer = f"No answer: {exc}"
    hook.save()
    return hook
