"""``python manage.py run_cluster``: django-q2's ``qcluster`` in a process group of its own, stopped
the one way it stops cleanly.

django-q2 stops in about two seconds when its *main* process gets SIGTERM or SIGINT: the main tells
its sentinel, which stops the pusher, lets the workers finish and stops the monitor. When the whole
process group gets SIGTERM (honcho's Ctrl-C, ``kill -- -PGID``, systemd's default KillMode), the
sentinel and the workers die at once while the main waits on them, and the cluster hangs until it
is SIGKILLed. This command runs ``qcluster`` in a new session, so signals meant for a group reach
only this process, and passes SIGTERM/SIGINT to the cluster's main process alone. If the cluster has
not stopped ``--grace`` seconds later (a sync is mid-run: it is safe to kill, the next run resumes
it), its whole group is SIGKILLed. If this process dies, the kernel sends the cluster SIGTERM. On
start it queues a tick at once and one more after a lease's length, so a cluster restarted after a
crash resumes its queues in seconds."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

PR_SET_PDEATHSIG = 1


def _die_with_parent():  # runs in the child between fork and exec
    # Not Linux: a killed wrapper leaves the cluster to its supervisor.
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class Command(BaseCommand):
    def _resume_queues_soon(self):
        """A cluster (re)started after a crash resumes its queues now and again once a dead run's
        lease has run out, not at the next minute's tick: the tick starts what is due and skips a
        queue whose lease is still held."""
        from datetime import timedelta

        from django.db import DatabaseError
        from django.utils import timezone
        from django_q.models import Schedule
        from django_q.tasks import async_task, schedule

        try:
            async_task("exchange.tasks.tick", task_name="tick-on-start", group="tick")
            schedule(
                "exchange.tasks.tick",
                name=f"tick-after-start-{os.getpid()}",
                schedule_type=Schedule.ONCE,
                next_run=timezone.now() + timedelta(seconds=settings.JAKAMO_SYNC_LEASE_SECONDS + 1),
            )
        except DatabaseError as exc:  # the cluster's own schedule will do it when the database is back
            self.stderr.write(f"run_cluster: could not queue a tick on start: {exc}")

    help = "Run the django-q2 cluster so that SIGTERM to this process or its whole group stops it cleanly."

    def add_arguments(self, parser):
        parser.add_argument(
            "--grace", type=float, default=20.0, help="Seconds the cluster gets to stop before it is SIGKILLed"
        )

    def handle(self, *args, grace: float, **options):
        cluster = subprocess.Popen(
            [sys.executable, str(settings.BASE_DIR / "manage.py"), "qcluster"],
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        self._resume_queues_soon()
        stopping: list[float] = []

        def stop(signum, frame):
            if not stopping:
                stopping.append(time.monotonic())
                self.stderr.write(
                    f"run_cluster: {signal.Signals(signum).name}, stopping the cluster (pid {cluster.pid})"
                )
                os.kill(cluster.pid, signal.SIGTERM)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        while cluster.poll() is None:
            if stopping and time.monotonic() - stopping[0] > grace:
                self.stderr.write(f"run_cluster: the cluster did not stop within {grace:.0f} s; killing it")
                os.killpg(cluster.pid, signal.SIGKILL)
            time.sleep(0.2)
        # Whatever the main left behind (workers it could not stop) goes with it.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(cluster.pid, signal.SIGKILL)
        if stopping:
            self.stderr.write(f"run_cluster: stopped in {time.monotonic() - stopping[0]:.1f} s")
            return
        sys.exit(cluster.returncode or 1)
