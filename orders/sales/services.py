"""Supplier-side services: customer orders from the Sales Order queue, confirmed as requested or
with changes, rejected, delivered. Views, handlers and tests call these."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from common.errors import Refused
from common.transitions import refusal
from exchange import outbox
from exchange.handlers import Identified
from exchange.models import OutboxMessage
from jakamo import status as jstatus
from jakamo import ubl
from jakamo.errors import DocumentError
from jakamo.ubl_build import build_order_document
from jakamo.ubl_parse import parse_order_document
from mappings.models import CompanyMapping, ExternalField, UserMapping
from orders import deviations as dv
from orders import documents
from orders.models import (
    SalesConfirmation,
    SalesOrder,
    SalesOrderBatch,
    SalesOrderLine,
    SalesOrderVersion,
    SalesStatus,
)
from orders.transitions import (
    DELIVERED,
    NOT_CONFIRMED,
    SALES_LINE,
    SALES_ORDER,
    initial,
    move,
    move_many,
    record_start,
)

from .answer import LineAnswer, build_lines, check_answer, delivered_line_problems, line_changes, together

__all__ = ["LineAnswer"]  # the answer form builds these


# -- from the queue ---------------------------------------------------------------------------------
def customer_changes(previous: ubl.OrderDocument, current: ubl.OrderDocument) -> list[dict]:
    """What the customer changed: per line quantity, unit price, requested dates, added, removed
    or cancelled lines. Pure."""
    changes = []
    before = {line.id: line for line in previous.lines}
    for line in current.lines:
        old = before.pop(line.id, None)
        if old is None:
            changes.append({"line": line.id, "what": "line added", "before": "", "after": _q(line.quantity)})
            continue
        if dv.is_cancelled(line) and not dv.is_cancelled(old):
            changes.append(
                {"line": line.id, "what": "line cancelled", "before": _q(old.quantity), "after": "cancelled"}
            )
            continue
        if _q(old.quantity) != _q(line.quantity):
            changes.append(
                {"line": line.id, "what": "quantity", "before": _q(old.quantity), "after": _q(line.quantity)}
            )
        old_price = old.price.unit_price if old.price else None
        new_price = line.price.unit_price if line.price else None
        if old_price != new_price:
            changes.append({"line": line.id, "what": "unit price", "before": _n(old_price), "after": _n(new_price)})
        old_dates = [d.requested_end_date for d in old.deliveries]
        new_dates = [d.requested_end_date for d in line.deliveries]
        if old_dates != new_dates:
            changes.append(
                {
                    "line": line.id,
                    "what": "requested date",
                    "before": ", ".join(map(_d, old_dates)),
                    "after": ", ".join(map(_d, new_dates)),
                }
            )
    for line_id in before:
        changes.append({"line": line_id, "what": "line left out (cancelled)", "before": "", "after": ""})
    return changes


_LARGEST_VALUE = Decimal(10) ** 14  # SalesOrder.value, numeric(18, 4)


def _n(value) -> str:
    return "" if value is None else format(Decimal(value).normalize(), "f")


def _q(quantity) -> str:
    return _n(quantity.value) if quantity is not None else ""


def _d(value) -> str:
    return value.isoformat() if value else "—"


def on_customer_order(inbox, identified: Identified):
    """Order or OrderChange on the Sales Order queue (routed in orders/apps.py)."""
    sales_order_record(inbox=inbox, document=identified.document)


def delivery_due(document: ubl.OrderDocument):
    """The earliest date the customer wants anything delivered (lines not cancelled)."""
    dates = [
        d.requested_end_date or d.requested_start_date or d.promised_end_date
        for line in document.lines
        if not dv.is_cancelled(line)
        for d in line.deliveries
    ]
    return min((d for d in dates if d), default=None)


def order_value(document: ubl.OrderDocument) -> Decimal | None:
    """What the customer's version is worth: its lines not cancelled, net (the deviation engine's
    reading of LineExtensionAmount, allowances and charges). The queue's route refuses a value the
    column cannot hold (``bounds.sales_value_problems``); a caller that skipped it gets None."""
    value = dv.document_value(document)
    if not value.is_finite() or abs(value) >= _LARGEST_VALUE:
        return None
    return value.quantize(Decimal("0.0001"))


def sales_order_record(*, inbox, document: ubl.OrderDocument) -> SalesOrder:
    """A new customer order (Order) or a new version of one (OrderChange), with its lines and
    batches as rows."""
    too_long = [line.id for line in document.lines if len(line.id) > 50] + [
        d.id for line in document.lines for d in line.deliveries if d.id and len(d.id) > 200
    ]
    if too_long:
        raise DocumentError(
            f"Ids longer than the portal keeps (50 for a line, 200 for a batch): {', '.join(too_long)}."
        )
    with transaction.atomic():
        if SalesOrderVersion.objects.filter(inbox=inbox).exists():
            return SalesOrderVersion.objects.get(inbox=inbox).order
        customer_id = document.buyer_id or ""
        order = (
            SalesOrder.objects.select_for_update()
            .filter(integration=inbox.integration, order_number=document.id, customer_id=customer_id)
            .first()
        )
        body = bytes(inbox.body).decode("utf-8", "replace")
        if order is None:
            if document.kind == ubl.ORDER_CHANGE:
                raise DocumentError(
                    f"An OrderChange for order {document.id}, which never arrived as an Order here; kept for "
                    "reprocessing once the order exists."
                )
            party = document.buyer_customer_party.party if document.buyer_customer_party else None
            order = SalesOrder.objects.create(
                integration=inbox.integration,
                order_number=document.id,
                customer_id=customer_id,
                customer_name=(party.name or "") if party else "",
                seller_party_id=document.vendor_id or "",
                currency=document.document_currency_code or "",
                status=initial(SALES_ORDER, SalesStatus.WAITING_US),
                document_xml=body,
                confirm_url=inbox.confirm_url,
                awaiting_since=timezone.now(),
                delivery_due=delivery_due(document),
                value=order_value(document),
            )
            record_start(SALES_ORDER, order, why=f"{document.kind} v1 from the customer", inbox=inbox)
            SalesOrderVersion.objects.create(
                order=order, version=1, document_type=document.kind, document_xml=body, inbox=inbox
            )
            _record_rows(order, document, changed=None, confirmed=False, inbox=inbox)
            return order
        if SALES_ORDER.is_final(order.status):
            raise DocumentError(
                f"Order {order.order_number} is {order.get_status_display().lower()}; a change "
                "for it is kept but not applied."
            )
        changes = customer_changes(parse_order_document(order.document_xml), document)
        ours = _our_last_confirmation(order)
        if all(dv.is_cancelled(line) for line in document.lines):
            status = SalesStatus.CANCELLED
        elif ours is not None and dv.compare(document, ours).matches:
            # SO document 6.2: confirmed when requested and confirmed details match, as when the
            # customer takes up our proposed changes or cancels a line of a confirmed order.
            status = SalesStatus.CONFIRMED
        else:
            status = SalesStatus.WAITING_US
        order.version += 1
        order.document_xml = body
        order.confirm_url = inbox.confirm_url or order.confirm_url
        order.awaiting_since = timezone.now() if status == SalesStatus.WAITING_US else None
        order.delivery_due = delivery_due(document)
        order.value = order_value(document)
        move(
            SALES_ORDER,
            order,
            status,
            why=f"{document.kind} v{order.version} from the customer",
            inbox=inbox,
            also=["version", "document_xml", "confirm_url", "awaiting_since", "delivery_due", "value"],
        )
        SalesOrderVersion.objects.create(
            order=order,
            version=order.version,
            document_type=document.kind,
            document_xml=body,
            inbox=inbox,
            changes=changes,
        )
        _record_rows(
            order,
            document,
            changed={c["line"] for c in changes},
            confirmed=status == SalesStatus.CONFIRMED,
            agreed=_lines_agreeing(document, ours),
            inbox=inbox,
        )
        return order


# -- rows --------------------------------------------------------------------------------------------
_LINE_FIELDS = ["item_name", "buyers_item_id", "sellers_item_id", "quantity", "unit_code", "unit_price"]
_SIX_PLACES = Decimal("0.000001")


def _line_values(line: ubl.OrderLine) -> dict:
    item = line.item
    buyers = item.buyers_item_identification if item else None
    unit_price = line.price.unit_price if line.price else None
    return {
        "item_name": ((item.name if item else None) or "")[:300],
        "buyers_item_id": (buyers.id if buyers else "")[:200],
        "sellers_item_id": ((item.sellers_item_id if item else None) or "")[:200],
        "quantity": line.quantity.value if line.quantity else None,
        "unit_code": ((line.quantity.unit_code if line.quantity else None) or "")[:10],
        "unit_price": unit_price.quantize(_SIX_PLACES) if unit_price is not None else None,
    }


def _rows(order: SalesOrder) -> list[SalesOrderLine]:
    return list(SalesOrderLine.objects.filter(order=order).prefetch_related("batches"))


def _record_rows(
    order: SalesOrder, document: ubl.OrderDocument, *, changed, confirmed: bool, agreed=frozenset(), inbox=None
):
    """The customer's version ``document`` as rows: every line and batch it asks for (new ones
    created, the rest updated, batches it no longer asks for removed unless we added them), and the
    line statuses it brings: a cancelled or left-out line Cancelled, a changed line ours to confirm
    again unless it now asks for what we confirmed of it (``agreed``), every line Confirmed when the
    version takes up what we confirmed. ``changed`` holds the line ids the version changed (None for
    the first version). A few queries, whatever the size."""
    rows = {row.line_id: row for row in _rows(order)}
    new_lines, updated, asked = [], [], set()
    for line in document.lines:
        asked.add(line.id)
        values = _line_values(line)
        row = rows.get(line.id)
        if row is None:
            row = SalesOrderLine(
                order=order,
                line_id=line.id,
                changed_in_version=order.version,
                status=initial(SALES_LINE, ubl.CANCELLED if dv.is_cancelled(line) else NOT_CONFIRMED),
                **values,
            )
            new_lines.append(row)
            continue
        for name, value in values.items():
            setattr(row, name, value)
        if changed and line.id in changed:
            row.changed_in_version = order.version
        updated.append(row)
    SalesOrderLine.objects.bulk_create(new_lines, batch_size=1000)
    SalesOrderLine.objects.bulk_update(updated, [*_LINE_FIELDS, "changed_in_version"], batch_size=1000)
    fresh = {row.line_id for row in new_lines}
    by_id = {**rows, **{row.line_id: row for row in new_lines}}
    create, update, remove = [], [], []
    for line in document.lines:
        row = by_id[line.id]
        existing = {} if line.id in fresh else {b.batch_id: b for b in row.batches.all()}
        kept = set()
        for d in line.deliveries:
            batch_id = d.id or ""
            kept.add(batch_id)
            quantity = d.quantity.value if d.quantity else None
            requested = d.requested_end_date or d.requested_start_date
            batch = existing.get(batch_id)
            if batch is None:
                create.append(SalesOrderBatch(line=row, batch_id=batch_id, quantity=quantity, requested_date=requested))
            else:
                batch.quantity, batch.requested_date = quantity, requested
                update.append(batch)
        # Batches we added stay with what we confirmed for them until our next answer says otherwise.
        remove += [b.pk for key, b in existing.items() if key not in kept and not b.added_by_us]
    SalesOrderBatch.objects.bulk_create(create, batch_size=1000)
    SalesOrderBatch.objects.bulk_update(update, ["quantity", "requested_date"], batch_size=1000)
    if remove:
        SalesOrderBatch.objects.filter(pk__in=remove).delete()
    cancelled = {line.id for line in document.lines if dv.is_cancelled(line)}

    def status_of(row: SalesOrderLine):
        if SALES_LINE.is_final(row.status):
            return None
        if row.line_id not in asked or row.line_id in cancelled:
            return ubl.CANCELLED
        if confirmed:
            return ubl.CONFIRMED
        if changed and row.line_id in changed:
            # PO document 6.2: a revision waits for us only where it differs from our confirmation;
            # a line that took up our values is Confirmed in Jakamo even while another line differs.
            return ubl.CONFIRMED if row.line_id in agreed else NOT_CONFIRMED
        return None

    move_many(
        SALES_LINE,
        list(rows.values()),
        status_of,
        why=f"{document.kind} v{order.version} from the customer",
        inbox=inbox,
    )


def _record_answer(order: SalesOrder, requested: ubl.OrderDocument, response: ubl.OrderDocument, *, by, why, outbox):
    """What we confirmed, on the rows: per line the confirmed quantity and unit price and its
    status as the answer gives it; per batch the confirmed quantity and promised date, batches we
    added created, our earlier added batches the answer no longer has removed."""
    rows = _rows(order)
    answered = {line.id: line for line in response.lines}
    statuses, lines, create, update, remove = {}, [], [], [], []
    for row in rows:
        line = answered.get(row.line_id)
        if line is None:
            continue
        status = ubl.normalise_status(line.line_status_code)
        if status is None:  # an ERP may leave it out; Jakamo then reads the values
            req = requested.line(row.line_id)
            status = ubl.CONFIRMED_WITH_CHANGES if req is not None and line_changes(req, line) else ubl.CONFIRMED
        statuses[row.line_id] = status
        confirming = status not in (ubl.OPEN, ubl.CANCELLED)
        row.confirmed_quantity = line.quantity.value if confirming and line.quantity else None
        unit_price = line.price.unit_price if confirming and line.price else None
        row.confirmed_unit_price = unit_price.quantize(_SIX_PLACES) if unit_price is not None else None
        lines.append(row)
        existing = {b.batch_id: b for b in row.batches.all()}
        named = set()
        for d in line.deliveries:
            batch_id = (d.id or "")[:200]
            named.add(batch_id)
            quantity = d.quantity.value if confirming and d.quantity else None
            promised = (d.promised_end_date or d.promised_start_date) if confirming else None
            batch = existing.get(batch_id)
            if batch is None:
                create.append(
                    SalesOrderBatch(
                        line=row,
                        batch_id=batch_id,
                        confirmed_quantity=quantity,
                        promised_date=promised,
                        added_by_us=True,
                    )
                )
            else:
                batch.confirmed_quantity, batch.promised_date = quantity, promised
                update.append(batch)
        for key, batch in existing.items():
            if key in named:
                continue
            if batch.added_by_us and batch.quantity is None:
                remove.append(batch.pk)
            else:
                batch.confirmed_quantity, batch.promised_date = None, None
                update.append(batch)
    SalesOrderLine.objects.bulk_update(lines, ["confirmed_quantity", "confirmed_unit_price"], batch_size=1000)
    SalesOrderBatch.objects.bulk_create(create, batch_size=1000)
    SalesOrderBatch.objects.bulk_update(update, ["confirmed_quantity", "promised_date"], batch_size=1000)
    if remove:
        SalesOrderBatch.objects.filter(pk__in=remove).delete()
    # A line delivered (or cancelled) keeps its status whatever a later answer says of it.
    move_many(
        SALES_LINE,
        rows,
        lambda row: None if SALES_LINE.is_final(row.status) else statuses.get(row.line_id),
        by=by,
        why=why,
        outbox=outbox,
    )


def sales_rows_backfill(order: SalesOrder) -> bool:
    """Rows for an order recorded before orders had them (``manage.py sales_rows``): the lines and
    batches of its latest version, what our last answer to that version confirmed, and the line
    statuses the order's status implies. False when the order has rows already."""
    why = "Rows made from the stored XML"
    with transaction.atomic():
        order = _locked(order)
        if order.lines.exists():
            return False
        requested = parse_order_document(order.document_xml)
        _record_rows(order, requested, changed=None, confirmed=False)
        answer = (
            order.confirmations.filter(version=order.version)
            .exclude(kind=SalesConfirmation.Kind.DELIVERED)
            .order_by("-at", "-pk")
            .first()
        )
        if answer is not None:
            if answer.kind == SalesConfirmation.Kind.AS_REQUESTED:
                response = documents.confirmed_as_requested(requested)
            else:
                response = parse_order_document(answer.document_xml)
            _record_answer(order, requested, response, by=None, why=why, outbox=answer.outbox_id)
        implied = {
            SalesStatus.CONFIRMED: ubl.CONFIRMED,
            SalesStatus.DELIVERED: DELIVERED,
            SalesStatus.REJECTED: ubl.CANCELLED,
            SalesStatus.CANCELLED: ubl.CANCELLED,
        }.get(order.status)
        if implied:
            move_many(
                SALES_LINE, _rows(order), lambda row: None if SALES_LINE.is_final(row.status) else implied, why=why
            )
        return True


