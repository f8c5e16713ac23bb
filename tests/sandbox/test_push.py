"""The simulated Jakamo's webhooks: pushes what it queues, as configured in its webhook form or
from the command line; retries only new sales orders; clears the entry only on 200, 201 or 204
when "Remove entry from queue on success" is on."""

from django.core.management import call_command
from django.urls import reverse

from sandbox import push
from sandbox.models import Message, Push
from tests.helpers import customer_orders, queue_confirmations


def test_only_a_new_sales_order_is_retried_and_nothing_failed_leaves_the_queue(live_server, network, monkeypatch):
    monkeypatch.setattr(push, "RETRY_DELAYS", (0, 0, 0))
    nowhere = live_server.url + "/hooks/jakamo/999999/"  # answers 404
    push.configure(network["so"], nowhere, username="u", password="p")
    push.configure(network["po"], nowhere, username="u", password="p")
    customer_orders(network, "C-1")
    queue_confirmations(network, 1)
    so_calls = Push.objects.filter(message__integration=network["so"])
    po_calls = Push.objects.filter(message__integration=network["po"])
    assert [(c.attempt, c.status) for c in so_calls] == [(1, 404), (2, 404), (3, 404), (4, 404)]
    assert [(c.attempt, c.status) for c in po_calls] == [(1, 404)]
    assert Message.objects.filter(acknowledged_at__isnull=True).count() == 2


def test_the_webhook_form_and_the_command_set_the_webhook(live_server, network, client, integration_admin):
    client.force_login(integration_admin)
    url = live_server.url + "/hooks/jakamo/1/"
    answer = client.post(
        reverse("sandbox:jakamo_webhook"),
        {
            "integration": network["asn"].pk,
            "url": url,
            "auth": "oauth2",
            "token_url": live_server.url + "/hooks/jakamo/oauth2/token",
            "client_id": "c",
            "client_secret": "s",
        },
    )
    assert answer.status_code == 302
    network["asn"].refresh_from_db()
    assert network["asn"].push_url == url and network["asn"].push_auth == "oauth2"
    assert not network["asn"].push_remove_on_success  # an unticked box
    assert "Jakamo webhooks (pushes)" in client.get(reverse("sandbox:home")).content.decode()
    call_command("sandbox", "webhook", "po-nordic", url, "--basic", "user:pass:word")
    network["po"].refresh_from_db()
    assert (network["po"].push_username, network["po"].push_password) == ("user", "pass:word")
    assert network["po"].push_remove_on_success
    call_command("sandbox", "webhook", "po-nordic")
    network["po"].refresh_from_db()
    assert network["po"].push_url == "" and network["po"].push_auth == ""
