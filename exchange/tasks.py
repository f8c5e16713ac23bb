"""django-q2 tasks: thin, loaded by id, safe to run twice (the ORM broker is at-least-once)."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from mappings.models import Integration

from . import inbox, outbox


def sync_integration(integration_id: int, run_id: int | None = None, user_id: int | None = None):
    from .models import SyncRun

    run = SyncRun.objects.filter(pk=run_id).first() if run_id else None
    return inbox.sync(integration_id, run=run).pk


def send_outbox_message(outbox_id: int):
    row = outbox.send(outbox_id)
    return row.status if row else "not due"


def tick():
    """Every minute: sync the integrations that are due, send what is due."""
    from django_q.tasks import async_task

    now = timezone.now()
    candidates = (
        Integration.objects.filter(enabled=True, stuck_reason="")
        .exclude(kind="shiphero")
        .filter(Q(sync_lease_until__isnull=True) | Q(sync_lease_until__lt=now))
    )
    for integration in candidates:
        if integration.last_sync_at and integration.last_sync_at > now - timedelta(seconds=integration.poll_interval):
            continue
        async_task("exchange.tasks.sync_integration", integration.pk, task_name=f"sync-{integration.pk}", group="sync")
    _process_stale_pushed()
    return outbox.send_due()


def _process_stale_pushed():
    # Webhook calls are processed by a task queued when they arrive; one lost with a killed worker
    # is picked up here. Imported late: the shipments app builds on the exchange engine.
    from django.apps import apps

    if apps.is_installed("shipments"):
        from shipments.outgoing import process_stale

        process_stale()
