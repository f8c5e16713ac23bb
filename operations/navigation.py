"""The navigation: each person sees only the sections their permissions open (a template context
processor, so every page has it)."""

from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from common.roles import ROLE_LABELS, perm
from orders.selectors import review_count, sales_waiting_count


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
            entry["count"] = review_count()
        elif item.url_name == "orders:sales_list":
            entry["count"] = sales_waiting_count()
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
