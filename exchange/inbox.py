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
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Min, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from common import errors
from common.collector import collector_held
from common.limits import Bounds, max_length
from jakamo.errors import DocumentError, JakamoError, JakamoHTTPError, QueueMessage
from mappings.models import Integration

from . import handlers, run_reasons, transitions
from .models import Attempt, InboxMessage, OutboxMessage, SyncRun, SyncState
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
# Stored and not applied yet: what the applier takes, oldest first.
PENDING = (InboxMessage.Status.RECEIVED, InboxMessage.Status.ACKNOWLEDGED)


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
    SyncState.objects.filter(integration_id=integration.pk).update(stuck_reason="", stuck_params={}, stuck_since=None)


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
def transport_problems(message: QueueMessage) -> list:
    """The values of a fetched (or pushed) message's transport that do not fit their column, each
    named by its header and the column's limit (``common.limits``): such a value is never cut, since
    a shortened acknowledge or confirm URL would point somewhere else."""
    bounds = Bounds()
    for value, field, where in (
        (message.content_type, "content_type", "Content-Type"),
        (message.acknowledge_uri, "acknowledge_uri", "X-Acknowledge-Uri"),
        (message.confirm_url, "confirm_url", "Jakamo-Confirm-Url"),
        (message.order_number, "order_number_header", "Jakamo-Order-Number"),
    ):
        bounds.text(value, InboxMessage, field, where)
    return bounds.problems


def store(
    integration: Integration, message: QueueMessage, run: SyncRun | None, fetch_ms: int = 0
) -> tuple[InboxMessage, bool]:
    """Commit the raw message (one insert). Returns (row, needs_processing). Shared by the
    queue reader and the webhook (exchange.webhooks): a fetched row waits, in arrival order, for
    the run's applier; a pushed one for the drain to meet it in the queue, or for the drain's end.

    A transport value too long for its column is not cut: the message is kept as failed with every
    such value named (the whole value stays in its headers and the body is kept), and still
    acknowledged, so it neither blocks the queue nor is lost."""
    digest = content_hash(message.body)
    problems = transport_problems(message)
    fits = {
        name: value if len(value) <= max_length(InboxMessage, name) else ""
        for name, value in (
            ("content_type", message.content_type),
            ("acknowledge_uri", message.acknowledge_uri),
            ("confirm_url", message.confirm_url),
            ("order_number_header", message.order_number),
        )
    }
    # This runs between Jakamo's answer and our acknowledge for every message, so it makes one
    # round trip: the insert, committed on its own (durable before the acknowledge; a transaction
    # would add two round trips). A message seen before is recognised without a lookup first:
    # - the same queue entry (a crash before the acknowledge, or an acknowledge Jakamo dropped) by
    #   its acknowledge URI, unique per integration: the insert is refused and the row counted as
    #   met again. This also settles a push and a fetch of one entry racing each other.
    # - the same content under a new acknowledge URI (Jakamo repeating a cleared message) when the
    #   applier comes to it (``repeat_of``), before anything is applied. A message kept as failed
    #   is never applied, so it is compared here, off the common path.
    original = repeat_of(integration, digest) if problems else None
    if original:
        status = InboxMessage.Status.DUPLICATE
    elif problems:
        status = InboxMessage.Status.FAILED
    else:
        status = InboxMessage.Status.RECEIVED
    error = "; ".join(str(p) for p in problems) if status == InboxMessage.Status.FAILED else ""
    try:
        # Inside a transaction (a webhook push), a savepoint keeps the transaction usable after a refusal.
        with transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext():
            row = transitions.insert(
                InboxMessage,
                status=status,
                integration=integration,
                sync_run=run,
                body=message.body,
                headers=redact_headers(message.headers, integration.secrets()),
                content_hash=digest,
                duplicate_of=original,
                document_type=original.document_type if original else "",
                document_key=original.document_key if original else fits["order_number_header"],
                fetch_ms=fetch_ms,
                error=error,
                **fits,
            )
    except IntegrityError:
        seen = _entry(integration.pk, fits["acknowledge_uri"])
        if seen is None:
            raise
        return _met_again(seen, run)
    return row, status == InboxMessage.Status.RECEIVED


