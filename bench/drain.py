"""Inbox drain rate against a bare loop, both over HTTP against the same sandbox server.

    .venv/bin/python bench/drain.py [--messages 2000] [--rounds 5]
                                    [--database-url postgres://postgres@127.0.0.1:5432/bench]
                                    [--portal-commits unflushed] [--apply-while-fetching true|false]
                                    [--jakamo-database own|shared]

The bare loop is GET + acknowledge on one requests.Session with no database on the client side;
the inbox's fetcher stores and acknowledges every message while its applier parses and records
them beside it. The two loops take turns in ``--rounds`` rounds, so a busy machine slows both
alike. Two rates are printed against the bare loop: the drain (the queue is empty at Jakamo: the
last acknowledge) and drained-and-applied (the sync returns, everything applied). Target: the drain
reaches at least 90% of the bare loop's rate. Without --database-url a fresh SQLite file is used.

Jakamo runs elsewhere, on a database of its own; so does the sandbox server here by default
(``--jakamo-database own``: a second SQLite file, or ``<name>_jakamo`` beside the PostgreSQL
database). ``shared`` runs the sandbox on the portal's database, as ``make demo`` does: then every
row the drain stores also slows Jakamo's own answers (on SQLite, one file and one write lock for
both), which the bare loop never meets.

The portal commits each message durably before acknowledging it (DESIGN.md, rule 1): one flush to
disk per message that the bare loop does not make. The benchmark measures that flush on the same
database (one-row inserts, each committed) and prints the best ratio any drain that keeps the rule
can reach on this machine: bare / (bare + one commit). ``--portal-commits unflushed`` is a
diagnostic, never how the portal runs: the portal's own connections stop waiting for the disk
(SQLite ``synchronous=NORMAL``, PostgreSQL ``synchronous_commit=off``; the sandbox is unchanged),
which shows what the drain costs apart from that flush. ``--apply-while-fetching`` sets
JAKAMO_APPLY_WHILE_FETCHING for the run (default: the portal's own, false)."""

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


def unflushed(sender, connection, **kwargs):
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA synchronous=NORMAL")
        else:
            cursor.execute("SET synchronous_commit TO off")


