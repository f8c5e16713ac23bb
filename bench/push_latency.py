"""Time from the supplier's confirmation at Jakamo (the sandbox) to the order in the review queue,
by Jakamo's webhook and by polling.

    .venv/bin/python bench/push_latency.py [--confirmations 40] [--poll-interval 5] [--database-url postgres://…/latency]

The portal and the sandbox run under gunicorn (2 workers) with a django-q2 cluster beside them,
as in production. One purchase order per confirmation is known to both sides. For each, the bench
has the supplier confirm it with a changed quantity (the sandbox queues the OrderResponse and, with
the webhook on, pushes it to the portal's endpoint, Basic auth, remove on success) and then looks
at the review queue every 10 ms until the order is there.

- by push: the push, the store, the apply task picked up by the cluster (its broker polls every
  second) and the apply;
- by polling: the webhook off, a poller syncing the queue every ``--poll-interval`` seconds (the
  portal's default is 300 s; the figure scales with it: about half the interval on average).

Target: p95 below 2 s by push. Without --database-url a fresh SQLite file is used."""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import stack  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--confirmations", type=int, default=40)
    parser.add_argument("--poll-interval", type=float, default=5.0)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args(argv)

    db_url = stack.database_url(args.database_url, "push_latency")
    env = stack.environment(db_url, JAKAMO_SANDBOX_ENABLED="true")
    os.environ.update(env)
    stack.migrate(env)

    import django

    django.setup()
    from django.db import connection
    from django.urls import reverse

    from exchange import inbox, transitions, webhooks
    from exchange.models import OutboxMessage
    from jakamo.ubl_build import build_order_document
    from mappings import services as mapping_services
    from orders.models import PurchaseOrder
    from orders.purchase import services
    from sandbox import demo, party, push
    from sandbox import services as sandbox
    from sandbox.models import Fault, Message

    server, portal = stack.gunicorn(env, workers=2)
    cluster = None
    try:
        network = demo.setup_network()
        Fault.objects.all().delete()
        Message.objects.all().delete()
        integration = stack.sandbox_po_integration(
            f"{portal}/sandbox/jakamo",
            f"latency {time.time():.0f}",
            poll_interval=86400,  # the cluster's tick leaves it to this bench
        )
        mapping_services.save_company_mapping(
            integration=integration, identifier="V-100", company_name="Test Supplier Ltd."
        )
        mapping_services.save_user_mapping(integration=integration, identifier="bertha", is_default=True)
        inbox.sync(integration.pk)  # an empty queue, and a last sync: not due for the tick

        def orders(prefix: str):
            made = []
            for n in range(args.confirmations):
                doc = demo.sample_order(f"{prefix}-{n:04d}-{integration.pk}")
                services.purchase_order_create(integration=integration, document=doc, user=None)
                made.append(sandbox.receive_po_document(network["po"], build_order_document(doc)))
            for row in OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING):
                transitions.move(row, OutboxMessage.Status.SENT, via="latency bench", note="Placed directly.")
            return made

        def measure(jakamo_orders) -> list[float]:
            seconds = []
            for order in jakamo_orders:
                started = time.perf_counter()
                party.supplier_confirm(order, {"1": party.LineChange(quantity=Decimal(80))})
                visible = PurchaseOrder.objects.filter(
                    order_number=order.order_number, awaiting_decision_since__isnull=False
                )
                while not visible.exists():
                    if time.perf_counter() - started > 120:
                        raise SystemExit(f"{order.order_number} never reached the review queue")
                    time.sleep(0.01)
                seconds.append(time.perf_counter() - started)
            return seconds

        # Every order exists on both sides before the cluster starts (its tick would send them).
        push_orders, poll_orders = orders("PUSH"), orders("POLL")
        cluster = subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=env)

        # By push.
        credentials = webhooks.generate_credentials(integration)
        push.configure(
            network["po"],
            portal + reverse("jakamo_webhook", args=[integration.pk]),
            username=credentials.username,
            password=credentials.password,
        )
        pushed = measure(push_orders)
        push.configure(network["po"], "")

        # By polling.
        stop = threading.Event()

        def poller():
            while not stop.is_set():
                inbox.sync(integration.pk)
                stop.wait(args.poll_interval)
            connection.close()

        thread = threading.Thread(target=poller, daemon=True)
        thread.start()
        polled = measure(poll_orders)
        stop.set()
        thread.join(30)
    finally:
        if cluster is not None:
            cluster.terminate()
            cluster.wait(30)
        server.terminate()
        server.wait(10)

    engine = "PostgreSQL" if db_url.startswith("postgres") else "SQLite"
    print(f"database: {engine}; confirmations: {args.confirmations} each way; gunicorn 2 workers + qcluster")
    for name, values in (("push", pushed), (f"polling every {args.poll_interval:g} s", polled)):
        print(
            f"{name:<22} p50 {statistics.median(values):.2f} s  p95 {percentile(values, 95):.2f} s"
            f"  max {max(values):.2f} s"
        )
    ok = percentile(pushed, 95) < 2.0
    print(f"target p95 < 2 s by push: {'met' if ok else 'missed'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
