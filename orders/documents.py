"""Pure document transformations for the buyer's decisions and the seller's answers (no database)."""

from __future__ import annotations

import copy
from datetime import date

from common.params import whole_number
from jakamo import ubl
from orders import deviations as dv


def next_sequence_number(current: str | None) -> str:
    """The SequenceNumberID after ``current``. We number an order's changes 1, 2, 3…; a revision file
    an ERP wrote may carry any text there, which starts the count rather than failing the change."""
    return str((whole_number(current, largest=10**18) or 0) + 1)


def adopt_confirmed(
    order: ubl.OrderDocument, confirmation: ubl.OrderDocument, line_ids=None, *, in_place: bool = False
) -> ubl.OrderDocument:
    """An OrderChange whose lines in ``line_ids`` (all when None) carry the supplier's confirmed
    values (quantity, price, batches with promised dates, seller's item id); other lines keep the
    ordered values. Open and Draft lines are left as ordered. ``in_place``: ``order`` is the
    caller's own fresh copy (just parsed), made into the change rather than copied: a deep copy
    of a 5,000-line order takes seconds."""
    change = order if in_place else copy.deepcopy(order)
    change.kind = ubl.ORDER_CHANGE
    change.issue_date = date.today()
    change.sequence_number_id = next_sequence_number(order.sequence_number_id)
    change.order_reference_id = order.id
    confirmed = {}
    for line in confirmation.lines:  # doc.line() for each line walked the list: quadratic
        confirmed.setdefault(line.id, line)
    for line in change.lines:
        if line_ids is not None and line.id not in line_ids:
            continue
        conf = confirmed.get(line.id)
        if conf is None or conf.line_status_code in (ubl.OPEN, ubl.DRAFT):
            continue
        if conf.line_status_code == ubl.CANCELLED:
            line.line_status_code = ubl.CANCELLED
            continue
        if line.line_extension_amount is not None or conf.line_extension_amount is not None:
            # Jakamo takes LineExtensionAmount before its own calculation (PO document 6.1): the
            # order's amount would contradict the confirmed quantity and price it now carries.
            line.line_extension_amount = ubl.Amount(
                dv.confirmed_line_value(copy.deepcopy(line), conf),
                (conf.line_extension_amount or line.line_extension_amount).currency,
            )
        if conf.allowance_charges:
            line.allowance_charges = list(conf.allowance_charges)
        if conf.quantity is not None:
            line.quantity = ubl.Quantity(
                conf.quantity.value, conf.quantity.unit_code or (line.quantity.unit_code if line.quantity else None)
            )
        if conf.price is not None and conf.price.amount is not None:
            line.price = ubl.Price(
                conf.price.amount,
                conf.price.base_quantity,
                conf.price.orderable_unit_factor_rate
                or (line.price.orderable_unit_factor_rate if line.price else None),
            )
        if conf.deliveries:
            template = line.deliveries[0] if line.deliveries else ubl.Delivery()
            by_id = {d.id: d for d in line.deliveries}
            line.deliveries = [
                ubl.Delivery(
                    id=d.id,
                    quantity=d.quantity,
                    document_references=(by_id.get(d.id) or template).document_references,
                    delivery_location=(by_id.get(d.id) or template).delivery_location,
                    requested_end_date=d.promised_end_date or (by_id.get(d.id) or template).requested_end_date,
                )
                for d in conf.deliveries
            ]
        if conf.item and conf.item.sellers_item_identification and line.item:
            line.item.sellers_item_identification = conf.item.sellers_item_identification
    return change


def restate(order: ubl.OrderDocument, *, in_place: bool = False) -> ubl.OrderDocument:
    """An OrderChange restating the ordered values (rejecting the supplier's changes);
    ``in_place`` as for ``adopt_confirmed``."""
    change = order if in_place else copy.deepcopy(order)
    change.kind = ubl.ORDER_CHANGE
    change.issue_date = date.today()
    change.sequence_number_id = next_sequence_number(order.sequence_number_id)
    change.order_reference_id = order.id
    return change


def confirmed_as_requested(request: ubl.OrderDocument) -> ubl.OrderDocument:
    """The confirmation a simple confirmation stands for (SO document 6.2.1): every line confirmed
    with the customer's values, each batch promised on the date it was requested for."""
    confirmed = copy.deepcopy(request)
    confirmed.kind = ubl.ORDER_RESPONSE
    for line in confirmed.lines:
        if line.line_status_code != ubl.CANCELLED:
            line.line_status_code = ubl.CONFIRMED
        for d in line.deliveries:
            d.promised_start_date = d.promised_start_date or d.requested_start_date or d.requested_end_date
            d.promised_end_date = d.promised_end_date or d.requested_end_date
    return confirmed


def negative_values(response: ubl.OrderDocument) -> list[str]:
    """Each negative quantity (on a line or a batch) or price in an OrderResponse, named by line: no
    order line can take one."""
    problems = []
    for line in response.lines:
        if line.quantity is not None and line.quantity.value < 0:
            problems.append(f"line {line.id} confirms a negative quantity ({line.quantity.value})")
        for d in line.deliveries:
            if d.quantity is not None and d.quantity.value < 0:
                problems.append(f"line {line.id}, batch {d.id} confirms a negative quantity ({d.quantity.value})")
        if line.price and line.price.amount and line.price.amount.value < 0:
            problems.append(f"line {line.id} confirms a negative price ({line.price.amount.value})")
    return problems


def batch_sum_problems(response: ubl.OrderDocument) -> list[str]:
    """Lines whose delivery batches do not add up to the line's quantity."""
    problems = []
    for line in response.lines:
        batches = [d.quantity.value for d in line.deliveries if d.quantity is not None]
        if line.quantity and batches and len(batches) == len(line.deliveries) and sum(batches) != line.quantity.value:
            problems.append(
                f"line {line.id}: the batches add up to {sum(batches).normalize():f}, "
                f"the line is {line.quantity.value.normalize():f}"
            )
    return problems