SEEN_FIELDS = (
    "id",
    "status",
    "acknowledge_uri",
    "document_type",
    "document_key",
    "times_seen",
    "sync_run_id",
    "received_at",
)


def _entry(integration_id: int, acknowledge_uri: str) -> InboxMessage | None:
    """The row stored for this queue entry (none when its acknowledge URI did not fit)."""
    if not acknowledge_uri:
        return None
    return (
        InboxMessage.objects.only(*SEEN_FIELDS)
        .filter(integration_id=integration_id, acknowledge_uri=acknowledge_uri)
        .first()
    )


def _met_again(seen: InboxMessage, run: SyncRun | None) -> tuple[InboxMessage, bool]:
    """A message stored before, met again by its acknowledge URI: counted, not stored twice."""
    updates = {"times_seen": F("times_seen") + 1}
    if run is not None and seen.sync_run_id is None:
        # Pushed by Jakamo's webhook and now met in the queue: the run's from here on, so it
        # is applied where the drain meets it (its place in the queue), and a crash after its
        # acknowledge has it resumed first, like anything else the run fetched.
        updates["sync_run"] = seen.sync_run = run
    InboxMessage.objects.filter(pk=seen.pk).update(**updates)
    seen.times_seen += 1
    return seen, seen.status in PENDING


def repeat_of(integration: Integration, digest: str, before: InboxMessage | None = None) -> InboxMessage | None:
    """The message one with content ``digest`` repeats, if it is Jakamo repeating one: the latest
    non-duplicate with the same content (no duplicate is older than its original) stored before
    ``before`` (the row about to be applied; None: anything stored so far), where ``repeats``
    says the same content is the same message."""
    rows = InboxMessage.objects.filter(integration=integration, content_hash=digest).exclude(
        status=InboxMessage.Status.DUPLICATE
    )
    if before is not None:
        rows = rows.filter(pk__lt=before.pk)
    seen = rows.only(*SEEN_FIELDS).order_by("-id").first()
    return seen if seen is not None and repeats(integration, seen, digest, before) else None


# Documents whose text does not tell one message from another: the customer's order and its
# changes carry the order number as their ID and restate the whole order, so the customer may send
# the same text again as a new version (PO document 6.5.2: the ordered values again, our proposed
# changes not taken up; or back to an earlier version after changing it). An OrderResponse, a
# StatusMessage or an ASN read the same only when they are the same message.
RESTATED = ("Order", "OrderChange")


def repeats(integration: Integration, original: InboxMessage, digest: str, before: InboxMessage | None = None) -> bool:
    """Whether a message reading like ``original`` (the latest with its content) is Jakamo repeating
    it. For a restated document, only while nothing had happened to its order since, up to when the
    repeat was stored (``before``; None: now): no other version of it came after, and we sent
    nothing about it since it came (our answer, a delivery). Otherwise it is the customer's new
    version and is applied: Jakamo holds it as one, and waits for us where it differs from what we
    confirmed. A repeat Jakamo served after such a move could not be told from it by anything the
    message carries."""
    if original.document_type not in RESTATED or not original.document_key:
        return True  # not applied yet, or read the same only when it is the same message
    later = InboxMessage.objects.filter(
        integration=integration, document_key=original.document_key, pk__gt=original.pk
    ).exclude(content_hash=digest)
    answered = OutboxMessage.objects.filter(
        integration=integration,
        document_key=original.document_key,
        created_at__gte=original.received_at,
    )
    if before is not None:
        later = later.filter(pk__lt=before.pk)
        answered = answered.filter(created_at__lt=before.received_at)
    return not (later.exists() or answered.exists())


