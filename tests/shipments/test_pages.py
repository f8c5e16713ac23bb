"""The shipment pages: expected deliveries, one shipment with its units and items, linking by hand
and receiving from the page; who may do what."""

import json
import re
from copy import deepcopy

import pytest
from django.urls import reverse

from exchange.models import OutboxMessage
from jakamo import asn as jasn
from mappings.models import Integration
from orders.purchase import services as order_services
from sandbox import demo
from shipments import incoming
from shipments.models import ShipmentStatus
from tests.reference import ASN_EXAMPLE


@pytest.fixture
def shipment(db, purchaser):
    po = Integration.objects.create(name="PO", kind="purchase_order")
    asn_integration = Integration.objects.create(name="ASN", kind="asn")
    order_services.purchase_order_create(
        integration=po, document=demo.sample_order("ASN1234", vendor_id="testsupplier", lines=2), user=purchaser
    )
    body = deepcopy(ASN_EXAMPLE)
    body["dispatchCompanyName"] = "<script>alert(1)</script> Imports"
    return incoming.shipment_record(integration=asn_integration, asn=jasn.parse_asn(json.dumps(body)))


def test_expected_deliveries_list_the_shipment_with_its_orders_and_unlinked_count(client, purchaser, shipment):
    client.force_login(purchaser)
    page = client.get(reverse("shipments:list"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "ASNTEST2000" in text and "1 not linked" in text
    assert 'ASN1234 / 2 ×30 <span class="muted">of 100 ordered</span>' in text
    assert 'ASN1234 / 3 ×50 <span class="badge warn">no such line</span>' in text
    assert client.get(reverse("shipments:list"), {"status": "received"}).content.decode().count("ASNTEST2000") == 0
    assert "ASNTEST2000" in client.get(reverse("shipments:list"), {"q": "ASN1234"}).content.decode()
    assert "ASNTEST2000" in client.get(reverse("shipments:list"), {"unmatched": "on"}).content.decode()


def test_the_shipment_page_shows_units_items_and_escapes_what_the_supplier_wrote(client, purchaser, shipment):
    client.force_login(purchaser)
    text = client.get(shipment.get_absolute_url()).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Imports" in text and "<script>alert(1)" not in text
    assert "Pallet 1111" in text and "100 kg" in text and "2 × 3 × 4 m" in text and "⌀ 5 m" in text
    assert "Purchase order ASN1234 has no line 3." in text and "33333" in text and "2022-12-14" in text
    # The receive form is pre-filled from the notice: 10 on line 1, 30 on line 2.
    values = dict(re.findall(r'name="(batch_\d+)"[^>]*value="([^"]+)"', text))
    assert sorted(values.values()) == ["10", "30"]


def test_linking_and_receiving_from_the_page(client, purchaser, shipment):
    client.force_login(purchaser)
    item = shipment.items.get(line_number="3")
    response = client.post(
        reverse("shipments:item_link", args=[shipment.pk]), {"item": item.pk, "order_number": "ASN1234", "line_id": "2"}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.order_line.line_id == "2"
    plan = incoming.receiving_plan(shipment)
    data = {row.key: str(row.proposed) for row in plan} | {"received_date": "2026-11-20", "note": "one box wet"}
    assert sorted(row.proposed for row in plan) == [10, 80]  # 30 + 50 on line 2
    page = client.post(reverse("shipments:receive", args=[shipment.pk]), data, follow=True)
    assert "Received. The Received status for order ASN1234 is on its way to Jakamo." in page.content.decode()
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.RECEIVED
    assert OutboxMessage.objects.filter(document_type="StatusMessage Received", document_key="ASN1234").count() == 1
    assert shipment.receipts.get().note == "one box wet"
    again = client.post(reverse("shipments:receive", args=[shipment.pk]), data, follow=True)
    assert "already received" in again.content.decode()


def test_an_over_receipt_from_the_page_is_refused_and_nothing_is_recorded(client, purchaser, shipment):
    client.force_login(purchaser)
    plan = incoming.receiving_plan(shipment)
    data = {row.key: "1000" for row in plan} | {"received_date": "2026-11-20"}
    page = client.post(reverse("shipments:receive", args=[shipment.pk]), data, follow=True)
    assert "is more than the 100 still to receive" in page.content.decode()
    assert not OutboxMessage.objects.filter(document_type__startswith="StatusMessage").exists()


def test_who_may_see_link_and_receive(client, shipment, seller, support, nobody, integration_admin):
    receive_url = reverse("shipments:receive", args=[shipment.pk])
    for user, can_see in ((seller, True), (support, True), (nobody, False), (integration_admin, False)):
        client.force_login(user)
        assert client.get(shipment.get_absolute_url()).status_code == (200 if can_see else 403), user
        assert client.post(receive_url, {"received_date": "2026-11-20"}).status_code == 403, user
        assert client.get(reverse("shipments:webhook_list")).status_code == (200 if can_see else 403), user
    client.logout()
    assert client.get(shipment.get_absolute_url()).status_code == 302


def test_the_shiphero_integration_page_gives_the_endpoint_url(client, integration_admin):
    hook = Integration.objects.create(name="ShipHero", kind="shiphero", webhook_secret="x" * 12, shop_name="*")
    client.force_login(integration_admin)
    text = client.get(hook.get_absolute_url()).content.decode()
    assert f"http://testserver/hooks/shiphero/{hook.pk}/" in text
