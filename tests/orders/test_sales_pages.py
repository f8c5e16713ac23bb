"""Sales pages: waiting orders, one order with versions and changes, our answers from the page."""

import html
from decimal import Decimal

import pytest
from django.urls import reverse

from exchange import inbox
from exchange.models import OutboxMessage
from orders.models import SalesOrder, SalesStatus
from sandbox import party
from sandbox.models import Order as JakamoOrder
from tests.helpers import customer_orders, send_all


@pytest.fixture
def arrived(network, supplier):
    customer_orders(network, "P-1")
    inbox.sync(supplier.pk)
    return SalesOrder.objects.get()


def test_waiting_orders_and_the_order_page(client, seller, arrived):
    client.force_login(seller)
    page = client.get(reverse("orders:sales_list")).content.decode()
    assert "P-1" in page and "Waiting for our confirmation" in page
    page = client.get(arrived.get_absolute_url()).content.decode()
    assert "Bearing" in page and "Confirm as requested" in page and "Send confirmation with changes" in page


def test_confirm_with_changes_from_the_page(client, seller, arrived):
    client.force_login(seller)
    response = client.post(
        reverse("orders:sales_confirm", args=[arrived.pk, "with_changes"]),
        {"l1_quantity": "45", "l2_leave_open": "on", "note": "rest later"},
        follow=True,
    )
    assert "Confirmed with changes" in response.content.decode()
    send_all()
    assert OutboxMessage.objects.get(document_type="OrderResponse").status == "sent"
    page = client.get(arrived.get_absolute_url()).content.decode()
    assert "Confirmed with changes (answering v1)" in page


def test_the_page_says_what_is_wrong(client, seller, arrived):
    arrived.integration.allow_new_batches = True  # else line 1 (one batch) has no split field
    arrived.integration.save()
    client.force_login(seller)
    page = client.post(
        reverse("orders:sales_confirm", args=[arrived.pk, "with_changes"]), {}, follow=True
    ).content.decode()
    assert "change at least one line" in page
    page = client.post(
        reverse("orders:sales_confirm", args=[arrived.pk, "with_changes"]), {"l1_batches": "10@tomorrow"}, follow=True
    ).content.decode()
    assert "is not quantity@YYYY-MM-DD" in page
    for batches, says in (("sNaN@2027-03-01", "Enter a number"), ("-5@2027-03-01; 55@2027-04-01", "Ensure")):
        page = client.post(
            reverse("orders:sales_confirm", args=[arrived.pk, "with_changes"]), {"l1_batches": batches}, follow=True
        ).content.decode()
        assert f"Line 1: “{batches.split(';')[0]}”: {says}" in html.unescape(page), batches
    assert not OutboxMessage.objects.filter(document_type="OrderResponse").exists()
    page = client.post(
        reverse("orders:sales_confirm", args=[arrived.pk, "reject"]), {"reason": ""}, follow=True
    ).content.decode()
    assert "Say why the order is rejected" in page


def test_a_jakamo_refusal_is_explained_on_the_order_page(client, seller, integration_admin, arrived):
    from mappings import services as mapping_services

    mapping_services.save_user_mapping(integration=arrived.integration, identifier="ida", portal_user=integration_admin)
    from orders.sales import services as sales

    sales.sales_confirm_with_changes(
        order=arrived, user=integration_admin, answers={"1": sales.LineAnswer(quantity=Decimal(1))}
    )
    send_all()
    client.force_login(seller)
    page = client.get(arrived.get_absolute_url()).content.decode()
    assert "Rejected by Jakamo" in page and "“ida”" in page and "User Strings" in page


def test_deliver_and_changes_highlighted(client, seller, arrived, network):
    party.customer_change_order(
        JakamoOrder.objects.get(order_number="P-1"), {"2": party.CustomerChange(quantity=Decimal(12))}
    )
    inbox.sync(arrived.integration.pk)
    client.force_login(seller)
    page = client.get(arrived.get_absolute_url()).content.decode()
    assert "line 2: quantity 10 → 12" in page
    # Only a confirmed order is delivered: not offered while the change waits for us, and refused.
    assert reverse("orders:sales_deliver", args=[arrived.pk]) not in page
    assert "Only a confirmed order can be marked delivered" in page
    deliver = {"delivery_date": "2026-12-01", "tracking_number": "T1"}
    page = client.post(reverse("orders:sales_deliver", args=[arrived.pk]), deliver, follow=True).content.decode()
    assert "only a confirmed order can be delivered as a whole. Confirm it first" in html.unescape(page)
    assert not OutboxMessage.objects.filter(document_type="StatusMessage Delivered").exists()
    client.post(reverse("orders:sales_confirm", args=[arrived.pk, "as_requested"]))
    page = client.get(arrived.get_absolute_url()).content.decode()
    assert 'data-confirm="Mark order P-1 delivered?' in page
    client.post(reverse("orders:sales_deliver", args=[arrived.pk]), deliver)
    arrived.refresh_from_db()
    assert arrived.status == SalesStatus.DELIVERED
    assert set(arrived.lines.values_list("status", flat=True)) == {"Delivered"}


