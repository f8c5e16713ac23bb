"""A purchaser signs in, opens the review queue, reviews a deviating confirmation and accepts it,
in a real browser. The screenshot is kept in test-artifacts/."""

import pytest

from orders.models import OrderStatus, PurchaseOrder
from tests.browser.a11y import assert_accessible
from tests.helpers import order_with_confirmation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_purchaser_reviews_and_accepts_a_deviating_confirmation(live_server, page, purchaser, artifacts):
    order, _ = order_with_confirmation("BR-1", purchaser)
    page.goto(f"{live_server.url}/")
    page.fill("#id_username", "purchaser")
    page.fill("#id_password", "pw-for-tests-1")
    page.click("button[type=submit]")
    page.get_by_role("link", name="Review").first.click()
    assert page.locator("h1").inner_text().startswith("Confirmations awaiting your decision")
    page.get_by_role("link", name="Review", exact=True).last.click()
    assert "Line 2: unit price 13 confirmed, 12 ordered." in page.content()
    assert page.get_by_test_id("value-impact").inner_text() == "+100.00"
    page.screenshot(path=str(artifacts / "review.png"), full_page=True)
    assert_accessible(page, "the review page")
    page.fill("textarea[name=note]", "Price accepted for this order only")
    page.click("button[value=accept]")
    page.wait_for_selector("text=Accepted: the simple confirmation is on its way to Jakamo.")
    page.screenshot(path=str(artifacts / "accepted.png"), full_page=True)
    order = PurchaseOrder.objects.get(pk=order.pk)
    assert order.status == OrderStatus.CONFIRMED
    assert order.confirmations.get().decisions.get().note == "Price accepted for this order only"
