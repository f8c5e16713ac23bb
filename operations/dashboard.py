"""The numbers on each person's home page. Every figure comes with the URL of the list that shows
exactly the rows it counts, so a number can always be clicked through and checked."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from exchange.models import InboxMessage, OutboxMessage, SyncState
from mappings.models import Integration
from orders import selectors as order_selectors
from orders.models import OrderStatus, SalesStatus
from shipments.models import ShipHeroWebhook, WebhookState
from shipments.selectors import attention_counts

from .models import Incident


@dataclass
class Figure:
    key: str
    label: str
    count: int
    url: str
    urgent: bool = False


@dataclass
class Block:
    title: str
    figures: list[Figure] = field(default_factory=list)


def _url(name: str, **params) -> str:
    url = reverse(name)
    return f"{url}?{urlencode(params)}" if params else url


def purchaser_block(user) -> Block:
    days = settings.UNCONFIRMED_AFTER_DAYS
    po = order_selectors.purchase_orders
    return Block(
        _("Purchasing"),
        [
            Figure(
                "review",
                _("Confirmations awaiting review"),
                order_selectors.review_count(),
                _url("orders:review_queue"),
                urgent=True,
            ),
            Figure(
                "review_mine",
                _("… of them your orders"),
                order_selectors.review_queue({"purchaser": user.username}).count(),
                _url("orders:review_queue", purchaser=user.username),
            ),
            Figure(
                "not_sent",
                _("Orders not sent to Jakamo: blocked by a missing mapping or refused"),
                order_selectors.unsent_count(),
                _url("orders:purchase_list", sending=order_selectors.NOT_SENT),
                urgent=True,
            ),
            Figure(
                "unconfirmed",
                _("Unconfirmed by the supplier after %(days)s days") % {"days": days},
                po({"status": OrderStatus.WAITING_SUPPLIER, "older_than": days}).count(),
                _url("orders:purchase_list", status=OrderStatus.WAITING_SUPPLIER, older_than=days),
                urgent=True,
            ),
            Figure(
                "due_week",
                _("Orders with deliveries due this week"),
                po({"due": "week"}).count(),
                _url("orders:purchase_list", due="week"),
            ),
            Figure(
                "late",
                _("Orders with late deliveries"),
                po({"due": "late"}).count(),
                _url("orders:purchase_list", due="late"),
                urgent=True,
            ),
        ],
    )


def sales_block() -> Block:
    so = order_selectors.sales_orders
    return Block(
        _("Sales"),
        [
            Figure(
                "awaiting_us",
                _("Orders awaiting our confirmation"),
                so({"status": SalesStatus.WAITING_US}).count(),
                _url("orders:sales_list", status=SalesStatus.WAITING_US),
                urgent=True,
            ),
            Figure(
                "sales_due_week",
                _("Deliveries due this week"),
                so({"due": "week"}).count(),
                _url("orders:sales_list", due="week"),
            ),
            Figure(
                "sales_late",
                _("Late deliveries"),
                so({"due": "late"}).count(),
                _url("orders:sales_list", due="late"),
                urgent=True,
            ),
        ],
    )


FAILED_STATUSES = "failed,rejected,unknown"


def operations_block(user) -> Block:
    failed = InboxMessage.objects.filter(status=InboxMessage.Status.FAILED).count()
    failed += OutboxMessage.objects.filter(
        status__in=[OutboxMessage.Status.REJECTED, OutboxMessage.Status.UNKNOWN]
    ).count()
    block = Block(
        _("Integrations"),
        [
            Figure(
                "failed",
                _("Failed messages"),
                failed,
                _url("exchange:message_list", status=FAILED_STATUSES),
                urgent=True,
            ),
            Figure(
                "blocked",
                _("Sends blocked by a missing mapping"),
                OutboxMessage.objects.filter(status=OutboxMessage.Status.BLOCKED).count(),
                _url("exchange:message_list", direction="out", status=OutboxMessage.Status.BLOCKED),
                urgent=True,
            ),
        ],
    )
    if user.has_perm("common.view_shipments"):
        shipments = attention_counts()
        block.figures += [
            Figure(
                "unmatched_shipments",
                _("Shipments with items matching no order line"),
                shipments["unlinked_shipments"],
                _url("shipments:list", unmatched="on"),
            ),
            Figure(
                "unmatched_webhooks",
                _("ShipHero calls matching no sales order"),
                ShipHeroWebhook.objects.filter(state=WebhookState.NEEDS_ATTENTION).count(),
                _url("shipments:webhook_list"),
            ),
        ]
    return block


UNPROCESSED = [InboxMessage.Status.RECEIVED, InboxMessage.Status.ACKNOWLEDGED]


@dataclass
class Health:
    integration: Integration
    last_success_at: object
    consecutive_failures: int
    stuck: bool
    oldest_unprocessed: object
    unprocessed: int
    failed: int
    open_incidents: list
    unprocessed_url: str
    failed_url: str

    @property
    def healthy(self) -> bool:
        return not (self.open_incidents or self.stuck or self.consecutive_failures or self.failed)


def integration_health() -> list[Health]:
    """One row per integration, from three grouped queries whatever the number of messages."""
    integrations = list(
        Integration.objects.filter(archived_at__isnull=True).select_related("sync_state").order_by("name")
    )
    stats = {
        row["integration_id"]: row
        # Only the few rows that are not settled: the (status, received_at) index finds them.
        for row in InboxMessage.objects.filter(status__in=[*UNPROCESSED, InboxMessage.Status.FAILED])
        .values("integration_id")
        .annotate(
            oldest=Min("received_at", filter=Q(status__in=UNPROCESSED)),
            unprocessed=Count("id", filter=Q(status__in=UNPROCESSED)),
            failed=Count("id", filter=Q(status=InboxMessage.Status.FAILED)),
        )
    }
    incidents: dict[int, list] = {}
    for incident in Incident.objects.filter(resolved_at__isnull=True):
        incidents.setdefault(incident.integration_id, []).append(incident)
    rows = []
    for integration in integrations:
        s = stats.get(integration.pk, {})
        state = SyncState.current(integration)
        rows.append(
            Health(
                integration=integration,
                last_success_at=state.last_success_at,
                consecutive_failures=state.consecutive_failures,
                stuck=bool(state.stuck_reason),
                oldest_unprocessed=s.get("oldest"),
                unprocessed=s.get("unprocessed", 0),
                failed=s.get("failed", 0),
                open_incidents=incidents.get(integration.pk, []),
                unprocessed_url=_url(
                    "exchange:message_list", integration=integration.pk, direction="in", status=",".join(UNPROCESSED)
                ),
                failed_url=_url(
                    "exchange:message_list",
                    integration=integration.pk,
                    direction="in",
                    status=InboxMessage.Status.FAILED,
                ),
            )
        )
    return rows


def home(user) -> dict:
    blocks, health = [], None
    if user.has_perm("common.review_confirmations"):
        blocks.append(purchaser_block(user))
    if user.has_perm("common.confirm_sales_orders"):
        blocks.append(sales_block())
    if user.has_perm("common.view_message_history"):
        blocks.append(operations_block(user))
        health = integration_health()
    return {"blocks": blocks, "health": health}
