"""Retry-After on Jakamo's 429 and 503: the queue reader and the outbox wait at least that long
(seconds or an HTTP-date, capped), and the integration's page says so. Over HTTP, with the
sandbox's faults."""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from django.urls import reverse
from django.utils import timezone

from exchange import inbox, outbox, tasks
from exchange.models import OutboxMessage, SyncRun, SyncState
from jakamo import client as jclient
from sandbox import services as sandbox
from tests.helpers import enqueued_order, queue_confirmations


def order_row(integration, number: str) -> OutboxMessage:
    return enqueued_order(integration, number, mapped=True)


def test_retry_after_reads_seconds_and_http_dates_and_is_capped():
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert jclient.retry_after("120", now) == 120
    assert jclient.retry_after(format_datetime(now + timedelta(seconds=90), usegmt=True), now) == 90
    assert jclient.retry_after("Tue, 01 Dec 2026 11:00:00 GMT", now) == 0  # already past
    assert jclient.retry_after("999999", now) == jclient.RETRY_AFTER_CAP_SECONDS
    assert jclient.retry_after(format_datetime(now + timedelta(days=3), usegmt=True), now) == 3600
    assert jclient.retry_after("soon", now) is None and jclient.retry_after(None, now) is None
    assert jclient.retry_after("-5", now) is None


def test_a_429_with_retry_after_keeps_the_queue_waiting_and_the_page_says_so(
    network, po_integration, client, integration_admin
):
    queue_confirmations(network, 1)
    sandbox.add_fault("error_429", 1, network["po"], retry_after="300")
    before = timezone.now()
    run = inbox.sync(po_integration.pk)
    assert run.status == SyncRun.Status.FAILED and run.error_code == "jakamo"
    assert "300 s (Retry-After)" in run.error
    state = SyncState.of(po_integration)
    assert before + timedelta(seconds=299) <= state.wait_until <= timezone.now() + timedelta(seconds=301)
    # Not due, although its interval has passed.
    SyncState.objects.filter(pk=state.pk).update(last_sync_at=timezone.now() - timedelta(hours=1))
    assert po_integration not in tasks.due_integrations()
    assert po_integration in tasks.due_integrations(now=state.wait_until + timedelta(seconds=1))
    client.force_login(integration_admin)
    page = client.get(po_integration.get_absolute_url()).content.decode()
    assert 'id="retry-after"' in page and "Retry-After" in page
    listed = client.get(reverse("mappings:integration_list")).content.decode()
    assert "Jakamo asked the portal to wait (Retry-After)" in listed
    # Once it has waited, a run drains the queue and the wait is over.
    assert inbox.sync(po_integration.pk).status == SyncRun.Status.DONE
    assert SyncState.of(po_integration).wait_until is None


def test_a_503_with_an_http_date_holds_an_outgoing_message_at_least_that_long(network, po_integration):
    row = order_row(po_integration, "RA-1")
    until = datetime.now(UTC) + timedelta(minutes=20)
    sandbox.add_fault("error_503", 1, network["po"], retry_after=format_datetime(until, usegmt=True))
    row = outbox.send(row.pk)
    assert row.status == OutboxMessage.Status.RETRY
    # The backoff alone would be 30 s ± 20%; Jakamo asked for twenty minutes.
    assert row.next_attempt_at >= until - timedelta(seconds=2)
    assert row.attempt_log.get().http_status == 503
    assert outbox.send_due() == 0
    OutboxMessage.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert outbox.send_due() == 1
    row.refresh_from_db()
    assert row.status == OutboxMessage.Status.SENT


def test_a_503_without_retry_after_keeps_the_backoff(network, po_integration):
    row = order_row(po_integration, "RA-2")
    sandbox.add_fault("error_503", 1, network["po"])
    started = timezone.now()
    row = outbox.send(row.pk)
    assert row.status == OutboxMessage.Status.RETRY
    assert row.next_attempt_at <= started + timedelta(seconds=40)
