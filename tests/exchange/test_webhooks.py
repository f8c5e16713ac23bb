"""Jakamo webhooks into the inbox, against the sandbox pushing over real HTTP: stored before the
answer, applied once whichever way a message comes (push, queue, both, pushed twice), refused
pushes recorded with nothing stored, and polling as the safety net for pushes lost or refused."""

import base64
import time
from datetime import timedelta

import pytest
import requests
from django.db import DatabaseError
from django.urls import reverse
from django.utils import timezone, translation
from django_q.conf import Conf
from django_q.models import OrmQ

from exchange import inbox, tasks, webhooks
from exchange.models import InboxMessage, SyncRun, SyncState, WebhookRefusal
from sandbox import services
from sandbox.models import Message, Push
from tests.helpers import apply_in_a_dying_process, connect_webhook, customer_orders, queue_confirmations

STORED = (InboxMessage.Status.RECEIVED, InboxMessage.Status.ACKNOWLEDGED)


@pytest.fixture
def run_tasks_at_once(monkeypatch):
    """The task cluster, as soon as a task is queued (django-q2's synchronous mode)."""
    monkeypatch.setattr(Conf, "SYNC", True)


@pytest.fixture
def pushing(live_server, network, po_integration, run_tasks_at_once):
    """The PO integration's webhook set up in the portal and in the simulated Jakamo (Basic auth,
    remove on success)."""
    connect_webhook(live_server.url, po_integration, network["po"])
    return po_integration


def applied(integration) -> list[str]:
    """Document keys in the order they were applied."""
    return list(
        InboxMessage.objects.filter(integration=integration, status=InboxMessage.Status.PROCESSED)
        .order_by("processed_at", "id")
        .values_list("document_key", flat=True)
    )


def pending_at_jakamo(network) -> int:
    return Message.objects.filter(integration=network["po"], acknowledged_at__isnull=True).count()


def webhook_url(live_server, integration) -> str:
    return live_server.url + reverse("jakamo_webhook", args=[integration.pk])


# -- the push is stored before the answer, applied after it ------------------------------------------
def test_a_push_is_stored_answered_applied_and_removed_from_jakamos_queue(pushing, network, live_server):
    numbers = queue_confirmations(network, 3)
    assert applied(pushing) == numbers
    assert [p.status for p in Push.objects.order_by("id")] == [200, 200, 200]
    assert pending_at_jakamo(network) == 0  # "Remove entry from queue on success"
    row = InboxMessage.objects.filter(integration=pushing).first()
    assert row.confirm_url.startswith(live_server.url + "/sandbox/jakamo/api/confirm/")
    assert row.headers["Authorization"] == "[redacted]"
    assert SyncState.of(pushing).last_push_at is not None
    # Each apply task drained the queue first (nothing older was waiting), then applied the push.
    assert set(SyncRun.objects.values_list("status", flat=True)) == {SyncRun.Status.DONE}


