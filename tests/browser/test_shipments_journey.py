"""A receiver's working day on make demo's data, in a real browser against the sandbox: receive
part of an order on its page, then a notice that says more than is still open (the form offers
what is open and says the difference), then a short receipt (38 of 40) whose missing 2 stay
outstanding on the shipment and on the order. Each page visited passes the accessibility check;
screenshots go to test-artifacts/."""

import re
from decimal import Decimal

import pytest

from exchange import inbox
from mappings.models import Integration
from sandbox import party
from sandbox.models import Order as JakamoOrder
from tests.browser.a11y import assert_accessible
from tests.helpers import demo_loaded

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_receiving_from_shipments_on_the_demo_data(live_server, page, artifacts):
    demo_loaded(live_server.url)
    # The supplier of DEMO-1002 dispatches 40 of line 1.
    party.supplier_dispatch_asn(
        JakamoOrder.objects.get(order_number="DEMO-1002"),
        quantities={"1": Decimal(40), "2": Decimal(0)},
        shipment_number="ASN-DEMO-40",
    )
    assert inbox.sync(Integration.objects.get(kind="asn").pk).status == "done"

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "purchaser")
    page.fill("#id_password", "demo-pass-2026")
    page.click("button[type=submit]")

    # DEMO-1006 was delivered with a notice for all of it; 70 of line 1 are received on the order page first.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Purchase orders").click()
    page.get_by_role("link", name="DEMO-1006").click()
    page.get_by_label("Received now, line 1, batch DEMO-1006-1-1").fill("70")
    page.locator("#receive").get_by_role("button", name="Receive").click()
    page.wait_for_selector("text=Received: the Received status is on its way to Jakamo.")
    assert page.locator("#lines tr", has_text="DEMO-1006-1-1").locator("td.still").inner_text() == "30"
    assert_accessible(page, "the order page after receiving part of it")

    # Its notice says 100, but only 30 are still open: the form offers 30 and says why.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Shipments").click()
    assert_accessible(page, "the shipment list")
    page.locator("tr", has_text="DEMO-1006 / 1").get_by_role("link").first.click()
    row = page.locator("#receive-shipment tr", has_text="DEMO-1006-1-1")
    assert row.get_by_role("spinbutton").input_value() == "30"
    assert "The notice says 100; the batch expects only 30 more: 70 beyond the order." in row.inner_text()
    page.screenshot(path=str(artifacts / "shipment-more-than-open.png"), full_page=True)
    assert_accessible(page, "a shipment saying more than is open")

    # The shipment for DEMO-1002: 40 in the notice, 38 arrive.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Shipments").click()
    page.get_by_role("link", name="ASN-DEMO-40").click()
    quantity = page.locator("#receive-shipment tr", has_text="DEMO-1002-1-1").get_by_role("spinbutton")
    assert quantity.input_value() == "40"
    quantity.fill("38")
    page.get_by_label("Note").fill("2 missing from the pallet")
    page.locator("#receive-shipment").get_by_role("button", name="Receive").click()
    page.wait_for_selector("text=Received. The Received status for order DEMO-1002 is on its way to Jakamo.")
    against = page.locator("#against-notice tr", has_text="DEMO-1002").inner_text()
    assert re.search(r"40\s+38\s+2", against), against
    assert page.locator("#outstanding-note").is_visible()
    page.screenshot(path=str(artifacts / "shipment-short.png"), full_page=True)
    assert_accessible(page, "a shipment received short")

    # The order shows the 2 outstanding, the line's still to receive, and where the receipt came from.
    page.locator("#against-notice").get_by_role("link", name="DEMO-1002").click()
    assert (
        "Shipment ASN-DEMO-40, order DEMO-1002 line 1: 40 in the notice, 38 received, 2 outstanding."
        in page.locator("#shortfalls").inner_text()
    )
    assert page.locator("#lines tr", has_text="DEMO-1002-1-1").locator("td.still").inner_text() == "62"
    receipt = page.locator("#timeline tr.receipt").inner_text()
    assert "line 1, batch DEMO-1002-1-1: 38 from shipment ASN-DEMO-40" in receipt and "purchaser" in receipt
    assert "Shipment ASN-DEMO-40 dispatched" in page.locator("#timeline tr.shipment").inner_text()
    page.screenshot(path=str(artifacts / "order-after-short-receipt.png"), full_page=True)
    assert_accessible(page, "the order page after a short receipt")
