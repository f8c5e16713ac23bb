"""The simulated Jakamo's own state. Separate tables from the portal's: the sandbox plays another
system, so nothing here is shared with the portal's models."""

import hashlib
import hmac
import secrets
import uuid

from django.db import models


def _hash(raw: str, salt: str | None = None) -> str:
    # A simulator's credentials: a salted SHA-256 is enough, and fast. Django's PBKDF2 would cost
    # ~0.3 s on every API request, which the queue benchmarks cannot afford.
    salt = salt or secrets.token_hex(8)
    return f"sha256${salt}${hashlib.sha256((salt + raw).encode()).hexdigest()}"


def _check(raw: str, stored: str) -> bool:
    try:
        _, salt, _digest = stored.split("$", 2)
    except ValueError:
        return False
    return hmac.compare_digest(_hash(raw, salt), stored)


class Api(models.TextChoices):
    PURCHASE_ORDER = "purchase_order", "Purchase Order API"
    SALES_ORDER = "sales_order", "Sales Order API"
    ASN = "asn", "ASN API"


class Integration(models.Model):
    """One integration at Jakamo: a company's credentials for one API, and so one queue."""

    company = models.CharField(max_length=200, help_text="The Jakamo company that owns the integration")
    api = models.CharField(max_length=20, choices=Api.choices)
    username = models.CharField(max_length=150, unique=True)
    password_hash = models.CharField(max_length=256)
    client_id = models.CharField(max_length=150, unique=True, null=True, blank=True)
    client_secret_hash = models.CharField(max_length=256, blank=True)
    # Options Jakamo activates per integration (PO document 6.3.1, 6.3.4, 6.2; SO document 6.4).
    allow_new_batches = models.BooleanField(default=False)
    allow_draft = models.BooleanField(default=False)
    compare_sellers_item_id = models.BooleanField(default=False)
    pass_order_changes = models.BooleanField(default=True)
    # A webhook (Jakamo's Integrations page): every message queued here is also pushed to
    # ``push_url``, authenticated by Basic auth or an OAuth2 client-credentials token from
    # ``push_token_url``. Plain text: these are the simulated Jakamo's own settings, and its tables
    # are never part of a production database.
    push_url = models.URLField(max_length=500, blank=True)
    push_auth = models.CharField(
        max_length=10, blank=True, choices=[("basic", "Basic authentication"), ("oauth2", "OAuth2")]
    )
    push_username = models.CharField(max_length=200, blank=True)
    push_password = models.CharField(max_length=200, blank=True)
    push_token_url = models.URLField(max_length=500, blank=True)
    push_client_id = models.CharField(max_length=200, blank=True)
    push_client_secret = models.CharField(max_length=200, blank=True)
    # "Remove entry from queue on success": a 200, 201 or 204 answer clears the queue entry.
    push_remove_on_success = models.BooleanField(default=True)

    class Meta:
        ordering = ["company", "api"]

    def __str__(self):
        return f"{self.company} / {self.get_api_display()} ({self.username})"

    def set_password(self, raw):
        self.password_hash = _hash(raw)

    def check_password(self, raw) -> bool:
        return _check(raw, self.password_hash)

    def set_client_secret(self, raw):
        self.client_secret_hash = _hash(raw)

    def check_client_secret(self, raw) -> bool:
        return bool(self.client_secret_hash) and _check(raw, self.client_secret_hash)


class CompanyMapping(models.Model):
    """Jakamo's "Company Strings": an identifier the integration sends ↔ a Jakamo company."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="company_mappings")
    identifier = models.CharField(max_length=200)
    company = models.CharField(max_length=200)

    class Meta:
        unique_together = [("integration", "identifier")]

    def __str__(self):
        return f"{self.identifier} → {self.company}"


class UserMapping(models.Model):
    """Jakamo's "User Strings": an ERP user identifier ↔ a Jakamo user."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="user_mappings")
    identifier = models.CharField(max_length=200)
    user_name = models.CharField(max_length=200)
    is_default = models.BooleanField(default=False)

    class Meta:
        unique_together = [("integration", "identifier")]

    def __str__(self):
        return f"{self.identifier} → {self.user_name}"


class OrderStatus(models.TextChoices):
    WAITING_SUPPLIER = "Waiting for supplier confirmation"
    WAITING_CUSTOMER = "Waiting for customer action"
    CONFIRMED = "Confirmed"
    STARTED_RECEIVING = "Started receiving"
    RECEIVED = "Received"
    CANCELLED = "Cancelled"
    REJECTED = "Rejected by the supplier"


