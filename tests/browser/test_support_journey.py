"""Support's day with the message history, in a real browser, on `make demo`'s data and the sandbox:
page through the messages, filter by type, open an order, download and copy a raw body, and
reprocess three messages at once (asked first) with one outcome per row. Screenshots are kept in
test-artifacts/; each page passes the accessibility check."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from exchange import inbox
from exchange.models import AuditEntry, InboxMessage
from mappings.models import Integration
from sandbox import demo
from tests.browser.a11y import assert_accessible
from tests.helpers import customer_orders

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "demo-pass-2026"


def demo_data(live_server, extra_orders: int = 0) -> dict[str, Integration]:
    """`make demo`'s data in the live server's database, its portal integrations pointed at the live
    server's sandbox, and each queue drained once (what the first ticks of `make demo` do)."""
    call_command("demo_setup", base_url=f"{live_server.url}/sandbox/jakamo", stdout=io.StringIO())
    for n in range(extra_orders):
        # Customers' orders on the Sales Order queue: enough history for more than one page.
        customer_orders(demo.setup_network(), f"CUST-{9000 + n}")
    integrations = {i.kind: i for i in Integration.objects.filter(name__endswith="(sandbox)")}
    for integration in integrations.values():
        inbox.sync(integration.pk)
    return integrations


def sign_in(page, live_server, username: str):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")


def test_support_pages_filters_opens_downloads_copies_and_reprocesses_in_bulk(live_server, page, artifacts):
    demo_data(live_server, extra_orders=55)
    assert InboxMessage.objects.count() > 50
    sign_in(page, live_server, "support")
    page.goto(f"{live_server.url}/messages/")
    assert page.locator("#messages tbody tr").count() == 50
    assert re.search(r"page 1 of [2-9]", page.content())
    page.screenshot(path=str(artifacts / "support-messages.png"), full_page=True)
    assert_accessible(page, "the message history")

    page.get_by_role("link", name="older →").click()
    assert "page 2 of" in page.content()
    assert_accessible(page, "the message history, page 2")

    page.select_option("#f-type", "OrderResponse")
    page.get_by_role("button", name="Filter").click()
    types = page.locator("#messages tbody tr td:nth-child(5)").all_inner_texts()
    assert types and set(types) == {"OrderResponse"}
    listing = page.url
    assert "type=OrderResponse" in listing

    link = page.locator("a.order-link", has_text="DEMO-1002").first
    link.click()
    assert page.locator("h1").inner_text().startswith("Purchase order DEMO-1002")
    assert_accessible(page, "an order opened from the message history")

    page.goto(listing)
    page.locator("#messages tbody tr", has_text="DEMO-1002").first.locator("td:nth-child(2) a").click()
    row = InboxMessage.objects.filter(document_key="DEMO-1002", document_type="OrderResponse").first()
    assert page.locator("h1").inner_text().startswith("Incoming OrderResponse DEMO-1002")
    with page.expect_download() as download:
        page.click("#download-body")
    assert download.value.suggested_filename == f"in-{row.pk}-orderresponse-demo-1002.xml"
    assert Path(download.value.path()).read_bytes() == bytes(row.body)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.click("#copy-body")
    page.wait_for_selector("#copy-status:has-text('Copied the raw body.')")
    assert page.evaluate("navigator.clipboard.readText()") == bytes(row.body).decode()
    page.screenshot(path=str(artifacts / "support-message-copied.png"), full_page=True)
    assert_accessible(page, "a message with its raw body")

    page.goto(listing)
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    boxes = page.locator("#messages tbody input[name=message]")
    chosen = [boxes.nth(n).get_attribute("value") for n in range(3)]
    for n in range(3):
        boxes.nth(n).check()
    page.get_by_role("button", name="Reprocess selected").click()
    page.wait_for_selector("#bulk-results")
    assert asked and asked[0].startswith("Reprocess the ticked incoming messages?")
    results = page.locator("#bulk-results tbody tr")
    assert results.count() == 3
    links = [results.nth(n).locator("td").first.inner_text() for n in range(3)]
    assert links == [f"#{ref.split(':')[1]}" for ref in chosen]
    for n in range(3):
        assert results.nth(n).locator("td").nth(4).inner_text().strip()
    assert AuditEntry.objects.filter(action="reprocess", user__username="support").count() == 3
    page.screenshot(path=str(artifacts / "support-bulk-reprocessed.png"), full_page=True)
    assert_accessible(page, "the bulk outcome page")

    # "Select all on this page" ticks every message of the page.
    page.goto(listing)
    page.check("#select-all")
    assert (
        page.locator("#messages tbody input[name=message]:checked").count()
        == page.locator("#messages tbody input[name=message]").count()
    )
