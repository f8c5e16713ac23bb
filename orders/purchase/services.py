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
from django.utils.translation import gettext_lazy as _

from common import hooks
from common.bulk import bulk_insert, bulk_update, bulk_update_rows
from common.collector import collector_held
from common.db import values_apart
from common.errors import Refused
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
from orders import transitions as tr
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


class OrderRefused(Refused):
    """The order is not sent; ``problems`` names every reason at once (each with its own code)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("order_refused", "%(problems)s", problems=" · ".join(str(p) for p in problems))


# -- creating and sending -----------------------------------------------------------------------
def validate_new_order(integration: Integration, doc: ubl.OrderDocument) -> list[Problem]:
    """The PO document's mandatory data, checked locally so nothing bad reaches Jakamo."""
    problems = []
    if doc.kind != ubl.ORDER:
        problems.append(Problem(f"expected an Order, got {doc.kind}", doc.kind, code="not_an_order"))
    if not doc.id:
        problems.append(Problem("the order number (cbc:ID) is missing", "Order/ID", code="missing_order_number"))
    if doc.issue_date is None:
        problems.append(Problem("IssueDate is missing", "Order/IssueDate", code="missing_issue_date"))
    if not doc.vendor_id:
        problems.append(
            Problem(
                "the vendor id is missing",
                "Order/SellerSupplierParty/Party/PartyIdentification/ID",
                code="missing_vendor",
            )
        )
    if not doc.buyer_contact_id:
        problems.append(
            Problem(
                "the buyer contact id is missing",
                "Order/BuyerCustomerParty/BuyerContact/ID",
                code="missing_buyer_contact",
            )
        )
    if not doc.lines:
        problems.append(Problem("the order has no lines", "Order/OrderLine", code="no_lines"))
    seen = set()
    for n, line in enumerate(doc.lines, 1):
        where = f"Order/OrderLine[{n}] (line {line.id or '?'})"
        if line.id in seen:
            problems.append(Problem(f"line number {line.id} appears twice", where, code="repeated_line"))
        seen.add(line.id)
        if line.quantity is None:
            problems.append(Problem("Quantity is missing", where, code="missing_quantity"))
        elif line.quantity.value <= 0:
            problems.append(
                Problem(
                    f"Quantity must be more than zero on a new order (is {line.quantity.value})",
                    where,
                    code="quantity_not_positive",
                )
            )
        if line.price is None or line.price.amount is None:
            problems.append(Problem("Price/PriceAmount is missing", where, code="missing_price"))
        elif line.price.amount.value < 0:
            problems.append(Problem("PriceAmount must not be negative", where, code="negative_price"))
        for d in line.deliveries:
            if d.quantity is not None and d.quantity.value < 0:
                problems.append(Problem(f"batch {d.id} has a negative quantity", where, code="negative_quantity"))
    problems.extend(bounds.order_problems(doc))
    if doc.id and PurchaseOrder.objects.filter(integration=integration, order_number=doc.id).exists():
        existing = PurchaseOrder.objects.get(integration=integration, order_number=doc.id)
        problems.append(
            Problem(
                f"order {doc.id} already exists ({existing.get_absolute_url()}); an order number is sent only "
                "once — revise it with an OrderChange instead",
                "Order/ID",
                code="order_exists",
            )
        )
    return problems


def _line_values(line: ubl.OrderLine) -> dict:
    item = line.item or ubl.Item()
    return {
        "item_name": (item.name or item.description or "")[:300],
        "buyers_item_id": item.buyers_item_identification.id if item.buyers_item_identification else "",
        "sellers_item_id": item.sellers_item_id or "",
        "quantity": line.quantity.value if line.quantity else Decimal(0),
        "unit_code": (line.quantity.unit_code or "") if line.quantity else "",
        "unit_price": line.price.unit_price if line.price else None,
    }


_ORDERED_LINE = ["item_name", "buyers_item_id", "sellers_item_id", "quantity", "unit_code", "unit_price"]
_AGREED_LINE = ["agreed_quantity", "agreed_unit_price"]
_SYNCED = ["quantity", "requested_date", "agreed_quantity", "agreed_date"]


