"""Roles are Django groups with a fixed set of portal permissions; the navigation shows each
person only the sections their permissions open."""

from dataclasses import dataclass

from django.urls import reverse
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
    return f"jakamo_portal.{codename}"


@dataclass(frozen=True)
class NavItem:
    label: object  # a lazy translation
    url_name: str
    permission: str | None  # None: everyone signed in


NAVIGATION = [
    NavItem(_("Home"), "home", None),
    NavItem(_("Purchase orders"), "orders:purchase_list", perm("view_purchase_orders")),
    NavItem(_("Review"), "orders:review_queue", perm("review_confirmations")),
    NavItem(_("Sales orders"), "orders:sales_list", perm("view_sales_orders")),
    NavItem(_("Shipments"), "shipments:list", perm("view_shipments")),
    NavItem(_("Integrations"), "mappings:integration_list", perm("manage_integrations")),
    NavItem(_("Messages"), "exchange:message_list", perm("view_message_history")),
    NavItem(_("Sandbox"), "sandbox:home", perm("use_sandbox")),
]


def visible_navigation(user, current_path: str = "") -> list[dict]:
    from django.conf import settings

    items = []
    for item in NAVIGATION:
        if item.permission and not user.has_perm(item.permission):
            continue
        if item.url_name == "sandbox:home" and not settings.SANDBOX_ENABLED:
            continue
        url = reverse(item.url_name)
        active = current_path == url if url == "/" else current_path.startswith(url)
        entry = {"label": item.label, "url": url, "active": active}
        if item.url_name == "orders:review_queue":
            from orders.selectors import review_count

            entry["count"] = review_count()
        items.append(entry)
    # Only the most specific section is current (/orders/purchase/review/ is Review, not Purchase orders).
    best = max((i for i in items if i["active"]), key=lambda i: len(i["url"]), default=None)
    for entry in items:
        entry["active"] = entry is best
    return items


def navigation(request):
    """Template context processor."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    roles = [ROLE_LABELS.get(name, name) for name in sorted(user.groups.values_list("name", flat=True))]
    return {"nav_items": visible_navigation(user, request.path), "user_roles": roles}


def ensure_roles():
    """Create the role groups with their permissions if missing (a database flush removes what
    the data migration made; permissions themselves come back with post_migrate)."""
    from django.contrib.auth.models import Group, Permission

    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(
            Permission.objects.filter(content_type__app_label="jakamo_portal", codename__in=codenames)
        )
