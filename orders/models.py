"""Purchase orders as the portal keeps them: the order as sent (its UBL is the source of truth for
OrderChanges), lines and delivery batches for lists and pages, every supplier confirmation kept as a
version with its deviations, the purchaser's decisions and the receipts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from exchange.models import InboxMessage, OutboxMessage
from mappings.models import Integration

from .deviations import KIND_LABELS, Deviation


class OrderStatus(models.TextChoices):
    WAITING_SUPPLIER = "waiting_supplier", _("Waiting for supplier confirmation")
    WAITING_CUSTOMER = "waiting_customer", _("Waiting for customer action")
    CONFIRMED = "confirmed", _("Confirmed")
    STARTED_RECEIVING = "started_receiving", _("Started receiving")
    RECEIVED = "received", _("Received")
    CANCELLED = "cancelled", _("Cancelled")
    REJECTED = "rejected", _("Rejected by the supplier")


CLOSED = (OrderStatus.RECEIVED, OrderStatus.CANCELLED)


class PurchaseOrder(models.Model):
    integration = models.ForeignKey(Integration, on_delete=models.PROTECT, related_name="purchase_orders")
    order_number = models.CharField(max_length=200)
    supplier_id = models.CharField(max_length=200, help_text="Vendor id (SellerSupplierParty)")
    supplier_name = models.CharField(max_length=200, blank=True)
    buyer_contact_id = models.CharField(max_length=200, blank=True)
    purchaser = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    currency = models.CharField(max_length=3, blank=True)
    issue_date = models.DateField(null=True, blank=True)
    document_xml = models.TextField(help_text="The order as last sent (Order or OrderChange)")
    status = models.CharField(max_length=20, choices=OrderStatus.choices, default=OrderStatus.WAITING_SUPPLIER)
    ordered_total = models.DecimalField(max_digits=18, decimal_places=4, default=0)
    confirmed_total = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    agreed_total = models.DecimalField(
        max_digits=18, decimal_places=4, default=0, help_text="The ordered total until a confirmation is accepted"
    )
    deviation_kinds = models.JSONField(default=list, blank=True)
    awaiting_decision_since = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["integration", "order_number"], name="unique_order_number_per_integration")
        ]
        indexes = [models.Index(fields=["status", "created_at"]), models.Index(fields=["supplier_id"])]

    def __str__(self):
        return self.order_number

    def get_absolute_url(self):
        return reverse("orders:purchase_detail", args=[self.pk])

    @property
    def deviation_labels(self) -> list[str]:
        """What differs in the last confirmation, as the reader says it (not the kinds' codes)."""
        return [str(KIND_LABELS.get(kind, kind)) for kind in self.deviation_kinds]

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED


class PurchaseOrderLine(models.Model):
    order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines")
    line_id = models.CharField(max_length=50)
    item_name = models.CharField(max_length=300, blank=True)
    buyers_item_id = models.CharField(max_length=200, blank=True)
    sellers_item_id = models.CharField(max_length=200, blank=True)
    quantity = models.DecimalField(max_digits=18, decimal_places=4)
    unit_code = models.CharField(max_length=10, blank=True)
    unit_price = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    # What the supplier last confirmed (kept after a rejection, to show what was rejected) and what
    # is agreed: the ordered values until a confirmation is accepted, the ordered ones again after
    # a rejection. Pages, totals, receiving and the gateway read the agreed values.
    confirmed_quantity = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    confirmed_unit_price = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    agreed_quantity = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    agreed_unit_price = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    status = models.CharField(max_length=30, blank=True, help_text="Line status as Jakamo shows it")
    delivered_date = models.DateField(null=True, blank=True)
    tracking_number = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["order", "line_id"], name="unique_line_per_order")]

    def __str__(self):
        return f"{self.order.order_number}/{self.line_id}"

    @property
    def status_display(self) -> str:
        """The line's status in the reader's language (Jakamo's own name where the portal has none)."""
        from .transitions import PURCHASE_LINE  # the transitions import these models

        return PURCHASE_LINE.label(self.status)

    @property
    def is_cancelled(self) -> bool:
        return self.status == "Cancelled"


