"""Roles are Django groups with a fixed set of portal permissions; every view checks one named
permission (``perm("receive_goods")``), never a model's CRUD rights."""

from django.utils.translation import gettext_lazy as _

PURCHASERS = "Purchasers"
SALES = "Sales"
INTEGRATION_ADMINS = "Integration admins"
SUPPORT = "Support"

ROLE_PERMISSIONS = {
    PURCHASERS: [
        "view_purchase_orders",
        "manage_purchase_orders",
        "review_confirmations",
        "receive_goods",
        "view_shipments",
        "use_sandbox",
    ],
    SALES: ["view_sales_orders", "confirm_sales_orders", "deliver_sales_orders", "view_shipments", "use_sandbox"],
    INTEGRATION_ADMINS: [
        "manage_integrations",
        "manage_mappings",
        "view_message_history",
        "use_sandbox",
    ],
    SUPPORT: [
        "view_purchase_orders",
        "view_sales_orders",
        "view_shipments",
        "view_message_history",
        "reprocess_messages",
        "use_sandbox",
    ],
}


# The groups keep their English names (data); people see them in their own language.
ROLE_LABELS = {
    PURCHASERS: _("Purchasers"),
    SALES: _("Sales"),
    INTEGRATION_ADMINS: _("Integration admins"),
    SUPPORT: _("Support"),
}


def perm(codename: str) -> str:
    return f"common.{codename}"


def ensure_roles():
    """Create the role groups with their permissions if missing (a database flush removes what
    the data migration made; permissions themselves come back with post_migrate)."""
    from django.contrib.auth.models import Group, Permission

    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(Permission.objects.filter(content_type__app_label="common", codename__in=codenames))
