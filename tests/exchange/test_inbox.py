"""Draining a queue through the inbox: stored once, in order, acknowledged, processed; every
sandbox fault ends with nothing lost and nothing doubled."""

import threading
from pathlib import Path

from django.db import connection

from exchange import inbox
from exchange.models import InboxMessage, SyncRun, SyncState
from sandbox import services
from sandbox.models import Message
from tests.helpers import queue_confirmations, sync_in_a_dying_process

ROOT = Path(__file__).resolve().parents[2]


def stored_keys(integration) -> list[str]:
    return list(
        InboxMessage.objects.filter(integration=integration)
        .exclude(status=InboxMessage.Status.DUPLICATE)
        .order_by("id")
        .values_list("document_key", flat=True)
    )


def sandbox_pending(network) -> int:
    return Message.objects.filter(integration=network["po"], acknowledged_at__isnull=True).count()


def test_a_drain_stores_each_message_once_in_queue_order(network, po_integration):
    numbers = queue_confirmations(network, 40)
    run = inbox.sync(po_integration.pk)
    assert run.status == SyncRun.Status.DONE and run.fetched == 40 and run.processed == 40
    assert stored_keys(po_integration) == numbers
    assert sandbox_pending(network) == 0
    row = InboxMessage.objects.filter(integration=po_integration).first()
    assert row.document_type == "OrderResponse" and row.confirm_url and row.acknowledged_at
    assert [a.action for a in row.attempts.all()] == ["acknowledge"] and row.fetch_ms >= 0
    state = SyncState.of(po_integration)
    assert state.last_success_at and state.owner == ""


def test_a_run_is_bounded_by_count_and_the_next_run_goes_on(network, po_integration):
    numbers = queue_confirmations(network, 7)
    assert inbox.sync(po_integration.pk, max_messages=3).fetched == 3
    assert inbox.sync(po_integration.pk).fetched == 4
    assert stored_keys(po_integration) == numbers


def test_500s_stop_a_run_and_lose_nothing(network, po_integration):
    numbers = queue_confirmations(network, 6)
    services.add_fault("error_500", 1, network["po"])
    first = inbox.sync(po_integration.pk)
    assert first.status == SyncRun.Status.FAILED and "500" in first.error
    inbox.sync(po_integration.pk, max_messages=2)
    services.add_fault("error_500", 2, network["po"])
    inbox.sync(po_integration.pk)
    inbox.sync(po_integration.pk)
    assert inbox.sync(po_integration.pk).status == SyncRun.Status.DONE
    assert stored_keys(po_integration) == numbers and sandbox_pending(network) == 0
    assert SyncState.of(po_integration).consecutive_failures == 0


def test_a_hanging_queue_read_fails_the_run_without_storing_anything_twice(network, po_integration, settings):
    settings.JAKAMO_READ_TIMEOUT = 0.3
    numbers = queue_confirmations(network, 3)
    services.add_fault("hang", 1, network["po"])
    assert inbox.sync(po_integration.pk).status == SyncRun.Status.FAILED
    import time

    time.sleep(settings.SANDBOX_HANG_SECONDS)
    assert inbox.sync(po_integration.pk).status == SyncRun.Status.DONE
    assert stored_keys(po_integration) == numbers


def test_a_dropped_acknowledge_brings_the_message_again_and_it_is_recognised(network, po_integration):
    numbers = queue_confirmations(network, 3)
    services.add_fault("drop_ack", 1, network["po"])
    run = inbox.sync(po_integration.pk)
    assert run.fetched == 4 and run.processed == 3
    assert stored_keys(po_integration) == numbers
    assert InboxMessage.objects.get(document_key=numbers[0]).times_seen == 2


def test_a_malformed_message_is_kept_as_failed_and_does_not_block_the_queue(network, po_integration):
    numbers = queue_confirmations(network, 2)
    services.add_fault("malformed", 1, network["po"])
    run = inbox.sync(po_integration.pk)
    assert run.status == SyncRun.Status.DONE and run.failed == 1 and run.processed == 2
    failed = InboxMessage.objects.get(status=InboxMessage.Status.FAILED)
    assert "Malformed XML" in failed.error and failed.acknowledged_at and bytes(failed.body).startswith(b"<?xml")
    assert sandbox_pending(network) == 0
    assert [k for k in stored_keys(po_integration) if k] == numbers


def test_a_repeated_message_is_stored_as_a_duplicate_and_not_applied_twice(network, po_integration):
    numbers = queue_confirmations(network, 2)
    services.add_fault("repeat", 1, network["po"])
    run = inbox.sync(po_integration.pk)
    assert run.fetched == 3 and run.duplicates == 1 and run.processed == 2
    duplicate = InboxMessage.objects.get(status=InboxMessage.Status.DUPLICATE)
    assert duplicate.duplicate_of.document_key == numbers[0]


