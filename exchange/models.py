"""The message log: every message in (inbox) and out (outbox), each attempt, each sync run, and an
audit trail of what people did to them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from common.params import max_body
from mappings import preflight
from mappings.models import Integration

from . import advice, run_reasons


class SyncState(models.Model):
    """The engine's state of one integration's queue: the lease that lets one worker drain it, when
    it last synced, and whether it is stuck. Kept here, not on the integration's row, so that
    configuring an integration and running it are two things (mappings below, exchange above)."""

    integration = models.OneToOneField(
        Integration, on_delete=models.CASCADE, primary_key=True, related_name="sync_state"
    )
    # Claimed by conditional UPDATE (inbox.claim) so only one worker drains the queue.
    lease_until = models.DateTimeField(null=True, blank=True)
    owner = models.CharField(max_length=64, blank=True)
    stuck_reason = models.TextField(blank=True)
    stuck_params = models.JSONField(default=dict, blank=True)  # the "stuck" sentence's (run_reasons)
    stuck_since = models.DateTimeField(null=True, blank=True)
    last_sync_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    # The last push Jakamo's webhook delivered (stored, or recognised as one already stored).
    last_push_at = models.DateTimeField(null=True, blank=True)
    # Jakamo answered 429 or 503 with Retry-After: the queue is not asked again before this.
    wait_until = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"sync state of {self.integration_id}"

    @property
    def stuck_text(self) -> str:
        """Why the queue is stuck, in the reader's language."""
        return (
            run_reasons.say("stuck", self.stuck_params, self.stuck_reason) if self.stuck_params else self.stuck_reason
        )

    @classmethod
    def current(cls, integration) -> SyncState:
        """The state as it stands, without writing: a blank one for an integration never synced."""
        try:
            return integration.sync_state
        except cls.DoesNotExist:
            return cls(integration=integration)

    @classmethod
    def of(cls, integration) -> SyncState:
        """The state row, made on first use (an integration that never synced has none yet)."""
        pk = getattr(integration, "pk", integration)
        return cls.objects.get_or_create(integration_id=pk)[0]


class SyncRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        STUCK = "stuck", _("Stuck")
        SKIPPED = "skipped", _("Skipped (another sync was running)")

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="sync_runs")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    fetched = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    # Why it stopped, for code to decide by (never the English in ``error``): no_queue, lease_taken,
    # lease_lost, database, jakamo, stuck; blank when it drained what it could.
    error_code = models.CharField(max_length=20, blank=True)
    error_params = models.JSONField(default=dict, blank=True)
    triggered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self):
        return f"sync {self.pk} of {self.integration_id}: {self.status}"

    @property
    def reason(self) -> str:
        """Why it stopped, in the reader's language."""
        return run_reasons.say(self.error_code, self.error_params, self.error)


class InboxMessage(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", _("Stored, not yet acknowledged")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged, not yet processed")
        PROCESSED = "processed", _("Processed")
        FAILED = "failed", _("Failed")
        DUPLICATE = "duplicate", _("Duplicate (seen before)")

    integration = models.ForeignKey(Integration, on_delete=models.PROTECT, related_name="inbox")
    sync_run = models.ForeignKey(SyncRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages")
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.RECEIVED)
    document_type = models.CharField(max_length=30, blank=True)
    document_key = models.CharField(max_length=200, blank=True, help_text="The order or shipment number")
    partner = models.CharField(max_length=200, blank=True)
    body = models.BinaryField()
    content_type = models.CharField(max_length=100, blank=True)
    headers = models.JSONField(default=dict)
    content_hash = models.CharField(max_length=64, db_index=True)
    acknowledge_uri = models.CharField(max_length=500, blank=True)
    confirm_url = models.CharField(max_length=500, blank=True)
    order_number_header = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    fetch_ms = models.PositiveIntegerField(default=0, help_text="How long the GET that brought it took")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL)
    times_seen = models.PositiveIntegerField(default=1)
    body_size = models.PositiveIntegerField(null=True, blank=True, help_text="Bytes, kept when the body is removed")
    body_removed_at = models.DateTimeField(null=True, blank=True, help_text="When retention removed the raw body")

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["integration", "content_hash"]),
            models.Index(fields=["status", "received_at"]),
            models.Index(fields=["document_key"]),
        ]
        constraints = [
            # One row per queue entry, also when a push and a fetch of it race (exchange.inbox.store).
            models.UniqueConstraint(
                fields=["integration", "acknowledge_uri"],
                condition=~models.Q(acknowledge_uri=""),
                name="exchange_inbox_one_row_per_entry",
            ),
        ]

    def __str__(self):
        return f"in #{self.pk} {self.document_type or '?'} {self.document_key}"

    def get_absolute_url(self):
        return reverse("exchange:inbox_detail", args=[self.pk])

    @property
    def text(self) -> str:
        return bytes(self.body).decode("utf-8", "replace")


