"""Big purchase orders end to end: each step and each page at 100, 1,000 and 5,000 lines (two
delivery batches a line), with its wall time and its number of queries, and the growth 1,000 → 5,000.

    .venv/bin/python bench/big_orders.py [--sizes 100,1000,5000] [--repeat 3]
                                         [--database-url postgres://postgres@127.0.0.1:5432/bench_big]

The portal and the sandbox run in this process: the sandbox answers over real HTTP from a thread
(one WSGI server, one request at a time), so a step's time includes Jakamo's side of it (the sandbox
storing a 5,000-line order, say). Queries are counted on every connection, split between this
thread (the portal) and the server's (the sandbox). Pages are rendered by Django's test client
(server time, no network). Each flow runs ``--repeat`` times on a fresh order per size; the table
shows the median time and the median query count.

The steps: the ERP posts the Order (accept); the outbox sends it to the sandbox (send); the supplier
confirms with changes on one line in ten (dates, prices, an added batch) and the inbox drains and
applies the OrderResponse (confirm); the review page, and the decisions reject and line by line
(each undone by a rollback) and accept, whose simple confirmation is sent (review); the receive
form posting a quantity for every batch, then "everything", and both Received statuses sent
(receive). The receive form posts one field per batch, beyond Django's DATA_UPLOAD_MAX_NUMBER_FIELDS
(another change deals with that limit): this benchmark lifts the limit for itself."""

from __future__ import annotations

import argparse
import collections
import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import stack  # noqa: E402

PG_BENCH = "postgres://postgres@127.0.0.1:5432/bench_big"
# --profile: the sandbox server's requests during a profiled step are profiled too, and so is the
# inbox's applier, which works in a thread of its own (the step's profile shows it as a join).
SERVER_PROFILE: dict = {}
APPLIER_PROFILE: dict = {}

# Rows of the table, in the order a document goes through them.
STEPS = [
    ("accept", "ERP posts the Order (201)"),
    ("send", "outbox sends the Order to Jakamo"),
    ("supplier", "supplier confirms with changes (sandbox)"),
    ("confirm", "inbox drains + applies the OrderResponse"),
    ("p_order", "page: order (awaiting decision)"),
    ("p_review", "page: review"),
    ("p_queue", "page: review queue"),
    ("p_list", "page: order list"),
    ("p_messages", "page: message list"),
    ("reject", "decide: reject (rolled back)"),
    ("lines", "decide: line by line (rolled back)"),
    ("accepted", "decide: accept"),
    ("send_accept", "outbox sends the acceptance"),
    ("p_receive", "page: order (receive form)"),
    ("receive_form", "receive form, every batch"),
    ("receive_all", "receive everything"),
    ("send_received", "outbox sends both Received"),
]


class Counter:
    """Queries on every connection, by thread: the portal (main thread) and the sandbox server."""

    def __init__(self):
        self.counts = collections.Counter()
        self.lock = threading.Lock()

    def __call__(self, execute, sql, params, many, context):
        key = "portal" if threading.current_thread() is threading.main_thread() else "sandbox"
        with self.lock:
            self.counts[key] += 1
        return execute(sql, params, many, context)

    def attach(self, sender, connection, **kwargs):
        if self not in connection.execute_wrappers:
            connection.execute_wrappers.append(self)

    def snapshot(self):
        with self.lock:
            return dict(self.counts)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100,1000,5000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", default=PG_BENCH)
    parser.add_argument(
        "--profile", default="", help="cProfile these steps (names from STEPS, comma separated) and print their top"
    )
    parser.add_argument("--verbose", action="store_true", help="Print each step as it ends")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    db_url = stack.database_url(args.database_url, "big_orders")
    env = stack.environment(
        db_url,
        ALLOWED_HOSTS="testserver,127.0.0.1,localhost",
        JAKAMO_SANDBOX_ENABLED="true",
        JAKAMO_READ_TIMEOUT="600",
    )
    os.environ.update(env)
    stack.migrate(env)

    import django

    django.setup()
    from django.conf import settings
    from django.db.backends.signals import connection_created

    counter = Counter()
    connection_created.connect(counter.attach, weak=False)
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = None  # the receive form's field per batch (see the docstring)
    # A 5,000-line Order is some 5 MB: within the ERP endpoint's own 10 MB, beyond Django's 2.5 MB
    # DATA_UPLOAD_MAX_MEMORY_SIZE, which refuses it first (reported; body limits are another change's).
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

    profile_applier()
    base = serve_sandbox()
    context = setup(base)
    results: dict[int, dict[str, list[tuple[float, int, int]]]] = {}
    engine = "PostgreSQL" if db_url.startswith("postgres") else "SQLite"
    print(f"database: {engine}; {os.cpu_count()} cores; sizes {sizes}; median of {args.repeat} runs")
    for size in sizes:
        results[size] = collections.defaultdict(list)
        for rep in range(args.repeat):
            started = time.perf_counter()
            for step, figure in flow(context, size, rep, counter, profile=args.profile):
                results[size][step].append(figure)
                if args.verbose:
                    print(f"    {step:<14} {figure[0]:8.3f} s {figure[1]:>6}+{figure[2]} queries", flush=True)
            print(f"  {size:>5} lines, run {rep + 1}: {time.perf_counter() - started:6.1f} s in all", flush=True)
    print_table(sizes, results)