def acknowledge(client, row: InboxMessage, uri: str = "") -> Attempt:
    """POST to the acknowledge URI, outside any transaction (never hold one across a network
    call). Returns the unsaved attempt; the caller saves it with the row's new state. A crash
    before that commit leaves the row RECEIVED, and the next run applies it before anything else."""
    started = time.monotonic()
    try:
        # ``uri``: the one fetched, also when it was too long for the row to keep.
        result = client.acknowledge(uri or row.acknowledge_uri)
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
    """Save the acknowledge attempt and the row's acknowledge time. When the row is applied right
    after, in the same transaction, that move carries the acknowledge time (one write fewer)."""
    attempt.inbox = row
    attempt.save()
    now = timezone.now()
    if row.status == InboxMessage.Status.RECEIVED:
        row.acknowledged_at = now
        if not will_process:
            transitions.move(row, InboxMessage.Status.ACKNOWLEDGED, via=via, acknowledged_at=now)
    elif row.acknowledged_at is None:
        # Applied by a resumed run before Jakamo gave it back for this acknowledge, or kept as a
        # duplicate or as failed when stored.
        row.acknowledged_at = now
        InboxMessage.objects.filter(pk=row.pk, acknowledged_at__isnull=True).update(acknowledged_at=now)


def _header(headers: dict, name: str) -> str:
    return next((str(v) for k, v in (headers or {}).items() if k.lower() == name.lower()), "")


def kept_problems(row: InboxMessage) -> list:
    """A Jakamo-Confirm-Url the row could not keep (too long for its column when stored): the
    message cannot be answered without it, so it is not applied."""
    bounds = Bounds()
    if not row.confirm_url:
        bounds.text(_header(row.headers, "Jakamo-Confirm-Url"), InboxMessage, "confirm_url", "Jakamo-Confirm-Url")
    return bounds.problems


def identified_problems(identified: handlers.Identified) -> list:
    """The values read from the message that do not fit the inbox's columns, each named by what it
    is and the limit of where the portal keeps it: never cut, so a page never shows another order number
    than the one that came."""
    bounds = Bounds()
    bounds.text(identified.document_type, InboxMessage, "document_type", _("document type"))
    bounds.text(identified.key, InboxMessage, "document_key", _("order or shipment number"))
    bounds.text(identified.partner, InboxMessage, "partner", _("partner"))
    return bounds.problems


def process(row: InboxMessage, *, via: str = "", why: str = "", by=None, fence=None, identified=None) -> bool:
    """Parse and hand to the owning app. A failure of the message is recorded on the row, never
    raised; a lost database connection is raised (the message is not at fault: it stays unapplied
    and the next run applies it first), and so is a move someone else made first. ``fence`` runs
    inside each transaction that moves the row (a sync run's lease); ``identified``, the message
    already parsed (outside the transaction, by the applier)."""
    with collector_held():  # a 5,000-line document: see common.collector
        return _process(row, via=via, why=why, by=by, fence=fence, identified=identified)