def _sync_lines(order: PurchaseOrder, doc: ubl.OrderDocument, *, ordered: bool = True):
    """Make the lines and batches say what ``doc`` says, in a handful of queries whatever the
    order's size. ``doc`` is what is agreed from now on (the purchaser's order or revision, or the
    supplier's values the purchaser accepted): its values become the agreed ones, and with
    ``ordered`` also the ordered ones (a decision accepts the supplier's values but does not change
    what was ordered). Batches the document no longer carries are no longer agreed. A new line
    starts "not confirmed yet" (or cancelled); existing lines' statuses are the caller's."""
    # Only the fields written here are read, as values: a model instance each cost more than
    # reading the row, and a decision reads 15,000 rows to write a few (bulk_update_rows). New
    # lines and batches are inserted from their values too (bulk_insert): a new order is all new rows.
    names = [*_ORDERED_LINE, *_AGREED_LINE] if ordered else _AGREED_LINE
    rows = {line_id: [pk, *values] for line_id, pk, *values in order.lines.values_list("line_id", "pk", *names)}
    pk_of = {line_id: row[0] for line_id, row in rows.items()}
    new_rows: dict[str, dict] = {}
    # Only rows whose values change are written: a decision changes a few of 15,000 rows.
    changed_lines: dict[int, list] = {}  # pk -> [pk, the values of names]
    for line in doc.lines:
        values = _line_values(line)
        agreed = {"agreed_quantity": values["quantity"], "agreed_unit_price": values["unit_price"]}
        row = rows.get(line.id)
        if row is not None:
            given = {**values, **agreed} if ordered else agreed
            for n, name in enumerate(names, 1):
                if row[n] != given[name]:
                    row[n] = given[name]
                    changed_lines[row[0]] = row
        elif line.id in new_rows:  # a line the document repeats: its last values, as on a row
            new_rows[line.id].update({**values, **agreed} if ordered else agreed)
        else:
            status = tr.initial(tr.PURCHASE_LINE, ubl.CANCELLED if dv.is_cancelled(line) else tr.NOT_CONFIRMED)
            new_rows[line.id] = {"status": status, **values, **agreed}
    fields = ("status", *_ORDERED_LINE, "agreed_quantity", "agreed_unit_price")
    created = bulk_insert(
        PurchaseOrderLine,
        ("order_id", "line_id", *fields),
        [(order.pk, line_id, *(values[name] for name in fields)) for line_id, values in new_rows.items()],
        returning=True,
    )
    pk_of.update(zip(new_rows, created, strict=True))
    bulk_update_rows(PurchaseOrderLine, names, [tuple(row) for row in changed_lines.values()])

    # key -> [pk, quantity, requested_date, agreed_quantity, agreed_date]
    batches = {
        (line_id, batch_id): rest
        for line_id, batch_id, *rest in DeliveryBatch.objects.filter(line__order=order).values_list(
            "line_id", "batch_id", "pk", *_SYNCED
        )
    }
    new_batches, changed_batches, seen = [], {}, set()
    for line in doc.lines:
        line_pk = pk_of[line.id]
        for d in line.deliveries or [ubl.Delivery(id=line.id, quantity=line.quantity)]:
            key = (line_pk, d.id or line.id)
            quantity = d.quantity.value if d.quantity else None
            agreed_date = d.promised_end_date or d.requested_end_date
            batch = batches.get(key)
            seen.add(key)
            if batch is None:
                new_batches.append((line_pk, key[1], quantity, d.requested_end_date, quantity, agreed_date))
                continue
            before = tuple(batch[1:])
            if ordered:
                batch[1], batch[2] = quantity, d.requested_end_date
            batch[3], batch[4] = quantity, agreed_date
            if before != tuple(batch[1:]):
                changed_batches[batch[0]] = batch
    in_doc = {pk_of[line.id] for line in doc.lines}
    for key, batch in batches.items():
        if key not in seen and key[0] in in_doc and (batch[3], batch[4]) != (None, None):
            batch[3] = batch[4] = None
            changed_batches[batch[0]] = batch
    bulk_insert(DeliveryBatch, ("line_id", "batch_id", *_SYNCED), new_batches)
    bulk_update_rows(DeliveryBatch, _SYNCED, [tuple(batch) for batch in changed_batches.values()])


