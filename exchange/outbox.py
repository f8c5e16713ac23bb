"""Outgoing messages: written in the same transaction as the change that causes them, sent by a
worker, retried only where that is safe.

- Before the request left (connection refused, DNS) or a 5xx: retry with exponential backoff and
  jitter, capped.
- 400: rejected; Jakamo's reason is explained on the row; a person acts.
- Sent but no answer (read timeout): the outcome is unknown. Retried only where a repeat is provably
  harmless (``repeat_safe``: an Order POST answered "already exists" on the retry proves the first
  arrived); otherwise the row waits for a person ("outcome unknown") with the evidence.
"""

from __future__ import annotations

import contextlib
import logging
import random
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.errors import Refused
from jakamo.errors import JakamoHTTPError, OutcomeUnknownError, RejectedError, TransientError
from mappings.models import Integration
from mappings.preflight import in_english, missing_mappings

from . import advice, transitions
from .models import Attempt, AuditEntry, OutboxMessage

log = logging.getLogger(__name__)

BACKOFF_CAP_SECONDS = 3600
# A row left in "sending" this long belongs to a worker that died mid-send.
SENDING_TIMEOUT = timedelta(minutes=10)

Status = OutboxMessage.Status


def enqueue(
    *,
    integration: Integration,
    operation: str,
    document_type: str,
    document_key: str,
    body: bytes = b"",
    target_url: str = "",
    partner: str = "",
    repeat_safe: bool = False,
    required_mappings: dict | None = None,
    user=None,
) -> OutboxMessage:
    """Write an outgoing message. Call inside the transaction that makes the change; the send is
    queued only once that transaction commits."""
    required = required_mappings or {}
    missing = missing_mappings(integration, required) if required else []
    row = transitions.create(
        OutboxMessage,
        status=Status.BLOCKED if missing else Status.PENDING,
        integration=integration,
        operation=operation,
        document_type=document_type,
        document_key=document_key,
        body=body,
        target_url=target_url,
        partner=partner,
        repeat_safe=repeat_safe,
        required_mappings=required,
        blocked_reason=in_english(missing),
        blocked_mappings=[m.as_record() for m in missing],
        next_attempt_at=None if missing else timezone.now(),
        created_by=user,
    )
    if not missing:
        transaction.on_commit(lambda: schedule_send(row.pk))
    return row


def enqueue_status(
    *, integration: Integration, message, partner: str = "", repeat_safe: bool, user=None
) -> OutboxMessage:
    """A StatusMessage (PUT /api/order/{id}); the caller says whether repeating it is harmless."""
    from jakamo.status import build_status_message

    return enqueue(
        integration=integration,
        operation=OutboxMessage.Operation.STATUS,
        document_type=f"StatusMessage {message.status}",
        document_key=message.order_id,
        partner=partner,
        body=build_status_message(message),
        repeat_safe=repeat_safe,
        user=user,
    )


def schedule_send(pk: int):
    from django_q.tasks import async_task

    async_task("exchange.tasks.send_outbox_message", pk, task_name=f"send-outbox-{pk}", group="outbox")


def release_blocked(integration: Integration) -> int:
    """A mapping appeared: let every blocked row of the integration whose mappings now exist go."""
    released = 0
    for row in OutboxMessage.objects.filter(integration=integration, status=Status.BLOCKED):
        missing = missing_mappings(integration, row.required_mappings)
        if missing:
            still = [m.as_record() for m in missing]
            if still != row.blocked_mappings:
                OutboxMessage.objects.filter(pk=row.pk).update(
                    blocked_reason=in_english(missing), blocked_mappings=still
                )
            continue
        if transitions.claim(
            OutboxMessage,
            row.pk,
            [Status.BLOCKED],
            Status.PENDING,
            via="mapping saved",
            blocked_reason="",
            blocked_mappings=[],
            next_attempt_at=timezone.now(),
        ):
            released += 1
            transaction.on_commit(lambda pk=row.pk: schedule_send(pk))
    return released


