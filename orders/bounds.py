"""Which values from outside reach which column of this app, and the check that refuses a document
whose values do not fit (``common.limits``), each named by its element path and order line.

Every way in calls these before it writes: the ERP endpoint, the upload, the order form and the
gateway through ``purchase_order_create``/``purchase_order_revise`` (``order_problems``), the
Purchase Order and Sales Order queues through their routes (``checked``, in ``orders/apps.py``).
Derived values are bounded too: a line's value and the order's total must fit the total columns.

``REACHED`` lists every (model, field) a value from outside reaches, with the element it comes from;
``NOT_FROM_OUTSIDE`` the character columns that no document fills (or fills shortened on purpose),
with why. ``tests/portal/test_bounds.py`` goes through every character column of the models and
fails for one in neither list, then sends each listed one length + 1 through every way in."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from common.limits import Bounds
from jakamo import ubl
from jakamo.errors import DocumentError, Problem
from orders import deviations as dv
from orders.models import (
    Confirmation,
    DeliveryBatch,
    PurchaseOrder,
    PurchaseOrderLine,
    SalesConfirmation,
    SalesOrder,
    SalesOrderBatch,
    SalesOrderLine,
)

HEADER, LINE, BATCH = "header", "line", "batch"

# The flows a document is read in; each stores a different part of it.
PO_ORDER = "po_order"  # Order/OrderChange we send (ERP endpoint, upload, form, gateway)
PO_RESPONSE = "po_response"  # OrderResponse on the Purchase Order queue
PO_DELIVERED = "po_delivered"  # StatusMessage Delivered on the Purchase Order queue
SO_ORDER = "so_order"  # Order/OrderChange on the Sales Order queue


@dataclass(frozen=True)
class Reach:
    model: type
    field: str
    flow: str
    scope: str  # HEADER: once a document, LINE: once an order line, BATCH: once a delivery batch
    path: str  # below the root (below OrderLine for LINE and BATCH); "@name" is an attribute
    read: Callable


def _party_id(party):
    return party.party.id if party and party.party else None


def _party_name(party):
    return party.party.name if party and party.party else None


def _item_id(which: str):
    def read(line: ubl.OrderLine):
        ident = getattr(line.item, which) if line.item else None
        return ident.id if ident else None

    return read


REACHED: list[Reach] = [
    Reach(PurchaseOrder, "order_number", PO_ORDER, HEADER, "ID", lambda d: d.id),
    Reach(
        PurchaseOrder,
        "supplier_id",
        PO_ORDER,
        HEADER,
        "SellerSupplierParty/Party/PartyIdentification/ID",
        lambda d: d.vendor_id,
    ),
    Reach(
        PurchaseOrder,
        "supplier_name",
        PO_ORDER,
        HEADER,
        "SellerSupplierParty/Party/PartyName/Name",
        lambda d: _party_name(d.seller_supplier_party),
    ),
    Reach(
        PurchaseOrder,
        "buyer_contact_id",
        PO_ORDER,
        HEADER,
        "BuyerCustomerParty/BuyerContact/ID",
        lambda d: d.buyer_contact_id,
    ),
    Reach(PurchaseOrder, "currency", PO_ORDER, HEADER, "DocumentCurrencyCode", lambda d: d.document_currency_code),
    Reach(PurchaseOrderLine, "line_id", PO_ORDER, LINE, "LineItem/ID", lambda line: line.id),
    Reach(
        PurchaseOrderLine,
        "buyers_item_id",
        PO_ORDER,
        LINE,
        "LineItem/Item/BuyersItemIdentification/ID",
        _item_id("buyers_item_identification"),
    ),
    Reach(
        PurchaseOrderLine,
        "sellers_item_id",
        PO_ORDER,
        LINE,
        "LineItem/Item/SellersItemIdentification/ID",
        _item_id("sellers_item_identification"),
    ),
    Reach(
        PurchaseOrderLine,
        "unit_code",
        PO_ORDER,
        LINE,
        "LineItem/Quantity/@unitCode",
        lambda line: line.quantity.unit_code if line.quantity else None,
    ),
    Reach(DeliveryBatch, "batch_id", PO_ORDER, BATCH, "LineItem/Delivery/ID", lambda d: d.id),
    Reach(
        PurchaseOrderLine, "status", PO_RESPONSE, LINE, "LineItem/LineStatusCode", lambda line: line.line_status_code
    ),
    Reach(DeliveryBatch, "batch_id", PO_RESPONSE, BATCH, "LineItem/Delivery/ID", lambda d: d.id),
    Reach(PurchaseOrderLine, "tracking_number", PO_DELIVERED, HEADER, "TrackingNumber", lambda m: m.tracking_number),
    Reach(
        PurchaseOrderLine, "tracking_number", PO_DELIVERED, LINE, "TrackingNumber", lambda line: line.tracking_number
    ),
    Reach(
        DeliveryBatch, "tracking_number", PO_DELIVERED, BATCH, "Delivery/TrackingNumber", lambda d: d.tracking_number
    ),
    Reach(SalesOrder, "order_number", SO_ORDER, HEADER, "ID", lambda d: d.id),
    Reach(
        SalesOrder,
        "customer_id",
        SO_ORDER,
        HEADER,
        "BuyerCustomerParty/Party/PartyIdentification/ID",
        lambda d: d.buyer_id,
    ),
    Reach(
        SalesOrder,
        "customer_name",
        SO_ORDER,
        HEADER,
        "BuyerCustomerParty/Party/PartyName/Name",
        lambda d: _party_name(d.buyer_customer_party),
    ),
    Reach(
        SalesOrder,
        "seller_party_id",
        SO_ORDER,
        HEADER,
        "SellerSupplierParty/Party/PartyIdentification/ID",
        lambda d: d.vendor_id,
    ),
    Reach(SalesOrder, "currency", SO_ORDER, HEADER, "DocumentCurrencyCode", lambda d: d.document_currency_code),
    Reach(SalesOrderLine, "line_id", SO_ORDER, LINE, "LineItem/ID", lambda line: line.id),
    Reach(
        SalesOrderLine,
        "buyers_item_id",
        SO_ORDER,
        LINE,
        "LineItem/Item/BuyersItemIdentification/ID",
        _item_id("buyers_item_identification"),
    ),
    Reach(
        SalesOrderLine,
        "sellers_item_id",
        SO_ORDER,
        LINE,
        "LineItem/Item/SellersItemIdentification/ID",
        _item_id("sellers_item_identification"),
    ),
    Reach(
        SalesOrderLine,
        "unit_code",
        SO_ORDER,
        LINE,
        "LineItem/Quantity/@unitCode",
        lambda line: line.quantity.unit_code if line.quantity else None,
    ),
    Reach(SalesOrderBatch, "batch_id", SO_ORDER, BATCH, "LineItem/Delivery/ID", lambda d: d.id),
]

NOT_FROM_OUTSIDE = {
    (PurchaseOrder, "status"): "the portal's own status",
    (PurchaseOrderLine, "item_name"): "a shortened copy for lists: the document keeps the whole name",
    (SalesOrder, "status"): "the portal's own status",
    (SalesOrder, "confirm_url"): "the Jakamo-Confirm-Url header, kept by the inbox",
    (SalesConfirmation, "source"): "the portal's own words for an answer no person gave (ShipHero's webhook)",
    (Confirmation, "confirm_url"): "the Jakamo-Confirm-Url header, kept by the inbox",
    (Confirmation, "decision"): "the portal's own decision",
    (SalesOrderLine, "item_name"): "a shortened copy for lists: the document keeps the whole name",
    (SalesOrderLine, "status"): "the portal's own line status (our answers and deliveries)",
    (SalesOrderBatch, "tracking_number"): "our own Delivered (the form, or an ERP through the gateway): "
    "sales_deliver refuses a longer one by name",
}


def _root(doc) -> str:
    return getattr(doc, "kind", None) or "StatusMessage"


def _line_where(root: str, n: int, line_id: str | None, label: str | None = None) -> str:
    """``label``: _("line %(id)s") translated by a caller that names every line of a document (a
    translation costs some 13 µs: a fifth of a second over three passes of 5,000 lines)."""
    line = (label or _("line %(id)s")) % {"id": line_id or "?"}
    return f"{root}/OrderLine[{n}] ({line})"


def _lines(doc):
    return doc.lines


def _line_id(line) -> str | None:
    return getattr(line, "id", None) or getattr(line, "order_line_id", None)


def _batches(line):
    return line.deliveries


def value_problems(doc, flow: str) -> list[Problem]:
    """Every value of ``doc`` that ``flow`` stores and that does not fit its column."""
    bounds = Bounds()
    root = _root(doc)
    reaches = [r for r in REACHED if r.flow == flow]
    label = _("line %(id)s")
    for r in reaches:
        if r.scope == HEADER:
            bounds.text(r.read(doc), r.model, r.field, f"{root}/{r.path}")
    for n, line in enumerate(_lines(doc), 1):
        where = _line_where(root, n, _line_id(line), label)
        for r in reaches:
            if r.scope == LINE:
                bounds.text(r.read(line), r.model, r.field, f"{where}/{r.path}")
            elif r.scope == BATCH:
                container, name = r.path.rsplit("/", 1)
                for b, batch in enumerate(_batches(line), 1):
                    bounds.text(r.read(batch), r.model, r.field, f"{where}/{container}[{b}]/{name}")
    return bounds.problems


def total_problems(doc: ubl.OrderDocument, model: type = PurchaseOrder, field: str = "ordered_total") -> list[Problem]:
    """A line's value and the order's total must fit the total column, and each unit price its own:
    quantity and price each under the parser's limit can still multiply past both."""
    bounds = Bounds()
    root = _root(doc)
    total = Decimal(0)
    # Translated once, not twice a line (a tenth of a second at 5,000 lines).
    unit_price, line_value, label = _("The unit price"), _("The line's value"), _("line %(id)s")
    for n, line in enumerate(doc.lines, 1):
        where = _line_where(root, n, line.id, label)
        if line.quantity is not None:
            bounds.number(line.quantity.value, PurchaseOrderLine, "quantity", f"{where}/LineItem/Quantity", exact=True)
        for b, batch in enumerate(line.deliveries, 1):
            if batch.quantity is not None:
                bounds.number(
                    batch.quantity.value,
                    DeliveryBatch,
                    "confirmed_quantity" if model is Confirmation else "quantity",
                    f"{where}/LineItem/Delivery[{b}]/Quantity",
                    exact=True,
                )
        price = line.price.unit_price if line.price is not None else None
        if price is not None:
            bounds.number(
                price,
                PurchaseOrderLine,
                "unit_price",
                f"{where}/LineItem/Price",
                what=unit_price,
            )
        if dv.is_cancelled(line):
            continue
        value = dv.line_value(line)
        bounds.number(value, model, field, where, what=line_value)
        total += value
    if not bounds.problems:
        bounds.number(total, model, field, root, what=_("The order's total"))
    return bounds.problems