def _total(doc: ubl.OrderDocument) -> Decimal:
    """The document's value (what the ordered or agreed total is, depending on the document)."""
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
    with transaction.atomic(), values_apart():  # values_apart: the order's document, megabytes
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
            agreed_total=_total(document),
            status=tr.initial(tr.PURCHASE_ORDER, OrderStatus.WAITING_SUPPLIER),
        )
        _sync_lines(order, document)
        row = _send_document(order, document, body, user)
        tr.record_start(tr.PURCHASE_ORDER, order, by=user, why="order created", outbox=row)
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
    why = f"confirmation version {version}"
    _supersede_pending(order, why=f"superseded by {why}", inbox=inbox)
    if comparison.rejected:
        decision, status = Confirmation.Decision.SUPPLIER_REJECTED, OrderStatus.REJECTED
    elif comparison.matches:
        decision, status = Confirmation.Decision.NONE_NEEDED, OrderStatus.CONFIRMED
    elif comparison.only_unconfirmed:
        decision, status = Confirmation.Decision.WAITING_SUPPLIER, OrderStatus.WAITING_SUPPLIER
    elif _owes_lines(comparison.kinds):
        # Changes to decide, and lines the supplier has yet to confirm: the purchaser may decide
        # now, but Jakamo shows the order waiting for the supplier until every line is confirmed.
        decision, status = Confirmation.Decision.PENDING, OrderStatus.WAITING_SUPPLIER
    else:
        decision, status = Confirmation.Decision.PENDING, OrderStatus.WAITING_CUSTOMER
    with values_apart():  # the OrderResponse itself: megabytes
        confirmation = Confirmation.objects.create(
            order=order,
            version=version,
            inbox=inbox,
            document_xml=bytes(inbox.body).decode("utf-8", "replace"),
            confirm_url=inbox.confirm_url,
            supplier_note="\n".join(response.notes),
            deviations=[d.as_record() for d in comparison.deviations],
            ordered_total=comparison.ordered_total,
            confirmed_total=comparison.confirmed_total,
            decision=tr.initial(tr.CONFIRMATION, decision),
        )
    tr.record_start(tr.CONFIRMATION, confirmation, why=why, inbox=inbox)
    # Agreed without a decision: the supplier confirmed what was asked.
    agreed = decision == Confirmation.Decision.NONE_NEEDED
    order.confirmed_total = comparison.confirmed_total
    if agreed:
        order.agreed_total = comparison.confirmed_total
    order.deviation_kinds = sorted(comparison.kinds)
    order.awaiting_decision_since = timezone.now() if decision == Confirmation.Decision.PENDING else None
    fields = ["confirmed_total", "agreed_total", "deviation_kinds", "awaiting_decision_since", "updated_at"]
    # Receiving, once started, is what Jakamo shows whatever the supplier confirms (sandbox: the
    # receiving status comes first); a received or cancelled order is closed.
    if order.status in (*CLOSED, OrderStatus.STARTED_RECEIVING):
        order.save(update_fields=fields)
    else:
        tr.move(tr.PURCHASE_ORDER, order, status, why=why, inbox=inbox, also=fields)
    _apply_confirmed_values(order, response, agreed=agreed, rejected=comparison.rejected, inbox=inbox, why=why)
    return confirmation


def _supersede_pending(order: PurchaseOrder, **why):
    """A confirmation still awaiting a decision is superseded by whatever replaces it (a later
    confirmation, a revision, the cancellation): nobody is asked to decide on it any more."""
    tr.move_many(
        tr.CONFIRMATION,
        list(order.confirmations.filter(decision=Confirmation.Decision.PENDING).defer("document_xml")),
        Confirmation.Decision.SUPERSEDED,
        **why,
    )


def _owes_lines(kinds) -> bool:
    """The supplier left lines Open or Draft (PO document 6.3.2): it still owes their confirmation."""
    return bool(set(kinds) & {dv.OPEN_LINE, dv.DRAFT_LINE})


_CONFIRMED_LINE = ["confirmed_quantity", "confirmed_unit_price", "agreed_quantity", "agreed_unit_price"]
_CONFIRMED_BATCH = ["confirmed_quantity", "promised_date", "agreed_quantity", "agreed_date"]