class OutboxMessage(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to send")
        BLOCKED = "blocked", _("Blocked by a missing mapping")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        RETRY = "retry", _("Will retry")
        REJECTED = "rejected", _("Rejected by Jakamo")
        UNKNOWN = "unknown", _("Outcome unknown — needs a person")
        CANCELLED = "cancelled", _("Cancelled")

    class Operation(models.TextChoices):
        ORDER = "order", _("Order / OrderChange (POST)")
        STATUS = "status", _("StatusMessage (PUT)")
        ORDER_RESPONSE = "order_response", _("OrderResponse (POST)")
        SIMPLE_CONFIRM = "simple_confirm", _("Simple confirmation (POST to Jakamo-Confirm-Url)")

    integration = models.ForeignKey(Integration, on_delete=models.PROTECT, related_name="outbox")
    operation = models.CharField(max_length=20, choices=Operation.choices)
    document_type = models.CharField(max_length=30)
    document_key = models.CharField(max_length=200, help_text="The order number")
    partner = models.CharField(max_length=200, blank=True)
    body = models.BinaryField(blank=True)
    target_url = models.CharField(max_length=500, blank=True, help_text="For simple confirmations")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # A repeat is harmless: a second Order POST is refused as "already exists" (which proves the
    # first arrived); never so for a partial Received, which would count the goods twice.
    repeat_safe = models.BooleanField(default=False)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_error = models.TextField(blank=True)
    # "What to do": the advice's code and parameters (exchange.advice), said in the reader's language
    # when shown. ``explanation`` holds the English sentence of messages recorded before the codes.
    explanation = models.TextField(blank=True)
    explanation_code = models.CharField(max_length=40, blank=True)
    explanation_params = models.JSONField(default=dict, blank=True)
    # What a blocked message waits for ([{"kind", "identifier", "role"}], mappings.preflight), said in
    # the reader's language; ``blocked_reason`` is its English copy for the ERP and for searching.
    blocked_reason = models.TextField(blank=True)
    blocked_mappings = models.JSONField(default=list, blank=True)
    # What pre-flight must find before this may go: {"companies": [...], "users": [...]}.
    required_mappings = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    content_hash = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the body, kept by retention")
    body_size = models.PositiveIntegerField(null=True, blank=True, help_text="Bytes, kept when the body is removed")
    body_removed_at = models.DateTimeField(null=True, blank=True, help_text="When retention removed the raw body")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"]), models.Index(fields=["document_key"])]

    def __str__(self):
        return f"out #{self.pk} {self.document_type} {self.document_key}"

    def get_absolute_url(self):
        return reverse("exchange:outbox_detail", args=[self.pk])

    @property
    def advice(self) -> str:
        """What to do about it, in the reader's language."""
        return advice.say(self.explanation_code, self.explanation_params, self.explanation)

    @property
    def blocked_text(self) -> str:
        """Why it is blocked, in the reader's language."""
        if not self.blocked_mappings:
            return self.blocked_reason
        name = self.integration.name
        return " ".join(
            preflight.sentence(m["role"], m["identifier"], name, m.get("checked", "")) for m in self.blocked_mappings
        )

    @property
    def text(self) -> str:
        return bytes(self.body).decode("utf-8", "replace")


class Attempt(models.Model):
    """One HTTP exchange about a message: a GET that fetched it, its acknowledge, a send."""

    inbox = models.ForeignKey(InboxMessage, null=True, blank=True, on_delete=models.CASCADE, related_name="attempts")
    outbox = models.ForeignKey(
        OutboxMessage, null=True, blank=True, on_delete=models.CASCADE, related_name="attempt_log"
    )
    action = models.CharField(max_length=30)
    started_at = models.DateTimeField(auto_now_add=True)
    duration_ms = models.PositiveIntegerField(default=0)
    http_status = models.PositiveIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=20)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["started_at", "id"]

    def __str__(self):
        return f"{self.action} {self.outcome}"


