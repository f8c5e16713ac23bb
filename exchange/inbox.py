"""Draining a remote queue: GET → store raw (durable) → acknowledge → parse and hand over.

Rules (DESIGN "Rules that keep data safe"): the raw message is committed before it is
acknowledged, and acknowledged before it is parsed, so an unreadable message never blocks the
queue. Every step is idempotent: after a crash between store and ack the same message comes again
and is recognised by its acknowledge URI (only acked, and processed if it never was); a message
Jakamo repeats under a new acknowledge URI is recognised by its content hash and not applied twice.
Only one worker drains a queue at a time: it holds a lease on the integration row, claimed by a
conditional UPDATE that must change exactly one row, and renewed as it goes, so a killed worker's
lease simply runs out."""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from jakamo.errors import DocumentError, JakamoError, JakamoHTTPError, QueueMessage
from mappings.models import Integration

from . import handlers
from .models import Attempt, InboxMessage, SyncRun, SyncState
from .redact import redact_headers

log = logging.getLogger(__name__)

MAX_MESSAGES_PER_RUN = 1000
# Ends well before django-q2's timeout (300 s), so a run is never killed half-way by the cluster.
MAX_SECONDS_PER_RUN = 240
# The same message (same acknowledge URI) this many times in a row after acknowledging it: the
# acknowledge is not taking, and looping would only fetch it again.
STUCK_AFTER_REPEATS = 5
# The "Sync now" page polls once a second; counters are written at most this often.
PROGRESS_EVERY_SECONDS = 0.5


def content_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


# -- the lease ----------------------------------------------------------------------------------
def lease_seconds() -> float:
    return settings.JAKAMO_SYNC_LEASE_SECONDS


def claim(integration_id: int, owner: str, seconds: float | None = None) -> bool:
    now = timezone.now()
    seconds = lease_seconds() if seconds is None else seconds
    SyncState.of(integration_id)
    return (
        SyncState.objects.filter(integration_id=integration_id)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=now + timedelta(seconds=seconds), owner=owner)
        == 1
    )


def renew(integration_id: int, owner: str) -> bool:
    return (
        SyncState.objects.filter(integration_id=integration_id, owner=owner).update(
            lease_until=timezone.now() + timedelta(seconds=lease_seconds())
        )
        == 1
    )


def release(integration_id: int, owner: str):
    SyncState.objects.filter(integration_id=integration_id, owner=owner).update(lease_until=None, owner="")


def resume(integration: Integration):
    """A person has dealt with a stuck queue: let the schedule sync it again."""
    SyncState.objects.filter(integration_id=integration.pk).update(stuck_reason="", stuck_since=None)


# -- storing, acknowledging, processing -----------------------------------------------------------
def store(
    integration: Integration, message: QueueMessage, run: SyncRun | None, fetch_ms: int = 0
) -> tuple[InboxMessage, bool]:
    """Commit the raw message (one transaction, with the fetch attempt). Returns (row, needs_processing)."""
    digest = content_hash(message.body)
    with transaction.atomic():
        # One lookup for both ways of having seen it: the same acknowledge URI (a crash before the
        # ack, or an ack Jakamo dropped) or the same content (Jakamo repeating a cleared message).
        seen = list(
            InboxMessage.objects.select_for_update()
            .filter(integration=integration)
            .filter(Q(acknowledge_uri=message.acknowledge_uri) | Q(content_hash=digest))
            .exclude(status=InboxMessage.Status.DUPLICATE)
            .order_by("id")
            .only("id", "status", "acknowledge_uri", "document_type", "document_key")[:10]
        )
        same = next((r for r in seen if r.acknowledge_uri == message.acknowledge_uri), None)
        if same is not None:
            InboxMessage.objects.filter(pk=same.pk).update(times_seen=F("times_seen") + 1)
            return same, same.status in (InboxMessage.Status.RECEIVED, InboxMessage.Status.ACKNOWLEDGED)
        original = seen[0] if seen else None
        row = InboxMessage.objects.create(
            integration=integration,
            sync_run=run,
            body=message.body,
            content_type=message.content_type[:100],
            headers=redact_headers(message.headers, integration.secrets()),
            content_hash=digest,
            acknowledge_uri=message.acknowledge_uri[:500],
            confirm_url=message.confirm_url[:500],
            order_number_header=message.order_number[:200],
            status=InboxMessage.Status.DUPLICATE if original else InboxMessage.Status.RECEIVED,
            duplicate_of=original,
            document_type=original.document_type if original else "",
            document_key=original.document_key if original else message.order_number[:200],
            fetch_ms=fetch_ms,
        )
    return row, original is None