def _apply_confirmed_values(order: PurchaseOrder, response: ubl.OrderDocument, *, agreed, rejected, inbox, why):
    """The supplier's last confirmed values on the lines and batches (agreed too when they need no
    decision), and the line statuses it gives. A rejection leaves the lines as they were: the
    order says "rejected by the supplier", and the lines must be able to be confirmed again after
    the purchaser's revision (a cancelled line never comes back). A status the supplier may not
    give (a buyer's, or an unknown one) is left for the review (orders.deviations) to explain."""
    # Only the fields read and written here (a model instance costs by its number of fields), and
    # not through the order's related manager, which would set the order on each line: setting a
    # foreign key's id on 5,000 instances cost a third of building them.
    # Not agreed (a decision to come): the agreed values stay as they are, neither read nor written.
    line_fields = _CONFIRMED_LINE if agreed else _CONFIRMED_LINE[:2]
    batch_fields = _CONFIRMED_BATCH if agreed else _CONFIRMED_BATCH[:2]
    lines = {
        line.line_id: line
        for line in PurchaseOrderLine.objects.filter(order=order).only("line_id", "status", *line_fields)
    }
    # The batches as values, written from values (bulk_update_rows): 10,000 model instances cost
    # more than reading and writing the rows. (pk, and with ``agreed`` the agreed values and the
    # requested date the agreed date falls back on.)
    batches = {
        (line_id, batch_id): rest
        for line_id, batch_id, *rest in DeliveryBatch.objects.filter(line__order=order).values_list(
            "line_id", "batch_id", "pk", *(("agreed_quantity", "agreed_date", "requested_date") if agreed else ())
        )
    }
    written: dict[int, list] = {}  # pk -> the values of batch_fields
    new_batches: dict[tuple, DeliveryBatch] = {}
    statuses, touched_lines = {}, []
    for conf in response.lines:
        line = lines.get(conf.id)
        if line is None:
            continue
        line.confirmed_quantity = conf.quantity.value if conf.quantity else None
        line.confirmed_unit_price = conf.price.unit_price if conf.price else None
        if agreed and line.confirmed_quantity is not None:
            line.agreed_quantity, line.agreed_unit_price = line.confirmed_quantity, line.confirmed_unit_price
        touched_lines.append(line)
        code = conf.line_status_code or ""
        receiving_or_final = line.status == ubl.STARTED_RECEIVING or tr.PURCHASE_LINE.is_final(line.status)
        if not rejected and code in tr.SUPPLIER_LINE_STATUSES and not receiving_or_final:
            statuses[line.pk] = code
        for d in conf.deliveries:
            if not d.id:
                continue
            key = (line.pk, d.id)
            quantity = d.quantity.value if d.quantity else None
            found = batches.get(key)
            if found is None:
                batch = new_batches.get(key)
                if batch is None:
                    batch = new_batches[key] = DeliveryBatch(line=line, batch_id=d.id, added_by_supplier=True)
                batch.confirmed_quantity = quantity
                batch.promised_date = d.promised_end_date
                if agreed and quantity is not None:
                    batch.agreed_quantity = quantity
                    batch.agreed_date = batch.promised_date or batch.requested_date
                continue
            pk = found[0]
            if agreed:
                # A batch the line names twice: its last values, from what the first one wrote.
                row = written.get(pk) or [None, None, found[1], found[2]]
                row[0], row[1] = quantity, d.promised_end_date
                if quantity is not None:
                    row[2], row[3] = quantity, d.promised_end_date or found[3]
                written[pk] = row
            else:
                written[pk] = [quantity, d.promised_end_date]
    DeliveryBatch.objects.bulk_create(list(new_batches.values()))
    bulk_update_rows(DeliveryBatch, batch_fields, [(pk, *row) for pk, row in written.items()])
    tr.move_many(
        tr.PURCHASE_LINE, touched_lines, lambda line: statuses.get(line.pk), why=why, inbox=inbox, also=line_fields
    )


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
        raise Refused(
            "not_awaiting_decision",
            _("Version %(version)s is “%(decision)s”; only a confirmation awaiting a decision can be decided."),
            version=confirmation.version,
            decision=confirmation.get_decision_display(),
        )
    _open_for_change(confirmation.order)


def confirmation_accept(
    *, confirmation: Confirmation, user, note: str = "", emphasize_original: bool | None = None
) -> Decision:
    """Accept the supplier's changes with a simple confirmation (Jakamo-Confirm-Url).
    ``emphasize_original`` None is "not given": Jakamo keeps its previous value (PO document 6.5.3)."""
    with transaction.atomic(), collector_held():  # the order's documents: see common.collector
        confirmation = Confirmation.objects.select_for_update().select_related("order").get(pk=confirmation.pk)
        _pending(confirmation)
        if not confirmation.confirm_url:
            raise Refused(
                "no_confirm_url",
                _("This confirmation came without a Jakamo-Confirm-Url; accept it line by line instead."),
            )
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
        new_doc = documents.adopt_confirmed(
            order_document(order), parse_order_document(confirmation.document_xml), in_place=True
        )
        owed = _owes_lines(d["kind"] for d in confirmation.deviations)
        decision = _decide(
            confirmation,
            Decision.Kind.ACCEPT,
            Confirmation.Decision.ACCEPTED,
            OrderStatus.WAITING_SUPPLIER if owed else OrderStatus.CONFIRMED,
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
    with transaction.atomic(), collector_held():  # the order's documents: see common.collector
        confirmation = Confirmation.objects.select_for_update().select_related("order").get(pk=confirmation.pk)
        _pending(confirmation)
        order = confirmation.order
        change = documents.restate(order_document(order), in_place=True)
        if note:
            change.notes = [*change.notes, note]
        body = build_order_document(change)
        row = _send_document(order, change, body, user)
        return _decide(
            confirmation,
            Decision.Kind.REJECT,
            Confirmation.Decision.REJECTED,
            OrderStatus.WAITING_SUPPLIER,
            change,
            row,
            user,
            note,
            body=body,
        )


def confirmation_decide_lines(
    *, confirmation: Confirmation, user, accepted_lines: list[str], note: str = ""
) -> Decision:
    """Accept some lines' confirmed values and restate the ordered values on the others."""
    with transaction.atomic(), collector_held():  # the order's documents: see common.collector
        confirmation = Confirmation.objects.select_for_update().select_related("order").get(pk=confirmation.pk)
        _pending(confirmation)
        order = confirmation.order
        current = order_document(order)
        unknown = set(accepted_lines) - {line.id for line in current.lines}
        if unknown:
            raise _no_line(order, unknown)
        confirmed = parse_order_document(confirmation.document_xml)
        change = documents.adopt_confirmed(current, confirmed, set(accepted_lines), in_place=True)
        if note:
            change.notes = [*change.notes, note]
        body = build_order_document(change)
        row = _send_document(order, change, body, user)
        # A line left as ordered compares as it did when the confirmation came: one that deviated
        # then deviates still, and the order waits for the supplier without comparing all 5,000.
        kept = {d.get("line") for d in confirmation.deviations if d.get("line")} - set(accepted_lines)
        if kept and dv.deviates_on(change, confirmed, kept):
            status = OrderStatus.WAITING_SUPPLIER
        else:
            remaining = dv.compare(change, confirmed)
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
            body=body,
            accepted_lines=sorted(accepted_lines),
        )