def _process(row: InboxMessage, *, via: str, why: str, by, fence, identified) -> bool:
    integration = row.integration
    try:
        # Named together with what the parser finds, so a failure lists every problem at once.
        kept = kept_problems(row)
        if identified is None:
            try:
                identified = handlers.identify(bytes(row.body), row.content_type, integration.kind)
            except DocumentError as exc:
                if not kept:
                    raise
                raise DocumentError([*exc.problems, *kept]) from exc
        problems = [*kept, *identified_problems(identified)]
        for field, value in (
            ("document_type", identified.document_type),
            ("document_key", identified.key),
            ("partner", identified.partner),
        ):
            if len(value or "") <= max_length(InboxMessage, field):
                setattr(row, field, value or "")
        if kept:
            raise DocumentError(problems)  # it could not be answered: not handed to the app
        with transaction.atomic():  # a savepoint when called inside the run's transaction
            if fence is not None:
                fence()
            try:
                handlers.handle(row, identified)
            except DocumentError as exc:
                # The app names the elements it refuses by their path: listed first, beside what
                # the inbox itself cannot keep.
                if problems:
                    raise DocumentError([*exc.problems, *problems]) from exc
                raise
            if problems:  # the app's writes are undone with this savepoint
                raise DocumentError(problems)
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
    except (*CONNECTION_LOST, transitions.TransitionError, LeaseLost):
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
    with transaction.atomic():
        if fence is not None:
            fence()
        transitions.move(
            row,
            InboxMessage.Status.FAILED,
            by=by,
            why=why or reason[:500],
            via=via,
            acknowledged_at=row.acknowledged_at,
            error=reason,
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


# -- applying what is stored --------------------------------------------------------------------
# Rows read at a time while applying: a burst after an outage is thousands of stored messages.
APPLY_BATCH = 200
# Messages applied in one transaction when several wait: one commit (one fsync, one hold of
# SQLite's write lock) for all of them, each in a savepoint of its own, so one that fails does not
# undo the others. A crash loses only uncommitted work: those rows are applied again, in order.
APPLY_PER_COMMIT = 25


def _identified(row: InboxMessage):
    """The message parsed ahead of its transaction, or None (then ``process`` parses it again and
    records why it cannot be read)."""
    try:
        with collector_held():
            return handlers.identify(bytes(row.body), row.content_type, row.integration.kind)
    except Exception:
        return None


def _apply_stored(
    integration: Integration,
    fence,
    via: str,
    *,
    acks: dict[int, Attempt] | None = None,
    counts: SyncRun | None = None,
    stop: threading.Event | None = None,
    pushed: bool = False,
) -> tuple[int, int]:
    """Apply every stored, unapplied message of the integration, oldest first,
    fenced by the caller's lease. ``acks`` are acknowledges made since the rows were stored,
    recorded in the transaction that applies each one. Returns (processed, failed).

    Rows Jakamo's webhook pushed and no run has met in the queue yet wait (``pushed`` False): the
    queue may still hold older messages, which must be applied first. With ``pushed`` True, only
    those rows: once the queue is drained, nothing older than them is left (exchange.webhooks)."""
    acks = acks if acks is not None else {}
    processed = failed = 0
    after = 0
    unmet_push = Q(sync_run__isnull=True, status=InboxMessage.Status.RECEIVED)
    while stop is None or not stop.is_set():
        rows = InboxMessage.objects.filter(integration=integration, status__in=PENDING, pk__gt=after)
        rows = rows.filter(unmet_push) if pushed else rows.exclude(unmet_push)
        batch = list(rows.order_by("id")[:APPLY_BATCH])
        if not batch:
            break
        after = batch[-1].pk
        done, bad, stopped = _apply_rows(integration, batch, fence, via, acks=acks, counts=counts, stop=stop)
        processed, failed = processed + done, failed + bad
        if stopped:
            break
    return processed, failed


def _apply_in_order(
    integration: Integration,
    pks: list[int],
    fence,
    via: str,
    *,
    acks: dict[int, Attempt],
    counts: SyncRun | None = None,
    stop: threading.Event | None = None,
    bodies: dict[int, bytes] | None = None,
) -> bool:
    """Apply the stored rows ``pks`` still unapplied, in the order given: the order a run met them
    in Jakamo's queue, which is not their ids' order where a webhook stored one before the run met
    it. ``bodies``: the bodies the fetcher stored, by row, not read back (an 8.6 MB OrderResponse
    took 0.045 s to read again). Returns whether ``stop`` ended it early."""
    pks = list(dict.fromkeys(pks))  # an entry met twice (a dropped acknowledge) is applied once
    bodies = bodies or {}
    for start in range(0, len(pks), APPLY_BATCH):
        chunk = pks[start : start + APPLY_BATCH]
        held = [pk for pk in chunk if pk in bodies]
        pending = InboxMessage.objects.filter(status__in=PENDING).in_bulk([pk for pk in chunk if pk not in bodies])
        if held:
            for pk, row in InboxMessage.objects.filter(status__in=PENDING).defer("body").in_bulk(held).items():
                row.body = bodies[pk]
                pending[pk] = row
        batch = [pending[pk] for pk in chunk if pk in pending]
        if _apply_rows(integration, batch, fence, via, acks=acks, counts=counts, stop=stop)[2]:
            return True
    return False


def _apply_rows(integration, batch, fence, via, *, acks, counts, stop) -> tuple[int, int, bool]:
    """Apply ``batch`` in its order, APPLY_PER_COMMIT rows a transaction, keeping as a duplicate
    what repeats a message stored before it. Returns (processed, failed, whether ``stop`` ended it
    early)."""
    processed = failed = 0
    for row in batch:
        row.integration = integration
    may_repeat = _may_repeat(integration, batch)
    # Parsed before the transaction: no lock is held while the XML is read.
    parsed = [(row, None if row.pk in may_repeat else _identified(row)) for row in batch]
    for start in range(0, len(parsed), APPLY_PER_COMMIT):
        if stop is not None and stop.is_set():
            return processed, failed, True
        with transaction.atomic():
            fence()
            for row, identified in parsed[start : start + APPLY_PER_COMMIT]:
                attempt = acks.pop(row.pk, None)
                if attempt is not None:
                    record_acknowledged(row, attempt, will_process=True, via=via)
                if row.pk in may_repeat:
                    # Decided here, in queue order: an earlier row of this batch may have just
                    # become a duplicate itself, or been applied as a new version of its order.
                    original = repeat_of(integration, row.content_hash, before=row)
                    if original is not None:
                        _keep_as_duplicate(row, original, via)
                        if counts is not None:
                            counts.duplicates += 1
                        continue
                why = "" if attempt is not None else "resumed: stored earlier and not applied yet"
                ok = process(row, via=via, why=why, identified=identified)
                processed, failed = processed + ok, failed + (not ok)
                if counts is not None:
                    counts.processed, counts.failed = counts.processed + ok, counts.failed + (not ok)
    return processed, failed, False


def _may_repeat(integration: Integration, batch: list[InboxMessage]) -> set[int]:
    """The rows of ``batch`` with a non-duplicate of the same content stored before them: one query
    for the batch, so the common case (nothing repeated) costs the applier one round trip."""
    first = dict(
        InboxMessage.objects.filter(integration=integration, content_hash__in={row.content_hash for row in batch})
        .exclude(status=InboxMessage.Status.DUPLICATE)
        .order_by()
        .values_list("content_hash")
        .annotate(first=Min("id"))
    )
    return {row.pk for row in batch if first.get(row.content_hash, row.pk) < row.pk}


def _keep_as_duplicate(row: InboxMessage, original: InboxMessage, via: str):
    transitions.move(
        row,
        InboxMessage.Status.DUPLICATE,
        via=via,
        why=f"the same content as message {original.pk}",
        duplicate_of=original,
        document_type=original.document_type,
        document_key=original.document_key or row.document_key,
        acknowledged_at=row.acknowledged_at,
    )


def _fence(integration_id: int, owner: str):
    if not renew(integration_id, owner):
        raise LeaseLost(f"Lost the sync lease of integration {integration_id}.")


def applies_while_fetching() -> bool:
    """Whether a run's applier works while its fetcher still fetches, or once the fetching ends
    (JAKAMO_APPLY_WHILE_FETCHING, off by default). Alongside, the applier takes the interpreter and
    the database from the fetcher between Jakamo's answer and our acknowledge: bench/drain.py
    measured the drain at 65% of the bare loop on PostgreSQL alongside against 84% with the applier
    starting when the fetching ends, and everything applied sooner too; on SQLite, one writer at a
    time, alongside halved the drain. A run fetches at most MAX_MESSAGES_PER_RUN messages for
    MAX_SECONDS_PER_RUN, which bounds how long a fetched message waits to be applied."""
    return bool(settings.JAKAMO_APPLY_WHILE_FETCHING)


# The bodies the fetcher hands the applier with its rows, at most so many bytes at once (a run
# applies once its fetching ends, by default): beyond that, the applier reads them back.
HELD_BODIES = 64 * 1024 * 1024


class Applier:
    """Applies a run's messages beside its fetcher, in a thread (and a database connection) of its
    own: the fetcher only stores, acknowledges and hands over, so the queue drains at nearly the
    rate Jakamo answers. Only the run holding the lease applies, so this is the one applier of the
    queue: leftovers of a stopped run first, by id, then what the run met, in the queue's order, so
    nothing later overtakes anything earlier. By default it starts when the fetching ends
    (``applies_while_fetching``)."""

    def __init__(self, integration: Integration, run: SyncRun, lease: Lease, via: str):
        self.integration, self.run, self.lease, self.via = integration, run, lease, via
        self.error: BaseException | None = None
        self._cond = threading.Condition()
        self._acks: dict[int, Attempt] = {}
        # Leftovers of an earlier run come first, by id; then what this run meets, in the queue's
        # order (a pushed row met here has a lower id than rows fetched before it).
        self._leftovers = list(
            InboxMessage.objects.filter(integration=integration, status__in=PENDING)
            .exclude(sync_run__isnull=True, status=InboxMessage.Status.RECEIVED)
            .order_by("id")
            .values_list("id", flat=True)
        )
        self._handed: list[int] = []
        self._bodies: dict[int, bytes] = {}
        self._held = 0  # bytes in _bodies
        self._done = False
        self._while_fetching = applies_while_fetching()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._work, name=f"apply-{integration.pk}", daemon=True)

    def __enter__(self) -> Applier:
        self._thread.start()
        return self

    def __exit__(self, exc_type, *exc_info):
        if exc_type is not None:
            self._stop.set()
        with self._cond:
            self._done = True
            self._cond.notify()
        self._thread.join()
        if exc_type is None and self.error is not None:
            raise self.error

    def hand_over(self, row: InboxMessage, attempt: Attempt):
        """The fetcher stored and acknowledged ``row``: apply it (with the acknowledge recorded),
        from the body the fetcher holds where it stored it (a row met again is read back)."""
        with self._cond:
            self._acks[row.pk] = attempt
            self._handed.append(row.pk)
            body = row.__dict__.get("body")
            if body is not None and self._held + len(body) <= HELD_BODIES:
                self._bodies[row.pk] = body
                self._held += len(body)
            if self._while_fetching:
                # Otherwise the applier waits for the fetching to end: woken for every message, it
                # would only take the interpreter from the fetcher on its way to the acknowledge.
                self._cond.notify()

    def check(self):
        """Raise in the fetcher what stopped the applier (a lost connection, a lost lease)."""
        if self.error is not None:
            raise self.error

    def _work(self):
        try:
            while True:
                with self._cond:
                    while not (self._done or (self._while_fetching and self._handed)):
                        self._cond.wait()
                    done = self._done
                    handed, self._handed = self._leftovers + self._handed, []
                    self._leftovers = []
                    acks, self._acks = self._acks, {}
                    bodies, self._bodies, self._held = self._bodies, {}, 0
                if self._stop.is_set():
                    return
                if _apply_in_order(
                    self.integration,
                    handed,
                    self.lease.fence,
                    self.via,
                    acks=acks,
                    counts=self.run,
                    stop=self._stop,
                    bodies=bodies,
                ):
                    return
                if done:
                    # Anything stored and not handed over (an acknowledge that failed), by id.
                    _apply_stored(
                        self.integration, self.lease.fence, self.via, acks=acks, counts=self.run, stop=self._stop
                    )
                for pk, attempt in acks.items():  # acknowledged, but applied by someone else already
                    row = InboxMessage.objects.filter(pk=pk).first()
                    if row is not None:
                        record_acknowledged(row, attempt, via=self.via)
                if done:
                    return
        except BaseException as exc:  # handed to the fetcher, which stops the run with it
            self.error = exc
        finally:
            connection.close()


