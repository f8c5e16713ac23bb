"""Values from outside that do not fit the inbox's columns are named with their limit, never cut:
the message is kept (body and headers whole), acknowledged so the queue moves on, and marked failed
with the problem; nothing is applied under a shortened order number or URL."""

from exchange import inbox
from exchange.models import InboxMessage, SyncRun
from jakamo.errors import QueueMessage
from sandbox import services as sandbox_services
from sandbox.models import Message
from tests.helpers import queue_confirmations

LONG_KEY = "K" * 250


def test_an_order_number_too_long_for_the_inbox_fails_the_message_by_name_and_the_queue_moves_on(
    network, po_integration
):
    numbers = queue_confirmations(network, 2)
    first = Message.objects.filter(integration=network["po"]).order_by("id").first()
    body = first.body.replace(numbers[0], LONG_KEY)
    first.delete()
    sandbox_services.enqueue(network["po"], "OrderResponse", body, priority=1)
    run = inbox.sync(po_integration.pk)
    assert run.status == SyncRun.Status.DONE and run.fetched == 2 and run.processed == 1 and run.failed == 1
    refused = InboxMessage.objects.get(status=InboxMessage.Status.FAILED)
    assert "order or shipment number" in refused.error and "250 characters long" in refused.error
    assert "at most 200" in refused.error and "document_key" not in refused.error  # named as people say it
    assert refused.document_key == "" and refused.document_type == "OrderResponse"  # nothing cut
    assert LONG_KEY.encode() in bytes(refused.body) and refused.acknowledged_at is not None
    applied = InboxMessage.objects.get(status=InboxMessage.Status.PROCESSED)
    assert applied.document_key == numbers[1]
    assert not Message.objects.filter(integration=network["po"], acknowledged_at__isnull=True).exists()


def test_transport_values_too_long_for_their_columns_are_named_not_cut(network, po_integration):
    ack = "http://jakamo.example/api/ack/" + "a" * 600
    confirm = "http://jakamo.example/api/confirm/" + "c" * 600
    message = QueueMessage(
        body=b"<OrderResponse/>",
        content_type="application/xml",
        acknowledge_uri=ack,
        confirm_url=confirm,
        order_number="N" * 201,
        headers={"X-Acknowledge-Uri": ack, "Jakamo-Confirm-Url": confirm, "Jakamo-Order-Number": "N" * 201},
    )
    row, needs_processing = inbox.store(po_integration, message, None)
    assert not needs_processing and row.status == InboxMessage.Status.FAILED
    row.refresh_from_db()
    for where in ("X-Acknowledge-Uri", "Jakamo-Confirm-Url", "Jakamo-Order-Number"):
        assert f"{where}: " in row.error, row.error
    assert "at most 500" in row.error and "at most 200" in row.error
    assert row.acknowledge_uri == "" and row.confirm_url == "" and row.order_number_header == ""
    assert row.headers["Jakamo-Confirm-Url"] == confirm  # kept whole where it fits
    # A person reprocessing it cannot apply it without the URL Jakamo gave for answering it.
    assert not inbox.process(row)
    row.refresh_from_db()
    assert row.status == InboxMessage.Status.FAILED and "Jakamo-Confirm-Url: " in row.error
    # The queue gives it again (its acknowledge was lost): recognised by content, not applied twice.
    again, needs_processing = inbox.store(po_integration, message, None)
    assert again.status == InboxMessage.Status.DUPLICATE and again.duplicate_of == row and not needs_processing
