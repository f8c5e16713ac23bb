"""The fast intake path: the step that talks to Jakamo only stores and acknowledges; applying runs
beside it, in arrival order per queue; what a webhook stored waits for the drain to meet it or to
end (exchange.webhooks)."""

import time
import uuid

import pytest

from exchange import handlers, inbox
from exchange.models import InboxMessage, SyncRun, SyncState
from jakamo.errors import QueueMessage
from sandbox.models import Message
from tests.helpers import queue_confirmations


@pytest.fixture
def applied(po_integration, monkeypatch) -> list[str]:
    """The order numbers of the confirmations applied, in the order they were applied."""
    keys = []
    monkeypatch.setitem(
        handlers.HANDLERS,
        ("OrderResponse", po_integration.kind),
        lambda row, identified: keys.append(identified.key),
    )
    return keys


def pending_at_jakamo(network) -> int:
    return Message.objects.filter(integration=network["po"], acknowledged_at__isnull=True).count()


def test_the_queue_drains_while_the_first_message_is_still_being_applied(network, po_integration, monkeypatch, applied):
    """The applier's first parse waits until Jakamo's queue is empty: with applying inside the
    fetch loop the queue could never empty while it waits. (It waits outside the apply's
    transaction: on SQLite an open write transaction holds up every other writer, the fetcher's
    store and the sandbox's acknowledge too.) Everything is applied once, in queue order."""
    numbers = queue_confirmations(network, 5)
    drained_before_first = []
    real = inbox._identified

    def slow_parse(row):
        if not drained_before_first:
            deadline = time.monotonic() + 20
            while pending_at_jakamo(network) and time.monotonic() < deadline:
                time.sleep(0.05)
            drained_before_first.append(pending_at_jakamo(network) == 0)
        return real(row)

    monkeypatch.setattr(inbox, "_identified", slow_parse)
    run = inbox.sync(po_integration.pk)
    assert run.status == SyncRun.Status.DONE and run.fetched == 5 and run.processed == 5
    assert drained_before_first == [True]
    assert applied == numbers
    rows = InboxMessage.objects.filter(integration=po_integration).order_by("processed_at", "id")
    assert [r.document_key for r in rows] == numbers
    assert all(r.acknowledged_at and r.status == InboxMessage.Status.PROCESSED for r in rows)
    # The acknowledge is recorded with the apply (one commit): each row has its attempt.
    assert all(r.attempts.filter(action="acknowledge", outcome="ok").count() == 1 for r in rows)


def test_messages_a_webhook_stored_are_applied_in_arrival_order_once_the_queue_is_drained(
    network, po_integration, monkeypatch
):
    applied = []
    monkeypatch.setitem(
        handlers.HANDLERS, ("OrderResponse", po_integration.kind), lambda row, identified: applied.append(row.pk)
    )
    numbers = queue_confirmations(network, 3)
    bodies = list(Message.objects.filter(integration=network["po"]).order_by("id").values_list("body", flat=True))
    Message.objects.all().delete()  # pushed, and removed from the queue on success
    stored = []
    for body in bodies:
        message = QueueMessage(
            body=_bytes(body),
            content_type="application/xml",
            acknowledge_uri=f"http://push/{uuid.uuid4()}",
        )
        row, needs_processing = inbox.store(po_integration, message, None)
        assert needs_processing and row.status == InboxMessage.Status.RECEIVED
        stored.append(row.pk)
    # Another worker holds the queue: this run is skipped and applies nothing.
    assert inbox.claim(po_integration.pk, "someone-else")
    assert inbox.sync(po_integration.pk).status == SyncRun.Status.SKIPPED
    assert applied == []
    inbox.release(po_integration.pk, "someone-else")
    run = inbox.sync(po_integration.pk)
    assert run.status == SyncRun.Status.DONE and run.fetched == 0 and run.processed == 3
    assert applied == stored
    keys = (
        InboxMessage.objects.filter(pk__in=stored).order_by("processed_at", "id").values_list("document_key", flat=True)
    )
    assert list(keys) == numbers
    state = SyncState.of(po_integration)
    assert state.owner == "" and state.lease_until is None
    assert inbox.sync(po_integration.pk).processed == 0


def test_a_message_a_webhook_stored_is_applied_after_what_the_queue_still_held(network, po_integration, applied):
    """A push is newer than every entry still queued before it: the drain applies those first."""
    queue_confirmations(network, 1, prefix="P")
    body = Message.objects.get(integration=network["po"]).body
    Message.objects.all().delete()  # pushed to the portal, removed from the queue
    numbers = queue_confirmations(network, 2, prefix="Q")
    pushed = QueueMessage(body=_bytes(body), content_type="application/xml", acknowledge_uri="http://push/1")
    inbox.store(po_integration, pushed, None)
    run = inbox.sync(po_integration.pk)
    assert run.status == SyncRun.Status.DONE and run.fetched == 2 and run.processed == 3
    assert applied == [*numbers, "P-0000"]


def test_a_run_stopped_by_its_bound_leaves_pushed_messages_for_the_drain(network, po_integration, applied):
    queue_confirmations(network, 1, prefix="P")
    body = Message.objects.get(integration=network["po"]).body
    Message.objects.all().delete()
    numbers = queue_confirmations(network, 2, prefix="Q")
    inbox.store(po_integration, QueueMessage(_bytes(body), "application/xml", "http://push/1"), None)
    run = inbox.sync(po_integration.pk, max_messages=1)  # the queue still holds Q-0001
    assert run.status == SyncRun.Status.DONE and applied == numbers[:1]
    inbox.sync(po_integration.pk)
    assert applied == [*numbers, "P-0000"]


