"""Jakamo webhooks in: a second way into the same inbox, with polling kept as the safety net.

Jakamo pushes a PO, SO or ASN message to an integration's payload URL (jakamo-more-facts.md,
"Webhooks"); the payload is the message its queue would serve, with the queue's headers, since a
receiver that answers 202 must still clear the entry "the normal way" (its acknowledge URI).

- **Authentication** the two ways Jakamo's webhook form offers: Basic (credentials the portal
  generated, stored encrypted like every integration secret), or a Bearer token from the portal's
  own OAuth2 token endpoint (client credentials the portal generated; the token is short-lived,
  signed, and names the integration it is for). A refused push is recorded and nothing is stored.
- **Stored before the answer**: the raw message goes through ``inbox.store``, the very function the
  poller uses, so both ways share one identity: the queue entry's acknowledge URI when the push
  names it, else the content hash (a push without it gets ``push:<hash>``, so a repeated push is
  the same entry). The same message by push and by queue, or pushed twice, is applied once (a
  drain meeting an entry a push already brought acknowledges it and applies it only if not yet
  applied). 200 is answered only after the commit;
  a database failure answers 503, the entry stays in Jakamo's queue and polling brings it.
- **Applied after the answer, in queue order**, by a django-q2 task that runs a sync: an earlier
  message whose push was lost or refused is applied before the pushed one, and a pushed message
  whose entry is still queued is applied where the drain meets it (recognised by its acknowledge
  URI). What the queue no longer holds (removed on success) is applied once the
  queue is drained, in the order stored. Not after a failed drain: the order cannot be known then,
  and the task comes again with the tick, as does a task lost with a killed worker."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import DatabaseError, transaction
from django.utils import timezone

from common.jakamo_face import Basic, Bearer, Credentials
from jakamo.errors import QueueMessage
from mappings.models import Integration, Kind

from . import inbox
from .models import InboxMessage, SyncRun, SyncState, WebhookRefusal

log = logging.getLogger(__name__)

TOKEN_SALT = "exchange.webhooks.token"
UNAUTHENTICATED, TOO_LARGE, UNAVAILABLE = 401, 413, 503
# A pushed message whose apply task has not run after this long was lost with its worker.
REDRIVE_AFTER_SECONDS = 30
# How long an apply task waits for a sync run to hand over the queue before leaving the message
# to that run or to the tick.
LEASE_WAIT_SECONDS = 10.0
STORED = (InboxMessage.Status.RECEIVED, InboxMessage.Status.ACKNOWLEDGED)


# -- credentials ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class NewCredentials:
    """Generated for Jakamo's webhook form; the secrets are shown once and stored encrypted."""

    username: str
    password: str
    client_id: str
    client_secret: str


def generate_credentials(integration: Integration) -> NewCredentials:
    """New Basic and OAuth2 client credentials for the integration's webhook; the old stop working
    at once (tokens issued for the old client secret included)."""
    new = NewCredentials(
        username=f"jakamo-webhook-{integration.pk}",
        password=secrets.token_urlsafe(24),
        client_id=f"jakamo-webhook-{integration.pk}-{secrets.token_hex(4)}",
        client_secret=secrets.token_urlsafe(32),
    )
    integration.push_username, integration.push_password = new.username, new.password
    integration.push_client_id, integration.push_client_secret = new.client_id, new.client_secret
    integration.save(update_fields=["push_username", "push_password", "push_client_id", "push_client_secret"])
    return new


def _same(given: str, expected: str) -> bool:
    return bool(expected) and hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _fingerprint(client_secret: str) -> str:
    # In the token, so new credentials end the old tokens without a table of issued tokens.
    return hashlib.sha256(client_secret.encode("utf-8")).hexdigest()[:16]


def issue_token(client_id: str, client_secret: str) -> tuple[str, int] | None:
    """(token, lifetime in seconds) for a webhook's client credentials, or None."""
    if not client_id:
        return None
    integration = Integration.objects.filter(push_client_id=client_id).first()
    if integration is None or not integration.is_jakamo or not _same(client_secret, integration.push_client_secret):
        return None
    lifetime = settings.JAKAMO_WEBHOOK_TOKEN_SECONDS
    token = signing.dumps(
        {"aud": integration.pk, "cid": client_id, "v": _fingerprint(client_secret)}, salt=TOKEN_SALT, compress=True
    )
    return token, lifetime


def authenticated(integration: Integration, credentials: Credentials | None) -> str:
    """Why the push is refused, as a code of WebhookRefusal.SENTENCES, or "" when its credentials
    are this webhook's."""
    if isinstance(credentials, Basic):
        if _same(credentials.username, integration.push_username) and _same(
            credentials.password, integration.push_password
        ):
            return ""
        return "wrong_password"
    if isinstance(credentials, Bearer):
        try:
            claims = signing.loads(credentials.token, salt=TOKEN_SALT, max_age=settings.JAKAMO_WEBHOOK_TOKEN_SECONDS)
        except signing.SignatureExpired:
            return "token_expired"
        except signing.BadSignature:
            return "token_foreign"
        if not isinstance(claims, dict) or claims.get("aud") != integration.pk:
            return "token_other_webhook"
        if claims.get("cid") != integration.push_client_id or claims.get("v") != _fingerprint(
            integration.push_client_secret
        ):
            return "token_replaced"
        return ""
    return "no_credentials"


def refuse(integration: Integration, code: str, *, status: int, remote_addr=None, size: int = 0) -> WebhookRefusal:
    refusal = WebhookRefusal(
        integration=integration, http_status=status, code=code, remote_addr=remote_addr or None, body_bytes=size
    )
    refusal.reason = refusal.in_english()
    log.warning("Jakamo webhook push refused for integration %s: %s", integration.pk, refusal.reason)
    refusal.save()
    return refusal


