"""Every page needs a login; each role sees only its own navigation and is refused elsewhere."""

import importlib

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from common import roles

SECTIONS = {
    "orders:purchase_list": "common.view_purchase_orders",
    "orders:sales_list": "common.view_sales_orders",
    "shipments:list": "common.view_shipments",
    "mappings:integration_list": "common.manage_integrations",
    "exchange:message_list": "common.view_message_history",
    "sandbox:home": "common.use_sandbox",
    "orders:review_queue": "common.review_confirmations",
}

EXPECTED_NAV = {
    "purchaser": ["Home", "Purchase orders", "Review", "Shipments", "Sandbox"],
    "seller": ["Home", "Sales orders", "Shipments", "Sandbox"],
    "integration_admin": ["Home", "Integrations", "Messages", "Sandbox"],
    "support": ["Home", "Purchase orders", "Sales orders", "Shipments", "Messages", "Sandbox"],
    "nobody": ["Home"],
}


def test_the_data_migration_creates_the_roles_with_their_permissions(db):
    # A live-server test before this one empties the tables when it ends (a flush); run the
    # migration's own step on the historical models, as `migrate` does, and read what it made.
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    migration = importlib.import_module("common.migrations.0001_initial")
    state = MigrationExecutor(connection).loader.project_state(("common", "0001_initial"))
    Group.objects.all().delete()
    migration.create_roles(state.apps, None)
    for role, codenames in roles.ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role)
        assert sorted(group.permissions.values_list("codename", flat=True)) == sorted(codenames)


@pytest.mark.parametrize("person", list(EXPECTED_NAV))
def test_each_role_sees_only_its_navigation(client, db, request, person):
    user = request.getfixturevalue(person)
    client.force_login(user)
    page = client.get(reverse("home")).content.decode()
    nav = page.split('<nav class="main"', 1)[1].split("</nav>", 1)[0]
    shown = [
        label
        for label in [
            "Home",
            "Purchase orders",
            "Review",
            "Sales orders",
            "Shipments",
            "Integrations",
            "Messages",
            "Sandbox",
        ]
        if f">{label}</a>" in nav or f">{label}<span" in nav
    ]
    assert shown == EXPECTED_NAV[person]


@pytest.mark.parametrize("person", list(EXPECTED_NAV))
@pytest.mark.parametrize("url_name", list(SECTIONS))
def test_each_page_checks_the_permission_on_the_server(client, db, request, person, url_name):
    user = request.getfixturevalue(person)
    client.force_login(user)
    response = client.get(reverse(url_name))
    assert response.status_code == (200 if user.has_perm(SECTIONS[url_name]) else 403)


@pytest.mark.parametrize("url_name", ["home", *SECTIONS])
def test_anonymous_people_are_sent_to_sign_in(client, db, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_signing_in_with_a_password_leads_home(client, purchaser):
    response = client.post(reverse("login"), {"username": "purchaser", "password": "pw-for-tests-1"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert b"Purchase orders" in response.content


def test_a_wrong_password_is_refused(client, purchaser):
    response = client.post(reverse("login"), {"username": "purchaser", "password": "nope"})
    assert response.status_code == 200 and b"didn't match" in response.content


def test_the_sandbox_disappears_when_disabled(client, settings, support, live_server):
    import requests

    settings.SANDBOX_ENABLED = False
    client.force_login(support)
    assert client.get(reverse("sandbox:home")).status_code == 404
    assert ">Sandbox</a>" not in client.get(reverse("home")).content.decode()
    api = requests.get(f"{live_server.url}/sandbox/jakamo/api/order/response", timeout=5)
    assert api.status_code == 404
