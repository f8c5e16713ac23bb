"""Retention: the raw bodies of settled messages are removed after a configured age; the row, its
metadata, its size and its SHA-256 stay, so the history still says what arrived or left and a copy
held elsewhere can be proven to be the same message.

Only settled rows lose their body: an incoming message that was processed (or was a duplicate), an
outgoing one that was sent. Anything still waiting, failed, blocked, rejected or with
an unknown outcome keeps its body, because a person may yet need to reprocess or resend it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import InboxMessage, OutboxMessage

SETTLED_IN = [InboxMessage.Status.PROCESSED, InboxMessage.Status.DUPLICATE]
# A cancelled message may still be resent, so it keeps its body.
SETTLED_OUT = [OutboxMessage.Status.SENT]


@dataclass
class RetentionResult:
    cutoff: object
    inbox: int = 0
    outbox: int = 0
    bytes_freed: int = 0


def candidates(days: int, now=None):
    cutoff = (now or timezone.now()) - timedelta(days=days)
    inbox = InboxMessage.objects.filter(status__in=SETTLED_IN, received_at__lt=cutoff, body_removed_at__isnull=True)
    outbox = OutboxMessage.objects.filter(status__in=SETTLED_OUT, created_at__lt=cutoff, body_removed_at__isnull=True)
    return cutoff, inbox, outbox


def remove_old_bodies(days: int | None = None, *, now=None, batch: int = 500, dry_run: bool = False):
    days = settings.RETENTION_DAYS if days is None else days
    if days < 1:
        raise ValueError("Retention must keep at least one day of bodies.")
    cutoff, inbox, outbox = candidates(days, now)
    result = RetentionResult(cutoff)
    stamp = timezone.now()
    for model, qs, field in ((InboxMessage, inbox, "inbox"), (OutboxMessage, outbox, "outbox")):
        while True:
            ids = list(qs.order_by("pk").values_list("pk", flat=True)[:batch])
            if not ids:
                break
            if dry_run:
                setattr(result, field, getattr(result, field) + len(ids))
                qs = qs.exclude(pk__in=ids)
                continue
            with transaction.atomic():
                # Locked and re-checked: a message reprocessed meanwhile may have failed.
                rows = list(qs.filter(pk__in=ids).select_for_update())
                for row in rows:
                    body = bytes(row.body)
                    result.bytes_freed += len(body)
                    row.body_size = len(body)
                    if not row.content_hash:
                        row.content_hash = hashlib.sha256(body).hexdigest()
                    row.body = b""
                    row.body_removed_at = stamp
                model.objects.bulk_update(rows, ["body", "body_size", "content_hash", "body_removed_at"])
            setattr(result, field, getattr(result, field) + len(rows))
            if len(rows) < len(ids):
                qs = qs.exclude(pk__in=ids)
    return result
