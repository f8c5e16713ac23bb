"""Receiving from a notice that says more than is still open, a batch already received in full,
and a short receipt whose missing quantity stays outstanding where a purchaser looks."""

import re
from decimal import Decimal

from django.urls import reverse

from orders.models import DeliveryBatch
from orders.purchase import services as order_services
from sandbox import party
from sandbox.models import Order as JakamoOrder
from shipments import incoming
from tests.helpers import placed_and_confirmed


def dispatched(asn_integration, number, shipment_number, quantities):
    asn = party.supplier_dispatch_asn(
        JakamoOrder.objects.get(order_number=number), quantities=quantities, shipment_number=shipment_number
    )
    return incoming.shipment_record(integration=asn_integration, asn=asn)


def flat(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_form_offers_at_most_what_is_open_and_says_the_difference(
    client, network, buyer, purchaser, asn_integration
):
    order = placed_and_confirmed(buyer, purchaser)
    order_services.goods_receive(order=order, user=purchaser, quantities={("1", "PO-1-1-1"): Decimal(50)})
    # The notice still says 80 on line 1, where only 50 are open.
    shipment = dispatched(asn_integration, "PO-1", "SH-80", {"1": Decimal(80), "2": Decimal(0)})
    client.force_login(purchaser)
    page = client.get(shipment.get_absolute_url()).content.decode()
    batch = DeliveryBatch.objects.get(line__order=order, line__line_id="1")
    assert re.search(rf'name="batch_{batch.pk}"[^>]*value="50"', page)
    row = flat(re.search(rf'<tr id="plan-{batch.pk}">.*?</tr>', page, re.S).group(0))
    assert "The notice says 80; the batch expects only 50 more: 30 beyond the order." in row
    # What the form offers is taken as it is.
    response = client.post(
        reverse("shipments:receive", args=[shipment.pk]),
        {f"batch_{batch.pk}": "50", "received_date": "2026-11-20"},
        follow=True,
    )
    assert "Received." in response.content.decode()
    batch.refresh_from_db()
    assert batch.received_quantity == 100


def test_a_batch_received_in_full_offers_no_input(client, network, buyer, purchaser, asn_integration):
    order = placed_and_confirmed(buyer, purchaser)
    shipment = dispatched(asn_integration, "PO-1", "SH-2", None)
    order_services.goods_receive(order=order, user=purchaser, quantities={("2", "PO-1-2-1"): Decimal(100)})
    client.force_login(purchaser)
    page = client.get(shipment.get_absolute_url()).content.decode()
    full = DeliveryBatch.objects.get(line__order=order, line__line_id="2")
    open_batch = DeliveryBatch.objects.get(line__order=order, line__line_id="1")
    assert f'name="batch_{full.pk}"' not in page and f'name="batch_{open_batch.pk}"' in page
    assert "received in full" in flat(re.search(rf'<tr id="plan-{full.pk}">.*?</tr>', page, re.S).group(0))


def test_a_short_receipt_leaves_the_missing_quantity_outstanding_on_the_shipment_and_the_order(
    client, network, buyer, purchaser, asn_integration
):
    order = placed_and_confirmed(buyer, purchaser)
    shipment = dispatched(asn_integration, "PO-1", "SH-40", {"1": Decimal(40), "2": Decimal(0)})
    batch = DeliveryBatch.objects.get(line__order=order, line__line_id="1")
    incoming.shipment_receive(shipment=shipment, user=purchaser, quantities={batch.pk: Decimal(38)})
    client.force_login(purchaser)

    page = client.get(shipment.get_absolute_url()).content.decode()
    against = flat(re.search(r'id="against-notice".*?</table>', page, re.S).group(0))
    assert "PO-1 1 HEX HEAD SCREW M11x80mm 40 38 2" in against
    assert 'id="outstanding-note"' in page

    page = client.get(order.get_absolute_url()).content.decode()
    shortfalls = flat(re.search(r'id="shortfalls".*?</section>', page, re.S).group(0))
    assert "Shipment SH-40, order PO-1 line 1: 40 in the notice, 38 received, 2 outstanding." in shortfalls
    row = re.search(r"<td>PO-1-1-1</td>.*?</tr>", page, re.S).group(0)
    assert '<td class="num still">62</td>' in row
    timeline = flat(re.search(r'id="timeline".*?</table>', page, re.S).group(0))
    assert "Shipment SH-40 dispatched (advance shipping notice)" in timeline
    assert "line 1, batch PO-1-1-1: 38 from shipment SH-40" in timeline


def test_a_shipment_not_yet_received_shows_nothing_outstanding(client, network, buyer, purchaser, asn_integration):
    order = placed_and_confirmed(buyer, purchaser)
    dispatched(asn_integration, "PO-1", "SH-9", {"1": Decimal(40), "2": Decimal(0)})
    client.force_login(purchaser)
    page = client.get(order.get_absolute_url()).content.decode()
    assert 'id="shortfalls"' not in page and "Shipment SH-9 dispatched" in page
