"""Reads for the seller's order page: what the customer's latest version changed on each line, and
what our latest answer with changes proposed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from jakamo import ubl
from jakamo.ubl_parse import parse_order_document
from orders.models import SalesConfirmation, SalesOrder
from orders.transitions import SALES_LINE

# The words customer_changes stores (English, in the version's JSON), as a person reads them.
CHANGE_LABELS = {
    "quantity": _("quantity"),
    "unit price": _("unit price"),
    "requested date": _("requested date"),
    "line added": _("line added"),
    "line cancelled": _("line cancelled"),
    "line left out (cancelled)": _("line left out (cancelled)"),
}


@dataclass
class LineChange:
    """What the customer's latest version changed on one line: the value before, per field."""

    quantity: str | None = None
    unit_price: str | None = None
    requested_dates: str | None = None
    whole_line: object = None  # "line added", "line cancelled"…, translated


def latest_changes(order: SalesOrder) -> dict[str, LineChange]:
    """Line id → what the customer's latest version changed there (nothing for the first version)."""
    if order.version <= 1:
        return {}
    latest = order.versions.filter(version=order.version).only("changes").first()
    result: dict[str, LineChange] = {}
    for change in latest.changes if latest else []:
        line = result.setdefault(str(change.get("line", "")), LineChange())
        what = change.get("what", "")
        if what == "quantity":
            line.quantity = change.get("before") or "—"
        elif what == "unit price":
            line.unit_price = change.get("before") or "—"
        elif what == "requested date":
            line.requested_dates = change.get("before") or "—"
        else:
            line.whole_line = CHANGE_LABELS.get(what, what)
    return result


def versions(order: SalesOrder) -> list:
    """The customer's versions, newest first, each with ``change_list``: its changes with what
    changed in the reader's words."""
    result = list(order.versions.defer("document_xml"))
    for version in result:
        version.change_list = [{**c, "what": CHANGE_LABELS.get(c.get("what"), c.get("what"))} for c in version.changes]
    return result


@dataclass
class ProposedBatch:
    id: str
    quantity: Decimal | None
    promised_date: date | None


@dataclass
class ProposedLine:
    id: str
    quantity: Decimal | None
    unit_code: str
    unit_price: Decimal | None
    value: Decimal | None
    status: str
    batches: list[ProposedBatch] = field(default_factory=list)


@dataclass
class Proposal:
    confirmation: SalesConfirmation
    lines: list[ProposedLine]
    note: str
    superseded: bool  # the customer has sent a newer version since


def latest_proposal(order: SalesOrder) -> Proposal | None:
    """Our latest answer with changes, as sent (its OrderResponse): each line's quantity, unit price,
    value, status and batches with promised dates, the note; None when we have sent none."""
    confirmation = (
        order.confirmations.filter(kind=SalesConfirmation.Kind.WITH_CHANGES)
        .select_related("outbox", "user")
        .defer("outbox__body")
        .order_by("-at", "-pk")
        .first()
    )
    if confirmation is None or not confirmation.document_xml:
        return None
    document = parse_order_document(confirmation.document_xml)
    lines = []
    for line in document.lines:
        status = ubl.normalise_status(line.line_status_code) or ""
        lines.append(
            ProposedLine(
                id=line.id,
                quantity=line.quantity.value if line.quantity else None,
                unit_code=(line.quantity.unit_code if line.quantity else None) or "",
                unit_price=line.price.unit_price if line.price else None,
                value=line.line_extension_amount.value if line.line_extension_amount else None,
                status=SALES_LINE.label(status),
                batches=[
                    ProposedBatch(
                        d.id or "—",
                        d.quantity.value if d.quantity else None,
                        d.promised_end_date or d.promised_start_date,
                    )
                    for d in line.deliveries
                ],
            )
        )
    return Proposal(
        confirmation=confirmation,
        lines=lines,
        note=" ".join(document.notes) or confirmation.note,
        superseded=confirmation.version < order.version,
    )
