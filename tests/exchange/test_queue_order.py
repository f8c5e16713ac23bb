"""Queue order is apply order, through kills: with the apps' real handlers, a message a killed
worker acknowledged but did not commit is applied before a later message about the same order; a
message nothing applies on its queue fails with a reason; a failed message that a later one about the
same order has superseded is said to be superseded, and is not reprocessed over it."""

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from exchange import inbox
from exchange.models import InboxMessage, SyncRun
from orders.models import Confirmation
from sandbox import party
from sandbox import services as sandbox_services
from sandbox.models import Message
from sandbox.models import Order as JakamoOrder
from tests.helpers import placed, sync_in_a_dying_process
from tests.reference import ASN_EXAMPLE


@pytest.fixture(autouse=True)
def record_only_handlers():
    """Overrides the package's fixture: this module applies messages with the apps' real routes."""


def test_a_message_a_killed_worker_acknowledged_but_did_not_commit_is_applied_before_a_later_one(
    network, buyer, purchaser
):
    order = placed(buyer, purchaser, "QO-1", lines=1)
    jakamo = JakamoOrder.objects.get(order_number="QO-1")
    party.supplier_confirm(jakamo, note="as requested")
    # The worker acknowledges the confirmation, then dies before committing that it did.
    assert sync_in_a_dying_process(buyer, "record_acknowledged", on_call=1, record_only=False) == -9
    assert not Message.objects.filter(integration=network["po"], acknowledged_at__isnull=True).exists()
    first = InboxMessage.objects.get(integration=buyer)
    assert first.status == InboxMessage.Status.RECEIVED
    # Later the supplier changes its answer: queued after the first, about the same order.
    later = date.today() + timedelta(days=90)
    party.supplier_confirm(
        JakamoOrder.objects.get(pk=jakamo.pk),
        {"1": party.LineChange(quantity=Decimal(7), promised_date=later)},
        note="with changes",
    )
    run = inbox.sync(buyer.pk)
    assert run.status == SyncRun.Status.DONE and run.processed == 2
    versions = list(Confirmation.objects.filter(order=order).order_by("version"))
    assert [c.inbox_id for c in versions] == sorted(c.inbox_id for c in versions)
    assert versions[0].inbox_id == first.pk
    assert versions[-1].deviations and versions[-1].decision == Confirmation.Decision.PENDING
    order.refresh_from_db()
    assert order.status == "waiting_customer"  # the later answer, with changes, is the one to decide on


def test_a_document_type_nothing_applies_on_that_queue_fails_with_a_reason(network, buyer, purchaser):
    placed(buyer, purchaser, "QO-2", lines=1)
    jakamo = JakamoOrder.objects.get(order_number="QO-2")
    cancelled = (
        "<StatusMessage><OrderID>QO-2</OrderID><Status>Cancelled</Status></StatusMessage>"  # a SO queue's message
    )
    sandbox_services.enqueue(network["po"], "StatusMessage", cancelled, order=jakamo)
    sandbox_services.enqueue(network["po"], "ASN", json.dumps(ASN_EXAMPLE), content_type="application/json")
    party.supplier_confirm(jakamo)
    run = inbox.sync(buyer.pk)
    assert run.status == SyncRun.Status.DONE and run.failed == 2 and run.processed == 1
    refused = InboxMessage.objects.get(document_type="StatusMessage Cancelled")
    assert refused.status == InboxMessage.Status.FAILED and refused.document_key == "QO-2"
    assert "arrived on a Purchase Order API queue" in refused.error and "changed nothing" in refused.error
    json_row = InboxMessage.objects.get(document_type="ASN")
    assert json_row.status == InboxMessage.Status.FAILED and "arrived on a Purchase Order API queue" in json_row.error


def test_a_failed_message_superseded_by_a_later_one_says_so_and_is_not_reprocessed(
    network, buyer, purchaser, client, support
):
    placed(buyer, purchaser, "QO-3", lines=1)
    # An earlier answer about the same order that could not be applied when it came.
    earlier = InboxMessage.objects.create(
        integration=buyer,
        body=b"<OrderResponse/>",
        content_hash="0" * 64,
        status=InboxMessage.Status.FAILED,
        error="the database was down",
        document_type="OrderResponse",
        document_key="QO-3",
    )
    party.supplier_confirm(JakamoOrder.objects.get(order_number="QO-3"))
    inbox.sync(buyer.pk)
    applied = InboxMessage.objects.get(integration=buyer, status=InboxMessage.Status.PROCESSED)
    assert inbox.superseded_by(earlier) == applied
    with pytest.raises(inbox.Refused) as refused:
        inbox.reprocess(earlier, support)
    assert refused.value.code == "superseded" and refused.value.superseded_by == applied
    client.force_login(support)
    page = client.get(earlier.get_absolute_url()).content.decode()
    assert 'id="superseded"' in page and "nobody needs to decide" in page
    assert reverse("exchange:inbox_reprocess", args=[earlier.pk]) not in page
    answer = client.post(reverse("exchange:inbox_reprocess", args=[earlier.pk]), follow=True)
    assert "superseded" in answer.content.decode()
    earlier.refresh_from_db()
    assert earlier.status == InboxMessage.Status.FAILED
