"""Incoming shipments (Jakamo ASN API): store each ASN, link its items to purchase order lines,
and receive the goods against the shipment."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.errors import Refused
from exchange.handlers import Identified
from jakamo import asn as jasn
from jakamo.errors import DocumentError
from orders.models import DeliveryBatch, PurchaseOrder, PurchaseOrderLine, Receipt
from orders.purchase import services as order_services

from . import transitions
from .models import Shipment, ShipmentItem, ShipmentReceipt, ShipmentStatus, ShippingUnit


class ShipmentRefused(Refused):
    """A receiving or linking request the shipment cannot take; the message says why."""


# -- storing an ASN ---------------------------------------------------------------------------------
def on_asn(inbox, identified: Identified):
    """An ASN from the ASN queue (routed in shipments/apps.py)."""
    shipment_record(integration=inbox.integration, asn=identified.document, inbox=inbox)


def shipment_record(*, integration, asn: jasn.Asn, inbox=None) -> Shipment:
    """Store one ASN. A later ASN for the same shipment number replaces the contents while nothing
    has been received; once goods were received against it, a changed notice is refused (and kept
    in the message history) rather than silently rewriting what the warehouse counted."""
    with transaction.atomic():
        shipment = (
            Shipment.objects.select_for_update()
            .filter(integration=integration, shipment_number=asn.shipment_number)
            .first()
        )
        if shipment is not None and shipment.status != ShipmentStatus.EXPECTED:
            raise DocumentError(
                f"Shipment {asn.shipment_number} was already {shipment.get_status_display().lower()}; "
                "this later notice is kept in the message history but not applied."
            )
        new = shipment is None
        if new:
            shipment = Shipment(
                integration=integration,
                shipment_number=asn.shipment_number,
                status=transitions.initial(transitions.SHIPMENT, ShipmentStatus.EXPECTED),
            )
        else:
            shipment.versions += 1
            shipment.units.all().delete()  # items go with their units
        shipment.inbox = inbox
        shipment.asn_id = asn.id
        shipment.asn_status = asn.status or ""
        shipment.dispatch_company_name = asn.dispatch_company_name or ""
        shipment.dispatch_contact_name = asn.dispatch_contact_name or ""
        shipment.dispatch_contact_email = asn.dispatch_contact_email or ""
        shipment.dispatch_address = {
            "street": asn.dispatch_street_name,
            "building": asn.dispatch_building_number,
            "additional_street": asn.dispatch_additional_street_name,
            "city": asn.dispatch_city,
            "postal_zone": asn.dispatch_postal_zone,
            "country": asn.dispatch_country,
        }
        shipment.dispatched_at = asn.dispatch_datetime
        shipment.buyer_company_name = (asn.buyer.company_name if asn.buyer else None) or ""
        shipment.buyer_company_id = (asn.buyer.company_id if asn.buyer else None) or ""
        shipment.supplier_company_name = (asn.supplier.company_name if asn.supplier else None) or ""
        shipment.supplier_company_id = (asn.supplier.company_id if asn.supplier else None) or ""
        shipment.extra = asn.extra
        shipment.save()
        if new:
            transitions.record_start(transitions.SHIPMENT, shipment, why="advance shipping notice", inbox=inbox)
        for u_pos, unit in enumerate(asn.shipping_units, start=1):
            dims = unit.dimensions or jasn.Dimensions()
            unit_row = ShippingUnit.objects.create(
                shipment=shipment,
                position=u_pos,
                number=unit.number or "",
                type=unit.type or "",
                mass=dims.mass,
                mass_unit=dims.mass_unit or "",
                length=dims.length,
                width=dims.width,
                height=dims.height,
                diameter=dims.diameter,
                length_unit=dims.length_unit or "",
                extra=unit.extra,
            )
            items = [
                ShipmentItem(
                    shipment=shipment,
                    unit=unit_row,
                    position=i_pos,
                    order_number=item.order_number,
                    line_number=item.line_number,
                    quantity=item.quantity,
                    sellers_item_id=item.sellers_item_id or "",
                    buyers_item_id=item.buyers_item_id or "",
                    buyers_item_name=item.buyers_item_name or "",
                    batch_number=item.batch_number or "",
                    manufacturing_batch=item.manufacturing_batch or "",
                    expiration_date=item.expiration_date,
                    serial_numbers=item.serial_numbers,
                    extra=item.extra,
                )
                for i_pos, item in enumerate(unit.items, start=1)
            ]
            for item in items:
                _link(item, shipment.supplier_company_id)
            ShipmentItem.objects.bulk_create(items)
    return shipment


def _link(item: ShipmentItem, supplier_id: str):
    """Link by order number + line number. Order numbers are unique per PO integration; where two
    integrations share one, the ASN's supplier id decides."""
    lines = list(
        PurchaseOrderLine.objects.select_related("order").filter(
            order__order_number=item.order_number, line_id=item.line_number
        )
    )
    if len(lines) > 1 and supplier_id:
        lines = [line for line in lines if line.order.supplier_id == supplier_id] or lines
    if len(lines) == 1:
        item.order_line, item.link_problem = lines[0], ""
        return
    item.order_line = None
    if len(lines) > 1:
        item.link_problem = f"Several purchase orders are numbered {item.order_number}; link the item by hand."
    elif PurchaseOrder.objects.filter(order_number=item.order_number).exists():
        item.link_problem = f"Purchase order {item.order_number} has no line {item.line_number}."
    else:
        item.link_problem = f"No purchase order {item.order_number} is known to the portal."


