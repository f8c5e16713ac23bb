"""Incoming shipments (Jakamo ASN API): drained through the exchange engine, items linked to order
lines, received against the shipment; end to end with the sandbox over HTTP."""

import json
from copy import deepcopy
from decimal import Decimal

import pytest

from exchange import inbox
from exchange.models import InboxMessage, OutboxMessage
from jakamo import asn as jasn
from orders.models import OrderStatus
from orders.purchase import services as order_services
from sandbox import demo, party
from sandbox.models import Order as JakamoOrder
from sandbox.models import OrderStatus as JakamoStatus
from shipments import incoming
from shipments.models import Shipment, ShipmentItem, ShipmentStatus
from tests.helpers import placed_and_confirmed, send_all
from tests.reference import ASN_EXAMPLE


def test_the_asn_example_is_stored_with_every_field_and_unknown_orders_are_flagged(
    db, asn_integration, purchaser, po_integration
):
    body = deepcopy(ASN_EXAMPLE)
    body["carrierReference"] = "CR-9"  # a field Jakamo might add one day
    body["shippingUnits"][0]["items"][0]["colour"] = "red"
    # Order ASN1234 exists with lines 1 and 2 only: line 3 of the notice matches nothing.
    order_services.purchase_order_create(
        integration=po_integration, document=demo.sample_order("ASN1234", vendor_id="testsupplier"), user=purchaser
    )
    shipment = incoming.shipment_record(integration=asn_integration, asn=jasn.parse_asn(json.dumps(body)))

    assert shipment.shipment_number == "ASNTEST2000" and shipment.asn_id == "87"
    assert shipment.asn_status == "DISPATCHED" and shipment.status == ShipmentStatus.EXPECTED
    assert shipment.dispatch_address["city"] == "Tampere" and shipment.dispatch_address["postal_zone"] == "44500"
    assert shipment.dispatch_contact_name == "James Testperson"
    assert (shipment.buyer_company_id, shipment.supplier_company_id) == ("clientcompany", "testsupplier")
    assert shipment.dispatched_at.isoformat() == "2022-12-14T11:24:00+00:00"
    assert shipment.extra == {"carrierReference": "CR-9"}
    units = list(shipment.units.all())
    assert [(u.number, u.type, u.mass, u.mass_unit, u.length_unit) for u in units] == [
        ("1111", "Pallet", 100, "kg", "m"),
        ("2222", "Pallet", 3, "kg", "m"),
    ]
    assert (units[1].length, units[1].width, units[1].height, units[1].diameter) == (4, 5, 6, 7)
    items = {i.line_number: i for i in ShipmentItem.objects.filter(shipment=shipment)}
    assert items["2"].quantity == 30 and items["2"].manufacturing_batch == "33333"
    assert items["2"].expiration_date.isoformat() == "2022-12-14" and items["2"].extra == {"colour": "red"}
    assert items["1"].order_line.line_id == "1" and items["2"].order_line.order.order_number == "ASN1234"
    assert items["3"].order_line is None
    assert items["3"].link_problem == "Purchase order ASN1234 has no line 3."


def test_an_item_for_an_unknown_order_is_flagged_and_linked_by_hand(db, asn_integration, po_integration, purchaser):
    order_services.purchase_order_create(
        integration=po_integration, document=demo.sample_order("PO-77"), user=purchaser
    )
    body = deepcopy(ASN_EXAMPLE)
    shipment = incoming.shipment_record(integration=asn_integration, asn=jasn.parse_asn(json.dumps(body)))
    item = shipment.items.get(line_number="1")
    assert item.link_problem == "No purchase order ASN1234 is known to the portal."
    with pytest.raises(incoming.ShipmentRefused, match="no purchase order PO-77 with a line 9"):
        incoming.item_link(item=item, order_number="PO-77", line_id="9", user=purchaser)
    incoming.item_link(item=item, order_number="PO-77", line_id="2", user=purchaser)
    item.refresh_from_db()
    assert item.order_line.line_id == "2" and item.linked_by == purchaser and item.link_problem == ""


