"""The sandbox plays the other party: each action queues the message Jakamo would, and the order
ends in the status Jakamo would show."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from jakamo import status as jstatus
from jakamo import ubl
from jakamo.asn import parse_asn
from jakamo.status import parse_status_message
from jakamo.ubl_build import build_order_document
from jakamo.ubl_parse import parse_order_document
from sandbox import demo, party
from sandbox.models import Order, OrderStatus

LATER = date.today() + timedelta(days=60)


@pytest.fixture
def order(network, po_client):
    po_client.send_order(build_order_document(demo.sample_order("P-1")))
    return Order.objects.get(order_number="P-1")


def next_response(po_client):
    message = po_client.get_message()
    po_client.acknowledge(message.acknowledge_uri)
    return message, parse_order_document(message.body)


def test_confirm_as_requested(order, po_client):
    party.supplier_confirm(order)
    message, response = next_response(po_client)
    assert [line.line_status_code for line in response.lines] == [ubl.CONFIRMED, ubl.CONFIRMED]
    assert (
        response.lines[0].deliveries[0].promised_end_date
        == demo.sample_order("x").lines[0].deliveries[0].requested_end_date
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED


def test_confirm_with_changes_then_the_buyer_accepts_by_simple_confirmation(order, po_client):
    party.supplier_confirm(
        order,
        {
            "1": party.LineChange(quantity=Decimal(80), promised_date=LATER),
            "2": party.LineChange(price=Decimal("12.5")),
        },
    )
    message, response = next_response(po_client)
    line1, line2 = response.lines
    assert line1.line_status_code == ubl.CONFIRMED_WITH_CHANGES and line1.quantity.value == 80
    assert line1.deliveries[0].promised_end_date == LATER
    assert line2.price.unit_price == Decimal("12.5") and line2.price.amount.value == 125  # per BaseQuantity 10
    order.refresh_from_db()
    assert order.status == OrderStatus.WAITING_CUSTOMER

    po_client.simple_confirm(message.confirm_url, note="OK for us", emphasize_original_agreed_details=True)
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED and order.emphasize_original
    requested = parse_order_document(order.requested_xml)
    assert requested.lines[0].quantity.value == 80 and requested.lines[1].price.unit_price == Decimal("12.5")


def test_confirm_with_new_delivery_batches(order, po_client):
    party.supplier_confirm(order, {"1": party.LineChange(new_batches=[(Decimal(30), LATER), (Decimal(20), LATER)])})
    _, response = next_response(po_client)
    batches = response.lines[0].deliveries
    assert [b.id for b in batches] == ["P-1-1-1", "P-1-1-1.1", "P-1-1-1.2"]
    assert [b.quantity.value for b in batches] == [50, 30, 20]


def test_new_batches_need_the_buyers_permission(order):
    order.buyer_integration.allow_new_batches = False
    order.buyer_integration.save()
    with pytest.raises(party.PartyActionError, match="does not allow"):
        party.supplier_confirm(order, {"1": party.LineChange(new_batches=[(Decimal(1), LATER)])})


def test_confirm_partially_leaves_lines_open(order, po_client):
    party.supplier_confirm(order, {"2": party.LineChange(leave_open=True)})
    _, response = next_response(po_client)
    assert response.lines[1].line_status_code == ubl.OPEN
    assert (
        response.lines[1].deliveries[0].quantity is None and response.lines[1].deliveries[0].promised_end_date is None
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.WAITING_SUPPLIER


def test_confirm_as_draft(order, po_client):
    party.supplier_confirm(order, {"1": party.LineChange(draft=True)})
    _, response = next_response(po_client)
    assert response.lines[0].line_status_code == ubl.DRAFT


def test_reject(order, po_client):
    party.supplier_reject(order, note="Out of stock")
    _, response = next_response(po_client)
    assert all(line.line_status_code == ubl.CANCELLED for line in response.lines) and response.notes == ["Out of stock"]
    order.refresh_from_db()
    assert order.status == OrderStatus.REJECTED
    with pytest.raises(party.PartyActionError, match="already confirmed"):
        party.supplier_reject(order)


def test_delivered(order, po_client):
    party.supplier_confirm(order)
    next_response(po_client)
    party.supplier_deliver(order, line_ids=["1"], tracking_number="JJ1")
    message = po_client.get_message()
    msg = parse_status_message(message.body)
    assert (
        msg.status == "Delivered"
        and msg.tracking_number == "JJ1"
        and [line.order_line_id for line in msg.lines] == ["1"]
    )
    assert msg.lines[0].deliveries[0].delivery_id == "P-1-1-1"


def test_dispatch_asn(order, asn_client):
    party.supplier_confirm(order)
    party.supplier_dispatch_asn(order, quantities={"1": Decimal(40)})
    message = asn_client.get_message("asn")
    asn = parse_asn(message.body)
    assert asn.status == "DISPATCHED" and [(i.line_number, i.quantity) for i in asn.items] == [("1", 40), ("2", 100)]
    assert asn.supplier.company_id == "V-100" and asn.items[0].batch_number == "P-1-1-1"


def test_receiving_partially_then_fully(order, po_client):
    party.supplier_confirm(order)
    partial = jstatus.StatusMessage(
        "P-1",
        "Received",
        lines=[jstatus.LineStatus("1", [jstatus.DeliveryStatus("P-1-1-1", received_quantity=Decimal(25))])],
    )
    po_client.send_status("P-1", jstatus.build_status_message(partial))
    order.refresh_from_db()
    assert order.status == OrderStatus.STARTED_RECEIVING
    assert order.state["1"]["batches"]["P-1-1-1"]["received"] == "25"
    po_client.send_status("P-1", jstatus.build_status_message(partial))  # partial receipts add up
    order.refresh_from_db()
    assert order.state["1"]["batches"]["P-1-1-1"]["received"] == "50"
    whole = jstatus.StatusMessage("P-1", "Received", lines=[jstatus.LineStatus("1"), jstatus.LineStatus("2")])
    po_client.send_status("P-1", jstatus.build_status_message(whole))
    order.refresh_from_db()
    assert order.status == OrderStatus.RECEIVED


def test_revising_a_line_down_to_what_was_received_makes_it_received(order, po_client):
    # The purchase state machine's soak found the line left "Started receiving" while the order,
    # every batch received, was Received.
    party.supplier_confirm(order)
    partial = jstatus.StatusMessage(
        "P-1",
        "Received",
        lines=[jstatus.LineStatus("1", [jstatus.DeliveryStatus("P-1-1-1", received_quantity=Decimal(40))])],
    )
    po_client.send_status("P-1", jstatus.build_status_message(partial))
    doc = demo.sample_order("P-1")
    doc.kind = ubl.ORDER_CHANGE
    doc.lines[0].quantity = doc.lines[0].deliveries[0].quantity = ubl.Quantity(Decimal(40), "PCE")
    po_client.send_order(build_order_document(doc))
    order.refresh_from_db()
    assert (order.state["1"]["status"], order.state["2"]["status"]) == ("Received", None)
    assert order.status == OrderStatus.STARTED_RECEIVING  # line 2 is still to come


def test_order_change_after_confirmation_waits_for_the_supplier_again(order, po_client):
    party.supplier_confirm(order)
    doc = demo.sample_order("P-1", quantity=Decimal(150))
    doc.kind = ubl.ORDER_CHANGE
    po_client.send_order(build_order_document(doc))
    order.refresh_from_db()
    assert order.status == OrderStatus.WAITING_SUPPLIER


def test_customer_places_changes_and_cancels_orders_in_the_so_queue(network, so_client):
    order = party.customer_place_order(
        network["so"],
        customer_company="Customer Company AB",
        order_number="C-7",
        lines=[
            party.CustomerLine("Bolt", Decimal(5), Decimal(2), LATER),
            party.CustomerLine("Nut", Decimal(9), Decimal(1), LATER),
        ],
    )
    message = so_client.get_message()
    placed = parse_order_document(message.body)
    assert (
        placed.kind == ubl.ORDER
        and placed.buyer_id == "C-100"
        and message.order_number == "C-7"
        and message.confirm_url
    )
    so_client.acknowledge(message.acknowledge_uri)
    so_client.simple_confirm(message.confirm_url, note="Thanks")
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED

    party.customer_change_order(order, {"1": party.CustomerChange(quantity=Decimal(7))})
    change = so_client.get_message()
    assert parse_order_document(change.body).kind == ubl.ORDER_CHANGE
    so_client.acknowledge(change.acknowledge_uri)
    order.refresh_from_db()
    assert order.status == OrderStatus.WAITING_SUPPLIER

    party.customer_cancel(order, line_ids=["2"])
    cancel_lines = parse_order_document(so_client.get_message().body)
    assert cancel_lines.line("2").line_status_code == ubl.CANCELLED
    so_client.acknowledge(so_client.get_message().acknowledge_uri)

    party.customer_cancel(order)
    cancelled = parse_status_message(so_client.get_message().body)
    assert cancelled.status == "Cancelled" and cancelled.order_id == "C-7"
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    # Every line of the cancelled order is cancelled too, as on the PO side (the state machine found
    # the lines still showing what the supplier had confirmed).
    assert {line_id: state["status"] for line_id, state in order.state.items()} == {"1": "Cancelled", "2": "Cancelled"}


def test_supplier_delivered_over_the_so_api(network, so_client):
    party.customer_place_order(
        network["so"],
        customer_company="Customer Company AB",
        order_number="C-8",
        lines=[party.CustomerLine("Bolt", Decimal(5), Decimal(2), LATER)],
    )
    msg = jstatus.StatusMessage("C-8", "Delivered", real_delivery_date=date.today(), tracking_number="T-1")
    so_client.send_status("C-8", jstatus.build_status_message(msg))
    assert Order.objects.get(order_number="C-8").state["1"]["delivered"] is True


def test_the_other_partys_actions_from_the_management_command(order, po_client):
    from django.core.management import call_command

    call_command("sandbox", "confirm-changes", "P-1", "--lines", "2", "--unit-price", "14")
    order.refresh_from_db()
    assert order.status == OrderStatus.WAITING_CUSTOMER
    call_command("sandbox", "fault", "error_500", "--count", "2")
    from sandbox.models import Fault

    assert Fault.objects.get().remaining == 2
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no line 9"):
        call_command("sandbox", "confirm-changes", "P-1", "--lines", "9", "--quantity", "1")