def item_link(*, item: ShipmentItem, order_number: str, line_id: str, user) -> ShipmentItem:
    """Link an unmatched item to a purchase order line by hand."""
    if item.shipment.status == ShipmentStatus.RECEIVED:
        raise ShipmentRefused(
            "shipment_received",
            _("Shipment %(shipment)s is already received; its items can no longer be relinked."),
            shipment=str(item.shipment),
        )
    lines = list(
        PurchaseOrderLine.objects.select_related("order").filter(
            order__order_number=order_number.strip(), line_id=line_id.strip()
        )
    )
    if not lines:
        raise ShipmentRefused(
            "no_such_line",
            _("There is no purchase order %(order)s with a line %(line)s."),
            order=order_number,
            line=line_id,
        )
    if len(lines) > 1:
        supplier = item.shipment.supplier_company_id
        lines = [line for line in lines if line.order.supplier_id == supplier]
        if len(lines) != 1:
            raise ShipmentRefused(
                "ambiguous_order",
                _("Several purchase orders are numbered %(order)s, none of them from this shipment's supplier."),
                order=order_number,
            )
    item.order_line = lines[0]
    item.link_problem = ""
    item.linked_by = user
    item.linked_at = timezone.now()
    item.save(update_fields=["order_line", "link_problem", "linked_by", "linked_at"])
    return item


# -- receiving ----------------------------------------------------------------------------------------
@dataclass
class PlanRow:
    """One delivery batch the shipment fills, with the quantity the ASN says is in it."""

    batch: DeliveryBatch
    shipped: Decimal = Decimal(0)
    items: list[ShipmentItem] = field(default_factory=list)
    received_here: Decimal = Decimal(0)

    @property
    def key(self) -> str:
        return f"batch_{self.batch.pk}"

    @property
    def order(self) -> PurchaseOrder:
        return self.batch.line.order

    @property
    def open_quantity(self) -> Decimal:
        return self.batch.receivable_quantity - self.batch.received_quantity

    @property
    def in_notice(self) -> Decimal:
        """What the ASN still says is on its way for this batch."""
        return max(self.shipped - self.received_here, Decimal(0))

    @property
    def proposed(self) -> Decimal:
        """What the form offers: what the notice says, but never more than the batch still expects
        (a notice for more than is open would be refused as an over-receipt)."""
        return max(min(self.in_notice, self.open_quantity), Decimal(0))

    @property
    def beyond_open(self) -> Decimal:
        """How much more the notice says than the batch still expects."""
        return max(self.in_notice - self.open_quantity, Decimal(0))


