"""The deviation engine on every OrderResponse example of the PO document, and on the cases the
examples do not show (Draft, cancelled lines, rejection, seller's item id, missing lines)."""

import copy
from datetime import date
from decimal import Decimal

import pytest

from jakamo import ubl
from jakamo.ubl_parse import parse_order_document
from orders import deviations as dv
from tests.reference import by_title


@pytest.fixture
def ordered() -> ubl.OrderDocument:
    """The order the examples answer: the full PO with two identical lines, requested for 2023-01-28
    (the dates the "confirmed as requested" example promises)."""
    doc = parse_order_document(by_title("full PO: Sending a new order"))
    doc.lines[0].deliveries[0].requested_end_date = date(2023, 1, 28)
    second = copy.deepcopy(doc.lines[0])
    second.id = "2"
    doc.lines.append(second)
    return doc


def response(fragment: str) -> ubl.OrderDocument:
    return parse_order_document(by_title(fragment))


def test_confirmed_as_requested_has_no_deviations(ordered):
    result = dv.compare(ordered, response("Get confirmed OrderResponse"))
    assert result.matches and result.value_impact == 0
    # Each line's LineExtensionAmount, 960 (1,200 less its 20% discount), not 100 × 120 per 10.
    assert result.ordered_total == 2 * 960


def test_confirmed_with_changes_names_the_date_and_the_price(ordered):
    result = dv.compare(ordered, response("Get confirmed with changes OrderResponse"))
    assert [(d.kind, d.line_id, d.ordered, d.confirmed) for d in result.deviations] == [
        (dv.DATE, "1", "2023-01-28", "2023-03-29"),
        (dv.PRICE, "2", "12", "50"),
    ]
    assert "60 days later" in result.deviations[0].explanation
    # The order's 20% discount (in its LineExtensionAmount) holds for the confirmed price too.
    assert result.value_impact == Decimal("0.8") * 100 * (50 - 12)


def test_new_delivery_batches_are_flagged_and_the_split_batch_quantity_too(ordered):
    result = dv.compare(ordered, response("new deliveries"))
    kinds = [(d.kind, d.batch_id) for d in result.deviations]
    assert kinds == [
        (dv.QUANTITY, "DELIVERY_ID_1"),
        (dv.ADDED_BATCH, "DELIVERY_ID_1.1"),
        (dv.ADDED_BATCH, "DELIVERY_ID_1.2"),
    ]
    line = result.lines[0]
    assert [(b.batch_id, b.confirmed_quantity, b.added) for b in line.batches] == [
        ("DELIVERY_ID_1", 33, False),
        ("DELIVERY_ID_1.1", 33, True),
        ("DELIVERY_ID_1.2", 34, True),
    ]
    assert result.value_impact == 0  # same line total, spread over three dates


def test_partially_confirmed_leaves_a_line_open(ordered):
    result = dv.compare(ordered, response("partially confirmed"))
    assert [(d.kind, d.line_id) for d in result.deviations] == [(dv.OPEN_LINE, "1")]
    assert result.lines[0].status == ubl.OPEN and result.value_impact == 0


def test_the_sellers_item_id_counts_only_when_the_integration_compares_it(ordered):
    confirmation = response("Get confirmed OrderResponse")
    confirmation.lines[1].item.sellers_item_identification = ubl.ItemIdentification("OTHER-9")
    assert dv.compare(ordered, confirmation).matches
    result = dv.compare(ordered, confirmation, compare_sellers_item_id=True)
    assert [(d.kind, d.line_id, d.ordered, d.confirmed) for d in result.deviations] == [
        (dv.SELLERS_ITEM_ID, "2", "PART54321", "OTHER-9")
    ]


