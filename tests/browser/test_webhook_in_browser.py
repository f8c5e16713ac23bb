"""An integration admin sets up the Jakamo webhook of the PO integration in the portal, enters what
the page says in the simulated Jakamo's webhook form, and sees the pushes arrive (and a refused
one listed) on the integration's page."""

import pytest

from exchange.models import InboxMessage
from tests.browser.a11y import assert_accessible
from tests.helpers import queue_confirmations, record_only_routes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_setting_up_the_webhook_and_seeing_pushes_arrive(
    live_server, page, integration_admin, po_integration, network, monkeypatch, artifacts
):
    from django_q.conf import Conf

    from exchange import handlers
    from sandbox import services

    monkeypatch.setattr(Conf, "SYNC", True)  # the apply task runs in the server instead of a cluster
    monkeypatch.setattr(handlers, "HANDLERS", record_only_routes())
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "integrator")
    page.fill("#id_password", "pw-for-tests-1")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}{po_integration.get_absolute_url()}")
    assert "not set up" in page.locator("#webhook").inner_text()
    assert_accessible(page, "integration page, webhook not set up")
    page.click("text=Set up the webhook (generate credentials)")
    shown = {name: page.locator(f"#{name}").inner_text() for name in ("payload-url", "username", "password")}
    assert shown["payload-url"] == f"{live_server.url}/hooks/jakamo/{po_integration.pk}/"
    page.screenshot(path=str(artifacts / "webhook-credentials.png"), full_page=True)
    assert_accessible(page, "webhook credentials")

    # What the page says, entered in the simulated Jakamo's webhook form.
    page.goto(f"{live_server.url}/sandbox/")
    form = page.locator("form[action$='/sandbox/webhook/']")
    form.locator("#id_integration").select_option(label=str(network["po"]))
    form.locator("#id_url").fill(shown["payload-url"])
    form.locator("#id_auth").select_option("basic")
    form.locator("#id_username").fill(shown["username"])
    form.locator("#id_password").fill(shown["password"])
    form.locator("#id_remove_on_success").check()
    form.locator("button[type=submit]").click()
    page.locator("text=Webhook saved.").wait_for()
    assert_accessible(page, "sandbox page")

    queue_confirmations(network, 2)
    services.add_fault("push_wrong_auth", 1, network["po"])
    queue_confirmations(network, 1, prefix="E")
    assert InboxMessage.objects.filter(status=InboxMessage.Status.PROCESSED).count() == 2
    page.goto(f"{live_server.url}{po_integration.get_absolute_url()}")
    section = page.locator("#webhook")
    assert "delivering" in section.inner_text()
    assert "Wrong user name or password for this webhook." in page.inner_text("body")
    page.screenshot(path=str(artifacts / "webhook-delivering.png"), full_page=True)
    assert_accessible(page, "integration page, webhook delivering")