def _our_last_confirmation(order: SalesOrder) -> ubl.OrderDocument | None:
    """What we last confirmed, as a confirmation document: our OrderResponse with changes, or the
    version we confirmed as requested. None before any confirmation (and after our rejection the
    order is closed, so no change reaches here)."""
    answer = (
        order.confirmations.filter(kind__in=[SalesConfirmation.Kind.AS_REQUESTED, SalesConfirmation.Kind.WITH_CHANGES])
        .order_by("-at", "-pk")
        .first()
    )
    if answer is None:
        return None
    if answer.kind == SalesConfirmation.Kind.AS_REQUESTED:
        agreed = order.versions.filter(version=answer.version).first()
        if agreed is None:
            return None
        return documents.confirmed_as_requested(parse_order_document(agreed.document_xml))
    return parse_order_document(answer.document_xml)


def _lines_agreeing(change: ubl.OrderDocument, confirmed: ubl.OrderDocument | None) -> set[str]:
    """The ids of the lines of the customer's change that ask for what we last confirmed of them
    (an Open or Draft line never does: nothing is confirmed on it yet)."""
    if confirmed is None:
        return set()
    ours = {line.id: line for line in confirmed.lines}
    return {
        line.id
        for line in change.lines
        if line.id in ours and not dv.is_cancelled(line) and dv.line_matches(line, ours[line.id])
    }


