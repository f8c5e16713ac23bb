"""The purchaser's working day on the order and review pages (issue #26): the supplier's note, a
send that did not reach Jakamo, one timeline, still to receive, and line-by-line wording."""

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from exchange import inbox
from exchange.models import OutboxMessage
from jakamo import ubl
from jakamo.ubl_build import build_order_document
from mappings import services as mapping_services
from orders.models import DeliveryBatch, PurchaseOrder
from orders.purchase import services
from sandbox import demo, party
from sandbox.models import Order as JakamoOrder
from sandbox.services import response_from_order
from tests.helpers import acknowledged_message, buyer_integration, order_with_confirmation, placed, send_all

NOTE = "Can do 80 now, price up due to steel"


def confirmed_with_note(number, purchaser):
    integration = buyer_integration(purchaser)
    order = services.purchase_order_create(integration=integration, document=demo.sample_order(number), user=purchaser)
    response = response_from_order(services.order_document(order), status=ubl.CONFIRMED)
    response.lines[0].quantity = ubl.Quantity(Decimal(80), "PCE")
    response.lines[0].deliveries[0].quantity = ubl.Quantity(Decimal(80), "PCE")
    response.lines[0].line_status_code = ubl.CONFIRMED_WITH_CHANGES
    response.notes = [NOTE]
    body = build_order_document(response)
    message = acknowledged_message(integration, body, document_type="OrderResponse", document_key=number)
    confirmation = services.confirmation_record(inbox=message, response=response)
    order.refresh_from_db()
    return order, confirmation


def text_of(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}".*?</(section|table|ul)>', html, re.S)
    assert match, f"no #{element_id}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(0)))


# -- the supplier's note ---------------------------------------------------------------------------
def test_the_suppliers_note_is_kept_and_shown_on_the_review_and_order_pages(client, purchaser):
    order, confirmation = confirmed_with_note("N-1", purchaser)
    assert confirmation.supplier_note == NOTE
    client.force_login(purchaser)
    review = client.get(reverse("orders:confirmation_review", args=[order.pk, 1])).content.decode()
    assert NOTE in text_of(review, "supplier-note")
    page = client.get(order.get_absolute_url()).content.decode()
    assert NOTE in text_of(page, "supplier-note")
    assert f"Supplier's note: “{NOTE}”" in text_of(page, "timeline").replace("&#x27;", "'").replace("&quot;", '"')


def test_a_confirmation_without_a_note_shows_no_note(client, purchaser):
    order, confirmation = order_with_confirmation("N-2", purchaser)
    assert confirmation.supplier_note == ""
    client.force_login(purchaser)
    assert 'id="supplier-note"' not in client.get(order.get_absolute_url()).content.decode()


# -- sends that did not reach Jakamo -------------------------------------------------------------------
def test_an_upload_blocked_by_a_missing_mapping_says_so_and_what_to_do(client, purchaser):
    integration = buyer_integration(purchaser)  # maps supplier V-100 only
    client.force_login(purchaser)
    response = client.post(
        reverse("orders:purchase_upload"),
        {
            "integration": integration.pk,
            "file": SimpleUploadedFile("B-1.xml", build_order_document(demo.sample_order("B-1", vendor_id="V-200"))),
        },
        follow=True,
    )
    text = response.content.decode()
    assert "saved and queued for Jakamo" not in text
    assert "Order B-1 is saved but not sent: No company mapping for the" in text
    assert "V-200" in text and "goes to Jakamo by itself" in text
    assert '<li class="warning">' in text
    # The order page says it prominently, with the reason and what to do.
    problems = text_of(text, "send-problems")
    assert "Blocked by a missing mapping" in problems and "V-200" in problems and "integration admin" in problems
    assert 'id="not-sent-badge"' in text


def test_an_upload_that_can_go_says_it_is_queued(client, purchaser):
    integration = buyer_integration(purchaser)
    client.force_login(purchaser)
    response = client.post(
        reverse("orders:purchase_upload"),
        {
            "integration": integration.pk,
            "file": SimpleUploadedFile("B-2.xml", build_order_document(demo.sample_order("B-2"))),
        },
        follow=True,
    )
    text = response.content.decode()
    assert "Order B-2 saved and queued for Jakamo." in text and 'id="send-problems"' not in text


def test_an_order_jakamo_refused_shows_the_reason_on_its_page_and_counts_on_the_home_page(
    client, buyer, purchaser, network
):
    # Mapped in the portal, unknown at Jakamo: Jakamo answers "No vendor mapping found".
    mapping_services.save_company_mapping(integration=buyer, identifier="V-999", company_name="Nowhere Oy")
    order = services.purchase_order_create(
        integration=buyer, document=demo.sample_order("J-1", vendor_id="V-999"), user=purchaser
    )
    send_all()
    row = OutboxMessage.objects.get(document_key="J-1")
    assert row.status == OutboxMessage.Status.REJECTED
    placed(buyer, purchaser, "J-2")  # sent fine: not counted
    client.force_login(purchaser)
    page = client.get(order.get_absolute_url()).content.decode()
    problems = text_of(page, "send-problems")
    assert "Rejected by Jakamo" in problems and "Jakamo refused it" in problems and "resends it" in problems
    assert "J-2" not in problems
    home = client.get(reverse("home")).content.decode()
    match = re.search(r'id="fig-not_sent" href="([^"]+)"><span class="n">(\d+)</span><span class="label">([^<]+)', home)
    assert match and match.group(2) == "1" and "not sent" in match.group(3)
    listed = client.get(match.group(1).replace("&amp;", "&")).content.decode()
    assert ">J-1</a>" in listed and ">J-2</a>" not in listed


