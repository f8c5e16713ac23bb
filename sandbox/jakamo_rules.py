"""How the simulated Jakamo judges incoming documents: the checks behind each 400 answer of the
reference tables, and the order status Jakamo would show."""

from __future__ import annotations

from decimal import Decimal

from jakamo import ubl
from jakamo.reasons import by_code

from .models import OrderStatus


class Refusal(Exception):
    """A Jakamo 400 answer: ``text`` is Jakamo's exact response body."""

    def __init__(self, code: str, text: str | None = None):
        self.code = code
        self.text = text or by_code(code).text
        super().__init__(self.text)


def lines_by_id(doc: ubl.OrderDocument | None) -> dict[str, ubl.OrderLine]:
    """``doc.line`` for every line at once: looking each line up in a loop over another document's
    lines walked the whole list each time (25 million steps for two 5,000-line documents). The
    first line with an id wins, as with ``doc.line``."""
    found: dict[str, ubl.OrderLine] = {}
    for line in doc.lines if doc is not None else ():
        found.setdefault(line.id, line)
    return found


def check_order(doc: ubl.OrderDocument, *, new: bool):
    """The PO API's checks, in the order Jakamo applies them (first failure answers)."""
    if doc.issue_date is None:
        raise Refusal("invalid_issue_date")
    if not doc.lines:
        raise Refusal("incorrect_order_data")
    for line in doc.lines:
        if not line.id:
            raise Refusal("incorrect_order_data")
        if line.quantity is None and line.line_status_code != ubl.CANCELLED:
            raise Refusal("line_missing_quantity")
        if line.price is None or line.price.amount is None:
            raise Refusal("price_required")


def check_order_response(doc: ubl.OrderDocument):
    if not doc.order_reference_id or not doc.lines:
        raise Refusal("incorrect_order_response")
    for line in doc.lines:
        if line.quantity is None and line.line_status_code not in (ubl.OPEN, ubl.CANCELLED):
            raise Refusal("line_missing_quantity")
        if (line.price is None or line.price.amount is None) and line.line_status_code not in (
            ubl.OPEN,
            ubl.CANCELLED,
        ):
            raise Refusal("price_required")


def _batch_key(line: ubl.OrderLine) -> dict[str, ubl.Delivery]:
    return {d.id or "": d for d in line.deliveries}


def line_matches(requested: ubl.OrderLine, confirmed: ubl.OrderLine, *, compare_sellers_item_id: bool) -> bool:
    """Confirmed as requested: same quantity, unit price, requested vs promised date (and the
    seller's item id when the integration compares it)."""
    if confirmed.line_status_code in (ubl.OPEN, ubl.DRAFT):
        return False
    rq = requested.quantity.value if requested.quantity else None
    cq = confirmed.quantity.value if confirmed.quantity else None
    if rq != cq:
        return False
    rp = requested.price.unit_price if requested.price else None
    cp = confirmed.price.unit_price if confirmed.price else None
    if rp is not None and cp is not None and rp != cp:
        return False
    r_batches, c_batches = _batch_key(requested), _batch_key(confirmed)
    if set(c_batches) - set(r_batches):
        return False  # supplier added batches
    for key, rb in r_batches.items():
        cb = c_batches.get(key)
        if cb is None:
            continue
        if (rb.quantity.value if rb.quantity else None) != (cb.quantity.value if cb.quantity else None):
            return False
        if rb.requested_end_date and cb.promised_end_date and rb.requested_end_date != cb.promised_end_date:
            return False
    if compare_sellers_item_id:
        rs = requested.item.sellers_item_id if requested.item else None
        cs = confirmed.item.sellers_item_id if confirmed.item else None
        if rs != cs:
            return False
    return True


def line_is_cancelled(line: ubl.OrderLine) -> bool:
    if line.line_status_code == ubl.CANCELLED:
        return True
    qty_zero = line.quantity is not None and line.quantity.value == 0
    batches_zero = all(d.quantity is None or d.quantity.value == 0 for d in line.deliveries)
    return qty_zero and batches_zero


def confirmation_status(
    requested: ubl.OrderDocument, confirmed: ubl.OrderDocument, *, compare_sellers_item_id=False, actor="supplier"
) -> str:
    """The order status once requested and confirmed values are compared (PO document 6.2, 6.3,
    6.9): a difference waits for the party that did not act last."""
    active = [c for c in confirmed.lines if c.line_status_code != ubl.CANCELLED]
    if not active:
        # The buyer's OrderChange after a rejection puts the order before the supplier again.
        return OrderStatus.REJECTED if actor == "supplier" else OrderStatus.WAITING_SUPPLIER
    mismatch = False
    confirmed_lines = lines_by_id(confirmed)
    for req_line in requested.lines:
        if line_is_cancelled(req_line):
            continue
        conf_line = confirmed_lines.get(req_line.id)
        if conf_line is not None and conf_line.line_status_code in (ubl.OPEN, ubl.DRAFT):
            # A line not (finally) confirmed: the supplier still owes a confirmation.
            return OrderStatus.WAITING_SUPPLIER
        if conf_line is None or not line_matches(req_line, conf_line, compare_sellers_item_id=compare_sellers_item_id):
            mismatch = True
    if mismatch:
        return OrderStatus.WAITING_CUSTOMER if actor == "supplier" else OrderStatus.WAITING_SUPPLIER
    return OrderStatus.CONFIRMED


def receiving_status(requested: ubl.OrderDocument, state: dict, confirmed: ubl.OrderDocument | None) -> str | None:
    """Started receiving / Received from the per-batch received quantities, or None."""
    any_received = False
    all_received = True
    confirmed_lines = lines_by_id(confirmed)
    for line in requested.lines:
        if line_is_cancelled(line):
            continue
        line_state = state.get(line.id, {})
        if line_state.get("status") == ubl.RECEIVED:
            any_received = True
            continue
        batches = line_state.get("batches", {})
        targets = batch_targets(line, confirmed_lines.get(line.id))
        line_done = bool(targets)
        for batch_id, target in targets.items():
            received = Decimal(batches.get(batch_id, {}).get("received", "0"))
            if received > 0:
                any_received = True
            if received < target:
                line_done = False
        if not line_done:
            all_received = False
    if all_received and any_received:
        return OrderStatus.RECEIVED
    if any_received:
        return OrderStatus.STARTED_RECEIVING
    return None


def batch_targets(requested: ubl.OrderLine, confirmed: ubl.OrderLine | None) -> dict[str, Decimal]:
    """Quantity to receive per batch: what is agreed, which is the requested batch quantity. A
    confirmation with changes is not agreed until the buyer accepts it, and accepting copies the
    confirmed values into the request (``accept_confirmed_values``); a rejected one never is.
    ``confirmed`` is kept in the signature for callers that pass it."""
    targets = {d.id or "": d.quantity.value for d in requested.deliveries if d.quantity is not None}
    if not targets:
        targets[""] = requested.quantity.value if requested.quantity else Decimal(0)
    return targets
