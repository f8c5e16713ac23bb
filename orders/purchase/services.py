"""Buyer-side services: create and send a purchase order, take in the supplier's confirmations
and Delivered statuses, record the purchaser's decisions, receive goods. Views, tasks, handlers
and tests all call these."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from common import hooks
from exchange import outbox
from exchange.handlers import Identified
from exchange.models import OutboxMessage
from jakamo import status as jstatus
from jakamo import ubl
from jakamo.errors import DocumentError, Problem
from jakamo.ubl_build import build_order_document
from jakamo.ubl_parse import parse_order_document
from mappings.models import Integration, Kind
from mappings.preflight import required_for
from orders import bounds, documents
from orders import deviations as dv
from orders.models import (
    CLOSED,
    Confirmation,
    Decision,
    DeliveryBatch,
    OrderStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
)


class OrderRefused(Exception):
    """The order is not sent; ``problems`` names every reason at once."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


# -- creating and sending -----------------------------------------------------------------------
def validate_new_order(integration: Integration, doc: ubl.OrderDocument) -> list[Problem]:
    """The PO document's mandatory data, checked locally so nothing bad reaches Jakamo."""
    problems = []
    if doc.kind != ubl.ORDER:
        problems.append(Problem(f"expected an Order, got {doc.kind}", doc.kind))
    if not doc.id:
        problems.append(Problem("the order number (cbc:ID) is missing", "Order/ID"))
    if doc.issue_date is None:
        problems.append(Problem("IssueDate is missing", "Order/IssueDate"))
    if not doc.vendor_id:
        problems.append(Problem("the vendor id is missing", "Order/SellerSupplierParty/Party/PartyIdentification/ID"))
    if not doc.buyer_contact_id:
        problems.append(Problem("the buyer contact id is missing", "Order/BuyerCustomerParty/BuyerContact/ID"))
    if not doc.lines:
        problems.append(Problem("the order has no lines", "Order/OrderLine"))
    seen = set()
    for n, line in enumerate(doc.lines, 1):
        where = f"Order/OrderLine[{n}] (line {line.id or '?'})"
        if line.id in seen:
            problems.append(Problem(f"line number {line.id} appears twice", where))
        seen.add(line.id)
        if line.quantity is None:
            problems.append(Problem("Quantity is missing", where))
        elif line.quantity.value <= 0:
            problems.append(
                Problem(f"Quantity must be more than zero on a new order (is {line.quantity.value})", where)
            )
        if line.price is None or line.price.amount is None:
            problems.append(Problem("Price/PriceAmount is missing", where))
        elif line.price.amount.value < 0:
            problems.append(Problem("PriceAmount must not be negative", where))
        for d in line.deliveries:
            if d.quantity is not None and d.quantity.value < 0:
                problems.append(Problem(f"batch {d.id} has a negative quantity", where))
    problems.extend(bounds.order_problems(doc))
    if doc.id and PurchaseOrder.objects.filter(integration=integration, order_number=doc.id).exists():
        existing = PurchaseOrder.objects.get(integration=integration, order_number=doc.id)
        problems.append(
            Problem(
                f"order {doc.id} already exists ({existing.get_absolute_url()}); an order number is sent only "
                "once — revise it with an OrderChange instead",
                "Order/ID",
            )
        )
    return problems


def _sync_lines(order: PurchaseOrder, doc: ubl.OrderDocument):
    for line in doc.lines:
        item = line.item or ubl.Item()
        row, _ = PurchaseOrderLine.objects.update_or_create(
            order=order,
            line_id=line.id,
            defaults={
                "item_name": (item.name or item.description or "")[:300],
                "buyers_item_id": item.buyers_item_identification.id if item.buyers_item_identification else "",
                "sellers_item_id": item.sellers_item_id or "",
                "quantity": line.quantity.value if line.quantity else Decimal(0),
                "unit_code": (line.quantity.unit_code or "") if line.quantity else "",
                "unit_price": line.price.unit_price if line.price else None,
                "status": ubl.CANCELLED if dv.is_cancelled(line) else "",
            },
        )
        batches = line.deliveries or [ubl.Delivery(id=line.id, quantity=line.quantity)]
        for d in batches:
            DeliveryBatch.objects.update_or_create(
                line=row,
                batch_id=d.id or line.id,
                defaults={"quantity": d.quantity.value if d.quantity else None, "requested_date": d.requested_end_date},
            )


def _total(doc: ubl.OrderDocument) -> Decimal:
    return dv.document_value(doc)