def on_customer_cancelled(inbox, identified: Identified):
    """StatusMessage Cancelled on the Sales Order queue (routed in orders/apps.py): the order and
    every line Cancelled."""
    msg: jstatus.StatusMessage = identified.document
    with transaction.atomic():
        orders = list(
            SalesOrder.objects.select_for_update().filter(integration=inbox.integration, order_number=msg.order_id)
        )
        if not orders:
            raise DocumentError(f"The customer cancelled order {msg.order_id}, which is not here.")
        for order in orders:
            if not SALES_ORDER.allows(order.status, SalesStatus.CANCELLED):
                raise DocumentError(
                    f"The customer cancelled order {order.order_number}, which is "
                    f"{order.get_status_display().lower()} here; kept but not applied."
                )
            order.awaiting_since = None
            move(
                SALES_ORDER,
                order,
                SalesStatus.CANCELLED,
                why="StatusMessage Cancelled from the customer",
                inbox=inbox,
                also=["awaiting_since"],
            )
            move_many(
                SALES_LINE,
                list(order.lines.all()),
                lambda row: None if SALES_LINE.is_final(row.status) else ubl.CANCELLED,
                why="StatusMessage Cancelled from the customer",
                inbox=inbox,
            )


# -- our answers ------------------------------------------------------------------------------------------
_lower = lazy(lambda text: str(text).lower(), str)


