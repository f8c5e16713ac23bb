"""End to end over HTTP with the sandbox: create → send → the supplier confirms with changes →
sync → review decision → the sandbox's order ends as Jakamo would show it; then receiving."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from common.errors import Refused
from exchange import inbox
from exchange.models import InboxMessage, OutboxMessage
from mappings import services as mapping_services
from orders import deviations as dv
from orders.models import Confirmation, OrderStatus, PurchaseOrder
from orders.purchase import services
from sandbox import demo, party
from sandbox.models import Order as JakamoOrder
from sandbox.models import OrderStatus as JakamoStatus
from tests.helpers import placed, placed_and_confirmed, send_all

LATER = date.today() + timedelta(days=75)


def supplier_confirms_with_changes(number="PO-1"):
    party.supplier_confirm(
        JakamoOrder.objects.get(order_number=number),
        {"1": party.LineChange(quantity=Decimal(80), promised_date=LATER), "2": party.LineChange(price=Decimal(13))},
    )


def test_a_deviating_confirmation_is_reviewed_and_accepted(network, buyer, purchaser):
    order = placed(buyer, purchaser)
    assert order.lines.count() == 2 and order.ordered_total == 2 * 100 * 12
    supplier_confirms_with_changes()
    inbox.sync(buyer.pk)
    order.refresh_from_db()
    assert order.status == OrderStatus.WAITING_CUSTOMER and order.awaiting_decision_since
    confirmation = order.confirmations.get()
    kinds = [(d["kind"], d["line"]) for d in confirmation.deviations]
    assert (dv.QUANTITY, "1") in kinds and (dv.DATE, "1") in kinds and (dv.PRICE, "2") in kinds
    assert confirmation.value_impact == 80 * 12 + 100 * 13 - 2400

    services.confirmation_accept(confirmation=confirmation, user=purchaser, note="OK", emphasize_original=True)
    send_all()
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED and order.awaiting_decision_since is None
    # What was ordered stays; what is agreed is now the supplier's value, and so is the total.
    line = order.lines.get(line_id="1")
    assert (line.quantity, line.agreed_quantity) == (100, 80)
    assert order.agreed_total == 80 * 12 + 100 * 13 and order.ordered_total == 2400
    jakamo = JakamoOrder.objects.get(order_number="PO-1")
    assert jakamo.status == JakamoStatus.CONFIRMED and jakamo.emphasize_original
    decision = confirmation.decisions.get()
    assert decision.user == purchaser and decision.outbox.status == "sent" and decision.note == "OK"


def test_rejecting_restates_the_ordered_values_and_waits_for_the_supplier(network, buyer, purchaser):
    order = placed(buyer, purchaser)
    supplier_confirms_with_changes()
    inbox.sync(buyer.pk)
    services.confirmation_reject(confirmation=order.confirmations.get(), user=purchaser, note="Need 100 by the date")
    send_all()
    order.refresh_from_db()
    assert order.status == OrderStatus.WAITING_SUPPLIER
    assert JakamoOrder.objects.get(order_number="PO-1").status == JakamoStatus.WAITING_SUPPLIER
    assert OutboxMessage.objects.get(document_type="OrderChange").status == "sent"
    # The supplier then confirms as requested: a new version, matching, no decision needed.
    party.supplier_confirm(JakamoOrder.objects.get(order_number="PO-1"))
    inbox.sync(buyer.pk)
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED
    assert list(order.confirmations.values_list("version", "decision")) == [
        (2, Confirmation.Decision.NONE_NEEDED),
        (1, Confirmation.Decision.REJECTED),
    ]


def test_deciding_line_by_line(network, buyer, purchaser):
    order = placed(buyer, purchaser)
    supplier_confirms_with_changes()
    inbox.sync(buyer.pk)
    services.confirmation_decide_lines(confirmation=order.confirmations.get(), user=purchaser, accepted_lines=["2"])
    send_all()
    order.refresh_from_db()
    assert order.status == OrderStatus.WAITING_SUPPLIER
    assert order.lines.get(line_id="2").agreed_unit_price == 13 and order.lines.get(line_id="1").agreed_quantity == 100
    assert JakamoOrder.objects.get(order_number="PO-1").status == JakamoStatus.WAITING_SUPPLIER
    with pytest.raises(Refused, match="only a confirmation awaiting a decision"):
        services.confirmation_accept(confirmation=order.confirmations.get(), user=purchaser)


def test_new_batches_partial_draft_and_rejected_confirmations(network, buyer, purchaser):
    first = placed(buyer, purchaser, "PO-2")
    party.supplier_confirm(
        JakamoOrder.objects.get(order_number="PO-2"), {"1": party.LineChange(new_batches=[(Decimal(30), LATER)])}
    )
    partial = placed(buyer, purchaser, "PO-3")
    party.supplier_confirm(JakamoOrder.objects.get(order_number="PO-3"), {"2": party.LineChange(leave_open=True)})
    rejected = placed(buyer, purchaser, "PO-4")
    party.supplier_reject(JakamoOrder.objects.get(order_number="PO-4"))
    inbox.sync(buyer.pk)
    for order in (first, partial, rejected):
        order.refresh_from_db()
    assert first.status == OrderStatus.WAITING_CUSTOMER and dv.ADDED_BATCH in first.deviation_kinds
    assert first.lines.get(line_id="1").batches.filter(added_by_supplier=True, batch_id="PO-2-1-1.1").exists()
    assert partial.status == OrderStatus.WAITING_SUPPLIER and partial.deviation_kinds == [dv.OPEN_LINE]
    assert rejected.status == OrderStatus.REJECTED


def test_a_confirmation_for_an_unknown_order_is_kept_as_failed(network, buyer):
    from jakamo.ubl_build import build_order_document
    from sandbox import services as sandbox

    party.supplier_confirm(
        sandbox.receive_po_document(network["po"], build_order_document(demo.sample_order("NOT-OURS")))
    )
    inbox.sync(buyer.pk)
    row = InboxMessage.objects.get()
    assert row.status == "failed" and "No purchase order NOT-OURS" in row.error


def test_delivered_marks_lines_and_batches(network, buyer, purchaser):
    order = placed(buyer, purchaser)
    jakamo = JakamoOrder.objects.get(order_number="PO-1")
    party.supplier_confirm(jakamo)
    party.supplier_deliver(jakamo, line_ids=["1"], tracking_number="JJ-77", delivery_date=date(2026, 12, 1))
    inbox.sync(buyer.pk)
    line = order.lines.get(line_id="1")
    assert line.delivered_date == date(2026, 12, 1) and line.tracking_number == "JJ-77"
    assert line.batches.get().delivered_date == date(2026, 12, 1)


def test_receiving_partially_then_fully(network, buyer, purchaser):
    order = placed_and_confirmed(buyer, purchaser)
    services.goods_receive(order=order, user=purchaser, quantities={("1", "PO-1-1-1"): Decimal(25)})
    send_all()
    order.refresh_from_db()
    assert order.status == OrderStatus.STARTED_RECEIVING
    jakamo = JakamoOrder.objects.get(order_number="PO-1")
    assert (
        jakamo.status == JakamoStatus.STARTED_RECEIVING and jakamo.state["1"]["batches"]["PO-1-1-1"]["received"] == "25"
    )
    with pytest.raises(Refused, match="more than the 75 still to receive"):
        services.goods_receive(order=order, user=purchaser, quantities={("1", "PO-1-1-1"): Decimal(76)})
    services.goods_receive(order=order, user=purchaser)  # everything still open
    send_all()
    order.refresh_from_db()
    assert order.status == OrderStatus.RECEIVED
    assert JakamoOrder.objects.get(order_number="PO-1").status == JakamoStatus.RECEIVED
    assert order.receipts.count() == 3
    with pytest.raises(Refused, match="already received"):
        services.goods_receive(order=order, user=purchaser)


def test_bad_orders_are_refused_with_every_problem_named(buyer, purchaser):
    doc = demo.sample_order("BAD-1", quantity=Decimal(0))
    doc.issue_date = None
    doc.lines[1].price = None
    doc.buyer_customer_party.buyer_contact = None
    with pytest.raises(services.OrderRefused) as exc:
        services.purchase_order_create(integration=buyer, document=doc, user=purchaser)
    text = str(exc.value)
    for expected in (
        "IssueDate is missing",
        "buyer contact id is missing",
        "more than zero on a new order",
        "Price/PriceAmount is missing",
    ):
        assert expected in text
    assert not PurchaseOrder.objects.exists() and not OutboxMessage.objects.exists()
    placed(buyer, purchaser, "DUP-1")
    with pytest.raises(services.OrderRefused, match="already exists .* OrderChange"):
        services.purchase_order_create(integration=buyer, document=demo.sample_order("DUP-1"), user=purchaser)


def test_an_order_to_an_unmapped_supplier_waits_blocked_until_the_mapping_exists(network, buyer, purchaser):
    order = services.purchase_order_create(
        integration=buyer, document=demo.sample_order("PO-9", vendor_id="V-200"), user=purchaser
    )
    row = OutboxMessage.objects.get(document_key="PO-9")
    assert row.status == "blocked" and "“V-200”" in row.blocked_reason
    mapping_services.save_company_mapping(integration=buyer, identifier="V-200", company_name="Kotka Castings Ab")
    send_all()
    row.refresh_from_db()
    assert row.status == "sent" and JakamoOrder.objects.filter(order_number=order.order_number).exists()


def test_revising_cancelling_lines_and_cancelling_the_order_reach_jakamo(network, buyer, purchaser):
    order = placed_and_confirmed(buyer, purchaser)
    revised = demo.sample_order("PO-1", quantity=Decimal(150))
    services.purchase_order_revise(order=order, document=revised, user=purchaser)
    send_all()
    order.refresh_from_db()
    assert order.status == OrderStatus.WAITING_SUPPLIER and order.lines.get(line_id="1").quantity == 150
    assert JakamoOrder.objects.get(order_number="PO-1").status == JakamoStatus.WAITING_SUPPLIER

    services.purchase_order_cancel_lines(order=order, line_ids=["2"], user=purchaser)
    send_all()
    assert order.lines.get(line_id="2").status == "Cancelled"
    from jakamo.ubl_parse import parse_order_document

    jakamo_doc = parse_order_document(JakamoOrder.objects.get(order_number="PO-1").requested_xml)
    assert jakamo_doc.line("2").line_status_code == "Cancelled"

    services.purchase_order_cancel(order=order, user=purchaser)
    send_all()
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert JakamoOrder.objects.get(order_number="PO-1").status == JakamoStatus.CANCELLED
    with pytest.raises(Refused, match="cannot be reopened"):
        services.purchase_order_revise(order=order, document=revised, user=purchaser)
    with pytest.raises(Refused, match="nothing can be received"):
        services.goods_receive(order=order, user=purchaser)


def test_cancelling_every_line_cancels_the_order(network, buyer, purchaser):
    order = placed(buyer, purchaser)
    services.purchase_order_cancel_lines(order=order, line_ids=["1", "2"], user=purchaser)
    send_all()
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert OutboxMessage.objects.get(document_type="StatusMessage Cancelled").status == "sent"


def test_receiving_a_whole_line_sends_the_line_without_batches(network, buyer, purchaser):
    order = placed(buyer, purchaser)
    party.supplier_confirm(
        JakamoOrder.objects.get(order_number="PO-1"), {"1": party.LineChange(new_batches=[(Decimal(30), LATER)])}
    )
    inbox.sync(buyer.pk)
    services.confirmation_accept(confirmation=order.confirmations.get(), user=purchaser)
    send_all()
    services.goods_receive(order=order, user=purchaser, quantities={("1", None): None})
    send_all()
    from jakamo.status import parse_status_message

    sent = parse_status_message(bytes(OutboxMessage.objects.get(document_type="StatusMessage Received").body))
    assert [(line.order_line_id, line.deliveries) for line in sent.lines] == [("1", [])]
    line = order.lines.get(line_id="1")
    assert line.status == "Received" and sorted(line.batches.values_list("received_quantity", flat=True)) == [30, 70]
    jakamo = JakamoOrder.objects.get(order_number="PO-1")
    assert jakamo.state["1"]["status"] == "Received" and jakamo.status == JakamoStatus.STARTED_RECEIVING
    with pytest.raises(Refused, match="already received in full"):
        services.goods_receive(order=order, user=purchaser, quantities={("1", None): None})


# PO document 6.2: a revised order waits for the supplier again only where it differs from the
# supplier's confirmation. Each of these ended with the portal and Jakamo showing different statuses.
def test_cancelling_a_line_of_a_confirmed_order_leaves_it_confirmed_as_in_jakamo(network, buyer, purchaser):
    order = placed_and_confirmed(buyer, purchaser)
    services.purchase_order_cancel_lines(order=order, line_ids=["2"], user=purchaser)
    send_all()
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED
    assert dict(order.lines.values_list("line_id", "status")) == {"1": "Confirmed", "2": "Cancelled"}
    assert JakamoOrder.objects.get(order_number="PO-1").status == JakamoStatus.CONFIRMED
    assert OutboxMessage.objects.get(document_type="OrderChange").status == "sent"


def test_receiving_one_line_then_cancelling_the_rest_leaves_the_order_received(network, buyer, purchaser):
    order = placed_and_confirmed(buyer, purchaser)
    services.goods_receive(order=order, user=purchaser, quantities={("1", None): None})
    send_all()
    order.refresh_from_db()
    assert order.status == OrderStatus.STARTED_RECEIVING
    services.purchase_order_cancel_lines(order=order, line_ids=["2"], user=purchaser)
    send_all()
    order.refresh_from_db()
    assert order.status == OrderStatus.RECEIVED
    assert dict(order.lines.values_list("line_id", "status")) == {"1": "Received", "2": "Cancelled"}
    assert JakamoOrder.objects.get(order_number="PO-1").status == JakamoStatus.RECEIVED
    with pytest.raises(Refused, match="cannot be reopened"):
        services.purchase_order_revise(order=order, document=demo.sample_order("PO-1"), user=purchaser)


def test_revising_an_order_the_supplier_rejected_puts_it_before_the_supplier_again(network, buyer, purchaser):
    order = placed(buyer, purchaser)
    party.supplier_reject(JakamoOrder.objects.get(order_number="PO-1"), note="Not at that price")
    inbox.sync(buyer.pk)
    order.refresh_from_db()
    assert order.status == OrderStatus.REJECTED
    services.purchase_order_revise(
        order=order, document=demo.sample_order("PO-1", quantity=Decimal(50)), user=purchaser
    )
    send_all()
    order.refresh_from_db()
    assert order.status == OrderStatus.WAITING_SUPPLIER
    assert JakamoOrder.objects.get(order_number="PO-1").status == JakamoStatus.WAITING_SUPPLIER
    party.supplier_confirm(JakamoOrder.objects.get(order_number="PO-1"))
    inbox.sync(buyer.pk)
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED and order.confirmations.count() == 2
    assert JakamoOrder.objects.get(order_number="PO-1").status == JakamoStatus.CONFIRMED


def test_receiving_an_order_whose_confirmation_left_a_line_open(network, buyer, purchaser):
    # The open line's batch has no confirmed quantity; it is received as ordered.
    order = placed(buyer, purchaser)
    party.supplier_confirm(JakamoOrder.objects.get(order_number="PO-1"), {"2": party.LineChange(leave_open=True)})
    inbox.sync(buyer.pk)
    services.goods_receive(order=order, user=purchaser)
    send_all()
    assert OutboxMessage.objects.get(document_type="StatusMessage Received").status == "sent"
    order.refresh_from_db()
    assert order.status == OrderStatus.RECEIVED
    assert JakamoOrder.objects.get(order_number="PO-1").status == JakamoStatus.RECEIVED


def test_a_confirmation_with_a_negative_quantity_or_price_is_kept_as_failed_with_the_reason(network, buyer, purchaser):
    order = placed(buyer, purchaser)
    party.supplier_confirm(
        JakamoOrder.objects.get(order_number="PO-1"),
        {"1": party.LineChange(quantity=Decimal(-5)), "2": party.LineChange(price=Decimal(-13))},
    )
    inbox.sync(buyer.pk)
    row = InboxMessage.objects.get(document_type="OrderResponse")
    assert row.status == "failed"
    assert "line 1 confirms a negative quantity (-5)" in row.error
    assert "line 1, batch PO-1-1-1 confirms a negative quantity (-5)" in row.error
    assert "line 2 confirms a negative price (-130)" in row.error
    assert not order.confirmations.exists()
