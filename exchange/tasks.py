"""django-q2 tasks: thin, loaded by id, safe to run twice (the ORM broker is at-least-once)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone

from common import hooks
from mappings.models import Integration, Kind

from . import inbox, outbox, webhooks

# A run cut short by a lost database connection has already released its lease; going again at
# once (on a new connection) keeps the queue moving instead of leaving it to the next tick.
DATABASE_RETRIES = 3


def sync_integration(integration_id: int, run_id: int | None = None, user_id: int | None = None):
    from .models import SyncRun

    run = SyncRun.objects.filter(pk=run_id).first() if run_id else None
    run = inbox.sync(integration_id, run=run)
    for _ in range(DATABASE_RETRIES):
        if run.error_code != "database":
            break
        time.sleep(1)
        run = inbox.sync(integration_id)
    return run.pk


def apply_pushed(integration_id: int):
    """Apply what Jakamo's webhook pushed, in queue order (a sync run)."""
    run = webhooks.apply_pushed(integration_id)
    return run.pk if run else "stuck"


def send_outbox_message(outbox_id: int):
    row = outbox.send(outbox_id)
    return row.status if row else "not due"


# Work other apps want done on every tick, each registered by one line in its AppConfig.ready()
# (exchange: pushed messages whose apply task was lost; shipments: ShipHero calls whose processing task
# was lost with a killed worker).
EVERY_TICK: list[Callable[[], object]] = []


def every_tick(func: Callable[[], object]) -> Callable[[], object]:
    return hooks.register(EVERY_TICK, func, what="for every tick")


def tick():
    """Every minute: sync the integrations that are due, send what is due."""
    from django_q.tasks import async_task

    for integration in due_integrations():
        async_task("exchange.tasks.sync_integration", integration.pk, task_name=f"sync-{integration.pk}", group="sync")
    for func in EVERY_TICK:
        func()
    return outbox.send_due()


def due_integrations(now=None) -> list[Integration]:
    """Enabled, unarchived Jakamo integrations whose queue is not stuck, not leased, not waiting out
    a Retry-After, and due by its interval."""
    now = now or timezone.now()
    due = []
    for integration in (
        Integration.objects.filter(enabled=True, archived_at__isnull=True)
        .exclude(kind=Kind.SHIPHERO)
        .select_related("sync_state")
    ):
        state = getattr(integration, "sync_state", None)
        if state is not None:
            if state.stuck_reason or (state.lease_until and state.lease_until >= now):
                continue
            if state.wait_until and state.wait_until > now:
                continue
            interval = webhooks.poll_interval(integration, state, now)
            if state.last_sync_at and state.last_sync_at > now - timedelta(seconds=interval):
                continue
        due.append(integration)
    return due