def purchase_order_create(*, integration: Integration, document: ubl.OrderDocument, user=None) -> PurchaseOrder:
    """Validate, save and queue the Order for Jakamo (one transaction). Raises OrderRefused."""
    if integration.kind != Kind.PURCHASE_ORDER:
        raise OrderRefused([Problem(f"{integration.name} is not a Purchase Order integration")])
    problems = validate_new_order(integration, document)
    if problems:
        raise OrderRefused(problems)
    try:
        body = build_order_document(document)
    except DocumentError as exc:  # a value from a mapping, say, that XML cannot carry
        raise OrderRefused(exc.problems) from None
    with transaction.atomic():
        order = PurchaseOrder.objects.create(
            integration=integration,
            order_number=document.id,
            supplier_id=document.vendor_id,
            supplier_name=(document.seller_supplier_party.party.name or "") if document.seller_supplier_party else "",
            buyer_contact_id=document.buyer_contact_id,
            purchaser=user,
            currency=document.document_currency_code or "",
            issue_date=document.issue_date,
            document_xml=body.decode(),
            ordered_total=_total(document),
        )
        _sync_lines(order, document)
        _send_document(order, document, body, user)
    return order


def _send_document(order: PurchaseOrder, document: ubl.OrderDocument, body: bytes, user) -> OutboxMessage:
    return outbox.enqueue(
        integration=order.integration,
        operation=OutboxMessage.Operation.ORDER,
        document_type=document.kind,
        document_key=order.order_number,
        partner=order.supplier_id,
        body=body,
        # A repeated Order is refused as "already exists" (proof the first arrived), a repeated
        # OrderChange restates the same values: both are harmless to repeat.
        repeat_safe=True,
        required_mappings=required_for(order.integration, document),
        user=user,
    )


def order_document(order: PurchaseOrder) -> ubl.OrderDocument:
    return parse_order_document(order.document_xml)


# -- confirmations back -------------------------------------------------------------------------------
def on_order_response(inbox, identified: Identified):
    """OrderResponse on the Purchase Order queue (routed in orders/apps.py)."""
    confirmation_record(inbox=inbox, response=identified.document)


def confirmation_record(*, inbox, response: ubl.OrderDocument) -> Confirmation:
    """Keep the OrderResponse as a new version beside the order and work out where it deviates."""
    with transaction.atomic():  # a savepoint inside the inbox's transaction
        return _confirmation_record(inbox, response)


def _confirmation_record(inbox, response: ubl.OrderDocument) -> Confirmation:
    order = (
        PurchaseOrder.objects.select_for_update()
        .filter(integration=inbox.integration, order_number=response.order_number)
        .first()
    )
    if order is None:
        raise DocumentError(
            f"No purchase order {response.order_number} in {inbox.integration.name}; the confirmation is kept "
            "here and can be reprocessed once the order exists."
        )
    existing = Confirmation.objects.filter(inbox=inbox).first()
    if existing is not None:
        return existing  # reprocessing the same message changes nothing
    negative = documents.negative_values(response)
    if negative:
        raise DocumentError([Problem(p, "OrderResponse/OrderLine") for p in negative])
    comparison = dv.compare(
        order_document(order), response, compare_sellers_item_id=order.integration.compare_sellers_item_id
    )
    if problems := bounds.comparison_problems(comparison):
        raise DocumentError(problems)
    version = (order.confirmations.aggregate(v=Max("version"))["v"] or 0) + 1
    order.confirmations.filter(decision=Confirmation.Decision.PENDING).update(decision=Confirmation.Decision.SUPERSEDED)
    if comparison.rejected:
        decision, status = Confirmation.Decision.NONE_NEEDED, OrderStatus.REJECTED
    elif comparison.matches:
        decision, status = Confirmation.Decision.NONE_NEEDED, OrderStatus.CONFIRMED
    elif comparison.only_unconfirmed:
        decision, status = Confirmation.Decision.WAITING_SUPPLIER, OrderStatus.WAITING_SUPPLIER
    else:
        decision, status = Confirmation.Decision.PENDING, OrderStatus.WAITING_CUSTOMER
    confirmation = Confirmation.objects.create(
        order=order,
        version=version,
        inbox=inbox,
        document_xml=bytes(inbox.body).decode("utf-8", "replace"),
        confirm_url=inbox.confirm_url,
        deviations=[d.as_record() for d in comparison.deviations],
        ordered_total=comparison.ordered_total,
        confirmed_total=comparison.confirmed_total,
        decision=decision,
    )
    if order.status not in CLOSED:
        order.status = status
    order.confirmed_total = comparison.confirmed_total
    order.deviation_kinds = sorted(comparison.kinds)
    order.awaiting_decision_since = timezone.now() if decision == Confirmation.Decision.PENDING else None
    order.save()
    _apply_confirmed_values(order, response)
    return confirmation