class AuditEntry(models.Model):
    """Who did what to a message, and when (reprocess, resend, cancel, resolve)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    action = models.CharField(max_length=30)
    inbox = models.ForeignKey(InboxMessage, null=True, blank=True, on_delete=models.CASCADE, related_name="audit")
    outbox = models.ForeignKey(OutboxMessage, null=True, blank=True, on_delete=models.CASCADE, related_name="audit")
    note = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"{self.action} by {self.user_id} at {self.at:%Y-%m-%d %H:%M}"


class StatusChange(models.Model):
    """One status change of an inbox or outbox message or a sync run, written by
    ``exchange.transitions.move`` and nothing else: from, to, who (a person, or none for the
    engine), when, why, and what carried it (the sync run or task that made the move)."""

    inbox = models.ForeignKey(
        InboxMessage, null=True, blank=True, on_delete=models.CASCADE, related_name="status_changes"
    )
    outbox = models.ForeignKey(
        OutboxMessage, null=True, blank=True, on_delete=models.CASCADE, related_name="status_changes"
    )
    sync_run = models.ForeignKey(
        SyncRun, null=True, blank=True, on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(max_length=15)
    to_status = models.CharField(max_length=15)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    why = models.TextField(blank=True)
    via = models.CharField(max_length=100, blank=True, help_text="What carried the change: a sync run, a task")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.from_status} → {self.to_status} at {self.at:%Y-%m-%d %H:%M:%S}"


class WebhookRefusal(models.Model):
    """A push to a Jakamo webhook endpoint refused before anything was stored: wrong or missing
    credentials (401), or a body over the limit (413). Shown on the integration's page."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="webhook_refusals")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    http_status = models.PositiveIntegerField()
    code = models.CharField(max_length=30, blank=True)  # a key of SENTENCES, said when shown
    reason = models.CharField(max_length=300)  # the English copy, for the log and searches
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    body_bytes = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-at", "-id"]

    SENTENCES = {
        "wrong_password": _("Wrong user name or password for this webhook."),
        "token_expired": _("The access token has expired."),
        "token_foreign": _("The access token was not issued by this portal."),
        "token_other_webhook": _("The access token was issued for another webhook."),
        "token_replaced": _("The access token was issued for credentials that have since been replaced."),
        "no_credentials": _("No Basic credentials or Bearer token."),
        "too_large": _("The body is over the limit of %(limit)s bytes."),
    }

    def __str__(self):
        return f"push refused ({self.http_status}) for {self.integration_id} at {self.at:%Y-%m-%d %H:%M}"

    @property
    def said(self) -> str:
        """Why it was refused, in the reader's language (rows without a code: as recorded)."""
        if self.code not in self.SENTENCES:
            return self.reason
        return str(self.SENTENCES[self.code]) % {"limit": f"{max_body():,}"}

    def in_english(self) -> str:
        with translation.override("en"):
            return self.said