class Order(models.Model):
    """An order as Jakamo holds it: what the buyer requested, what the supplier confirmed, and the
    per-line and per-batch state (received quantities, delivered marks)."""

    buyer_company = models.CharField(max_length=200)
    supplier_company = models.CharField(max_length=200)
    order_number = models.CharField(max_length=200)
    buyer_integration = models.ForeignKey(
        Integration, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    supplier_integration = models.ForeignKey(
        Integration, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=40, choices=OrderStatus.choices, default=OrderStatus.WAITING_SUPPLIER)
    requested_xml = models.TextField(help_text="The buyer's latest Order/OrderChange")
    confirmed_xml = models.TextField(blank=True, help_text="The supplier's latest OrderResponse")
    # {line_id: {"status": str|None, "delivered": bool, "batches": {batch_id: {"received": "25",
    #  "received_date": "2024-01-30", "delivered": bool}}}}
    state = models.JSONField(default=dict)
    emphasize_original = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        unique_together = [("buyer_company", "order_number")]
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.order_number} ({self.buyer_company} → {self.supplier_company})"


class Message(models.Model):
    """A message waiting in an integration's queue. Oldest unacknowledged first."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="messages")
    document_type = models.CharField(max_length=30)
    body = models.TextField()
    content_type = models.CharField(max_length=60, default="application/xml")
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages")
    order_number = models.CharField(max_length=200, blank=True)
    priority = models.SmallIntegerField(default=0, help_text="Higher goes first (injected broken messages)")
    ack_token = models.UUIDField(default=uuid.uuid4, unique=True)
    confirm_token = models.UUIDField(null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["integration", "acknowledged_at", "-priority", "id"])]

    def __str__(self):
        return f"{self.document_type} #{self.pk} for {self.integration.username}"


class Fault(models.Model):
    """Fault injection: the next ``remaining`` matching requests misbehave."""

    class Kind(models.TextChoices):
        ERROR_500 = "error_500", "Answer 500"
        ERROR_503 = "error_503", "Answer 503 (service unavailable)"
        ERROR_429 = "error_429", "Answer 429 (too many requests)"
        HANG = "hang", "Act, then answer only after the client timeout"
        DROP_ACK = "drop_ack", "Answer an acknowledge with 200 but keep the message"
        MALFORMED = "malformed", "Put a malformed message at the head of the queue"
        REPEAT = "repeat", "Put an acknowledged message back in the queue once"
        PUSH_LOST = "push_lost", "Do not push the next message (a webhook that never arrives)"
        PUSH_REPEAT = "push_repeat", "Push the next message twice"
        PUSH_WRONG_AUTH = "push_wrong_auth", "Push the next message with wrong credentials"
        PUSH_SLOW = "push_slow", "Stop waiting for the receiver's answer (a receiver slower than Jakamo waits)"

    integration = models.ForeignKey(
        Integration, null=True, blank=True, on_delete=models.CASCADE, help_text="Empty: every integration"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    remaining = models.PositiveIntegerField(default=1)
    probability = models.FloatField(
        null=True, blank=True, help_text="Empty: the next matching requests. Set: each one with this chance (0–1)"
    )
    retry_after = models.CharField(
        max_length=40, blank=True, help_text="A 429 or 503 sends it as Retry-After: seconds or an HTTP-date"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        if self.probability is not None:
            return f"{self.get_kind_display()} at {self.probability:.0%} (up to {self.remaining})"
        return f"{self.get_kind_display()} ×{self.remaining}"


class AccessToken(models.Model):
    """OAuth2 access tokens the sandbox's token endpoint issued."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE)
    token = models.CharField(max_length=80, unique=True)
    expires_at = models.DateTimeField()

    def __str__(self):
        return f"token for {self.integration_id} until {self.expires_at:%Y-%m-%d %H:%M}"


class Webhook(models.Model):
    """A ShipHero Shipment ASN webhook the sandbox fired, and what the receiver answered."""

    url = models.URLField(max_length=500)
    kind = models.CharField(max_length=10)  # freight | courier
    body = models.TextField()
    message_id = models.CharField(max_length=80)
    status = models.IntegerField(null=True, blank=True)
    answer = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.kind} webhook to {self.url}"


class Push(models.Model):
    """One webhook call the sandbox made for a queued message, and what the receiver answered."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="pushes")
    url = models.URLField(max_length=500)
    attempt = models.PositiveSmallIntegerField(default=1)
    status = models.IntegerField(null=True, blank=True, help_text="Empty: no answer (connection failed, timed out)")
    answer = models.TextField(blank=True)
    fault = models.CharField(max_length=30, blank=True)
    removed_from_queue = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"push of message {self.message_id} to {self.url}: {self.status}"
