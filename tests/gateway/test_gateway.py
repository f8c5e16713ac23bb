"""The ERP gateway: the same connector, unchanged, against the sandbox (as Jakamo) and against the
portal's gateway must give the same results; the gateway adds the portal's review in between."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import requests
from django.urls import reverse

from common.jakamo_face import read_authorization
from exchange import inbox
from exchange.models import OutboxMessage
from gateway import services as gateway_services
from gateway.models import GatewayClient, GatewayMessage, GatewayRequest, Passes
from jakamo.ubl_build import build_order_document
from orders.models import Confirmation, OrderStatus, PurchaseOrder
from sandbox import demo, party
from sandbox.models import Order as JakamoOrder
from sandbox.models import OrderStatus as JakamoStatus
from tests.gateway.erp_connector import ErpConnector, status_message
from tests.helpers import map_supplier, send_all


def gateway_connector(live_server, buyer, **options) -> tuple[ErpConnector, GatewayClient]:
    client, secret = gateway_services.client_create(name=options.pop("name", "ERP"), integration=buyer, **options)
    return ErpConnector(f"{live_server.url}/gateway/jakamo", client.username, secret), client


def scenario(connector: ErpConnector, pump, number: str) -> list:
    """What an ERP does on a normal day, recorded with the order number replaced by N."""
    order_xml = build_order_document(demo.sample_order(number))
    seen = [
        ("post", connector.post_order(order_xml)),
        ("post again", connector.post_order(order_xml)),
        (
            "unknown vendor",
            connector.post_order(build_order_document(demo.sample_order(number + "X", vendor_id="V-999"))),
        ),
        ("broken XML", connector.post_order(b"<Order><ID>1</Order")),
        ("wrong root", connector.post_order(status_message(number, "Received", ["1"]))),
        ("received unknown", connector.put_status("NOPE-1", status_message("NOPE-1", "Received", ["1"]))),
    ]
    pump()
    party.supplier_confirm(JakamoOrder.objects.get(order_number=number))
    pump()
    seen.append(
        (
            "drain",
            [(r.document_type, r.order_number.replace(number, "N"), bool(r.confirm_url)) for r in connector.drain()],
        )
    )
    seen.append(("drain again", connector.drain()))
    seen.append(("received", connector.put_status(number, status_message(number, "Received", ["1", "2"]))))
    pump()
    seen.append(("Jakamo shows", JakamoOrder.objects.get(order_number=number).status))
    return seen


def test_the_same_connector_gives_the_same_results_against_the_sandbox_and_the_gateway(network, live_server, buyer):
    jakamo = ErpConnector(f"{live_server.url}/sandbox/jakamo", demo.PO.username, demo.PO.password)
    direct = scenario(jakamo, lambda: None, "ERP-1")

    portal, client = gateway_connector(live_server, buyer)

    def pump():  # what the portal's task cluster does every minute
        send_all()
        inbox.sync(buyer.pk)
        send_all()

    through_portal = scenario(portal, pump, "ERP-2")
    assert through_portal == direct
    texts = {step: answer.text for step, answer in direct[:6]}
    assert texts == {
        "post": "<Info>Message is successfully posted</Info>",
        "post again": "An order with the provided order number already exists.",
        "unknown vendor": "No vendor mapping found",
        "broken XML": "An error has occurred.",
        "wrong root": "Either Order-, OrderChange- or Status-message is required to",
        "received unknown": "Cannot find order.",
    }
    assert [a.status for _, a in direct[:6]] == [200, 400, 400, 500, 400, 400]
    assert (
        dict(direct)["drain"] == [("OrderResponse", "N", True)]
        and dict(direct)["Jakamo shows"] == JakamoStatus.RECEIVED
    )
    # The portal has the order, its confirmation and receipts, and the client's history.
    order = PurchaseOrder.objects.get(order_number="ERP-2")
    assert order.status == OrderStatus.RECEIVED and order.confirmations.count() == 1
    assert not PurchaseOrder.objects.filter(order_number="ERP-2X").exists()
    logged = list(GatewayRequest.objects.filter(client=client).order_by("id").values_list("method", "status"))
    assert logged[:6] == [("POST", 200), ("POST", 400), ("POST", 400), ("POST", 500), ("POST", 400), ("PUT", 400)]


def test_with_decided_only_a_deviating_confirmation_waits_for_the_purchaser(network, live_server, buyer, purchaser):
    portal, _client = gateway_connector(live_server, buyer, passes=Passes.DECIDED)
    assert portal.post_order(build_order_document(demo.sample_order("ERP-D"))).status == 200
    send_all()
    later = date.today() + timedelta(days=60)
    party.supplier_confirm(
        JakamoOrder.objects.get(order_number="ERP-D"),
        {"1": party.LineChange(quantity=Decimal(80), promised_date=later)},
    )
    party.supplier_deliver(JakamoOrder.objects.get(order_number="ERP-D"), tracking_number="TRK-1")
    inbox.sync(buyer.pk)
    assert [(r.document_type, r.order_number) for r in portal.drain()] == [("StatusMessage", "ERP-D")]
    from orders.purchase import services as order_services

    order_services.confirmation_accept(
        confirmation=Confirmation.objects.get(order__order_number="ERP-D"), user=purchaser
    )
    assert [(r.document_type, r.order_number) for r in portal.drain()] == [("OrderResponse", "ERP-D")]


def test_with_everything_the_erp_accepts_through_the_confirm_url_and_the_portal_records_it(network, live_server, buyer):
    portal, _client = gateway_connector(live_server, buyer)
    portal.post_order(build_order_document(demo.sample_order("ERP-C")))
    send_all()
    party.supplier_confirm(JakamoOrder.objects.get(order_number="ERP-C"), {"2": party.LineChange(price=Decimal(13))})
    inbox.sync(buyer.pk)
    [received] = portal.drain()
    assert received.document_type == "OrderResponse" and received.confirm_url.startswith(live_server.url + "/gateway/")
    assert portal.confirm(received.confirm_url, note="ok from ERP").status == 200
    send_all()
    confirmation = Confirmation.objects.get(order__order_number="ERP-C")
    assert confirmation.decision == Confirmation.Decision.ACCEPTED
    assert confirmation.decisions.get().note == "ok from ERP"
    assert JakamoOrder.objects.get(order_number="ERP-C").status == JakamoStatus.CONFIRMED
    assert portal.confirm(received.confirm_url).status == 200  # accepting twice accepts once
    assert confirmation.decisions.count() == 1


def test_a_client_never_sees_another_clients_messages(network, live_server, buyer):
    first, one = gateway_connector(live_server, buyer, name="ERP one")
    second, two = gateway_connector(live_server, buyer, name="ERP two")
    first.post_order(build_order_document(demo.sample_order("ERP-I")))
    send_all()
    party.supplier_confirm(JakamoOrder.objects.get(order_number="ERP-I"))
    inbox.sync(buyer.pk)
    # Each has its own copy; reading and clearing one leaves the other.
    response = first.session.get(f"{first.base_url}/api/order/response")
    ack = response.headers["X-Acknowledge-Uri"]
    stolen = second.session.post(ack)
    assert stolen.status_code == 404 and "Message not found." in stolen.text
    assert [r.order_number for r in first.drain()] == ["ERP-I"]
    assert [r.order_number for r in second.drain()] == ["ERP-I"]
    assert GatewayMessage.objects.filter(client=one).count() == GatewayMessage.objects.filter(client=two).count() == 1
    # Reprocessing the same inbox message does not queue it twice.
    inbox.reprocess(GatewayMessage.objects.get(client=one).source)
    assert GatewayMessage.objects.filter(client=one).count() == 1


def test_bad_credentials_and_oauth2(network, live_server, buyer):
    connector, client = gateway_connector(live_server, buyer, auth_method="oauth2")
    # An OAuth2 client cannot use basic auth with its secret; wrong credentials get Jakamo's answer.
    denied = connector.post_order(b"<Order/>")
    assert (denied.status, denied.text) == (400, "Authentication failed.")
    secret = gateway_services.client_rotate_secret(client)
    token_url = f"{live_server.url}/gateway/jakamo/oauth2/token"
    bad = requests.post(
        token_url, data={"grant_type": "client_credentials", "client_id": client.username, "client_secret": "x"}
    )
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_client"
    token = requests.post(
        token_url, data={"grant_type": "client_credentials", "client_id": client.username, "client_secret": secret}
    ).json()
    assert token["token_type"] == "Bearer" and token["expires_in"] == 3600
    response = requests.get(
        f"{live_server.url}/gateway/jakamo/api/order/response",
        headers={"Authorization": f"Bearer {token['access_token']}"},
    )
    assert response.status_code == 200 and "No more messages available" in response.text
    client.active = False
    client.save()
    response = requests.get(
        f"{live_server.url}/gateway/jakamo/api/order/response",
        headers={"Authorization": f"Bearer {token['access_token']}"},
    )
    assert response.status_code == 400 and "Authentication failed." in response.text


def test_the_admin_page_shows_credentials_once_depth_and_history(client, integration_admin, purchaser, db):
    from mappings.models import Integration

    po = Integration.objects.create(name="PO", kind="purchase_order")
    client.force_login(integration_admin)
    page = client.post(
        reverse("gateway:client_new"),
        {"name": "SAP", "integration": po.pk, "auth_method": "basic", "passes": "decided"},
    )
    text = page.content.decode()
    erp = GatewayClient.objects.get(name="SAP")
    assert erp.username in text and "http://testserver/gateway/jakamo" in text
    secret = text.split('<code id="secret">')[1].split("<")[0]
    assert (
        gateway_services.authenticate(
            read_authorization("Basic " + __import__("base64").b64encode(f"{erp.username}:{secret}".encode()).decode())
        )
        == erp
    )
    assert erp.secret_hash != secret and secret not in client.get(erp.get_absolute_url()).content.decode()
    GatewayMessage.objects.create(
        client=erp, document_type="StatusMessage", document_key="PO-9", body=b"<x/>", ack_token="t1"
    )
    detail = client.get(erp.get_absolute_url()).content.decode()
    assert "1 unread, oldest from" in detail and "PO-9" in detail
    client.force_login(purchaser)
    assert client.get(reverse("gateway:client_list")).status_code == 403


def test_an_oauth2_clients_pages_show_the_token_url_and_a_basic_clients_do_not(client, integration_admin, db):
    from mappings.models import Integration

    po = Integration.objects.create(name="PO", kind="purchase_order")
    client.force_login(integration_admin)
    token_url = "http://testserver" + reverse("gateway_api:token")
    pages = {}
    for name, auth_method in (("SAP", "oauth2"), ("Navision", "basic")):
        created = client.post(
            reverse("gateway:client_new"),
            {"name": name, "integration": po.pk, "auth_method": auth_method, "passes": "everything"},
        ).content.decode()
        detail = client.get(GatewayClient.objects.get(name=name).get_absolute_url()).content.decode()
        pages[auth_method] = (created, detail)
    assert all(token_url in page for page in pages["oauth2"]) and "Client secret" in pages["oauth2"][0]
    assert not any(token_url in page for page in pages["basic"]) and "Password" in pages["basic"][0]


def sales_erp_with_an_order(network, live_server, so_integration, seller) -> ErpConnector:
    """An SO client's ERP connector, and customer order C-77 (one line of 5) in its queue."""
    map_supplier(so_integration, seller)
    client, secret = gateway_services.client_create(name="ERP sales", integration=so_integration)
    party.customer_place_order(
        network["so"],
        customer_company="Customer Company AB",
        order_number="C-77",
        lines=[party.CustomerLine("Bearing", Decimal(5), Decimal(4), date.today() + timedelta(days=9))],
    )
    inbox.sync(so_integration.pk)
    return ErpConnector(f"{live_server.url}/gateway/jakamo", client.username, secret)


