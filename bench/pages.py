"""Server time of the review queue and an order page with 10,000 orders and 100,000 messages.

    .venv/bin/python bench/pages.py [--orders 10000] [--messages 100000] [--database-url postgres://…]

Pages are rendered in-process by Django's test client (server time, no network). The query counts
are printed too; tests/orders/test_pages.py asserts they do not grow with the data."""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=10000)
    parser.add_argument("--messages", type=int, default=100000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    db_url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='jakamo-pages-')}/bench.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "DJANGO_SETTINGS_MODULE": "jakamo_portal.settings",
        "LOG_LEVEL": "WARNING",
        "ALLOWED_HOSTS": "testserver",
    }
    os.environ.update(env)
    if db_url.startswith("postgres"):
        subprocess.run([sys.executable, "manage.py", "flush", "--noinput"], cwd=ROOT, env=env, capture_output=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)

    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from exchange.models import InboxMessage
    from jakamo_portal.roles import ensure_roles
    from mappings.models import Integration
    from orders.models import Confirmation, DeliveryBatch, OrderStatus, PurchaseOrder, PurchaseOrderLine

    ensure_roles()  # a flushed database has lost the groups its data migration made
    started = time.perf_counter()
    user, _ = User.objects.get_or_create(username="bench-purchaser")
    user.groups.add(Group.objects.get(name="Purchasers"))
    integration, _ = Integration.objects.get_or_create(name="bench", defaults={"kind": "purchase_order"})
    if not PurchaseOrder.objects.filter(integration=integration).exists():
        now = timezone.now()
        with transaction.atomic():
            orders = PurchaseOrder.objects.bulk_create(
                PurchaseOrder(
                    integration=integration,
                    order_number=f"B-{n:06d}",
                    supplier_id=f"V-{n % 50}",
                    supplier_name=f"Supplier {n % 50}",
                    buyer_contact_id="bertha",
                    purchaser=user,
                    currency="EUR",
                    document_xml="<Order/>",
                    ordered_total=Decimal(1000),
                    status=OrderStatus.WAITING_CUSTOMER if n % 10 == 0 else OrderStatus.CONFIRMED,
                    awaiting_decision_since=now - timedelta(minutes=n) if n % 10 == 0 else None,
                    deviation_kinds=["price"] if n % 10 == 0 else [],
                )
                for n in range(args.orders)
            )
            lines = PurchaseOrderLine.objects.bulk_create(
                PurchaseOrderLine(
                    order=o, line_id=str(i), item_name=f"Item {i}", quantity=Decimal(10), unit_price=Decimal(12)
                )
                for o in orders
                for i in range(1, 6)
            )
            DeliveryBatch.objects.bulk_create(
                DeliveryBatch(line=line, batch_id=f"{line.line_id}-1", quantity=Decimal(10)) for line in lines
            )
            Confirmation.objects.bulk_create(
                Confirmation(
                    order=o,
                    version=1,
                    document_xml="<OrderResponse/>",
                    decision="pending",
                    deviations=[{"kind": "price", "label": "Unit price", "explanation": "x"}],
                )
                for o in orders
                if o.awaiting_decision_since
            )
            batch = []
            for m in range(args.messages):
                batch.append(
                    InboxMessage(
                        integration=integration,
                        body=b"<OrderResponse/>",
                        content_hash=f"{m:064d}",
                        acknowledge_uri=f"http://x/ack/{m}",
                        status="processed",
                        document_type="OrderResponse",
                        document_key=f"B-{m % args.orders:06d}",
                    )
                )
                if len(batch) == 5000:
                    InboxMessage.objects.bulk_create(batch)
                    batch = []
            InboxMessage.objects.bulk_create(batch)
    print(
        f"data: {PurchaseOrder.objects.count():,} orders, {PurchaseOrderLine.objects.count():,} lines, "
        f"{InboxMessage.objects.count():,} messages ({time.perf_counter() - started:.1f} s to load)"
    )

    client = Client()
    client.force_login(user)
    target = PurchaseOrder.objects.filter(awaiting_decision_since__isnull=False).order_by("-id").first()
    # The pages that compare documents need real ones for the order they show.
    from jakamo import ubl
    from jakamo.ubl_build import build_order_document
    from sandbox import demo
    from sandbox.services import response_from_order

    document = demo.sample_order(target.order_number, lines=5)
    target.document_xml = build_order_document(document).decode()
    target.save(update_fields=["document_xml"])
    response = response_from_order(document, status=ubl.CONFIRMED)
    Confirmation.objects.filter(order=target).update(document_xml=build_order_document(response).decode())
    pages = {
        "review queue": "/orders/purchase/review/",
        "purchase order list": "/orders/purchase/",
        "order page": target.get_absolute_url(),
        "review page": f"/orders/purchase/{target.pk}/confirmations/1/",
    }
    engine = "PostgreSQL" if db_url.startswith("postgres") else "SQLite"
    print(f"database: {engine}; median and p95 server time over {args.repeat} requests")
    for name, url in pages.items():
        samples = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            response = client.get(url)
            samples.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        samples.sort()
        p95 = samples[int(len(samples) * 0.95) - 1]
        print(
            f"{name:<20} p50 {statistics.median(samples):7.1f} ms   p95 {p95:7.1f} ms   {len(ctx.captured_queries)} queries"
        )


if __name__ == "__main__":
    main()
