"""One body-size limit (MAX_BODY_BYTES, which is Django's own DATA_UPLOAD_MAX_MEMORY_SIZE): a body
between Django's old default (2.5 MB) and the limit is taken by every way in, and one past it is
refused in each endpoint's own format (JSON, Jakamo's <Errors>) and recorded."""

from __future__ import annotations

import requests
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from gateway import services as gateway_services
from gateway.models import GatewayRequest
from orders.models import PurchaseOrder
from orders.purchase.intake import erp_client_create
from sandbox.models import Order as JakamoOrder
from tests.helpers import order_xml, put_text

THREE_MB = 3 * 1024 * 1024


def big_order(number: str) -> bytes:
    """A good order of three megabytes: its note is long."""
    return put_text(order_xml(number), "Note", "n" * THREE_MB)


def test_the_limit_is_djangos_own_and_ten_megabytes_by_default():
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 10 * 1024 * 1024


def test_three_megabytes_are_taken_by_the_erp_endpoint_the_gateway_and_the_sandbox(
    client, offline_buyer, live_server, po_client, network
):
    token = erp_client_create(name="ERP", integration=offline_buyer)[1]
    response = client.post(
        "/orders/erp/orders/", big_order("M-1"), content_type="application/xml", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 201, response.content[:300]
    gateway_client, secret = gateway_services.client_create(name="ERP", integration=offline_buyer)
    response = requests.post(
        f"{live_server.url}/gateway/jakamo/api/order",
        data=big_order("M-2"),
        auth=(gateway_client.username, secret),
        timeout=30,
    )
    assert response.status_code == 200, response.text[:300]
    po_client.send_order(big_order("M-3"))
    assert JakamoOrder.objects.filter(order_number="M-3").exists()


def test_past_the_limit_each_answers_in_its_own_format_and_records_it(client, offline_buyer, live_server, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    body = big_order("M-4")
    token = erp_client_create(name="ERP", integration=offline_buyer)[1]
    response = client.post(
        "/orders/erp/orders/", body, content_type="application/xml", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 413 and response.json()["error"] == "The body is larger than 100,000 bytes."
    gateway_client, secret = gateway_services.client_create(name="ERP", integration=offline_buyer)
    response = requests.post(
        f"{live_server.url}/gateway/jakamo/api/order", data=body, auth=(gateway_client.username, secret), timeout=30
    )
    assert response.status_code == 413 and response.text == "<Errors><error>Request body too large.</error></Errors>"
    assert GatewayRequest.objects.get(client=gateway_client).status == 413
    assert not PurchaseOrder.objects.exists()


def test_an_upload_past_the_limit_is_refused_by_name(client, purchaser, offline_buyer, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    client.force_login(purchaser)
    upload = SimpleUploadedFile("big.xml", big_order("M-5"), content_type="application/xml")
    page = client.post(
        reverse("orders:purchase_upload"), {"file": upload, "integration": offline_buyer.pk}, follow=True
    )
    assert "at most 100,000 bytes are taken" in page.content.decode()
    assert not PurchaseOrder.objects.exists()


def test_a_revision_past_the_limit_is_refused_by_name(client, purchaser, offline_buyer, settings):
    from orders.purchase import services
    from sandbox import demo

    order = services.purchase_order_create(integration=offline_buyer, document=demo.sample_order("M-6"), user=purchaser)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    client.force_login(purchaser)
    upload = SimpleUploadedFile("big.xml", big_order("M-6"), content_type="application/xml")
    page = client.post(reverse("orders:purchase_change", args=[order.pk, "revise"]), {"file": upload}, follow=True)
    assert "at most 100,000 bytes are taken" in page.content.decode()
    assert not order.integration.outbox.filter(document_type="OrderChange").exists()