def duplicate_batches(doc: ubl.OrderDocument) -> list[Problem]:
    """A batch id twice in one line: the portal keeps one batch per id (and Jakamo one external id),
    so the second would be lost here while it is sent on. A batch without an id is kept under its
    line's id, so two of them in one line (or one beside a batch named like the line) collide too."""
    problems = []
    root = _root(doc)
    for n, line in enumerate(doc.lines, 1):
        seen: set[str] = set()
        for d in line.deliveries:
            key = d.id or line.id
            if key and key in seen:
                message = (
                    _("batch id “%(id)s” appears twice in this line; each delivery batch needs its own id")
                    % {"id": d.id}
                    if d.id
                    else _("a delivery batch has no ID, beside another; each delivery batch needs its own id")
                )
                problems.append(
                    Problem(message, f"{_line_where(root, n, line.id)}/LineItem/Delivery", code="repeated_batch")
                )
            if key:
                seen.add(key)
    return problems


def order_problems(doc: ubl.OrderDocument) -> list[Problem]:
    """An Order or OrderChange the buyer sends: every value fits, no batch id repeats, the totals fit."""
    return value_problems(doc, PO_ORDER) + duplicate_batches(doc) + total_problems(doc)


def response_problems(doc: ubl.OrderDocument) -> list[Problem]:
    return value_problems(doc, PO_RESPONSE) + total_problems(doc, Confirmation, "confirmed_total")