# -- a sync run -----------------------------------------------------------------------------------
def sync(
    integration_id: int,
    *,
    user=None,
    max_messages: int = MAX_MESSAGES_PER_RUN,
    max_seconds: float = MAX_SECONDS_PER_RUN,
    run: SyncRun | None = None,
) -> SyncRun:
    """Drain one integration's queue, bounded by count and time, and apply what it stored. Safe to
    run twice at once: the second finds the lease taken and records a skipped run."""
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
        return _finish(
            run, SyncRun.Status.FAILED, "", integration, owner, code="database", params={"kind": type(exc).__name__}
        )
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
                error=_in_english("interrupted", {}),
                error_code="interrupted",
            )
    stuck = failure = None
    with Applier(integration, run, lease, via) as applier:
        failure, stuck, drained = _fetch(integration, run, lease, applier, via, max_messages, max_seconds)
    if drained:
        # The queue is empty: what Jakamo's webhook pushed and the queue no longer holds (removed on
        # success, or acknowledged by a run killed before applying it) is newer than anything
        # applied, so it is applied now, in the order stored.
        _apply_stored(integration, lease.fence, via, counts=run, pushed=True)
    if stuck:
        SyncState.objects.filter(integration_id=integration.pk).update(
            stuck_reason=_in_english("stuck", stuck), stuck_params=stuck, stuck_since=timezone.now()
        )
        return _finish(run, SyncRun.Status.STUCK, "", integration, owner, code="stuck", params=stuck)
    if failure is not None:
        reason = failure.explanation.explanation if failure.explanation else str(failure)
        return _finish(
            run, SyncRun.Status.FAILED, "", integration, owner, code="jakamo", params={"error": reason}, wait=failure
        )
    return _finish(run, SyncRun.Status.DONE, "", integration, owner)


