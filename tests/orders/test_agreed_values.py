"""What an order shows is what was agreed: the ordered values until a confirmation is accepted, the
ordered values again after a rejection; a supplier's rejection is never "matches the order"; only
agreed, open batches of an order that can be received are offered for receiving. Every status
change has its audit row. Each test here failed on the code before the transition model."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from common.errors import Refused
from common.transitions import StatusChange, history
from exchange import inbox
from orders.models import Confirmation, DeliveryBatch, OrderStatus
from orders.purchase import services
from orders.transitions import PURCHASE_ORDER
from sandbox import party
from sandbox.models import Order as JakamoOrder
from tests.helpers import placed, send_all

LATER = date.today() + timedelta(days=75)


def _confirm_with_a_new_batch_and_less(number="PO-1"):
    """Line 1: 30 of the 100 split off into a batch the supplier adds; line 2: 80 at price 13."""
    party.supplier_confirm(
        JakamoOrder.objects.get(order_number=number),
        {
            "1": party.LineChange(new_batches=[(Decimal(30), LATER)]),
            "2": party.LineChange(quantity=Decimal(80), price=Decimal(13)),
        },
    )


def test_after_rejecting_the_order_shows_the_ordered_values_and_offers_only_them(network, buyer, purchaser, client):
    order = placed(buyer, purchaser)
    _confirm_with_a_new_batch_and_less()
    inbox.sync(buyer.pk)
    confirmation = order.confirmations.get()
    assert confirmation.decision == Confirmation.Decision.PENDING
    services.confirmation_reject(confirmation=confirmation, user=purchaser, note="We need 100")
    send_all()
    order.refresh_from_db()

    added = DeliveryBatch.objects.get(line__order=order, added_by_supplier=True)
    assert added.confirmed_quantity == 30 and added.agreed_quantity is None
    for batch in DeliveryBatch.objects.filter(line__order=order, added_by_supplier=False):
        assert batch.agreed_quantity == batch.quantity == 100
    assert (
        DeliveryBatch.objects.get(line__order=order, line__line_id="1", added_by_supplier=False).confirmed_quantity
        == 70
    )
    assert order.agreed_total == order.ordered_total == 2400
    assert order.confirmed_total != order.agreed_total  # what the supplier said is kept, not agreed

    client.force_login(purchaser)
    page = client.get(order.get_absolute_url()).content.decode()
    assert "Agreed value" in page and "Confirmed value" not in page
    assert f'name="qty_{added.pk}"' not in page  # the rejected batch is not offered
    assert "not agreed" in page
    with pytest.raises(Refused) as refused:
        services.goods_receive(order=order, user=purchaser, quantities={("1", added.batch_id): Decimal(1)})
    assert refused.value.code == "batch_not_agreed"


def test_accepting_makes_the_suppliers_values_agreed_and_keeps_what_was_ordered(network, buyer, purchaser):
    order = placed(buyer, purchaser)
    _confirm_with_a_new_batch_and_less()
    inbox.sync(buyer.pk)
    services.confirmation_accept(confirmation=order.confirmations.get(), user=purchaser)
    order.refresh_from_db()
    line = order.lines.get(line_id="2")
    assert (line.quantity, line.agreed_quantity, line.agreed_unit_price) == (100, 80, 13)
    batches = DeliveryBatch.objects.filter(line__order=order, line__line_id="1").order_by("id")
    assert [(b.quantity, b.agreed_quantity) for b in batches] == [(100, 70), (None, 30)]
    assert order.agreed_total == order.confirmed_total != order.ordered_total


def test_a_supplier_rejection_is_shown_as_such_and_nothing_is_offered_for_receiving(network, buyer, purchaser, client):
    order = placed(buyer, purchaser)
    party.supplier_reject(JakamoOrder.objects.get(order_number="PO-1"), note="Cannot deliver")
    inbox.sync(buyer.pk)
    order.refresh_from_db()
    assert order.status == OrderStatus.REJECTED
    assert order.confirmations.get().decision == Confirmation.Decision.SUPPLIER_REJECTED

    client.force_login(purchaser)
    page = client.get(order.get_absolute_url()).content.decode()
    assert "Matches the order" not in page and "Rejected by the supplier" in page
    assert 'id="receive"' not in page and "nothing can be received" in page
    with pytest.raises(Refused) as refused:
        services.goods_receive(order=order, user=purchaser)
    assert refused.value.code == "nothing_to_receive"


def test_a_cancelled_line_is_not_offered_for_receiving(network, buyer, purchaser, client):
    order = placed(buyer, purchaser)
    services.purchase_order_cancel_lines(order=order, line_ids=["2"], user=purchaser)
    cancelled = DeliveryBatch.objects.get(line__order=order, line__line_id="2")
    client.force_login(purchaser)
    page = client.get(order.get_absolute_url()).content.decode()
    assert f'name="qty_{cancelled.pk}"' not in page and 'name="line_2"' not in page
    assert 'name="everything"' in page and "Receive everything still open" in page


def test_every_status_change_has_its_audit_row(network, buyer, purchaser):
    order = placed(buyer, purchaser)
    _confirm_with_a_new_batch_and_less()
    inbox.sync(buyer.pk)
    order.refresh_from_db()
    services.confirmation_accept(confirmation=order.confirmations.get(), user=purchaser, note="fine")
    services.goods_receive(order=order, user=purchaser, quantities={("2", "PO-1-2-1"): Decimal(10)})
    order.refresh_from_db()

    rows = [(c.before, c.after) for c in history(order)]
    assert rows == [
        ("", OrderStatus.WAITING_SUPPLIER),
        (OrderStatus.WAITING_SUPPLIER, OrderStatus.WAITING_CUSTOMER),
        (OrderStatus.WAITING_CUSTOMER, OrderStatus.CONFIRMED),
        (OrderStatus.CONFIRMED, OrderStatus.STARTED_RECEIVING),
    ]
    changes = list(history(order))
    assert changes[0].user == purchaser and changes[0].outbox_id  # created and sent
    assert changes[1].user is None and changes[1].inbox_id  # the supplier's confirmation
    assert changes[2].user == purchaser and "Accepted" in changes[2].why
    confirmation = order.confirmations.get()
    assert [(c.before, c.after) for c in history(confirmation)] == [("", "pending"), ("pending", "accepted")]
    line = order.lines.get(line_id="2")
    assert [c.after for c in history(line)][-1] == "Started receiving"
    assert StatusChange.objects.filter(model="orders.purchaseorderline").count() >= 3


def test_a_transition_the_table_does_not_allow_is_refused(network, buyer, purchaser):
    order = placed(buyer, purchaser)
    services.purchase_order_cancel(order=order, user=purchaser)
    order.refresh_from_db()
    assert PURCHASE_ORDER.is_final(order.status)
    with pytest.raises(Refused) as refused:
        services.purchase_order_cancel(order=order, user=purchaser)
    assert refused.value.code == "order_closed"
    from orders import transitions

    with pytest.raises(Refused) as refused:
        transitions.move(transitions.PURCHASE_ORDER, order, OrderStatus.CONFIRMED)
    assert refused.value.code == "transition_not_allowed"
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED


def test_a_line_received_in_full_is_not_revised_up_and_one_revised_down_to_what_came_is_received(
    network, buyer, purchaser
):
    order = placed(buyer, purchaser)
    services.goods_receive(order=order, user=purchaser, quantities={("1", "PO-1-1-1"): None})
    services.goods_receive(order=order, user=purchaser, quantities={("2", "PO-1-2-1"): Decimal(60)})
    document = services.order_document(order)
    document.kind = "Order"
    for line in document.lines:
        line.quantity = line.deliveries[0].quantity = type(line.quantity)(Decimal(120), "PCE")
    with pytest.raises(Refused) as refused:
        services.purchase_order_revise(order=order, document=document, user=purchaser)
    assert refused.value.code == "line_received" and refused.value.where == "1"

    document = services.order_document(order)
    document.kind = "Order"
    line = document.line("2")
    line.quantity = line.deliveries[0].quantity = type(line.quantity)(Decimal(60), "PCE")
    services.purchase_order_revise(order=order, document=document, user=purchaser)
    send_all()
    order.refresh_from_db()
    assert order.status == OrderStatus.RECEIVED and order.lines.get(line_id="2").status == "Received"
    assert JakamoOrder.objects.get(order_number="PO-1").status == "Received"
