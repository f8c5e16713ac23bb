"""Server time of the review queue and an order page with 10,000 orders and 100,000 messages.

    .venv/bin/python bench/pages.py [--orders 10000] [--messages 100000] [--database-url postgres://…]

Pages are rendered in-process by Django's test client (server time, no network). The query counts
are printed too; tests/orders/test_pages.py asserts they do not grow with the data."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import stack  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=10000)
    parser.add_argument("--messages", type=int, default=100000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    db_url = stack.database_url(args.database_url, "pages")
    env = stack.environment(db_url, ALLOWED_HOSTS="testserver")
    os.environ.update(env)
    stack.migrate(env)

    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from common.roles import ensure_roles
    from exchange.models import InboxMessage
    from orders.models import PurchaseOrder, PurchaseOrderLine

    ensure_roles()
    started = time.perf_counter()
    call_command("generate_data", orders=args.orders, lines=args.orders * 5, messages=args.messages)
    user, _ = User.objects.get_or_create(username="bench-purchaser")
    user.groups.add(Group.objects.get(name="Purchasers"))
    print(
        f"data: {PurchaseOrder.objects.count():,} orders, {PurchaseOrderLine.objects.count():,} lines, "
        f"{InboxMessage.objects.count():,} inbox messages ({time.perf_counter() - started:.1f} s to load)"
    )

    client = Client()
    client.force_login(user)
    target = PurchaseOrder.objects.filter(awaiting_decision_since__isnull=False).order_by("-id").first()
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
