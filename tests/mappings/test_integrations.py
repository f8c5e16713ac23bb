"""Integrations: secrets encrypted at rest and write-only, test connection in plain words,
Sync now with live progress, and pages only for integration admins."""

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from exchange.models import SyncRun, SyncState
from mappings.models import Integration
from sandbox import demo
from tests.helpers import queue_confirmations, record_only_routes


def raw_column(pk, column):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM mappings_integration WHERE id = %s", [pk])
        return cursor.fetchone()[0]


FORM = {
    "name": "PO test",
    "kind": "purchase_order",
    "environment": "custom",
    "base_url": "http://127.0.0.1:9/x",
    "auth_method": "basic",
    "username": "po-user",
    "password": "Sup3r-Secret-PW",
    "path_order": "/api/order",
    "path_order_status": "/api/order/{order_id}",
    "path_response_queue": "/api/order/response",
    "path_order_response": "/api/orderresponse",
    "path_asn_queue": "/api/asn",
    "poll_interval": "60",
    "enabled": "on",
}


def test_secrets_are_encrypted_at_rest_and_never_shown_again(client, integration_admin):
    client.force_login(integration_admin)
    response = client.post(reverse("mappings:integration_new"), FORM)
    integration = Integration.objects.get(name="PO test")
    assert response.status_code == 302 and integration.password == "Sup3r-Secret-PW"
    assert "Sup3r-Secret-PW" not in raw_column(integration.pk, "password")
    for url in (integration.get_absolute_url(), reverse("mappings:integration_edit", args=[integration.pk])):
        page = client.get(url).content.decode()
        assert "Sup3r-Secret-PW" not in page and raw_column(integration.pk, "password") not in page
    assert (
        "leave blank to keep it"
        in client.get(reverse("mappings:integration_edit", args=[integration.pk])).content.decode()
    )
    client.post(
        reverse("mappings:integration_edit", args=[integration.pk]), {**FORM, "password": "", "poll_interval": "90"}
    )
    integration.refresh_from_db()
    assert integration.password == "Sup3r-Secret-PW" and integration.poll_interval == 90
    client.post(reverse("mappings:integration_edit", args=[integration.pk]), {**FORM, "password": "new-one-123"})
    integration.refresh_from_db()
    assert integration.password == "new-one-123"


def test_the_form_explains_what_each_auth_method_needs(client, integration_admin):
    client.force_login(integration_admin)
    page = client.post(
        reverse("mappings:integration_new"), {**FORM, "auth_method": "oauth2", "base_url": ""}
    ).content.decode()
    assert "A custom environment needs its base URL." in page and "OAuth2 client credentials need this." in page
    page = client.post(
        reverse("mappings:integration_new"), {**FORM, "kind": "shiphero", "password": ""}
    ).content.decode()
    assert "shared secret; it is required" in page


def test_a_new_key_still_decrypts_old_values_and_rotation_moves_them_to_it(db, settings):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    integration = Integration.objects.create(name="x", kind="asn", password="pw-old-key-1")
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    assert Integration.objects.get(pk=integration.pk).password == "pw-old-key-1"
    call_command("rotate_secrets")
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    assert Integration.objects.get(pk=integration.pk).password == "pw-old-key-1"


def test_a_removed_key_fails_loudly_not_silently(db, settings):
    from django.core.exceptions import ImproperlyConfigured

    integration = Integration.objects.create(name="x", kind="asn", password="pw")
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ImproperlyConfigured, match="rotate_secrets"):
        Integration.objects.get(pk=integration.pk)


@pytest.mark.parametrize(
    "change,expected",
    [
        ({}, "the credentials work and the queue is empty"),
        ({"password": "wrong"}, "refused the credentials (400 “Authentication failed.”)"),
        ({"path_response_queue": "/api/nowhere"}, "does not exist (404)"),
        ({"base_url": "http://no-such-host.invalid"}, "Could not reach"),
    ],
)
def test_test_connection_says_what_is_wrong_in_plain_words(client, integration_admin, po_integration, change, expected):
    Integration.objects.filter(pk=po_integration.pk).update(**{k: v for k, v in change.items() if k != "password"})
    if "password" in change:
        po_integration.refresh_from_db()
        po_integration.password = change["password"]
        po_integration.save()
    client.force_login(integration_admin)
    page = client.post(reverse("mappings:test_connection", args=[po_integration.pk]), follow=True).content.decode()
    assert expected in page


def test_test_connection_does_not_consume_a_message(client, integration_admin, po_integration, network):
    queue_confirmations(network, 1)
    client.force_login(integration_admin)
    page = client.post(reverse("mappings:test_connection", args=[po_integration.pk]), follow=True).content.decode()
    assert "a message is waiting in the queue (not consumed)" in page
    from sandbox.models import Message

    assert Message.objects.filter(acknowledged_at__isnull=True).count() == 1


def test_sync_now_runs_and_reports_progress(client, integration_admin, po_integration, network, monkeypatch):
    from django_q.conf import Conf

    from exchange import handlers

    monkeypatch.setattr(handlers, "HANDLERS", record_only_routes())  # the engine alone: record each message
    monkeypatch.setattr(Conf, "SYNC", True)  # run the task in-process instead of in a cluster
    queue_confirmations(network, 3)
    client.force_login(integration_admin)
    response = client.post(reverse("mappings:sync_now", args=[po_integration.pk]))
    run = SyncRun.objects.get()
    assert response["Location"].endswith(f"?run={run.pk}#sync")
    status = client.get(reverse("mappings:sync_status", args=[po_integration.pk, run.pk])).json()
    assert status == {**status, "status": "done", "fetched": 3, "processed": 3, "finished": True}
    page = client.get(response["Location"]).content.decode()
    assert reverse("mappings:sync_status", args=[po_integration.pk, run.pk]) in page


def test_the_schedule_queues_a_sync_for_each_due_integration(po_integration, so_integration, monkeypatch):
    from django.utils import timezone

    from exchange import tasks

    queued = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda func, *args, **kw: queued.append((func, args)))
    SyncState.objects.create(integration=so_integration, last_sync_at=timezone.now())  # not due yet
    tasks.tick()
    assert queued == [("exchange.tasks.sync_integration", (po_integration.pk,))]
    SyncState.objects.create(integration=po_integration, stuck_reason="stuck")
    queued.clear()
    tasks.tick()
    assert queued == []


@pytest.mark.parametrize("person", ["purchaser", "seller", "support", "nobody"])
def test_integration_pages_are_for_integration_admins_only(client, request, person, db):
    integration = Integration.objects.create(name="x", kind="asn")
    client.force_login(request.getfixturevalue(person))
    for url in (
        reverse("mappings:integration_list"),
        reverse("mappings:integration_new"),
        integration.get_absolute_url(),
        reverse("mappings:integration_edit", args=[integration.pk]),
    ):
        assert client.get(url).status_code == 403
    assert client.post(reverse("mappings:sync_now", args=[integration.pk])).status_code == 403
    assert client.post(reverse("mappings:test_connection", args=[integration.pk])).status_code == 403
    assert client.get(reverse("mappings:csv_export", args=[integration.pk, "companies"])).status_code == 403


def test_demo_credentials_constant_is_what_the_sandbox_expects():
    assert demo.PO.username == "po-nordic"
