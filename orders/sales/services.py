"""Supplier-side services: customer orders from the Sales Order queue, confirmed as requested or
with changes, rejected, delivered. Views, handlers and tests call these."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

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
from orders.models import SalesConfirmation, SalesOrder, SalesOrderVersion, SalesStatus


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


def sales_order_record(*, inbox, document: ubl.OrderDocument) -> SalesOrder:
    """A new customer order (Order) or a new version of one (OrderChange)."""
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
                document_xml=body,
                confirm_url=inbox.confirm_url,
                awaiting_since=timezone.now(),
                delivery_due=delivery_due(document),
            )
            SalesOrderVersion.objects.create(
                order=order, version=1, document_type=document.kind, document_xml=body, inbox=inbox
            )
            return order
        if order.is_closed:
            raise DocumentError(
                f"Order {order.order_number} is {order.get_status_display().lower()}; a change "
                "for it is kept but not applied."
            )
        changes = customer_changes(parse_order_document(order.document_xml), document)
        if all(dv.is_cancelled(line) for line in document.lines):
            status = SalesStatus.CANCELLED
        elif _agrees_with_our_confirmation(order, document):
            status = SalesStatus.CONFIRMED
        else:
            status = SalesStatus.WAITING_US
        order.version += 1
        order.document_xml = body
        order.confirm_url = inbox.confirm_url or order.confirm_url
        order.awaiting_since = timezone.now() if status == SalesStatus.WAITING_US else None
        order.delivery_due = delivery_due(document)
        order.status = status
        order.save()
        SalesOrderVersion.objects.create(
            order=order,
            version=order.version,
            document_type=document.kind,
            document_xml=body,
            inbox=inbox,
            changes=changes,
        )
        return order


def _agrees_with_our_confirmation(order: SalesOrder, change: ubl.OrderDocument) -> bool:
    """Whether the customer's change asks for what we last confirmed: then Jakamo shows the order
    Confirmed (SO document 6.2: confirmed when requested and confirmed details match), as when the
    customer takes up our proposed changes or cancels a line of a confirmed order, and nothing
    waits for us."""
    answer = (
        order.confirmations.filter(kind__in=[SalesConfirmation.Kind.AS_REQUESTED, SalesConfirmation.Kind.WITH_CHANGES])
        .order_by("-at", "-pk")
        .first()
    )
    if answer is None:  # after our rejection the order is closed and no change reaches here
        return False
    if answer.kind == SalesConfirmation.Kind.AS_REQUESTED:
        agreed = order.versions.filter(version=answer.version).first()
        if agreed is None:
            return False
        confirmed = documents.confirmed_as_requested(parse_order_document(agreed.document_xml))
    else:
        confirmed = parse_order_document(answer.document_xml)
    return dv.compare(change, confirmed).matches


def on_customer_cancelled(inbox, identified: Identified):
    """StatusMessage Cancelled on the Sales Order queue (routed in orders/apps.py)."""
    msg: jstatus.StatusMessage = identified.document
    orders = SalesOrder.objects.filter(integration=inbox.integration, order_number=msg.order_id)
    if not orders.exists():
        raise DocumentError(f"The customer cancelled order {msg.order_id}, which is not here.")
    orders.update(status=SalesStatus.CANCELLED, awaiting_since=None)


# -- our answers ------------------------------------------------------------------------------------------
@dataclass
class LineAnswer:
    """How we confirm one line. Unset values are confirmed as the customer asked."""

    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    promised_date: date | None = None
    batches: list[tuple[Decimal, date]] = field(default_factory=list)  # split into these
    leave_open: bool = False
    draft: bool = False


def _open(order: SalesOrder):
    if order.is_closed:
        raise ValueError(
            f"Order {order.order_number} is {order.get_status_display().lower()}; nothing can be confirmed."
        )


def seller_contact_for(order: SalesOrder, user) -> str:
    """Our SellerContact ID: the confirming person's user mapping, else the DefaultUser."""
    mapping = UserMapping.objects.filter(integration=order.integration, user=user).first() if user else None
    if mapping is None:
        mapping = UserMapping.objects.filter(integration=order.integration, is_default=True).first()
    if mapping is None:
        raise ValueError(
            f"{getattr(user, 'username', 'You')} has no user mapping in {order.integration.name} and there is no "
            "DefaultUser: add one under User mappings, so Jakamo knows who confirms."
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
    raise ValueError(
        f"No company mapping in {order.integration.name} for the customer “{order.customer_id}” "
        f"({order.customer_name or 'unnamed'}): add it under Company mappings."
    )


def _response(order: SalesOrder, user, answers: dict[str, LineAnswer], *, reject: bool = False, note: str = ""):
    document = parse_order_document(order.document_xml)
    lines = []
    for line in document.lines:
        answer = answers.get(line.id, LineAnswer())
        cancelled = reject or dv.is_cancelled(line)
        unit = line.quantity.unit_code if line.quantity else None
        quantity = answer.quantity if answer.quantity is not None else (line.quantity.value if line.quantity else None)
        price = line.price
        if answer.unit_price is not None and price is not None and price.amount is not None:
            base = price.base_quantity.value if price.base_quantity else Decimal(1)
            price = ubl.Price(ubl.Amount(answer.unit_price * base, price.amount.currency), price.base_quantity)
        if answer.batches:
            if not order.integration.allow_new_batches and len(answer.batches) > len(line.deliveries):
                raise ValueError(f"Line {line.id}: the integration does not allow splitting into new batches.")
            base_id = line.deliveries[0].id if line.deliveries else line.id
            deliveries = [
                ubl.Delivery(
                    id=base_id if n == 0 else f"{base_id}.{n}",
                    quantity=ubl.Quantity(qty, unit),
                    promised_start_date=when,
                    promised_end_date=when,
                )
                for n, (qty, when) in enumerate(answer.batches)
            ]
            if sum(q for q, _ in answer.batches) != quantity:
                raise ValueError(
                    f"Line {line.id}: the batches add up to {_n(sum(q for q, _ in answer.batches))}, "
                    f"the line is {_n(quantity)}."
                )
        else:
            deliveries = [
                ubl.Delivery(
                    id=d.id,
                    quantity=None
                    if answer.leave_open
                    else (
                        ubl.Quantity(answer.quantity, unit)
                        if answer.quantity is not None and len(line.deliveries) == 1
                        else d.quantity
                    ),
                    promised_start_date=None if answer.leave_open else (answer.promised_date or d.requested_end_date),
                    promised_end_date=None if answer.leave_open else (answer.promised_date or d.requested_end_date),
                )
                for d in line.deliveries
            ]
        if answer.draft and not order.integration.allow_draft:
            raise ValueError(f"Line {line.id}: the integration does not allow Draft lines.")
        status = (
            ubl.CANCELLED
            if cancelled
            else ubl.OPEN
            if answer.leave_open
            else ubl.DRAFT
            if answer.draft
            else ubl.CONFIRMED
        )
        lines.append(
            ubl.OrderLine(
                id=line.id,
                quantity=ubl.Quantity(quantity, unit) if quantity is not None else None,
                line_status_code=status,
                deliveries=deliveries,
                price=price,
                item=line.item,
            )
        )
    response = ubl.OrderDocument(
        kind=ubl.ORDER_RESPONSE,
        id=f"{order.order_number}-R{order.confirmations.count() + 1}",
        issue_date=date.today(),
        notes=[note] if note else [],
        document_currency_code=document.document_currency_code,
        order_reference_id=order.order_number,
        seller_supplier_party=ubl.SupplierParty(
            ubl.Party([ubl.Identifier(order.seller_party_id)] if order.seller_party_id else []),
            seller_contact=ubl.Contact(id=seller_contact_for(order, user)),
        ),
        buyer_customer_party=ubl.CustomerParty(ubl.Party([ubl.Identifier(customer_identifier_for(order))])),
        lines=lines,
    )
    return response


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


def sales_confirm_as_requested(*, order: SalesOrder, user, note: str = "") -> SalesConfirmation:
    """Simple confirmation through the order's Jakamo-Confirm-Url (new orders and customer changes)."""
    with transaction.atomic():
        order = SalesOrder.objects.select_for_update().get(pk=order.pk)
        _open(order)
        if not order.confirm_url:
            raise ValueError("This order came without a Jakamo-Confirm-Url; confirm it with changes instead.")
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
        order.status, order.awaiting_since = SalesStatus.CONFIRMED, None
        order.save()
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
    """An OrderResponse with our values; the customer then accepts or rejects them."""
    with transaction.atomic():
        order = SalesOrder.objects.select_for_update().get(pk=order.pk)
        _open(order)
        unknown = set(answers) - {line.id for line in parse_order_document(order.document_xml).lines}
        if unknown:
            raise ValueError(f"Order {order.order_number} has no line {', '.join(sorted(unknown))}.")
        response = _response(order, user, answers, note=note)
        confirmation = _send_response(order, user, response, SalesConfirmation.Kind.WITH_CHANGES, note)
        _set_status_after_answer(order, parse_order_document(order.document_xml), response)
        order.save()
        return confirmation


def _set_status_after_answer(order: SalesOrder, requested: ubl.OrderDocument, response: ubl.OrderDocument):
    """Confirmed when our answer matches the request; still ours to confirm while it only leaves
    lines Open or Draft (as a purchaser's review reads such a confirmation, and Jakamo shows it);
    else the customer decides on our changes."""
    changed = dv.compare(requested, response)
    if changed.matches:
        order.status = SalesStatus.CONFIRMED
    elif changed.only_unconfirmed:
        order.status = SalesStatus.WAITING_US
        return  # it keeps waiting since it arrived
    else:
        order.status = SalesStatus.WAITING_CUSTOMER
    order.awaiting_since = None


def sales_reject(*, order: SalesOrder, user, reason: str) -> SalesConfirmation:
    """Reject the whole order: every line Cancelled in the OrderResponse, with the reason."""
    if not reason.strip():
        raise ValueError("Say why the order is rejected; the customer sees the reason.")
    with transaction.atomic():
        order = SalesOrder.objects.select_for_update().get(pk=order.pk)
        _open(order)
        response = _response(order, user, {}, reject=True, note=reason)
        confirmation = _send_response(order, user, response, SalesConfirmation.Kind.REJECTED, reason)
        order.status, order.awaiting_since = SalesStatus.REJECTED, None
        order.save()
        return confirmation


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
) -> SalesConfirmation:
    """StatusMessage Delivered for the order, some lines, or some delivery batches, with the date
    and tracking number; ``quantities`` (line id → quantity) adds DeliveredQuantity per line, as
    when a warehouse reports what it packed."""
    delivery_date = delivery_date or date.today()
    with transaction.atomic():
        order = SalesOrder.objects.select_for_update().get(pk=order.pk)
        _open(order)
        document = parse_order_document(order.document_xml)
        known = [line.id for line in document.lines if not dv.is_cancelled(line)]
        unknown = set(line_ids or []) - set(known)
        if unknown:
            raise ValueError(f"Order {order.order_number} has no open line {', '.join(sorted(unknown))}.")
        if batch_ids:
            all_batches = {d.id for line in document.lines for d in line.deliveries}
            missing = set(batch_ids) - all_batches
            if missing:
                raise ValueError(f"Order {order.order_number} has no delivery batch {', '.join(sorted(missing))}.")
        lines = []
        for line in document.lines:
            batches = [d for d in line.deliveries if d.id and (not batch_ids or d.id in batch_ids)]
            if (batch_ids and not batches) or (not batch_ids and line.id not in (line_ids or known)):
                continue
            # A quantity per line (what a warehouse packed) is not per batch: the line is reported whole.
            statuses = (
                []
                if quantities or not per_batch
                else [
                    jstatus.DeliveryStatus(
                        d.id, real_delivery_date=delivery_date, tracking_number=tracking_number or None
                    )
                    for d in batches
                ]
            )
            lines.append(
                jstatus.LineStatus(
                    line.id,
                    statuses,
                    real_delivery_date=delivery_date,
                    delivered_quantity=(quantities or {}).get(line.id),
                )
            )
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
        if not batch_ids and (not line_ids or set(line_ids) == set(known)):
            order.status = SalesStatus.DELIVERED
            order.save()
        return SalesConfirmation.objects.create(
            order=order,
            kind=SalesConfirmation.Kind.DELIVERED,
            version=order.version,
            note=tracking_number,
            user=user,
            outbox=row,
        )


