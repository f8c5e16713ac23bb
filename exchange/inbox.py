"""Draining a remote queue: GET → store raw (durable) → acknowledge → parse and hand over.

Rules (DESIGN "Rules that keep data safe"): the raw message is committed before it is
acknowledged, and acknowledged before it is parsed, so an unreadable message never blocks the
queue. Every step is idempotent: after a crash between store and ack the same message comes again
and is recognised by its acknowledge URI (only acked); a message Jakamo repeats under a new
acknowledge URI is recognised by its content hash and not applied twice.

Queue order is apply order. A message is applied in the transaction that records its acknowledge;
one that a crash or a lost connection left stored but unapplied (acknowledged at Jakamo or not) is
applied by the next run *before* it fetches anything, so nothing stored later can overtake it.

Only one worker drains a queue at a time: it holds a short lease on the integration's sync state,
claimed by a conditional UPDATE that must change exactly one row. A heartbeat thread renews it
while the run waits on Jakamo, and each message's transaction renews it again as a fence (a worker
that lost its lease cannot commit). A run that fails on anything it survives releases the lease at
once; a killed one's lease runs out within ``JAKAMO_SYNC_LEASE_SECONDS``."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from common import errors
from jakamo.errors import DocumentError, JakamoError, JakamoHTTPError, QueueMessage
from mappings.models import Integration

from . import handlers, transitions
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


# A lost or refused database connection is no property of the message being applied: the run
# stops and the next one applies the message in its place, instead of marking it failed.
CONNECTION_LOST = (OperationalError, InterfaceError)


class LeaseLost(Exception):
    """Another worker holds the queue now: this run must not commit anything more."""

    code = "lease_lost"


class Refused(errors.Refused):
    """A person's request about a message that is refused; ``code`` says why (common.errors)."""

    def __init__(self, code: str, message, *, superseded_by: InboxMessage | None = None):
        super().__init__(code, message)
        self.superseded_by = superseded_by


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


class Lease:
    """A claimed lease kept alive by a heartbeat thread (its own database connection) while the run
    waits on Jakamo, so the lease can be short: a killed worker's runs out in seconds."""

    def __init__(self, integration_id: int, owner: str):
        self.integration_id, self.owner = integration_id, owner
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"lease-{integration_id}", daemon=True)

    def __enter__(self) -> Lease:
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join(timeout=lease_seconds())

    def _beat(self):
        try:
            while not self._stop.wait(lease_seconds() / 4):
                try:
                    if not renew(self.integration_id, self.owner):
                        self.lost.set()
                        return
                except DatabaseError:
                    log.warning("lease heartbeat of integration %s: database error", self.integration_id)
                    connection.close()  # the next beat connects anew
        finally:
            connection.close()

    def fence(self):
        """Inside the transaction that applies a message: prove the lease is still this run's. On
        PostgreSQL the renewed row stays locked until the commit, so a worker claiming the queue
        meanwhile waits, then finds the lease extended."""
        if self.lost.is_set() or not renew(self.integration_id, self.owner):
            self.lost.set()
            raise LeaseLost(f"Lost the sync lease of integration {self.integration_id}.")