def test_a_queue_that_stops_moving_is_detected_and_the_integration_marked_stuck(network, po_integration):
    queue_confirmations(network, 1)
    services.add_fault("drop_ack", 100, network["po"])
    run = inbox.sync(po_integration.pk)
    assert run.status == SyncRun.Status.STUCK and run.fetched == inbox.STUCK_AFTER_REPEATS + 1
    state = SyncState.of(po_integration)
    assert "not moving" in state.stuck_reason and state.stuck_since
    assert InboxMessage.objects.count() == 1


def test_a_second_sync_while_one_runs_is_skipped(network, po_integration):
    queue_confirmations(network, 1)
    assert inbox.claim(po_integration.pk, "someone-else")
    run = inbox.sync(po_integration.pk)
    assert run.status == SyncRun.Status.SKIPPED and InboxMessage.objects.count() == 0
    inbox.release(po_integration.pk, "someone-else")
    assert inbox.sync(po_integration.pk).fetched == 1


def test_a_run_left_running_by_a_killed_worker_is_closed_by_the_next(network, po_integration):
    dead = SyncRun.objects.create(integration=po_integration)  # its worker died holding the lease
    inbox.claim(po_integration.pk, "the-dead-worker", seconds=-1)  # and the lease has run out
    queue_confirmations(network, 1)
    run = inbox.sync(po_integration.pk)
    assert run.status == SyncRun.Status.DONE and run.fetched == 1
    dead.refresh_from_db()
    assert dead.status == SyncRun.Status.FAILED and dead.error.startswith("Interrupted") and dead.finished_at