def commit_seconds(samples: int = 200) -> float:
    """Median time of one durable one-row commit on the portal's database, as the drain's store makes."""
    from django.db import connection

    table = "bench_drain_commit"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(f"CREATE TABLE {table} (id integer PRIMARY KEY, body text)")
    times = []
    try:
        for n in range(samples):
            started = time.perf_counter()
            with connection.cursor() as cursor:  # autocommit: one commit per insert
                cursor.execute(f"INSERT INTO {table} (id, body) VALUES (%s, %s)", [n, "x" * 3000])
            times.append(time.perf_counter() - started)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {table}")
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--portal-commits", choices=("durable", "unflushed"), default="durable")
    parser.add_argument("--apply-while-fetching", choices=("true", "false"), default="false")
    parser.add_argument("--jakamo-database", choices=("own", "shared"), default="own")
    args = parser.parse_args()

    db_url = stack.database_url(args.database_url, "drain")
    env = stack.environment(
        db_url, JAKAMO_SANDBOX_ENABLED="true", JAKAMO_APPLY_WHILE_FETCHING=args.apply_while_fetching
    )
    jakamo = "default"
    server_env = env
    if args.jakamo_database == "own":
        given = f"{args.database_url}_jakamo" if args.database_url else ""
        jakamo_url = stack.database_url(given, "drain-jakamo")
        server_env = {**env, "DATABASE_URL": jakamo_url}
        env = {**env, "DJANGO_SETTINGS_MODULE": "bench.jakamo_elsewhere", "BENCH_JAKAMO_DATABASE_URL": jakamo_url}
        stack.migrate(server_env)
        jakamo = "jakamo"
    os.environ.update(env)
    stack.migrate(env)

    import django

    django.setup()
    import requests
    from django.db import connection
    from django.db.backends.signals import connection_created
    from django.db.models import Max
    from django.utils import timezone

    from exchange import inbox
    from exchange.models import InboxMessage
    from jakamo.client import EMPTY_QUEUE_TEXT
    from sandbox import demo
    from sandbox.models import Message

    # The engine alone (as the issue defines the benchmark): each message is recorded, not applied
    # to a purchase order (the queued confirmations are for orders the portal does not have).
    # A type with no route fails (no_route), so every type is routed to a function that does nothing.
    network, template = stack.record_only_with_a_confirmation_template("BENCH-TEMPLATE", using=jakamo)
    per_round = max(1, args.messages // args.rounds)

    def fill(prefix: str):
        Message.objects.using(jakamo).bulk_create(
            Message(
                integration=network["po"],
                document_type="OrderResponse",
                body=template.replace("BENCH-TEMPLATE", f"{prefix}-{n:05d}"),
                order_number=f"{prefix}-{n:05d}",
            )
            for n in range(per_round)
        )

    commit = commit_seconds()  # durable, as the portal commits, whatever --portal-commits says
    if args.portal_commits == "unflushed":
        connection.close()
        connection_created.connect(unflushed)
    server, portal = stack.gunicorn(server_env, workers=2)
    base = f"{portal}/sandbox/jakamo"
    integration = stack.sandbox_po_integration(base, "bench")
    session = requests.Session()
    session.auth = (demo.PO.username, demo.PO.password)
    bare = {"count": 0, "seconds": 0.0}
    drain = {"count": 0, "seconds": 0.0, "applied_seconds": 0.0}
    ratios = []
    try:
        for round_ in range(args.rounds):
            fill(f"BARE{round_}")
            count, started = 0, time.perf_counter()
            while True:
                response = session.get(base + "/api/order/response", timeout=30)
                if EMPTY_QUEUE_TEXT in response.text[:200]:
                    break
                session.post(response.headers["X-Acknowledge-Uri"], timeout=30)
                count += 1
            bare_seconds = time.perf_counter() - started
            bare["count"] += count
            bare["seconds"] += bare_seconds

            fill(f"INBOX{round_}")
            started, started_at = time.perf_counter(), timezone.now()
            fetched = 0
            while True:
                run = inbox.sync(integration.pk, max_messages=100000, max_seconds=100000)
                fetched += run.fetched
                if run.fetched == 0 or run.status != "done":
                    break
            applied_seconds = time.perf_counter() - started
            last_ack = (
                Message.objects.using(jakamo)
                .filter(integration=network["po"])
                .aggregate(last=Max("acknowledged_at"))["last"]
            )
            drain_seconds = (last_ack - started_at).total_seconds()
            drain["count"] += fetched
            drain["seconds"] += drain_seconds
            drain["applied_seconds"] += applied_seconds
            ratios.append((fetched / drain_seconds) / (count / bare_seconds))
        stored = InboxMessage.objects.filter(integration=integration, status="processed").count()
    finally:
        server.terminate()
        server.wait(10)

    engine = "PostgreSQL" if db_url.startswith("postgres") else "SQLite"
    bare_rate = bare["count"] / bare["seconds"]
    drain_rate = drain["count"] / drain["seconds"]
    applied_rate = drain["count"] / drain["applied_seconds"]
    bare_ms = 1000 / bare_rate
    print(
        f"database: {engine}; messages: {args.messages} a loop in {args.rounds} rounds; server: gunicorn, 2 workers,"
        f" Jakamo's database: {args.jakamo_database};"
        f" portal commits: {args.portal_commits}; applied while fetching: {inbox.applies_while_fetching()}"
    )
    print(f"bare loop (GET + ack, no database): {bare['count']} in {bare['seconds']:.2f} s = {bare_rate:.1f} msg/s")
    print(f"inbox drain (store, ack):           {drain['count']} in {drain['seconds']:.2f} s = {drain_rate:.1f} msg/s")
    print(
        f"inbox drained and applied:          {drain['count']} in {drain['applied_seconds']:.2f} s"
        f" = {applied_rate:.1f} msg/s ({stored} processed)"
    )
    print(f"ratio drain / bare: {drain_rate / bare_rate:.0%} (target >= 90%); by round: ", end="")
    print(", ".join(f"{r:.0%}" for r in ratios))
    print(f"ratio drained and applied / bare: {applied_rate / bare_rate:.0%}")
    print(
        f"one durable commit on this database: {commit * 1000:.2f} ms; bare loop: {bare_ms:.2f} ms a message;"
        f" best ratio with a durable store before each acknowledge: {bare_ms / (bare_ms + commit * 1000):.0%}"
    )
    print(f"drain per message beyond the bare loop: {1000 / drain_rate - bare_ms:.2f} ms")


if __name__ == "__main__":
    main()