# -- one timeline, still to receive -----------------------------------------------------------------
def test_the_order_page_tells_its_story_in_one_timeline_with_who_and_when(client, buyer, purchaser, network, support):
    order = placed(buyer, purchaser, "T-1")
    party.supplier_confirm(
        JakamoOrder.objects.get(order_number="T-1"),
        {"1": party.LineChange(quantity=Decimal(80))},
        note=NOTE,
    )
    inbox.sync(buyer.pk)
    confirmation = order.confirmations.get()
    services.confirmation_accept(confirmation=confirmation, user=purchaser, note="80 is fine")
    batch = DeliveryBatch.objects.get(line__order=order, line__line_id="1")
    services.goods_receive(
        order=PurchaseOrder.objects.get(pk=order.pk), user=purchaser, quantities={("1", batch.batch_id): Decimal(50)}
    )
    client.force_login(purchaser)
    page = client.get(order.get_absolute_url()).content.decode()
    timeline = text_of(page, "timeline")
    steps = [
        "Order to Jakamo",
        "Supplier's confirmation, version 1",
        "Accepted the supplier's changes (version 1)",
        "Goods received on",
    ]
    positions = [timeline.replace("&#x27;", "'").index(step) for step in steps]
    assert positions == sorted(positions), timeline
    assert "Status: Waiting for supplier confirmation → Waiting for customer action" in timeline
    assert "Status: Confirmed → Started receiving" in timeline
    assert "“80 is fine”" in timeline and "line 1, batch T-1-1-1: 50" in timeline
    assert " purchaser " in timeline and "Test Supplier Ltd." in timeline
    assert "<h2>Receipts</h2>" not in page and "<h2>Messages</h2>" not in page
    # Still to receive: 80 agreed, 50 received.
    row = re.search(r"<td>T-1-1-1</td>.*?</tr>", page, re.S).group(0)
    assert '<td class="num still">30</td>' in row
    # The message link is for those who may read the message history.
    assert "/messages/out/" not in page
    client.force_login(support)
    assert "/messages/out/" in client.get(order.get_absolute_url()).content.decode()


# -- line by line ------------------------------------------------------------------------------------
def test_line_by_line_says_that_unticked_lines_are_rejected(client, purchaser):
    order, _ = order_with_confirmation("L-1", purchaser)
    client.force_login(purchaser)
    page = client.get(reverse("orders:confirmation_review", args=[order.pk, 1])).content.decode()
    form = re.search(r'<form[^>]*id="line-by-line".*?</form>', page, re.S).group(0)
    assert 'data-confirm="Every line you left unticked is rejected' in form
    assert form.count("(left unticked, it is rejected)") == 2
    response = client.post(
        reverse("orders:confirmation_decide", args=[order.pk, 1, "lines"]), {"accept_1": "on"}, follow=True
    )
    assert "Decided line by line: accepted line 1; rejected line 2 (their ordered values restated)." in (
        response.content.decode()
    )


@pytest.mark.parametrize("accepted", [[], ["1", "2"]])
def test_line_by_line_names_no_line_when_none_is_rejected_or_accepted(client, purchaser, accepted):
    order, _ = order_with_confirmation("L-2", purchaser)
    client.force_login(purchaser)
    response = client.post(
        reverse("orders:confirmation_decide", args=[order.pk, 1, "lines"]),
        {f"accept_{n}": "on" for n in accepted},
        follow=True,
    )
    assert "no line" in response.content.decode()


def test_the_suppliers_note_is_shown_as_text_never_as_markup(client, purchaser):
    order, confirmation = confirmed_with_note("N-3", purchaser)
    confirmation.supplier_note = "<script>alert(1)</script> & more"
    confirmation.save(update_fields=["supplier_note"])
    client.force_login(purchaser)
    for url in (order.get_absolute_url(), reverse("orders:confirmation_review", args=[order.pk, 1])):
        page = client.get(url).content.decode()
        assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page


def test_a_send_whose_outcome_is_unknown_asks_support_to_check_but_is_not_counted_as_unsent(client, purchaser):
    order, _ = order_with_confirmation("U-1", purchaser)
    OutboxMessage.objects.filter(document_key="U-1").update(
        status=OutboxMessage.Status.UNKNOWN, explanation="The request was sent but no answer came."
    )
    client.force_login(purchaser)
    problems = text_of(client.get(order.get_absolute_url()).content.decode(), "send-problems")
    assert "Outcome unknown" in problems and "Support checks in Jakamo whether it arrived" in problems
    assert ">U-1</a>" not in client.get(reverse("orders:purchase_list"), {"sending": "not_sent"}).content.decode()
