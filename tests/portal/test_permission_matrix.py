"""Every URL × every role (and anonymous): allowed, refused, or sent to sign in.

The URL list comes from the URLconf itself, and ``RULES`` must name every one of them, so a new page
cannot be added without deciding who may open it. Each page is asked for with GET and with POST:
a person without the permission gets 403 either way (nothing runs), an anonymous visitor is sent to
sign in, and a person with it gets past the permission check. Client-authenticated endpoints (the
ERP endpoint, the gateway and sandbox APIs, the ShipHero webhook) never accept a browser session in
place of their own credentials."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.helpers import order_with_confirmation

PUBLIC = "public"  # anyone, signed in or not
SIGNED_IN = "signed in"  # every person with an account
CLIENT = "client credentials"  # machine endpoints: their own authentication, never a session
STAFF = "superuser"  # Django's admin

P = "common."
RULES = {
    "home": SIGNED_IN,
    "set_language": SIGNED_IN,
    "health": PUBLIC,
    "login": PUBLIC,
    "logout": SIGNED_IN,
    "orders:purchase_list": P + "view_purchase_orders",
    "orders:review_queue": P + "review_confirmations",
    "orders:purchase_new": P + "manage_purchase_orders",
    "orders:purchase_upload": P + "manage_purchase_orders",
    "orders:purchase_change": P + "manage_purchase_orders",
    "orders:erp_order_create": CLIENT,
    "orders:purchase_detail": P + "view_purchase_orders",
    "orders:receive": P + "receive_goods",
    "orders:confirmation_review": P + "view_purchase_orders",
    "orders:confirmation_decide": P + "review_confirmations",
    "orders:sales_list": P + "view_sales_orders",
    "orders:sales_detail": P + "view_sales_orders",
    "orders:sales_confirm": P + "confirm_sales_orders",
    "orders:sales_deliver": P + "deliver_sales_orders",
    "orders:purchase_edit": P + "manage_purchase_orders",
    "orders:purchase_xml": P + "view_purchase_orders",
    "orders:purchase_sample_xml": P + "view_purchase_orders",
    "shipments:list": P + "view_shipments",
    "shipments:detail": P + "view_shipments",
    "shipments:receive": P + "receive_goods",
    "shipments:item_link": P + "receive_goods",
    "shipments:webhook_list": P + "view_shipments",
    "shipments:webhook_detail": P + "view_shipments",
    "shipments:webhook_link": P + "deliver_sales_orders",
    "shipments:webhook_replay": P + "reprocess_messages",
    "shiphero_webhook": CLIENT,
    "jakamo_webhook": CLIENT,
    "jakamo_webhook_token": CLIENT,
    "gateway:client_list": P + "manage_integrations",
    "gateway:client_new": P + "manage_integrations",
    "gateway:client_detail": P + "manage_integrations",
    "gateway:client_rotate": P + "manage_integrations",
    "mappings:integration_list": P + "manage_integrations",
    "mappings:integration_new": P + "manage_integrations",
    "mappings:integration_detail": P + "manage_integrations",
    "mappings:integration_edit": P + "manage_integrations",
    "mappings:test_connection": P + "manage_integrations",
    "mappings:check_mapped_companies": P + "manage_integrations",
    "mappings:archive": P + "manage_integrations",
    "mappings:delete": P + "manage_integrations",
    "mappings:sync_now": P + "manage_integrations",
    "mappings:sync_status": P + "manage_integrations",
    "mappings:resume": P + "manage_integrations",
    "mappings:webhook_credentials": P + "manage_integrations",
    "mappings:company_mapping_add": P + "manage_mappings",
    "mappings:user_mapping_add": P + "manage_mappings",
    "mappings:mapping_delete": P + "manage_mappings",
    "mappings:csv_export": P + "manage_mappings",
    "mappings:csv_import": P + "manage_mappings",
    "gateway_api:order": CLIENT,
    "gateway_api:response_queue": CLIENT,
    "gateway_api:order_status": CLIENT,
    "gateway_api:order_response": CLIENT,
    "gateway_api:asn_queue": CLIENT,
    "gateway_api:mapped_companies": CLIENT,
    "gateway_api:ack": CLIENT,
    "gateway_api:confirm": CLIENT,
    "gateway_api:token": CLIENT,
    "exchange:message_list": P + "view_message_history",
    "exchange:inbox_detail": P + "view_message_history",
    "exchange:inbox_reprocess": P + "reprocess_messages",
    "exchange:outbox_detail": P + "view_message_history",
    "exchange:outbox_action": P + "reprocess_messages",
    "exchange:bulk_action": P + "reprocess_messages",
    "exchange:message_body": P + "view_message_history",
    "sandbox:home": P + "use_sandbox",
    "sandbox:order": P + "use_sandbox",
    "sandbox:order_action": P + "use_sandbox",
    "sandbox:customer_order": P + "use_sandbox",
    "sandbox:faults": P + "use_sandbox",
    "sandbox:shiphero": P + "use_sandbox",
    "sandbox:jakamo_webhook": P + "use_sandbox",
    "sandbox:api_order": CLIENT,
    "sandbox:api_response_queue": CLIENT,
    "sandbox:api_order_status": CLIENT,
    "sandbox:api_order_response": CLIENT,
    "sandbox:api_asn_queue": CLIENT,
    "sandbox:mapped_companies": CLIENT,
    "sandbox:ack": CLIENT,
    "sandbox:confirm": CLIENT,
    "sandbox:token": CLIENT,
    "admin:*": STAFF,
}

PEOPLE = ["anonymous", "purchaser", "seller", "integration_admin", "support", "nobody"]


def url_patterns(patterns=None, namespace=""):
    """(name, pattern) for every route; Django's admin counts as one, ``admin:*``."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                yield "admin:*", entry
                continue
            inner = namespace + (f"{entry.namespace}:" if entry.namespace else "")
            yield from url_patterns(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern):
            yield namespace + (entry.name or str(entry.pattern)), entry