def test_draft_lines_cancelled_lines_and_missing_lines(ordered):
    confirmation = response("Get confirmed OrderResponse")
    confirmation.lines[0].line_status_code = ubl.DRAFT
    confirmation.lines[1].line_status_code = ubl.CANCELLED
    result = dv.compare(ordered, confirmation)
    assert [(d.kind, d.line_id) for d in result.deviations] == [(dv.DRAFT_LINE, "1"), (dv.CANCELLED_LINE, "2")]
    assert result.confirmed_total == 960 and result.value_impact == -960
    confirmation.lines = confirmation.lines[:1]
    assert dv.MISSING_LINE in dv.compare(ordered, confirmation).kinds


def test_a_rejected_order_is_one_deviation_worth_the_whole_order(ordered):
    confirmation = response("Get confirmed OrderResponse")
    for line in confirmation.lines:
        line.line_status_code = ubl.CANCELLED
    result = dv.compare(ordered, confirmation)
    assert result.rejected and [d.kind for d in result.deviations] == [dv.REJECTED]
    assert result.confirmed_total == 0 and result.value_impact == -1920


def test_unit_prices_not_raw_amounts_are_compared(ordered):
    confirmation = response("Get confirmed OrderResponse")
    confirmation.lines[0].price = ubl.Price(ubl.Amount(Decimal(12), "EUR"))  # 12 per 1 == 120 per 10
    confirmation.lines[1].price = ubl.Price(ubl.Amount(Decimal(1200), "EUR"), ubl.Quantity(Decimal(100)))
    assert dv.compare(ordered, confirmation).matches


def test_lines_the_buyer_cancelled_are_not_compared(ordered):
    ordered.lines[1].line_status_code = ubl.CANCELLED
    confirmation = response("Get confirmed OrderResponse")
    confirmation.lines[1].quantity = ubl.Quantity(Decimal(5))
    result = dv.compare(ordered, confirmation)
    assert result.matches and [line.line_id for line in result.lines] == ["1"]


def test_jakamos_messy_sample_can_be_compared_without_errors():
    from tests.reference import REAL_FIXTURES, require_shared

    require_shared()
    confirmation = parse_order_document((REAL_FIXTURES / "jakamo-sample-order-response.xml").read_bytes())
    order = copy.deepcopy(confirmation)
    order.kind = ubl.ORDER
    for line in order.lines:
        line.line_status_code = None
    result = dv.compare(order, confirmation)
    assert result.ordered_total == result.confirmed_total


def test_values_read_the_same_however_often_and_in_whatever_order_they_are_formatted():
    # The formatter remembers what it formatted, and equal values share a memory: -0 equals 0,
    # 1E+2 equals 100.00, so each pair must read alike whichever of them comes first.
    assert [dv._fmt(Decimal(v)) for v in ("-0", "0", "0.000", "-0.0")] == ["0"] * 4
    assert [dv._fmt(Decimal(v)) for v in ("1E+2", "100.00", "100")] == ["100"] * 3
    assert dv._fmt(Decimal("12.50")) == "12.5" and dv._fmt("12.50") == "12.50"
    assert dv._fmt(date(2027, 1, 31)) == "2027-01-31" and dv._fmt(None) == "—"


# -- what a confirmation can differ in besides the values -------------------------------------------
def needs_review(result) -> bool:
    return not result.matches and not result.only_unconfirmed


def test_a_confirmation_in_another_currency_at_the_same_number_is_a_deviation(ordered):
    confirmation = response("Get confirmed OrderResponse")
    confirmation.document_currency_code = "USD"
    for line in confirmation.lines:
        line.price.amount.currency = "USD"
    result = dv.compare(ordered, confirmation)
    assert [(d.kind, d.ordered, d.confirmed) for d in result.deviations] == [(dv.CURRENCY, "EUR", "USD")]
    assert needs_review(result)


def test_a_repeated_line_is_a_deviation(ordered):
    confirmation = response("Get confirmed OrderResponse")
    confirmation.lines.append(copy.deepcopy(confirmation.lines[0]))
    result = dv.compare(ordered, confirmation)
    assert [(d.kind, d.line_id, d.confirmed) for d in result.deviations] == [(dv.REPEATED_LINE, "1", "2")]
    assert needs_review(result)


