"""Support's message history (issue #26): pages, the type select, order links, partner names, the
raw body as a file, confirmation before acting, and bulk reprocess/resend with one outcome a row."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from exchange import outbox, selectors, transitions
from exchange import support as actions
from exchange.models import AuditEntry, InboxMessage, OutboxMessage
from tests.helpers import acknowledged_message, buyer_integration, order_with_confirmation, order_xml

URL = "/messages/"


def rows_on(page: str) -> list[str]:
    return re.findall(r'name="message" value="([^"]+)"', page)


@pytest.fixture
def many(db):
    """65 incoming messages (every third an OrderChange) on the offline buyer's integration."""
    integration = buyer_integration()
    for n in range(65):
        kind = "OrderChange" if n % 3 == 0 else "OrderResponse"
        acknowledged_message(
            integration, f"<x n='{n}'/>".encode(), document_type=kind, document_key=f"P-{n:03d}", status="processed"
        )
    return integration


def test_it_pages_through_every_message_keeping_the_filters_in_the_links(client, support, many):
    assert reverse("exchange:message_list") == URL
    client.force_login(support)
    first = client.get(URL, {"direction": "in"}).content.decode()
    assert len(rows_on(first)) == selectors.PER_PAGE == 50
    assert "page 1 of 2" in first
    assert re.search(r'href="\?[^"]*direction=in[^"]*page=2"', first), "the next page keeps the filter"
    second = client.get(URL, {"direction": "in", "page": "2"}).content.decode()
    assert len(rows_on(second)) == 15
    assert set(rows_on(first)).isdisjoint(rows_on(second))
    newest = InboxMessage.objects.order_by("-received_at", "-id").first()
    assert rows_on(first)[0] == f"in:{newest.pk}"
    # A page beyond the last, or no number at all, is a page that exists, never an error.
    assert client.get(URL, {"page": "99"}).status_code == 200
    assert client.get(URL, {"page": "x"}).status_code == 200


def test_it_filters_by_a_type_chosen_from_the_known_types(client, support, many):
    client.force_login(support)
    page = client.get(URL).content.decode()
    select = re.search(r'<select id="f-type" name="type">(.*?)</select>', page, re.S).group(1)
    for kind in ("OrderResponse", "OrderChange", "Order", "StatusMessage Delivered", "ASN", "Simple confirmation"):
        assert f'<option value="{kind}"' in select
    changes = client.get(URL, {"type": "OrderChange"}).content.decode()
    assert "page 1 of" not in changes and len(rows_on(changes)) == 22
    # "Order" is the Order, not every type whose name starts with it.
    assert rows_on(client.get(URL, {"type": "Order"}).content.decode()) == []


def test_an_order_number_links_to_the_order_only_for_a_person_who_may_open_it(
    client, support, integration_admin, purchaser
):
    order, _ = order_with_confirmation("PM-7", purchaser)
    client.force_login(support)
    page = client.get(URL).content.decode()
    assert f'<a href="{order.get_absolute_url()}" class="order-link">PM-7</a>' in page
    client.force_login(integration_admin)  # message history, but not purchase orders
    page = client.get(URL).content.decode()
    assert "PM-7" in page and order.get_absolute_url() not in page


def test_the_partner_is_shown_by_name_with_its_id_beside(client, support, purchaser):
    order_with_confirmation("PM-8", purchaser)
    integration = buyer_integration()
    # A message about no known order, whose partner arrived as our identifier: the mapping names it.
    acknowledged_message(integration, b"<y/>", document_type="OrderResponse", document_key="GONE-1", partner="V-100")
    acknowledged_message(integration, b"<z/>", document_type="OrderResponse", document_key="GONE-2", partner="Nobody")
    client.force_login(support)
    page = client.get(URL).content.decode()
    named = '<td>Test Supplier Ltd.<span class="secondary">V-100</span></td>'
    # The order's Order (outgoing, partner V-100), its confirmation (partner left empty) and GONE-1.
    assert page.count(named) == 3
    assert "<td>Nobody</td>" in page


