from django.contrib.auth.models import User
from django.core.management import call_command

from sandbox.models import Integration, Order, OrderStatus


def test_demo_setup_creates_people_network_and_orders_and_can_run_twice(db, capsys):
    call_command("demo_setup")
    call_command("demo_setup")
    out = capsys.readouterr().out
    assert "demo-pass-2026" in out and "purchaser" in out
    for username, role in [
        ("purchaser", "Purchasers"),
        ("seller", "Sales"),
        ("integrator", "Integration admins"),
        ("support", "Support"),
    ]:
        user = User.objects.get(username=username)
        assert list(user.groups.values_list("name", flat=True)) == [role] and user.check_password("demo-pass-2026")
    assert Integration.objects.count() == 3
    statuses = set(Order.objects.values_list("status", flat=True))
    assert {
        OrderStatus.WAITING_SUPPLIER,
        OrderStatus.CONFIRMED,
        OrderStatus.WAITING_CUSTOMER,
        OrderStatus.REJECTED,
    } <= statuses
    assert Order.objects.count() == 8
    from mappings.models import Integration as PortalIntegration

    assert sorted(PortalIntegration.objects.values_list("kind", flat=True)) == [
        "asn",
        "purchase_order",
        "sales_order",
        "shiphero",
    ]
    assert PortalIntegration.objects.get(kind="purchase_order").company_mappings.count() == 2
    from orders.models import PurchaseOrder

    assert PurchaseOrder.objects.count() == 6


def test_the_demo_orders_reach_their_states_once_the_queues_are_synced(live_server, settings):
    from exchange import inbox
    from mappings.models import Integration as PortalIntegration
    from orders.models import OrderStatus as PortalStatus
    from orders.models import PurchaseOrder

    call_command("demo_setup", base_url=f"{live_server.url}/sandbox/jakamo")
    for integration in PortalIntegration.objects.exclude(kind="shiphero"):
        assert inbox.sync(integration.pk).status == "done"
    statuses = dict(PurchaseOrder.objects.values_list("order_number", "status"))
    assert statuses == {
        "DEMO-1001": PortalStatus.WAITING_SUPPLIER,
        "DEMO-1002": PortalStatus.CONFIRMED,
        "DEMO-1003": PortalStatus.WAITING_CUSTOMER,
        "DEMO-1004": PortalStatus.WAITING_SUPPLIER,
        "DEMO-1005": PortalStatus.REJECTED,
        "DEMO-1006": PortalStatus.CONFIRMED,
    }
    assert PurchaseOrder.objects.get(order_number="DEMO-1006").lines.get(line_id="1").tracking_number == "JJFI123456789"


def test_demo_setup_prints_the_shiphero_endpoint_and_its_secret(db, capsys):
    from mappings.models import Integration as PortalIntegration

    call_command("demo_setup")
    out = capsys.readouterr().out
    shiphero = PortalIntegration.objects.get(kind="shiphero")
    assert f"/hooks/shiphero/{shiphero.pk}/" in out
    assert shiphero.webhook_secret in out


def test_make_demo_ends_cleanly_on_ctrl_c(tmp_path):
    """Ctrl-C is how the demo stops: `make demo` must end with status 0, not make's "Error 130".
    Run in a pseudo-terminal, where Ctrl-C is the terminal's, with a stand-in venv (its python does
    nothing, its honcho waits for Ctrl-C and exits 130 as honcho does)."""
    import os
    import pty
    import select
    import shutil
    import sys
    import time
    from pathlib import Path

    import pytest

    if not shutil.which("make") or not shutil.which("bash"):
        pytest.skip("make or bash is not installed")
    root = Path(__file__).resolve().parents[2]
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").write_text("#!/bin/sh\nexit 0\n")
    (venv / "bin" / "honcho").write_text(
        f"#!{sys.executable}\n"
        "import signal, sys, time\n"
        "signal.signal(signal.SIGINT, lambda *_: sys.exit(130))\n"
        "print('honcho is up', flush=True)\n"
        "time.sleep(30)\n"
    )
    for script in (venv / "bin").iterdir():
        script.chmod(0o755)
    (venv / ".installed").touch()
    pid, terminal = pty.fork()
    if pid == 0:  # pragma: no cover - the child becomes make
        os.execvp("make", ["make", "--no-print-directory", "-C", str(root), "demo", f"VENV={venv}"])
    out, interrupted, deadline = b"", False, time.monotonic() + 30
    while time.monotonic() < deadline:
        if select.select([terminal], [], [], 0.2)[0]:
            try:
                chunk = os.read(terminal, 4096)
            except OSError:  # the terminal closed: make has ended
                break
            out += chunk
        if b"honcho is up" in out and not interrupted:
            os.write(terminal, b"\x03")  # Ctrl-C
            interrupted = True
    _, status = os.waitpid(pid, 0)
    assert interrupted, out.decode(errors="replace")
    assert os.waitstatus_to_exitcode(status) == 0, out.decode(errors="replace")
    assert b"Error" not in out and b"Interrupt" not in out