def acknowledge(client, row: InboxMessage) -> Attempt:
    """POST to the acknowledge URI, outside any transaction (never hold one across a network
    call). Returns the unsaved attempt; the caller saves it with the row's new state. A crash
    before that commit leaves the row RECEIVED, which ``_recover`` finds."""
    started = time.monotonic()
    try:
        result = client.acknowledge(row.acknowledge_uri)
    except JakamoHTTPError as exc:
        Attempt.objects.create(
            inbox=row,
            action="acknowledge",
            duration_ms=_ms(started),
            http_status=exc.status,
            outcome="error",
            detail=str(exc)[:2000],
        )
        raise
    return Attempt(
        inbox=row, action="acknowledge", duration_ms=result.elapsed_ms, http_status=result.status, outcome="ok"
    )


def record_acknowledged(row: InboxMessage, attempt: Attempt, *, will_process: bool = False):
    """Save the acknowledge attempt and the row's new state. When the row is processed right
    after, in the same transaction, its save there carries the state (one write fewer)."""
    attempt.save()
    if row.status == InboxMessage.Status.RECEIVED:
        row.status = InboxMessage.Status.ACKNOWLEDGED
        row.acknowledged_at = timezone.now()
        if not will_process:
            InboxMessage.objects.filter(pk=row.pk).update(status=row.status, acknowledged_at=row.acknowledged_at)


def process(row: InboxMessage) -> bool:
    """Parse and hand to the owning app. A failure is recorded on the row, never raised."""
    integration = row.integration
    try:
        identified = handlers.identify(bytes(row.body), row.content_type, integration.kind)
        row.document_type = identified.document_type[:30]
        row.document_key = identified.key[:200]
        row.partner = identified.partner[:200]
        with transaction.atomic():  # a savepoint when called inside the run's transaction
            handlers.handle(row, identified)
            row.status = InboxMessage.Status.PROCESSED
            row.error = ""
            row.processed_at = timezone.now()
            row.save(
                update_fields=[
                    "document_type",
                    "document_key",
                    "partner",
                    "status",
                    "error",
                    "processed_at",
                    "acknowledged_at",
                ]
            )
        return True
    except (DocumentError, JakamoError) as exc:
        reason = str(exc)
    except Exception:  # a bug in a handler must not lose the message or stop the queue
        log.exception("processing inbox message %s failed", row.pk)
        # The exception's own words (a database error, Python's) are for the log, not for people.
        reason = _(
            "The portal could not apply this message because of an error of its own (logged for the "
            "developers as message %(pk)s); the message is kept and can be reprocessed once that is fixed."
        ) % {"pk": row.pk}
    InboxMessage.objects.filter(pk=row.pk).update(
        status=InboxMessage.Status.FAILED,
        acknowledged_at=row.acknowledged_at,
        error=reason[:5000],
        document_type=row.document_type,
        document_key=row.document_key,
        partner=row.partner,
    )
    row.status, row.error = InboxMessage.Status.FAILED, reason
    return False


def reprocess(row: InboxMessage, user=None) -> bool:
    from .models import AuditEntry

    if row.body_removed_at:
        raise ValueError(
            f"The body of this message was removed by retention on {row.body_removed_at:%Y-%m-%d}; "
            "there is nothing left to reprocess."
        )
    AuditEntry.objects.create(user=user, action="reprocess", inbox=row, note=f"status was {row.status}")
    return process(row)