def test_concurrent_syncs_do_not_double_process(network, po_integration):
    numbers = queue_confirmations(network, 30)
    runs = []

    def worker():
        try:
            runs.append(inbox.sync(po_integration.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    while (run := inbox.sync(po_integration.pk)).fetched:  # whatever the skipped ones left
        runs.append(run)
    assert stored_keys(po_integration) == numbers
    assert sum(r.processed for r in runs) == 30
    assert InboxMessage.objects.count() == 30


def run_dying_worker(integration, function: str) -> int:
    return sync_in_a_dying_process(integration, function, on_call=2)


def test_a_worker_killed_between_store_and_acknowledge_loses_nothing(network, po_integration, live_server):
    numbers = queue_confirmations(network, 3)
    assert run_dying_worker(po_integration, "acknowledge") == -9
    assert InboxMessage.objects.count() == 2  # the second is stored but was never acknowledged
    assert InboxMessage.objects.get(document_key=numbers[1]).status == InboxMessage.Status.RECEIVED
    assert sandbox_pending(network) == 2
    run = inbox.sync(po_integration.pk)
    assert run.status == SyncRun.Status.DONE
    assert stored_keys(po_integration) == numbers
    assert InboxMessage.objects.filter(status=InboxMessage.Status.PROCESSED).count() == 3
    assert InboxMessage.objects.get(document_key=numbers[1]).times_seen == 2
    assert sandbox_pending(network) == 0


def test_a_worker_killed_after_acknowledging_but_before_recording_it_loses_nothing(
    network, po_integration, live_server
):
    numbers = queue_confirmations(network, 3)
    assert run_dying_worker(po_integration, "record_acknowledged") == -9
    # The second message was acknowledged at Jakamo, so it will never come again; it is stored. (The
    # fetcher runs ahead of the applier: the third may be stored and acknowledged too.)
    assert sandbox_pending(network) + InboxMessage.objects.count() == 3
    assert InboxMessage.objects.get(document_key=numbers[1]).status == InboxMessage.Status.RECEIVED
    # The recovered second and the third; the first too where the applier starts once the fetching
    # ends (inbox.applies_while_fetching): all three were in the transaction the kill undid.
    unapplied = InboxMessage.objects.exclude(status=InboxMessage.Status.PROCESSED).count() + sandbox_pending(network)
    run = inbox.sync(po_integration.pk)
    assert run.status == SyncRun.Status.DONE and run.processed == unapplied >= 2
    assert stored_keys(po_integration) == numbers
    assert InboxMessage.objects.filter(status=InboxMessage.Status.PROCESSED).count() == 3


def test_reprocessing_a_failed_message_after_a_fix(network, po_integration, support):
    services.add_fault("malformed", 1, network["po"])
    inbox.sync(po_integration.pk)
    row = InboxMessage.objects.get(status=InboxMessage.Status.FAILED)
    from exchange import handlers

    row.body = b"<StatusMessage><OrderID>X-1</OrderID><Status>Delivered</Status></StatusMessage>"
    row.save()
    assert inbox.reprocess(row, support)
    row.refresh_from_db()
    assert row.status == InboxMessage.Status.PROCESSED and row.document_key == "X-1"
    assert row.audit.get().user == support
    assert handlers.identify(bytes(row.body), "", "purchase_order").document_type == "StatusMessage Delivered"


def test_secrets_never_reach_the_stored_messages(network, po_integration, caplog):
    from sandbox import demo

    queue_confirmations(network, 2)
    services.add_fault("error_500", 1, network["po"])
    inbox.sync(po_integration.pk)
    inbox.sync(po_integration.pk)
    for row in InboxMessage.objects.all():
        assert demo.PO.password not in str(row.headers) and demo.PO.password.encode() not in bytes(row.body)
        assert "Authorization" not in row.headers
    for attempt in SyncRun.objects.all():
        assert demo.PO.password not in attempt.error
    assert demo.PO.password not in caplog.text


def test_a_sync_that_dies_on_a_database_error_hands_the_queue_over_at_once(network, po_integration, monkeypatch):
    from django.db import OperationalError

    numbers = queue_confirmations(network, 3)
    real, calls = inbox.process, []

    def connection_lost(row, **kwargs):
        calls.append(row.pk)
        if len(calls) == 2:
            raise OperationalError("terminating connection due to administrator command")
        return real(row, **kwargs)

    monkeypatch.setattr(inbox, "process", connection_lost)
    run = inbox.sync(po_integration.pk)
    assert run.status == SyncRun.Status.FAILED and "database connection failed" in run.error
    state = SyncState.of(po_integration)
    assert state.owner == "" and state.lease_until is None  # released, not left to run out
    # The second was acknowledged at Jakamo when the database failed: stored, not applied. The
    # fetcher runs ahead of the applier, so the third may be stored too: each is in one place.
    assert InboxMessage.objects.get(document_key=numbers[1]).status == InboxMessage.Status.RECEIVED
    assert sandbox_pending(network) + InboxMessage.objects.count() == 3
    monkeypatch.setattr(inbox, "process", real)
    assert inbox.sync(po_integration.pk).status == SyncRun.Status.DONE
    applied = InboxMessage.objects.filter(status=InboxMessage.Status.PROCESSED).order_by("processed_at", "id")
    assert [row.document_key for row in applied] == numbers


def test_a_heartbeat_keeps_a_short_lease_while_the_run_waits_on_jakamo(network, po_integration, settings):
    settings.JAKAMO_SYNC_LEASE_SECONDS = 0.4
    settings.JAKAMO_READ_TIMEOUT = 5
    settings.SANDBOX_HANG_SECONDS = 1.5
    queue_confirmations(network, 1)
    services.add_fault("hang", 1, network["po"])
    runs = []

    def drain():
        try:
            runs.append(inbox.sync(po_integration.pk))
        finally:
            connection.close()

    worker = threading.Thread(target=drain)
    worker.start()
    import time

    time.sleep(1.0)  # more than twice the lease, inside the hanging GET
    assert not inbox.claim(po_integration.pk, "another-worker")
    worker.join()
    assert runs[0].status == SyncRun.Status.DONE and runs[0].processed == 1
    state = SyncState.of(po_integration)
    assert state.owner == "" and state.lease_until is None


def test_a_duplicate_whose_acknowledge_failed_is_not_stored_again(network, po_integration):
    from jakamo.errors import QueueMessage

    queue_confirmations(network, 1)
    inbox.sync(po_integration.pk)
    original = InboxMessage.objects.get()
    again = QueueMessage(
        body=bytes(original.body), content_type="application/xml", acknowledge_uri="http://x/api/ack/repeated"
    )
    first, needs = inbox.store(po_integration, again, None)
    assert first.status == InboxMessage.Status.RECEIVED and needs  # its content is compared when applied
    # Its acknowledge failed, so Jakamo gives it again under the same acknowledge URI.
    second, needs = inbox.store(po_integration, again, None)
    assert second.pk == first.pk and needs
    assert InboxMessage.objects.count() == 2
    run = inbox.sync(po_integration.pk)  # the queue is empty: what was pushed or left is applied
    assert run.duplicates == 1 and run.processed == 0
    first.refresh_from_db()
    assert first.times_seen == 2
    assert first.status == InboxMessage.Status.DUPLICATE and first.duplicate_of == original


def test_the_sync_task_goes_again_at_once_after_a_lost_database_connection(network, po_integration, monkeypatch):
    from django.db import OperationalError

    from exchange import tasks

    numbers = queue_confirmations(network, 2)
    real, calls = inbox.process, []

    def connection_lost_once(row, **kwargs):
        calls.append(row.pk)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(row, **kwargs)

    monkeypatch.setattr(inbox, "process", connection_lost_once)
    monkeypatch.setattr(tasks.time, "sleep", lambda seconds: None)
    last = SyncRun.objects.get(pk=tasks.sync_integration(po_integration.pk))
    first = SyncRun.objects.order_by("id").first()
    assert (first.status, first.error_code) == (SyncRun.Status.FAILED, "database")
    assert last.status == SyncRun.Status.DONE and last.processed == 2  # the resumed first, then the second
    assert stored_keys(po_integration) == numbers
    assert InboxMessage.objects.filter(status=InboxMessage.Status.PROCESSED).count() == 2