def _open(order: SalesOrder):
    """Refuse anything on an order Jakamo has closed (delivered, rejected, cancelled)."""
    if SALES_ORDER.is_final(order.status):
        raise Refused(
            "order_closed",
            _("Order %(order)s is %(status)s; it is closed in Jakamo and takes no more answers or deliveries."),
            order=order.order_number,
            status=_lower(SALES_ORDER.labels[order.status]),
        )


def _may_become(order: SalesOrder, status: str):
    """Refuse before anything is built or queued when the order's status forbids the move."""
    _open(order)
    if not SALES_ORDER.allows(order.status, status):
        raise refusal(SALES_ORDER, order, order.status, status)


def seller_contact_for(order: SalesOrder, user) -> str:
    """Our SellerContact ID: the confirming person's user mapping, else the DefaultUser."""
    mapping = UserMapping.objects.filter(integration=order.integration, user=user).first() if user else None
    if mapping is None:
        mapping = UserMapping.objects.filter(integration=order.integration, is_default=True).first()
    if mapping is None:
        raise Refused(
            "no_seller_contact",
            _(
                "%(user)s has no user mapping in %(integration)s and there is no DefaultUser: add one under "
                "User mappings, so Jakamo knows who confirms."
            ),
            user=getattr(user, "username", None) or _("The ERP"),
            integration=order.integration.name,
        )
    return mapping.identifier


