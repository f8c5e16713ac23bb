"""A seller confirms a customer's order with changes in a real browser."""

from decimal import Decimal

import pytest

from exchange import inbox
from jakamo.ubl_parse import parse_order_document
from orders.models import SalesOrder, SalesStatus
from tests.helpers import customer_orders

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_seller_confirms_with_changes(live_server, page, seller, supplier, network, artifacts):
    customer_orders(network, "BS-1")
    inbox.sync(supplier.pk)
    order = SalesOrder.objects.get()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "seller")
    page.fill("#id_password", "pw-for-tests-1")
    page.click("button[type=submit]")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sales orders").click()
    page.get_by_role("link", name="BS-1").first.click()
    page.fill("input[name=l1_quantity]", "45")
    page.fill("input[name=l1_promised_date]", "2027-02-15")
    page.check("input[name=l2_leave_open]")
    page.screenshot(path=str(artifacts / "sales-confirm.png"), full_page=True)
    page.click("text=Send confirmation with changes")
    page.wait_for_selector("text=Confirmed with changes: the OrderResponse is on its way to Jakamo.")
    order.refresh_from_db()
    # Line 2 is left open: the order stays ours to confirm (as Jakamo shows it) while line 1's
    # change waits for the customer.
    assert order.status == SalesStatus.WAITING_US
    sent = parse_order_document(order.confirmations.get().document_xml)
    assert sent.line("1").quantity.value == Decimal(45) and sent.line("2").line_status_code == "Open"
    assert sent.line("1").line_status_code == "Confirmed with changes"
    assert str(sent.line("1").deliveries[0].promised_end_date) == "2027-02-15"
