"""The seller's answer rules (orders.sales.answer) as properties: whatever a seller types into the
split field, what the form builds either keeps every rule or is refused naming the batch; what it
builds passes the same check an ERP's OrderResponse passes at the gateway."""

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from common.errors import Refused
from jakamo import ubl
from orders.sales.answer import LineAnswer, build_lines, check_answer
from tests.strategies import examples

DAY = date(2027, 1, 1)
quantities = st.integers(min_value=1, max_value=500).map(Decimal)


def requested(batch_quantities) -> ubl.OrderDocument:
    total = sum(batch_quantities, Decimal(0))
    line = ubl.OrderLine(
        "1",
        ubl.Quantity(total, "PCE"),
        deliveries=[
            ubl.Delivery(id=f"B{k}", quantity=ubl.Quantity(q, "PCE"), requested_end_date=DAY + timedelta(days=k))
            for k, q in enumerate(batch_quantities, 1)
        ],
        price=ubl.Price(ubl.Amount(Decimal(4), "EUR")),
    )
    return ubl.OrderDocument(kind=ubl.ORDER, id="C-1", lines=[line])


@settings(max_examples=examples(150), deadline=None)
@given(
    originals=st.lists(quantities, min_size=1, max_size=3),
    parts=st.lists(quantities, min_size=1, max_size=5),
    allow_new_batches=st.booleans(),
    total_given=st.booleans(),
)
def test_a_split_keeps_the_customers_batches_adds_up_and_passes_the_gateways_check(
    originals, parts, allow_new_batches, total_given
):
    asked = requested(originals)
    split = [(q, DAY + timedelta(days=n)) for n, q in enumerate(parts, 1)]  # the dates asked for, and later
    total = sum(parts, Decimal(0))
    answer = LineAnswer(quantity=total if total_given else None, batches=split)
    try:
        [line] = build_lines(asked, {"1": answer}, allow_new_batches=allow_new_batches)
    except Refused as exc:
        codes = {p.code for p in exc.problems}
        assert codes <= {"batch_missing", "new_batches_not_allowed", "batches_do_not_add_up"}
        assert all(p.where.startswith("line 1") for p in exc.problems)
        if "batch_missing" in codes:
            assert len(parts) < len(originals) and exc.where == f"line 1, batch B{len(parts) + 1}"
        return
    ids = [d.id for d in line.deliveries]
    k = len(originals)
    assert ids[:k] == [f"B{n}" for n in range(1, k + 1)]  # kept, in order, never renamed
    assert ids[k:] == [f"B{k}.{n}" for n in range(1, len(ids) - k + 1)]  # numbered after the last one
    assert len(ids) == k or allow_new_batches
    assert sum(d.quantity.value for d in line.deliveries) == line.quantity.value
    changed = parts != originals
    assert line.line_status_code == (ubl.CONFIRMED_WITH_CHANGES if changed else ubl.CONFIRMED)
    response = ubl.OrderDocument(kind=ubl.ORDER_RESPONSE, id="R", order_reference_id="C-1", lines=[line])
    assert check_answer(asked, response, allow_new_batches=allow_new_batches, allow_draft=False) == []


def test_a_quantity_alone_on_one_batch_moves_the_batch_and_on_several_asks_for_the_split():
    [line] = build_lines(requested([Decimal(50)]), {"1": LineAnswer(quantity=Decimal(40))}, allow_new_batches=False)
    assert [(d.id, d.quantity.value) for d in line.deliveries] == [("B1", 40)]
    assert line.line_status_code == ubl.CONFIRMED_WITH_CHANGES
    try:
        build_lines(
            requested([Decimal(25), Decimal(25)]), {"1": LineAnswer(quantity=Decimal(40))}, allow_new_batches=True
        )
    except Refused as exc:
        assert exc.code == "split_required" and "B1 25, B2 25" in exc.message
    else:
        raise AssertionError("a quantity alone on two batches was built")
    # The quantity asked for is no change: nothing to split.
    [line] = build_lines(
        requested([Decimal(25), Decimal(25)]), {"1": LineAnswer(quantity=Decimal(50))}, allow_new_batches=False
    )
    assert [d.quantity.value for d in line.deliveries] == [25, 25] and line.line_status_code == ubl.CONFIRMED