def _decide(
    confirmation, kind, confirmation_decision, status, new_doc, row, user, note, *, body: bytes | None = None, **extra
) -> Decision:
    """Record the purchaser's decision: the confirmation decided, the order's status, and the
    decided document as what is agreed from now on (its values; what was ordered stays). ``body``:
    ``new_doc`` as built already (the OrderChange sent), not built again."""
    order = confirmation.order
    _not_below_received(order, new_doc)
    why = f"{Decision.Kind(kind).label} (version {confirmation.version})"
    tr.move(tr.CONFIRMATION, confirmation, confirmation_decision, by=user, why=why, outbox=row)
    order.document_xml = (body if body is not None else build_order_document(new_doc)).decode()
    order.agreed_total = _total(new_doc)
    order.awaiting_decision_since = None
    _sync_lines(order, new_doc, ordered=False)
    fields = ["document_xml", "agreed_total", "awaiting_decision_since", "updated_at"]
    with values_apart():  # the order's document: megabytes
        if order.status == OrderStatus.STARTED_RECEIVING:
            order.save(update_fields=fields)
        else:
            tr.move(tr.PURCHASE_ORDER, order, status, by=user, why=why, outbox=row, also=fields)
    _cancel_lines(order, [line.id for line in new_doc.lines if dv.is_cancelled(line)], user=user, why=why, outbox=row)
    return Decision.objects.create(confirmation=confirmation, kind=kind, note=note, user=user, outbox=row, **extra)


def _cancel_lines(order, line_ids, *, user, why, outbox=None, inbox=None):
    """Lines cancelled by the purchaser (or a supplier's cancellation the purchaser accepted). Other
    line statuses are the supplier's to give (its LineStatusCode) and receiving's, as in Jakamo:
    a decision or a revision does not change what the supplier last said of a line."""
    rows = list(order.lines.filter(line_id__in=line_ids).exclude(status=ubl.CANCELLED))
    _none_received(rows)
    tr.move_many(tr.PURCHASE_LINE, rows, ubl.CANCELLED, by=user, why=why, outbox=outbox, inbox=inbox)


def _not_below_received(order: PurchaseOrder, doc: ubl.OrderDocument):
    """What is agreed from now on never falls below what has already been received."""
    received = {
        (b.line.line_id, b.batch_id): b.received_quantity
        for b in DeliveryBatch.objects.filter(line__order=order, received_quantity__gt=0).select_related("line")
    }
    if not received:
        return
    agreed = {}
    for line in doc.lines:
        for d in line.deliveries or [ubl.Delivery(id=line.id, quantity=line.quantity)]:
            agreed[(line.id, d.id or line.id)] = (
                None if dv.is_cancelled(line) or d.quantity is None else d.quantity.value
            )
    for (line_id, batch_id), got in sorted(received.items()):
        if (line_id, batch_id) in agreed and agreed[(line_id, batch_id)] is None:
            continue  # left as it was (an Open line) or cancelled: its receipts stand
        value = agreed.get((line_id, batch_id), Decimal(0))
        if value < got:
            raise Refused(
                "below_received",
                _(
                    "Line %(line)s, batch %(batch)s: %(received)s is already received, more than the %(quantity)s "
                    "this would agree."
                ),
                where=f"{line_id}/{batch_id}",
                line=line_id,
                batch=batch_id,
                received=_n(got),
                quantity=_n(value),
            )


def _received_lines_stay(order: PurchaseOrder, doc: ubl.OrderDocument):
    """A line received in full stays as it was received: asking for more on it would reopen a
    Received line (final in Jakamo). More of the same goods is a new line."""
    received = {
        row.line_id: {b.batch_id: b.received_quantity for b in row.batches.all()}
        for row in order.lines.filter(status=ubl.RECEIVED).prefetch_related("batches")
    }
    for line in doc.lines:
        got = received.get(line.id)
        if got is None:
            continue
        for d in line.deliveries or [ubl.Delivery(id=line.id, quantity=line.quantity)]:
            wanted = d.quantity.value if d.quantity else None
            if wanted is not None and wanted > got.get(d.id or line.id, Decimal(0)):
                raise Refused(
                    "line_received",
                    _("Line %(line)s is received in full and stays so; order more of it on a new line."),
                    where=line.id,
                    line=line.id,
                )


