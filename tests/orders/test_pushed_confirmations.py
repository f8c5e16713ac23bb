"""End to end over HTTP with the sandbox pushing through Jakamo's webhook: a supplier's confirmation
reaches the review queue without a sync; the same message then drained from the queue is not
applied again; a push lost or refused is brought by polling; a worker killed after the 200 is
re-driven by the tick."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_q.conf import Conf

from exchange import inbox, tasks
from exchange.models import InboxMessage, SyncState, WebhookRefusal
from orders import selectors
from orders.models import Confirmation, OrderStatus
from sandbox import party, push, services
from sandbox.models import Message
from sandbox.models import Order as JakamoOrder
from tests.helpers import apply_in_a_dying_process, connect_webhook, placed

LATER = date.today() + timedelta(days=75)


def supplier_confirms_with_changes(number="PO-1"):
    party.supplier_confirm(
        JakamoOrder.objects.get(order_number=number),
        {"1": party.LineChange(quantity=Decimal(80), promised_date=LATER)},
    )


def in_review(number="PO-1") -> bool:
    return selectors.review_queue().filter(order_number=number).exists()


def pending_at_jakamo(network) -> int:
    return Message.objects.filter(integration=network["po"], acknowledged_at__isnull=True).count()


@pytest.fixture
def run_tasks_at_once(monkeypatch):
    monkeypatch.setattr(Conf, "SYNC", True)


def test_a_pushed_confirmation_reaches_the_review_queue(live_server, network, buyer, purchaser, run_tasks_at_once):
    placed(buyer, purchaser)
    connect_webhook(live_server.url, buyer, network["po"])
    supplier_confirms_with_changes()
    assert in_review()  # no scheduled sync: the push's own task applied it
    confirmation = Confirmation.objects.get(order__order_number="PO-1")
    assert confirmation.decision == Confirmation.Decision.PENDING
    assert pending_at_jakamo(network) == 0


def test_a_pushed_confirmation_also_drained_from_the_queue_is_applied_once(live_server, network, buyer, purchaser):
    placed(buyer, purchaser)
    # "Remove entry from queue on success" off, and no task cluster: the push is stored, not applied.
    connect_webhook(live_server.url, buyer, network["po"], remove=False)
    supplier_confirms_with_changes()
    assert not in_review() and pending_at_jakamo(network) == 1
    run = inbox.sync(buyer.pk)  # the scheduled sync meets the same entry
    assert run.fetched == 1 and in_review() and pending_at_jakamo(network) == 0
    tasks.apply_pushed(buyer.pk)  # the push's apply task, late
    push.push(Message.objects.get().pk)  # Jakamo pushing it again
    tasks.apply_pushed(buyer.pk)
    assert Confirmation.objects.filter(order__order_number="PO-1").count() == 1
    assert InboxMessage.objects.filter(integration=buyer).count() == 1


def test_a_lost_or_refused_push_is_brought_by_polling(live_server, network, buyer, purchaser, run_tasks_at_once):
    placed(buyer, purchaser, "PO-1")
    placed(buyer, purchaser, "PO-2")
    connect_webhook(live_server.url, buyer, network["po"], oauth=True)
    services.add_fault("push_lost", 1, network["po"])
    supplier_confirms_with_changes("PO-1")
    services.add_fault("push_wrong_auth", 1, network["po"])
    supplier_confirms_with_changes("PO-2")
    assert not in_review("PO-1") and not in_review("PO-2")
    assert WebhookRefusal.objects.filter(integration=buyer, http_status=401).count() == 1
    inbox.sync(buyer.pk)
    assert in_review("PO-1") and in_review("PO-2")
    assert Confirmation.objects.count() == 2


def test_a_worker_killed_after_the_200_still_applies_the_confirmation(
    live_server, network, buyer, purchaser, monkeypatch
):
    placed(buyer, purchaser)
    connect_webhook(live_server.url, buyer, network["po"])
    supplier_confirms_with_changes()
    assert pending_at_jakamo(network) == 0  # answered 200: Jakamo removed the entry
    assert apply_in_a_dying_process(buyer, record_only=False) == -9
    assert not in_review()
    InboxMessage.objects.update(received_at=timezone.now() - timedelta(minutes=5))
    SyncState.objects.filter(integration=buyer).update(last_sync_at=timezone.now())
    monkeypatch.setattr(Conf, "SYNC", True)
    tasks.tick()
    assert in_review()
    order = Confirmation.objects.get().order
    assert order.status == OrderStatus.WAITING_CUSTOMER