def profile_applier():
    from exchange import inbox

    work = inbox.Applier._work

    def profiled(self):
        profiler = APPLIER_PROFILE.get("profiler")
        if profiler is not None:
            return profiler.runcall(work, self)
        return work(self)

    inbox.Applier._work = profiled


def serve_sandbox() -> str:
    """The portal's WSGI application (the sandbox at /sandbox/jakamo) on a free port, in a thread."""
    from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer
    from django.core.wsgi import get_wsgi_application

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    application = get_wsgi_application()

    def app(environ, start_response):
        profiler = SERVER_PROFILE.get("profiler")
        if profiler is not None:
            return profiler.runcall(application, environ, start_response)
        return application(environ, start_response)

    server = WSGIServer(("127.0.0.1", 0), Quiet)
    server.set_app(app)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/sandbox/jakamo"


def setup(base: str) -> dict:
    from django.contrib.auth.models import Group, User
    from django.test import Client

    from common import roles
    from mappings import services as mapping_services
    from orders.purchase.intake import erp_client_create
    from sandbox import demo

    roles.ensure_roles()
    demo.setup_network()
    user, _ = User.objects.get_or_create(username="bench-purchaser")
    user.groups.add(Group.objects.get(name=roles.PURCHASERS), Group.objects.get(name=roles.SUPPORT))
    integration = stack.sandbox_po_integration(base, "Jakamo PO (bench sandbox)")
    mapping_services.save_company_mapping(
        integration=integration, identifier="V-100", company_name="Test Supplier Ltd."
    )
    mapping_services.save_user_mapping(integration=integration, identifier="bertha", portal_user=user)
    _, token = erp_client_create(name="bench ERP", integration=integration)
    client = Client()
    client.force_login(user)
    return {"integration": integration, "token": token, "client": client, "user": user}


def big_order(number: str, lines: int):
    """demo.sample_order with ``lines`` lines, each delivered in two batches a fortnight apart."""
    from datetime import timedelta

    from jakamo import ubl
    from sandbox import demo

    doc = demo.sample_order(number, lines=lines)
    for line in doc.lines:
        first = line.deliveries[0]
        half = line.quantity.value / 2
        first.quantity = ubl.Quantity(half, "PCE")
        line.deliveries.append(
            ubl.Delivery(
                id=f"{number}-{line.id}-2",
                quantity=ubl.Quantity(line.quantity.value - half, "PCE"),
                requested_end_date=first.requested_end_date + timedelta(days=14),
            )
        )
    assert all(sum(d.quantity.value for d in line.deliveries) == line.quantity.value for line in doc.lines)
    return doc


def supplier_changes(lines: int) -> dict:
    """One line in ten changed: a later date, a higher price, or a batch added (split off)."""
    from datetime import date, timedelta
    from decimal import Decimal

    from sandbox import party

    later = date.today() + timedelta(days=60)
    changes = {}
    for n in range(1, lines + 1):
        if n % 30 == 10:
            changes[str(n)] = party.LineChange(promised_date=later)
        elif n % 30 == 20:
            changes[str(n)] = party.LineChange(price=Decimal("13.50"))
        elif n % 30 == 0:
            changes[str(n)] = party.LineChange(new_batches=[(Decimal(10), later)])
    return changes