def _fetch(integration, run, lease, applier, via, max_messages, max_seconds):
    """The step that talks to Jakamo: GET the head of the queue, store it (committed), acknowledge
    it, hand it to the applier; nothing else waits in this loop. Returns (Jakamo's error, the
    reason the queue is stuck as run_reasons' parameters, whether the queue was found empty)."""
    deadline = time.monotonic() + max_seconds
    client = integration.client()
    last_ack, repeats = None, 0
    last_progress = time.monotonic()
    try:
        while run.fetched < max_messages and time.monotonic() < deadline:
            if lease.lost.is_set():
                raise LeaseLost()
            applier.check()
            started = time.monotonic()
            message = client.get_message(integration.queue)
            if message is None:
                return None, None, True
            row, needs_processing = store(integration, message, run, _ms(started))
            run.fetched += 1
            repeats = repeats + 1 if message.acknowledge_uri == last_ack else 0
            last_ack = message.acknowledge_uri
            if repeats >= STUCK_AFTER_REPEATS:
                return None, {"times": repeats + 1, "uri": message.acknowledge_uri}, False
            attempt = acknowledge(client, row, message.acknowledge_uri)
            if needs_processing:
                applier.hand_over(row, attempt)
            else:
                if row.status == InboxMessage.Status.DUPLICATE:
                    run.duplicates += 1
                elif row.status == InboxMessage.Status.FAILED and row.times_seen == 1:
                    run.failed += 1
                record_acknowledged(row, attempt, via=via)
            now = time.monotonic()
            if now - last_progress >= PROGRESS_EVERY_SECONDS:
                last_progress = now
                SyncRun.objects.filter(pk=run.pk).update(
                    fetched=run.fetched, processed=run.processed, failed=run.failed, duplicates=run.duplicates
                )
    except JakamoHTTPError as exc:
        return exc, None, False
    return None, None, False


