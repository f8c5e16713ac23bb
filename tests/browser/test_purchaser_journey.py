"""A purchaser's working day on make demo's data, in a real browser against the sandbox: the home
tiles with their titles, an order that never reached Jakamo, a confirmation with the supplier's
note and deviations reviewed line by line, and the order's one timeline. Each page visited passes
the accessibility check; screenshots go to test-artifacts/."""

import re

import pytest

from mappings.models import Integration
from orders.purchase import services
from sandbox import demo
from tests.browser.a11y import assert_accessible
from tests.helpers import demo_loaded

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTE = "Can do 80 now, price up due to steel."


def sign_in(page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "purchaser")
    page.fill("#id_password", "demo-pass-2026")
    page.click("button[type=submit]")


def test_a_purchasers_day_on_the_demo_data(live_server, page, artifacts):
    demo_loaded(live_server.url)
    # The ERP sends an order for a supplier nobody has mapped: the portal holds it.
    po = Integration.objects.get(name="Jakamo PO (sandbox)")
    services.purchase_order_create(
        integration=po,
        document=demo.sample_order("DEMO-1099", vendor_id="V-300"),
        user=None,
    )
    sign_in(page, live_server)

    # Home: every tile and chart says what it counts and in which unit.
    not_sent = page.locator("#fig-not_sent")
    assert not_sent.locator(".n").inner_text() == "1"
    assert "Orders not sent to Jakamo" in not_sent.locator(".label").inner_text()
    caption = page.locator("#chart-deviations figcaption").inner_text()
    assert "Share of confirmations with deviations" in caption and "percentage (%)" in caption
    assert "hours (h)" in page.locator("#chart-hours figcaption").inner_text()
    page.screenshot(path=str(artifacts / "purchaser-home.png"), full_page=True)
    assert_accessible(page, "the purchaser's home page")

    # The tile leads to the order that was not sent, and the order says why and what to do.
    not_sent.click()
    assert page.get_by_role("link", name="DEMO-1099").count() == 1
    assert page.get_by_role("link", name="DEMO-1003").count() == 0
    assert_accessible(page, "the list of orders not sent")
    page.get_by_role("link", name="DEMO-1099").click()
    problem = page.locator("#send-problems").inner_text()
    assert "Blocked by a missing mapping" in problem and "V-300" in problem and "integration admin" in problem
    assert page.locator("#not-sent-badge").is_visible()
    page.screenshot(path=str(artifacts / "purchaser-order-not-sent.png"), full_page=True)
    assert_accessible(page, "the page of an order not sent")

    # The review queue: DEMO-1003 deviates, and the supplier wrote why.
    page.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile("^Review")).click()
    assert_accessible(page, "the review queue")
    page.locator("tr", has_text="DEMO-1003").get_by_role("link", name="Review").click()
    assert NOTE in page.locator("#supplier-note").inner_text()
    deviations = page.locator("ul.deviations").inner_text()
    assert "Line 1" in deviations and "Line 2" in deviations
    form = page.locator("#line-by-line")
    assert form.inner_text().count("left unticked, it is rejected") == 2
    page.screenshot(path=str(artifacts / "purchaser-review.png"), full_page=True)
    assert_accessible(page, "the review page")

    # Line by line: accept line 1; the confirmation step says line 2 is rejected.
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    form.locator("#id_accept_1").check()
    form.locator("textarea[name=note]").fill("80 now is fine; the old price stands")
    form.get_by_role("button", name="Send my line decisions").click()
    page.wait_for_selector("text=Decided line by line: accepted line 1; rejected line 2")
    assert asked and "unticked is rejected" in asked[0]

    # The order page: the note, and one timeline from the order to the decision, with who.
    assert NOTE in page.locator("#supplier-note").inner_text()
    rows = page.locator("#timeline tbody tr")
    kinds = [r.get_attribute("class").split()[0] for r in rows.all()]
    story = "\n".join(r.inner_text() for r in rows.all())
    assert kinds.index("sent") < kinds.index("confirmation") < kinds.index("decision")
    confirmation = page.locator("#timeline tr.confirmation").inner_text()
    assert "Supplier's confirmation, version 1" in confirmation and NOTE in confirmation
    decision = page.locator("#timeline tr.decision").inner_text()
    assert "Decided line by line (version 1)" in decision and "purchaser" in decision
    assert "Accepted lines: 1; the others rejected" in decision and "80 now is fine" in decision
    assert "Status: Waiting for supplier confirmation → Waiting for customer action" in story
    page.screenshot(path=str(artifacts / "purchaser-order-timeline.png"), full_page=True)
    assert_accessible(page, "the order page after a line-by-line decision")