# -- storing -------------------------------------------------------------------------------------
def as_queue_message(integration: Integration, body: bytes, headers: dict[str, str]) -> QueueMessage:
    """The push as the queue would have served it. Its acknowledge URI (relative ones resolved
    against the integration's base URL, as the poller resolves them) is the entry's identity;
    without one, ``push:<content hash>``, so a repeat of the push is the same entry and the same
    body from the queue is recognised by its content."""
    lowered = {key.lower(): value for key, value in headers.items()}
    client = integration.client()
    ack = lowered.get("x-acknowledge-uri", "").strip()
    confirm = lowered.get("jakamo-confirm-url", "").strip()
    return QueueMessage(
        body=body,
        content_type=lowered.get("content-type", ""),
        acknowledge_uri=client.url(ack) if ack else f"push:{inbox.content_hash(body)}",
        confirm_url=client.url(confirm) if confirm else "",
        order_number=lowered.get("jakamo-order-number", ""),
        headers=headers,
    )


def receive(integration: Integration, body: bytes, headers: dict[str, str]) -> tuple[int, InboxMessage | None]:
    """Store an authenticated push durably. (200, row) once committed; (503, None) when the
    database failed, so Jakamo keeps the entry and polling brings it."""
    message = as_queue_message(integration, body, headers)
    try:
        with transaction.atomic():
            # Two deliveries of one message at once (a repeated push) must not both be stored.
            Integration.objects.select_for_update().filter(pk=integration.pk).first()
            row, _new = inbox.store(integration, message, None)
            SyncState.of(integration)
            SyncState.objects.filter(integration_id=integration.pk).update(last_push_at=timezone.now())
            transaction.on_commit(lambda: schedule_apply(integration.pk))
    except DatabaseError:
        log.exception("a Jakamo webhook push for integration %s could not be stored", integration.pk)
        return UNAVAILABLE, None
    return 200, row


def schedule_apply(integration_id: int):
    from django_q.tasks import async_task

    async_task(
        "exchange.tasks.apply_pushed", integration_id, task_name=f"apply-pushed-{integration_id}", group="webhook"
    )


# -- applying ------------------------------------------------------------------------------------
def apply_pushed(integration_id: int, *, wait_seconds: float = LEASE_WAIT_SECONDS) -> SyncRun | None:
    """Drain the queue: the sync run applies, in Jakamo's order, what the queue holds (pushed
    entries where it meets them), then the pushed messages it no longer holds
    (``inbox._apply_pushed``). Returns the run (None for a stuck queue); one that found the queue
    busy or failed leaves the pushed messages for the run holding the queue, or for the tick."""
    if SyncState.objects.filter(integration_id=integration_id).exclude(stuck_reason="").exists():
        return None  # a person resumes a stuck queue; its pushed messages wait until then
    deadline = time.monotonic() + wait_seconds
    while _leased(integration_id) and time.monotonic() < deadline:
        time.sleep(0.2)  # a sync run holds the queue; it ends in seconds, or its lease runs out
    return inbox.sync(integration_id)


def _leased(integration_id: int) -> bool:
    return SyncState.objects.filter(integration_id=integration_id, lease_until__gte=timezone.now()).exists()


def redrive_stored(older_than_seconds: int = REDRIVE_AFTER_SECONDS) -> int:
    """Every tick: queues whose stored messages wait longer than a task needs (the task was lost
    with a killed worker, or a sync run held the queue) get an apply task again."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    waiting = (
        InboxMessage.objects.filter(status__in=STORED, received_at__lt=cutoff)
        .filter(integration__enabled=True)
        .exclude(integration__kind=Kind.SHIPHERO)  # ShipHero calls have their own re-drive
        .exclude(integration__sync_state__stuck_reason__gt="")
        .values_list("integration_id", flat=True)
        .distinct()
    )
    ids = sorted(set(waiting))
    for integration_id in ids:
        schedule_apply(integration_id)
    return len(ids)


# -- health and polling ----------------------------------------------------------------------------
def silent_after() -> timedelta:
    return timedelta(minutes=settings.JAKAMO_WEBHOOK_SILENT_MINUTES)


def pushes_healthy(integration: Integration, state: SyncState | None, now=None) -> bool:
    """The webhook is set up and has delivered within the expected time."""
    now = now or timezone.now()
    last = state.last_push_at if state is not None else None
    return integration.accepts_pushes and last is not None and last > now - silent_after()


def poll_interval(integration: Integration, state: SyncState | None, now=None) -> int:
    """Seconds between syncs: the integration's own, stretched to ``JAKAMO_WEBHOOK_POLL_INTERVAL``
    while its webhook delivers. Polling never stops: Jakamo retries only new sales orders."""
    if pushes_healthy(integration, state, now):
        return max(integration.poll_interval, settings.JAKAMO_WEBHOOK_POLL_INTERVAL)
    return integration.poll_interval


@dataclass
class Health:
    set_up: bool
    last_push_at: object
    silent: bool  # set up, and nothing pushed for longer than expected (or ever)
    refusals: list


def health(integration: Integration, state: SyncState | None, now=None) -> Health:
    now = now or timezone.now()
    set_up = integration.accepts_pushes
    last = state.last_push_at if state is not None else None
    return Health(
        set_up=set_up,
        last_push_at=last,
        silent=set_up and not pushes_healthy(integration, state, now),
        refusals=list(integration.webhook_refusals.all()[:10]),
    )