def _apply_confirmed_values(order: PurchaseOrder, response: ubl.OrderDocument):
    lines = {line.line_id: line for line in order.lines.all()}
    for conf in response.lines:
        line = lines.get(conf.id)
        if line is None:
            continue
        line.status = conf.line_status_code or ""
        line.save(update_fields=["status"])
        for d in conf.deliveries:
            if not d.id:
                continue
            batch, created = DeliveryBatch.objects.get_or_create(line=line, batch_id=d.id)
            batch.confirmed_quantity = d.quantity.value if d.quantity else None
            batch.promised_date = d.promised_end_date
            if created:
                batch.added_by_supplier = True
            batch.save()


def on_delivered(inbox, identified: Identified):
    """StatusMessage Delivered on the Purchase Order queue (routed in orders/apps.py)."""
    msg: jstatus.StatusMessage = identified.document
    order = PurchaseOrder.objects.filter(integration=inbox.integration, order_number=msg.order_id).first()
    if order is None:
        raise DocumentError(f"No purchase order {msg.order_id} in {inbox.integration.name} for this Delivered status.")
    lines = {line.line_id: line for line in order.lines.all()}
    targets = msg.lines or [jstatus.LineStatus(line_id) for line_id in lines]
    for line_msg in targets:
        line = lines.get(line_msg.order_line_id)
        if line is None:
            raise DocumentError(f"Order {msg.order_id} has no line {line_msg.order_line_id}.")
        line.delivered_date = line_msg.real_delivery_date or msg.real_delivery_date
        line.tracking_number = line_msg.tracking_number or msg.tracking_number or ""
        line.save(update_fields=["delivered_date", "tracking_number"])
        for d in line_msg.deliveries:
            DeliveryBatch.objects.filter(line=line, batch_id=d.delivery_id).update(
                delivered_date=d.real_delivery_date or line.delivered_date,
                tracking_number=d.tracking_number or line.tracking_number,
            )


# -- the purchaser's decisions --------------------------------------------------------------------
# Called with the accepted Confirmation inside the acceptance's transaction (a failure undoes the
# acceptance). Filled by ``after_acceptance`` from another app's ready(): the ERP gateway passes
# accepted confirmations to its "decided" clients (gateway/apps.py).
AFTER_ACCEPTANCE: list[Callable[[Confirmation], None]] = []


def after_acceptance(callback: Callable[[Confirmation], None]) -> None:
    """Call ``callback(confirmation)`` each time the purchaser accepts a supplier's confirmation
    (``confirmation_accept``), inside its transaction. Registering the same callback twice is refused."""
    hooks.register(AFTER_ACCEPTANCE, callback, what="after acceptance")


def _pending(confirmation: Confirmation):
    if confirmation.decision != Confirmation.Decision.PENDING:
        raise ValueError(
            f"Version {confirmation.version} is “{confirmation.get_decision_display()}”; only a confirmation "
            "awaiting a decision can be decided."
        )
    if confirmation.order.is_closed:
        raise ValueError(
            f"Order {confirmation.order.order_number} is {confirmation.order.get_status_display().lower()}; "
            "Jakamo does not reopen it."
        )


def confirmation_accept(
    *, confirmation: Confirmation, user, note: str = "", emphasize_original: bool | None = None
) -> Decision:
    """Accept the supplier's changes with a simple confirmation (Jakamo-Confirm-Url).
    ``emphasize_original`` None is "not given": Jakamo keeps its previous value (PO document 6.5.3)."""
    with transaction.atomic():
        confirmation = Confirmation.objects.select_for_update().select_related("order").get(pk=confirmation.pk)
        _pending(confirmation)
        if not confirmation.confirm_url:
            raise ValueError("This confirmation came without a Jakamo-Confirm-Url; accept it line by line instead.")
        order = confirmation.order
        row = outbox.enqueue(
            integration=order.integration,
            operation=OutboxMessage.Operation.SIMPLE_CONFIRM,
            document_type="Simple confirmation",
            document_key=order.order_number,
            partner=order.supplier_id,
            target_url=confirmation.confirm_url,
            body=json.dumps({"note": note or None, "emphasize_original_agreed_details": emphasize_original}).encode(),
            repeat_safe=True,  # accepting twice accepts once
            user=user,
        )
        new_doc = documents.adopt_confirmed(order_document(order), parse_order_document(confirmation.document_xml))
        decision = _decide(
            confirmation,
            Decision.Kind.ACCEPT,
            Confirmation.Decision.ACCEPTED,
            OrderStatus.CONFIRMED,
            new_doc,
            row,
            user,
            note,
            emphasize_original=bool(emphasize_original),
        )
        for callback in AFTER_ACCEPTANCE:
            callback(confirmation)
        return decision