def sales_confirm_document(*, order: SalesOrder, document: ubl.OrderDocument, user=None) -> SalesConfirmation:
    """An OrderResponse the ERP built itself (the gateway's POST /api/orderresponse), sent as it is."""
    with transaction.atomic():
        order = SalesOrder.objects.select_for_update().get(pk=order.pk)
        _open(order)
        requested = parse_order_document(order.document_xml)
        unknown = {line.id for line in document.lines} - {line.id for line in requested.lines}
        if unknown:
            raise ValueError(f"Order {order.order_number} has no line {', '.join(sorted(unknown))}.")
        # Our own answers cannot carry these (the form refuses them); nor, then, may an ERP's.
        problems = documents.negative_values(document) + documents.batch_sum_problems(document)
        if problems:
            raise ValueError("; ".join(problems) + ".")
        rejected = bool(document.lines) and all(dv.is_cancelled(line) for line in document.lines)
        kind = SalesConfirmation.Kind.REJECTED if rejected else SalesConfirmation.Kind.WITH_CHANGES
        note = " ".join(document.notes) if document.notes else ""
        confirmation = _send_response(order, user, document, kind, note)
        if rejected:
            order.status, order.awaiting_since = SalesStatus.REJECTED, None
        else:
            _set_status_after_answer(order, requested, document)
        order.save()
        return confirmation
