"""Read-side queries for the shipment pages: a fixed number of queries whatever the data size."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import formats
from django.utils.translation import gettext as _

from orders.models import PurchaseOrder, PurchaseOrderLine, Receipt
from orders.selectors import Event, Shipping

from .models import ShipHeroWebhook, Shipment, ShipmentItem, ShipmentReceipt, ShipmentStatus, WebhookState


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


# -- a shipment against its notice ---------------------------------------------------------------
@dataclass
class LineCount:
    """One order line a shipment filled: what the notice said, what was received from it, and what
    it brought short (still to come on the order line)."""

    line: PurchaseOrderLine
    shipped: Decimal
    received: Decimal

    @property
    def short(self) -> Decimal:
        return max(self.shipped - self.received, Decimal(0))


def line_counts(shipments) -> dict[int, list[LineCount]]:
    """Per shipment (pk), its linked order lines with shipped and received quantities; two
    queries whatever the number of shipments and lines."""
    shipments = list(shipments)
    shipped = defaultdict(Decimal)
    lines = {}
    for item in ShipmentItem.objects.filter(shipment__in=shipments, order_line__isnull=False).select_related(
        "order_line__order"
    ):
        shipped[(item.shipment_id, item.order_line_id)] += item.quantity
        lines[item.order_line_id] = item.order_line
    received = defaultdict(Decimal)
    for row in (
        Receipt.objects.filter(shipment_receipts__shipment__in=shipments)
        .values("shipment_receipts__shipment_id", "line_id")
        .annotate(total=Sum("quantity"))
    ):
        received[(row["shipment_receipts__shipment_id"], row["line_id"])] = row["total"]
    out: dict[int, list[LineCount]] = defaultdict(list)
    for (shipment_id, line_id), quantity in shipped.items():
        out[shipment_id].append(LineCount(lines[line_id], quantity, received[(shipment_id, line_id)]))
    for counts in out.values():
        counts.sort(key=lambda c: (c.line.order.order_number, c.line.pk))
    return out


def shortfall_sentence(shipment: Shipment, count: LineCount) -> str:
    return _(
        "Shipment %(shipment)s, order %(order)s line %(line)s: %(shipped)s in the notice, %(received)s received, "
        "%(short)s outstanding."
    ) % {
        "shipment": shipment.shipment_number,
        "order": count.line.order.order_number,
        "line": count.line.line_id,
        "shipped": formats.number_format(count.shipped.normalize()),
        "received": formats.number_format(count.received.normalize()),
        "short": formats.number_format(count.short.normalize()),
    }


def order_shipping(order: PurchaseOrder) -> Shipping:
    """The order page's view of its shipments (registered in apps.py): each shipment dispatched
    to it, the shipment each receipt came from, and what received shipments brought short."""
    shipments = list(Shipment.objects.filter(items__order_line__order=order).distinct().order_by("created_at", "pk"))
    out = Shipping()
    if not shipments:
        return out
    counts = line_counts(shipments)
    for shipment in shipments:
        mine = [c for c in counts.get(shipment.pk, []) if c.line.order_id == order.pk]
        out.events.append(
            Event(
                shipment.dispatched_at or shipment.created_at,
                "shipment",
                _("Shipment %(shipment)s dispatched (advance shipping notice)")
                % {"shipment": shipment.shipment_number},
                who=shipment.supplier_company_name or shipment.dispatch_company_name,
                details=[shipment.get_status_display()]
                + [
                    _("line %(line)s: %(quantity)s")
                    % {"line": c.line.line_id, "quantity": formats.number_format(c.shipped.normalize())}
                    for c in mine
                ],
                url=shipment.get_absolute_url(),
            )
        )
        if shipment.status != ShipmentStatus.EXPECTED:
            out.shortfalls += [shortfall_sentence(shipment, c) for c in mine if c.short]
    for link in ShipmentReceipt.receipts.through.objects.filter(receipt__order=order).select_related(
        "shipmentreceipt__shipment"
    ):
        shipment = link.shipmentreceipt.shipment
        out.receipt_origins[link.receipt_id] = (shipment.shipment_number, shipment.get_absolute_url())
    return out
