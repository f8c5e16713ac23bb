"""Chaos runs: the exchange engine against a misbehaving Jakamo and a worker that keeps dying.

    .venv/bin/python bench/chaos.py inbound  [--messages 1000] [--kills 5] [--database-url postgres://…/chaos]
    .venv/bin/python bench/chaos.py outbound [--orders 500] [--database-url …]

Inbound: messages of mixed kinds (OrderResponses, Delivered StatusMessages, ASNs) are queued in
the sandbox, served by gunicorn. While a worker process drains both queues, the sandbox answers
10% of requests with 500, lets 5% time out (it acts, then answers too late), drops 5% of the
acknowledges and puts 2% of acknowledged messages back in the queue; the worker is SIGKILLed at
random points (after it has started draining) and restarted. Afterwards every message must be
stored and applied exactly once, the queues empty, and nothing left stuck.

Outbound: orders are sent while the sandbox answers 30% 503 and lets 5% arrive but time out.
Afterwards each order must exist once in the sandbox and every outbox row be sent, or say why not.

The run checks these itself and exits 1 if one fails; tests/exchange/test_chaos.py runs both in a
reduced size. Without --database-url a fresh SQLite file is used; a PostgreSQL database named in
the URL is created (or emptied) for the run."""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import stack  # noqa: E402

INBOUND_FAULTS = {"error_500": 0.10, "hang": 0.05, "drop_ack": 0.05, "repeat": 0.02}
OUTBOUND_FAULTS = {"error_503": 0.30, "hang": 0.05}
# Short timeouts so that 5% of a thousand requests timing out takes a minute, not half an hour.
FAST = {
    "JAKAMO_SANDBOX_ENABLED": "true",
    "JAKAMO_READ_TIMEOUT": "1.0",
    "JAKAMO_SANDBOX_HANG_SECONDS": "1.3",
    "JAKAMO_SYNC_LEASE_SECONDS": "3",
    "JAKAMO_OUTBOX_BACKOFF_SECONDS": "0.2",
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["inbound", "outbound", "worker-inbound", "worker-outbound"])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--orders", type=int, default=500)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    if args.mode.startswith("worker-"):
        return worker(args.mode)
    seed = args.seed if args.seed is not None else random.randrange(1_000_000)
    random.seed(seed)
    db_url = stack.database_url(args.database_url, f"chaos-{args.mode}")
    env = stack.environment(db_url, **FAST)
    os.environ.update(env)
    stack.migrate(env)
    import django

    django.setup()
    server, base = stack.gunicorn(env, workers=2, threads=4)
    try:
        if args.mode == "inbound":
            ok = inbound(env, base, args.messages, args.kills)
        else:
            ok = outbound(env, base, args.orders)
    finally:
        server.terminate()
        server.wait(10)
    print(f"seed {seed}; database {'PostgreSQL' if db_url.startswith('postgres') else 'SQLite'}")
    print("RESULT:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


# -- the worker, a process of its own so that it can be killed ----------------------------------------
def worker(mode: str) -> int:
    import django

    django.setup()
    from exchange import inbox, outbox
    from exchange.models import OutboxMessage
    from mappings.models import Integration

    print("ready", flush=True)
    if mode == "worker-inbound":
        pks = list(Integration.objects.filter(name__startswith="chaos").values_list("pk", flat=True))
        while True:
            runs = [inbox.sync(pk, max_messages=50) for pk in pks]
            if all(run.status == "done" and run.fetched == 0 for run in runs):
                return 0
            if any(run.status == "skipped" for run in runs):
                time.sleep(0.5)  # a killed worker's lease has yet to run out
    while OutboxMessage.objects.filter(status__in=["pending", "retry", "sending"]).exists():
        if not outbox.send_due(limit=50):
            time.sleep(0.1)
    return 0


def start_worker(env, mode: str) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), f"worker-{mode}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    process.stdout.readline()  # "ready": killing it before Django is up would prove nothing
    return process


def drain_with_kills(env, mode: str, kills: int, *, earliest: float, latest: float) -> tuple[int, float]:
    """Run workers until one finishes on its own, killing the first ``kills`` of them at random
    moments after they start working. Returns (kills done, seconds)."""
    done, started = 0, time.perf_counter()
    while True:
        process = start_worker(env, mode)
        if done < kills:
            try:
                process.wait(timeout=random.uniform(earliest, latest))
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGKILL)
                process.wait()
                done += 1
                continue
        else:
            process.wait(timeout=1800)
        if process.returncode != 0:
            raise RuntimeError(f"worker exited with {process.returncode}")
        return done, time.perf_counter() - started