def test_sales_and_asn_clients_read_their_queues_and_answer_like_jakamo(
    network, live_server, so_integration, asn_integration, seller, buyer, purchaser
):
    from orders.models import SalesOrder, SalesStatus
    from orders.purchase.services import purchase_order_create

    erp = sales_erp_with_an_order(network, live_server, so_integration, seller)
    [order] = erp.drain()
    assert (order.document_type, order.order_number) == ("Order", "C-77") and order.confirm_url
    assert erp.confirm(order.confirm_url).status == 200
    send_all()
    assert SalesOrder.objects.get(order_number="C-77").status == SalesStatus.CONFIRMED
    delivered = (
        b"<StatusMessage><OrderID>C-77</OrderID><Status>Delivered</Status><RealDeliveryDate>2026-11-20</RealDeliveryDate>"
        b"<TrackingNumber>TRK-77</TrackingNumber><OrderLine><OrderLineID>1</OrderLineID></OrderLine></StatusMessage>"
    )
    assert erp.put_status("C-77", delivered).status == 200
    send_all()
    assert JakamoOrder.objects.get(order_number="C-77").state["1"]["delivered"] is True
    refused = erp.session.post(f"{erp.base_url}/api/orderresponse", data=b"<OrderResponse><ID>R</ID></OrderResponse>")
    assert refused.status_code == 400 and "<error>Incorrect order response</error>" in refused.text

    # ASN: the supplier dispatches; the ASN client reads the JSON with an acknowledge URI.
    purchase_order_create(integration=buyer, document=demo.sample_order("PO-ASN"), user=purchaser)
    send_all()
    party.supplier_dispatch_asn(JakamoOrder.objects.get(order_number="PO-ASN"), shipment_number="SH-G")
    inbox.sync(asn_integration.pk)
    asn_client, asn_secret = gateway_services.client_create(name="ERP asn", integration=asn_integration)
    session = requests.Session()
    session.auth = (asn_client.username, asn_secret)
    assert session.get(f"{live_server.url}/gateway/jakamo/api/asn").json() == {"message": "No more messages available"}
    inbox.reprocess(inbox.InboxMessage.objects.get(integration=asn_integration))  # published on processing
    first = session.get(f"{live_server.url}/gateway/jakamo/api/asn")
    assert first.json()["shipmentNumber"] == "SH-G" and first.headers["Content-Type"].startswith("application/json")
    assert session.post(first.headers["X-Acknowledge-Uri"]).status_code == 200
    assert session.get(f"{live_server.url}/gateway/jakamo/api/asn").json() == {"message": "No more messages available"}