def test_the_raw_body_downloads_as_a_named_file_of_its_kind(client, support, purchaser):
    order_with_confirmation("PM-9", purchaser)
    row = InboxMessage.objects.get(document_key="PM-9")
    client.force_login(support)
    response = client.get(reverse("exchange:message_body", args=["in", row.pk]))
    assert response.status_code == 200
    assert response.content == bytes(row.body)
    assert response["Content-Type"] == "application/xml"
    assert response["Content-Disposition"] == f'attachment; filename="in-{row.pk}-orderresponse-pm-9.xml"'
    sent = OutboxMessage.objects.get(document_key="PM-9")
    response = client.get(reverse("exchange:message_body", args=["out", sent.pk]))
    assert response.content == bytes(sent.body) and response["Content-Disposition"].endswith('-order-pm-9.xml"')
    asn = acknowledged_message(buyer_integration(), b'{"a": 1}', document_type="ASN", document_key="S-1")
    response = client.get(reverse("exchange:message_body", args=["in", asn.pk]))
    assert response["Content-Type"] == "application/json" and response["Content-Disposition"].endswith('.json"')
    assert client.get(f"/messages/sideways/{asn.pk}/body/").status_code == 404


def test_a_body_removed_by_retention_is_not_offered_for_download(client, support):
    row = acknowledged_message(buyer_integration(), b"", body_removed_at=timezone.now(), body_size=10)
    client.force_login(support)
    response = client.get(reverse("exchange:message_body", args=["in", row.pk]), follow=True)
    assert "removed by retention; there is nothing to download" in response.content.decode()
    assert 'id="download-body"' not in client.get(row.get_absolute_url()).content.decode()


def test_the_message_page_offers_copy_and_download_of_the_raw_body(client, support, purchaser):
    order_with_confirmation("PM-10", purchaser)
    row = InboxMessage.objects.get(document_key="PM-10")
    client.force_login(support)
    page = client.get(row.get_absolute_url()).content.decode()
    body_url = reverse("exchange:message_body", args=["in", row.pk])
    assert f'id="download-body" href="{body_url}" download' in page
    assert f'id="copy-body" data-copy-url="{body_url}"' in page
    assert "js/messages.js" in page


def test_reprocess_and_resend_ask_first(client, support, purchaser):
    order_with_confirmation("PM-11", purchaser)
    client.force_login(support)
    listing = client.get(URL).content.decode()
    assert re.search(r'value="reprocess" data-confirm="[^"]+"', listing)
    assert re.search(r'value="resend" data-confirm="[^"]+"', listing)
    detail = client.get(InboxMessage.objects.get(document_key="PM-11").get_absolute_url()).content.decode()
    assert re.search(r'action="/messages/in/\d+/reprocess/"[^>]*data-confirm="[^"]+"', detail)
    out = OutboxMessage.objects.get(document_key="PM-11")
    detail = client.get(out.get_absolute_url()).content.decode()
    assert re.search(r'action="/messages/out/\d+/resend/"[^>]*data-confirm="[^"]+"', detail)


def test_the_bulk_form_is_not_shown_to_a_person_who_may_only_read(client, integration_admin, many):
    client.force_login(integration_admin)
    page = client.get(URL).content.decode()
    assert 'id="bulk"' not in page and rows_on(page) == []


@pytest.fixture
def mixed(db, support):
    integration = buyer_integration()
    ok = [
        acknowledged_message(integration, order_xml(f"B-{n}"), document_type="Order", document_key=f"B-{n}")
        for n in range(3)
    ]
    broken = acknowledged_message(integration, b"<not xml", document_type="", document_key="")
    duplicate = acknowledged_message(integration, b"<Order/>", status="duplicate", document_key="B-0")
    rejected = outbox.enqueue(
        integration=integration, operation="order", document_type="Order", document_key="B-9", body=b"<Order/>"
    )
    transitions.move(rejected, "sending", why="test")
    transitions.move(rejected, "rejected", why="test")
    return {"ok": ok, "broken": broken, "duplicate": duplicate, "rejected": rejected}