def confirmation_reject(*, confirmation: Confirmation, user, note: str = "") -> Decision:
    """Reject: an OrderChange restating the ordered values; the supplier confirms again."""
    with transaction.atomic():
        confirmation = Confirmation.objects.select_for_update().select_related("order").get(pk=confirmation.pk)
        _pending(confirmation)
        order = confirmation.order
        change = documents.restate(order_document(order))
        if note:
            change.notes = [*change.notes, note]
        row = _send_document(order, change, build_order_document(change), user)
        return _decide(
            confirmation,
            Decision.Kind.REJECT,
            Confirmation.Decision.REJECTED,
            OrderStatus.WAITING_SUPPLIER,
            change,
            row,
            user,
            note,
        )


def confirmation_decide_lines(
    *, confirmation: Confirmation, user, accepted_lines: list[str], note: str = ""
) -> Decision:
    """Accept some lines' confirmed values and restate the ordered values on the others."""
    with transaction.atomic():
        confirmation = Confirmation.objects.select_for_update().select_related("order").get(pk=confirmation.pk)
        _pending(confirmation)
        order = confirmation.order
        current = order_document(order)
        unknown = set(accepted_lines) - {line.id for line in current.lines}
        if unknown:
            raise ValueError(f"Order {order.order_number} has no line {', '.join(sorted(unknown))}.")
        change = documents.adopt_confirmed(
            current, parse_order_document(confirmation.document_xml), set(accepted_lines)
        )
        if note:
            change.notes = [*change.notes, note]
        row = _send_document(order, change, build_order_document(change), user)
        remaining = dv.compare(change, parse_order_document(confirmation.document_xml))
        status = OrderStatus.CONFIRMED if remaining.matches else OrderStatus.WAITING_SUPPLIER
        return _decide(
            confirmation,
            Decision.Kind.LINE_BY_LINE,
            Confirmation.Decision.PARTLY,
            status,
            change,
            row,
            user,
            note,
            accepted_lines=sorted(accepted_lines),
        )


def _decide(confirmation, kind, confirmation_decision, status, new_doc, row, user, note, **extra) -> Decision:
    order = confirmation.order
    confirmation.decision = confirmation_decision
    confirmation.save(update_fields=["decision"])
    order.status = status
    order.document_xml = build_order_document(new_doc).decode()
    order.ordered_total = _total(new_doc)
    order.awaiting_decision_since = None
    order.save()
    _sync_lines(order, new_doc)
    return Decision.objects.create(confirmation=confirmation, kind=kind, note=note, user=user, outbox=row, **extra)


