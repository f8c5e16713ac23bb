"""Three ways in — the ERP endpoint, an uploaded file, the order form — validated the same way."""

import html

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from exchange.models import OutboxMessage
from jakamo.ubl_build import build_order_document
from jakamo.ubl_parse import parse_order_document
from mappings.models import Integration
from orders.models import ErpClient, OrderStatus, PurchaseOrder
from sandbox import demo
from tests.helpers import buyer_integration

ERP_URL = "/orders/erp/orders/"


def erp_token(integration) -> str:
    from orders.purchase.intake import erp_client_create

    return erp_client_create(name="SAP", integration=integration)[1]


def test_the_erp_posts_an_order_with_its_token(client, purchaser):
    token = erp_token(buyer_integration(purchaser))
    response = client.post(
        ERP_URL,
        build_order_document(demo.sample_order("ERP-1")),
        content_type="application/xml",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["order_number"] == "ERP-1" and body["send"]["status"] == "pending"
    assert PurchaseOrder.objects.get().status == OrderStatus.WAITING_SUPPLIER
    assert ErpClient.objects.get().token_hash != token  # only the hash is stored


def test_the_erp_gets_every_problem_at_once_and_nothing_is_sent(client, purchaser):
    token = erp_token(buyer_integration(purchaser))
    xml = build_order_document(demo.sample_order("ERP-2")).replace(
        b'<cbc:Quantity unitCode="PCE">100</cbc:Quantity>', b'<cbc:Quantity unitCode="PCE">-5</cbc:Quantity>'
    )
    xml = xml.replace(b"<cbc:ID>bertha</cbc:ID>", b"")
    response = client.post(ERP_URL, xml, content_type="application/xml", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 400
    messages = [p["message"] for p in response.json()["problems"]]
    assert "the buyer contact id is missing" in messages
    assert any("more than zero" in m for m in messages)
    assert not PurchaseOrder.objects.exists() and not OutboxMessage.objects.exists()


def test_the_erp_endpoint_refuses_bad_tokens_and_bad_xml(client, purchaser):
    integration = buyer_integration(purchaser)
    assert client.post(ERP_URL, b"<Order/>", content_type="application/xml").status_code == 401
    assert (
        client.post(ERP_URL, b"<Order/>", content_type="application/xml", HTTP_AUTHORIZATION="Bearer nope").status_code
        == 401
    )
    token = erp_token(integration)
    for body, expected in [
        (b"<Order><ID>1</Order>", "Malformed XML"),
        (b"<Invoice/>", "root element is <Invoice>"),
        (b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><Order>&e;</Order>', "DOCTYPE"),
    ]:
        response = client.post(ERP_URL, body, content_type="application/xml", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 400 and expected in response.content.decode()


def test_a_duplicate_order_number_points_to_the_order_and_to_order_change(client, purchaser):
    token = erp_token(buyer_integration(purchaser))
    xml = build_order_document(demo.sample_order("ERP-3"))
    client.post(ERP_URL, xml, content_type="application/xml", HTTP_AUTHORIZATION=f"Bearer {token}")
    again = client.post(ERP_URL, xml, content_type="application/xml", HTTP_AUTHORIZATION=f"Bearer {token}")
    text = again.content.decode()
    assert again.status_code == 400 and "already exists" in text and "OrderChange" in text
    assert PurchaseOrder.objects.get().get_absolute_url() in text


def test_a_purchaser_uploads_an_order_file(client, purchaser):
    integration = buyer_integration(purchaser)
    client.force_login(purchaser)
    upload = SimpleUploadedFile("order.xml", build_order_document(demo.sample_order("UP-1")), "application/xml")
    response = client.post(
        reverse("orders:purchase_upload"), {"file": upload, "integration": integration.pk}, follow=True
    )
    assert "Order UP-1 saved and queued" in response.content.decode()
    bad = SimpleUploadedFile("bad.xml", b"<Order><cbc:ID>x</Order>", "application/xml")
    response = client.post(reverse("orders:purchase_upload"), {"file": bad, "integration": integration.pk}, follow=True)
    assert "“bad.xml” was not sent. " in response.content.decode() and "Malformed XML" in response.content.decode()


def test_a_purchaser_fills_in_an_order_with_lines_and_batches(client, purchaser):
    integration = buyer_integration(purchaser)
    client.force_login(purchaser)
    data = {
        "order-integration": integration.pk,
        "order-order_number": "FORM-1",
        "order-supplier": "V-100",
        "order-buyer_contact": "bertha",
        "order-currency": "EUR",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "500",
        "lines-0-item_name": "Bolt",
        "lines-0-quantity": "100",
        "lines-0-unit_code": "PCE",
        "lines-0-price": "120",
        "lines-0-base_quantity": "10",
        "lines-0-requested_date": "2027-01-15",
        "lines-0-batches": "60@2027-01-15; 40@2027-02-15",
        "lines-1-item_name": "Nut",
        "lines-1-quantity": "5",
        "lines-1-unit_code": "PCE",
        "lines-1-price": "2",
        "lines-1-base_quantity": "1",
        "lines-1-requested_date": "2027-01-20",
    }
    response = client.post(reverse("orders:purchase_new"), data, follow=True)
    assert "Order FORM-1 saved and queued" in response.content.decode()
    order = PurchaseOrder.objects.get()
    assert order.ordered_total == 100 * 12 + 5 * 2
    assert list(order.lines.get(line_id="1").batches.values_list("batch_id", "quantity")) == [
        ("FORM-1-1-1", 60),
        ("FORM-1-1-2", 40),
    ]
    # The buyer named by its party id, as both minimal examples of the PO document name it.
    assert parse_order_document(order.document_xml).buyer_id == "NORDIC"
    bad = {**data, "order-order_number": "FORM-2", "lines-0-batches": "60@2027-01-15", "order-supplier": "V-999"}
    page = client.post(reverse("orders:purchase_new"), bad).content.decode()
    assert "The batches add up to 60, the line is 100" in page
    bad["lines-0-batches"] = ""
    page = client.post(reverse("orders:purchase_new"), bad, follow=True).content.decode()
    assert "no company mapping for supplier “V-999”" in page
    Integration.objects.filter(name="PO").update(buyer_party_id="")
    page = client.post(reverse("orders:purchase_new"), {**data, "order-order_number": "FORM-3"}, follow=True)
    assert "PO has no id for our company: set “Buyer party id”" in html.unescape(page.content.decode())


def test_the_management_command_prints_a_token_once(purchaser, capsys):
    buyer_integration(purchaser)
    call_command("erp_client", "ERP-A", "--integration", "PO")
    out = capsys.readouterr().out
    token = out.rsplit(": ", 1)[1].strip()
    from orders.purchase.intake import erp_client_for

    assert erp_client_for(f"Bearer {token}").name == "ERP-A"


def test_changing_a_closed_order_is_refused_on_the_page(client, purchaser):
    integration = buyer_integration(purchaser)
    from orders.purchase import services

    order = services.purchase_order_create(integration=integration, document=demo.sample_order("CH-1"), user=purchaser)
    client.force_login(purchaser)
    client.post(reverse("orders:purchase_change", args=[order.pk, "cancel"]))
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    page = client.get(order.get_absolute_url()).content.decode()
    assert "cannot be reopened" in page
    response = client.post(
        reverse("orders:purchase_change", args=[order.pk, "cancel_lines"]), {"lines": ["1"]}, follow=True
    )
    assert "cannot be reopened" in response.content.decode()


def test_a_content_length_that_is_no_number_is_refused_not_a_server_error(client, purchaser):
    # Django's own reading of such a body fails with ValueError (a 500).
    token = erp_token(buyer_integration(purchaser))
    response = client.post(
        ERP_URL,
        build_order_document(demo.sample_order("ERP-CL")),
        content_type="application/xml",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        CONTENT_LENGTH="abc",
    )
    assert response.status_code == 400 and b"Content-Length" in response.content, response.content
    assert not PurchaseOrder.objects.exists()


def test_a_document_with_several_problems_names_every_one_at_once(client, offline_buyer):
    """A date the reader cannot read, a missing vendor id and a line id too long: one answer."""
    from orders.purchase.intake import erp_client_create
    from tests.helpers import order_xml, put_text

    xml = put_text(order_xml("S-1"), "IssueDate", "someday")
    xml = put_text(xml, "SellerSupplierParty/Party/PartyIdentification/ID", "")
    xml = put_text(xml, "LineItem/ID", "L" * 51, under="OrderLine")
    token = erp_client_create(name="ERP", integration=offline_buyer)[1]
    response = client.post(
        "/orders/erp/orders/", xml, content_type="application/xml", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 400
    where = [p["where"] for p in response.json()["problems"]]
    assert where == [
        "Order/IssueDate",
        "Order/SellerSupplierParty/Party/PartyIdentification/ID",
        "Order/OrderLine[1] (line " + "L" * 51 + ")/LineItem/ID",
    ], response.json()