def _erp_answer(order, status="Confirmed", **line_values):
    """An OrderResponse an SO client's ERP builds for ``order``: each line as requested and
    Confirmed, with ``line_values`` (quantity, batch, price, batches: [(id, quantity)]) and
    ``status`` put on line 1."""
    from jakamo import ubl
    from jakamo.ubl_parse import parse_order_document

    requested = parse_order_document(order.document_xml)
    lines = []
    for line in requested.lines:
        deliveries = [
            ubl.Delivery(id=d.id, quantity=d.quantity, promised_end_date=d.requested_end_date) for d in line.deliveries
        ]
        lines.append(
            ubl.OrderLine(line.id, line.quantity, line_status_code="Confirmed", deliveries=deliveries, price=line.price)
        )
    first = lines[0]
    first.line_status_code = status
    unit = first.quantity.unit_code
    if "quantity" in line_values:
        first.quantity = ubl.Quantity(line_values["quantity"], unit)
    if "batch" in line_values:
        first.deliveries[0].quantity = ubl.Quantity(line_values["batch"], unit)
    if "batches" in line_values:
        when = first.deliveries[0].promised_end_date
        first.deliveries = [
            ubl.Delivery(id=batch_id, quantity=ubl.Quantity(qty, unit), promised_end_date=when)
            for batch_id, qty in line_values["batches"]
        ]
    if "price" in line_values:
        first.price = ubl.Price(ubl.Amount(line_values["price"], "EUR"))
    return build_order_document(
        ubl.OrderDocument(
            kind=ubl.ORDER_RESPONSE,
            id="R-1",
            issue_date=date.today(),
            order_reference_id=order.order_number,
            seller_supplier_party=ubl.SupplierParty(ubl.Party([]), seller_contact=ubl.Contact(id="sam")),
            buyer_customer_party=ubl.CustomerParty(ubl.Party([ubl.Identifier("C-100")])),
            lines=lines,
        )
    )


