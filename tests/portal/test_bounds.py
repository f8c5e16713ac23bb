"""Every value from outside fits its column or is refused by name: generated from the models.

Every character column of the apps that keep documents' values must be listed either as reached
from outside (``orders.bounds.REACHED``, ``shipments.bounds.REACHED``, with the element it is read
from) or as filled by the portal alone (``NOT_FROM_OUTSIDE``); a new column fails here until it is.
Each reached one then gets a value one character longer than it holds, through every way in that
fills it: a named 4xx (ERP endpoint, upload, gateway) or a failed message whose reason names the
element and says what to do (the queues), never a 500, never the database's own words, and nothing
written. Run on PostgreSQL (CI) too: SQLite would keep the long value and fail only later."""

from __future__ import annotations

import html
import json
from decimal import Decimal

import pytest
import requests
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.urls import reverse

from exchange import inbox
from exchange.models import InboxMessage
from gateway import services as gateway_services
from orders import bounds
from orders.models import Confirmation, OrderStatus, PurchaseOrder, SalesOrder
from orders.purchase.intake import erp_client_create
from sandbox import demo, party
from sandbox import services as sandbox_services
from sandbox.models import Message as QueuedMessage
from sandbox.models import Order as JakamoOrder
from shipments import bounds as shipment_bounds
from shipments.models import ShipHeroWebhook, Shipment
from tests.helpers import acknowledged_message, customer_orders, order_xml, placed, post_shiphero, put_text
from tests.reference import ASN_EXAMPLE

APPS = ("orders", "shipments")
REACHED = bounds.REACHED + shipment_bounds.REACHED
NOT_FROM_OUTSIDE = bounds.NOT_FROM_OUTSIDE | shipment_bounds.NOT_FROM_OUTSIDE
DATABASE_WORDS = ("value too long", "character varying", "DataError", "numeric field overflow", "Traceback")


def char_columns():
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            for field in model._meta.get_fields():
                if isinstance(field, models.CharField):
                    yield model, field.name


def test_every_character_column_is_reached_from_outside_or_said_not_to_be():
    reached = {(r.model, r.field) for r in REACHED}
    unlisted = [
        f"{model.__name__}.{name}"
        for model, name in char_columns()
        if (model, name) not in reached and (model, name) not in NOT_FROM_OUTSIDE and not _internal(model, name)
    ]
    assert not unlisted, f"list these in orders.bounds or shipments.bounds (REACHED or NOT_FROM_OUTSIDE): {unlisted}"


def _internal(model, name) -> bool:
    """Columns of records the portal makes itself (decisions, ERP clients, its own confirmations)."""
    return model.__name__ in ("Decision", "ErpClient", "SalesConfirmation", "SalesOrderVersion", "ShipmentReceipt")


def too_long(reach) -> str:
    return "Z" * (reach.model._meta.get_field(reach.field).max_length + 1)


def under(reach) -> str:
    return "" if reach.scope == bounds.HEADER else "OrderLine"


def named(text: str, reach) -> bool:
    """The reason names the element and says what to do, in words a person reads."""
    element = reach.path.rsplit("/", 1)[-1].lstrip("@")
    return element in text and "characters long" in text and "Shorten it" in text


def clean(text: str):
    for words in DATABASE_WORDS:
        assert words not in text, text[:800]


def ids(reach) -> str:
    return f"{reach.model.__name__}.{reach.field}@{reach.path}"


PO_ORDER = [r for r in REACHED if r.flow == bounds.PO_ORDER]


def long_order(reach, number: str) -> bytes:
    return put_text(order_xml(number), reach.path, too_long(reach), under=under(reach))


