"""A page updates itself: with the order page open, the supplier's confirmation arrives through the
sandbox and a sync, and the page shows it with a new "updated" time, without a reload. A page on
which someone is filling in a form is left alone. Screenshots in test-artifacts/."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from exchange import inbox
from mappings.models import Integration
from sandbox import demo, party
from sandbox.models import Order
from tests.browser.a11y import assert_accessible
from tests.helpers import customer_orders

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, username: str):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "demo-pass-2026")
    page.click("button[type=submit]")


@pytest.fixture
def demo_portal(live_server):
    call_command("demo_setup", base_url=f"{live_server.url}/sandbox/jakamo", stdout=io.StringIO())
    integrations = {i.kind: i for i in Integration.objects.filter(name__endswith="(sandbox)")}
    for integration in integrations.values():
        inbox.sync(integration.pk)
    return integrations


def test_the_order_page_shows_an_arriving_confirmation_by_itself(live_server, page, demo_portal, artifacts):
    # Support reads the order page (the purchaser's forms on it are the purchaser journey's part).
    sign_in(page, live_server, "support")
    page.get_by_role("link", name="Purchase orders").click()
    page.get_by_role("link", name="DEMO-1001").click()
    heading = page.locator("h1").inner_text()
    assert "Waiting for supplier confirmation" in heading
    mark = page.locator(".live-mark time").inner_text()
    assert_accessible(page, "the order page")
    page.evaluate("window.stillTheSamePage = true")
    polls = []
    page.on(
        "response",
        lambda r: (
            polls.append((r.status, r.request.headers.get("x-live-stamp")))
            if r.request.headers.get("hx-request")
            else None
        ),
    )
    page.wait_for_timeout(5_600)  # one poll while nothing changes: answered 204, its stamp sent along
    assert polls and polls[0][0] == 204 and polls[0][1]
    party.supplier_confirm(Order.objects.get(buyer_company=demo.OUR_COMPANY, order_number="DEMO-1001"))
    inbox.sync(demo_portal["purchase_order"].pk)

    page.wait_for_function("document.querySelector('h1').innerText.includes('Confirmed')", timeout=15_000, polling=250)
    assert page.evaluate("window.stillTheSamePage") is True, "the page was reloaded"
    assert page.locator(".live-mark time").inner_text() != mark
    assert page.locator("#timeline").get_by_text("Supplier's confirmation, version 1").count() == 1
    page.screenshot(path=str(artifacts / "live-order-page.png"), full_page=True)
    assert_accessible(page, "the order page after it updated itself")


def test_a_page_with_a_form_being_filled_in_is_not_swapped(live_server, page, demo_portal, artifacts):
    sign_in(page, live_server, "support")
    page.goto(f"{live_server.url}/messages/?direction=in")
    page.locator("#messages tbody input[name=message]").first.check()
    customer_orders(demo.setup_network(), "CUST-7777")
    inbox.sync(demo_portal["sales_order"].pk)
    page.wait_for_timeout(7_000)  # longer than a poll
    assert "CUST-7777" not in page.locator("#messages").inner_text()
    assert page.locator("#messages tbody input[name=message]").first.is_checked()
    assert page.locator("#live.live-paused").count() == 1
    # Once sent (here: the filter), the new page is live again and shows what arrived.
    page.get_by_role("button", name="Filter").click()
    assert "CUST-7777" in page.locator("#messages").inner_text()
    page.screenshot(path=str(artifacts / "live-messages.png"), full_page=True)
    assert_accessible(page, "the message history")
