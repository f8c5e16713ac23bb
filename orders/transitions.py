"""The statuses of orders, their lines and the supplier's confirmations, on both sides, as tables of
allowed transitions (``manage.py transitions`` prints them; the README shows them). Every status
change of these models goes through ``move`` here (common.transitions does the checking and the
audit row); nothing else assigns a status field (tests/test_layers.py checks).

Status names are Jakamo's: the order statuses of PO document 6.2 and the SO document, the line
statuses (LineStatusCode) of PO document 6.4's table."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from common import transitions
from common.transitions import Table
from jakamo import ubl

from .models import Confirmation, OrderStatus, SalesStatus

PO = OrderStatus
S = SalesStatus
D = Confirmation.Decision


def _table(name, field, choices, initial, allowed) -> Table:
    return Table(
        name=name,
        field=field,
        labels={value: label for value, label in choices},
        initial=frozenset(initial),
        allowed={k: frozenset(v) for k, v in allowed.items()},
    )


# -- the buyer's side ------------------------------------------------------------------------------
# A confirmation may arrive in any open state (Jakamo queues them whenever the supplier acts), so
# the confirmation-driven statuses reach each other; receiving and cancelling are one-way.
_ANSWERED = (PO.WAITING_SUPPLIER, PO.WAITING_CUSTOMER, PO.CONFIRMED, PO.REJECTED)
PURCHASE_ORDER = _table(
    _("purchase order"),
    "status",
    OrderStatus.choices,
    [PO.WAITING_SUPPLIER],
    {
        PO.WAITING_SUPPLIER: [*_ANSWERED, PO.STARTED_RECEIVING, PO.RECEIVED, PO.CANCELLED],
        PO.WAITING_CUSTOMER: [*_ANSWERED, PO.STARTED_RECEIVING, PO.RECEIVED, PO.CANCELLED],
        PO.CONFIRMED: [*_ANSWERED, PO.STARTED_RECEIVING, PO.RECEIVED, PO.CANCELLED],
        # The buyer's OrderChange after the supplier's rejection puts the order before the supplier again.
        PO.REJECTED: [PO.WAITING_SUPPLIER, PO.CANCELLED],
        PO.STARTED_RECEIVING: [PO.RECEIVED],
        PO.RECEIVED: [],
        PO.CANCELLED: [],
    },
)

NOT_CONFIRMED = ""
LINE_CHOICES = [
    (NOT_CONFIRMED, _("Not confirmed yet")),
    (ubl.OPEN, _("Open")),
    (ubl.DRAFT, _("Draft")),
    (ubl.CONFIRMED, _("Confirmed")),
    (ubl.CONFIRMED_WITH_CHANGES, _("Confirmed with changes")),
    (ubl.STARTED_RECEIVING, _("Started receiving")),
    (ubl.RECEIVED, _("Received")),
    (ubl.CANCELLED, _("Cancelled")),
]
# What a supplier's confirmation may say of a line (PO document 6.4): never a buyer's status.
SUPPLIER_LINE_STATUSES = frozenset({ubl.OPEN, ubl.DRAFT, ubl.CONFIRMED, ubl.CONFIRMED_WITH_CHANGES, ubl.CANCELLED})
_CONFIRMING = [NOT_CONFIRMED, *SUPPLIER_LINE_STATUSES]
PURCHASE_LINE = _table(
    _("order line"),
    "status",
    LINE_CHOICES,
    [NOT_CONFIRMED, ubl.CANCELLED],
    {
        **{s: [*_CONFIRMING, ubl.STARTED_RECEIVING, ubl.RECEIVED] for s in _CONFIRMING if s != ubl.CANCELLED},
        ubl.STARTED_RECEIVING: [ubl.RECEIVED, ubl.CANCELLED],
        ubl.RECEIVED: [],
        ubl.CANCELLED: [],
    },
)

CONFIRMATION = _table(
    _("confirmation"),
    "decision",
    Confirmation.Decision.choices,
    [D.NONE_NEEDED, D.PENDING, D.WAITING_SUPPLIER, D.SUPPLIER_REJECTED],
    {D.PENDING: [D.ACCEPTED, D.REJECTED, D.PARTLY, D.SUPERSEDED]},
)

# -- the seller's side -------------------------------------------------------------------------------
SALES_ORDER = _table(
    _("sales order"),
    "status",
    SalesStatus.choices,
    [S.WAITING_US],
    {
        S.WAITING_US: [S.WAITING_CUSTOMER, S.CONFIRMED, S.REJECTED, S.CANCELLED],
        S.WAITING_CUSTOMER: [S.WAITING_US, S.CONFIRMED, S.REJECTED, S.CANCELLED],
        S.CONFIRMED: [S.WAITING_US, S.WAITING_CUSTOMER, S.DELIVERED, S.CANCELLED],
        # Delivered, rejected and cancelled orders are closed in Jakamo: nothing reopens them.
        S.DELIVERED: [],
        S.REJECTED: [],
        S.CANCELLED: [],
    },
)

DELIVERED = "Delivered"
SALES_LINE = _table(
    _("sales order line"),
    "status",
    [*[c for c in LINE_CHOICES if c[0] not in (ubl.STARTED_RECEIVING, ubl.RECEIVED)], (DELIVERED, _("Delivered"))],
    [NOT_CONFIRMED, ubl.CANCELLED],
    {
        **{s: [*_CONFIRMING, DELIVERED] for s in _CONFIRMING if s != ubl.CANCELLED},
        DELIVERED: [],
        ubl.CANCELLED: [],
    },
)

TABLES = (PURCHASE_ORDER, PURCHASE_LINE, CONFIRMATION, SALES_ORDER, SALES_LINE)


def initial(table: Table, status: str) -> str:
    """See common.transitions.initial."""
    return transitions.initial(table, status)


def move(table: Table, obj, after: str, **kwargs) -> bool:
    """See common.transitions.move."""
    return transitions.move(table, obj, after, **kwargs)


def move_many(table: Table, objs, after, **kwargs) -> int:
    return transitions.move_many(table, objs, after, **kwargs)