# -- storing, acknowledging, processing -----------------------------------------------------------
def store(
    integration: Integration, message: QueueMessage, run: SyncRun | None, fetch_ms: int = 0
) -> tuple[InboxMessage, bool]:
    """Commit the raw message (one transaction, with the fetch attempt). Returns (row, needs_processing)."""
    digest = content_hash(message.body)
    uri = message.acknowledge_uri
    with transaction.atomic():
        # One lookup for both ways of having seen it: the same acknowledge URI (a crash before the
        # ack, or an ack Jakamo dropped; duplicates included, so a duplicate whose acknowledge
        # failed is not stored twice) or the same content (Jakamo repeating a cleared message; the
        # original is the oldest such row, and no duplicate is older than its original).
        seen = (
            InboxMessage.objects.select_for_update()
            .filter(integration=integration)
            .filter(Q(acknowledge_uri=uri) | (Q(content_hash=digest) & ~Q(status=InboxMessage.Status.DUPLICATE)))
            .order_by(
                Case(When(acknowledge_uri=uri, then=Value(0)), default=Value(1), output_field=IntegerField()), "id"
            )
            .only("id", "status", "acknowledge_uri", "document_type", "document_key", "sync_run_id")
            .first()
        )
        if seen is not None and seen.acknowledge_uri == uri:
            updates = {"times_seen": F("times_seen") + 1}
            if run is not None and seen.sync_run_id is None:
                # Pushed by Jakamo's webhook and now met in the queue: the run's from here on, so that
                # a crash after its acknowledge has it resumed first, like anything else the run fetched.
                updates["sync_run"] = seen.sync_run = run
            InboxMessage.objects.filter(pk=seen.pk).update(**updates)
            return seen, seen.status in (InboxMessage.Status.RECEIVED, InboxMessage.Status.ACKNOWLEDGED)
        original = seen
        row = transitions.create(
            InboxMessage,
            status=InboxMessage.Status.DUPLICATE if original else InboxMessage.Status.RECEIVED,
            integration=integration,
            sync_run=run,
            body=message.body,
            content_type=message.content_type[:100],
            headers=redact_headers(message.headers, integration.secrets()),
            content_hash=digest,
            acknowledge_uri=uri[:500],
            confirm_url=message.confirm_url[:500],
            order_number_header=message.order_number[:200],
            duplicate_of=original,
            document_type=original.document_type if original else "",
            document_key=original.document_key if original else message.order_number[:200],
            fetch_ms=fetch_ms,
        )
    return row, original is None


def acknowledge(client, row: InboxMessage) -> Attempt:
    """POST to the acknowledge URI, outside any transaction (never hold one across a network
    call). Returns the unsaved attempt; the caller saves it with the row's new state. A crash
    before that commit leaves the row RECEIVED, and the next run applies it before anything else."""
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


def record_acknowledged(row: InboxMessage, attempt: Attempt, *, will_process: bool = False, via: str = ""):
    """Save the acknowledge attempt and the row's new state. When the row is processed right
    after, in the same transaction, that move carries the acknowledge time (one write fewer)."""
    attempt.save()
    now = timezone.now()
    if row.status == InboxMessage.Status.RECEIVED:
        row.acknowledged_at = now
        if not will_process:
            transitions.move(row, InboxMessage.Status.ACKNOWLEDGED, via=via, acknowledged_at=now)
    elif row.acknowledged_at is None:
        # Applied by a resumed run before Jakamo gave it back for this acknowledge.
        row.acknowledged_at = now
        InboxMessage.objects.filter(pk=row.pk, acknowledged_at__isnull=True).update(acknowledged_at=now)


def process(row: InboxMessage, *, via: str = "", why: str = "", by=None) -> bool:
    """Parse and hand to the owning app. A failure of the message is recorded on the row, never
    raised; a lost database connection is raised (the message is not at fault: it stays unapplied
    and the next run applies it first), and so is a move someone else made first."""
    integration = row.integration
    try:
        identified = handlers.identify(bytes(row.body), row.content_type, integration.kind)
        row.document_type = identified.document_type[:30]
        row.document_key = identified.key[:200]
        row.partner = identified.partner[:200]
        with transaction.atomic():  # a savepoint when called inside the run's transaction
            handlers.handle(row, identified)
            transitions.move(
                row,
                InboxMessage.Status.PROCESSED,
                by=by,
                why=why,
                via=via,
                document_type=row.document_type,
                document_key=row.document_key,
                partner=row.partner,
                error="",
                processed_at=timezone.now(),
                acknowledged_at=row.acknowledged_at,
            )
        return True
    except (*CONNECTION_LOST, transitions.TransitionError):
        raise
    except (DocumentError, JakamoError) as exc:
        reason = str(exc)
    except Exception:  # a bug in a handler must not lose the message or stop the queue
        log.exception("processing inbox message %s failed", row.pk)
        # The exception's own words (a database error, Python's) are for the log, not for people.
        reason = _(
            "The portal could not apply this message because of an error of its own (logged for the "
            "developers as message %(pk)s); the message is kept and can be reprocessed once that is fixed."
        ) % {"pk": row.pk}
    transitions.move(
        row,
        InboxMessage.Status.FAILED,
        by=by,
        why=why or reason[:500],
        via=via,
        acknowledged_at=row.acknowledged_at,
        error=reason[:5000],
        document_type=row.document_type,
        document_key=row.document_key,
        partner=row.partner,
    )
    return False


