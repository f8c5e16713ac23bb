"""ERP clients of the gateway, their credentials (hashed), tokens, and their own durable queues."""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from exchange.models import InboxMessage, OutboxMessage
from mappings.models import AuthMethod, Integration
from orders.models import Confirmation, SalesOrder


class Passes(models.TextChoices):
    EVERYTHING = "everything", _("Every OrderResponse as it arrives")
    DECIDED = "decided", _("Only confirmations after our decision (plus Delivered statuses and ASNs)")


class GatewayClient(models.Model):
    """An ERP system that talks to the portal exactly as it would talk to Jakamo: one client per
    Jakamo API it uses (PO, SO or ASN), like Jakamo's own integrations."""

    name = models.CharField(max_length=100, unique=True)
    integration = models.ForeignKey(Integration, on_delete=models.PROTECT, related_name="gateway_clients")
    auth_method = models.CharField(max_length=10, choices=AuthMethod.choices, default=AuthMethod.BASIC)
    username = models.CharField(max_length=100, unique=True, help_text="Basic auth user name, or OAuth2 client id")
    secret_hash = models.CharField(max_length=64, help_text="SHA-256 of the generated secret (never stored plain)")
    secret_hint = models.CharField(max_length=8)
    passes = models.CharField(max_length=12, choices=Passes.choices, default=Passes.EVERYTHING)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("gateway:client_detail", args=[self.pk])

    @property
    def uses_oauth2(self) -> bool:
        return self.auth_method == AuthMethod.OAUTH2


class GatewayToken(models.Model):
    client = models.ForeignKey(GatewayClient, on_delete=models.CASCADE, related_name="tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"token for {self.client} until {self.expires_at:%Y-%m-%d %H:%M}"


class GatewayMessage(models.Model):
    """One message in a client's queue: read oldest first, cleared by POSTing to its acknowledge URI."""

    client = models.ForeignKey(GatewayClient, on_delete=models.CASCADE, related_name="messages")
    document_type = models.CharField(max_length=40)
    document_key = models.CharField(max_length=200)
    body = models.BinaryField()
    content_type = models.CharField(max_length=60, default="application/xml")
    source = models.ForeignKey(InboxMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    confirmation = models.ForeignKey(Confirmation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    sales_order = models.ForeignKey(SalesOrder, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    ack_token = models.CharField(max_length=64, unique=True)
    confirm_token = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_count = models.PositiveIntegerField(default=0)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["client", "acknowledged_at", "id"])]
        constraints = [
            # One copy of a source message per client, however often it is reprocessed.
            models.UniqueConstraint(
                fields=["client", "source", "document_type"],
                name="one_copy_per_client",
                condition=models.Q(source__isnull=False),
            )
        ]

    def __str__(self):
        return f"{self.document_type} {self.document_key} for {self.client}"


class GatewayRequest(models.Model):
    """What the client asked and what it was answered: its side of the message history."""

    client = models.ForeignKey(GatewayClient, null=True, blank=True, on_delete=models.CASCADE, related_name="requests")
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=300)
    status = models.PositiveSmallIntegerField()
    document_type = models.CharField(max_length=40, blank=True)
    document_key = models.CharField(max_length=200, blank=True)
    answer = models.TextField(blank=True)
    outbox = models.ForeignKey(OutboxMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.method} {self.path} → {self.status}"