def test_bulk_reprocess_gives_one_outcome_per_message_refusals_included(client, support, mixed):
    client.force_login(support)
    refs = [f"in:{m.pk}" for m in mixed["ok"]] + [
        f"in:{mixed['broken'].pk}",
        f"in:{mixed['duplicate'].pk}",
        f"out:{mixed['rejected'].pk}",
        "in:999999",
    ]
    page = client.post(reverse("exchange:bulk_action"), {"action": "reprocess", "message": refs}).content.decode()
    table = re.search(r'<table id="bulk-results">(.*?)</table>', page, re.S).group(1)
    results = re.findall(r'<tr class="outcome (\w+)">', table)
    assert results == ["done", "done", "done", "failed", "refused", "refused", "refused"]
    assert "Reprocessed." in table and "Reprocessing failed again" in table
    assert "A message that is “Duplicate (seen before)” is not reprocessed." in table
    assert "An outgoing message is not reprocessed; resend it instead." in table
    assert "No such message." in table and "in:999999" in table
    for m in mixed["ok"]:
        m.refresh_from_db()
        assert m.status == "processed"
    assert AuditEntry.objects.filter(user=support, action="reprocess").count() == 4


def test_bulk_resend_queues_outgoing_messages_and_refuses_incoming_ones(client, support, mixed):
    client.force_login(support)
    refs = [f"out:{mixed['rejected'].pk}", f"in:{mixed['ok'][0].pk}"]
    page = client.post(
        reverse("exchange:bulk_action"), {"action": "resend", "message": refs, "note": "fixed the mapping"}
    ).content.decode()
    assert re.findall(r'<tr class="outcome (\w+)">', page) == ["done", "refused"]
    assert "Queued to send again." in page and "An incoming message is not resent; reprocess it instead." in page
    mixed["rejected"].refresh_from_db()
    assert mixed["rejected"].status in ("pending", "sending", "retry", "sent", "rejected")
    assert mixed["rejected"].audit.get().note == "fixed the mapping"


def test_bulk_outcomes_are_in_the_readers_language(client, support, mixed):
    client.force_login(support)
    refs = [f"in:{mixed['ok'][0].pk}"]
    page = client.post(
        reverse("exchange:bulk_action"), {"action": "reprocess", "message": refs}, HTTP_ACCEPT_LANGUAGE="fi"
    ).content.decode()
    assert "Käsitelty uudelleen." in page and "Reprocessed." not in page
    # Worded when read, not when done: the same outcome reads in whatever language is active then.
    outcome = actions.act_on_many("resend", refs, None)[0]
    with translation.override("fi"):
        finnish = outcome.text
    with translation.override("en"):
        english = outcome.text
    assert english == "An incoming message is not resent; reprocess it instead." and finnish != english


def test_a_bulk_action_without_a_ticked_message_says_so(client, support, mixed):
    client.force_login(support)
    response = client.post(reverse("exchange:bulk_action"), {"action": "reprocess"}, follow=True)
    assert "Tick the messages to act on first." in response.content.decode()
    response = client.post(reverse("exchange:bulk_action"), {"action": "delete", "message": ["in:1"]}, follow=True)
    assert "Choose Reprocess or Resend." in response.content.decode()


def test_more_than_the_bulk_limit_is_refused_for_the_rest(db, mixed):
    refs = [f"in:{mixed['ok'][0].pk}"] + [f"in:{n}" for n in range(1_000_000, 1_000_000 + actions.MOST_AT_ONCE)]
    outcomes = actions.act_on_many("reprocess", refs, None)
    assert len(outcomes) == actions.MOST_AT_ONCE + 1
    assert (
        outcomes[0].result == "done"
        and outcomes[-1].text == f"Not done: at most {actions.MOST_AT_ONCE} messages at once."
    )


def test_after_a_bulk_action_the_way_back_keeps_the_filters_and_stays_on_the_site(client, support, mixed):
    client.force_login(support)
    ref = [f"in:{mixed['ok'][0].pk}"]
    page = client.post(
        reverse("exchange:bulk_action"), {"action": "reprocess", "message": ref, "back": "/messages/?type=Order&page=2"}
    ).content.decode()
    assert 'href="/messages/?type=Order&amp;page=2"' in page
    page = client.post(
        reverse("exchange:bulk_action"), {"action": "reprocess", "message": ref, "back": "https://evil.example/"}
    ).content.decode()
    assert 'href="/messages/"' in page and "evil" not in page