ROUTES = dict(url_patterns())


def test_every_route_has_a_rule_and_every_rule_a_route():
    assert sorted(set(ROUTES) - set(RULES)) == [], "new pages need a line in RULES"
    assert sorted(set(RULES) - set(ROUTES)) == [], "RULES names pages that no longer exist"


@pytest.fixture
def objects(purchaser):
    """Real rows, so a permitted GET reaches its page rather than a 404."""
    order, confirmation = order_with_confirmation("PM-1", purchaser)
    return {
        "pk": order.pk,
        "version": confirmation.version,
        "action": "revise",
        "what": "company",
        "mapping_pk": 1,
        "run_pk": 1,
        "token": "not-a-token",
        "order_id": "PM-1",
        "direction": "out",
    }


def url_for(name: str, objects: dict) -> str:
    if name == "admin:*":
        return reverse("admin:index")
    route = ROUTES[name].pattern
    params = re.findall(r"<(?:\w+:)?(\w+)>", str(route))
    return reverse(name, kwargs={p: objects[p] for p in params})


def signed_in(request, person) -> tuple[Client, object]:
    client = Client()
    if person == "anonymous":
        return client, AnonymousUser()
    user = request.getfixturevalue(person)
    client.force_login(user)
    return client, user


def sent_to_sign_in(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", sorted(RULES))
def test_permission_matrix(request, db, objects, name):
    url = url_for(name, objects)
    rule = RULES[name]
    for person in PEOPLE:
        client, user = signed_in(request, person)
        get, post = client.get(url), client.post(url)
        where = f"{person} → {name} ({url})"
        assert get.status_code != 500 and post.status_code != 500, where
        if rule == PUBLIC:
            assert not sent_to_sign_in(get) and get.status_code != 403, where
        elif rule == CLIENT:
            # Refused for want of the client's own credentials whoever is signed in to the portal.
            for response in (get, post):
                assert response.status_code in (400, 401, 403, 404, 405), f"{where}: {response.status_code}"
        elif rule == STAFF:
            assert get.status_code == 302 and "/admin/login/" in get["Location"], where
        elif person == "anonymous":
            assert sent_to_sign_in(get) and sent_to_sign_in(post), where
        elif rule == SIGNED_IN or user.has_perm(rule):
            assert not sent_to_sign_in(get) and get.status_code != 403, f"{where}: allowed but refused"
        else:
            assert get.status_code in (403, 405), f"{where}: GET {get.status_code}, expected refusal"
            assert post.status_code == 403, f"{where}: POST {post.status_code}, expected 403"


def test_a_superuser_reaches_the_admin(db, django_user_model):
    boss = django_user_model.objects.create_superuser("boss", password="pw-for-tests-1")
    client = Client()
    client.force_login(boss)
    assert client.get(reverse("admin:index")).status_code == 200


def test_support_reads_a_confirmation_but_gets_no_decision_buttons(client, support, purchaser):
    order, confirmation = order_with_confirmation("PM-2", purchaser)
    client.force_login(support)
    page = client.get(reverse("orders:confirmation_review", args=[order.pk, confirmation.version]))
    assert page.status_code == 200 and b"value-impact" in page.content
    assert b"confirmation_decide" not in page.content and b'value="accept"' not in page.content
