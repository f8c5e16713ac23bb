"""The purchaser's pages: review queue, review with decisions, order page, receiving."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from exchange.models import OutboxMessage
from jakamo import ubl
from jakamo.ubl_build import build_order_document
from jakamo.ubl_parse import parse_order_document
from orders import documents
from orders.models import Confirmation, OrderStatus, PurchaseOrder
from sandbox import demo
from tests.helpers import acknowledged_message, order_with_confirmation


def test_the_review_queue_lists_oldest_first_and_filters(client, purchaser):
    older, _ = order_with_confirmation("R-1", purchaser)
    newer, _ = order_with_confirmation("R-2", purchaser)
    matching, _ = order_with_confirmation("R-3", purchaser, price=None)  # nothing to decide
    PurchaseOrder.objects.filter(pk=older.pk).update(awaiting_decision_since=timezone.now() - timedelta(days=2))
    client.force_login(purchaser)
    page = client.get(reverse("orders:review_queue")).content.decode()
    assert page.index("R-1") < page.index("R-2") and "R-3" not in page
    assert "unit price" in page.lower() or "price" in page
    assert "R-1" not in client.get(reverse("orders:review_queue"), {"kind": "quantity"}).content.decode()
    assert "R-1" in client.get(reverse("orders:review_queue"), {"kind": "price"}).content.decode()
    assert "R-1" not in client.get(reverse("orders:review_queue"), {"purchaser": "someone"}).content.decode()
    nav = client.get(reverse("home")).content.decode()
    assert '<span class="count" title="awaiting you">2</span>' in nav


def test_the_review_page_puts_ordered_and_confirmed_side_by_side(client, purchaser):
    order, confirmation = order_with_confirmation("R-4", purchaser)
    client.force_login(purchaser)
    page = client.get(reverse("orders:confirmation_review", args=[order.pk, 1])).content.decode()
    assert "Line 2: unit price 13 confirmed, 12 ordered." in page
    assert 'class="num deviates">13.0000' in page
    assert 'data-testid="value-impact">+100.00' in page
    assert "Accept" in page and "Reject" in page and "Decide line by line" in page


def test_accepting_from_the_page_queues_the_simple_confirmation(client, purchaser):
    order, confirmation = order_with_confirmation("R-5", purchaser)
    client.force_login(purchaser)
    response = client.post(
        reverse("orders:confirmation_decide", args=[order.pk, 1, "accept"]),
        {"note": "fine", "emphasize_original": "true"},
        follow=True,
    )
    assert "Accepted" in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED
    row = OutboxMessage.objects.get(operation="simple_confirm")
    assert row.target_url == confirmation.confirm_url and b'"emphasize_original_agreed_details": true' in bytes(
        row.body
    )
    again = client.post(reverse("orders:confirmation_decide", args=[order.pk, 1, "reject"]), follow=True)
    assert "only a confirmation awaiting a decision can be decided" in again.content.decode()


def test_a_mistyped_decision_address_decides_nothing(client, purchaser):
    order, confirmation = order_with_confirmation("R-8", purchaser)
    client.force_login(purchaser)
    # It used to fall through to line by line: with no line ticked, every change was rejected.
    response = client.post(reverse("orders:confirmation_decide", args=[order.pk, 1, "acept"]), {"note": "ok"})
    assert response.status_code == 404
    confirmation.refresh_from_db()
    assert confirmation.decision == "pending" and not OutboxMessage.objects.filter(document_type="OrderChange").exists()


def test_rejecting_and_line_by_line_from_the_page(client, purchaser):
    first, _ = order_with_confirmation("R-6", purchaser)
    second, _ = order_with_confirmation("R-7", purchaser)
    client.force_login(purchaser)
    client.post(reverse("orders:confirmation_decide", args=[first.pk, 1, "reject"]), {"note": "no"})
    client.post(reverse("orders:confirmation_decide", args=[second.pk, 1, "lines"]), {"accept_2": "on"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == OrderStatus.WAITING_SUPPLIER and first.confirmations.get().decision == "rejected"
    assert second.status == OrderStatus.CONFIRMED and second.lines.get(line_id="2").agreed_unit_price == 13
    assert OutboxMessage.objects.filter(document_type="OrderChange").count() == 2


def test_receiving_from_the_order_page(client, purchaser):
    order, _ = order_with_confirmation("R-8", purchaser, price=None)
    client.force_login(purchaser)
    page = client.get(order.get_absolute_url()).content.decode()
    assert "Receive goods" in page and "R-8-1-1" in page
    batch = order.lines.get(line_id="1").batches.get()
    response = client.post(
        reverse("orders:receive", args=[order.pk]),
        {"received_date": "2026-11-20", f"qty_{batch.pk}": "30"},
        follow=True,
    )
    assert "Received:" in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.STARTED_RECEIVING
    response = client.post(
        reverse("orders:receive", args=[order.pk]),
        {"received_date": "2026-11-20", f"qty_{batch.pk}": "500"},
        follow=True,
    )
    assert "more than the 70 still to receive" in response.content.decode()
    client.post(reverse("orders:receive", args=[order.pk]), {"received_date": "2026-11-21", "line_2": "on"})
    assert order.lines.get(line_id="2").status == "Received"
    client.post(reverse("orders:receive", args=[order.pk]), {"received_date": "2026-11-21", "everything": "on"})
    order.refresh_from_db()
    assert order.status == OrderStatus.RECEIVED and order.receipts.count() == 3  # 30, line 2, the other 70
    assert OutboxMessage.objects.filter(document_type="StatusMessage Received", repeat_safe=False).count() == 3


@pytest.mark.parametrize(("current", "after"), [(None, "1"), ("1", "2"), ("007", "8"), ("rev-B", "1"), ("²", "1")])
def test_changes_are_numbered_one_two_three(current, after):
    assert documents.next_sequence_number(current) == after


def test_a_revision_file_whose_sequence_number_is_no_number_still_revises(client, purchaser):
    order, _ = order_with_confirmation("R-9", purchaser)
    revision = demo.sample_order("R-9", quantity=Decimal(150))
    revision.kind, revision.sequence_number_id = ubl.ORDER_CHANGE, "rev-B"  # an ERP's own numbering
    client.force_login(purchaser)
    response = client.post(
        reverse("orders:purchase_change", args=[order.pk, "revise"]),
        {"file": SimpleUploadedFile("R-9.xml", build_order_document(revision))},
        follow=True,
    )
    # It used to say: invalid literal for int() with base 10: 'rev-B'.
    assert "Revised" in response.content.decode()
    sent = parse_order_document(bytes(OutboxMessage.objects.get(document_type="OrderChange").body))
    assert sent.sequence_number_id == "1" and sent.line("1").quantity.value == 150


def test_the_order_page_shows_versions_and_the_message_timeline(client, purchaser, support):
    order, confirmation = order_with_confirmation("R-9", purchaser)
    client.force_login(support)
    page = client.get(order.get_absolute_url()).content.decode()
    assert "v1" in page and "Awaiting our decision" in page and "Order to Jakamo</a>" in page
    assert f'href="/messages/in/{confirmation.inbox_id}/">message</a>' in page
    assert "Receive goods" not in page  # support reads, does not receive


def test_sellers_cannot_see_purchase_orders(client, seller, purchaser):
    order, _ = order_with_confirmation("R-10", purchaser)
    client.force_login(seller)
    assert client.get(order.get_absolute_url()).status_code == 403
    assert client.get(reverse("orders:review_queue")).status_code == 403
    assert client.post(reverse("orders:confirmation_decide", args=[order.pk, 1, "accept"])).status_code == 403
    assert client.post(reverse("orders:receive", args=[order.pk])).status_code == 403


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_page_queries_do_not_grow_with_the_data(client, purchaser):
    client.force_login(purchaser)
    order, _ = order_with_confirmation("Q-0", purchaser, lines=2)
    client.get(reverse("orders:purchase_list"))  # the session's first request also reads the language
    small = {
        "queue": queries(client, reverse("orders:review_queue")),
        "list": queries(client, reverse("orders:purchase_list")),
        "order": queries(client, order.get_absolute_url()),
    }
    for n in range(1, 12):
        order_with_confirmation(f"Q-{n}", purchaser, lines=2)
    big_order, _ = order_with_confirmation("Q-BIG", purchaser, lines=12)
    large = {
        "queue": queries(client, reverse("orders:review_queue")),
        "list": queries(client, reverse("orders:purchase_list")),
        "order": queries(client, big_order.get_absolute_url()),
    }
    assert large == small, (small, large)
    assert Confirmation.objects.count() == 13


def test_accepting_without_a_say_on_emphasis_leaves_it_out_so_jakamo_keeps_its_value(client, purchaser):
    """PO document 6.5.3: EmphasizeOriginalAgreedDetails "empty or omitted… will keep its previous value"."""
    order, confirmation = order_with_confirmation("R-6", purchaser)
    client.force_login(purchaser)
    client.post(reverse("orders:confirmation_decide", args=[order.pk, 1, "accept"]), {"emphasize_original": ""})
    row = OutboxMessage.objects.get(operation="simple_confirm")
    assert b'"emphasize_original_agreed_details": null' in bytes(row.body)


def test_a_confirmation_wrong_in_itself_waits_for_review_and_its_page_explains_it(client, purchaser):
    """Another currency, a line status Jakamo lacks, a renumbered line: each needs a decision."""

    from orders.purchase import services
    from sandbox.services import response_from_order
    from tests.helpers import buyer_integration

    integration = buyer_integration(purchaser)
    order = services.purchase_order_create(integration=integration, document=demo.sample_order("R-9"), user=purchaser)
    response = response_from_order(services.order_document(order), status=ubl.CONFIRMED)
    response.document_currency_code = "USD"
    response.lines[0].line_status_code = "Shipped"
    response.lines[1].id = "7"
    body = build_order_document(response)
    inbox = acknowledged_message(integration, body)
    confirmation = services.confirmation_record(inbox=inbox, response=response)
    assert confirmation.decision == Confirmation.Decision.PENDING
    client.force_login(purchaser)
    page = client.get(reverse("orders:confirmation_review", args=[order.pk, 1])).content.decode()
    assert "The confirmation is in USD, the order in EUR" in page
    assert "Line 1 came back with the status “Shipped”" in page
    assert "Line 7 is in the confirmation but not in the order. The order&#x27;s line 2 is missing" in page