def receiving_plan(shipment: Shipment) -> list[PlanRow]:
    """Spread each linked item over its line's delivery batches: the batch the item names first
    (ASN batchNumber = batch id), then the open batches by promised (else requested) date. What
    is left over lands on the last batch, so an over-delivery shows and is refused on receipt."""
    items = list(
        shipment.items.select_related("order_line__order").filter(order_line__isnull=False).order_by("unit", "position")
    )
    line_ids = {item.order_line_id for item in items}
    batches_by_line: dict[int, list[DeliveryBatch]] = defaultdict(list)
    for batch in (
        DeliveryBatch.objects.select_related("line__order")
        .filter(line_id__in=line_ids)
        .order_by("line_id", "promised_date", "requested_date", "id")
    ):
        batches_by_line[batch.line_id].append(batch)
    received_here: dict[int, Decimal] = defaultdict(Decimal)
    for receipt in Receipt.objects.filter(shipment_receipts__shipment=shipment).only("batch_id", "quantity"):
        received_here[receipt.batch_id] += receipt.quantity
    rows: dict[int, PlanRow] = {}
    planned: dict[int, Decimal] = defaultdict(Decimal)
    for item in items:
        batches = batches_by_line.get(item.order_line_id, [])
        if not batches or item.order_line.status == "Cancelled":
            continue
        named = [b for b in batches if item.batch_number and b.batch_id == item.batch_number]
        ordered = named + [b for b in batches if b not in named]
        remaining = item.quantity
        chosen = None
        for batch in ordered:
            room = batch.receivable_quantity - batch.received_quantity - planned[batch.pk]
            if room <= 0:
                continue
            take = min(room, remaining)
            chosen = batch
            planned[batch.pk] += take
            row = rows.setdefault(batch.pk, PlanRow(batch, received_here=received_here[batch.pk]))
            row.shipped += take
            if item not in row.items:
                row.items.append(item)
            remaining -= take
            if remaining <= 0:
                break
        if remaining > 0:
            batch = chosen or ordered[0]
            planned[batch.pk] += remaining
            row = rows.setdefault(batch.pk, PlanRow(batch, received_here=received_here[batch.pk]))
            row.shipped += remaining
            if item not in row.items:
                row.items.append(item)
    # Batches received before through this shipment stay listed even when nothing is open now.
    return sorted(rows.values(), key=lambda r: (r.order.order_number, r.batch.line_id, r.batch.pk))


def shipment_receive(
    *,
    shipment: Shipment,
    user,
    quantities: dict[int, Decimal],
    received_date: date | None = None,
    event_date: date | None = None,
    note: str = "",
) -> ShipmentReceipt:
    """Receive the shipment: ``quantities`` maps delivery batch pk → quantity received now (less
    than the ASN says for short or damaged goods). One StatusMessage Received per order goes out
    through the outbox; all orders are received or none (a refusal on one order undoes the rest)."""
    received_date = received_date or date.today()
    event_date = event_date or received_date
    if shipment.status == ShipmentStatus.RECEIVED:
        raise ShipmentRefused(
            "shipment_received",
            _("Shipment %(shipment)s was already received on %(date)s."),
            shipment=str(shipment),
            date=f"{shipment.received_at:%Y-%m-%d}",
        )
    plan = {row.batch.pk: row for row in receiving_plan(shipment)}
    unknown = set(quantities) - set(plan)
    if unknown:
        raise ShipmentRefused(
            "batch_not_in_shipment",
            _("Some delivery batches are not part of this shipment; reload the page and try again."),
        )
    wanted = {pk: q for pk, q in quantities.items() if q is not None and q != 0}
    for pk, quantity in wanted.items():
        if quantity < 0:
            row = plan[pk]
            raise ShipmentRefused(
                "negative_quantity",
                _("Order %(order)s, line %(line)s: a quantity cannot be negative."),
                order=str(row.order),
                line=row.batch.line.line_id,
            )
    if not wanted:
        raise ShipmentRefused("nothing_entered", _("Enter at least one received quantity."))
    by_order: dict[int, dict] = defaultdict(dict)
    for pk, quantity in wanted.items():
        row = plan[pk]
        by_order[row.order.pk][(row.batch.line.line_id, row.batch.batch_id)] = quantity
    with transaction.atomic():
        shipment = Shipment.objects.select_for_update().get(pk=shipment.pk)
        if shipment.status == ShipmentStatus.RECEIVED:
            raise ShipmentRefused(
                "shipment_received", _("Shipment %(shipment)s was already received."), shipment=str(shipment)
            )
        record = ShipmentReceipt.objects.create(
            shipment=shipment, user=user, received_date=received_date, event_date=event_date, note=note
        )
        for order in PurchaseOrder.objects.filter(pk__in=by_order).order_by("order_number"):
            try:
                first = order_services.goods_receive(
                    order=order,
                    user=user,
                    quantities=by_order[order.pk],
                    received_date=received_date,
                    event_date=event_date,
                )
            except Refused as exc:
                raise ShipmentRefused(
                    exc.code,
                    _("Order %(order)s: %(problem)s Nothing was received."),
                    order=order.order_number,
                    problem=exc,
                ) from None
            record.receipts.add(*Receipt.objects.filter(outbox=first.outbox))
        unlinked = shipment.items.filter(order_line__isnull=True).exists()
        shipment.received_at = timezone.now()
        status = ShipmentStatus.PARTLY_RECEIVED if unlinked else ShipmentStatus.RECEIVED
        transitions.move(transitions.SHIPMENT, shipment, status, by=user, why="received", also=["received_at"])
    return record