def _none_received(rows):
    received = sorted(row.line_id for row in rows if row.status in (ubl.STARTED_RECEIVING, ubl.RECEIVED))
    if received:
        raise Refused(
            "line_received",
            _(
                "Goods are already received on line %(lines)s, so it cannot be cancelled; revise its quantity down "
                "to what was received instead."
            ),
            lines=", ".join(received),
        )


def _no_line(order, line_ids) -> Refused:
    return Refused(
        "no_such_line",
        _("Order %(order)s has no line %(lines)s."),
        order=order.order_number,
        lines=", ".join(sorted(line_ids)) or "—",
    )


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
    open. Only what is agreed can be received: a batch the supplier proposed and nobody accepted,
    a cancelled line, a rejected or cancelled order cannot. Sends StatusMessage Received (never
    retried blindly: a partial receipt sent twice would count the goods twice)."""
    received_date = received_date or date.today()
    event_date = event_date or received_date
    with transaction.atomic():
        order = PurchaseOrder.objects.select_for_update().defer("document_xml").get(pk=order.pk)
        if order.status == OrderStatus.RECEIVED:
            raise Refused(
                "nothing_to_receive", _("Everything on order %(order)s is already received."), order=order.order_number
            )
        if not can_receive(order):
            raise Refused(
                "nothing_to_receive",
                _("Order %(order)s is “%(status)s”; nothing can be received."),
                order=order.order_number,
                status=order.get_status_display(),
            )
        # Each line loaded once and set on its batches: select_related built a line per batch.
        # Only the fields receiving reads: a model instance costs by its number of fields.
        line_rows = {line.pk: line for line in order.lines.only("order_id", "line_id", "status")}
        on_line = DeliveryBatch.line.field.set_cached_value
        batches = {}
        for b in DeliveryBatch.objects.filter(line__order=order).only(*_RECEIVING):
            line = line_rows[b.line_id]
            on_line(b, line)
            batches[(line.line_id, b.batch_id)] = b
        if quantities is None:
            quantities = {key: None for key, b in batches.items() if b.open_quantity > 0 and not b.line.is_cancelled}
        if not quantities:
            raise Refused(
                "nothing_to_receive", _("Everything on order %(order)s is already received."), order=order.order_number
            )
        lines: dict[str, jstatus.LineStatus] = {}
        receipts, received = [], {}
        user_id, now = getattr(user, "pk", None), timezone.now()

        def add_receipt(batch: DeliveryBatch, amount: Decimal):
            batch.received_quantity += amount
            batch.received_date = received_date
            received[batch.pk] = batch
            # Values, not Receipt instances: building one cost more than inserting it.
            receipts.append([order.pk, batch.pk, batch.line_id, amount, received_date, event_date, user_id, now])

        for (line_id, batch_id), quantity in quantities.items():
            if batch_id is None:
                # A whole line: the StatusMessage names the line without batches, and Jakamo
                # receives every batch of it in full (PO document 6.10, example 1).
                line_batches = [b for (lid, _bid), b in batches.items() if lid == line_id]
                if not line_batches:
                    raise _no_line(order, [line_id])
                _receivable_line(line_batches[0].line)
                open_batches = [b for b in line_batches if b.open_quantity > 0]
                if not open_batches:
                    raise Refused("nothing_to_receive", _("Line %(line)s is already received in full."), line=line_id)
                for batch in open_batches:
                    add_receipt(batch, batch.open_quantity)
                lines[line_id] = jstatus.LineStatus(line_id)
                continue
            batch = batches.get((line_id, batch_id))
            if batch is None:
                raise Refused(
                    "no_such_batch",
                    _("Order %(order)s has no batch %(batch)s on line %(line)s."),
                    where=f"{line_id}/{batch_id}",
                    order=order.order_number,
                    batch=batch_id,
                    line=line_id,
                )
            _receivable_line(batch.line)
            if batch.agreed_quantity is None:
                raise Refused(
                    "batch_not_agreed",
                    _(
                        "Line %(line)s, batch %(batch)s: the supplier proposed this batch and it was not accepted; "
                        "it cannot be received."
                    ),
                    where=f"{line_id}/{batch_id}",
                    line=line_id,
                    batch=batch_id,
                )
            open_quantity = batch.open_quantity
            amount = open_quantity if quantity is None else quantity
            if amount <= 0:
                raise Refused(
                    "quantity_not_positive",
                    _("Line %(line)s, batch %(batch)s: the quantity must be more than zero."),
                    where=f"{line_id}/{batch_id}",
                    line=line_id,
                    batch=batch_id,
                )
            if amount > open_quantity:
                raise Refused(
                    "more_than_open",
                    _(
                        "Line %(line)s, batch %(batch)s: %(amount)s is more than the %(open)s still to receive "
                        "(%(agreed)s agreed, %(received)s already received)."
                    ),
                    where=f"{line_id}/{batch_id}",
                    line=line_id,
                    batch=batch_id,
                    amount=_n(amount),
                    open=_n(open_quantity),
                    agreed=_n(batch.receivable_quantity),
                    received=_n(batch.received_quantity),
                )
            add_receipt(batch, amount)
            lines.setdefault(line_id, jstatus.LineStatus(line_id)).deliveries.append(
                jstatus.DeliveryStatus(batch_id, received_quantity=amount, received_date=received_date)
            )
        bulk_update(received.values(), ["received_quantity", "received_date"])
        msg = jstatus.StatusMessage(
            order.order_number, jstatus.RECEIVED, event_date=event_date, lines=list(lines.values())
        )
        # Never repeat_safe: a partial receipt sent twice would count the goods twice.
        row = outbox.enqueue_status(
            integration=order.integration, message=msg, partner=order.supplier_id, repeat_safe=False, user=user
        )
        for receipt in receipts:
            receipt.append(row.pk)
        pks = bulk_insert(Receipt, _RECEIPT_FIELDS, receipts, returning=True)
        _refresh_receiving(
            order, by=user, why="goods received", outbox=row, batches=batches.values(), lines=list(line_rows.values())
        )
    if not receipts:
        return None
    first = Receipt(pk=pks[0], **dict(zip(_RECEIPT_FIELDS, receipts[0], strict=True)))
    first.outbox = row  # what a caller reads of the receipt returned (shipments)
    return first


_RECEIVING = ("line_id", "batch_id", "agreed_quantity", "received_quantity", "received_date")
_RECEIPT_FIELDS = (
    "order_id",
    "batch_id",
    "line_id",
    "quantity",
    "received_date",
    "event_date",
    "user_id",
    "at",
    "outbox_id",
)


def can_receive(order: PurchaseOrder) -> bool:
    """Whether receiving can be offered at all: not for a rejected, cancelled or received order."""
    return order.status not in (OrderStatus.CANCELLED, OrderStatus.REJECTED, OrderStatus.RECEIVED)


def _receivable_line(line: PurchaseOrderLine):
    if line.is_cancelled:
        raise Refused(
            "line_cancelled",
            _("Line %(line)s is cancelled; it cannot be received."),
            where=line.line_id,
            line=line.line_id,
        )


def _n(value) -> str:
    return format(Decimal(value).normalize(), "f")


def _refresh_receiving(order: PurchaseOrder, *, by=None, why="", outbox=None, batches=None, lines=None):
    """Line and order statuses from what is received against what is agreed (as Jakamo does).
    ``batches``: every batch of the order as the caller holds them (just received), not read again;
    ``lines``: with them, every line of the order."""
    targets, all_done, any_received = {}, True, False
    if batches is None:
        rows = list(order.lines.prefetch_related("batches"))
        of_line = {line.pk: list(line.batches.all()) for line in rows}
    else:
        rows = lines if lines is not None else list(order.lines.all())
        of_line = {line.pk: [] for line in rows}
        for batch in batches:
            of_line[batch.line_id].append(batch)
    for line in rows:
        if line.is_cancelled:
            continue
        batches = [b for b in of_line[line.pk] if b.agreed_quantity is not None or b.received_quantity > 0]
        line_done = bool(batches) and all(b.received_quantity >= b.receivable_quantity for b in batches)
        line_started = any(b.received_quantity > 0 for b in batches)
        any_received |= line_started
        if line_done and line_started:
            targets[line.pk] = ubl.RECEIVED
        elif line_started:
            targets[line.pk] = ubl.STARTED_RECEIVING
        all_done &= line_done
    tr.move_many(tr.PURCHASE_LINE, rows, lambda line: targets.get(line.pk), by=by, why=why, outbox=outbox)
    if any_received:
        status = OrderStatus.RECEIVED if all_done else OrderStatus.STARTED_RECEIVING
        tr.move(tr.PURCHASE_ORDER, order, status, by=by, why=why, outbox=outbox)


# -- revising and cancelling ----------------------------------------------------------------------
def _open_for_change(order: PurchaseOrder):
    if order.is_closed:
        raise Refused(
            "order_closed",
            _(
                "Order %(order)s is “%(status)s” in Jakamo and cannot be reopened; discuss the change with the "
                "supplier or create a new order."
            ),
            order=order.order_number,
            status=order.get_status_display(),
        )


# What a new order must have that a revision need not: it exists already, may set a quantity to
# zero (cancelling the line, PO document 6.8.2), and is sent as an OrderChange.
_NEW_ORDER_ONLY = {"order_exists", "quantity_not_positive", "not_an_order"}


def purchase_order_revise(*, order: PurchaseOrder, document: ubl.OrderDocument, user=None) -> PurchaseOrder:
    """Send an OrderChange carrying the full revised order. Lines left out are cancelled (UBL)."""
    with transaction.atomic():
        order = PurchaseOrder.objects.select_for_update().get(pk=order.pk)
        _open_for_change(order)
        if document.id != order.order_number:
            raise Refused(
                "other_order",
                _("The revision is for order %(other)s, not %(order)s."),
                other=document.id or "—",
                order=order.order_number,
            )
        problems = [p for p in validate_new_order(order.integration, document) if p.code not in _NEW_ORDER_ONLY]
        if problems:
            raise OrderRefused(problems)
        current = order_document(order)
        change = documents.restate(document)
        change.sequence_number_id = documents.next_sequence_number(current.sequence_number_id)
        _not_below_received(order, change)
        _received_lines_stay(order, change)
        body = build_order_document(change)
        kept = {line.id for line in change.lines}
        cancelled = [line.id for line in change.lines if dv.is_cancelled(line)]
        cancelled += list(order.lines.exclude(line_id__in=kept).values_list("line_id", flat=True))
        row = _send_document(order, change, body, user)
        why = f"revised (sequence {change.sequence_number_id})"
        _cancel_lines(order, cancelled, user=user, why=why, outbox=row)
        _supersede_pending(order, by=user, why=why, outbox=row)
        order.document_xml = body.decode()
        order.ordered_total = order.agreed_total = _total(change)
        order.awaiting_decision_since = None
        _sync_lines(order, change)
        fields = ["document_xml", "ordered_total", "agreed_total", "awaiting_decision_since", "updated_at"]
        status = _status_after_change(order, change)
        with values_apart():  # the order's document: megabytes
            if order.status == OrderStatus.STARTED_RECEIVING:
                order.save(update_fields=fields)  # goods already received keep the order receiving, as in Jakamo
            else:
                tr.move(tr.PURCHASE_ORDER, order, status, by=user, why=why, outbox=row, also=fields)
        _refresh_receiving(order, by=user, why=why, outbox=row)
    return order


def _status_after_change(order: PurchaseOrder, change: ubl.OrderDocument) -> str:
    """The status Jakamo gives a revised order (PO document 6.2): once the supplier has confirmed,
    it waits for the supplier again only where the change differs from that confirmation, so
    cancelling a line of a confirmed order leaves it Confirmed."""
    latest = order.confirmations.order_by("-version").first()
    if latest is None:
        return OrderStatus.WAITING_SUPPLIER
    confirmed = parse_order_document(latest.document_xml)
    comparison = dv.compare(change, confirmed, compare_sellers_item_id=order.integration.compare_sellers_item_id)
    if comparison.matches and not comparison.rejected:
        return OrderStatus.CONFIRMED
    return OrderStatus.WAITING_SUPPLIER


def purchase_order_cancel_lines(*, order: PurchaseOrder, line_ids: list[str], user=None) -> PurchaseOrder:
    """Cancel lines with an OrderChange (LineStatusCode Cancelled, PO document 6.8.2 B)."""
    document = order_document(order)
    unknown = set(line_ids) - {line.id for line in document.lines}
    if unknown or not line_ids:
        raise _no_line(order, unknown)
    _none_received(list(order.lines.filter(line_id__in=line_ids)))
    for line in document.lines:
        if line.id in line_ids:
            line.line_status_code = ubl.CANCELLED
    if all(dv.is_cancelled(line) for line in document.lines):
        return purchase_order_cancel(order=order, user=user)
    return purchase_order_revise(order=order, document=document, user=user)


def can_cancel(order: PurchaseOrder) -> bool:
    return not order.is_closed and order.status != OrderStatus.STARTED_RECEIVING


def purchase_order_cancel(*, order: PurchaseOrder, user=None) -> PurchaseOrder:
    """Cancel the whole order with StatusMessage Cancelled (PO document 6.8.1 A)."""
    with transaction.atomic():
        order = PurchaseOrder.objects.select_for_update().get(pk=order.pk)
        _open_for_change(order)
        if order.status == OrderStatus.STARTED_RECEIVING:
            raise Refused(
                "receiving_started",
                _("Order %(order)s has started receiving; cancel the open lines instead."),
                order=order.order_number,
            )
        msg = jstatus.StatusMessage(order.order_number, jstatus.CANCELLED)
        row = outbox.enqueue_status(  # cancelling twice cancels once
            integration=order.integration, message=msg, partner=order.supplier_id, repeat_safe=True, user=user
        )
        why = "order cancelled"
        order.awaiting_decision_since = None
        tr.move(
            tr.PURCHASE_ORDER,
            order,
            OrderStatus.CANCELLED,
            by=user,
            why=why,
            outbox=row,
            also=["awaiting_decision_since"],
        )
        tr.move_many(
            tr.PURCHASE_LINE,
            list(order.lines.exclude(status=ubl.CANCELLED)),
            ubl.CANCELLED,
            by=user,
            why=why,
            outbox=row,
        )
        _supersede_pending(order, by=user, why=why, outbox=row)
    return order