def customer_identifier_for(order: SalesOrder) -> str:
    """Our identifier for the customer (BuyerCustomerParty ID), by the SO document's routing rules:
    an external identifier on the buyer or seller party, compound rules needing both halves."""
    mappings = list(CompanyMapping.objects.filter(integration=order.integration))
    external = {
        ExternalField.BUYER_CUSTOMER_PARTY: order.customer_id,
        ExternalField.SELLER_SUPPLIER_PARTY: order.seller_party_id,
    }

    def matches(m: CompanyMapping) -> bool:
        return bool(m.external_field) and m.external_identifier == external.get(m.external_field)

    compound = [m for m in mappings if m.compound_rule_member and matches(m)]
    by_identifier: dict[str, list[CompanyMapping]] = {}
    for m in compound:
        by_identifier.setdefault(m.identifier, []).append(m)
    for identifier, members in by_identifier.items():
        if {m.external_field for m in members} == {
            ExternalField.BUYER_CUSTOMER_PARTY,
            ExternalField.SELLER_SUPPLIER_PARTY,
        }:
            return identifier
    for m in mappings:
        if not m.compound_rule_member and matches(m):
            return m.identifier
    direct = next((m for m in mappings if m.identifier == order.customer_id), None)
    if direct is not None:
        return direct.identifier
    raise Refused(
        "no_customer_mapping",
        _(
            "No company mapping in %(integration)s for the customer “%(customer)s” (%(name)s): add it under Company mappings."
        ),
        integration=order.integration.name,
        customer=order.customer_id,
        name=order.customer_name or _("unnamed"),
    )


