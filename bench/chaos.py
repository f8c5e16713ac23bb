"""Chaos runs: the exchange engine against a misbehaving Jakamo and a worker that keeps dying.

    .venv/bin/python bench/chaos.py inbound  [--messages 1000] [--kills 5] [--database-url postgres://…/chaos]
    .venv/bin/python bench/chaos.py outbound [--orders 500] [--database-url …]

Inbound: messages of mixed kinds (OrderResponses, Delivered StatusMessages, ASNs) are queued in
the sandbox, served by gunicorn. While a worker process drains both queues, the sandbox answers
10% of requests with 500, lets 5% time out (it acts, then answers too late), drops 5% of the
acknowledges and puts 2% of acknowledged messages back in the queue; the worker is SIGKILLed at
random points (after it has started draining) and restarted, and on PostgreSQL its database
connections are also terminated as many times (pg_terminate_backend) while it drains. Afterwards
every message must be stored and applied exactly once, in queue order (per order, the confirmation
versions and Delivered statuses in the order the sandbox queued them), every order's final state
must equal what the sandbox holds, the queues be empty, and nothing left stuck. It prints the time
from each kill to the queue moving again.

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
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import stack  # noqa: E402

INBOUND_FAULTS = {"error_500": 0.10, "hang": 0.05, "drop_ack": 0.05, "repeat": 0.02}
OUTBOUND_FAULTS = {"error_503": 0.30, "hang": 0.05}
# With --pushes, Jakamo's webhook also pushes every message as it is queued, "Remove entry from
# queue on success" off (as the portal's page advises): 5% of pushes are lost, 5% sent twice, 5% sent
# with wrong credentials and 5% answered after Jakamo stopped waiting.
PUSH_FAULTS = {"push_lost": 0.05, "push_repeat": 0.05, "push_wrong_auth": 0.05, "push_slow": 0.05}
# Short timeouts so that 5% of a thousand requests timing out takes a minute, not half an hour.
FAST = {
    "JAKAMO_SANDBOX_ENABLED": "true",
    "JAKAMO_READ_TIMEOUT": "1.0",
    "JAKAMO_SANDBOX_HANG_SECONDS": "1.3",
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
    parser.add_argument("--pushes", action="store_true", help="inbound: Jakamo's webhook pushes too")
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
            ok = inbound(env, base, args.messages, args.kills, db_url, pushes=args.pushes)
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

    from exchange import outbox
    from exchange.models import OutboxMessage
    from mappings.models import Integration

    print("ready", flush=True)
    if mode == "worker-inbound":
        import threading

        # One thread per queue, as the cluster runs each integration's sync as a task of its own:
        # a queue whose lease a killed worker left behind does not hold up the other.
        pks = list(Integration.objects.filter(name__startswith="chaos").values_list("pk", flat=True))
        threads = [threading.Thread(target=drain_queue, args=(pk,)) for pk in pks]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return 0
    while OutboxMessage.objects.filter(status__in=["pending", "retry", "sending"]).exists():
        if not outbox.send_due(limit=50):
            time.sleep(0.1)
    return 0


def drain_queue(pk: int):
    from django.db import DatabaseError, connection

    from exchange import inbox

    try:
        while True:
            try:
                run = inbox.sync(pk, max_messages=50)
            except DatabaseError:  # the connection was terminated where the sync could not catch it
                connection.close()
                time.sleep(0.2)
                continue
            if run.status == "done" and run.fetched == 0:
                return
            if run.status in ("skipped", "failed"):
                time.sleep(0.2)  # a killed worker's lease has yet to run out, or Jakamo failed
    finally:
        connection.close()


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


WORKER_APP = "chaos-worker"


def held_queues() -> list[int]:
    """The integrations whose queue a worker held a lease on just now: the ones a kill stalls."""
    from django.db import connection
    from django.utils import timezone

    from exchange.models import SyncState

    try:
        return list(
            SyncState.objects.filter(lease_until__gt=timezone.now()).exclude(owner="").values_list("pk", flat=True)
        )
    finally:
        connection.close()  # called from the connection killer's thread too


def drain_with_kills(
    env,
    mode: str,
    kills: int,
    *,
    earliest: float,
    latest: float,
    kill_log: list | None = None,
    terminate: Callable[[], bool] | None = None,
) -> tuple[int, float]:
    """Run workers until one finishes on its own, SIGKILLing the first ``kills`` of them at random
    moments after they start working. With ``terminate`` (PostgreSQL), each of those first has its
    database connections terminated at a random moment, and lives on a few seconds more before its
    SIGKILL, so that each recovery is seen on its own. Each kill (kind, wall-clock time, the queues
    the worker held) goes to ``kill_log``. Returns (SIGKILLs done, seconds)."""
    done, started = 0, time.perf_counter()
    log = kill_log if kill_log is not None else []
    while True:
        process = start_worker(env, mode)
        if done < kills:
            try:
                process.wait(timeout=random.uniform(earliest, latest))
            except subprocess.TimeoutExpired:
                if terminate is not None:
                    held = held_queues()
                    if terminate():
                        log.append(("connections", time.time(), held))
                    try:
                        process.wait(timeout=random.uniform(3, 4))
                    except subprocess.TimeoutExpired:
                        pass
                    else:
                        break_returncode(process)
                        return done, time.perf_counter() - started
                held = held_queues()
                process.send_signal(signal.SIGKILL)
                log.append(("SIGKILL", time.time(), held))
                process.wait()
                done += 1
                continue
        else:
            process.wait(timeout=1800)
        break_returncode(process)
        return done, time.perf_counter() - started


def break_returncode(process):
    if process.returncode != 0:
        raise RuntimeError(f"worker exited with {process.returncode}")


def connection_terminator(db_url: str) -> Callable[[], bool]:
    """On PostgreSQL: a function that terminates every database connection the worker holds (its
    syncs' and its lease heartbeats'), as a failover or an administrator would; True if it did."""

    def terminate() -> bool:
        import psycopg

        url = db_url.split("?")[0].replace("postgres://", "postgresql://", 1)
        with psycopg.connect(url, autocommit=True) as conn:
            return bool(
                conn.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = %s",
                    [WORKER_APP],
                ).fetchone()[0]
            )

    return terminate


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
def inbound(env, base: str, messages: int, kills: int, db_url: str = "", *, pushes: bool = False) -> bool:
    from django.db.models import Count

    from exchange import transitions
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
    push_budget = {}
    if pushes:
        from exchange import webhooks
        from sandbox import push

        for key in ("po", "asn"):
            credentials = webhooks.generate_credentials(portal[key])
            push.configure(
                network[key],
                f"{base}/hooks/jakamo/{portal[key].pk}/",
                username=credentials.username,
                password=credentials.password,
                remove_on_success=False,
            )
        push_budget = arm(PUSH_FAULTS, [network["po"], network["asn"]], messages * 10)

    # Orders known to both sides; the buyer's sends are not what this run is about.
    order_count = max(1, messages // 5)
    orders = []
    for n in range(order_count):
        doc = demo.sample_order(f"CH-{n:05d}")
        services.purchase_order_create(integration=portal["po"], document=doc, user=None)
        orders.append(sandbox.receive_po_document(network["po"], build_order_document(doc)))
    for row in OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING):
        transitions.move(
            row, OutboxMessage.Status.SENT, via="chaos setup", note="Placed directly in the sandbox by the chaos setup."
        )

    kinds = Counter()
    last: dict[str, dict[str, str]] = {}  # order number -> the last note and tracking number queued
    for n in range(messages):
        order = JakamoOrder.objects.get(pk=orders[n % order_count].pk)
        slot = n % 10
        if slot < 6:
            party.supplier_confirm(order, note=f"chaos confirmation {n}")
            kinds["OrderResponse"] += 1
            last.setdefault(order.order_number, {})["confirmation"] = f"chaos confirmation {n}<"
        elif slot < 8:
            party.supplier_deliver(order, tracking_number=f"TRACK-{n}")
            kinds["StatusMessage Delivered"] += 1
            last.setdefault(order.order_number, {})["tracking"] = f"TRACK-{n}"
        else:
            party.supplier_dispatch_asn(order, shipment_number=f"SHIP-{n}")
            kinds["ASN"] += 1
    originals = list(Message.objects.values_list("pk", "body", "integration_id"))
    if pushes:
        from sandbox.models import Push

        pushed = Counter(Push.objects.values_list("status", flat=True))
        for key in ("po", "asn"):
            push.configure(network[key], "")  # pushes while queueing; repeats during the drain are polled
    budget = arm(INBOUND_FAULTS, [network["po"], network["asn"]], messages * 10) | push_budget

    postgres = db_url.startswith("postgres")
    worker_env = dict(env)
    if postgres:  # the worker's connections carry a name, so that they alone can be terminated
        worker_env["DATABASE_URL"] = f"{db_url}{'&' if '?' in db_url else '?'}application_name={WORKER_APP}"
    kill_log: list[tuple[str, float, list[int]]] = []
    done, seconds = drain_with_kills(
        worker_env,
        "inbound",
        kills,
        earliest=0.3,
        latest=max(1.0, messages / 150),
        kill_log=kill_log,
        terminate=connection_terminator(db_url) if postgres else None,
    )
    connection_kills = sum(1 for kind, *_ in kill_log if kind == "connections")

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
    order_problems = queue_order_problems(portal, originals)
    state_problems = final_state_problems(portal["po"], orders, last)
    recoveries = recovery_seconds(stored, kill_log)
    checks.update(
        {
            "per order and queue, messages applied in the order the sandbox queued them": not order_problems,
            "per order, confirmation versions in queue order": not version_problems(originals),
            "every order's final state equals the sandbox's": not state_problems,
        }
    )
    if postgres:
        checks[f"the worker's connections were terminated at least {kills} times"] = connection_kills >= kills
    runs = Counter(SyncRun.objects.values_list("status", flat=True))
    print(
        f"inbound chaos: {messages} messages ({dict(kinds)}) in {seconds:.1f} s, {done} SIGKILLs, "
        f"{connection_kills} connection kills"
    )
    if recoveries:
        times = sorted(t for _, t in recoveries)
        print(
            f"  kill to queue moving again: max {times[-1]:.1f} s, median {times[len(times) // 2]:.1f} s over "
            f"{len(times)} kills ({', '.join(f'{kind} {t:.1f}' for kind, t in recoveries)})"
        )
    for problem in (order_problems + version_problems(originals) + state_problems)[:10]:
        print(f"  out of order or stale: {problem}")
    if pushes:
        print(f"  pushes answered (status: count; None = not awaited): {dict(pushed)}")
    print(f"  faults fired: {fired}; messages put back by 'repeat': {repeats}")
    print(f"  inbox rows: {dict(statuses)}; sync runs: {dict(runs)}")
    print(f"  confirmation versions: {confirmations}; shipments: {shipments}")
    for name, ok in checks.items():
        print(f"  [{'ok' if ok else 'FAILED'}] {name}")
    return all(checks.values())


def _queue_position(originals) -> dict[str, int]:
    """Content hash -> the sandbox's queue position of the first message with that body (a
    'repeat' puts a copy back later; the portal keeps it as a duplicate of the first)."""
    from exchange.inbox import content_hash

    position = {}
    for pk, body, _ in sorted(originals):
        position.setdefault(content_hash(body.encode()), pk)
    return position


def queue_order_problems(portal, originals) -> list[str]:
    """For each queue and order (or shipment), the applied messages sorted by when they were
    applied must be in the order the sandbox queued them."""
    from exchange.models import InboxMessage

    position = _queue_position(originals)
    problems = []
    for integration in portal.values():
        applied = (
            InboxMessage.objects.filter(integration=integration, status="processed")
            .order_by("processed_at", "id")
            .values_list("document_key", "content_hash", "pk")
        )
        seen: dict[str, tuple[int, int]] = {}
        for key, digest, pk in applied:
            queued = position[digest]
            if key in seen and seen[key][0] > queued:
                problems.append(f"{key}: message {pk} (queued {queued}) applied after message {seen[key][1]}")
            seen[key] = max(seen.get(key, (queued, pk)), (queued, pk))
    return problems


def version_problems(originals) -> list[str]:
    from orders.models import Confirmation

    position = _queue_position(originals)
    problems, previous = [], {}
    for number, version, digest in Confirmation.objects.order_by("order__order_number", "version").values_list(
        "order__order_number", "version", "inbox__content_hash"
    ):
        queued = position[digest]
        if number in previous and previous[number] > queued:
            problems.append(f"{number}: confirmation version {version} was queued before the version before it")
        previous[number] = queued
    return problems


def final_state_problems(integration, orders, last) -> list[str]:
    """The portal's view of each order equals the sandbox's: its status, its latest confirmation is
    the last one queued, and its lines carry the last Delivered's tracking number."""
    from orders.models import OrderStatus, PurchaseOrder
    from sandbox.models import Order as JakamoOrder
    from sandbox.models import OrderStatus as JakamoStatus

    problems = []
    for jakamo in JakamoOrder.objects.filter(pk__in=[o.pk for o in orders]):
        order = PurchaseOrder.objects.get(integration=integration, order_number=jakamo.order_number)
        expected = OrderStatus[JakamoStatus(jakamo.status).name]
        if order.status != expected:
            problems.append(f"{order.order_number}: the portal says {order.status}, the sandbox {jakamo.status}")
        wanted = last.get(order.order_number, {})
        latest = order.confirmations.order_by("-version").first()
        if "confirmation" in wanted and (latest is None or wanted["confirmation"] not in latest.document_xml):
            problems.append(f"{order.order_number}: the latest confirmation is not the last one queued")
        if "tracking" in wanted:
            tracking = set(order.lines.values_list("tracking_number", flat=True))
            if tracking != {wanted["tracking"]}:
                problems.append(
                    f"{order.order_number}: tracking {sorted(tracking)}, last Delivered {wanted['tracking']}"
                )
    return problems


def recovery_seconds(stored, kill_log) -> list[tuple[str, float]]:
    """For each kill (SIGKILL or terminated connections), the seconds until the next message of the
    queue the worker held was stored or applied: that queue moving again. Kills after which it did
    not move (it had run empty) are left out."""
    from datetime import UTC, datetime

    from django.db.models import Min, Q

    result = []
    for kind, at, held in kill_log:
        when = datetime.fromtimestamp(at, UTC)
        moved = (
            (stored.filter(integration_id__in=held) if held else stored)
            .filter(Q(processed_at__gt=when) | Q(received_at__gt=when))
            .aggregate(
                p=Min("processed_at", filter=Q(processed_at__gt=when)),
                r=Min("received_at", filter=Q(received_at__gt=when)),
            )
        )
        first = min(t for t in moved.values() if t is not None) if any(moved.values()) else None
        if first is not None:
            result.append((kind, (first - when).total_seconds()))
    return result


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
