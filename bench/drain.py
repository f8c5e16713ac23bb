"""Inbox drain rate against a bare loop, both over HTTP against the same sandbox server.

    .venv/bin/python bench/drain.py [--messages 2000] [--database-url postgres://postgres@127.0.0.1:5432/bench]

The bare loop is GET + acknowledge on one requests.Session with no database on the client side;
the inbox stores, acknowledges, parses and records every message. Target: the inbox reaches at
least 70% of the bare loop's rate. Without --database-url a fresh SQLite file is used."""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="jakamo-bench-")
    db_url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "JAKAMO_SANDBOX_ENABLED": "true",
        "DEBUG": "false",
        "DJANGO_SETTINGS_MODULE": "jakamo_portal.settings",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    if args.database_url.startswith("postgres"):
        subprocess.run(
            [sys.executable, "manage.py", "flush", "--noinput"], cwd=ROOT, env=env, check=False, capture_output=True
        )
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)

    import django

    django.setup()
    import requests

    from exchange import handlers, inbox
    from exchange.models import InboxMessage
    from jakamo.client import EMPTY_QUEUE_TEXT
    from mappings.models import Integration
    from sandbox import demo, party, services
    from sandbox.models import Message

    # The engine alone (as the issue defines the benchmark): each message is recorded, not applied
    # to a purchase order (the queued confirmations are for orders the portal does not have).
    handlers.HANDLERS.clear()
    network = demo.setup_network()
    Message.objects.all().delete()
    from jakamo.ubl_build import build_order_document
    from sandbox.models import Order

    Order.objects.filter(order_number="BENCH-TEMPLATE").delete()
    order = services.receive_po_document(network["po"], build_order_document(demo.sample_order("BENCH-TEMPLATE")))
    party.supplier_confirm(order)
    template = Message.objects.filter(integration=network["po"]).latest("id").body
    Message.objects.all().delete()

    def fill(prefix: str):
        Message.objects.bulk_create(
            Message(
                integration=network["po"],
                document_type="OrderResponse",
                body=template.replace("BENCH-TEMPLATE", f"{prefix}-{n:05d}"),
                order_number=f"{prefix}-{n:05d}",
            )
            for n in range(args.messages)
        )

    port = free_port()
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "jakamo_portal.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}/sandbox/jakamo"
    try:
        for _ in range(100):
            try:
                requests.get(base + "/api/order/response", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)

        # Bare loop.
        fill("BARE")
        session = requests.Session()
        session.auth = (demo.PO.username, demo.PO.password)
        count, started = 0, time.perf_counter()
        while True:
            response = session.get(base + "/api/order/response", timeout=30)
            if EMPTY_QUEUE_TEXT in response.text[:200]:
                break
            session.post(response.headers["X-Acknowledge-Uri"], timeout=30)
            count += 1
        bare_seconds = time.perf_counter() - started
        bare_rate = count / bare_seconds

        # Through the inbox.
        fill("INBOX")
        integration = Integration.objects.create(
            name="bench",
            kind="purchase_order",
            environment="custom",
            base_url=base,
            username=demo.PO.username,
            password=demo.PO.password,
        )
        started = time.perf_counter()
        fetched = 0
        while True:
            run = inbox.sync(integration.pk, max_messages=100000, max_seconds=100000)
            fetched += run.fetched
            if run.fetched == 0 or run.status != "done":
                break
        inbox_seconds = time.perf_counter() - started
        inbox_rate = fetched / inbox_seconds
        stored = InboxMessage.objects.filter(integration=integration, status="processed").count()
    finally:
        server.terminate()
        server.wait(10)

    engine = "PostgreSQL" if db_url.startswith("postgres") else "SQLite"
    print(f"database: {engine}; messages: {args.messages}; server: gunicorn, 2 workers")
    print(f"bare loop (GET + ack, no database): {count} messages in {bare_seconds:.2f} s = {bare_rate:.1f} msg/s")
    print(
        f"inbox (store, ack, parse, record):  {fetched} messages in {inbox_seconds:.2f} s = {inbox_rate:.1f} msg/s"
        f" ({stored} processed)"
    )
    print(f"ratio inbox / bare: {inbox_rate / bare_rate:.0%} (target >= 70%)")


if __name__ == "__main__":
    main()