def _check(order: SalesOrder, requested: ubl.OrderDocument, response: ubl.OrderDocument):
    problems = check_answer(
        requested,
        response,
        allow_new_batches=order.integration.allow_new_batches,
        allow_draft=order.integration.allow_draft,
    )
    delivered = {
        row.line_id: {b.batch_id for b in row.batches.all()} for row in _rows(order) if row.status == DELIVERED
    }
    problems += delivered_line_problems(response, delivered)
    if problems:
        raise together(problems)


def _response(order: SalesOrder, user, requested: ubl.OrderDocument, lines, *, note: str = "") -> ubl.OrderDocument:
    return ubl.OrderDocument(
        kind=ubl.ORDER_RESPONSE,
        id=f"{order.order_number}-R{order.confirmations.count() + 1}",
        issue_date=date.today(),
        notes=[note] if note else [],
        document_currency_code=requested.document_currency_code,
        order_reference_id=order.order_number,
        seller_supplier_party=ubl.SupplierParty(
            ubl.Party([ubl.Identifier(order.seller_party_id)] if order.seller_party_id else []),
            seller_contact=ubl.Contact(id=seller_contact_for(order, user)),
        ),
        buyer_customer_party=ubl.CustomerParty(ubl.Party([ubl.Identifier(customer_identifier_for(order))])),
        lines=lines,
    )


def _send_response(order, user, response, kind, note) -> SalesConfirmation:
    body = build_order_document(response)
    row = outbox.enqueue(
        integration=order.integration,
        operation=OutboxMessage.Operation.ORDER_RESPONSE,
        document_type="OrderResponse",
        document_key=order.order_number,
        partner=response.buyer_id or "",
        body=body,
        repeat_safe=True,  # the same OrderResponse again restates the same confirmation
        user=user,
    )
    return SalesConfirmation.objects.create(
        order=order, kind=kind, version=order.version, document_xml=body.decode(), note=note, user=user, outbox=row
    )


def _locked(order: SalesOrder) -> SalesOrder:
    return SalesOrder.objects.select_for_update().select_related("integration").get(pk=order.pk)


def sales_confirm_as_requested(*, order: SalesOrder, user, note: str = "") -> SalesConfirmation:
    """Simple confirmation through the order's Jakamo-Confirm-Url (new orders and customer changes)."""
    with transaction.atomic():
        order = _locked(order)
        _may_become(order, SalesStatus.CONFIRMED)
        if not order.confirm_url:
            raise Refused(
                "no_confirm_url",
                _("This order came without a Jakamo-Confirm-Url; confirm it with changes instead."),
            )
        row = outbox.enqueue(
            integration=order.integration,
            operation=OutboxMessage.Operation.SIMPLE_CONFIRM,
            document_type="Simple confirmation",
            document_key=order.order_number,
            partner=order.customer_id,
            target_url=order.confirm_url,
            body=json.dumps({"note": note or None}).encode(),
            repeat_safe=True,
            user=user,
        )
        requested = parse_order_document(order.document_xml)
        why = "Confirmed as requested"
        order.awaiting_since = None
        move(SALES_ORDER, order, SalesStatus.CONFIRMED, by=user, why=why, outbox=row, also=["awaiting_since"])
        _record_answer(order, requested, documents.confirmed_as_requested(requested), by=user, why=why, outbox=row)
        return SalesConfirmation.objects.create(
            order=order,
            kind=SalesConfirmation.Kind.AS_REQUESTED,
            version=order.version,
            note=note,
            user=user,
            outbox=row,
        )