# -- an Order the buyer sends: ERP endpoint, upload, gateway ------------------------------------
@pytest.mark.parametrize("reach", PO_ORDER, ids=ids)
def test_the_erp_endpoint_names_a_value_too_long(client, offline_buyer, reach):
    token = erp_client_create(name="ERP", integration=offline_buyer)[1]
    response = client.post(
        "/orders/erp/orders/",
        long_order(reach, "B-1"),
        content_type="application/xml",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 400, response.content[:500]
    text = json.dumps(response.json(), ensure_ascii=False)
    assert named(text, reach), text
    clean(text)
    assert not PurchaseOrder.objects.exists()


@pytest.mark.parametrize("reach", PO_ORDER, ids=ids)
def test_the_upload_names_a_value_too_long(client, purchaser, offline_buyer, reach):
    client.force_login(purchaser)
    upload = SimpleUploadedFile("order.xml", long_order(reach, "B-2"), content_type="application/xml")
    page = client.post(
        reverse("orders:purchase_upload"), {"file": upload, "integration": offline_buyer.pk}, follow=True
    )
    text = html.unescape(page.content.decode())
    assert page.status_code == 200 and named(text, reach), text[-3000:]
    clean(text)
    assert not PurchaseOrder.objects.exists()


@pytest.mark.parametrize("reach", PO_ORDER, ids=ids)
def test_the_gateway_names_a_value_too_long(live_server, offline_buyer, reach):
    client, secret = gateway_services.client_create(name="ERP", integration=offline_buyer)
    response = requests.post(
        f"{live_server.url}/gateway/jakamo/api/order",
        data=long_order(reach, "B-3"),
        auth=(client.username, secret),
        timeout=10,
    )
    assert response.status_code == 400, response.text[:500]
    assert named(html.unescape(response.text), reach), response.text
    clean(response.text)
    assert not PurchaseOrder.objects.exists()


def test_the_order_form_refuses_what_its_fields_would_let_through(client, purchaser, offline_buyer):
    """The form's own lengths are within the columns; its numbers are refused by the same check."""
    client.force_login(purchaser)
    page = client.post(
        reverse("orders:purchase_new"),
        {
            "order-integration": offline_buyer.pk,
            "order-order_number": "F-1",
            "order-supplier": "V-100",
            "order-buyer_contact": "bertha",
            "order-currency": "EUR",
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-MIN_NUM_FORMS": "1",
            "lines-MAX_NUM_FORMS": "500",
            "lines-0-item_name": "Screw",
            "lines-0-quantity": "99999999999999",
            "lines-0-unit_code": "PCE",
            "lines-0-price": "99999999999999",
            "lines-0-base_quantity": "1",
            "lines-0-requested_date": "2030-01-01",
        },
        follow=True,
    )
    text = html.unescape(page.content.decode())
    assert page.status_code == 200 and "too large" in text, text[-3000:]
    clean(text)
    assert not PurchaseOrder.objects.exists()


# -- what Jakamo's queues bring --------------------------------------------------------------------
def _queued(document_type: str) -> QueuedMessage:
    return QueuedMessage.objects.filter(document_type=document_type, acknowledged_at__isnull=True).latest("id")


def _lengthen(message: QueuedMessage, reach):
    message.body = put_text(message.body.encode(), reach.path, too_long(reach), under=under(reach)).decode()
    message.save()


def _failed_with(integration, reach, document_type: str) -> InboxMessage:
    inbox.sync(integration.pk)
    row = InboxMessage.objects.get(integration=integration, document_type=document_type)
    assert row.status == InboxMessage.Status.FAILED and named(row.error, reach), row.error
    clean(row.error)
    return row


@pytest.mark.parametrize("reach", [r for r in REACHED if r.flow == bounds.PO_RESPONSE], ids=ids)
def test_a_confirmation_with_a_value_too_long_fails_by_name(network, buyer, purchaser, reach):
    order = placed(buyer, purchaser, "Q-1")
    party.supplier_confirm(JakamoOrder.objects.get(order_number="Q-1"))
    _lengthen(_queued("OrderResponse"), reach)
    _failed_with(buyer, reach, "OrderResponse")
    order.refresh_from_db()
    assert order.status == OrderStatus.WAITING_SUPPLIER and not Confirmation.objects.exists()


@pytest.mark.parametrize("reach", [r for r in REACHED if r.flow == bounds.PO_DELIVERED], ids=ids)
def test_a_delivered_status_with_a_value_too_long_fails_by_name(network, buyer, purchaser, reach):
    order = placed(buyer, purchaser, "Q-2")
    party.supplier_deliver(JakamoOrder.objects.get(order_number="Q-2"), tracking_number="T-1")
    _lengthen(_queued("StatusMessage"), reach)
    _failed_with(buyer, reach, "StatusMessage Delivered")
    assert not order.lines.exclude(tracking_number="").exists()


@pytest.mark.parametrize("reach", [r for r in REACHED if r.flow == bounds.SO_ORDER], ids=ids)
def test_a_customer_order_with_a_value_too_long_fails_by_name(network, supplier, reach):
    customer_orders(network, "C-9")
    _lengthen(_queued("Order"), reach)
    _failed_with(supplier, reach, "Order")
    assert not SalesOrder.objects.exists()


# -- derived values ---------------------------------------------------------------------------------
def test_a_total_past_the_column_is_refused_and_the_order_list_stays_up(client, purchaser, offline_buyer):
    """999,999,999,999 × 999,999,999,999: each under the reader's limit, their product far past the
    total's column. Refused, named; the list of orders for everyone is untouched."""
    token = erp_client_create(name="ERP", integration=offline_buyer)[1]
    huge = order_xml("T-1", quantity=Decimal("999999999999"), price=Decimal("999999999999"), base_quantity=Decimal(1))
    response = client.post(
        "/orders/erp/orders/", huge, content_type="application/xml", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 400
    messages = [p["message"] for p in response.json()["problems"]]
    assert any("too large" in m for m in messages), messages
    clean(json.dumps(messages))
    client.force_login(purchaser)
    assert client.get(reverse("orders:purchase_list")).status_code == 200
    assert not PurchaseOrder.objects.exists()


def test_a_unit_price_past_its_column_is_refused(client, offline_buyer):
    token = erp_client_create(name="ERP", integration=offline_buyer)[1]
    xml = order_xml("T-2", quantity=Decimal(1), price=Decimal("100000000000"), base_quantity=Decimal("0.001"))
    response = client.post(
        "/orders/erp/orders/", xml, content_type="application/xml", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 400
    assert any("unit price" in p["message"] for p in response.json()["problems"]), response.json()


def test_a_batch_id_twice_in_one_line_is_refused(client, offline_buyer):
    token = erp_client_create(name="ERP", integration=offline_buyer)[1]
    doc = demo.sample_order("T-3", lines=1)
    doc.lines[0].deliveries.append(doc.lines[0].deliveries[0])
    from jakamo.ubl_build import build_order_document

    response = client.post(
        "/orders/erp/orders/",
        build_order_document(doc),
        content_type="application/xml",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 400
    assert any("appears twice" in p["message"] for p in response.json()["problems"]), response.json()


# -- JSON: Jakamo's ASN queue and ShipHero's webhook ----------------------------------------------
def lengthened_json(obj: dict, reach, *, scope_path: dict) -> dict:
    obj = json.loads(json.dumps(obj))
    node = obj
    for key in scope_path[reach.scope]:
        node = node[key]
    *parents, last = reach.path.split(".")
    for key in parents:
        if not isinstance(node.get(key), dict):
            node[key] = {}
        node = node[key]
    node[last] = too_long(reach)
    return obj


ASN_SCOPES = {
    shipment_bounds.HEADER: [],
    shipment_bounds.UNIT: ["shippingUnits", 0],
    shipment_bounds.ITEM: ["shippingUnits", 0, "items", 0],
}


def _json_named(text: str, reach) -> bool:
    return reach.path.rsplit(".", 1)[-1] in text and "characters long" in text and "Shorten it" in text


@pytest.mark.parametrize("reach", [r for r in shipment_bounds.REACHED if r.flow == shipment_bounds.ASN], ids=ids)
def test_an_asn_with_a_value_too_long_fails_by_name(network, asn_integration, reach):
    body = lengthened_json(ASN_EXAMPLE, reach, scope_path=ASN_SCOPES)
    sandbox_services.enqueue(network["asn"], "ASN", json.dumps(body), content_type="application/json")
    inbox.sync(asn_integration.pk)
    row = InboxMessage.objects.get(integration=asn_integration)
    assert row.status == InboxMessage.Status.FAILED and _json_named(row.error, reach), row.error
    clean(row.error)
    assert not Shipment.objects.exists()


@pytest.mark.parametrize("reach", [r for r in shipment_bounds.REACHED if r.flow == shipment_bounds.SHIPHERO], ids=ids)
def test_a_shiphero_call_with_a_value_too_long_is_refused_by_name(client, shiphero_endpoint, reach):
    payload = party.shiphero_payload(kind="freight", order_id="123", line_items=[])
    body = lengthened_json(payload, reach, scope_path={shipment_bounds.HEADER: []})
    response = post_shiphero(client, shiphero_endpoint, body)
    assert response.status_code == 400 and _json_named(response.json()["message"], reach), response.content
    clean(response.content.decode())
    hook = ShipHeroWebhook.objects.get()
    assert hook.state == "invalid" and hook.shiphero_order_id == "" and hook.inbox.status == "failed"


def test_a_shiphero_message_id_too_long_is_refused_by_name(client, shiphero_endpoint):
    payload = party.shiphero_payload(kind="courier", order_id="123", line_items=[])
    response = post_shiphero(client, shiphero_endpoint, payload, message_id="m" * 201)
    assert response.status_code == 400 and "X-Shiphero-Message-ID" in response.json()["message"]


# -- the mappings' CSV import --------------------------------------------------------------------------
def csv_columns():
    from mappings import csv_io
    from mappings.models import CompanyMapping, UserMapping

    for model, columns, load in (
        (CompanyMapping, csv_io.COMPANY_COLUMNS, csv_io.import_companies),
        (UserMapping, csv_io.USER_COLUMNS, csv_io.import_users),
    ):
        for column in columns:
            field = next((f for f in model._meta.get_fields() if f.name == column), None)
            if isinstance(field, models.CharField) and not field.choices:
                yield pytest.param(model, columns, load, column, id=f"{model.__name__}.{column}")


@pytest.mark.parametrize("model,columns,load,column", list(csv_columns()))
def test_a_csv_cell_too_long_for_its_column_is_refused_by_row_and_column(offline_buyer, model, columns, load, column):
    limit = model._meta.get_field(column).max_length
    row = {"identifier": "V-9", "company_name": "Acme", "username": ""} | {column: "Z" * (limit + 1)}
    data = (",".join(columns) + "\n" + ",".join(row.get(c, "") for c in columns) + "\n").encode()
    imported, errors = load(offline_buyer, data)
    assert imported == 0 and any(e.row == 2 and e.message.startswith(f"{column}: ") for e in errors), errors
    assert "characters long" in str(errors[0])
    assert not model.objects.filter(identifier="V-9").exists()
    assert not model.objects.filter(identifier="Z" * (limit + 1)).exists()


def test_a_confirmed_value_the_engine_derives_past_the_column_fails_the_message_by_name(purchaser):
    """A confirmed quantity at the ordered price: each fits, the confirmed line's value does not."""

    from jakamo import ubl
    from jakamo.ubl_build import build_order_document
    from orders.purchase import services as purchase_services
    from sandbox.services import response_from_order
    from tests.helpers import buyer_integration

    integration = buyer_integration(purchaser)
    document = demo.sample_order(
        "V-1", lines=1, quantity=Decimal(1), price=Decimal("100000000000"), base_quantity=Decimal(1)
    )
    order = purchase_services.purchase_order_create(integration=integration, document=document, user=purchaser)
    response = response_from_order(purchase_services.order_document(order), status=ubl.CONFIRMED_WITH_CHANGES)
    response.lines[0].quantity = ubl.Quantity(Decimal("999999999999"), "PCE")
    response.lines[0].price = None
    body = build_order_document(response)
    row = acknowledged_message(integration, body, confirm_url="")
    inbox.process(row)
    row.refresh_from_db()
    assert row.status == "failed" and "The line's value" in row.error and "too large" in row.error, row.error
    clean(row.error)
    assert not Confirmation.objects.exists()


def test_an_error_of_the_portals_own_is_a_sentence_not_its_exception_text(purchaser, monkeypatch):
    """Whatever slips past the checks: the log gets the exception, the message a sentence."""
    from exchange import handlers
    from tests.helpers import order_with_confirmation

    def broken(inbox_row, identified):
        raise ValueError("invalid literal for int() with base 10: 'x'")

    order, _confirmation = order_with_confirmation("E-1", purchaser)
    monkeypatch.setattr(handlers, "HANDLERS", {**handlers.HANDLERS, ("OrderResponse", "purchase_order"): broken})
    row = InboxMessage.objects.get()
    row.status, row.document_type = "acknowledged", ""
    row.save()
    Confirmation.objects.all().delete()
    inbox.process(row)
    row.refresh_from_db()
    assert row.status == "failed" and "error of its own" in row.error and "invalid literal" not in row.error


@pytest.mark.parametrize(
    "path,under_line", [("LineItem/Quantity", "OrderLine"), ("LineItem/Delivery/Quantity", "OrderLine")]
)
def test_a_quantity_with_more_decimals_than_kept_is_refused_not_rounded_away(client, offline_buyer, path, under_line):
    """PostgreSQL would keep 100.0000 of 100.00001 and Jakamo get 100.00001: two numbers for one."""
    token = erp_client_create(name="ERP", integration=offline_buyer)[1]
    xml = put_text(order_xml("D-1"), path, "100.00001", under=under_line)
    response = client.post(
        "/orders/erp/orders/", xml, content_type="application/xml", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 400
    assert any("has 5 decimals; the portal keeps 4" in p["message"] for p in response.json()["problems"])
    assert not PurchaseOrder.objects.exists()


def test_trailing_zeros_are_no_decimals(client, offline_buyer):
    token = erp_client_create(name="ERP", integration=offline_buyer)[1]
    xml = put_text(order_xml("D-2"), "LineItem/Quantity", "100.000000", under="OrderLine")
    xml = put_text(xml, "LineItem/Delivery/Quantity", "100.000000", under="OrderLine")
    response = client.post(
        "/orders/erp/orders/", xml, content_type="application/xml", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 201, response.json()