def sales_value_problems(doc: ubl.OrderDocument) -> list[Problem]:
    """A customer's order keeps its net value (``SalesOrder.value``): each line's value and the total
    must fit that column."""
    bounds = Bounds()
    root = _root(doc)
    total = Decimal(0)
    line_value, label = _("The line's value"), _("line %(id)s")  # translated once, not once a line
    for n, line in enumerate(doc.lines, 1):
        if dv.is_cancelled(line):
            continue
        value = dv.line_value(line)
        bounds.number(value, SalesOrder, "value", _line_where(root, n, line.id, label), what=line_value)
        total += value
    if not bounds.problems:
        bounds.number(total, SalesOrder, "value", root, what=_("The order's total"))
    return bounds.problems


def comparison_problems(comparison: dv.Comparison) -> list[Problem]:
    """The confirmed values the engine derives (a confirmed quantity at the ordered price, say) must
    fit the confirmation's total columns as much as the document's own."""
    bounds = Bounds()
    line_value, label = _("The line's value"), _("line %(id)s")  # translated once, not once a line
    for n, line in enumerate(comparison.lines, 1):
        where = _line_where("OrderResponse", n, line.line_id, label)
        bounds.number(line.confirmed_net, Confirmation, "confirmed_total", where, what=line_value)
    if not bounds.problems:
        for field, total in (
            ("ordered_total", comparison.ordered_total),
            ("confirmed_total", comparison.confirmed_total),
        ):
            bounds.number(total, Confirmation, field, "OrderResponse", what=_("The order's total"))
    return bounds.problems


def _raise(problems: Iterable[Problem]):
    problems = list(problems)
    if problems:
        raise DocumentError(problems)


CHECKS: dict[str, Callable] = {
    "OrderResponse": response_problems,
    "StatusMessage Delivered": lambda doc: value_problems(doc, PO_DELIVERED),
    "Order": lambda doc: value_problems(doc, SO_ORDER) + sales_value_problems(doc),
    "OrderChange": lambda doc: value_problems(doc, SO_ORDER) + sales_value_problems(doc),
}


def checked(handler: Callable, document_type: str) -> Callable:
    """``handler`` (a queue route) after the document's values are checked: a value that does not fit
    fails the message with every such value named, before anything is written."""
    check = CHECKS[document_type]

    @functools.wraps(handler)
    def route(inbox, identified):
        _raise(check(identified.document))
        return handler(inbox, identified)

    return route