def sales_confirm_with_changes(
    *, order: SalesOrder, user, answers: dict[str, LineAnswer], note: str = ""
) -> SalesConfirmation:
    """An OrderResponse with our values (answer.build_lines, then answer.check_answer); the
    customer then accepts or rejects them."""
    with transaction.atomic():
        order = _locked(order)
        _open(order)
        requested = parse_order_document(order.document_xml)
        unknown = set(answers) - {line.id for line in requested.lines}
        if unknown:
            raise Refused(
                "no_such_line",
                _("Order %(order)s has no line %(lines)s."),
                order=order.order_number,
                lines=", ".join(sorted(unknown)),
            )
        lines = build_lines(requested, answers, allow_new_batches=order.integration.allow_new_batches)
        response = _response(order, user, requested, lines, note=note)
        _check(order, requested, response)
        return _answer(order, user, requested, response, SalesConfirmation.Kind.WITH_CHANGES, note)


def _answer(order, user, requested, response, kind, note) -> SalesConfirmation:
    """Send ``response`` (checked) and record it: the order's and the lines' statuses, the
    confirmed values."""
    rejected = bool(response.lines) and all(dv.is_cancelled(line) for line in response.lines)
    status, awaiting = _status_after_answer(order, requested, response, rejected)
    _may_become(order, status)
    confirmation = _send_response(order, user, response, kind, note)
    with translation.override("en"):  # the audit trail reads the same whoever acted
        why = str(SalesConfirmation.Kind(kind).label)
    order.awaiting_since = awaiting
    move(SALES_ORDER, order, status, by=user, why=why, outbox=confirmation.outbox, also=["awaiting_since"])
    _record_answer(order, requested, response, by=user, why=why, outbox=confirmation.outbox)
    return confirmation


def _status_after_answer(order: SalesOrder, requested, response, rejected: bool):
    """Rejected when every line is cancelled; Confirmed when our answer matches the request; still
    ours to confirm while it leaves any line Open or Draft, changes or not (as a purchaser's review
    reads such a confirmation, and Jakamo shows it: it keeps waiting since it arrived); else the
    customer decides on our changes. With the order's awaiting_since."""
    if rejected:
        return SalesStatus.REJECTED, None
    changed = dv.compare(requested, response)
    if changed.matches:
        return SalesStatus.CONFIRMED, None
    if changed.kinds & {dv.OPEN_LINE, dv.DRAFT_LINE}:
        return SalesStatus.WAITING_US, order.awaiting_since
    return SalesStatus.WAITING_CUSTOMER, None


def sales_reject(*, order: SalesOrder, user, reason: str) -> SalesConfirmation:
    """Reject the whole order: every line Cancelled in the OrderResponse, with the reason. Only an
    order not yet confirmed (Jakamo lets a supplier reject only before confirming)."""
    if not reason.strip():
        raise Refused("reason_required", _("Say why the order is rejected; the customer sees the reason."))
    with transaction.atomic():
        order = _locked(order)
        _may_become(order, SalesStatus.REJECTED)
        requested = parse_order_document(order.document_xml)
        lines = build_lines(requested, {}, allow_new_batches=order.integration.allow_new_batches, reject=True)
        response = _response(order, user, requested, lines, note=reason)
        _check(order, requested, response)
        return _answer(order, user, requested, response, SalesConfirmation.Kind.REJECTED, reason)