def test_a_later_notice_replaces_an_unreceived_shipment_and_is_refused_after_receipt(
    network, buyer, purchaser, asn_integration
):
    order = placed_and_confirmed(buyer, purchaser)
    asn = party.supplier_dispatch_asn(JakamoOrder.objects.get(order_number="PO-1"), shipment_number="SH-1")
    first = incoming.shipment_record(integration=asn_integration, asn=asn)
    asn.shipping_units[0].items[0].quantity = Decimal(60)
    second = incoming.shipment_record(integration=asn_integration, asn=asn)
    assert first.pk == second.pk and second.versions == 2
    assert second.items.get(line_number="1").quantity == 60 and second.items.count() == 2
    incoming.shipment_receive(shipment=second, user=purchaser, quantities=_proposed(second))
    with pytest.raises(Exception, match="already received; this later notice is kept"):
        incoming.shipment_record(integration=asn_integration, asn=asn)
    assert order.receipts.count() == 2


def _proposed(shipment) -> dict:
    return {row.batch.pk: row.proposed for row in incoming.receiving_plan(shipment)}


def test_dispatch_drain_receive_end_to_end_and_jakamo_shows_received(network, buyer, purchaser, asn_integration):
    """The sandbox's supplier dispatches; the ASN queue is drained over HTTP; the purchaser
    receives the shipment; Jakamo shows the order Received."""
    order = placed_and_confirmed(buyer, purchaser)
    party.supplier_dispatch_asn(JakamoOrder.objects.get(order_number="PO-1"), shipment_number="SH-100")
    run = inbox.sync(asn_integration.pk)
    assert (run.fetched, run.processed, run.failed) == (1, 1, 0)
    message = InboxMessage.objects.get(integration=asn_integration)
    assert message.document_type == "ASN" and message.document_key == "SH-100" and message.status == "processed"
    shipment = Shipment.objects.get(shipment_number="SH-100")
    assert shipment.inbox == message and all(i.order_line for i in shipment.items.all())

    plan = incoming.receiving_plan(shipment)
    assert [(r.order.order_number, r.batch.batch_id, r.proposed) for r in plan] == [
        ("PO-1", "PO-1-1-1", 100),
        ("PO-1", "PO-1-2-1", 100),
    ]
    record = incoming.shipment_receive(shipment=shipment, user=purchaser, quantities=_proposed(shipment))
    assert record.receipts.count() == 2
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.RECEIVED and shipment.received_at
    send_all()
    row = OutboxMessage.objects.get(document_type="StatusMessage Received")
    assert row.status == "sent" and row.document_key == "PO-1"
    order.refresh_from_db()
    assert order.status == OrderStatus.RECEIVED
    assert JakamoOrder.objects.get(order_number="PO-1").status == JakamoStatus.RECEIVED


