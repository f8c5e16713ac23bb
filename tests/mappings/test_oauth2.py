"""OAuth2 as Jakamo sets it up: the form fills the environment's token URL and scope, the portal's
clients share one token per integration until it is due, and Test connection says which request
failed (the token, the scope, or the queue) in a sentence, never in Python's words."""

import socket

import pytest
from django.urls import reverse

from mappings import services
from mappings.models import Integration
from sandbox import demo
from sandbox.models import AccessToken

FORM = {
    "name": "PO OAuth2",
    "kind": "purchase_order",
    "environment": "test",
    "auth_method": "oauth2",
    "client_id": "app-client-id",
    "client_secret": "app-secret-1",
    "path_order": "/api/order",
    "path_order_status": "/api/order/{order_id}",
    "path_response_queue": "/api/order/response",
    "poll_interval": "60",
    "enabled": "on",
}
PYTHONS_WORDS = ("Errno", "HTTPConnectionPool", "Max retries", "NewConnectionError", "Traceback", "object at 0x")


def oauth2_integration(jakamo_url, **fields) -> Integration:
    return Integration.objects.create(
        **{
            "name": "PO (OAuth2)",
            "kind": "purchase_order",
            "environment": "custom",
            "base_url": jakamo_url,
            "auth_method": "oauth2",
            "token_url": f"{jakamo_url}/oauth2/token",
            "client_id": demo.PO.client_id,
            "client_secret": demo.PO.client_secret,
            "scope": "api://jakamo-sandbox/.default",
            **fields,
        }
    )


def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(
    "environment,token_url,scope",
    [
        (
            "test",
            "https://login.microsoftonline.com/a22b6145-4c73-4914-901d-6bf96bcb0183/oauth2/v2.0/token",
            "https://demo.jakamoapp.com/.default",
        ),
        (
            "production",
            "https://login.microsoftonline.com/c87ad7a3-cc9b-4a04-be72-916199870e5c/oauth2/v2.0/token",
            "https://api.jakamoapp.com/.default",
        ),
    ],
)
def test_picking_an_environment_fills_jakamos_token_url_and_scope(
    client, integration_admin, environment, token_url, scope
):
    client.force_login(integration_admin)
    response = client.post(reverse("mappings:integration_new"), {**FORM, "environment": environment})
    assert response.status_code == 302
    integration = Integration.objects.get(name="PO OAuth2")
    assert (integration.token_url, integration.scope) == (token_url, scope)


def test_the_sandbox_as_base_url_gets_the_sandboxs_own_token_endpoint(client, integration_admin):
    client.force_login(integration_admin)
    base = "http://127.0.0.1:8000/sandbox/jakamo"
    client.post(reverse("mappings:integration_new"), {**FORM, "environment": "custom", "base_url": base})
    integration = Integration.objects.get(name="PO OAuth2")
    assert (integration.token_url, integration.scope) == (f"{base}/oauth2/token", "api://jakamo-sandbox/.default")


def test_a_token_url_and_scope_the_person_gave_are_kept(client, integration_admin):
    client.force_login(integration_admin)
    mine = {"token_url": "https://login.example.com/t/oauth2/v2.0/token", "scope": "https://x.example/.default"}
    client.post(reverse("mappings:integration_new"), {**FORM, **mine})
    integration = Integration.objects.get(name="PO OAuth2")
    assert (integration.token_url, integration.scope) == (mine["token_url"], mine["scope"])


def test_the_form_carries_the_defaults_for_its_script_and_marks_basic_auth_legacy(client, integration_admin):
    client.force_login(integration_admin)
    page = client.get(reverse("mappings:integration_new") + "?kind=purchase_order").content.decode()
    assert "js/integration_form.js" in page and "data-oauth2-defaults" in page
    assert "a22b6145-4c73-4914-901d-6bf96bcb0183" in page and "https://demo.jakamoapp.com/.default" in page
    assert "Basic authentication (legacy)" in page and "OAuth2 client credentials (recommended)" in page


def test_the_portals_clients_share_one_token_per_integration(jakamo_url):
    integration = oauth2_integration(jakamo_url)
    assert integration.client().get_message() is None
    assert Integration.objects.get(pk=integration.pk).client().get_message() is None  # another client, same token
    assert AccessToken.objects.count() == 1
    other = oauth2_integration(jakamo_url, name="another")
    other.client().get_message()
    assert AccessToken.objects.count() == 2  # tokens are per integration


def test_test_connection_with_oauth2_says_the_token_works(jakamo_url):
    check = services.test_connection(oauth2_integration(jakamo_url))
    assert check.ok and "the credentials work and the queue is empty" in check.text


@pytest.mark.parametrize(
    "change,part,expected",
    [
        ({"client_secret": "wrong"}, "token", "the token endpoint refused the client id or the client secret (401)"),
        ({"client_id": "nobody"}, "token", "refused the client id or the client secret"),
        ({"token_url": "http://127.0.0.1:{port}/oauth2/token"}, "token", "cannot be reached"),
        ({"token_url": "http://no-such-host.invalid/token"}, "token", "cannot be reached"),
        ({"scope": "orders.read"}, "scope", "will not grant “orders.read”"),
        ({"path_response_queue": "/api/nowhere"}, "queue", "does not exist (404)"),
        ({"kind": "asn"}, "queue", "A token was issued, but Jakamo refused it for the queue"),
    ],
)
def test_test_connection_says_which_part_failed(jakamo_url, change, part, expected):
    change = {k: v.format(port=unused_port()) for k, v in change.items()}
    check = services.test_connection(oauth2_integration(jakamo_url, **change))
    assert (check.ok, check.part) == (False, part)
    assert expected in check.text
    assert not any(word in check.text for word in PYTHONS_WORDS), check.text


@pytest.mark.parametrize("base_url", ["http://127.0.0.1:{port}/x", "http://no-such-host.invalid"])
def test_an_unreachable_address_is_a_sentence_not_pythons_exception(client, integration_admin, db, base_url):
    integration = Integration.objects.create(
        name="x",
        kind="purchase_order",
        environment="custom",
        base_url=base_url.format(port=unused_port()),
        username="u",
        password="p",
    )
    client.force_login(integration_admin)
    page = client.post(reverse("mappings:test_connection", args=[integration.pk]), follow=True).content.decode()
    assert "Could not reach" in page and "check the address, the DNS name and the network." in page
    assert not any(word in page for word in PYTHONS_WORDS)


def test_test_connection_fetches_a_new_token_so_a_changed_secret_shows_at_once(jakamo_url):
    integration = oauth2_integration(jakamo_url)
    assert services.test_connection(integration).ok
    integration.client_secret = "changed-and-wrong"
    integration.save()
    integration.refresh_from_db()
    assert services.test_connection(integration).part == "token"