class DeliveryBatch(models.Model):
    line = models.ForeignKey(PurchaseOrderLine, on_delete=models.CASCADE, related_name="batches")
    batch_id = models.CharField(max_length=200)
    quantity = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    requested_date = models.DateField(null=True, blank=True)
    confirmed_quantity = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    promised_date = models.DateField(null=True, blank=True)
    # None: nothing agreed for this batch (one the supplier proposed and nobody accepted).
    agreed_quantity = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    agreed_date = models.DateField(null=True, blank=True)
    added_by_supplier = models.BooleanField(default=False)
    received_quantity = models.DecimalField(max_digits=18, decimal_places=4, default=0)
    received_date = models.DateField(null=True, blank=True)
    delivered_date = models.DateField(null=True, blank=True)
    tracking_number = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["line", "id"]
        constraints = [models.UniqueConstraint(fields=["line", "batch_id"], name="unique_batch_per_line")]
        indexes = [
            # The dashboard's "due this week" and "late": only batches still short of their
            # agreed quantity, by their agreed date, as orders.selectors asks.
            models.Index(
                fields=["agreed_date"],
                name="batch_open_due",
                condition=models.Q(received_quantity__lt=F("agreed_quantity")),
            )
        ]

    def __str__(self):
        return self.batch_id

    @property
    def receivable_quantity(self):
        """What counts as "all of it": the agreed quantity (nothing, for a batch nobody agreed)."""
        return self.agreed_quantity or 0

    @property
    def open_quantity(self):
        return max(self.receivable_quantity - self.received_quantity, 0)

    @property
    def confirmation_differs(self) -> bool:
        """The supplier's last confirmed values are not what is agreed (pending or rejected)."""
        return self.confirmed_quantity is not None and (
            self.confirmed_quantity != self.agreed_quantity
            or (self.promised_date is not None and self.promised_date != self.agreed_date)
        )


class Confirmation(models.Model):
    """One OrderResponse from the supplier. Versions are kept side by side, never overwritten."""

    class Decision(models.TextChoices):
        NONE_NEEDED = "none_needed", _("Matches the order")
        PENDING = "pending", _("Awaiting our decision")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        PARTLY = "partly", _("Decided line by line")
        SUPERSEDED = "superseded", _("Superseded by a later confirmation")
        WAITING_SUPPLIER = "waiting_supplier", _("Supplier has not confirmed every line")
        SUPPLIER_REJECTED = "supplier_rejected", _("Rejected by the supplier")

    order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="confirmations")
    version = models.PositiveIntegerField()
    inbox = models.OneToOneField(InboxMessage, null=True, blank=True, on_delete=models.SET_NULL)
    document_xml = models.TextField()
    confirm_url = models.CharField(max_length=500, blank=True)
    # The OrderResponse's header cbc:Note ("Can do 80 now, price up due to steel"): kept as a
    # column so the order page shows it without parsing every version's document.
    supplier_note = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    deviations = models.JSONField(default=list)
    ordered_total = models.DecimalField(max_digits=18, decimal_places=4, default=0)
    confirmed_total = models.DecimalField(max_digits=18, decimal_places=4, default=0)
    decision = models.CharField(max_length=20, choices=Decision.choices)

    class Meta:
        ordering = ["order", "-version"]
        constraints = [models.UniqueConstraint(fields=["order", "version"], name="unique_confirmation_version")]

    def __str__(self):
        return f"{self.order.order_number} v{self.version}"

    @property
    def value_impact(self):
        return self.confirmed_total - self.ordered_total

    @property
    def shown_deviations(self) -> list[Deviation]:
        """The kept deviations, each explained in the reader's language (orders.deviations)."""
        return [Deviation.from_record(record) for record in self.deviations]