def test_receiving_short_leaves_the_order_open_and_over_is_refused_with_nothing_recorded(
    network, buyer, purchaser, asn_integration
):
    order = placed_and_confirmed(buyer, purchaser)
    asn = party.supplier_dispatch_asn(JakamoOrder.objects.get(order_number="PO-1"), shipment_number="SH-2")
    shipment = incoming.shipment_record(integration=asn_integration, asn=asn)
    batches = {r.batch.batch_id: r.batch.pk for r in incoming.receiving_plan(shipment)}

    with pytest.raises(incoming.ShipmentRefused, match=r"Order PO-1: Line 2, batch PO-1-2-1: 101 is more than the 100"):
        incoming.shipment_receive(
            shipment=shipment,
            user=purchaser,
            quantities={batches["PO-1-1-1"]: Decimal(100), batches["PO-1-2-1"]: Decimal(101)},
        )
    assert order.receipts.count() == 0 and not OutboxMessage.objects.filter(document_type__contains="Received")
    with pytest.raises(incoming.ShipmentRefused, match="cannot be negative"):
        incoming.shipment_receive(shipment=shipment, user=purchaser, quantities={batches["PO-1-1-1"]: Decimal(-1)})
    with pytest.raises(incoming.ShipmentRefused, match="at least one"):
        incoming.shipment_receive(shipment=shipment, user=purchaser, quantities={batches["PO-1-1-1"]: Decimal(0)})

    # Five damaged on line 1, line 2 complete.
    incoming.shipment_receive(
        shipment=shipment,
        user=purchaser,
        quantities={batches["PO-1-1-1"]: Decimal(95), batches["PO-1-2-1"]: Decimal(100)},
        note="5 damaged",
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.STARTED_RECEIVING
    assert (
        order.lines.get(line_id="1").status == "Started receiving" and order.lines.get(line_id="2").status == "Received"
    )
    send_all()
    jakamo = JakamoOrder.objects.get(order_number="PO-1")
    assert jakamo.status == JakamoStatus.STARTED_RECEIVING
    assert jakamo.state["1"]["batches"]["PO-1-1-1"]["received"] == "95"
    with pytest.raises(incoming.ShipmentRefused, match="already received"):
        incoming.shipment_receive(shipment=shipment, user=purchaser, quantities={batches["PO-1-1-1"]: Decimal(5)})


def test_one_shipment_for_two_orders_sends_received_for_each(network, buyer, purchaser, asn_integration):
    placed_and_confirmed(buyer, purchaser, "PO-A", lines=1)
    placed_and_confirmed(buyer, purchaser, "PO-B", lines=1)
    asn_a = party.supplier_dispatch_asn(JakamoOrder.objects.get(order_number="PO-A"), quantities={"1": Decimal(40)})
    asn_b = party.supplier_dispatch_asn(JakamoOrder.objects.get(order_number="PO-B"))
    asn_a.shipping_units.append(asn_b.shipping_units[0])
    shipment = incoming.shipment_record(integration=asn_integration, asn=asn_a)
    incoming.shipment_receive(shipment=shipment, user=purchaser, quantities=_proposed(shipment))
    send_all()
    assert sorted(
        OutboxMessage.objects.filter(document_type="StatusMessage Received", status="sent").values_list(
            "document_key", flat=True
        )
    ) == ["PO-A", "PO-B"]
    assert JakamoOrder.objects.get(order_number="PO-A").status == JakamoStatus.STARTED_RECEIVING
    assert JakamoOrder.objects.get(order_number="PO-B").status == JakamoStatus.RECEIVED


def test_an_item_spreads_over_the_batches_it_fills_in_date_order(db, asn_integration, po_integration, purchaser):
    doc = demo.sample_order("PO-S", lines=1)
    first = doc.lines[0].deliveries[0]
    from datetime import timedelta

    from jakamo import ubl

    doc.lines[0].deliveries = [
        ubl.Delivery(
            id="late",
            quantity=ubl.Quantity(Decimal(60)),
            requested_end_date=first.requested_end_date + timedelta(days=9),
        ),
        ubl.Delivery(id="early", quantity=ubl.Quantity(Decimal(40)), requested_end_date=first.requested_end_date),
    ]
    order_services.purchase_order_create(integration=po_integration, document=doc, user=purchaser)
    asn = jasn.Asn(
        "1",
        "SH-S",
        shipping_units=[jasn.ShippingUnit("1", "Box", [jasn.AsnItem("PO-S", "1", Decimal(70))])],
    )
    shipment = incoming.shipment_record(integration=asn_integration, asn=asn)
    assert {r.batch.batch_id: r.proposed for r in incoming.receiving_plan(shipment)} == {"early": 40, "late": 30}
    # The batch the ASN names comes first.
    asn.shipping_units[0].items[0].batch_number = "late"
    shipment = incoming.shipment_record(integration=asn_integration, asn=asn)
    assert {r.batch.batch_id: r.proposed for r in incoming.receiving_plan(shipment)} == {"late": 60, "early": 10}
