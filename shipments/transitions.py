"""The statuses of shipments as a table of allowed transitions; every change goes through
``move`` (common.transitions checks it and writes the audit row)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from common import transitions
from common.transitions import Table

from .models import ShipmentStatus

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

TABLES = (SHIPMENT,)
initial = transitions.initial
record_start = transitions.record_start


def move(table: Table, obj, after: str, **kwargs) -> bool:
    return transitions.move(table, obj, after, **kwargs)