# -- receiving -------------------------------------------------------------------------------------
def goods_receive(
    *,
    order: PurchaseOrder,
    user,
    quantities: dict[tuple[str, str], Decimal | None] | None = None,
    received_date: date | None = None,
    event_date: date | None = None,
) -> Receipt | None:
    """Receive goods: ``quantities`` maps (line id, batch id) to a quantity (None: the rest of the
    batch), or (line id, None) to None for a whole line; leave it out to receive everything still
    open. Sends StatusMessage Received (never
    retried blindly: a partial receipt sent twice would count the goods twice)."""
    received_date = received_date or date.today()
    event_date = event_date or received_date
    with transaction.atomic():
        order = PurchaseOrder.objects.select_for_update().get(pk=order.pk)
        if order.status in (OrderStatus.CANCELLED, OrderStatus.REJECTED):
            raise ValueError(
                f"Order {order.order_number} is {order.get_status_display().lower()}; nothing can be received."
            )
        batches = {
            (b.line.line_id, b.batch_id): b
            for b in DeliveryBatch.objects.select_related("line").filter(line__order=order)
        }
        if quantities is None:
            quantities = {
                key: None
                for key, b in batches.items()
                if b.received_quantity < b.receivable_quantity and b.line.status != ubl.CANCELLED
            }
        if not quantities:
            raise ValueError(f"Everything on order {order.order_number} is already received.")
        lines: dict[str, jstatus.LineStatus] = {}
        receipts = []

        def add_receipt(batch: DeliveryBatch, amount: Decimal):
            batch.received_quantity += amount
            batch.received_date = received_date
            batch.save(update_fields=["received_quantity", "received_date"])
            receipts.append(
                Receipt(
                    order=order,
                    batch=batch,
                    line=batch.line,
                    quantity=amount,
                    received_date=received_date,
                    event_date=event_date,
                    user=user,
                )
            )

        for (line_id, batch_id), quantity in quantities.items():
            if batch_id is None:
                # A whole line: the StatusMessage names the line without batches, and Jakamo
                # receives every batch of it in full (PO document 6.10, example 1).
                line_batches = [b for (lid, _), b in batches.items() if lid == line_id]
                if not line_batches:
                    raise ValueError(f"Order {order.order_number} has no line {line_id}.")
                if line_batches[0].line.status == ubl.CANCELLED:
                    raise ValueError(f"Line {line_id} is cancelled; it cannot be received.")
                open_batches = [b for b in line_batches if b.received_quantity < b.receivable_quantity]
                if not open_batches:
                    raise ValueError(f"Line {line_id} is already received in full.")
                for batch in open_batches:
                    add_receipt(batch, batch.receivable_quantity - batch.received_quantity)
                lines[line_id] = jstatus.LineStatus(line_id)
                continue
            batch = batches.get((line_id, batch_id))
            if batch is None:
                raise ValueError(f"Order {order.order_number} has no batch {batch_id} on line {line_id}.")
            if batch.line.status == ubl.CANCELLED:
                raise ValueError(f"Line {line_id} is cancelled; it cannot be received.")
            open_quantity = batch.receivable_quantity - batch.received_quantity
            amount = open_quantity if quantity is None else quantity
            if amount <= 0:
                raise ValueError(f"Line {line_id}, batch {batch_id}: the quantity must be more than zero.")
            if amount > open_quantity:
                raise ValueError(
                    f"Line {line_id}, batch {batch_id}: {_n(amount)} is more than the {_n(open_quantity)} still to "
                    f"receive ({_n(batch.receivable_quantity)} confirmed, {_n(batch.received_quantity)} already received)."
                )
            add_receipt(batch, amount)
            lines.setdefault(line_id, jstatus.LineStatus(line_id)).deliveries.append(
                jstatus.DeliveryStatus(batch_id, received_quantity=amount, received_date=received_date)
            )
        msg = jstatus.StatusMessage(
            order.order_number, jstatus.RECEIVED, event_date=event_date, lines=list(lines.values())
        )
        # Never repeat_safe: a partial receipt sent twice would count the goods twice.
        row = outbox.enqueue_status(
            integration=order.integration, message=msg, partner=order.supplier_id, repeat_safe=False, user=user
        )
        for receipt in receipts:
            receipt.outbox = row
        Receipt.objects.bulk_create(receipts)
        _refresh_receiving(order)
    return receipts[0] if receipts else None


def _n(value) -> str:
    return format(Decimal(value).normalize(), "f")


def _refresh_receiving(order: PurchaseOrder):
    all_done, any_received = True, False
    for line in order.lines.prefetch_related("batches"):
        if line.status == ubl.CANCELLED:
            continue
        batches = list(line.batches.all())
        line_done = all(b.received_quantity >= b.receivable_quantity for b in batches)
        any_received |= any(b.received_quantity > 0 for b in batches)
        if line_done:
            line.status = ubl.RECEIVED
        elif any(b.received_quantity > 0 for b in batches):
            line.status = ubl.STARTED_RECEIVING
        line.save(update_fields=["status"])
        all_done &= line_done
    if any_received:
        order.status = OrderStatus.RECEIVED if all_done else OrderStatus.STARTED_RECEIVING
        order.save(update_fields=["status", "updated_at"])


# -- revising and cancelling ----------------------------------------------------------------------
def _open_for_change(order: PurchaseOrder):
    if order.is_closed:
        raise ValueError(
            f"Order {order.order_number} is {order.get_status_display().lower()} in Jakamo and cannot be reopened; "
            "discuss the change with the supplier or create a new order."
        )


