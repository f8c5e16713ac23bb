"""Reads shared by the purchaser's pages. Query counts stay flat as the data grows: lists use one
query plus a count, pages prefetch what they show."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Exists, F, OuterRef, Prefetch, Q, Subquery
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from common import hooks
from common.params import whole_number
from common.transitions import history
from exchange.models import InboxMessage, OutboxMessage

from .models import (
    Confirmation,
    DeliveryBatch,
    OrderStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    SalesOrder,
    SalesStatus,
)


def review_queue(params=None):
    """Orders awaiting the buyer's decision, oldest first."""
    params = params or {}
    pending = Confirmation.objects.filter(order=OuterRef("pk"), decision=Confirmation.Decision.PENDING)
    qs = (
        PurchaseOrder.objects.filter(awaiting_decision_since__isnull=False)
        .select_related("purchaser")
        .annotate(
            pending_version=Subquery(pending.values("version")[:1]), impact=F("confirmed_total") - F("ordered_total")
        )
    )
    if supplier := params.get("supplier"):
        qs = qs.filter(Q(supplier_id=supplier) | Q(supplier_name=supplier))
    if purchaser := params.get("purchaser"):
        qs = qs.filter(purchaser__username=purchaser)
    if kind := params.get("kind"):
        qs = (
            qs.filter(deviation_kinds__contains=[kind])
            if _json_contains_supported()
            else qs.filter(deviation_kinds__icontains=f'"{kind}"')
        )
    return qs.order_by("awaiting_decision_since", "id")


def _json_contains_supported() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def review_count() -> int:
    return PurchaseOrder.objects.filter(awaiting_decision_since__isnull=False).count()


def sales_waiting_count() -> int:
    """Customer orders (new ones and changes) waiting for our answer: the Sales orders badge."""
    return SalesOrder.objects.filter(status=SalesStatus.WAITING_US).count()


# No order is older than a century: a larger "older than" means the same, and beyond some 739,000
# days (before the year 1) no date could hold it.
OLDEST_DAYS = 36_500


def purchase_orders(params=None):
    params = params or {}
    qs = PurchaseOrder.objects.select_related("purchaser")
    if status := params.get("status"):
        qs = qs.filter(status=status)
    if (older := whole_number(params.get("older_than"), largest=OLDEST_DAYS, clamp=True)) is not None:
        qs = qs.filter(created_at__lt=timezone.now() - timedelta(days=older))
    if (due := params.get("due")) in DUE_WINDOWS:
        qs = qs.filter(pk__in=open_batches_due(due).values("line__order_id"))
    if purchaser := params.get("purchaser"):
        qs = qs.filter(purchaser__username=purchaser)
    if supplier := params.get("supplier"):
        qs = qs.filter(Q(supplier_id__iexact=supplier) | Q(supplier_name__icontains=supplier))
    if q := (params.get("q") or "").strip():
        qs = qs.filter(Q(order_number__icontains=q) | Q(supplier_name__icontains=q))
    if params.get("sending") == NOT_SENT:
        qs = qs.filter(Exists(_unsent(OuterRef("integration"), OuterRef("order_number"))))
    return qs.order_by("-created_at", "-id")


# -- what did not reach Jakamo -----------------------------------------------------------------
NOT_SENT = "not_sent"
# Held by a missing mapping, or refused by Jakamo: nothing will go out until a person acts.
UNSENT_STATUSES = [OutboxMessage.Status.BLOCKED, OutboxMessage.Status.REJECTED]
# The same, and a send whose outcome nobody knows: each needs a person, so the order page says so.
SEND_PROBLEM_STATUSES = [*UNSENT_STATUSES, OutboxMessage.Status.UNKNOWN]


def _unsent(integration, order_number, statuses=UNSENT_STATUSES):
    return OutboxMessage.objects.filter(integration=integration, document_key=order_number, status__in=statuses)


def unsent_count() -> int:
    """Orders with a message to Jakamo that is blocked or was refused (the home page's tile)."""
    return purchase_orders({"sending": NOT_SENT}).count()