class Rollback(Exception):
    pass


def flow(ctx: dict, size: int, rep: int, counter: Counter, profile: str = ""):
    """Yields (step, (seconds, portal queries, sandbox queries)) for one order of ``size`` lines."""
    from datetime import date
    from urllib.parse import urlencode

    from django.db import transaction
    from django.urls import reverse

    from exchange import inbox, outbox
    from exchange.models import OutboxMessage
    from jakamo.ubl_build import build_order_document
    from orders.models import Confirmation, DeliveryBatch, OrderStatus, PurchaseOrder
    from sandbox import party
    from sandbox.models import Order as JakamoOrder

    client, integration = ctx["client"], ctx["integration"]
    number = f"BIG-{size}-{rep}-{time.time_ns() % 10**8}"
    body = build_order_document(big_order(number, size))

    def measure(step, fn):
        before = counter.snapshot()
        started = time.perf_counter()
        if step and step in profile.split(","):
            import cProfile
            import pstats

            profiler = SERVER_PROFILE["profiler"] = cProfile.Profile()  # the sandbox's requests
            applier = APPLIER_PROFILE["profiler"] = cProfile.Profile()  # the inbox's applier thread
            try:
                result = _profiled(step, fn)
            finally:
                del SERVER_PROFILE["profiler"], APPLIER_PROFILE["profiler"]
            if profiler.getstats():
                print(f"--- profile of {step}: the sandbox")
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
            if applier.getstats():
                _dump(applier, f"{step}-applier")
                print(f"--- profile of {step}: the inbox's applier thread")
                pstats.Stats(applier).sort_stats("cumulative").print_stats(60)
        else:
            result = fn()
        seconds = time.perf_counter() - started
        after = counter.snapshot()
        return result, (
            seconds,
            after.get("portal", 0) - before.get("portal", 0),
            after.get("sandbox", 0) - before.get("sandbox", 0),
        )

    def get(step, url, repeat=3):
        figures = []
        for n in range(repeat):
            response, figure = measure(step if n == 0 else "", lambda: client.get(url))
            assert response.status_code == 200, (url, response.status_code)
            figures.append(figure)
        return median_figure(figures)

    def send_all(document_type):
        rows = list(
            OutboxMessage.objects.filter(
                document_key=number, document_type=document_type, status="pending"
            ).values_list("pk", flat=True)
        )
        sent = [outbox.send(pk) for pk in rows]
        assert rows and all(r is not None and r.status == "sent" for r in sent), [
            (r.status, r.last_error) for r in sent if r
        ]

    # (1) accept
    response, figure = measure(
        "accept",
        lambda: client.post(
            "/orders/erp/orders/", body, content_type="application/xml", HTTP_AUTHORIZATION=f"Bearer {ctx['token']}"
        ),
    )
    assert response.status_code == 201, response.content[:2000]
    yield "accept", figure
    order = PurchaseOrder.objects.get(integration=integration, order_number=number)

    # (2) send
    _, figure = measure("send", lambda: send_all("Order"))
    yield "send", figure

    # (3) confirm: the supplier's answer, then the inbox
    jakamo_order = JakamoOrder.objects.get(order_number=number)
    _, figure = measure("supplier", lambda: party.supplier_confirm(jakamo_order, supplier_changes(size)))
    yield "supplier", (figure[0], 0, figure[1])  # the sandbox's work, though called from this thread
    run, figure = measure("confirm", lambda: inbox.sync(integration.pk))
    assert run.processed == 1, (run.status, run.error, run.failed)
    yield "confirm", figure
    confirmation = Confirmation.objects.get(order=order)
    assert confirmation.decision == Confirmation.Decision.PENDING, confirmation.decision

    # pages
    yield "p_order", get("p_order", order.get_absolute_url())
    review_url = reverse("orders:confirmation_review", args=[order.pk, confirmation.version])
    yield "p_review", get("p_review", review_url)
    yield "p_queue", get("p_queue", reverse("orders:review_queue"))
    yield "p_list", get("p_list", reverse("orders:purchase_list"))
    yield "p_messages", get("p_messages", "/messages/")

    # (4) review: decisions
    figures = {}

    def undone(action, data):
        try:
            with transaction.atomic():

                def post():
                    response = client.post(
                        reverse("orders:confirmation_decide", args=[order.pk, confirmation.version, action]), data
                    )
                    assert response.status_code == 302, response.status_code
                    confirmation.refresh_from_db()
                    assert confirmation.decision != Confirmation.Decision.PENDING, action

                _, figures[action] = measure(action, post)
                raise Rollback
        except Rollback:
            pass
        return figures[action]

    yield "reject", undone("reject", {"note": "no"})
    yield "lines", undone("lines", {f"accept_{n}": "on" for n in range(1, size + 1, 2)})
    _, figure = measure(
        "accepted",
        lambda: client.post(
            reverse("orders:confirmation_decide", args=[order.pk, confirmation.version, "accept"]), {"note": "ok"}
        ),
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED, order.status
    yield "accepted", figure
    _, figure = measure("send_accept", lambda: send_all("Simple confirmation"))
    yield "send_accept", figure

    # (5) receive
    yield "p_receive", get("p_receive", order.get_absolute_url())
    today = date.today().isoformat()
    data = {"received_date": today}
    for pk, agreed in DeliveryBatch.objects.filter(line__order=order).values_list("pk", "agreed_quantity"):
        if agreed:
            data[f"qty_{pk}"] = str(min(agreed, 5))
    _, figure = measure(
        "receive_form",
        # As a browser posts the form (urlencoded; the test client's default is multipart).
        lambda: client.post(
            reverse("orders:receive", args=[order.pk]),
            urlencode(data),
            content_type="application/x-www-form-urlencoded",
        ),
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.STARTED_RECEIVING, order.status
    yield "receive_form", figure
    _, figure = measure(
        "receive_all",
        lambda: client.post(reverse("orders:receive", args=[order.pk]), {"received_date": today, "everything": "on"}),
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.RECEIVED, order.status
    yield "receive_all", figure
    _, figure = measure("send_received", lambda: send_all("StatusMessage Received"))
    jakamo_order.refresh_from_db()
    assert jakamo_order.status == "Received", jakamo_order.status
    yield "send_received", figure


def _dump(profiler, name):
    """With BENCH_PROFILE_DIR, the profile is kept there too (name.pstats), to read with pstats."""
    if os.environ.get("BENCH_PROFILE_DIR"):
        profiler.dump_stats(os.path.join(os.environ["BENCH_PROFILE_DIR"], f"{name}.pstats"))


def _profiled(step, fn):
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    result = profiler.runcall(fn)
    _dump(profiler, step)
    print(f"--- profile of {step}")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
    return result


def median_figure(figures):
    return (
        statistics.median(f[0] for f in figures),
        int(statistics.median(f[1] for f in figures)),
        int(statistics.median(f[2] for f in figures)),
    )


def print_table(sizes, results):
    print()
    head = f"{'step':<44}" + "".join(f"{f'{s:,} lines':>24}" for s in sizes)
    if 1000 in sizes and 5000 in sizes:
        head += f"{'1,000→5,000 time':>18}{'queries':>9}"
    print(head)
    print(f"{'':<44}" + "".join(f"{'s   portal+sandbox q':>24}" for _ in sizes))
    for step, label in STEPS:
        row = f"{label:<44}"
        medians = {}
        for size in sizes:
            figures = results[size].get(step)
            if not figures:
                row += f"{'—':>24}"
                continue
            medians[size] = seconds, portal, sandbox = median_figure(figures)
            row += f"{seconds:>10.3f} {portal:>6}+{sandbox:<6}"
        if 1000 in medians and 5000 in medians:
            t1, p1, s1 = medians[1000]
            t5, p5, s5 = medians[5000]
            row += f"{t5 / t1 if t1 else 0:>17.1f}×{(p5 + s5) / (p1 + s1) if p1 + s1 else 0:>8.1f}×"
        print(row)
    print("\n(queries: portal + sandbox; a linear step grows 5× from 1,000 to 5,000 lines, a flat query count 1×)")


if __name__ == "__main__":
    main()
