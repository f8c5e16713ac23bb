"""The chaos runs of bench/chaos.py in a reduced size: a misbehaving sandbox (500s, timeouts,
dropped acknowledges, repeats; 503s and "arrived but timed out" on sends) and a worker SIGKILLed
five times (on PostgreSQL also its connections terminated five times). The run checks exactly-once,
queue order per order, every order's final state against the sandbox, empty queues and explained
outbox rows itself; this test holds it to that, and to the queue moving again within 10 s of a kill."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.chaos


def chaos(*args: str) -> str:
    url = os.environ.get("DATABASE_URL", "")
    # A database of the run's own beside the test database, never the test database itself.
    database = (
        ["--database-url", "postgres://postgres@127.0.0.1:5432/jakamo_chaos"] if url.startswith("postgres") else []
    )
    result = subprocess.run(
        [sys.executable, "bench/chaos.py", *args, *database],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    return result.stdout


def test_inbound_chaos_loses_nothing_and_applies_everything_once():
    out = chaos("inbound", "--messages", "150", "--kills", "5")
    assert "RESULT: PASS" in out and "5 SIGKILLs" in out, out
    assert "[FAILED]" not in out
    assert "[ok] per order and queue, messages applied in the order the sandbox queued them" in out
    assert "[ok] every order's final state equals the sandbox's" in out
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        assert "5 connection kills" in out, out
    slowest = float(out.split("kill to queue moving again: max ")[1].split(" s")[0])
    assert slowest < 10, out


def test_outbound_chaos_sends_each_order_exactly_once():
    out = chaos("outbound", "--orders", "60")
    assert "RESULT: PASS" in out and "[FAILED]" not in out, out


def test_inbound_chaos_with_pushes_applies_everything_once_in_queue_order():
    out = chaos("inbound", "--messages", "150", "--kills", "5", "--pushes")
    assert "RESULT: PASS" in out and "[FAILED]" not in out, out
    assert "pushes answered" in out and "'push_repeat'" in out, out
