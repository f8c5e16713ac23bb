"""Reads shared by the purchaser's pages. Query counts stay flat as the data grows: lists use one
query plus a count, pages prefetch what they show."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import F, OuterRef, Prefetch, Q, Subquery
from django.utils import timezone

from common.params import whole_number
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
    return qs.order_by("-created_at", "-id")


def order_page(pk: int) -> PurchaseOrder:
    batches = Prefetch("batches", queryset=DeliveryBatch.objects.order_by("id"))
    lines = Prefetch("lines", queryset=PurchaseOrderLine.objects.order_by("id").prefetch_related(batches))
    return (
        PurchaseOrder.objects.select_related("integration", "purchaser")
        .prefetch_related(
            lines,
            Prefetch(
                "confirmations", queryset=Confirmation.objects.order_by("-version").prefetch_related("decisions__user")
            ),
            "receipts__user",
        )
        .get(pk=pk)
    )


def timeline(order: PurchaseOrder, limit: int = 100) -> list[dict]:
    """Every message in and out about the order, newest first."""
    incoming = InboxMessage.objects.filter(integration=order.integration, document_key=order.order_number).defer("body")
    outgoing = OutboxMessage.objects.filter(integration=order.integration, document_key=order.order_number).defer(
        "body"
    )
    rows = [{"direction": "in", "at": m.received_at, "obj": m} for m in incoming.order_by("-received_at")[:limit]]
    rows += [{"direction": "out", "at": m.created_at, "obj": m} for m in outgoing.order_by("-created_at")[:limit]]
    rows.sort(key=lambda r: r["at"], reverse=True)
    return rows[:limit]


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