def sales_deliver(
    *,
    order: SalesOrder,
    user,
    line_ids: list[str] | None = None,
    batch_ids: list[str] | None = None,
    delivery_date: date | None = None,
    tracking_number: str = "",
    quantities: dict[str, Decimal] | None = None,
    per_batch: bool = True,
    source: str = "",
) -> SalesConfirmation:
    """StatusMessage Delivered for the order, some lines, or some delivery batches, with the date
    and tracking number; ``quantities`` (line id → quantity) adds DeliveredQuantity per line, as
    when a warehouse reports what it packed; ``source`` names who reported it when no person did
    (the order's page shows it). The order is Delivered once every line is (only a confirmed order
    can be)."""
    delivery_date = delivery_date or date.today()
    limit = SalesOrderBatch._meta.get_field("tracking_number").max_length
    if len(tracking_number or "") > limit:
        raise Refused(
            "too_long",
            _("The tracking number has %(length)s characters; at most %(limit)s are kept."),
            length=len(tracking_number),
            limit=limit,
        )
    with transaction.atomic():
        order = _locked(order)
        _open(order)
        rows = [row for row in _rows(order) if row.status != ubl.CANCELLED]
        known = [row.line_id for row in rows]
        unknown = set(line_ids or []) - set(known)
        if unknown:
            raise Refused(
                "no_such_line",
                _("Order %(order)s has no open line %(lines)s."),
                order=order.order_number,
                lines=", ".join(sorted(unknown)),
            )
        if batch_ids:
            missing = set(batch_ids) - {b.batch_id for row in rows for b in row.batches.all()}
            if missing:
                raise Refused(
                    "unknown_batch",
                    _("Order %(order)s has no delivery batch %(batches)s."),
                    order=order.order_number,
                    batches=", ".join(sorted(missing)),
                )
        chosen = []  # (row, its batches delivered now, whole line)
        for row in rows:
            batches = [b for b in row.batches.all() if b.batch_id and (not batch_ids or b.batch_id in batch_ids)]
            if (batch_ids and not batches) or (not batch_ids and row.line_id not in (line_ids or known)):
                continue
            # The line is delivered once every batch of it is, now or in an earlier report.
            whole = not batch_ids or all(
                b.batch_id in batch_ids or b.delivered_date for b in row.batches.all() if b.batch_id
            )
            chosen.append((row, batches, whole))
        delivered = {row.line_id for row in rows if row.status == DELIVERED}
        delivered |= {row.line_id for row, _batches, whole in chosen if whole}
        everything = delivered >= set(known)
        if everything and not SALES_ORDER.allows(order.status, SalesStatus.DELIVERED):
            raise Refused(
                "not_confirmed",
                _(
                    "Order %(order)s is %(status)s; only a confirmed order can be delivered as a whole. "
                    "Confirm it first, or report single lines or batches delivered."
                ),
                order=order.order_number,
                status=_lower(SALES_ORDER.labels[order.status]),
            )
        lines = [
            jstatus.LineStatus(
                row.line_id,
                # A quantity per line (what a warehouse packed) is not per batch: the line is reported whole.
                []
                if quantities or not per_batch
                else [
                    jstatus.DeliveryStatus(
                        b.batch_id, real_delivery_date=delivery_date, tracking_number=tracking_number or None
                    )
                    for b in batches
                ],
                real_delivery_date=delivery_date,
                delivered_quantity=(quantities or {}).get(row.line_id),
            )
            for row, batches, _whole in chosen
        ]
        msg = jstatus.StatusMessage(
            order.order_number,
            jstatus.DELIVERED,
            real_delivery_date=delivery_date,
            tracking_number=tracking_number or None,
            lines=lines,
        )
        row = outbox.enqueue_status(  # Delivered twice is harmless
            integration=order.integration, message=msg, partner=order.customer_id, repeat_safe=True, user=user
        )
        why = f"Delivered{f' ({tracking_number})' if tracking_number else ''}"
        touched = [b for line, batches, whole in chosen for b in (line.batches.all() if whole else batches)]
        for b in touched:
            b.delivered_date, b.tracking_number = delivery_date, tracking_number or b.tracking_number
        SalesOrderBatch.objects.bulk_update(touched, ["delivered_date", "tracking_number"], batch_size=1000)
        whole_lines = {line.line_id for line, _batches, whole in chosen if whole}
        move_many(
            SALES_LINE,
            [line for line, _batches, _whole in chosen],
            lambda line: DELIVERED if line.line_id in whole_lines else None,
            by=user,
            why=why,
            outbox=row,
        )
        if everything:
            move(SALES_ORDER, order, SalesStatus.DELIVERED, by=user, why=why, outbox=row)
        return SalesConfirmation.objects.create(
            order=order,
            kind=SalesConfirmation.Kind.DELIVERED,
            version=order.version,
            note=tracking_number,
            user=user,
            source="" if user else source[:200],
            outbox=row,
        )


def sales_confirm_document(*, order: SalesOrder, document: ubl.OrderDocument, user=None) -> SalesConfirmation:
    """An OrderResponse the ERP built itself (the gateway's POST /api/orderresponse), sent as it is
    once it keeps the rules our own answers keep (answer.check_answer)."""
    with transaction.atomic():
        order = _locked(order)
        _open(order)
        requested = parse_order_document(order.document_xml)
        _check(order, requested, document)
        rejected = bool(document.lines) and all(dv.is_cancelled(line) for line in document.lines)
        kind = SalesConfirmation.Kind.REJECTED if rejected else SalesConfirmation.Kind.WITH_CHANGES
        note = " ".join(document.notes) if document.notes else ""
        return _answer(order, user, requested, document, kind, note)