def test_an_unknown_line_status_is_named_with_the_statuses_jakamo_has(ordered):
    confirmation = response("Get confirmed OrderResponse")
    confirmation.lines[1].line_status_code = "Shipped"
    result = dv.compare(ordered, confirmation)
    assert [(d.kind, d.line_id, d.confirmed) for d in result.deviations] == [(dv.UNKNOWN_STATUS, "2", "Shipped")]
    assert "Confirmed with changes" in result.deviations[0].explanation
    assert needs_review(result)


def test_a_line_the_order_does_not_have_is_named_beside_the_missing_one(ordered):
    confirmation = response("Get confirmed OrderResponse")
    confirmation.lines[1].id = "7"
    result = dv.compare(ordered, confirmation)
    assert [(d.kind, d.line_id) for d in result.deviations] == [(dv.MISSING_LINE, "2"), (dv.UNKNOWN_LINE, "7")]
    assert "line 2 is missing" in result.deviations[1].explanation
    assert needs_review(result)


def test_a_batch_confirmed_under_another_id_is_not_the_same_batch(ordered):
    confirmation = response("Get confirmed OrderResponse")
    confirmation.lines[0].deliveries[0].id = "OTHER-BATCH"
    result = dv.compare(ordered, confirmation)
    assert [(d.kind, d.batch_id) for d in result.deviations] == [
        (dv.UNCONFIRMED_BATCH, "DELIVERY_ID_1"),
        (dv.ADDED_BATCH, "OTHER-BATCH"),
    ]
    assert needs_review(result)


# -- net values (PO document 6.1) ----------------------------------------------------------------
def line(quantity, price, base=1, factor=None, charges=(), extension=None) -> ubl.OrderLine:
    return ubl.OrderLine(
        "1",
        quantity=ubl.Quantity(Decimal(quantity)),
        line_extension_amount=ubl.Amount(Decimal(extension)) if extension is not None else None,
        allowance_charges=list(charges),
        price=ubl.Price(
            ubl.Amount(Decimal(price)),
            ubl.Quantity(Decimal(base)),
            Decimal(factor) if factor is not None else None,
        ),
    )


def test_line_extension_amount_comes_before_the_calculated_value():
    assert dv.line_value(line(100, 120, base=10, extension=960)) == 960


def test_discounts_charges_and_the_orderable_unit_factor_make_the_calculated_value():
    discount = ubl.AllowanceCharge(False, Decimal("0.2"), ubl.Amount(Decimal(240)))
    assert dv.line_value(line(100, 120, base=10, charges=[discount])) == 960
    # "a package with 10 x 1 meter pipes… PriceAmount = 12, BaseQuantity = 1, OrderableUnitFactorRate = 10"
    assert dv.line_value(line(3, 12, factor=10)) == 360
    freight = ubl.AllowanceCharge(True, None, ubl.Amount(Decimal(15)))
    assert dv.line_value(line(3, 12, factor=10, charges=[freight])) == 375


def test_a_changed_factor_is_a_price_deviation_and_changes_the_value():
    order = ubl.OrderDocument(ubl.ORDER, "N-1", lines=[line(3, 12, factor=10)])
    confirmation = ubl.OrderDocument(ubl.ORDER_RESPONSE, "R", lines=[line(3, 12, factor=12)])
    confirmation.lines[0].line_status_code = ubl.CONFIRMED_WITH_CHANGES
    result = dv.compare(order, confirmation)
    assert [d.kind for d in result.deviations] == [dv.PRICE] and result.value_impact == 72


def test_accepting_confirmed_values_restates_the_line_amount_jakamo_reads_first(ordered):
    """The OrderChange that adopts a confirmed price must not carry the order's LineExtensionAmount:
    Jakamo takes it before the quantity and price (PO document 6.1)."""
    from orders import documents

    confirmation = response("Get confirmed with changes OrderResponse")
    change = documents.adopt_confirmed(ordered, confirmation)
    assert [line.line_extension_amount.value for line in change.lines] == [960, 4000]
    assert dv.document_value(change) == dv.compare(ordered, confirmation).confirmed_total
