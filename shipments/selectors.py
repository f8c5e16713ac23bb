"""Read-side queries for the shipment pages: a fixed number of queries whatever the data size."""

from collections import defaultdict

from django.db.models import Count, Q

from .models import ShipHeroWebhook, Shipment, ShipmentItem, ShipmentStatus, WebhookState


def attach_lines(shipments):
    """One query for what a page of shipments carries: per shipment, the order lines it fills."""
    shipments = list(shipments)
    lines = defaultdict(list)
    for item in (
        ShipmentItem.objects.filter(shipment__in=shipments)
        .select_related("order_line")
        .only("shipment_id", "order_number", "line_number", "quantity", "buyers_item_name", "order_line__quantity")
        .order_by("order_number", "line_number", "id")
    ):
        lines[item.shipment_id].append(item)
    for shipment in shipments:
        shipment.carried = lines[shipment.pk]


def shipments(filters) -> "Shipment.objects":
    qs = Shipment.objects.annotate(
        item_count=Count("items"), unlinked_count=Count("items", filter=Q(items__order_line__isnull=True))
    ).select_related("integration")
    status = filters.get("status", "")
    if status == "":
        qs = qs.exclude(status=ShipmentStatus.RECEIVED)
    elif status != "all":
        qs = qs.filter(status=status)
    if filters.get("q"):
        q = filters["q"].strip()
        qs = qs.filter(
            Q(shipment_number__icontains=q) | Q(items__order_number__iexact=q) | Q(dispatch_company_name__icontains=q)
        ).distinct()
    if filters.get("supplier"):
        s = filters["supplier"].strip()
        qs = qs.filter(Q(supplier_company_id__iexact=s) | Q(supplier_company_name__icontains=s))
    if filters.get("unmatched"):
        qs = qs.filter(items__order_line__isnull=True).distinct()
    # Waiting shipments oldest dispatch first; otherwise newest first.
    return qs.order_by("dispatched_at", "id") if status == "" else qs.order_by("-dispatched_at", "-id")


def webhooks(filters):
    qs = ShipHeroWebhook.objects.select_related("integration", "sales_order")
    state = filters.get("state", "")
    if state == "":
        qs = qs.filter(state=WebhookState.NEEDS_ATTENTION)
    elif state != "all":
        qs = qs.filter(state=state)
    if filters.get("q"):
        q = filters["q"].strip()
        qs = qs.filter(
            Q(shiphero_order_id=q) | Q(shipment_id=q) | Q(tracking_number=q) | Q(sales_order__order_number=q)
        )
    return qs


def attention_counts() -> dict:
    return {
        "unlinked_shipments": Shipment.objects.exclude(status=ShipmentStatus.RECEIVED)
        .filter(items__order_line__isnull=True)
        .distinct()
        .count(),
        "webhooks": ShipHeroWebhook.objects.filter(state=WebhookState.NEEDS_ATTENTION).count(),
    }
