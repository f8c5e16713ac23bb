"""Shipments: what suppliers dispatched to us (Jakamo ASNs) and what we shipped to customers
(ShipHero Shipment ASN webhooks)."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from exchange.models import InboxMessage, OutboxMessage
from mappings.models import Integration
from orders.models import PurchaseOrderLine, Receipt, SalesOrder


class ShipmentStatus(models.TextChoices):
    EXPECTED = "expected", _("Dispatched, expected")
    PARTLY_RECEIVED = "partly_received", _("Partly received")
    RECEIVED = "received", _("Received")


class Shipment(models.Model):
    """One Jakamo ASN: a shipment a supplier dispatched to us."""

    integration = models.ForeignKey(Integration, on_delete=models.PROTECT, related_name="shipments")
    inbox = models.ForeignKey(InboxMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    asn_id = models.CharField(max_length=100)
    shipment_number = models.CharField(max_length=200)
    asn_status = models.CharField(max_length=50, blank=True, help_text="Status as Jakamo sent it")
    status = models.CharField(max_length=20, choices=ShipmentStatus.choices, default=ShipmentStatus.EXPECTED)
    dispatch_company_name = models.CharField(max_length=300, blank=True)
    dispatch_contact_name = models.CharField(max_length=300, blank=True)
    dispatch_contact_email = models.CharField(max_length=300, blank=True)
    dispatch_address = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    buyer_company_name = models.CharField(max_length=300, blank=True)
    buyer_company_id = models.CharField(max_length=200, blank=True)
    supplier_company_name = models.CharField(max_length=300, blank=True)
    supplier_company_id = models.CharField(max_length=200, blank=True)
    extra = models.JSONField(
        default=dict, blank=True, encoder=DjangoJSONEncoder, help_text="Fields the portal does not know, kept as sent"
    )
    versions = models.PositiveIntegerField(default=1, help_text="How many ASNs Jakamo sent for this shipment")
    received_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-dispatched_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["integration", "shipment_number"], name="unique_shipment_per_integration")
        ]
        indexes = [models.Index(fields=["status", "dispatched_at"])]

    def __str__(self):
        return self.shipment_number

    def get_absolute_url(self):
        return reverse("shipments:detail", args=[self.pk])


class ShippingUnit(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="units")
    position = models.PositiveIntegerField()
    number = models.CharField(max_length=200, blank=True)
    type = models.CharField(max_length=100, blank=True)
    mass = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    mass_unit = models.CharField(max_length=20, blank=True)
    length = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    width = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    height = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    diameter = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    length_unit = models.CharField(max_length=20, blank=True)
    extra = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        ordering = ["shipment", "position"]

    def __str__(self):
        return f"{self.type} {self.number}".strip()


class ShipmentItem(models.Model):
    """One item line of a shipping unit, linked to the purchase order line it fills."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="items")
    unit = models.ForeignKey(ShippingUnit, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    order_number = models.CharField(max_length=200)
    line_number = models.CharField(max_length=50)
    quantity = models.DecimalField(max_digits=18, decimal_places=4)
    sellers_item_id = models.CharField(max_length=200, blank=True)
    buyers_item_id = models.CharField(max_length=200, blank=True)
    buyers_item_name = models.CharField(max_length=300, blank=True)
    batch_number = models.CharField(max_length=200, blank=True)
    manufacturing_batch = models.CharField(max_length=200, blank=True)
    expiration_date = models.DateField(null=True, blank=True)
    serial_numbers = models.JSONField(default=list, blank=True, encoder=DjangoJSONEncoder)
    extra = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    order_line = models.ForeignKey(
        PurchaseOrderLine, null=True, blank=True, on_delete=models.SET_NULL, related_name="shipment_items"
    )
    link_problem = models.CharField(max_length=300, blank=True, help_text="Why no order line was linked")
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    linked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["shipment", "unit__position", "position"]
        indexes = [models.Index(fields=["order_number", "line_number"])]

    def __str__(self):
        return f"{self.order_number}/{self.line_number} ×{self.quantity}"


class ShipmentReceipt(models.Model):
    """Goods received against a shipment: one per confirmation of the receive form, holding the
    order receipts (and so the Received StatusMessages) it made."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="receipts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    received_date = models.DateField()
    event_date = models.DateField()
    note = models.TextField(blank=True)
    receipts = models.ManyToManyField(Receipt, related_name="shipment_receipts")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"receipt of {self.shipment} on {self.received_date}"


# -- ShipHero ------------------------------------------------------------------------------------
class WebhookState(models.TextChoices):
    RECEIVED = "received", _("Received, not yet processed")
    WAITING = "waiting", _("Matched, waiting for the shipment")
    DELIVERED = "delivered", _("Delivered sent")
    NEEDS_ATTENTION = "needs_attention", _("Needs attention")
    IGNORED = "ignored", _("Ignored")
    REPEAT = "repeat", _("Repeat of an earlier call")
    INVALID = "invalid", _("Invalid payload")


class ShipHeroWebhook(models.Model):
    """One Shipment ASN call ShipHero made, as stored (the raw body is the inbox message)."""

    integration = models.ForeignKey(Integration, on_delete=models.PROTECT, related_name="shiphero_webhooks")
    inbox = models.OneToOneField(InboxMessage, on_delete=models.PROTECT, related_name="shiphero_webhook")
    message_id = models.CharField(max_length=200, blank=True, db_index=True)
    repeat_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="repeats")
    times_seen = models.PositiveIntegerField(default=1)
    state = models.CharField(max_length=20, choices=WebhookState.choices, default=WebhookState.RECEIVED)
    problem = models.TextField(blank=True, help_text="What needs attention, in plain words")
    shiphero_order_id = models.CharField(max_length=100, blank=True, db_index=True)
    shipment_id = models.CharField(max_length=100, blank=True)
    ship_date = models.DateField(null=True, blank=True)
    tracking_number = models.CharField(max_length=200, blank=True)
    is_freight = models.BooleanField(default=False)
    trading_partner_name = models.CharField(max_length=200, blank=True)
    sales_order = models.ForeignKey(
        SalesOrder, null=True, blank=True, on_delete=models.SET_NULL, related_name="shiphero_webhooks"
    )
    delivered_lines = models.JSONField(
        default=dict, blank=True, encoder=DjangoJSONEncoder, help_text="Line id → quantity packed"
    )
    outbox = models.ForeignKey(OutboxMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["state", "received_at"])]

    def __str__(self):
        return f"ShipHero order {self.shiphero_order_id or '?'} ({self.get_state_display()})"

    def get_absolute_url(self):
        return reverse("shipments:webhook_detail", args=[self.pk])


class ShipHeroOrderLink(models.Model):
    """ShipHero order id ↔ our sales order: found by the partner line item ids or set by hand, and
    reused for every later webhook of the same ShipHero order."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="shiphero_links")
    shiphero_order_id = models.CharField(max_length=100)
    sales_order = models.ForeignKey(SalesOrder, on_delete=models.CASCADE, related_name="shiphero_links")
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    rule = models.CharField(max_length=100)
    line_map = models.JSONField(
        default=dict, blank=True, help_text="ShipHero order_line_item_id → our line id, where set by hand"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["integration", "shiphero_order_id"], name="unique_shiphero_order_link")
        ]

    def __str__(self):
        return f"ShipHero {self.shiphero_order_id} → {self.sales_order}"


class WebhookRejection(models.Model):
    """A call to a webhook endpoint that was refused before anything was stored: a wrong or missing
    signature, an oversize body. Kept so that guessing and misconfiguration show up."""

    integration = models.ForeignKey(Integration, null=True, blank=True, on_delete=models.CASCADE)
    reason = models.CharField(max_length=300)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    message_id = models.CharField(max_length=200, blank=True)
    body_bytes = models.PositiveIntegerField(default=0)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.reason}"
