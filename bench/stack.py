"""What the benchmarks share: a database of their own, and the portal under gunicorn on a free port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PG_DEFAULT = "postgres://postgres@127.0.0.1:5432/"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url(given: str, name: str) -> str:
    """``given``, or a fresh SQLite file. A PostgreSQL URL is used as it is, its database created
    if missing and emptied if present, so a benchmark never runs on someone's data by accident."""
    if not given:
        return f"sqlite:///{tempfile.mkdtemp(prefix=f'jakamo-{name}-')}/{name}.sqlite3"
    if given.startswith("postgres"):
        import psycopg

        parts = urlsplit(given)
        database = parts.path.lstrip("/")
        admin = urlunsplit(parts._replace(path="/postgres"))
        with psycopg.connect(admin.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{database}"')
    return given


def environment(db_url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": db_url,
        "DJANGO_SETTINGS_MODULE": "jakamo_portal.settings",
        "LOG_LEVEL": "WARNING",
        "DEBUG": "false",
        **extra,
    }


def migrate(env: dict[str, str]):
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)


def gunicorn(env: dict[str, str], *, workers: int = 2, threads: int = 1, port: int | None = None):
    """Start the portal under gunicorn with the production configuration (deploy/gunicorn.conf.py)
    on a port of its own; returns (process, base URL) once it answers."""
    import requests

    port = port or free_port()
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "jakamo_portal.wsgi",
            "--config",
            str(ROOT / "deploy/gunicorn.conf.py"),
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(workers),
            "--threads",
            str(threads),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={"GUNICORN_ACCESS_LOG": "", "GUNICORN_LOG_LEVEL": "warning", **env},
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            # A fresh worker's first answer loads Django: it can take seconds on a busy machine.
            requests.get(base + "/accounts/login/", timeout=10)
            return process, base
        except requests.RequestException:
            if process.poll() is not None:
                raise RuntimeError("gunicorn exited at start") from None
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("gunicorn did not answer within 60 s")


def record_only_with_a_confirmation_template(order_number: str, using: str = "default"):
    """For the queue benchmarks (after django.setup()): every inbound type routed to a function that
    does nothing (the engine alone is measured; the confirmations are for orders the portal does
    not have), the sandbox network set up and emptied, and the body of one supplier confirmation to
    queue copies of. ``using``: the database the sandbox server runs on, when not the portal's
    (bench.jakamo_elsewhere); the confirmation is still made on the portal's, where the sandbox's
    services run, and only the network is set up there too."""
    from exchange import handlers
    from jakamo.ubl_build import build_order_document
    from sandbox import demo, party, services
    from sandbox.models import CompanyMapping, Integration, Message, Order, UserMapping

    handlers.HANDLERS.clear()
    handlers.HANDLERS.update(
        {(t, kind): lambda inbox, identified: None for kind, types in handlers.IDENTIFIABLE.items() for t in types}
    )
    network = demo.setup_network()
    Message.objects.all().delete()
    Order.objects.filter(order_number=order_number).delete()
    order = services.receive_po_document(network["po"], build_order_document(demo.sample_order(order_number)))
    party.supplier_confirm(order)
    template = Message.objects.filter(integration=network["po"]).latest("id").body
    Message.objects.all().delete()
    if using != "default":
        for model in (Integration, CompanyMapping, UserMapping):  # the same rows and ids there
            for row in model.objects.all():
                row.save(using=using)
        Message.objects.using(using).all().delete()
    return network, template


def sandbox_po_integration(base_url: str, name: str, **fields):
    """A PO integration of the portal on the sandbox at ``base_url`` (after django.setup())."""
    from mappings.models import Integration
    from sandbox import demo

    return Integration.objects.create(
        name=name,
        kind="purchase_order",
        environment="custom",
        base_url=base_url,
        username=demo.PO.username,
        password=demo.PO.password,
        **fields,
    )