# Documents that carry the whole order, so that a later one replaces an earlier one outright: the
# supplier's answer (OrderResponse), and on the supplier's side the customer's order and its changes.
# A Delivered or an ASN may be about other lines or another shipment, so it supersedes nothing.
SUPERSEDED_BY = {
    "OrderResponse": ("OrderResponse",),
    "Order": ("Order", "OrderChange"),
    "OrderChange": ("Order", "OrderChange"),
}


def superseded_by(row: InboxMessage) -> InboxMessage | None:
    """A later message about the same order on the same queue, applied, that replaces ``row``
    outright: applying ``row`` now would put an older answer over a newer one."""
    later_types = SUPERSEDED_BY.get(row.document_type)
    if row.status == InboxMessage.Status.PROCESSED or not row.document_key or not later_types:
        return None
    return (
        InboxMessage.objects.filter(
            integration_id=row.integration_id,
            document_key=row.document_key,
            document_type__in=later_types,
            status=InboxMessage.Status.PROCESSED,
            pk__gt=row.pk,
        )
        .order_by("-id")
        .first()
    )


def reprocess(row: InboxMessage, user=None) -> bool:
    from .models import AuditEntry

    if row.body_removed_at:
        raise Refused(
            "body_removed",
            f"The body of this message was removed by retention on {row.body_removed_at:%Y-%m-%d}; "
            "there is nothing left to reprocess.",
        )
    later = superseded_by(row)
    if later is not None:
        raise Refused(
            "superseded",
            f"A later {later.document_type} about {later.document_key} (message {later.pk}) has been applied; "
            "applying this older one now would put an answer that is no longer current over it.",
            superseded_by=later,
        )
    AuditEntry.objects.create(user=user, action="reprocess", inbox=row, note=f"status was {row.status}")
    return process(row, by=user, why="reprocessed by a person", via="reprocess")


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
        run = transitions.create(SyncRun, status=SyncRun.Status.RUNNING, integration=integration, triggered_by=user)
    if not integration.is_jakamo or integration.queue is None:
        return _finish(run, SyncRun.Status.FAILED, "This integration has no queue to drain.", code="no_queue")
    if not claim(integration.pk, owner):
        return _finish(run, SyncRun.Status.SKIPPED, "Another sync of this integration is running.", code="lease_taken")
    try:
        with Lease(integration.pk, owner) as lease:
            return _drain(integration, run, owner, lease, max_messages, max_seconds)
    except LeaseLost:
        return _finish(run, SyncRun.Status.FAILED, "Lost the sync lease.", integration, owner, code="lease_lost")
    except DatabaseError as exc:
        # The connection is gone or the database refused: hand the queue over now, on a new
        # connection, rather than making the next run wait for the lease to run out.
        log.warning("sync of integration %s stopped on a database error: %s", integration.pk, exc)
        connection.close()
        reason = f"The database connection failed mid-run ({type(exc).__name__}); the next run resumes here."
        return _finish(run, SyncRun.Status.FAILED, reason, integration, owner, code="database")
    except BaseException:
        with contextlib.suppress(DatabaseError):  # if not, the lease runs out by itself in seconds
            release(integration.pk, owner)
        raise