def test_purchasers_cannot_see_sales_orders(client, purchaser, arrived):
    client.force_login(purchaser)
    assert client.get(arrived.get_absolute_url()).status_code == 403
    assert client.post(reverse("orders:sales_confirm", args=[arrived.pk, "as_requested"])).status_code == 403
    assert client.post(reverse("orders:sales_deliver", args=[arrived.pk])).status_code == 403


def test_a_mistyped_answer_address_sends_nothing(client, seller, arrived):
    client.force_login(seller)
    # It used to fall through to "with changes" and read the lines from whatever was posted.
    response = client.post(reverse("orders:sales_confirm", args=[arrived.pk, "as_requsted"]), {"note": "ok"})
    assert response.status_code == 404
    arrived.refresh_from_db()
    assert arrived.status == SalesStatus.WAITING_US and not arrived.confirmations.exists()


def test_a_delivered_order_offers_no_answer_and_a_posted_rejection_is_refused(client, seller, arrived):
    from orders.sales import services as sales

    sales.sales_confirm_as_requested(order=arrived, user=seller)
    sales.sales_deliver(order=arrived, user=seller)
    client.force_login(seller)
    page = html.unescape(client.get(arrived.get_absolute_url()).content.decode())
    for action in ("reject", "as_requested", "with_changes"):
        assert reverse("orders:sales_confirm", args=[arrived.pk, action]) not in page
    assert reverse("orders:sales_deliver", args=[arrived.pk]) not in page
    assert "This order is delivered: it is closed in Jakamo" in page
    page = client.post(
        reverse("orders:sales_confirm", args=[arrived.pk, "reject"]), {"reason": "oops"}, follow=True
    ).content.decode()
    assert "Not sent: Order P-1 is delivered; it is closed in Jakamo" in html.unescape(page)
    assert not OutboxMessage.objects.filter(document_type="OrderResponse").exists()
    arrived.refresh_from_db()
    assert arrived.status == SalesStatus.DELIVERED


def test_rejecting_and_delivering_ask_first(client, seller, arrived):
    client.force_login(seller)
    page = client.get(arrived.get_absolute_url()).content.decode()
    assert 'data-confirm="Reject order P-1? Every line goes to the customer as Cancelled' in page
    assert "js/confirm.js" in page
    client.post(reverse("orders:sales_confirm", args=[arrived.pk, "as_requested"]))
    page = client.get(arrived.get_absolute_url()).content.decode()
    # Confirmed: Jakamo lets a supplier reject only before confirming, so the page does not offer it.
    assert reverse("orders:sales_confirm", args=[arrived.pk, "reject"]) not in page
    assert "reject an order only before confirming it" in html.unescape(page)
    assert 'data-confirm="Mark order P-1 delivered?' in page


def test_the_order_page_reads_rows_not_the_xml(client, seller, arrived, django_assert_max_num_queries):
    # Every page view parsed the customer's XML again; an unreadable one now cannot even matter.
    SalesOrder.objects.filter(pk=arrived.pk).update(document_xml="<not xml")
    client.force_login(seller)
    with django_assert_max_num_queries(20):
        response = client.get(arrived.get_absolute_url())
    page = response.content.decode()
    assert response.status_code == 200 and "Bearing" in page and "Shaft" in page and "P-1-2-1" in page


def test_the_split_is_offered_only_where_it_can_mean_something(client, seller, arrived):
    client.force_login(seller)
    page = client.get(arrived.get_absolute_url()).content.decode()
    # One batch a line, no new batches allowed: a split could only restate the quantity and date.
    assert 'name="l1_batches"' not in page and 'name="l1_draft"' not in page
    arrived.integration.allow_new_batches = arrived.integration.allow_draft = True
    arrived.integration.save()
    page = client.get(arrived.get_absolute_url()).content.decode()
    assert 'name="l1_batches"' in page and 'name="l1_draft"' in page


def test_a_refused_answer_is_shown_again_as_typed(client, seller, arrived):
    arrived.integration.allow_new_batches = True
    arrived.integration.save()
    client.force_login(seller)
    response = client.post(
        reverse("orders:sales_confirm", args=[arrived.pk, "with_changes"]),
        {"l1_quantity": "45", "l1_batches": "30@2027-01-15; 20@2027-03-01", "note": "split please"},
    )
    page = html.unescape(response.content.decode())
    assert response.status_code == 400
    assert "Not sent: what is wrong is shown beside its line below; what you typed is kept." in page
    assert 'data-testid="refusal-1"><p>Line 1: the batches add up to 50, the line is 45.</p>' in page
    assert 'value="30@2027-01-15; 20@2027-03-01"' in page and 'value="45"' in page and "split please" in page
    assert not OutboxMessage.objects.filter(document_type="OrderResponse").exists()


def test_a_refused_batch_names_its_line_in_the_readers_language(client, seller, arrived):
    arrived.integration.allow_new_batches = True
    arrived.integration.save()
    client.force_login(seller)
    url = reverse("orders:sales_confirm", args=[arrived.pk, "with_changes"])
    page = client.post(url, {"l1_batches": "10@tomorrow"}, follow=True, HTTP_ACCEPT_LANGUAGE="fi").content.decode()
    assert "<p>Rivi 1: ”10@tomorrow” ei ole muotoa" in page and "Line 1:" not in page