CHANGED = "Confirmed with changes"
# What an ERP sends on line 1 of C-77 (one line of 5, batch C-77-1-1, on an integration allowing
# neither Draft nor new batches), and the portal's detail after Jakamo's "Incorrect order response".
ERP_ANSWERS = {
    "negative quantity": (
        {"status": CHANGED, "quantity": Decimal(-5), "batch": Decimal(-5)},
        ["Line 1: a negative quantity (-5).", "Line 1, batch C-77-1-1: a negative quantity (-5)."],
    ),
    "negative price": ({"status": CHANGED, "price": Decimal(-4)}, ["Line 1: a negative price (-4)."]),
    "batches not adding up": (
        {"status": CHANGED, "batch": Decimal(3)},
        ["Line 1: the batches add up to 3, the line is 5."],
    ),
    # The gateway forwarded each of these to Jakamo (issue #24).
    "Draft where Draft is off": (
        {"status": "Draft"},
        ["Line 1: this integration does not allow Draft lines; confirm the line or leave it open."],
    ),
    "a new batch where new batches are off": (
        {"status": CHANGED, "batches": [("C-77-1-1", Decimal(3)), ("C-77-1-1.1", Decimal(2))]},
        [
            "Line 1, batch C-77-1-1.1: this integration does not allow new delivery batches; confirm the "
            "customer's batches (C-77-1-1) only."
        ],
    ),
    "an unknown batch id": (
        {"status": CHANGED, "batches": [("X-9", Decimal(5))]},
        [
            "Line 1, batch X-9: the customer's order has no such batch (its batches: C-77-1-1); a new batch is "
            "numbered after the one it splits, as C-77-1-1.1.",
            "Line 1, batch C-77-1-1: the customer's batch is missing from the answer; every batch the customer "
            "asked for stays, under its own id (leave the line open or cancel it instead).",
        ],
    ),
    "a supplier-sent Received": (
        {"status": "Received"},
        [
            "Line 1: “Received” is the customer's to set; a supplier sends Open, Draft, Confirmed, Confirmed "
            "with changes or Cancelled."
        ],
    ),
    "a changed line said Confirmed": (
        {"quantity": Decimal(4), "batch": Decimal(4)},
        [
            "Line 1 differs from what the customer asked (Quantity 5 → 4, Quantity of batch C-77-1-1 5 → 4) "
            "but says Confirmed; a line we change is “Confirmed with changes”."
        ],
    ),
}