def send_problems(order: PurchaseOrder) -> list[OutboxMessage]:
    """The order's messages to Jakamo that wait for a person, oldest first."""
    return list(
        _unsent(order.integration_id, order.order_number, SEND_PROBLEM_STATUSES).defer("body").order_by("created_at")
    )


def order_page(pk: int) -> PurchaseOrder:
    """The order with everything its page shows; each line's batches in ``batch_rows`` (a list:
    ``line.batches.all()`` built a queryset a line, a fifth of a second on a 5,000-line order)."""
    batches = Prefetch("batches", queryset=DeliveryBatch.objects.order_by("id"), to_attr="batch_rows")
    lines = Prefetch("lines", queryset=PurchaseOrderLine.objects.order_by("id").prefetch_related(batches))
    # The documents (megabytes each on a big order) are not shown here; the review page reads them.
    confirmations = Confirmation.objects.defer("document_xml").order_by("-version").prefetch_related("decisions__user")
    return (
        PurchaseOrder.objects.select_related("integration", "purchaser")
        .defer("document_xml")
        .prefetch_related(
            lines,
            Prefetch("confirmations", queryset=confirmations),
            "receipts__user",
        )
        .get(pk=pk)
    )


@dataclass
class Event:
    """One entry of the order's timeline: when, what happened, who did it, and the details."""

    at: datetime
    kind: str  # sent, message, confirmation, decision, shipment, receipt, status
    title: str
    who: str = ""
    details: list[str] = field(default_factory=list)
    url: str = ""
    problem: bool = False
    # The raw message in the message history, linked for those who may read it.
    message_url: str = ""


@dataclass
class Shipping:
    """What an app above orders knows of an order's shipments (shipments/apps.py registers it):
    its events, the shipment each receipt came from (receipt pk → (shipment number, url)), and
    what a shipment brought less than its notice said, still to come (sentences)."""

    events: list[Event] = field(default_factory=list)
    receipt_origins: dict[int, tuple[str, str]] = field(default_factory=dict)
    shortfalls: list[str] = field(default_factory=list)


SHIPPING_SOURCES: list[Callable[[PurchaseOrder], Shipping]] = []


def register_shipping_source(func: Callable[[PurchaseOrder], Shipping]) -> Callable:
    return hooks.register(SHIPPING_SOURCES, func, what="as a shipping source")


def shipping(order: PurchaseOrder) -> Shipping:
    out = Shipping()
    for source in SHIPPING_SOURCES:
        part = source(order)
        out.events += part.events
        out.receipt_origins.update(part.receipt_origins)
        out.shortfalls += part.shortfalls
    return out


# A receiving of every batch of a 5,000-line order is one event; its first lines say enough.
DETAILS_SHOWN = 10


