from django.db import models

from .transitions import StatusChange  # noqa: F401  (the model lives beside the mechanism)


class Portal(models.Model):
    """Holds the portal's own permissions; no table. Roles (groups) are built from these in
    the migration, so every view checks one named capability rather than a model's CRUD rights."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_purchase_orders", "View purchase orders"),
            ("manage_purchase_orders", "Create, revise and cancel purchase orders"),
            ("review_confirmations", "Review supplier confirmations"),
            ("receive_goods", "Receive goods"),
            ("view_sales_orders", "View sales orders"),
            ("confirm_sales_orders", "Confirm sales orders"),
            ("deliver_sales_orders", "Mark sales orders delivered"),
            ("view_shipments", "View shipments"),
            ("manage_integrations", "Manage integrations and credentials"),
            ("manage_mappings", "Manage company and user mappings"),
            ("view_message_history", "Read the message history"),
            ("reprocess_messages", "Reprocess and resend messages"),
            ("use_sandbox", "Use the Jakamo sandbox"),
        ]

    def __str__(self):
        return "Jakamo Portal"