def faults_fired(budget: dict[str, int]) -> dict[str, int]:
    """How often each kind of fault fired, over every integration it was armed for."""
    from sandbox.models import Fault

    fired = Counter()
    for fault in Fault.objects.all():
        fired[fault.kind] += budget[fault.kind] - fault.remaining
    return dict(fired)


def arm(faults: dict[str, float], integrations, budget: int) -> dict[str, int]:
    from sandbox import services

    for integration in integrations:
        for kind, probability in faults.items():
            services.add_fault(kind, budget, integration, probability)
    return dict.fromkeys(faults, budget)


# -- inbound ---------------------------------------------------------------------------------------
def inbound(env, base: str, messages: int, kills: int) -> bool:
    from django.db.models import Count

    from exchange.inbox import content_hash
    from exchange.models import InboxMessage, OutboxMessage, SyncRun, SyncState
    from jakamo.ubl_build import build_order_document
    from mappings import services as mapping_services
    from mappings.models import Integration
    from orders.models import Confirmation
    from orders.purchase import services
    from sandbox import demo, party
    from sandbox import services as sandbox
    from sandbox.models import Fault, Message
    from sandbox.models import Order as JakamoOrder
    from shipments.models import Shipment

    network = demo.setup_network()
    Fault.objects.all().delete()
    portal = {}
    for key, creds, kind in (("po", demo.PO, "purchase_order"), ("asn", demo.ASN, "asn")):
        portal[key] = Integration.objects.create(
            name=f"chaos {key}",
            kind=kind,
            environment="custom",
            base_url=f"{base}/sandbox/jakamo",
            username=creds.username,
            password=creds.password,
        )
    mapping_services.save_company_mapping(
        integration=portal["po"], identifier="V-100", company_name="Test Supplier Ltd."
    )
    mapping_services.save_user_mapping(integration=portal["po"], identifier="bertha", is_default=True)

    # Orders known to both sides; the buyer's sends are not what this run is about.
    order_count = max(1, messages // 5)
    orders = []
    for n in range(order_count):
        doc = demo.sample_order(f"CH-{n:05d}")
        services.purchase_order_create(integration=portal["po"], document=doc, user=None)
        orders.append(sandbox.receive_po_document(network["po"], build_order_document(doc)))
    OutboxMessage.objects.update(status="sent", note="Placed directly in the sandbox by the chaos setup.")

    kinds = Counter()
    for n in range(messages):
        order = JakamoOrder.objects.get(pk=orders[n % order_count].pk)
        slot = n % 10
        if slot < 6:
            party.supplier_confirm(order, note=f"chaos confirmation {n}")
            kinds["OrderResponse"] += 1
        elif slot < 8:
            party.supplier_deliver(order, tracking_number=f"TRACK-{n}")
            kinds["StatusMessage Delivered"] += 1
        else:
            party.supplier_dispatch_asn(order, shipment_number=f"SHIP-{n}")
            kinds["ASN"] += 1
    originals = list(Message.objects.values_list("pk", "body", "integration_id"))
    budget = arm(INBOUND_FAULTS, [network["po"], network["asn"]], messages * 10)

    done, seconds = drain_with_kills(env, "inbound", kills, earliest=0.3, latest=max(1.0, messages / 150))

    fired = faults_fired(budget)
    stored = InboxMessage.objects.filter(integration__in=portal.values())
    statuses = Counter(stored.values_list("status", flat=True))
    processed_hashes = Counter(stored.filter(status="processed").values_list("content_hash", flat=True))
    expected_hashes = Counter(content_hash(body.encode()) for _, body, _ in originals)
    repeats = Message.objects.count() - len(originals)
    confirmations = Confirmation.objects.count()
    shipments = Shipment.objects.count()
    per_order = Counter(
        dict(
            Confirmation.objects.values_list("order__order_number")
            .annotate(c=Count("id"))
            .values_list("order__order_number", "c")
        )
    )
    checks = {
        "every message stored and processed exactly once": processed_hashes == expected_hashes,
        "nothing left unprocessed or failed": statuses.keys() <= {"processed", "duplicate"},
        "each OrderResponse is one confirmation version": confirmations == kinds["OrderResponse"],
        "each ASN is one shipment": shipments == kinds["ASN"],
        "confirmations spread as queued": sum(per_order.values()) == kinds["OrderResponse"],
        "the queues are empty": not Message.objects.filter(acknowledged_at__isnull=True).exists(),
        "no queue is stuck": not SyncState.objects.filter(integration__in=list(portal.values()))
        .exclude(stuck_reason="")
        .exists(),
        "no run left running": not SyncRun.objects.filter(status="running").exists(),
        f"the worker was killed at least {kills} times": done >= kills,
    }
    runs = Counter(SyncRun.objects.values_list("status", flat=True))
    print(f"inbound chaos: {messages} messages ({dict(kinds)}) in {seconds:.1f} s, {done} SIGKILLs")
    print(f"  faults fired: {fired}; messages put back by 'repeat': {repeats}")
    print(f"  inbox rows: {dict(statuses)}; sync runs: {dict(runs)}")
    print(f"  confirmation versions: {confirmations}; shipments: {shipments}")
    for name, ok in checks.items():
        print(f"  [{'ok' if ok else 'FAILED'}] {name}")
    return all(checks.values())


# -- outbound --------------------------------------------------------------------------------------
def outbound(env, base: str, count: int) -> bool:
    from django.db.models import Count

    from exchange.models import Attempt, OutboxMessage
    from mappings import services as mapping_services
    from mappings.models import Integration
    from orders.purchase import services
    from sandbox import demo
    from sandbox.models import Fault
    from sandbox.models import Order as JakamoOrder

    network = demo.setup_network()
    Fault.objects.all().delete()
    integration = Integration.objects.create(
        name="chaos po",
        kind="purchase_order",
        environment="custom",
        base_url=f"{base}/sandbox/jakamo",
        username=demo.PO.username,
        password=demo.PO.password,
    )
    mapping_services.save_company_mapping(
        integration=integration, identifier="V-100", company_name="Test Supplier Ltd."
    )
    mapping_services.save_user_mapping(integration=integration, identifier="bertha", is_default=True)
    numbers = [f"OUT-{n:05d}" for n in range(count)]
    for number in numbers:
        services.purchase_order_create(integration=integration, document=demo.sample_order(number), user=None)
    budget = arm(OUTBOUND_FAULTS, [network["po"]], count * 10)

    done, seconds = drain_with_kills(env, "outbound", 0, earliest=0, latest=0)

    fired = faults_fired(budget)
    at_jakamo = dict(
        JakamoOrder.objects.filter(order_number__in=numbers)
        .values("order_number")
        .annotate(c=Count("id"))
        .values_list("order_number", "c")
    )
    rows = OutboxMessage.objects.filter(integration=integration)
    statuses = Counter(rows.values_list("status", flat=True))
    unexplained = rows.exclude(status="sent").filter(last_error="", explanation="").count()
    outcomes = Counter(Attempt.objects.filter(outbox__integration=integration).values_list("outcome", flat=True))
    proven = rows.filter(note__startswith="Jakamo already had this order").count()
    checks = {
        "each order exists exactly once in the sandbox": sorted(at_jakamo) == numbers
        and set(at_jakamo.values()) == {1},
        "every outbox row is sent or says why not": unexplained == 0,
        "every order was sent": statuses.get("sent", 0) == count,
    }
    print(f"outbound chaos: {count} orders in {seconds:.1f} s")
    print(f"  faults fired: {fired}")
    print(f"  attempts by outcome: {dict(outcomes)}; arrival proven by 'already exists': {proven}")
    print(f"  outbox rows: {dict(statuses)}")
    for row in rows.filter(attempt_log__outcome="unknown").distinct()[:5]:
        story = [f"{a.outcome}({a.http_status or '-'})" for a in row.attempt_log.order_by("id")]
        print(f"  e.g. after a timeout, {row.document_key}: {' → '.join(story)}")
    for name, ok in checks.items():
        print(f"  [{'ok' if ok else 'FAILED'}] {name}")
    return all(checks.values())


if __name__ == "__main__":
    sys.exit(main())