def purchase_order_revise(*, order: PurchaseOrder, document: ubl.OrderDocument, user=None) -> PurchaseOrder:
    """Send an OrderChange carrying the full revised order. Lines left out are cancelled (UBL)."""
    with transaction.atomic():
        order = PurchaseOrder.objects.select_for_update().get(pk=order.pk)
        _open_for_change(order)
        if document.id != order.order_number:
            raise ValueError(f"The revision is for order {document.id}, not {order.order_number}.")
        problems = [
            p
            for p in validate_new_order(order.integration, document)
            if "already exists" not in p.message
            and "more than zero" not in p.message
            and "expected an Order" not in p.message
        ]
        if problems:
            raise OrderRefused(problems)
        current = order_document(order)
        change = documents.restate(document)
        change.sequence_number_id = documents.next_sequence_number(current.sequence_number_id)
        body = build_order_document(change)
        kept = {line.id for line in change.lines}
        order.document_xml = body.decode()
        order.ordered_total = _total(change)
        order.awaiting_decision_since = None
        order.confirmations.filter(decision=Confirmation.Decision.PENDING).update(
            decision=Confirmation.Decision.SUPERSEDED
        )
        _sync_lines(order, change)
        order.lines.exclude(line_id__in=kept).update(status=ubl.CANCELLED)
        _set_status_after_change(order, change)
        order.save()
        _refresh_receiving(order)  # goods already received keep the order receiving, as in Jakamo
        _send_document(order, change, body, user)
    return order


def _set_status_after_change(order: PurchaseOrder, change: ubl.OrderDocument):
    """The status Jakamo gives a revised order (PO document 6.2): once the supplier has confirmed,
    it waits for the supplier again only where the change differs from that confirmation, so
    cancelling a line of a confirmed order leaves it Confirmed, and its lines keep the confirmed
    status that ``_sync_lines`` has just cleared."""
    order.status = OrderStatus.WAITING_SUPPLIER
    latest = order.confirmations.order_by("-version").first()
    if latest is None:
        return
    confirmed = parse_order_document(latest.document_xml)
    if not dv.compare(change, confirmed, compare_sellers_item_id=order.integration.compare_sellers_item_id).matches:
        return
    order.status = OrderStatus.CONFIRMED
    statuses = {line.id: line.line_status_code for line in confirmed.lines}
    for line in order.lines.exclude(status=ubl.CANCELLED):
        if statuses.get(line.line_id):
            line.status = statuses[line.line_id]
            line.save(update_fields=["status"])


def purchase_order_cancel_lines(*, order: PurchaseOrder, line_ids: list[str], user=None) -> PurchaseOrder:
    """Cancel lines with an OrderChange (LineStatusCode Cancelled, PO document 6.8.2 B)."""
    document = order_document(order)
    unknown = set(line_ids) - {line.id for line in document.lines}
    if unknown or not line_ids:
        raise ValueError(f"Order {order.order_number} has no line {', '.join(sorted(unknown)) or '(none given)'}.")
    received = set(order.lines.filter(line_id__in=line_ids, status=ubl.RECEIVED).values_list("line_id", flat=True))
    if received:
        raise ValueError(f"Line {', '.join(sorted(received))} is already received; Jakamo does not reopen it.")
    for line in document.lines:
        if line.id in line_ids:
            line.line_status_code = ubl.CANCELLED
    if all(dv.is_cancelled(line) for line in document.lines):
        return purchase_order_cancel(order=order, user=user)
    return purchase_order_revise(order=order, document=document, user=user)


def purchase_order_cancel(*, order: PurchaseOrder, user=None) -> PurchaseOrder:
    """Cancel the whole order with StatusMessage Cancelled (PO document 6.8.1 A)."""
    with transaction.atomic():
        order = PurchaseOrder.objects.select_for_update().get(pk=order.pk)
        _open_for_change(order)
        if order.status == OrderStatus.STARTED_RECEIVING:
            raise ValueError(f"Order {order.order_number} has started receiving; cancel the open lines instead.")
        msg = jstatus.StatusMessage(order.order_number, jstatus.CANCELLED)
        outbox.enqueue_status(  # cancelling twice cancels once
            integration=order.integration, message=msg, partner=order.supplier_id, repeat_safe=True, user=user
        )
        order.status = OrderStatus.CANCELLED
        order.awaiting_decision_since = None
        order.save()
        order.lines.update(status=ubl.CANCELLED)
        order.confirmations.filter(decision=Confirmation.Decision.PENDING).update(
            decision=Confirmation.Decision.SUPERSEDED
        )
    return order