def _finish(
    run: SyncRun,
    status: str,
    error: str,
    integration: Integration | None = None,
    owner: str = "",
    *,
    code: str = "",
    params: dict | None = None,
    wait: JakamoHTTPError | None = None,
) -> SyncRun:
    """Close the run. ``error`` is said by ``code`` and ``params`` where run_reasons knows the code
    (stored in English too, for searches); each reader gets it in their language (SyncRun.reason)."""
    finished_at = timezone.now()
    params = dict(params or {})
    if wait is not None and wait.retry_after:
        until = finished_at + timedelta(seconds=wait.retry_after)
        params.update(
            wait_seconds=f"{wait.retry_after:g}", wait_until=timezone.localtime(until).strftime("%Y-%m-%d %H:%M:%S")
        )
    if code:
        error = _in_english(code, params, error)
    try:
        transitions.move(
            run,
            status,
            why=error[:500],
            via=f"sync run {run.pk}",
            error=error,
            error_code=code,
            error_params=params,
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
        if wait is not None and wait.retry_after:
            updates["wait_until"] = finished_at + timedelta(seconds=wait.retry_after)
        elif status != SyncRun.Status.SKIPPED:
            updates["wait_until"] = None
        if status == SyncRun.Status.DONE:
            updates.update(
                last_success_at=finished_at, consecutive_failures=0, stuck_reason="", stuck_params={}, stuck_since=None
            )
        elif status in (SyncRun.Status.FAILED, SyncRun.Status.STUCK):
            updates["consecutive_failures"] = F("consecutive_failures") + 1
        SyncState.objects.filter(integration_id=integration.pk).update(**updates)
        release(integration.pk, owner)
    return run


def _in_english(code: str, params: dict, recorded: str = "") -> str:
    with translation.override("en"):
        return run_reasons.say(code, params, recorded)


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