def _bytes(body) -> bytes:
    return body.encode() if isinstance(body, str) else bytes(body)


def test_the_apply_task_applies_what_a_webhook_stored(network, po_integration, applied):
    from exchange import tasks

    numbers = queue_confirmations(network, 2, prefix="T")
    bodies = list(Message.objects.filter(integration=network["po"]).order_by("id").values_list("body", flat=True))
    Message.objects.all().delete()
    for body in bodies:
        inbox.store(po_integration, QueueMessage(_bytes(body), "application/xml", f"http://push/{uuid.uuid4()}"), None)
    assert tasks.apply_pushed(po_integration.pk)
    assert applied == numbers


def test_an_entry_pushed_and_fetched_at_the_same_moment_is_stored_once(network, po_integration):
    """Jakamo's webhook and the drain may each store the entry at the same moment: nothing is looked
    up before the insert, so the unique acknowledge URI lets one row in, and the other is counted as
    meeting it again, in or out of a transaction (a push stores inside one, the drain outside)."""
    from django.db import transaction

    from exchange import transitions

    queue_confirmations(network, 1)
    message = po_integration.client().get_message(po_integration.queue)
    pushed, _ = inbox.store(po_integration, message, None)
    run = transitions.create(SyncRun, status=SyncRun.Status.RUNNING, integration=po_integration)
    fetched, needs_processing = inbox.store(po_integration, message, run)
    assert fetched.pk == pushed.pk and needs_processing
    assert fetched.times_seen == 2 and fetched.sync_run_id == run.pk  # the drain applies it in its place

    with transaction.atomic():
        again, _ = inbox.store(po_integration, message, None)
        assert again.pk == pushed.pk
        assert InboxMessage.objects.filter(integration=po_integration).count() == 1  # still usable
    assert InboxMessage.objects.get(pk=pushed.pk).times_seen == 3


def test_storing_a_fetched_message_is_one_query(network, po_integration, django_assert_num_queries):
    """The store sits between Jakamo's answer and our acknowledge for every message: one insert,
    committed, and no lookup before it (a repeat is recognised by the unique acknowledge URI, or by
    its content when it is applied)."""
    from exchange import transitions

    queue_confirmations(network, 1)
    message = po_integration.client().get_message(po_integration.queue)
    run = transitions.create(SyncRun, status=SyncRun.Status.RUNNING, integration=po_integration)
    with django_assert_num_queries(1):
        row, needs_processing = inbox.store(po_integration, message, run)
    assert needs_processing and row.status == InboxMessage.Status.RECEIVED


def test_the_same_content_under_a_new_acknowledge_uri_is_kept_as_a_duplicate_when_applied(
    network, po_integration, applied
):
    """Jakamo serving a cleared message again under a new acknowledge URI: stored like any other,
    then kept as a duplicate of the first, in queue order, by the applier, where a message of the
    same batch in between may already have changed what the first one is."""
    queue_confirmations(network, 2, prefix="D")
    first, second = Message.objects.filter(integration=network["po"]).order_by("id")
    Message.objects.create(integration=network["po"], document_type=first.document_type, body=first.body)
    Message.objects.create(integration=network["po"], document_type=first.document_type, body=first.body)
    run = inbox.sync(po_integration.pk)
    assert run.fetched == 4 and run.processed == 2 and run.duplicates == 2
    assert applied == ["D-0000", "D-0001"]
    original = InboxMessage.objects.get(document_key="D-0000", status=InboxMessage.Status.PROCESSED)
    duplicates = InboxMessage.objects.filter(status=InboxMessage.Status.DUPLICATE).order_by("id")
    assert [row.duplicate_of_id for row in duplicates] == [original.pk, original.pk]
    assert all(row.acknowledged_at and row.document_type == "OrderResponse" for row in duplicates)
    assert duplicates[0].status_changes.filter(from_status="received", to_status="duplicate").exists()


@pytest.mark.parametrize("alongside", [True, False])
def test_the_applier_works_alongside_the_fetcher_or_once_the_fetching_ends(
    network, po_integration, monkeypatch, settings, alongside
):
    """Alongside: a message is applied while the fetcher still drains the queue (a slow Jakamo
    here). Once the fetching ends (the default): nothing is applied while messages remain queued.
    Either way, in queue order (inbox.applies_while_fetching)."""
    settings.JAKAMO_APPLY_WHILE_FETCHING = alongside
    numbers = queue_confirmations(network, 4)
    still_queued_when_applied = []
    identified, acknowledge = inbox._identified, inbox.acknowledge

    def watched(row):
        still_queued_when_applied.append(pending_at_jakamo(network))
        return identified(row)

    def slow_jakamo(*args, **kwargs):
        time.sleep(0.3)
        return acknowledge(*args, **kwargs)

    monkeypatch.setattr(inbox, "_identified", watched)
    monkeypatch.setattr(inbox, "acknowledge", slow_jakamo)
    run = inbox.sync(po_integration.pk)
    assert run.status == SyncRun.Status.DONE and run.processed == 4
    if alongside:
        assert still_queued_when_applied[0] > 0, still_queued_when_applied
    else:
        assert still_queued_when_applied == [0, 0, 0, 0]
    rows = InboxMessage.objects.filter(integration=po_integration).order_by("processed_at", "id")
    assert [r.document_key for r in rows] == numbers
