"""Pages under load: gunicorn on PostgreSQL with 10,000 purchase orders, 50,000 lines and 200,000
messages, at 1 and at 10 concurrent signed-in users.

    .venv/bin/python bench/load.py [--database-url postgres://postgres@127.0.0.1:5432/jakamo_load]
                                   [--reuse] [--workers 4] [--requests 200]

Prints, per page and concurrency, p50 and p95 of the server time (the Server-Timing header: time
inside Django) and of the time the user waits (including gunicorn's queue), then the memory of each
gunicorn worker. Target: every page under 200 ms p95 at 10 users. --reuse keeps a database an
earlier run generated (the data takes a minute or two to make)."""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import stack  # noqa: E402

PASSWORD = "load-bench-password-2026"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/jakamo_load")
    parser.add_argument("--reuse", action="store_true", help="Keep the data of an earlier run")
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--lines", type=int, default=50_000)
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--requests", type=int, default=200, help="Per page and concurrency")
    args = parser.parse_args()

    db_url = args.database_url if args.reuse else stack.database_url(args.database_url, "load")
    env = stack.environment(db_url, ALLOWED_HOSTS="127.0.0.1,localhost")
    os.environ.update(env)
    stack.migrate(env)
    import django

    django.setup()
    from django.contrib.auth.models import Group, User

    from common import roles
    from orders.models import PurchaseOrder

    if not PurchaseOrder.objects.filter(order_number__startswith="GEN-").exists():
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "manage.py",
                "generate_data",
                f"--orders={args.orders}",
                f"--lines={args.lines}",
                f"--messages={args.messages}",
            ],
            cwd=ROOT,
            env=env,
            check=True,
            stderr=subprocess.DEVNULL,
        )
        print(f"generated the data in {time.perf_counter() - started:.0f} s")
        subprocess.run(
            ["psql", db_url.replace("postgres://", "postgresql://", 1), "-qc", "VACUUM ANALYZE"], check=False
        )
    roles.ensure_roles()
    user, _ = User.objects.get_or_create(username="load-user")
    user.set_password(PASSWORD)
    user.save()
    user.groups.add(Group.objects.get(name=roles.PURCHASERS), Group.objects.get(name=roles.SUPPORT))
    pending = PurchaseOrder.objects.filter(status="waiting_customer").order_by("-id").first()
    counts = {
        "orders": PurchaseOrder.objects.count(),
        "lines": PurchaseOrder.lines.rel.related_model.objects.count(),
    }
    from exchange.models import InboxMessage, OutboxMessage

    counts["messages"] = InboxMessage.objects.count() + OutboxMessage.objects.count()
    print("data: " + ", ".join(f"{n:,} {what}" for what, n in counts.items()))

    pages = {
        "dashboard": "/",
        "review queue": "/orders/purchase/review/",
        "order page": pending.get_absolute_url(),
        "message history, filtered + search": f"/messages/?direction=in&status=processed&type=OrderResponse"
        f"&q={pending.order_number}",
    }
    server, base = stack.gunicorn(env, workers=args.workers)
    try:
        print(
            f"gunicorn: {args.workers} sync workers on {os.cpu_count()} cores; "
            f"{args.requests} requests per page and concurrency"
        )
        print(f"{'page':<36} {'users':>5} {'server p50':>11} {'p95':>8} {'wait p50':>10} {'p95':>8}")
        worst = 0.0
        for name, path in pages.items():
            for users in (1, 10):
                server_ms, wait_ms = load(base, path, users, args.requests)
                p95 = percentile(server_ms, 95)
                worst = max(worst, p95) if users == 10 else worst
                print(
                    f"{name:<36} {users:>5} {statistics.median(server_ms):9.1f} ms {p95:6.1f} ms"
                    f" {statistics.median(wait_ms):8.1f} ms {percentile(wait_ms, 95):6.1f} ms"
                )
        for pid, rss in worker_memory(server.pid):
            print(f"gunicorn worker {pid}: {rss / 1024:.0f} MB resident")
        print(f"worst p95 server time at 10 users: {worst:.1f} ms (target < 200 ms)")
    finally:
        server.terminate()
        server.wait(10)


def signed_in(base: str):
    import requests

    session = requests.Session()
    session.get(base + "/accounts/login/", timeout=30)
    response = session.post(
        base + "/accounts/login/",
        data={"username": "load-user", "password": PASSWORD, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        headers={"Referer": base + "/accounts/login/"},
        timeout=30,
    )
    assert response.url.rstrip("/") == base, f"sign-in failed: {response.url}"
    return session


def load(base: str, path: str, users: int, total: int) -> tuple[list[float], list[float]]:
    sessions = [signed_in(base) for _ in range(users)]
    for session in sessions:  # warm each worker's caches and connections
        session.get(base + path, timeout=30)
    server_ms, wait_ms, lock = [], [], threading.Lock()

    def user(session):
        for _ in range(total // users):
            started = time.perf_counter()
            response = session.get(base + path, timeout=60)
            waited = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, (path, response.status_code)
            match = re.search(r"dur=([\d.]+)", response.headers.get("Server-Timing", ""))
            with lock:
                wait_ms.append(waited)
                server_ms.append(float(match.group(1)))

    threads = [threading.Thread(target=user, args=(s,)) for s in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return server_ms, wait_ms


def percentile(samples: list[float], p: int) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


def worker_memory(master: int) -> list[tuple[int, int]]:
    """(pid, resident KB) of each gunicorn worker, read from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{master}$", status, re.M):
            found.append((int(entry.name), int(re.search(r"^VmRSS:\s+(\d+)", status, re.M).group(1))))
    return sorted(found)


if __name__ == "__main__":
    main()
