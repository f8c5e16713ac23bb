"""Scheduled work of the operations side (schedules in migration 0002)."""

import socket

from django.utils import timezone

from . import alerts, digest
from .models import Heartbeat


def watch():
    """Every minute: prove the cluster alive, then check the integrations for alerts."""
    Heartbeat.objects.update_or_create(name="cluster", defaults={"at": timezone.now(), "node": socket.gethostname()})
    return alerts.check()


def daily_digest():
    return digest.send_digests()


def retention():
    from exchange.retention import remove_old_bodies

    result = remove_old_bodies()
    return {"inbox": result.inbox, "outbox": result.outbox, "bytes": result.bytes_freed}
