"""An integration admin presses Sync now and watches the counts appear on the page."""

import pytest

from tests.helpers import queue_confirmations, record_only_routes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sync_now_shows_live_progress(
    live_server, page, integration_admin, po_integration, network, monkeypatch, artifacts
):
    from django_q.conf import Conf

    from exchange import handlers

    monkeypatch.setattr(Conf, "SYNC", True)  # the task runs in the server instead of a cluster
    monkeypatch.setattr(handlers, "HANDLERS", record_only_routes())  # the engine alone: record each message
    queue_confirmations(network, 4)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "integrator")
    page.fill("#id_password", "pw-for-tests-1")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}{po_integration.get_absolute_url()}")
    page.click("text=Sync now")
    box = page.locator("#live-run")
    box.locator("[data-field=status_display]", has_text="Done").wait_for()
    assert box.locator("[data-field=fetched]").inner_text() == "4"
    assert box.locator("[data-field=processed]").inner_text() == "4"
    page.screenshot(path=str(artifacts / "sync-now.png"), full_page=True)