# -- a sync run -----------------------------------------------------------------------------------
def sync(
    integration_id: int,
    *,
    user=None,
    max_messages: int = MAX_MESSAGES_PER_RUN,
    max_seconds: float = MAX_SECONDS_PER_RUN,
    run: SyncRun | None = None,
) -> SyncRun:
    """Drain one integration's queue, bounded by count and time. Safe to run twice at once: the
    second finds the lease taken and records a skipped run."""
    integration = Integration.objects.get(pk=integration_id)
    owner = uuid.uuid4().hex
    if run is None:
        run = SyncRun.objects.create(integration=integration, triggered_by=user)
    if not integration.is_jakamo or integration.queue is None:
        return _finish(run, SyncRun.Status.FAILED, "This integration has no queue to drain.")
    if not claim(integration.pk, owner):
        return _finish(run, SyncRun.Status.SKIPPED, "Another sync of this integration is running.")
    # Holding the lease means no other worker is alive on this queue: a run still marked running
    # belonged to a worker that was killed or crashed mid-way.
    SyncRun.objects.filter(integration=integration, status=SyncRun.Status.RUNNING).exclude(pk=run.pk).update(
        status=SyncRun.Status.FAILED,
        finished_at=timezone.now(),
        error="Interrupted: the worker stopped mid-run (killed or crashed). Nothing was lost; the next run "
        "picked up what it had stored.",
    )
    deadline = time.monotonic() + max_seconds
    client = integration.client()
    last_ack, repeats = None, 0
    last_progress = last_renewal = time.monotonic()
    try:
        while run.fetched < max_messages and time.monotonic() < deadline:
            started = time.monotonic()
            message = client.get_message(integration.queue)
            if message is None:
                _recover(integration, run)
                break
            row, needs_processing = store(integration, message, run, _ms(started))
            run.fetched += 1
            repeats = repeats + 1 if message.acknowledge_uri == last_ack else 0
            last_ack = message.acknowledge_uri
            if repeats >= STUCK_AFTER_REPEATS:
                reason = (
                    f"Jakamo returned the same message {repeats + 1} times although it was acknowledged "
                    f"each time (acknowledge URI {message.acknowledge_uri}). The queue is not moving; the "
                    "sync stopped instead of looping. Check with Jakamo support, then resume."
                )
                SyncState.objects.filter(integration_id=integration.pk).update(
                    stuck_reason=reason, stuck_since=timezone.now()
                )
                return _finish(run, SyncRun.Status.STUCK, reason, integration, owner)
            attempt = acknowledge(client, row)
            # Everything after the acknowledge commits together: one commit per message.
            with transaction.atomic():
                record_acknowledged(row, attempt, will_process=needs_processing)
                if row.status == InboxMessage.Status.DUPLICATE:
                    run.duplicates += 1
                elif needs_processing:
                    if process(row):
                        run.processed += 1
                    else:
                        run.failed += 1
                now = time.monotonic()
                if now - last_progress >= PROGRESS_EVERY_SECONDS:
                    last_progress = now
                    SyncRun.objects.filter(pk=run.pk).update(
                        fetched=run.fetched, processed=run.processed, failed=run.failed, duplicates=run.duplicates
                    )
                if now - last_renewal >= lease_seconds() / 4:
                    last_renewal = now
                    if not renew(integration.pk, owner):
                        return _finish(run, SyncRun.Status.FAILED, "Lost the sync lease.", integration, owner)
    except JakamoHTTPError as exc:
        reason = exc.explanation.explanation if exc.explanation else str(exc)
        return _finish(run, SyncRun.Status.FAILED, reason, integration, owner)
    return _finish(run, SyncRun.Status.DONE, "", integration, owner)


def _recover(integration: Integration, run: SyncRun):
    """The queue is empty, so every message stored before this run and still not processed had
    been acknowledged already (else Jakamo would have returned it): a crash struck between the
    acknowledge and the commit after it. Process those now; nothing stored is ever lost."""
    leftovers = InboxMessage.objects.filter(
        integration=integration,
        status__in=[InboxMessage.Status.RECEIVED, InboxMessage.Status.ACKNOWLEDGED],
        received_at__lt=run.started_at,
    ).order_by("id")
    for row in leftovers:
        if row.status == InboxMessage.Status.RECEIVED:
            InboxMessage.objects.filter(pk=row.pk).update(
                status=InboxMessage.Status.ACKNOWLEDGED, acknowledged_at=timezone.now()
            )
        if process(row):
            run.processed += 1
        else:
            run.failed += 1


def _finish(run: SyncRun, status: str, error: str, integration: Integration | None = None, owner: str = "") -> SyncRun:
    run.status, run.error, run.finished_at = status, error, timezone.now()
    run.save()
    if integration is not None:
        updates = {"last_sync_at": run.finished_at}
        if status == SyncRun.Status.DONE:
            updates.update(last_success_at=run.finished_at, consecutive_failures=0, stuck_reason="", stuck_since=None)
        elif status in (SyncRun.Status.FAILED, SyncRun.Status.STUCK):
            updates["consecutive_failures"] = F("consecutive_failures") + 1
        SyncState.objects.filter(integration_id=integration.pk).update(**updates)
        release(integration.pk, owner)
    return run


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
