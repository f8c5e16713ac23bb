"""A customer's OrderChange that reads, byte for byte, like one of its earlier versions: the customer
restating the version we answered with changes (PO document 6.5.2: the ordered values again, our
proposal not taken up), or going back to an earlier version after changing it. Each is a new
version to apply, not Jakamo repeating a message; a real repeat is still kept as a duplicate.

The sales state machine (tests/machines.py, ``SalesOrders``) found the first two sequences."""

from datetime import date, timedelta
from decimal import Decimal

from exchange import inbox
from exchange.models import InboxMessage
from orders.models import SalesOrder, SalesStatus
from orders.sales import services as sales
from sandbox import party
from sandbox import services as sandbox_services
from sandbox.models import Order as JakamoOrder
from sandbox.models import OrderStatus as JakamoStatus
from tests.helpers import SOON, send_all

LATER = date.today() + timedelta(days=60)


def line_and_two_batches(network, supplier, number: str) -> SalesOrder:
    """Customer order ``number`` as the machine's first order places it: line 1 of 50 in one batch,
    line 2 of 50 in two (20 wanted SOON, 30 LATER), both at 4; our integration allows Draft lines."""
    type(supplier).objects.filter(pk=supplier.pk).update(allow_draft=True)
    party.customer_place_order(
        network["so"],
        customer_company="Customer Company AB",
        order_number=number,
        lines=[
            party.CustomerLine("Item 1", Decimal(50), Decimal(4), SOON),
            party.CustomerLine(
                "Item 2", Decimal(50), Decimal(4), SOON, batches=((Decimal(20), SOON), (Decimal(30), LATER))
            ),
        ],
    )
    inbox.sync(supplier.pk)
    return SalesOrder.objects.get(order_number=number)


def customer_changes(number: str, supplier, **change):
    """The customer changes line 2 (``party.CustomerChange`` fields) and we read our queue."""
    party.customer_change_order(JakamoOrder.objects.get(order_number=number), {"2": party.CustomerChange(**change)})
    inbox.sync(supplier.pk)


def we_change_the_price_of_line_1(order: SalesOrder, seller):
    sales.sales_confirm_with_changes(
        order=order, user=seller, answers={"1": sales.LineAnswer(unit_price=Decimal(6))}, note="machine"
    )
    send_all()


def jakamo_status(number: str) -> str:
    return JakamoOrder.objects.get(order_number=number).status


def lines(order: SalesOrder) -> dict[str, str]:
    return dict(order.lines.values_list("line_id", "status"))


def test_a_customer_restating_the_version_we_answered_with_changes_puts_the_order_before_us_again(
    network, supplier, seller
):
    order = line_and_two_batches(network, supplier, "R-1")
    customer_changes("R-1", supplier, requested_date=SOON)
    we_change_the_price_of_line_1(order, seller)
    order.refresh_from_db()
    assert order.status == SalesStatus.WAITING_CUSTOMER
    assert jakamo_status("R-1") == JakamoStatus.WAITING_CUSTOMER

    # The same date again: the OrderChange reads like version 2, and our price is not taken up.
    customer_changes("R-1", supplier, requested_date=SOON)
    bodies = [bytes(m.body) for m in InboxMessage.objects.filter(document_key="R-1").order_by("id")]
    assert bodies[-1] == bodies[-2]
    assert jakamo_status("R-1") == JakamoStatus.WAITING_SUPPLIER
    order.refresh_from_db()
    assert (order.status, order.version) == (SalesStatus.WAITING_US, 3)
    assert order.awaiting_since is not None
    assert not InboxMessage.objects.filter(status=InboxMessage.Status.DUPLICATE).exists()


def test_a_customer_going_back_to_the_dates_we_confirmed_confirms_that_line_again(network, supplier, seller):
    order = line_and_two_batches(network, supplier, "R-2")
    customer_changes("R-2", supplier, requested_date=SOON)
    we_change_the_price_of_line_1(order, seller)
    assert lines(order) == {"1": "Confirmed with changes", "2": "Confirmed"}

    customer_changes("R-2", supplier, requested_date=LATER)
    assert lines(order) == {"1": "Confirmed with changes", "2": ""}
    # Back to the dates we confirmed for line 2: the OrderChange reads like version 2 again.
    customer_changes("R-2", supplier, requested_date=SOON)
    assert jakamo_status("R-2") == JakamoStatus.WAITING_SUPPLIER
    order.refresh_from_db()
    assert (order.status, order.version) == (SalesStatus.WAITING_US, 4)
    assert lines(order) == {"1": "Confirmed with changes", "2": "Confirmed"}


def test_jakamo_repeating_an_order_change_is_still_kept_as_a_duplicate(network, supplier, seller):
    order = line_and_two_batches(network, supplier, "R-3")
    sandbox_services.add_fault("repeat", 1, network["so"])
    customer_changes("R-3", supplier, requested_date=SOON)
    order.refresh_from_db()
    assert order.version == 2
    duplicate = InboxMessage.objects.get(status=InboxMessage.Status.DUPLICATE)
    assert duplicate.duplicate_of.document_type == "OrderChange"
