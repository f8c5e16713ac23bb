"""The task cluster stops cleanly and quickly on SIGTERM to its whole process group (honcho's
Ctrl-C, systemd without KillMode=mixed), which left a bare ``qcluster`` hanging; and the worker unit
sends SIGTERM to the main process only, with a stop timeout in seconds, not minutes."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def process_group(pgid: int) -> list[str]:
    out = subprocess.run(["ps", "-o", "pid=", "-g", str(pgid)], capture_output=True, text=True).stdout
    return out.split()


@pytest.mark.django_db(transaction=True)
def test_sigterm_to_the_whole_group_stops_the_cluster_in_seconds(tmp_path):
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        url = f"sqlite:///{db['NAME']}"
    else:
        url = f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    log = (tmp_path / "cluster.log").open("w+")
    wrapper = subprocess.Popen(
        [sys.executable, "manage.py", "run_cluster", "--grace", "20"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "INFO"},
        start_new_session=True,
        stderr=log,
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while "running." not in (tmp_path / "cluster.log").read_text():
            assert time.monotonic() < deadline and wrapper.poll() is None, (tmp_path / "cluster.log").read_text()
            time.sleep(0.2)
        # A restarted cluster resumes the queues now and once a dead run's lease has run out.
        from django_q.models import Schedule

        assert Schedule.objects.filter(name__startswith="tick-after-start-", func="exchange.tasks.tick").exists()
        started = time.monotonic()
        os.killpg(wrapper.pid, signal.SIGTERM)  # as honcho and systemd's default KillMode do
        wrapper.wait(timeout=15)
        took = time.monotonic() - started
        log.seek(0)
        text = log.read()
        assert wrapper.returncode == 0 and "stopped in" in text and took < 10, text
        cluster_pid = int(text.split("stopping the cluster (pid ")[1].split(")")[0])
        assert process_group(cluster_pid) == []  # not a worker left behind
    finally:
        if wrapper.poll() is None:
            os.killpg(wrapper.pid, signal.SIGKILL)


def test_the_worker_unit_signals_the_main_process_only_and_stops_in_seconds():
    unit = (ROOT / "deploy/jakamo-portal-worker.service").read_text()
    settings = dict(line.split("=", 1) for line in unit.splitlines() if "=" in line and not line.startswith("#"))
    assert settings["KillMode"] == "mixed" and settings["KillSignal"] == "SIGTERM"
    assert "run_cluster" in settings["ExecStart"] and int(settings["TimeoutStopSec"]) <= 30
    assert "run_cluster" in (ROOT / "Procfile").read_text() and "run_cluster" in (ROOT / "Procfile.demo").read_text()
