"""A seller's working day in a real browser, on `make demo`'s data (demo_setup, loaded into the
live server's database, with the sandbox playing the customers): the waiting count and the order
values, a forbidden split refused beside its line with everything typed kept, a confirmation with
changes and what it proposed, a customer's change marked in the lines, and the 403 page. Each page
passes the accessibility check; screenshots are kept in test-artifacts/."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command

from exchange import inbox
from jakamo.ubl_parse import parse_order_document
from jakamo_portal.management.commands.demo_setup import DEMO_PASSWORD
from mappings.models import Integration
from orders.models import SalesOrder, SalesStatus
from sandbox import demo, party
from sandbox.models import Order as JakamoOrder
from tests.browser.a11y import assert_accessible
from tests.helpers import send_all

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SOON, LATER = date.today() + timedelta(days=14), date.today() + timedelta(days=35)


def test_a_seller_answers_customer_orders_through_the_day(live_server, page, artifacts):
    call_command("demo_setup", base_url=f"{live_server.url}/sandbox/jakamo")
    so = Integration.objects.get(name="Jakamo SO (sandbox)")
    # Beside the demo's two orders, one whose first line the customer wants in two deliveries.
    party.customer_place_order(
        demo.setup_network()["so"],
        customer_company="Customer Company AB",
        order_number="CUST-5003",
        lines=[
            party.CustomerLine(
                "Bearing 6204", Decimal(50), Decimal("4.20"), SOON, batches=((Decimal(30), SOON), (Decimal(20), LATER))
            ),
            party.CustomerLine("Shaft 20mm", Decimal(10), Decimal("31.00"), SOON),
        ],
    )
    inbox.sync(so.pk)
    assert SalesOrder.objects.filter(status=SalesStatus.WAITING_US).count() == 3

    page.goto(f"{live_server.url}/")
    page.fill("#id_username", "seller")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    nav = page.get_by_role("navigation", name="Main")
    assert nav.locator(".count").inner_text() == "3"  # the Sales orders badge: three orders wait for us
    assert_accessible(page, "the home page")

    nav.get_by_role("link", name="Sales orders").click()
    waiting = page.locator("table").first
    row = waiting.locator("tr", has_text="CUST-5001")
    assert "520.00 EUR" in row.inner_text()  # 50 × 4.20 + 10 × 31.00
    page.screenshot(path=str(artifacts / "seller-orders.png"), full_page=True)
    assert_accessible(page, "the sales order list")

    waiting.get_by_role("link", name="CUST-5003").click()
    assert page.get_by_test_id("order-value").inner_text() == "520.00 EUR"
    assert "4.200000" not in page.content()
    assert page.get_by_role("columnheader", name="Quantity per batch (qty@date; …)").is_visible()
    assert page.locator("input[name=l2_batches]").count() == 0  # one batch, no new ones allowed: no split
    assert_accessible(page, "a new order")

    # Three parts for the customer's two batches: the integration allows no new batch.
    page.fill("input[name=l1_batches]", "20@2027-01-10; 20@2027-02-10; 10@2027-03-10")
    page.fill("input[name=l2_unit_price]", "30.50")
    page.fill("input[name=l2_promised_date]", "2027-02-01")
    page.fill("#with-changes textarea[name=note]", "Price as agreed on the phone")
    page.click("text=Send confirmation with changes")
    refusal = page.get_by_test_id("refusal-1")
    assert "Line 1: this integration does not allow new delivery batches" in refusal.inner_text()
    assert "what you typed is kept" in page.locator(".messages").inner_text()
    assert page.input_value("input[name=l1_batches]") == "20@2027-01-10; 20@2027-02-10; 10@2027-03-10"
    assert page.input_value("input[name=l2_unit_price]") == "30.50"
    assert page.input_value("input[name=l2_promised_date]") == "2027-02-01"
    assert page.input_value("#with-changes textarea[name=note]") == "Price as agreed on the phone"
    page.screenshot(path=str(artifacts / "seller-refused-split.png"), full_page=True)
    assert_accessible(page, "the refused answer")

    page.fill("input[name=l1_batches]", "30@2027-01-10; 20@2027-02-10")
    page.click("text=Send confirmation with changes")
    page.wait_for_selector("text=Confirmed with changes: the OrderResponse is on its way to Jakamo.")
    proposal = page.get_by_test_id("proposal")
    rows = proposal.locator("tbody tr")
    line_1, line_2 = rows.nth(0).inner_text(), rows.nth(1).inner_text()
    assert "CUST-5003-1-1: 30 on 2027-01-10" in line_1 and "CUST-5003-1-2: 20 on 2027-02-10" in line_1
    assert "4.20" in line_1 and "Confirmed with changes" in line_1
    assert "30.50" in line_2 and "305.00" in line_2 and "2027-02-01" in line_2
    assert "Price as agreed on the phone" in page.locator(".proposal").inner_text()
    assert "Waiting to send" in page.get_by_test_id("proposal-state").inner_text()
    send_all()
    page.reload()
    assert "Sent" in page.get_by_test_id("proposal-state").inner_text()
    page.screenshot(path=str(artifacts / "seller-proposed.png"), full_page=True)
    assert_accessible(page, "the order with what we proposed")
    sent = parse_order_document(JakamoOrder.objects.get(order_number="CUST-5003").confirmed_xml)
    assert sent.line("2").line_extension_amount.value == Decimal("305.00")

    # The customer wants 60 Bearings on CUST-5001 instead of 50.
    party.customer_change_order(
        JakamoOrder.objects.get(order_number="CUST-5001"), {"1": party.CustomerChange(quantity=Decimal(60))}
    )
    inbox.sync(so.pk)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sales orders").click()
    page.locator("table").first.get_by_role("link", name="CUST-5001").click()
    changed = page.get_by_test_id("changed-quantity-1")
    assert changed.locator("del").inner_text() == "50" and changed.locator("ins").inner_text() == "60"
    assert page.locator("tr.customer-changed").count() == 1
    assert page.get_by_test_id("order-value").inner_text() == "562.00 EUR"
    page.screenshot(path=str(artifacts / "seller-customer-change.png"), full_page=True)
    assert_accessible(page, "a customer's change")

    # No link on the page leads to the message history, which is not a seller's.
    assert page.locator("a[href^='/messages/']").count() == 0
    order_url = page.url
    page.goto(f"{live_server.url}/messages/")
    assert page.locator("h1").inner_text() == "This page is not open to you"
    assert page.get_by_role("navigation", name="Main").get_by_role("link", name="Sales orders").is_visible()
    page.screenshot(path=str(artifacts / "seller-403.png"), full_page=True)
    assert_accessible(page, "the 403 page")
    page.get_by_role("link", name="Go to the home page").click()
    assert page.url == f"{live_server.url}/" and order_url != page.url