def order_timeline(order: PurchaseOrder, confirmations, shipped: Shipping | None = None) -> list[Event]:
    """Everything that happened to the order, oldest first: what was sent and what came back,
    the supplier's confirmations and notes, the purchaser's decisions, shipments, receipts (one
    event per receiving) and the order's status changes, each with who and when."""
    from .transitions import PURCHASE_ORDER

    shipped = shipped or Shipping()
    events: list[Event] = list(shipped.events)
    confirmation_inbox = {c.inbox_id for c in confirmations if c.inbox_id}
    sent_at: dict[int, datetime] = {}
    for m in (
        OutboxMessage.objects.filter(integration=order.integration_id, document_key=order.order_number)
        .defer("body")
        .select_related("created_by")
    ):
        sent_at[m.pk] = m.created_at
        details = [m.get_status_display()]
        if m.status == OutboxMessage.Status.BLOCKED and m.blocked_reason:
            details.append(m.blocked_reason)
        elif m.status in (OutboxMessage.Status.REJECTED, OutboxMessage.Status.UNKNOWN):
            details.append(m.explanation or m.last_error)
        events.append(
            Event(
                m.created_at,
                "sent",
                _("%(document)s to Jakamo") % {"document": m.document_type},
                who=str(m.created_by or ""),
                details=details,
                message_url=m.get_absolute_url(),
                problem=m.status in SEND_PROBLEM_STATUSES,
            )
        )
    for m in InboxMessage.objects.filter(integration=order.integration_id, document_key=order.order_number).defer(
        "body"
    ):
        if m.pk in confirmation_inbox:
            continue  # the confirmation's own event says it
        events.append(
            Event(
                m.received_at,
                "message",
                _("%(document)s from Jakamo") % {"document": m.document_type or _("Message")},
                who=order.supplier_name or order.supplier_id,
                details=[m.get_status_display()],
                message_url=m.get_absolute_url(),
                problem=m.status == InboxMessage.Status.FAILED,
            )
        )
    for c in confirmations:
        details = [c.get_decision_display()]
        if c.deviations:
            details.append(
                ngettext("%(count)s deviation", "%(count)s deviations", len(c.deviations))
                % {"count": len(c.deviations)}
            )
        if c.supplier_note:
            details.append(_("Supplier's note: “%(note)s”") % {"note": c.supplier_note})
        events.append(
            Event(
                c.received_at,
                "confirmation",
                _("Supplier's confirmation, version %(version)s") % {"version": c.version},
                who=order.supplier_name or order.supplier_id,
                details=details,
                url=reverse("orders:confirmation_review", args=[order.pk, c.version]),
                message_url=reverse("exchange:inbox_detail", args=[c.inbox_id]) if c.inbox_id else "",
            )
        )
        for d in c.decisions.all():
            details = []
            if d.kind == d.Kind.LINE_BY_LINE:
                details.append(
                    _("Accepted lines: %(lines)s; the others rejected") % {"lines": ", ".join(d.accepted_lines) or "—"}
                )
            if d.note:
                details.append(f"“{d.note}”")
            events.append(
                Event(
                    # The decision's row is written after the message it sends: it comes first.
                    min(d.at, sent_at.get(d.outbox_id, d.at)),
                    "decision",
                    _("%(decision)s (version %(version)s)") % {"decision": d.get_kind_display(), "version": c.version},
                    who=str(d.user or ""),
                    details=details,
                )
            )
    events += _receipt_events(order, shipped.receipt_origins, sent_at)
    for change in history(order).select_related("user"):
        if not change.before:
            continue  # the order's creation is its first message
        events.append(
            Event(
                change.at,
                "status",
                _("Status: %(before)s → %(after)s")
                % {"before": PURCHASE_ORDER.label(change.before), "after": PURCHASE_ORDER.label(change.after)},
                # No person: the supplier's message carried it, or the engine.
                who=str(change.user or (order.supplier_name or order.supplier_id if change.inbox_id else "")),
                details=[change.why] if change.why else [],
            )
        )
    # What happened in one step (a decision, the message it sends, the status it moves) reads
    # cause first.
    events.sort(key=lambda e: (e.at, STEP_ORDER.get(e.kind, 9)))
    return events


STEP_ORDER = {"shipment": 0, "confirmation": 0, "message": 0, "decision": 1, "receipt": 1, "sent": 2, "status": 3}


def _receipt_events(order: PurchaseOrder, origins: dict[int, tuple[str, str]], sent_at: dict) -> list[Event]:
    """One event per receiving (the receipts one Received status carried)."""
    groups: dict[object, list] = {}
    for r in order.receipts.select_related("user", "line", "batch").order_by("at", "pk"):
        groups.setdefault(r.outbox_id or f"receipt-{r.pk}", []).append(r)
    events = []
    for receipts in groups.values():
        first = receipts[0]
        details = []
        for r in receipts[:DETAILS_SHOWN]:
            where = _("line %(line)s, batch %(batch)s") % {
                "line": r.line.line_id if r.line else "—",
                "batch": r.batch.batch_id if r.batch else "—",
            }
            origin = origins.get(r.pk)
            source = _(" from shipment %(shipment)s") % {"shipment": origin[0]} if origin else ""
            details.append(f"{where}: {formats.number_format(r.quantity.normalize())}{source}")
        if len(receipts) > DETAILS_SHOWN:
            details.append(_("and %(count)s more") % {"count": len(receipts) - DETAILS_SHOWN})
        origin = next((origins[r.pk] for r in receipts if r.pk in origins), None)
        events.append(
            Event(
                min(first.at, sent_at.get(first.outbox_id, first.at)),
                "receipt",
                _("Goods received on %(date)s")
                % {"date": formats.date_format(first.received_date, "SHORT_DATE_FORMAT")},
                who=str(first.user or ""),
                details=details,
                url=origin[1] if origin else "",
            )
        )
    return events