@pytest.mark.parametrize("case", ERP_ANSWERS, ids=ERP_ANSWERS)
def test_an_erps_order_response_that_our_own_form_would_refuse_is_refused(
    network, live_server, so_integration, seller, case
):
    # Nothing reached Jakamo; sent on, a negative quantity failed at the customer's end instead.
    from orders.models import SalesOrder, SalesStatus

    erp = sales_erp_with_an_order(network, live_server, so_integration, seller)
    order = SalesOrder.objects.get()
    values, reasons = ERP_ANSWERS[case]
    response = erp.session.post(f"{erp.base_url}/api/orderresponse", data=_erp_answer(order, **values))
    assert response.status_code == 400
    details = "".join(f"<error>{reason}</error>" for reason in reasons)
    assert response.text == f"<Errors><error>Incorrect order response</error>{details}</Errors>"
    assert not OutboxMessage.objects.filter(document_type="OrderResponse").exists()
    order.refresh_from_db()
    assert order.status == SalesStatus.WAITING_US
    good = erp.session.post(f"{erp.base_url}/api/orderresponse", data=_erp_answer(order))
    assert good.status_code == 200 and OutboxMessage.objects.filter(document_type="OrderResponse").count() == 1


def test_an_erps_changed_line_goes_out_as_confirmed_with_changes_and_the_rows_follow(
    network, live_server, so_integration, seller
):
    from orders.models import SalesOrder, SalesStatus

    erp = sales_erp_with_an_order(network, live_server, so_integration, seller)
    order = SalesOrder.objects.get()
    answer = _erp_answer(order, status=CHANGED, quantity=Decimal(4), batch=Decimal(4))
    assert erp.session.post(f"{erp.base_url}/api/orderresponse", data=answer).status_code == 200
    send_all()
    assert OutboxMessage.objects.get(document_type="OrderResponse").status == "sent"
    order.refresh_from_db()
    line = order.lines.get()
    assert order.status == SalesStatus.WAITING_CUSTOMER
    assert (line.status, line.confirmed_quantity, line.batches.get().confirmed_quantity) == (CHANGED, 4, 4)
    assert JakamoOrder.objects.get(order_number="C-77").status == JakamoStatus.WAITING_CUSTOMER