class Decision(models.Model):
    class Kind(models.TextChoices):
        ACCEPT = "accept", _("Accepted the supplier's changes")
        REJECT = "reject", _("Rejected, ordered values restated")
        LINE_BY_LINE = "line_by_line", _("Decided line by line")

    confirmation = models.ForeignKey(Confirmation, on_delete=models.CASCADE, related_name="decisions")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    accepted_lines = models.JSONField(default=list, blank=True)
    note = models.TextField(blank=True)
    emphasize_original = models.BooleanField(default=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    at = models.DateTimeField(auto_now_add=True)
    outbox = models.ForeignKey(OutboxMessage, null=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"{self.get_kind_display()} by {self.user}"


class Receipt(models.Model):
    order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="receipts")
    batch = models.ForeignKey(DeliveryBatch, null=True, blank=True, on_delete=models.CASCADE, related_name="receipts")
    line = models.ForeignKey(
        PurchaseOrderLine, null=True, blank=True, on_delete=models.CASCADE, related_name="receipts"
    )
    quantity = models.DecimalField(max_digits=18, decimal_places=4)
    received_date = models.DateField()
    event_date = models.DateField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    at = models.DateTimeField(auto_now_add=True)
    outbox = models.ForeignKey(OutboxMessage, null=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"{self.quantity} received on {self.received_date}"


class ErpClient(models.Model):
    """An ERP system allowed to post orders to the portal, with its own token (stored hashed)."""

    name = models.CharField(max_length=100, unique=True)
    integration = models.ForeignKey(Integration, on_delete=models.PROTECT, related_name="erp_clients")
    token_hash = models.CharField(max_length=64, unique=True)
    token_hint = models.CharField(max_length=8, help_text="The token's first characters, to tell tokens apart")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class SalesStatus(models.TextChoices):
    WAITING_US = "waiting_us", _("Waiting for our confirmation")
    WAITING_CUSTOMER = "waiting_customer", _("Waiting for the customer (we proposed changes)")
    CONFIRMED = "confirmed", _("Confirmed")
    DELIVERED = "delivered", _("Delivered")
    REJECTED = "rejected", _("Rejected by us")
    CANCELLED = "cancelled", _("Cancelled by the customer")


class SalesOrder(models.Model):
    """A customer's order from the Sales Order queue, with every version the customer sent."""

    integration = models.ForeignKey(Integration, on_delete=models.PROTECT, related_name="sales_orders")
    order_number = models.CharField(max_length=200)
    customer_id = models.CharField(max_length=200, help_text="BuyerCustomerParty id as the customer sent it")
    customer_name = models.CharField(max_length=200, blank=True)
    seller_party_id = models.CharField(max_length=200, blank=True, help_text="Our id as the customer sent it")
    currency = models.CharField(max_length=3, blank=True)
    status = models.CharField(max_length=20, choices=SalesStatus.choices, default=SalesStatus.WAITING_US)
    document_xml = models.TextField(help_text="The customer's latest Order or OrderChange")
    confirm_url = models.CharField(max_length=500, blank=True, help_text="Jakamo-Confirm-Url of the latest version")
    version = models.PositiveIntegerField(default=1)
    awaiting_since = models.DateTimeField(null=True, blank=True, db_index=True)
    delivery_due = models.DateField(
        null=True, blank=True, db_index=True, help_text="The earliest delivery date the customer asks for"
    )
    value = models.DecimalField(
        max_digits=18,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="The net value of the customer's latest version, lines not cancelled, in its currency",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["integration", "order_number", "customer_id"], name="unique_sales_order")
        ]

    def __str__(self):
        return self.order_number

    def get_absolute_url(self):
        return reverse("orders:sales_detail", args=[self.pk])

    @property
    def is_closed(self) -> bool:
        return self.status in (SalesStatus.CANCELLED, SalesStatus.REJECTED)


class SalesOrderVersion(models.Model):
    order = models.ForeignKey(SalesOrder, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    document_type = models.CharField(max_length=20)
    document_xml = models.TextField()
    inbox = models.OneToOneField(InboxMessage, null=True, blank=True, on_delete=models.SET_NULL)
    changes = models.JSONField(default=list, help_text="What the customer changed against the previous version")
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order", "-version"]
        constraints = [models.UniqueConstraint(fields=["order", "version"], name="unique_sales_version")]

    def __str__(self):
        return f"{self.order.order_number} v{self.version}"


class SalesOrderLine(models.Model):
    """A line of the customer's latest version, as rows (pages never parse the XML again): what the
    customer asks for, what we last confirmed, and its status as Jakamo shows it."""

    order = models.ForeignKey(SalesOrder, on_delete=models.CASCADE, related_name="lines")
    line_id = models.CharField(max_length=50)
    item_name = models.CharField(max_length=300, blank=True)
    buyers_item_id = models.CharField(max_length=200, blank=True)
    sellers_item_id = models.CharField(max_length=200, blank=True)
    quantity = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    unit_code = models.CharField(max_length=10, blank=True)
    unit_price = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    confirmed_quantity = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    confirmed_unit_price = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    status = models.CharField(max_length=30, blank=True, help_text="Line status as Jakamo shows it")
    changed_in_version = models.PositiveIntegerField(
        null=True, blank=True, help_text="The customer's version that last changed this line"
    )

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["order", "line_id"], name="unique_sales_line_per_order")]

    def __str__(self):
        return f"{self.order.order_number}/{self.line_id}"

    @property
    def is_cancelled(self) -> bool:
        return self.status == "Cancelled"


class SalesOrderBatch(models.Model):
    line = models.ForeignKey(SalesOrderLine, on_delete=models.CASCADE, related_name="batches")
    batch_id = models.CharField(max_length=200)
    quantity = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    requested_date = models.DateField(null=True, blank=True)
    confirmed_quantity = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    promised_date = models.DateField(null=True, blank=True)
    added_by_us = models.BooleanField(default=False)
    delivered_date = models.DateField(null=True, blank=True)
    tracking_number = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["line", "id"]
        constraints = [models.UniqueConstraint(fields=["line", "batch_id"], name="unique_sales_batch_per_line")]

    def __str__(self):
        return self.batch_id


class SalesConfirmation(models.Model):
    class Kind(models.TextChoices):
        AS_REQUESTED = "as_requested", _("Confirmed as requested")
        WITH_CHANGES = "with_changes", _("Confirmed with changes")
        REJECTED = "rejected", _("Rejected")
        DELIVERED = "delivered", _("Marked delivered")

    order = models.ForeignKey(SalesOrder, on_delete=models.CASCADE, related_name="confirmations")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    version = models.PositiveIntegerField(help_text="The customer's version this answers")
    document_xml = models.TextField(blank=True)
    note = models.TextField(blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    source = models.CharField(
        max_length=200, blank=True, help_text="Who answered when no person did, e.g. “ShipHero (webhook)”"
    )
    at = models.DateTimeField(auto_now_add=True)
    outbox = models.ForeignKey(OutboxMessage, null=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"{self.get_kind_display()} by {self.user or self.source}"