def backoff(attempts: int) -> timedelta:
    delay = min(BACKOFF_CAP_SECONDS, settings.JAKAMO_OUTBOX_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0))
    return timedelta(seconds=delay * random.uniform(0.8, 1.2))


def retry_delay(attempts: int, exc: TransientError) -> timedelta:
    """The backoff, or longer when Jakamo said how long to wait (Retry-After on a 429 or 503): the
    message is not sent again before that, whatever the backoff says."""
    delay = backoff(attempts)
    if exc.retry_after:
        delay = max(delay, timedelta(seconds=exc.retry_after))
    return delay


def _claim(pk: int) -> bool:
    return (
        transitions.claim(
            OutboxMessage,
            pk,
            [Status.PENDING, Status.RETRY],
            Status.SENDING,
            via=f"send-outbox-{pk}",
            attempts=F("attempts") + 1,
            next_attempt_at=timezone.now(),
        )
        is not None
    )


def _call(row: OutboxMessage):
    client = row.integration.client()
    body = bytes(row.body)
    if row.operation == OutboxMessage.Operation.ORDER:
        return client.send_order(body, **_order_context(row, body))
    if row.operation == OutboxMessage.Operation.STATUS:
        return client.send_status(row.document_key, body)
    if row.operation == OutboxMessage.Operation.ORDER_RESPONSE:
        return client.send_order_response(body, **_response_context(row, body))
    if row.operation == OutboxMessage.Operation.SIMPLE_CONFIRM:
        params = {}
        if body:
            import json

            params = json.loads(body)
        return client.simple_confirm(
            row.target_url,
            note=params.get("note"),
            emphasize_original_agreed_details=params.get("emphasize_original_agreed_details"),
        )
    raise ValueError(f"unknown operation {row.operation}")


def _order_context(row: OutboxMessage, body: bytes) -> dict:
    """Identifiers that Jakamo's PO refusals are about (vendor, buyer contact), so their explanation
    names the one the order carried rather than "(not given)"."""
    from jakamo.errors import DocumentError
    from jakamo.ubl_parse import parse_order_document

    context = {"order_number": row.document_key, "vendor_id": row.partner}
    try:
        document = parse_order_document(body)
    except DocumentError:
        return context
    context.update(vendor_id=document.vendor_id or row.partner, buyer_contact_id=document.buyer_contact_id)
    return context


def _response_context(row: OutboxMessage, body: bytes) -> dict:
    """Identifiers that Jakamo's SO refusals are about, so their explanation can name them."""
    from jakamo.errors import DocumentError
    from jakamo.ubl_parse import parse_order_document

    context = {"order_number": row.document_key, "customer_id": row.partner}
    try:
        document = parse_order_document(body)
    except DocumentError:
        return context
    context.update(customer_id=document.buyer_id or row.partner, seller_contact_id=document.seller_contact_id)
    return context


def send(pk: int) -> OutboxMessage | None:
    """Send one row if it is due and nobody else is sending it. Safe to call twice. An archived
    integration's rows wait: restoring it sends them."""
    if OutboxMessage.objects.filter(pk=pk, integration__archived_at__isnull=False).exists():
        return None
    if not _claim(pk):
        return None
    row = OutboxMessage.objects.select_related("integration").get(pk=pk)
    started = time.monotonic()
    now = timezone.now()
    try:
        result = _call(row)
    except RejectedError as exc:
        explanation = exc.explanation
        if explanation and explanation.code == "order_exists" and row.repeat_safe and row.attempts > 1:
            # An earlier attempt's outcome was unknown; "already exists" now proves it arrived.
            _log(row, started, exc.status, "already-there", exc.reason)
            return _set(
                row,
                Status.SENT,
                sent_at=now,
                note="Jakamo already had this order: an earlier attempt whose answer was lost had arrived.",
                last_error="",
            )
        _log(row, started, exc.status, "rejected", exc.reason)
        return _set(
            row,
            Status.REJECTED,
            last_error=str(exc),
            **(advice.kept(explanation.code, explanation.params) if explanation else advice.cleared()),
        )
    except OutcomeUnknownError as exc:
        _log(row, started, exc.status, "unknown", str(exc))
        if row.repeat_safe:
            return _set(
                row,
                Status.RETRY,
                last_error=str(exc),
                next_attempt_at=now + backoff(row.attempts),
                note="The last attempt may have arrived; repeating is harmless for this message.",
            )
        return _set(
            row,
            Status.UNKNOWN,
            last_error=str(exc),
            **advice.kept("no_answer"),
        )
    except TransientError as exc:
        _log(row, started, exc.status, "retry", str(exc))
        return _set(row, Status.RETRY, last_error=str(exc), next_attempt_at=now + retry_delay(row.attempts, exc))
    except JakamoHTTPError as exc:  # ProtocolError: Jakamo answered something unexpected
        _log(row, started, exc.status, "unknown", str(exc))
        return _set(row, Status.UNKNOWN, last_error=str(exc))
    _log(row, started, result.status, "sent", result.body[:500])
    return _set(row, Status.SENT, sent_at=now, last_error="", **advice.cleared())


