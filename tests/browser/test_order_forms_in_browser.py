"""A purchaser creates an order with two lines and delivery batches in the form, then changes it in
the edit form, in a real browser at 1366 px: no page scrolls sideways, every page passes the
accessibility check. Screenshots are kept in test-artifacts/."""

from decimal import Decimal

import pytest

from exchange.models import OutboxMessage
from jakamo.ubl_parse import parse_order_document
from orders.models import PurchaseOrder
from tests.browser.a11y import assert_accessible
from tests.helpers import buyer_integration

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIDEWAYS = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def fits(page) -> None:
    assert page.evaluate(SIDEWAYS) <= 0, f"{page.url} scrolls sideways by {page.evaluate(SIDEWAYS)} px"


def test_a_purchaser_creates_an_order_with_two_lines_and_changes_it(live_server, page, purchaser, artifacts):
    buyer_integration(purchaser)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "purchaser")
    page.fill("#id_password", "pw-for-tests-1")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/orders/purchase/new/")
    assert page.get_by_text("Example: 40@2027-01-15; 40@2027-02-01").first.is_visible()
    fits(page)
    assert_accessible(page, "the new-order form")

    page.fill("#id_order-order_number", "BF-1")
    page.fill("#id_order-supplier", "V-100")
    page.fill("#id_order-buyer_contact", "bertha")
    page.fill("#id_order-note", "Deliver to gate 4")
    page.fill("#id_order-customer_reference", "REF-77")
    page.fill("#id_order-delivery_terms", "FCA")
    page.fill("#id_order-delivery_terms_place", "Seinäjoki")
    page.fill("#id_order-payment_terms", "within 60 days Due net")
    page.fill("#id_lines-0-item_name", "HEX HEAD SCREW M16x80mm")
    page.fill("#id_lines-0-description", "ISO 4014 - M16x80 - 8.8 tZn")
    page.fill("#id_lines-0-quantity", "80")
    page.fill("#id_lines-0-price", "120")
    page.fill("#id_lines-0-base_quantity", "10")
    page.fill("#id_lines-0-discount", "20")
    page.fill("#id_lines-0-batches", "40@2027-01-15; 40@next week")
    page.get_by_role("button", name="Add a line").click()  # a third line, added in the page
    assert page.input_value("#id_lines-TOTAL_FORMS") == "3"
    assert page.locator("#lines fieldset legend").nth(2).inner_text() == "Line 3"
    assert page.evaluate("document.activeElement.id") == "id_lines-2-item_name"
    page.fill("#id_lines-1-item_name", "HEX NUT M16")
    page.fill("#id_lines-1-quantity", "100")
    page.fill("#id_lines-1-price", "0.35")
    page.fill("#id_lines-1-requested_date", "2027-01-20")
    page.get_by_role("button", name="Save and send").click()

    # The mistyped batch is named at its field, and everything typed is still there.
    error = page.locator("#id_lines-0-batches_error")
    assert "“40@next week” is not quantity@YYYY-MM-DD" in error.inner_text()
    assert page.locator("#id_lines-0-requested_date_error").count() == 0  # the batches carry the dates
    assert page.input_value("#id_lines-1-item_name") == "HEX NUT M16"
    assert page.input_value("#id_order-note") == "Deliver to gate 4"
    fits(page)
    page.screenshot(path=str(artifacts / "order-form-error.png"), full_page=True)
    assert_accessible(page, "the new-order form with an error")
    page.fill("#id_lines-0-batches", "40@2027-01-15; 40@2027-02-01")
    fits(page)
    page.screenshot(path=str(artifacts / "order-form-new.png"), full_page=True)
    page.get_by_role("button", name="Save and send").click()
    page.wait_for_selector("text=Order BF-1 saved and queued for Jakamo.")
    fits(page)
    assert_accessible(page, "the order page")

    order = PurchaseOrder.objects.get(order_number="BF-1")
    sent = parse_order_document(order.document_xml)
    assert [(d.quantity.value, str(d.requested_end_date)) for d in sent.line("1").deliveries] == [
        (Decimal(40), "2027-01-15"),
        (Decimal(40), "2027-02-01"),
    ]
    assert sent.line("2").item.name == "HEX NUT M16" and sent.delivery_terms.id == "FCA"

    page.get_by_role("link", name="Edit the order").click()
    assert page.input_value("#id_lines-0-batches") == "40@2027-01-15; 40@2027-02-01"
    assert page.input_value("#id_order-payment_terms") == "within 60 days Due net"
    assert page.get_by_role("link", name="Download as XML").is_visible()
    fits(page)
    assert_accessible(page, "the order-change form")
    page.fill("#id_lines-1-quantity", "150")
    page.fill("#id_lines-0-quantity", "90")
    page.fill("#id_lines-0-batches", "50@2027-01-15; 40@2027-02-01")
    page.fill("#id_order-note", "Deliver to gate 4\nRevised: more nuts")
    page.screenshot(path=str(artifacts / "order-form-edit.png"), full_page=True)
    page.get_by_role("button", name="Send the change").click()
    page.wait_for_selector("text=Revised: the OrderChange is on its way to Jakamo.")

    change = parse_order_document(bytes(OutboxMessage.objects.get(document_type="OrderChange").body))
    assert change.notes == ["Deliver to gate 4", "Revised: more nuts"]
    assert change.line("2").quantity.value == 150
    assert [d.quantity.value for d in change.line("1").deliveries] == [50, 40]
    assert change.line("1").item.description == "ISO 4014 - M16x80 - 8.8 tZn"

    # Narrower, the form wraps rather than scrolling sideways.
    page.goto(f"{live_server.url}/orders/purchase/{order.pk}/edit/")
    page.set_viewport_size({"width": 1024, "height": 800})
    fits(page)
