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
    client.post(
        reverse("orders:sales_deliver", args=[arrived.pk]), {"delivery_date": "2026-12-01", "tracking_number": "T1"}
    )
    arrived.refresh_from_db()
    assert arrived.status == SalesStatus.DELIVERED


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
