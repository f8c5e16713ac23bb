"""Inbox, outbox and sync-run statuses change only through exchange.transitions: a table of allowed
moves, one function that checks, saves conditionally and records who, when, why and what carried
it; refusals are typed with a stable code."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from exchange import inbox, outbox, transitions
from exchange.models import InboxMessage, OutboxMessage, StatusChange, SyncRun
from tests.helpers import queue_confirmations

ROOT = Path(__file__).resolve().parents[2]


def test_a_drain_records_every_move_with_what_carried_it(network, po_integration):
    queue_confirmations(network, 2)
    run = inbox.sync(po_integration.pk)
    row = InboxMessage.objects.order_by("id").first()
    change = row.status_changes.get()
    assert (change.from_status, change.to_status, change.by) == ("received", "processed", None)
    assert change.via == f"sync run {run.pk}"
    assert [(c.from_status, c.to_status) for c in run.status_changes.all()] == [("running", "done")]


def test_a_move_the_table_forbids_is_refused_with_a_code_and_changes_nothing(network, po_integration, support):
    queue_confirmations(network, 1)
    inbox.sync(po_integration.pk)
    row = InboxMessage.objects.get()
    with pytest.raises(transitions.IllegalTransition) as refused:
        transitions.move(row, InboxMessage.Status.RECEIVED, by=support, why="try")
    assert refused.value.code == "illegal_transition"
    row.refresh_from_db()
    assert row.status == InboxMessage.Status.PROCESSED and row.status_changes.count() == 1


def test_a_move_someone_else_made_first_is_refused_with_its_own_code(network, po_integration, support):
    queue_confirmations(network, 1)
    inbox.sync(po_integration.pk)
    row = InboxMessage.objects.get()
    stale = InboxMessage.objects.get(pk=row.pk)
    transitions.move(row, InboxMessage.Status.FAILED, by=support, why="first")
    with pytest.raises(transitions.StatusChanged) as refused:
        transitions.move(stale, InboxMessage.Status.FAILED, by=support, why="second")
    assert refused.value.code == "status_changed"
    assert row.status_changes.filter(by=support).count() == 1


def test_a_persons_outbox_decisions_are_recorded_with_who_and_why(db, support):
    from tests.helpers import buyer_integration

    row = outbox.enqueue(
        integration=buyer_integration(), operation="status", document_type="StatusMessage Received", document_key="X"
    )
    outbox.cancel(row, support, "entered twice")
    change = row.status_changes.get()
    assert (change.from_status, change.to_status, change.by, change.why) == (
        "pending",
        "cancelled",
        support,
        "entered twice",
    )
    with pytest.raises(transitions.IllegalTransition):
        transitions.move(row, OutboxMessage.Status.SENT)


def test_rows_are_created_only_in_an_initial_status():
    with pytest.raises(transitions.IllegalTransition):
        transitions.create(SyncRun, status=SyncRun.Status.DONE)


def test_insert_stores_what_create_stores_and_refuses_what_create_refuses(db, po_integration):
    """The drain's one-statement insert: every column as ``create`` would store it (defaults, the
    time it was stored, JSON, bytes, a related row given as an object), on either database."""
    run = transitions.create(SyncRun, status=SyncRun.Status.RUNNING, integration=po_integration)
    values = dict(
        integration=po_integration,
        sync_run=run,
        body=b"<OrderResponse>\xc3\xa4</OrderResponse>",
        headers={"Content-Type": "application/xml", "X-Acknowledge-Uri": "http://x/1"},
        content_hash="a" * 64,
        acknowledge_uri="http://x/1",
        document_key="Ä-1",
    )
    inserted = transitions.insert(InboxMessage, status=InboxMessage.Status.RECEIVED, **values)
    created = transitions.create(
        InboxMessage, status=InboxMessage.Status.RECEIVED, **{**values, "acknowledge_uri": "http://x/2"}
    )
    stored = InboxMessage.objects.get(pk=inserted.pk)
    other = InboxMessage.objects.get(pk=created.pk)
    skip = {"id", "acknowledge_uri", "received_at"}
    for field in InboxMessage._meta.concrete_fields:
        if field.name not in skip:
            assert getattr(stored, field.attname) == getattr(other, field.attname), field.name
            assert getattr(inserted, field.attname) == getattr(stored, field.attname), field.name
    assert abs((other.received_at - stored.received_at).total_seconds()) < 5
    assert inserted.received_at == stored.received_at
    assert bytes(stored.body) == values["body"] and stored.headers == values["headers"]
    inserted.error = "saved later"
    inserted.save(update_fields=["error"])  # an update, as for a row loaded from the database
    assert InboxMessage.objects.filter(pk=inserted.pk, error="saved later").count() == 1
    with pytest.raises(transitions.IllegalTransition):
        transitions.insert(InboxMessage, status=InboxMessage.Status.PROCESSED, **values)


def test_manage_py_transitions_prints_the_table_the_readme_shows():
    readme = [line.strip() for line in (ROOT / "README.md").read_text().splitlines()]
    table = transitions.markdown_table().strip().splitlines()
    start = readme.index(table[0])
    assert readme[start : start + len(table)] == table
    plain = StringIO()
    call_command("transitions", stdout=plain)
    assert all(
        line in plain.getvalue() for line in (f"{m:<14} {f:<13} {t:<13} {w}" for m, f, t, w in transitions.table())
    )


def test_every_status_is_reachable_in_the_table():
    for model in (InboxMessage, OutboxMessage, SyncRun):
        reached = set(transitions.INITIAL[model]) | {to for _, to in transitions.ALLOWED[model]}
        assert reached == set(model.Status.values), model
    assert StatusChange._meta.get_field("via").max_length == 100
