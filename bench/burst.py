"""A burst after an outage: 10,000 messages waiting in the queue, drained and applied by sync runs
as the schedule starts them (each bounded at 1,000 messages and 240 s), over HTTP against the
sandbox under gunicorn.

    .venv/bin/python bench/burst.py [--messages 10000] [--database-url postgres://…] [--tracemalloc]

Prints the minutes until the queue was empty at Jakamo and until everything was applied, and the
peak memory of the process that drained it (resident set; with --tracemalloc also Python's own
peak allocation, which slows the run). Every message is recorded, not applied to a purchase order
(as in bench/drain.py). Without --database-url a fresh SQLite file is used."""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import stack  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=10000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--tracemalloc", action="store_true")
    args = parser.parse_args()

    db_url = stack.database_url(args.database_url, "burst")
    env = stack.environment(db_url, JAKAMO_SANDBOX_ENABLED="true")
    os.environ.update(env)
    stack.migrate(env)

    import django

    django.setup()
    from django.db.models import Max
    from django.utils import timezone

    from exchange import inbox
    from exchange.models import InboxMessage
    from sandbox.models import Message

    network, template = stack.record_only_with_a_confirmation_template("BURST-TEMPLATE")
    for start in range(0, args.messages, 1000):
        Message.objects.bulk_create(
            Message(
                integration=network["po"],
                document_type="OrderResponse",
                body=template.replace("BURST-TEMPLATE", f"BURST-{n:05d}"),
                order_number=f"BURST-{n:05d}",
            )
            for n in range(start, min(start + 1000, args.messages))
        )

    server, portal = stack.gunicorn(env, workers=2)
    try:
        integration = stack.sandbox_po_integration(f"{portal}/sandbox/jakamo", "burst")
        if args.tracemalloc:
            import tracemalloc

            tracemalloc.start()
        started, started_at = time.perf_counter(), timezone.now()
        runs = fetched = 0
        while True:
            run = inbox.sync(integration.pk)  # the schedule's bounds
            runs += 1
            fetched += run.fetched
            if run.fetched == 0 or run.status != "done":
                break
        seconds = time.perf_counter() - started
        traced_peak = tracemalloc.get_traced_memory()[1] if args.tracemalloc else None
        last_ack = Message.objects.filter(integration=network["po"]).aggregate(last=Max("acknowledged_at"))["last"]
        drained = (last_ack - started_at).total_seconds()
        processed = InboxMessage.objects.filter(integration=integration, status="processed").count()
        keys = list(
            InboxMessage.objects.filter(integration=integration)
            .order_by("processed_at", "id")
            .values_list("document_key", flat=True)
        )
    finally:
        server.terminate()
        server.wait(10)

    engine = "PostgreSQL" if db_url.startswith("postgres") else "SQLite"
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
    print(f"database: {engine}; messages: {args.messages}; server: gunicorn, 2 workers; sync runs: {runs}")
    print(f"queue empty at Jakamo after {drained / 60:.2f} min ({fetched / drained:.1f} msg/s)")
    print(f"all applied after {seconds / 60:.2f} min ({processed} processed, {fetched / seconds:.1f} msg/s)")
    print(f"applied in queue order: {keys == sorted(keys)}")
    print(f"peak memory of the draining process: {peak_rss:.0f} MB resident")
    if traced_peak is not None:
        print(f"peak Python allocation while draining (tracemalloc): {traced_peak / 2**20:.1f} MB")


if __name__ == "__main__":
    main()
