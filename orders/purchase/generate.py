"""Volume data for load and scale measurements: purchase orders with lines and delivery batches,
pending confirmations with real documents, and a message history spread over 90 days.

Rows are bulk-inserted from a few real documents with the order number swapped in, so 10,000
orders and 200,000 messages load in about a minute; every page shows them as it would real ones."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone

from common import roles
from exchange import transitions
from exchange.models import InboxMessage, OutboxMessage
from jakamo import ubl
from jakamo.ubl_build import build_order_document
from mappings.models import CompanyMapping, Environment, Integration, Kind, UserMapping
from orders import deviations as dv
from orders.models import Confirmation, DeliveryBatch, OrderStatus, PurchaseOrder, PurchaseOrderLine

CHUNK = 2000
DAYS = 90
SUPPLIERS = 50
TEMPLATE = "GEN-TEMPLATE"
LOCAL_SANDBOX = "http://127.0.0.1:8000/sandbox/jakamo"
# How the orders spread over Jakamo's statuses (out of 20).
SPREAD = [OrderStatus.CONFIRMED] * 9 + [OrderStatus.WAITING_SUPPLIER] * 4 + [OrderStatus.WAITING_CUSTOMER] * 2
SPREAD += [OrderStatus.STARTED_RECEIVING, OrderStatus.RECEIVED, OrderStatus.RECEIVED]
SPREAD += [OrderStatus.CANCELLED, OrderStatus.REJECTED]


def generate(
    *,
    sample: Callable[[str, int], ubl.OrderDocument],
    confirm: Callable[[ubl.OrderDocument], ubl.OrderDocument],
    orders: int = 10_000,
    lines: int = 50_000,
    messages: int = 200_000,
    prefix: str = "GEN",
    seed: int = 2026,
    environment: str = "",
    progress: Callable[[str], None] = lambda _: None,
) -> dict[str, int]:
    """Add the data beside whatever is there (order numbers start with ``prefix``).

    ``sample(number, lines)`` makes the order every generated one copies and ``confirm(order)`` the
    supplier's answer as requested; the caller brings them (the sandbox's, in the project's command),
    so this module needs nothing above the business apps."""
    rng = random.Random(seed)
    roles.ensure_roles()
    purchaser, _ = User.objects.get_or_create(username="gen-purchaser", defaults={"first_name": "Pat"})
    purchaser.groups.add(Group.objects.get(name=roles.PURCHASERS))
    # A cluster started on this data would sync the integration: unless a real Jakamo environment
    # is asked for, it points at the local sandbox and is switched off, so it never reaches one.
    where = (
        {"environment": environment, "enabled": True}
        if environment
        else {"environment": Environment.CUSTOM, "base_url": LOCAL_SANDBOX, "enabled": False}
    )
    integration, _ = Integration.objects.get_or_create(
        name=f"{prefix} Jakamo PO", defaults={"kind": Kind.PURCHASE_ORDER, **where}
    )
    for s in range(SUPPLIERS):
        CompanyMapping.objects.get_or_create(
            integration=integration, identifier=f"V-{s:03d}", defaults={"company_name": f"Supplier {s:03d} Oy"}
        )
    UserMapping.objects.get_or_create(integration=integration, identifier="bertha", defaults={"user": purchaser})

    per_order = max(1, lines // max(orders, 1))
    document = sample(TEMPLATE, per_order)
    order_xml = build_order_document(document).decode()
    confirmed = confirm(document)
    confirmed.lines[-1].price = ubl.Price(ubl.Amount(Decimal(130), "EUR"), ubl.Quantity(Decimal(10), "PCE"))
    confirmed.lines[-1].line_status_code = ubl.CONFIRMED_WITH_CHANGES
    response_xml = build_order_document(confirmed).decode()
    comparison = dv.compare(document, confirmed)
    requested = document.lines[0].deliveries[0].requested_end_date
    deviations = [d.as_record() for d in comparison.deviations]
    now = timezone.now()

    made = {"orders": 0, "lines": 0, "batches": 0, "confirmations": 0, "inbox": 0, "outbox": 0}
    for start in range(0, orders, CHUNK):
        numbers = [f"{prefix}-{n:06d}" for n in range(start, min(start + CHUNK, orders))]
        with transaction.atomic():
            rows = []
            for number in numbers:
                status = rng.choice(SPREAD)
                supplier = rng.randrange(SUPPLIERS)
                rows.append(
                    PurchaseOrder(
                        integration=integration,
                        order_number=number,
                        supplier_id=f"V-{supplier:03d}",
                        supplier_name=f"Supplier {supplier:03d} Oy",
                        buyer_contact_id="bertha",
                        purchaser=purchaser,
                        currency="EUR",
                        issue_date=(now - timedelta(days=rng.randrange(DAYS))).date(),
                        document_xml=order_xml.replace(TEMPLATE, number),
                        status=status,
                        ordered_total=comparison.ordered_total,
                        agreed_total=comparison.ordered_total,
                        confirmed_total=comparison.confirmed_total if status != OrderStatus.WAITING_SUPPLIER else None,
                        deviation_kinds=sorted(comparison.kinds) if status == OrderStatus.WAITING_CUSTOMER else [],
                        awaiting_decision_since=now - timedelta(hours=rng.randrange(1, 24 * 30))
                        if status == OrderStatus.WAITING_CUSTOMER
                        else None,
                    )
                )
            created = PurchaseOrder.objects.bulk_create(rows)
            order_lines = PurchaseOrderLine.objects.bulk_create(
                PurchaseOrderLine(
                    order=o,
                    line_id=line.id,
                    item_name=line.item.name if line.item else "",
                    quantity=line.quantity.value,
                    agreed_quantity=line.quantity.value,
                    unit_code=line.quantity.unit_code or "PCE",
                    unit_price=Decimal(12),
                    agreed_unit_price=Decimal(12),
                )
                for o in created
                for line in document.lines
            )
            DeliveryBatch.objects.bulk_create(
                DeliveryBatch(
                    line=line,
                    batch_id=f"{line.order.order_number}-{line.line_id}-1",
                    quantity=line.quantity,
                    requested_date=requested,
                    agreed_quantity=line.quantity,
                    agreed_date=requested,
                )
                for line in order_lines
            )
            Confirmation.objects.bulk_create(
                Confirmation(
                    order=o,
                    version=1,
                    document_xml=response_xml.replace(TEMPLATE, o.order_number),
                    decision=Confirmation.Decision.PENDING,
                    deviations=deviations,
                    ordered_total=comparison.ordered_total,
                    confirmed_total=comparison.confirmed_total,
                )
                for o in created
                if o.status == OrderStatus.WAITING_CUSTOMER
            )
            PurchaseOrder.objects.filter(pk__in=[o.pk for o in created]).update(
                created_at=now - timedelta(days=rng.randrange(DAYS))
            )
        made["orders"] += len(created)
        made["lines"] += len(order_lines)
        made["batches"] += len(order_lines)
        made["confirmations"] += sum(1 for o in created if o.status == OrderStatus.WAITING_CUSTOMER)
        progress(f"orders {made['orders']:,}/{orders:,}")

    _messages(integration, rng, orders, messages, prefix, response_xml, order_xml, now, made, progress)
    return made


def _messages(integration, rng, orders, messages, prefix, response_xml, order_xml, now, made, progress):
    """Three in for every one out, as a buyer's traffic goes; 1% failed, with a reason."""
    inbound = messages * 3 // 4
    for start in range(0, messages, CHUNK):
        end = min(start + CHUNK, messages)
        day = DAYS * start // max(messages, 1)
        inbox_rows, outbox_rows = [], []
        for m in range(start, end):
            number = f"{prefix}-{rng.randrange(orders):06d}"
            if m < inbound:
                failed = rng.random() < 0.01
                body = response_xml.replace(TEMPLATE, number).replace("</cbc:ID>", f"</cbc:ID><!-- {m} -->", 1)
                inbox_rows.append(
                    InboxMessage(
                        integration=integration,
                        body=body.encode(),
                        body_size=len(body),
                        content_type="application/xml",
                        content_hash=hashlib.sha256(body.encode()).hexdigest(),
                        acknowledge_uri=f"https://jakamo.example/api/ack/{prefix}-{m}",
                        status=InboxMessage.Status.FAILED if failed else InboxMessage.Status.PROCESSED,
                        error=f"No purchase order {number} in {integration.name}" if failed else "",
                        document_type="OrderResponse",
                        document_key=number,
                        partner="Supplier Oy",
                    )
                )
            else:
                outbox_rows.append(
                    OutboxMessage(
                        integration=integration,
                        operation=OutboxMessage.Operation.ORDER,
                        document_type="Order",
                        document_key=number,
                        partner="Supplier Oy",
                        body=order_xml.replace(TEMPLATE, number).encode(),
                        status=OutboxMessage.Status.SENT,
                        attempts=1,
                        repeat_safe=True,
                        sent_at=now - timedelta(days=day),
                    )
                )
        with transaction.atomic():
            for model, rows, field in (
                (InboxMessage, inbox_rows, "received_at"),
                (OutboxMessage, outbox_rows, "created_at"),
            ):
                if rows:
                    created = transitions.create_history(rows)
                    # Spread over the last 90 days, oldest first, as a real history would be.
                    model.objects.filter(pk__in=[r.pk for r in created]).update(
                        **{field: now - timedelta(days=DAYS - 1 - day, minutes=rng.randrange(1440))}
                    )
        made["inbox"] += len(inbox_rows)
        made["outbox"] += len(outbox_rows)
        progress(f"messages {made['inbox'] + made['outbox']:,}/{messages:,}")