def test_a_delivered_order_is_closed_to_an_erps_rejection(network, live_server, so_integration, seller):
    from orders.models import SalesOrder, SalesStatus
    from orders.sales import services as sales

    erp = sales_erp_with_an_order(network, live_server, so_integration, seller)
    order = SalesOrder.objects.get()
    sales.sales_confirm_as_requested(order=order, user=seller)
    sales.sales_deliver(order=order, user=seller)
    response = erp.session.post(f"{erp.base_url}/api/orderresponse", data=_erp_answer(order, status="Cancelled"))
    assert response.status_code == 400
    assert response.text == (
        "<Errors><error>Order is already received or cancelled</error><error>Order C-77 is delivered; it is "
        "closed in Jakamo and takes no more answers or deliveries.</error></Errors>"
    )
    assert not OutboxMessage.objects.filter(document_type="OrderResponse").exists()
    order.refresh_from_db()
    assert order.status == SalesStatus.DELIVERED


def test_an_erps_delivered_for_an_order_not_yet_confirmed_says_why(network, live_server, so_integration, seller):
    from orders.models import SalesOrder, SalesStatus

    erp = sales_erp_with_an_order(network, live_server, so_integration, seller)
    delivered = b"<StatusMessage><OrderID>C-77</OrderID><Status>Delivered</Status></StatusMessage>"
    response = erp.session.put(f"{erp.base_url}/api/order/C-77", data=delivered)
    assert response.status_code == 400
    assert response.text == (
        "<Errors><error>Incorrect order response</error><error>Order C-77 is waiting for our confirmation; only "
        "a confirmed order can be delivered as a whole. Confirm it first, or report single lines or batches "
        "delivered.</error></Errors>"
    )
    assert not OutboxMessage.objects.filter(document_type="StatusMessage Delivered").exists()
    assert SalesOrder.objects.get().status == SalesStatus.WAITING_US


def test_an_erp_confirming_without_emphasis_keeps_jakamos_earlier_value(network, live_server, buyer):
    portal, _client = gateway_connector(live_server, buyer)
    portal.post_order(build_order_document(demo.sample_order("ERP-E")))
    send_all()
    jakamo = JakamoOrder.objects.get(order_number="ERP-E")
    jakamo.emphasize_original = True  # said on an earlier acceptance
    jakamo.save()
    party.supplier_confirm(jakamo, {"2": party.LineChange(price=Decimal(13))})
    inbox.sync(buyer.pk)
    [received] = portal.drain()
    assert portal.confirm(received.confirm_url).status == 200  # no EmphasizeOriginalAgreedDetails
    send_all()
    jakamo.refresh_from_db()
    assert jakamo.status == JakamoStatus.CONFIRMED and jakamo.emphasize_original


def test_the_2018_revision_put_with_an_order_change_is_taken_as_the_sandbox_takes_it(network, live_server, buyer):
    """The 2018 document: "Use HTTP PUT …/api/order/[order id]… Change Order root element to OrderChange"."""
    portal, _client = gateway_connector(live_server, buyer)
    portal.post_order(build_order_document(demo.sample_order("ERP-R")))
    send_all()
    change = demo.sample_order("ERP-R", quantity=Decimal(80))
    change.kind = "OrderChange"
    answer = portal.put_status("ERP-R", build_order_document(change))
    assert answer.status == 200, answer
    send_all()
    assert OutboxMessage.objects.filter(document_key="ERP-R", document_type="OrderChange", status="sent").exists()
    assert PurchaseOrder.objects.get(order_number="ERP-R").lines.get(line_id="1").quantity == 80


def test_the_gateway_names_every_problem_of_an_order_at_once(live_server, offline_buyer):
    """A date the reader cannot read does not hide a missing vendor id."""
    from tests.helpers import order_xml, put_text

    portal, _client = gateway_connector(live_server, offline_buyer)
    xml = put_text(order_xml("ERP-P"), "IssueDate", "someday")
    xml = put_text(xml, "SellerSupplierParty/Party/PartyIdentification/ID", "")
    response = requests.post(f"{portal.base_url}/api/order", data=xml, auth=portal.session.auth, timeout=10)
    assert response.status_code == 400
    assert "'someday' is not a date" in response.text and "the vendor id is missing" in response.text