def _drain(integration, run, owner, lease, max_messages, max_seconds) -> SyncRun:
    via = f"sync run {run.pk}"
    # Holding the lease means no other worker is alive on this queue: a run still marked running
    # belonged to a worker that was killed or crashed mid-way.
    for dead in SyncRun.objects.filter(integration=integration, status=SyncRun.Status.RUNNING).exclude(pk=run.pk):
        with contextlib.suppress(transitions.StatusChanged):
            transitions.move(
                dead,
                SyncRun.Status.FAILED,
                via=via,
                why="its worker stopped mid-run",
                finished_at=timezone.now(),
                error="Interrupted: the worker stopped mid-run (killed or crashed). Nothing was lost; the next "
                "run applied what it had stored first.",
            )
    _resume_stored(integration, run, lease, via)
    deadline = time.monotonic() + max_seconds
    client = integration.client()
    last_ack, repeats = None, 0
    last_progress = time.monotonic()
    try:
        while run.fetched < max_messages and time.monotonic() < deadline:
            if lease.lost.is_set():
                raise LeaseLost()
            started = time.monotonic()
            message = client.get_message(integration.queue)
            if message is None:
                _apply_pushed(integration, run, lease, via)
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
                return _finish(run, SyncRun.Status.STUCK, reason, integration, owner, code="stuck")
            attempt = acknowledge(client, row)
            # Everything after the acknowledge commits together: one commit per message.
            with transaction.atomic():
                lease.fence()
                record_acknowledged(row, attempt, will_process=needs_processing, via=via)
                if row.status == InboxMessage.Status.DUPLICATE:
                    run.duplicates += 1
                elif needs_processing:
                    if process(row, via=via):
                        run.processed += 1
                    else:
                        run.failed += 1
                now = time.monotonic()
                if now - last_progress >= PROGRESS_EVERY_SECONDS:
                    last_progress = now
                    SyncRun.objects.filter(pk=run.pk).update(
                        fetched=run.fetched, processed=run.processed, failed=run.failed, duplicates=run.duplicates
                    )
    except JakamoHTTPError as exc:
        reason = exc.explanation.explanation if exc.explanation else str(exc)
        return _finish(run, SyncRun.Status.FAILED, reason, integration, owner, code="jakamo")
    return _finish(run, SyncRun.Status.DONE, "", integration, owner)


def _resume_stored(integration: Integration, run: SyncRun, lease: Lease, via: str):
    """Apply, in the order they were stored, the messages an earlier run stored but did not apply
    (a kill or a lost connection between its store and its commit), before fetching anything: a
    message queued after them must never be applied before them. Whether Jakamo took their
    acknowledge or not does not matter: if not, the queue gives them back and they are only
    acknowledged then."""
    leftovers = (
        InboxMessage.objects.filter(
            integration=integration, status__in=[InboxMessage.Status.RECEIVED, InboxMessage.Status.ACKNOWLEDGED]
        )
        # Pushed by Jakamo's webhook, not fetched by a run: not older than what the queue still holds,
        # so applied where the drain meets its entry, or after the drain (exchange.webhooks).
        .exclude(sync_run__isnull=True, status=InboxMessage.Status.RECEIVED)
        .order_by("id")
    )
    for row in leftovers:
        with transaction.atomic():
            lease.fence()
            if process(row, via=via, why="resumed: an earlier run stored it and stopped before applying it"):
                run.processed += 1
            else:
                run.failed += 1


def _apply_pushed(integration: Integration, run: SyncRun, lease: Lease, via: str):
    """With the queue drained, apply in the order stored what Jakamo's webhook pushed and the queue
    no longer holds (removed on success, or acknowledged by a run that was killed before applying
    it): everything queued before them has been applied now (exchange.webhooks)."""
    pushed = InboxMessage.objects.filter(
        integration=integration, sync_run__isnull=True, status=InboxMessage.Status.RECEIVED
    ).order_by("id")
    for row in pushed:
        with transaction.atomic():
            lease.fence()
            if process(row, via=via, why="pushed by Jakamo's webhook; applied after the queue drained"):
                run.processed += 1
            else:
                run.failed += 1


def _finish(
    run: SyncRun, status: str, error: str, integration: Integration | None = None, owner: str = "", *, code: str = ""
) -> SyncRun:
    finished_at = timezone.now()
    try:
        transitions.move(
            run,
            status,
            why=error[:500],
            via=f"sync run {run.pk}",
            error=error,
            error_code=code,
            finished_at=finished_at,
            fetched=run.fetched,
            processed=run.processed,
            failed=run.failed,
            duplicates=run.duplicates,
        )
    except transitions.StatusChanged:
        # Another worker closed it as interrupted (this one had lost its lease): keep its verdict.
        run.refresh_from_db()
    if integration is not None:
        updates = {"last_sync_at": finished_at}
        if status == SyncRun.Status.DONE:
            updates.update(last_success_at=finished_at, consecutive_failures=0, stuck_reason="", stuck_since=None)
        elif status in (SyncRun.Status.FAILED, SyncRun.Status.STUCK):
            updates["consecutive_failures"] = F("consecutive_failures") + 1
        SyncState.objects.filter(integration_id=integration.pk).update(**updates)
        release(integration.pk, owner)
    return run


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
