"""Inbox drain rate against a bare loop, both over HTTP against the same sandbox server.

    .venv/bin/python bench/drain.py [--messages 2000] [--database-url postgres://postgres@127.0.0.1:5432/bench]

The bare loop is GET + acknowledge on one requests.Session with no database on the client side;
the inbox's fetcher stores and acknowledges every message while its applier parses and records
them beside it. Two rates are printed against the bare loop: the drain (the queue is empty at
Jakamo: the last acknowledge) and drained-and-applied (the sync returns, everything applied).
Target: the drain reaches at least 90% of the bare loop's rate. Without --database-url a fresh
SQLite file is used."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import stack  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    db_url = stack.database_url(args.database_url, "drain")
    env = stack.environment(db_url, JAKAMO_SANDBOX_ENABLED="true")
    os.environ.update(env)
    stack.migrate(env)

    import django

    django.setup()
    import requests

    from exchange import inbox
    from exchange.models import InboxMessage
    from jakamo.client import EMPTY_QUEUE_TEXT
    from mappings.models import Integration
    from sandbox import demo
    from sandbox.models import Message

    # The engine alone (as the issue defines the benchmark): each message is recorded, not applied
    # to a purchase order (the queued confirmations are for orders the portal does not have).
    # A type with no route fails (no_route), so every type is routed to a function that does nothing.
    network, template = stack.record_only_with_a_confirmation_template("BENCH-TEMPLATE")

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

    server, portal = stack.gunicorn(env, workers=2)
    base = f"{portal}/sandbox/jakamo"
    try:
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
        from django.db.models import Max
        from django.utils import timezone

        started, started_at = time.perf_counter(), timezone.now()
        fetched = 0
        while True:
            run = inbox.sync(integration.pk, max_messages=100000, max_seconds=100000)
            fetched += run.fetched
            if run.fetched == 0 or run.status != "done":
                break
        inbox_seconds = time.perf_counter() - started
        inbox_rate = fetched / inbox_seconds
        last_ack = Message.objects.filter(integration=network["po"]).aggregate(last=Max("acknowledged_at"))["last"]
        drain_seconds = (last_ack - started_at).total_seconds()
        drain_rate = fetched / drain_seconds
        stored = InboxMessage.objects.filter(integration=integration, status="processed").count()
    finally:
        server.terminate()
        server.wait(10)

    engine = "PostgreSQL" if db_url.startswith("postgres") else "SQLite"
    print(f"database: {engine}; messages: {args.messages}; server: gunicorn, 2 workers")
    print(f"bare loop (GET + ack, no database): {count} messages in {bare_seconds:.2f} s = {bare_rate:.1f} msg/s")
    print(f"inbox drain (store, ack):           {fetched} messages in {drain_seconds:.2f} s = {drain_rate:.1f} msg/s")
    print(
        f"inbox drained and applied:          {fetched} messages in {inbox_seconds:.2f} s = {inbox_rate:.1f} msg/s"
        f" ({stored} processed)"
    )
    print(f"ratio drain / bare: {drain_rate / bare_rate:.0%} (target >= 90%)")
    print(f"ratio drained and applied / bare: {inbox_rate / bare_rate:.0%}")


if __name__ == "__main__":
    main()