OPEN_STATUSES = [
    OrderStatus.WAITING_SUPPLIER,
    OrderStatus.WAITING_CUSTOMER,
    OrderStatus.CONFIRMED,
    OrderStatus.STARTED_RECEIVING,
]


DUE_WINDOWS = ("week", "late")


def week_window(today: date | None = None) -> tuple[date, date]:
    """Today up to and including this week's Sunday."""
    today = today or timezone.localdate()
    return today, today + timedelta(days=6 - today.weekday())


def open_batches_due(window: str, today: date | None = None):
    """Delivery batches of open orders still short of their quantity, whose date (promised, else
    requested) falls in the rest of this week ("week") or has passed ("late")."""
    today = today or timezone.localdate()
    qs = (
        DeliveryBatch.objects.filter(line__order__status__in=OPEN_STATUSES)
        .exclude(line__status__in=["Cancelled", "Received"])
        .annotate(due=F("agreed_date"))
        .filter(received_quantity__lt=F("agreed_quantity"))
    )
    if window == "late":
        return qs.filter(due__lt=today)
    start, end = week_window(today)
    return qs.filter(due__gte=start, due__lte=end)


SALES_OPEN = [SalesStatus.WAITING_US, SalesStatus.WAITING_CUSTOMER, SalesStatus.CONFIRMED]


def sales_orders(params=None):
    params = params or {}
    qs = SalesOrder.objects.all()
    if status := params.get("status"):
        qs = qs.filter(status=status)
    if q := (params.get("q") or "").strip():
        qs = qs.filter(Q(order_number__icontains=q) | Q(customer_name__icontains=q) | Q(customer_id__icontains=q))
    if (due := params.get("due")) in DUE_WINDOWS:
        qs = qs.filter(status__in=SALES_OPEN)
        today = timezone.localdate()
        if due == "late":
            qs = qs.filter(delivery_due__lt=today)
        else:
            start, end = week_window(today)
            qs = qs.filter(delivery_due__gte=start, delivery_due__lte=end)
    return qs.order_by("-created_at", "-id")


def message_references(user, keys: list[tuple[int, str]]) -> dict:
    """The orders that history messages name, by (integration id, order number), for the message
    history (registered in orders/apps.py): purchase orders and sales orders, each linked only for a
    person who may open that side."""
    from exchange.references import Reference

    if not keys:
        return {}
    integrations = {i for i, _ in keys}
    wanted = set(keys)
    numbers = {n for _, n in keys}
    out = {}
    for model, perm, id_field, name_field in (
        (PurchaseOrder, "common.view_purchase_orders", "supplier_id", "supplier_name"),
        (SalesOrder, "common.view_sales_orders", "customer_id", "customer_name"),
    ):
        may_open = user.has_perm(perm)
        for order in model.objects.filter(integration_id__in=integrations, order_number__in=numbers).only(
            "pk", "integration_id", "order_number", id_field, name_field
        ):
            key = (order.integration_id, order.order_number)
            if key in wanted:
                out.setdefault(
                    key,
                    Reference(
                        url=order.get_absolute_url() if may_open else "",
                        partner_id=getattr(order, id_field),
                        partner_name=getattr(order, name_field),
                    ),
                )
    return out
