"""The statuses of shipments as a table of allowed transitions; every change goes through
``move`` (common.transitions checks it and writes the audit row)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from common import transitions
from common.transitions import Table

from .models import ShipmentStatus, WebhookState

SHIPMENT = Table(
    name=_("shipment"),
    field="status",
    labels=dict(ShipmentStatus.choices),
    initial=frozenset({ShipmentStatus.EXPECTED}),
    allowed={
        ShipmentStatus.EXPECTED: frozenset({ShipmentStatus.PARTLY_RECEIVED, ShipmentStatus.RECEIVED}),
        # Items linked by hand after a partial receipt are received in a second pass.
        ShipmentStatus.PARTLY_RECEIVED: frozenset({ShipmentStatus.RECEIVED}),
        ShipmentStatus.RECEIVED: frozenset(),
    },
)

W = WebhookState
_PROCESSED = frozenset({W.WAITING, W.DELIVERED, W.NEEDS_ATTENTION, W.IGNORED, W.REPEAT})
SHIPHERO_CALL = Table(
    name=_("ShipHero call"),
    field="state",
    labels=dict(WebhookState.choices),
    initial=frozenset({W.RECEIVED, W.INVALID}),
    allowed={
        W.RECEIVED: _PROCESSED,
        # Processed again when the shipment comes, after a link by hand, or on a replay (back to received).
        W.WAITING: _PROCESSED | {W.RECEIVED},
        W.NEEDS_ATTENTION: _PROCESSED | {W.RECEIVED},
        W.IGNORED: frozenset({W.RECEIVED}),
        W.REPEAT: frozenset({W.RECEIVED}),
        # Delivered went out once and is never sent again; an invalid payload stays refused.
        W.DELIVERED: frozenset(),
        W.INVALID: frozenset(),
    },
)

TABLES = (SHIPMENT, SHIPHERO_CALL)
initial = transitions.initial
record_start = transitions.record_start


def move(table: Table, obj, after: str, **kwargs) -> bool:
    return transitions.move(table, obj, after, **kwargs)