def test_the_answer_comes_only_after_the_commit_and_a_failed_store_answers_503(
    live_server, network, po_integration, monkeypatch
):
    connect_webhook(live_server.url, po_integration, network["po"])

    def broken(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(inbox, "store", broken)
    numbers = queue_confirmations(network, 1)
    assert [p.status for p in Push.objects.all()] == [503]
    assert pending_at_jakamo(network) == 1 and not InboxMessage.objects.exists()
    monkeypatch.undo()
    inbox.sync(po_integration.pk)  # polling brings it
    assert [r.document_key for r in InboxMessage.objects.all()] == numbers and pending_at_jakamo(network) == 0


def test_without_a_task_cluster_the_push_is_stored_and_only_queued_for_applying(live_server, network, po_integration):
    connect_webhook(live_server.url, po_integration, network["po"])
    queue_confirmations(network, 1)
    row = InboxMessage.objects.get()
    assert row.status == InboxMessage.Status.RECEIVED and OrmQ.objects.count() == 1


def test_the_sales_order_and_asn_queues_push_too(
    live_server, network, so_integration, asn_integration, run_tasks_at_once
):
    from sandbox import party
    from sandbox.models import Order as JakamoOrder

    connect_webhook(live_server.url, so_integration, network["so"], oauth=True)
    connect_webhook(live_server.url, asn_integration, network["asn"])
    customer_orders(network, "C-1")
    queue_confirmations(network, 1)
    party.supplier_dispatch_asn(JakamoOrder.objects.get(order_number="D-0000"), shipment_number="SHIP-1")
    assert applied(so_integration) == ["C-1"] and applied(asn_integration) == ["SHIP-1"]
    assert not Message.objects.exclude(integration=network["po"]).filter(acknowledged_at__isnull=True).exists()


# -- once, whichever way it comes --------------------------------------------------------------------
def test_a_pushed_message_still_in_the_queue_is_applied_once_where_the_drain_meets_it(
    live_server, network, po_integration
):
    connect_webhook(live_server.url, po_integration, network["po"], remove=False)
    numbers = queue_confirmations(network, 2)
    assert pending_at_jakamo(network) == 2  # the option is off: the entries stay
    run = inbox.sync(po_integration.pk)  # the scheduled sync, before any apply task ran
    assert run.status == SyncRun.Status.DONE and run.fetched == 2 and run.processed == 2
    assert applied(po_integration) == numbers and InboxMessage.objects.count() == 2
    assert pending_at_jakamo(network) == 0  # acknowledged through the queue
    assert all(r.acknowledged_at and r.times_seen == 2 for r in InboxMessage.objects.all())
    tasks.apply_pushed(po_integration.pk)  # the apply task, late: nothing left to apply
    assert applied(po_integration) == numbers


def test_a_repeated_push_is_applied_once(pushing, network):
    services.add_fault("push_repeat", 1, network["po"])
    numbers = queue_confirmations(network, 2)
    assert Push.objects.count() == 3
    assert applied(pushing) == numbers and InboxMessage.objects.count() == 2
    assert InboxMessage.objects.get(document_key=numbers[0]).times_seen == 3  # pushed, drained, pushed again


def test_a_push_without_the_queues_headers_is_recognised_by_its_content(live_server, network, po_integration):
    credentials = connect_webhook(live_server.url, po_integration, network["po"], remove=False)
    numbers = queue_confirmations(network, 1)
    InboxMessage.objects.all().delete()  # start again with a bare push of the same body
    body = Message.objects.get().body.encode()
    for _ in range(2):
        answer = requests.post(
            webhook_url(live_server, po_integration),
            data=body,
            auth=(credentials.username, credentials.password),
            headers={"Content-Type": "application/xml"},
            timeout=5,
        )
        assert answer.status_code == 200
    assert InboxMessage.objects.count() == 1  # the repeat is the same push
    webhooks.apply_pushed(po_integration.pk)  # the drain meets the entry: the same content, kept as a duplicate
    assert applied(po_integration) == numbers
    assert InboxMessage.objects.filter(status=InboxMessage.Status.DUPLICATE).count() == 1


def test_a_receiver_slower_than_jakamo_waits_leaves_the_entry_and_the_poller_applies_it_once(
    live_server, network, po_integration
):
    connect_webhook(live_server.url, po_integration, network["po"])
    services.add_fault("push_slow", 1, network["po"])
    numbers = queue_confirmations(network, 1)
    assert [p.status for p in Push.objects.all()] == [None]  # Jakamo stopped waiting for the answer
    assert pending_at_jakamo(network) == 1
    for _ in range(50):  # the portal goes on and stores it all the same
        if InboxMessage.objects.exists():
            break
        time.sleep(0.1)
    run = inbox.sync(po_integration.pk)
    assert run.status == SyncRun.Status.DONE and run.fetched == 1
    assert applied(po_integration) == numbers and pending_at_jakamo(network) == 0
    assert InboxMessage.objects.get().times_seen == 2  # the push and the queue: one message


# -- polling as the safety net ----------------------------------------------------------------------
def test_a_lost_push_is_applied_before_the_later_pushed_messages_in_queue_order(pushing, network):
    services.add_fault("push_lost", 1, network["po"])
    numbers = queue_confirmations(network, 3)
    # The second push's apply task drained the queue first: the first message came from there.
    assert applied(pushing) == numbers and pending_at_jakamo(network) == 0
    assert InboxMessage.objects.get(document_key=numbers[0]).sync_run is not None


def test_with_remove_on_success_off_a_sync_applies_in_queue_order_whatever_the_pushes_did(
    live_server, network, po_integration
):
    connect_webhook(live_server.url, po_integration, network["po"], remove=False)
    services.add_fault("push_lost", 1, network["po"])
    numbers = queue_confirmations(network, 2)
    services.add_fault("push_wrong_auth", 1, network["po"])
    numbers += queue_confirmations(network, 2, prefix="E")
    assert InboxMessage.objects.count() == 2  # the second and the fourth were pushed and stored
    run = inbox.sync(po_integration.pk)
    assert run.processed == 4 and applied(po_integration) == numbers and pending_at_jakamo(network) == 0


def test_a_lost_last_push_is_picked_up_by_polling(pushing, network):
    numbers = queue_confirmations(network, 1)
    services.add_fault("push_lost", 1, network["po"])
    numbers += queue_confirmations(network, 1, prefix="E")
    assert applied(pushing) == numbers[:1] and pending_at_jakamo(network) == 1
    inbox.sync(pushing.pk)
    assert applied(pushing) == numbers and pending_at_jakamo(network) == 0


def test_a_push_with_wrong_credentials_is_refused_recorded_stores_nothing_and_polling_brings_it(pushing, network):
    services.add_fault("push_wrong_auth", 1, network["po"])
    numbers = queue_confirmations(network, 1)
    assert [p.status for p in Push.objects.all()] == [401]
    assert not InboxMessage.objects.exists() and pending_at_jakamo(network) == 1
    refusal = WebhookRefusal.objects.get()
    assert refusal.integration == pushing and refusal.http_status == 401 and "password" in refusal.reason
    inbox.sync(pushing.pk)
    assert applied(pushing) == numbers


def test_refused_pushes_are_shown_to_support_in_the_message_history(pushing, network, client, support):
    services.add_fault("push_wrong_auth", 1, network["po"])
    queue_confirmations(network, 1)
    client.force_login(support)
    page = client.get(reverse("exchange:message_list")).content.decode()
    assert "Refused Jakamo webhook pushes" in page and "Wrong user name or password for this webhook." in page


def test_oauth2_pushes_carry_the_portals_own_short_lived_tokens(
    live_server, network, po_integration, run_tasks_at_once
):
    connect_webhook(live_server.url, po_integration, network["po"], oauth=True)
    numbers = queue_confirmations(network, 1)
    assert applied(po_integration) == numbers
    services.add_fault("push_wrong_auth", 1, network["po"])
    queue_confirmations(network, 1, prefix="E")
    assert "not issued by this portal" in WebhookRefusal.objects.get().reason


def test_a_token_is_good_only_for_its_webhook_and_until_it_expires(
    live_server, network, po_integration, so_integration, settings
):
    po = webhooks.generate_credentials(po_integration)
    webhooks.generate_credentials(so_integration)
    token_url = live_server.url + reverse("jakamo_webhook_token")
    refused = requests.post(token_url, data={"grant_type": "client_credentials", "client_id": po.client_id}, timeout=5)
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"
    token = requests.post(
        token_url,
        data={"grant_type": "client_credentials"},
        auth=(po.client_id, po.client_secret),
        timeout=5,
    ).json()["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    body = b"<Status>not a document</Status>"
    assert (
        requests.post(webhook_url(live_server, so_integration), data=body, headers=bearer, timeout=5).status_code == 401
    )
    assert "another webhook" in WebhookRefusal.objects.get().reason
    assert (
        requests.post(webhook_url(live_server, po_integration), data=body, headers=bearer, timeout=5).status_code == 200
    )
    settings.JAKAMO_WEBHOOK_TOKEN_SECONDS = 0
    time.sleep(1.1)
    assert (
        requests.post(webhook_url(live_server, po_integration), data=body, headers=bearer, timeout=5).status_code == 401
    )
    webhooks.generate_credentials(po_integration)
    settings.JAKAMO_WEBHOOK_TOKEN_SECONDS = 3600
    answer = requests.post(webhook_url(live_server, po_integration), data=body, headers=bearer, timeout=5)
    assert answer.status_code == 401
    assert "replaced" in WebhookRefusal.objects.order_by("-id").first().reason


def test_a_body_over_the_limit_is_refused_after_authentication(live_server, network, po_integration, settings):
    credentials = webhooks.generate_credentials(po_integration)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    basic = "Basic " + base64.b64encode(f"{credentials.username}:{credentials.password}".encode()).decode()
    big = b"<x>" + b"a" * 200 + b"</x>"
    anonymous = requests.post(webhook_url(live_server, po_integration), data=big, timeout=5)
    assert anonymous.status_code == 401
    answer = requests.post(
        webhook_url(live_server, po_integration), data=big, headers={"Authorization": basic}, timeout=5
    )
    assert answer.status_code == 413 and b"Request body too large." in answer.content
    assert not InboxMessage.objects.exists()
    assert sorted(WebhookRefusal.objects.values_list("http_status", flat=True)) == [401, 413]


def test_an_integration_without_a_webhook_has_no_endpoint(live_server, network, po_integration):
    assert requests.post(webhook_url(live_server, po_integration), data=b"<x/>", timeout=5).status_code == 404


def test_a_stuck_queue_holds_its_pushed_messages_until_a_person_resumes_it(pushing, network):
    SyncState.of(pushing)
    SyncState.objects.filter(integration=pushing).update(
        stuck_reason="the same message again", stuck_since=timezone.now()
    )
    numbers = queue_confirmations(network, 1)
    assert applied(pushing) == [] and not SyncRun.objects.exists()
    InboxMessage.objects.update(received_at=timezone.now() - timedelta(minutes=5))
    assert webhooks.redrive_stored() == 0
    inbox.resume(pushing)
    assert webhooks.redrive_stored() == 1
    assert applied(pushing) == numbers


# -- a worker killed after the 200 ----------------------------------------------------------------------
def test_a_worker_killed_after_the_answer_is_re_driven_by_the_tick(live_server, network, po_integration, monkeypatch):
    connect_webhook(live_server.url, po_integration, network["po"])
    numbers = queue_confirmations(network, 2)
    assert pending_at_jakamo(network) == 0  # answered 200: Jakamo removed the entries
    assert apply_in_a_dying_process(po_integration) == -9
    assert applied(po_integration) == []
    InboxMessage.objects.update(received_at=timezone.now() - timedelta(minutes=5))
    SyncState.objects.filter(integration=po_integration).update(last_sync_at=timezone.now())  # no poll due
    monkeypatch.setattr(Conf, "SYNC", True)
    tasks.tick()
    assert applied(po_integration) == numbers


# -- polling stretches while the webhook delivers; silence shows -------------------------------------
def test_polling_stretches_while_the_webhook_delivers_and_a_silent_webhook_shows(
    network, po_integration, settings, client, integration_admin
):
    settings.JAKAMO_WEBHOOK_POLL_INTERVAL = 900
    settings.JAKAMO_WEBHOOK_SILENT_MINUTES = 60
    now = timezone.now()
    SyncState.of(po_integration)
    SyncState.objects.filter(integration=po_integration).update(last_sync_at=now - timedelta(seconds=120))
    assert po_integration in tasks.due_integrations(now)  # its own interval is 60 s
    webhooks.generate_credentials(po_integration)
    client.force_login(integration_admin)
    page = client.get(po_integration.get_absolute_url()).content.decode()
    assert "silent" in page and reverse("jakamo_webhook", args=[po_integration.pk]) in page
    assert "webhook silent" in client.get(reverse("mappings:integration_list")).content.decode()
    SyncState.objects.filter(integration=po_integration).update(last_push_at=now - timedelta(minutes=5))
    assert po_integration not in tasks.due_integrations(now)
    assert "delivering" in client.get(po_integration.get_absolute_url()).content.decode()
    assert "webhook silent" not in client.get(reverse("mappings:integration_list")).content.decode()
    SyncState.objects.filter(integration=po_integration).update(last_push_at=now - timedelta(minutes=61))
    assert po_integration in tasks.due_integrations(now)  # silent: polling at its own pace again


def test_a_refused_push_reads_in_the_readers_language(pushing, network, client, support):
    services.add_fault("push_wrong_auth", 1, network["po"])
    queue_confirmations(network, 1)
    refusal = WebhookRefusal.objects.get()
    assert refusal.code == "wrong_password" and refusal.reason == "Wrong user name or password for this webhook."
    client.force_login(support)
    # The locale middleware activates Finnish in this thread; the override puts it back after, or
    # the tests that follow read Finnish.
    with translation.override("en"):
        page = client.get(reverse("exchange:message_list"), HTTP_ACCEPT_LANGUAGE="fi").content.decode()
    assert "Väärä käyttäjätunnus tai salasana tälle webhookille." in page and refusal.reason not in page