def _log(row, started, status, outcome, detail):
    Attempt.objects.create(
        outbox=row,
        action="send",
        duration_ms=int((time.monotonic() - started) * 1000),
        http_status=status,
        outcome=outcome,
        detail=(detail or "")[:2000],
    )


def _set(row: OutboxMessage, status: str, *, by=None, why: str = "", **fields) -> OutboxMessage:
    return transitions.move(row, status, by=by, why=why, via=f"send-outbox-{row.pk}" if by is None else "", **fields)


def send_due(limit: int = 200) -> int:
    """Send what is due; recover rows whose worker died mid-send."""
    now = timezone.now()
    for row in OutboxMessage.objects.filter(status=Status.SENDING, next_attempt_at__lt=now - SENDING_TIMEOUT):
        with contextlib.suppress(transitions.StatusChanged):  # its worker finished after all
            if row.repeat_safe:
                _set(row, Status.RETRY, why="its worker stopped mid-send; repeating is harmless", next_attempt_at=now)
            else:
                _set(
                    row,
                    Status.UNKNOWN,
                    why="its worker stopped mid-send",
                    **advice.kept("worker_stopped"),
                )
    due = (
        OutboxMessage.objects.filter(
            status__in=[Status.PENDING, Status.RETRY], next_attempt_at__lte=now, integration__archived_at__isnull=True
        )
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    count = 0
    for pk in list(due):
        if send(pk) is not None:
            count += 1
    return count


# -- a person's decisions -----------------------------------------------------------------------------
def resend(row: OutboxMessage, user, note: str = "") -> OutboxMessage:
    with transaction.atomic():
        AuditEntry.objects.create(user=user, action="resend", outbox=row, note=note or f"status was {row.status}")
        _set(row, Status.PENDING, by=user, why=note, next_attempt_at=timezone.now(), **advice.cleared())
        transaction.on_commit(lambda: schedule_send(row.pk))
    return row


def cancel(row: OutboxMessage, user, note: str = "") -> OutboxMessage:
    if row.status in (Status.SENT, Status.SENDING):
        raise Refused(
            "not_cancellable",
            _("A message that is “%(status)s” cannot be cancelled."),
            status=row.get_status_display(),
        )
    with transaction.atomic():
        AuditEntry.objects.create(user=user, action="cancel", outbox=row, note=note)
        _set(row, Status.CANCELLED, by=user, why=note)
    return row


def mark_sent(row: OutboxMessage, user, note: str = "") -> OutboxMessage:
    """A person checked Jakamo and found the message applied."""
    if row.status != Status.UNKNOWN:
        raise Refused("outcome_known", _("Only a message whose outcome is unknown can be marked as sent by hand."))
    with transaction.atomic():
        AuditEntry.objects.create(user=user, action="mark_sent", outbox=row, note=note)
        _set(
            row,
            Status.SENT,
            by=user,
            why=note,
            sent_at=timezone.now(),
            note=f"Marked sent by {user}: {note}".strip(": "),
        )
    return row
