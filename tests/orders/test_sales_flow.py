"""Supplier side end to end over HTTP with the sandbox: a customer order arrives, is confirmed with
changes, the customer changes it, it is confirmed as requested, it is delivered; cancellation by
the customer; Jakamo's 400s explained."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from common.errors import Refused
from common.transitions import StatusChange
from exchange import inbox
from exchange.models import OutboxMessage
from jakamo.ubl_parse import parse_order_document
from mappings import services as mapping_services
from mappings.models import PartnerRole
from orders.models import SalesConfirmation, SalesOrder, SalesStatus
from orders.sales import services as sales
from sandbox import party
from sandbox.models import Order as JakamoOrder
from sandbox.models import OrderStatus as JakamoStatus
from tests.helpers import SOON, customer_orders, send_all

LATER = date.today() + timedelta(days=50)


def test_a_customer_order_from_arrival_to_delivery(network, supplier, seller):
    customer_orders(network)
    inbox.sync(supplier.pk)
    order = SalesOrder.objects.get()
    assert order.status == SalesStatus.WAITING_US and order.customer_id == "C-100" and order.confirm_url

    sales.sales_confirm_with_changes(
        order=order,
        user=seller,
        answers={"1": sales.LineAnswer(quantity=Decimal(40), promised_date=LATER)},
        note="40 now",
    )
    send_all()
    assert OutboxMessage.objects.get(document_type="OrderResponse").status == "sent"
    jakamo = JakamoOrder.objects.get(order_number="C-1")
    assert jakamo.status == JakamoStatus.WAITING_CUSTOMER
    order.refresh_from_db()
    assert order.status == SalesStatus.WAITING_CUSTOMER

    party.customer_change_order(jakamo, {"1": party.CustomerChange(quantity=Decimal(45), requested_date=LATER)})
    inbox.sync(supplier.pk)
    order.refresh_from_db()
    assert order.status == SalesStatus.WAITING_US and order.version == 2 and order.awaiting_since
    assert JakamoOrder.objects.get(order_number="C-1").status == JakamoStatus.WAITING_SUPPLIER
    changes = order.versions.get(version=2).changes
    assert {"line": "1", "what": "quantity", "before": "50", "after": "45"} in changes
    assert any(c["what"] == "requested date" for c in changes)

    sales.sales_confirm_as_requested(order=order, user=seller, note="Fine")
    send_all()
    assert JakamoOrder.objects.get(order_number="C-1").status == JakamoStatus.CONFIRMED

    sales.sales_deliver(order=order, user=seller, tracking_number="TRK-9")
    send_all()
    order.refresh_from_db()
    assert order.status == SalesStatus.DELIVERED
    assert JakamoOrder.objects.get(order_number="C-1").state["1"]["batches"]["C-1-1-1"]["delivered"] is True
    assert list(order.confirmations.values_list("kind", flat=True)) == [
        SalesConfirmation.Kind.DELIVERED,
        SalesConfirmation.Kind.AS_REQUESTED,
        SalesConfirmation.Kind.WITH_CHANGES,
    ]


# SO document 6.2: an order is confirmed when the customer's requested and our confirmed details
# match. A change that asks for what we confirmed left the portal waiting for us while Jakamo showed
# the order Confirmed.
def test_a_customer_change_taking_up_our_proposal_confirms_the_order(network, supplier, seller):
    customer_orders(network)
    inbox.sync(supplier.pk)
    order = SalesOrder.objects.get()
    sales.sales_confirm_with_changes(
        order=order, user=seller, answers={"1": sales.LineAnswer(quantity=Decimal(40), promised_date=LATER)}
    )
    send_all()
    jakamo = JakamoOrder.objects.get(order_number="C-1")
    party.customer_change_order(jakamo, {"1": party.CustomerChange(quantity=Decimal(40), requested_date=LATER)})
    inbox.sync(supplier.pk)
    order.refresh_from_db()
    assert (order.status, order.version, order.awaiting_since) == (SalesStatus.CONFIRMED, 2, None)
    assert JakamoOrder.objects.get(order_number="C-1").status == JakamoStatus.CONFIRMED


def test_the_customer_cancelling_a_line_of_a_confirmed_order_keeps_it_confirmed(network, supplier, seller):
    customer_orders(network)
    inbox.sync(supplier.pk)
    order = SalesOrder.objects.get()
    sales.sales_confirm_as_requested(order=order, user=seller)
    send_all()
    party.customer_cancel(JakamoOrder.objects.get(order_number="C-1"), line_ids=["2"])
    inbox.sync(supplier.pk)
    order.refresh_from_db()
    assert (order.status, order.version, order.awaiting_since) == (SalesStatus.CONFIRMED, 2, None)
    assert JakamoOrder.objects.get(order_number="C-1").status == JakamoStatus.CONFIRMED


def test_a_customer_change_of_date_alone_after_confirming_as_requested_waits_for_us(network, supplier, seller):
    customer_orders(network)
    inbox.sync(supplier.pk)
    order = SalesOrder.objects.get()
    sales.sales_confirm_as_requested(order=order, user=seller)
    send_all()
    party.customer_change_order(
        JakamoOrder.objects.get(order_number="C-1"), {"2": party.CustomerChange(requested_date=LATER)}
    )
    inbox.sync(supplier.pk)
    order.refresh_from_db()
    assert order.status == SalesStatus.WAITING_US and order.awaiting_since
    assert JakamoOrder.objects.get(order_number="C-1").status == JakamoStatus.WAITING_SUPPLIER


def test_leaving_a_line_open_keeps_the_order_ours_to_confirm(network, supplier, seller):
    # Nothing for the customer to decide yet: the open line is still ours to confirm, as Jakamo shows
    # (and as a purchaser's review reads a confirmation that only leaves lines open). It said
    # "Waiting for the customer".
    customer_orders(network)
    inbox.sync(supplier.pk)
    order = SalesOrder.objects.get()
    arrived = order.awaiting_since
    sales.sales_confirm_with_changes(order=order, user=seller, answers={"2": sales.LineAnswer(leave_open=True)})
    send_all()
    order.refresh_from_db()
    assert (order.status, order.awaiting_since) == (SalesStatus.WAITING_US, arrived)
    assert JakamoOrder.objects.get(order_number="C-1").status == JakamoStatus.WAITING_SUPPLIER
    sales.sales_confirm_as_requested(order=order, user=seller)
    send_all()
    order.refresh_from_db()
    assert (order.status, order.awaiting_since) == (SalesStatus.CONFIRMED, None)
    assert JakamoOrder.objects.get(order_number="C-1").status == JakamoStatus.CONFIRMED


def splittable_order(network, supplier, number: str = "C-1") -> SalesOrder:
    """The customer's order ``number`` (customer_orders), taken in by a supplier that may split lines
    into new delivery batches."""
    supplier.allow_new_batches = True
    supplier.save()
    customer_orders(network, number)
    inbox.sync(supplier.pk)
    return SalesOrder.objects.get(order_number=number)


def test_splitting_a_batch_and_leaving_a_line_open(network, supplier, seller):
    order = splittable_order(network, supplier)
    confirmation = sales.sales_confirm_with_changes(
        order=order,
        user=seller,
        answers={
            "1": sales.LineAnswer(batches=[(Decimal(30), SOON), (Decimal(20), LATER)]),
            "2": sales.LineAnswer(leave_open=True),
        },
    )
    sent = parse_order_document(confirmation.document_xml)
    assert [d.id for d in sent.line("1").deliveries] == ["C-1-1-1", "C-1-1-1.1"]
    assert sent.line("2").line_status_code == "Open" and sent.seller_contact_id == "sam" and sent.buyer_id == "C-100"
    send_all()
    assert JakamoOrder.objects.get(order_number="C-1").status == JakamoStatus.WAITING_SUPPLIER  # a line still open


def test_the_customer_cancels(network, supplier, seller):
    customer_orders(network, "C-2")
    inbox.sync(supplier.pk)
    party.customer_cancel(JakamoOrder.objects.get(order_number="C-2"))
    inbox.sync(supplier.pk)
    order = SalesOrder.objects.get()
    assert order.status == SalesStatus.CANCELLED
    assert set(order.lines.values_list("status", flat=True)) == {"Cancelled"}
    with pytest.raises(Refused, match="cancelled by the customer") as refused:
        sales.sales_confirm_as_requested(order=order, user=seller)
    assert refused.value.code == "order_closed"


def test_the_customer_cancels_lines(network, supplier, seller):
    customer_orders(network, "C-3")
    inbox.sync(supplier.pk)
    party.customer_cancel(JakamoOrder.objects.get(order_number="C-3"), line_ids=["2"])
    inbox.sync(supplier.pk)
    order = SalesOrder.objects.get()
    assert {"line": "2", "what": "line cancelled", "before": "10", "after": "cancelled"} in order.versions.get(
        version=2
    ).changes


def test_rejecting_needs_a_reason_and_cancels_every_line(network, supplier, seller):
    customer_orders(network, "C-4")
    inbox.sync(supplier.pk)
    order = SalesOrder.objects.get()
    with pytest.raises(Refused, match="Say why") as refused:
        sales.sales_reject(order=order, user=seller, reason=" ")
    assert refused.value.code == "reason_required"
    sales.sales_reject(order=order, user=seller, reason="No capacity this quarter")
    send_all()
    assert JakamoOrder.objects.get(order_number="C-4").status == JakamoStatus.REJECTED


def test_who_confirms_comes_from_the_user_mapping_else_the_default_user(network, supplier, seller, integration_admin):
    customer_orders(network, "C-5")
    inbox.sync(supplier.pk)
    order = SalesOrder.objects.get()
    assert sales.seller_contact_for(order, integration_admin) == "sam"  # the DefaultUser
    supplier.user_mappings.update(is_default=False)
    with pytest.raises(Refused, match="integrator has no user mapping .* and there is no DefaultUser") as refused:
        sales.seller_contact_for(order, integration_admin)
    assert refused.value.code == "no_seller_contact"


def test_the_customer_identifier_follows_external_and_compound_rules(network, supplier):
    customer_orders(network, "C-6")
    inbox.sync(supplier.pk)
    order = SalesOrder.objects.get()
    assert sales.customer_identifier_for(order) == "C-100"
    mapping_services.save_company_mapping(
        integration=supplier,
        identifier="ERP-CUST-7",
        company_name="Customer Company AB",
        role=PartnerRole.CUSTOMER,
        external_identifier="C-100",
        external_field="buyer_customer_party",
    )
    assert sales.customer_identifier_for(order) == "ERP-CUST-7"
    for field, value in (("buyer_customer_party", "C-100"), ("seller_supplier_party", "Nordic Parts Oy")):
        mapping_services.save_company_mapping(
            integration=supplier,
            identifier="ERP-CUST-9",
            company_name="Customer Company AB",
            role=PartnerRole.CUSTOMER,
            external_identifier=value,
            external_field=field,
            compound_rule_member=True,
        )
    # Both halves of the compound rule match (buyer party C-100 and seller party Nordic Parts Oy):
    # it wins over the single external rule.
    assert sales.customer_identifier_for(order) == "ERP-CUST-9"
    from mappings.models import CompanyMapping

    CompanyMapping.objects.filter(identifier="ERP-CUST-9", external_field="seller_supplier_party").update(
        external_identifier="someone else"
    )
    assert sales.customer_identifier_for(order) == "ERP-CUST-7"  # half a compound rule is no rule


def test_a_seller_contact_jakamo_does_not_know_is_explained(network, supplier, seller, integration_admin):
    mapping_services.save_user_mapping(integration=supplier, identifier="ida", portal_user=integration_admin)
    customer_orders(network, "C-8")
    inbox.sync(supplier.pk)
    sales.sales_confirm_with_changes(
        order=SalesOrder.objects.get(), user=integration_admin, answers={"1": sales.LineAnswer(quantity=Decimal(1))}
    )
    send_all()
    row = OutboxMessage.objects.get(document_type="OrderResponse")
    assert row.status == "rejected" and "seller contact" in row.advice and "User Strings" in row.advice


def test_delivering_one_batch_only(network, supplier, seller):
    order = splittable_order(network, supplier, "C-9")
    sales.sales_confirm_as_requested(order=order, user=seller)
    sales.sales_deliver(order=order, user=seller, batch_ids=["C-9-2-1"], tracking_number="T-2", delivery_date=SOON)
    send_all()
    state = JakamoOrder.objects.get(order_number="C-9").state
    assert state["2"]["batches"]["C-9-2-1"]["delivered"] is True and "delivered" not in state["1"]
    order.refresh_from_db()
    assert order.status == SalesStatus.CONFIRMED  # one batch is not the whole order
    with pytest.raises(Refused, match="no delivery batch NOPE") as refused:
        sales.sales_deliver(order=order, user=seller, batch_ids=["NOPE"])
    assert refused.value.code == "unknown_batch"
    batch = order.lines.get(line_id="2").batches.get()
    assert (batch.delivered_date, batch.tracking_number) == (SOON, "T-2")
    assert order.lines.get(line_id="2").status == "Delivered" and order.lines.get(line_id="1").status == "Confirmed"
    # A tracking number longer than the portal keeps is refused by name, not stored cut.
    with pytest.raises(Refused) as refused:
        sales.sales_deliver(order=order, user=seller, line_ids=["1"], tracking_number="T" * 201)
    assert refused.value.code == "too_long" and "201 characters" in refused.value.message
    assert not OutboxMessage.objects.filter(document_type="StatusMessage Delivered", body__contains=b"T" * 201)


def test_the_so_documents_order_response_example(network, supplier, seller):
    """The SO document prints its OrderResponse example with the tags stripped; what remains are
    its values: header note, the two party names, a row note, 100.00 PCS on the line and the batch,
    120.00 EUR, the item name. An OrderResponse the portal builds carries each of them, parses back,
    and validates against UBL 2.1."""
    from jakamo import schema, ubl
    from jakamo.ubl_build import build_order_document
    from jakamo.ubl_parse import parse_order_document
    from tests.reference import XSD_DIR, require_shared

    doc = ubl.OrderDocument(
        kind=ubl.ORDER_RESPONSE,
        id="R-1",
        issue_date=SOON,
        order_reference_id="purchase_order_number-1234",
        notes=["Additional info to header."],
        seller_supplier_party=ubl.SupplierParty(
            ubl.Party([ubl.Identifier("vendor_id")], name="Test Supplier Ltd."), seller_contact=ubl.Contact(id="sam")
        ),
        buyer_customer_party=ubl.CustomerParty(ubl.Party([ubl.Identifier("C-100")], name="Customer Company AB")),
        lines=[
            ubl.OrderLine(
                id="1",
                notes=["Additional info to order row."],
                quantity=ubl.Quantity(Decimal("100.00"), "PCS"),
                deliveries=[
                    ubl.Delivery(
                        id="DELIVERY_ID_1", quantity=ubl.Quantity(Decimal("100.00"), "PCS"), promised_end_date=SOON
                    )
                ],
                price=ubl.Price(ubl.Amount(Decimal("120.00"), "EUR")),
                item=ubl.Item(name="HEX HEAD SCREW M16x80mm"),
            )
        ],
    )
    xml = build_order_document(doc)
    text = xml.decode()
    for value in (
        "Additional info to header.",
        "Test Supplier Ltd.",
        "Customer Company AB",
        "Additional info to order row.",
        'unitCode="PCS">100</cbc:Quantity>',
        'currencyID="EUR">120</cbc:PriceAmount>',
        "HEX HEAD SCREW M16x80mm",
    ):
        assert value in text
    assert parse_order_document(xml) == doc
    require_shared()
    assert schema.validate(xml, XSD_DIR) == []


# -- issue #24: the seller's answer keeps the rules ----------------------------------------------------------
def test_the_rows_follow_every_version_and_answer_and_each_status_change_is_recorded(network, supplier, seller):
    customer_orders(network, "C-20")
    inbox.sync(supplier.pk)
    order = SalesOrder.objects.get()
    rows = {line.line_id: line for line in order.lines.prefetch_related("batches")}
    assert [(r.item_name, r.quantity, r.unit_price, r.status) for r in rows.values()] == [
        ("Bearing", 50, Decimal("4.2"), ""),
        ("Shaft", 10, 31, ""),
    ]
    assert [(b.batch_id, b.quantity, b.requested_date) for b in rows["1"].batches.all()] == [("C-20-1-1", 50, SOON)]
    confirmation = sales.sales_confirm_with_changes(
        order=order, user=seller, answers={"1": sales.LineAnswer(quantity=Decimal(40), promised_date=LATER)}
    )
    line = order.lines.get(line_id="1")
    assert (line.confirmed_quantity, line.confirmed_unit_price, line.status) == (40, Decimal("4.2"), CHANGED)
    assert [(b.confirmed_quantity, b.promised_date) for b in line.batches.all()] == [(40, LATER)]
    arrival, change = StatusChange.objects.filter(model="orders.salesorder", object_id=order.pk)
    assert (arrival.before, arrival.after, arrival.inbox_id) == (
        "",
        SalesStatus.WAITING_US,
        order.versions.get().inbox_id,
    )
    assert (change.before, change.after, change.user, change.outbox_id) == (
        SalesStatus.WAITING_US,
        SalesStatus.WAITING_CUSTOMER,
        seller,
        confirmation.outbox_id,
    )
    send_all()
    party.customer_change_order(
        JakamoOrder.objects.get(order_number="C-20"), {"2": party.CustomerChange(quantity=Decimal(12))}
    )
    inbox.sync(supplier.pk)
    line = order.lines.get(line_id="2")
    assert (line.quantity, line.changed_in_version, line.status) == (12, 2, "")  # ours to confirm again
    assert order.lines.get(line_id="1").status == CHANGED
    assert StatusChange.objects.filter(model="orders.salesorderline", inbox_id__isnull=False).exists()


def test_a_delivered_order_cannot_be_rejected(network, supplier, seller):
    # A seller could reject an order already Delivered, and the cancellation went to Jakamo.
    customer_orders(network, "C-21")
    inbox.sync(supplier.pk)
    order = SalesOrder.objects.get()
    sales.sales_confirm_as_requested(order=order, user=seller)
    sales.sales_deliver(order=order, user=seller)
    with pytest.raises(Refused) as refused:
        sales.sales_reject(order=order, user=seller, reason="changed my mind")
    assert refused.value.code == "order_closed" and "C-21 is delivered" in refused.value.message
    assert not OutboxMessage.objects.filter(document_type="OrderResponse").exists()
    order.refresh_from_db()
    assert order.status == SalesStatus.DELIVERED


def test_a_confirmed_order_cannot_be_rejected(network, supplier, seller):
    # Jakamo lets a supplier reject only before confirming (the sandbox's supplier_reject says so too).
    customer_orders(network, "C-22")
    inbox.sync(supplier.pk)
    order = SalesOrder.objects.get()
    sales.sales_confirm_as_requested(order=order, user=seller)
    with pytest.raises(Refused) as refused:
        sales.sales_reject(order=order, user=seller, reason="no capacity")
    assert refused.value.code == "transition_not_allowed"
    assert not OutboxMessage.objects.filter(document_type="OrderResponse").exists()


CHANGED = "Confirmed with changes"
JAN, MAR = date(2027, 1, 15), date(2027, 3, 1)


def two_batch_order(network, supplier, number: str) -> SalesOrder:
    """Customer order ``number``: line 1 of 50 in batches <number>-1-1 (25) and <number>-1-2 (25)."""
    party.customer_place_order(
        network["so"],
        customer_company="Customer Company AB",
        order_number=number,
        lines=[
            party.CustomerLine(
                "Bearing", Decimal(50), Decimal(4), SOON, batches=((Decimal(25), SOON), (Decimal(25), LATER))
            )
        ],
    )
    inbox.sync(supplier.pk)
    return SalesOrder.objects.get(order_number=number)


def test_a_split_on_an_integration_without_new_batches_keeps_both_original_batches(network, supplier, seller):
    # It sent B1 30 and an invented B1.1 20: B2 was gone.
    assert not supplier.allow_new_batches
    order = two_batch_order(network, supplier, "C-23")
    confirmation = sales.sales_confirm_with_changes(
        order=order, user=seller, answers={"1": sales.LineAnswer(batches=[(Decimal(30), JAN), (Decimal(20), MAR)])}
    )
    sent = parse_order_document(confirmation.document_xml).line("1")
    assert [(d.id, d.quantity.value, d.promised_end_date) for d in sent.deliveries] == [
        ("C-23-1-1", 30, JAN),
        ("C-23-1-2", 20, MAR),
    ]
    assert (sent.quantity.value, sent.line_status_code) == (50, CHANGED)
    send_all()
    assert OutboxMessage.objects.get(document_type="OrderResponse").status == "sent"
    assert [(b.batch_id, b.confirmed_quantity, b.added_by_us) for b in order.lines.get().batches.order_by("id")] == [
        ("C-23-1-1", 30, False),
        ("C-23-1-2", 20, False),
    ]
    # One part fewer would drop the second batch; one more would invent a batch: both refused, saying so.
    with pytest.raises(Refused) as refused:
        sales.sales_confirm_with_changes(
            order=order, user=seller, answers={"1": sales.LineAnswer(batches=[(Decimal(50), JAN)])}
        )
    assert refused.value.code == "batch_missing" and refused.value.where == "line 1, batch C-23-1-2"
    three = [(Decimal(20), JAN), (Decimal(20), MAR), (Decimal(10), MAR)]
    with pytest.raises(Refused) as refused:
        sales.sales_confirm_with_changes(order=order, user=seller, answers={"1": sales.LineAnswer(batches=three)})
    assert refused.value.code == "new_batches_not_allowed" and "at most 2 parts" in refused.value.message


def test_where_new_batches_are_allowed_a_split_adds_them_after_the_last_original(network, supplier, seller):
    supplier.allow_new_batches = True
    supplier.save()
    order = two_batch_order(network, supplier, "C-24")
    three = [(Decimal(20), JAN), (Decimal(20), MAR), (Decimal(10), LATER)]
    confirmation = sales.sales_confirm_with_changes(
        order=order, user=seller, answers={"1": sales.LineAnswer(batches=three)}
    )
    sent = parse_order_document(confirmation.document_xml).line("1")
    assert [d.id for d in sent.deliveries] == ["C-24-1-1", "C-24-1-2", "C-24-1-2.1"]
    added = order.lines.get().batches.get(added_by_us=True)
    assert (added.batch_id, added.quantity, added.confirmed_quantity) == ("C-24-1-2.1", None, 10)


def test_a_quantity_change_alone_on_a_line_of_two_batches_asks_for_the_split(network, supplier, seller):
    # It sent 40 with batches 25 + 25, which the gateway itself refuses from an ERP.
    order = two_batch_order(network, supplier, "C-25")
    with pytest.raises(Refused) as refused:
        sales.sales_confirm_with_changes(
            order=order, user=seller, answers={"1": sales.LineAnswer(quantity=Decimal(40))}
        )
    assert refused.value.code == "split_required"
    assert refused.value.message == (
        "Line 1 has 2 delivery batches (C-25-1-1 25, C-25-1-2 25): say how 40 splits between them under "
        "“Split into batches”."
    )
    assert not OutboxMessage.objects.filter(document_type="OrderResponse").exists()
    # With the split the quantity goes out, adding up.
    confirmation = sales.sales_confirm_with_changes(
        order=order,
        user=seller,
        answers={"1": sales.LineAnswer(quantity=Decimal(40), batches=[(Decimal(25), SOON), (Decimal(15), LATER)])},
    )
    sent = parse_order_document(confirmation.document_xml).line("1")
    assert sent.quantity.value == 40 and [d.quantity.value for d in sent.deliveries] == [25, 15]


def test_changed_lines_go_out_confirmed_with_changes_and_unchanged_ones_confirmed(network, supplier, seller):
    # PO document 6.4: "Confirmed" is confirmed as requested. Changed lines went out as Confirmed.
    customer_orders(network, "C-26")
    inbox.sync(supplier.pk)
    order = SalesOrder.objects.get()
    confirmation = sales.sales_confirm_with_changes(
        order=order,
        user=seller,
        answers={
            "1": sales.LineAnswer(quantity=Decimal(45)),
            "2": sales.LineAnswer(promised_date=SOON),  # the date asked for: no change
        },
    )
    sent = parse_order_document(confirmation.document_xml)
    assert [(line.id, line.line_status_code) for line in sent.lines] == [("1", CHANGED), ("2", "Confirmed")]
    for answer in (sales.LineAnswer(unit_price=Decimal(5)), sales.LineAnswer(promised_date=LATER)):
        confirmation = sales.sales_confirm_with_changes(order=order, user=seller, answers={"2": answer})
        assert parse_order_document(confirmation.document_xml).line("2").line_status_code == CHANGED
    assert order.lines.get(line_id="2").status == CHANGED


def test_draft_is_refused_where_the_integration_does_not_allow_it(network, supplier, seller):
    customer_orders(network, "C-27")
    inbox.sync(supplier.pk)
    order = SalesOrder.objects.get()
    with pytest.raises(Refused) as refused:
        sales.sales_confirm_with_changes(order=order, user=seller, answers={"1": sales.LineAnswer(draft=True)})
    assert (refused.value.code, refused.value.where) == ("draft_not_allowed", "line 1")
    supplier.allow_draft = True
    supplier.save()
    confirmation = sales.sales_confirm_with_changes(
        order=order, user=seller, answers={"1": sales.LineAnswer(draft=True)}
    )
    assert parse_order_document(confirmation.document_xml).line("1").line_status_code == "Draft"
    assert order.lines.get(line_id="1").status == "Draft"


def test_orders_recorded_before_rows_get_them_from_their_stored_xml(network, supplier, seller):
    from django.core.management import call_command

    customer_orders(network, "C-28")
    inbox.sync(supplier.pk)
    order = SalesOrder.objects.get()
    sales.sales_confirm_with_changes(order=order, user=seller, answers={"1": sales.LineAnswer(quantity=Decimal(45))})
    order.lines.all().delete()  # as an order recorded before the upgrade
    call_command("sales_rows")
    line = order.lines.get(line_id="1")
    assert (line.quantity, line.confirmed_quantity, line.status) == (50, 45, CHANGED)
    assert [(b.batch_id, b.quantity, b.confirmed_quantity) for b in line.batches.all()] == [("C-28-1-1", 50, 45)]
    assert order.lines.get(line_id="2").status == "Confirmed"
    call_command("sales_rows")  # twice changes nothing
    assert order.lines.count() == 2


# -- found by the state machine (tests/machines.py, SalesOrders) ---------------------------------------------
def test_a_line_delivered_before_our_confirmation_stays_delivered_through_later_answers(network, supplier, seller):
    # Single lines may be reported delivered before the order is confirmed; our next answer (as
    # requested, with changes, or a rejection) tried to make the line Confirmed again and was refused.
    customer_orders(network, "C-30")
    inbox.sync(supplier.pk)
    order = SalesOrder.objects.get()
    sales.sales_deliver(order=order, user=seller, line_ids=["1"])
    sales.sales_confirm_with_changes(order=order, user=seller, answers={"2": sales.LineAnswer(promised_date=LATER)})
    sales.sales_confirm_as_requested(order=order, user=seller)
    send_all()
    order.refresh_from_db()
    assert order.status == SalesStatus.CONFIRMED
    assert dict(order.lines.values_list("line_id", "status")) == {"1": "Delivered", "2": "Confirmed"}
    assert JakamoOrder.objects.get(order_number="C-30").status == JakamoStatus.CONFIRMED


def test_an_answer_with_changes_and_a_line_left_open_keeps_the_order_ours_to_confirm(network, supplier, seller):
    # Jakamo shows the order waiting for the supplier while any line is Open or Draft, changes or
    # not (as the purchase side reads it); the portal said "Waiting for the customer".
    customer_orders(network, "C-31")
    inbox.sync(supplier.pk)
    order = SalesOrder.objects.get()
    arrived = order.awaiting_since
    sales.sales_confirm_with_changes(
        order=order,
        user=seller,
        answers={"1": sales.LineAnswer(leave_open=True), "2": sales.LineAnswer(quantity=Decimal(8))},
    )
    send_all()
    order.refresh_from_db()
    assert (order.status, order.awaiting_since) == (SalesStatus.WAITING_US, arrived)
    assert JakamoOrder.objects.get(order_number="C-31").status == JakamoStatus.WAITING_SUPPLIER
    assert dict(order.lines.values_list("line_id", "status")) == {"1": "Open", "2": CHANGED}


def test_the_customer_accepting_our_changes_confirms_the_order_here_too(network, supplier, seller):
    # The customer's acceptance changed the order at the sandbox (Confirmed) but never reached the
    # SO queue: the portal kept waiting for the customer.
    customer_orders(network, "C-32")
    inbox.sync(supplier.pk)
    order = SalesOrder.objects.get()
    sales.sales_confirm_with_changes(order=order, user=seller, answers={"1": sales.LineAnswer(quantity=Decimal(40))})
    send_all()
    party.customer_accept(JakamoOrder.objects.get(order_number="C-32"))
    assert JakamoOrder.objects.get(order_number="C-32").status == JakamoStatus.CONFIRMED
    inbox.sync(supplier.pk)
    order.refresh_from_db()
    assert (order.status, order.version) == (SalesStatus.CONFIRMED, 2)
    assert dict(order.lines.values_list("line_id", "status")) == {"1": "Confirmed", "2": "Confirmed"}
    assert order.lines.get(line_id="1").quantity == 40


def test_a_line_is_delivered_once_its_last_batch_is_even_in_separate_reports(network, supplier, seller):
    # The state machine delivered a two-batch line one batch at a time: Jakamo held both batches
    # delivered, the portal's line stayed not delivered.
    order = two_batch_order(network, supplier, "C-33")
    sales.sales_confirm_as_requested(order=order, user=seller)
    sales.sales_deliver(order=order, user=seller, batch_ids=["C-33-1-1"])
    assert order.lines.get().status == "Confirmed"
    sales.sales_deliver(order=order, user=seller, batch_ids=["C-33-1-2"])
    send_all()
    order.refresh_from_db()
    assert (order.status, order.lines.get().status) == (SalesStatus.DELIVERED, "Delivered")
    batches = JakamoOrder.objects.get(order_number="C-33").state["1"]["batches"]
    assert batches["C-33-1-1"]["delivered"] and batches["C-33-1-2"]["delivered"]


# PO document 6.2: after our confirmation a revision waits for us only where it differs from what
# we confirmed. The sales state machine found a customer change that took up our values on one line
# (while another line still differed): Jakamo held that line Confirmed, the portal made it ours to
# confirm again ("").
@pytest.mark.parametrize(
    "answer, change",
    [
        (sales.LineAnswer(promised_date=LATER), party.CustomerChange(requested_date=LATER)),
        (sales.LineAnswer(quantity=Decimal(8)), party.CustomerChange(quantity=Decimal(8))),
        (sales.LineAnswer(unit_price=Decimal(29)), party.CustomerChange(price=Decimal(29))),
    ],
    ids=["date", "quantity", "price"],
)
def test_a_customer_change_taking_up_our_values_on_one_line_confirms_that_line(
    network, supplier, seller, answer, change
):
    customer_orders(network, "C-34")
    inbox.sync(supplier.pk)
    order = SalesOrder.objects.get()
    sales.sales_confirm_with_changes(
        order=order, user=seller, answers={"1": sales.LineAnswer(unit_price=Decimal(4)), "2": answer}
    )
    send_all()
    assert dict(order.lines.values_list("line_id", "status")) == {"1": CHANGED, "2": CHANGED}
    party.customer_change_order(JakamoOrder.objects.get(order_number="C-34"), {"2": change})
    inbox.sync(supplier.pk)
    order.refresh_from_db()
    # Line 1 still differs from our answer: the order waits for us, at the sandbox and here.
    assert order.status == SalesStatus.WAITING_US
    assert JakamoOrder.objects.get(order_number="C-34").status == JakamoStatus.WAITING_SUPPLIER
    assert dict(order.lines.values_list("line_id", "status")) == {"1": CHANGED, "2": "Confirmed"}
    assert order.lines.get(line_id="2").changed_in_version == 2


def test_a_customer_change_away_from_our_values_is_ours_to_confirm_again(network, supplier, seller):
    customer_orders(network, "C-35")
    inbox.sync(supplier.pk)
    order = SalesOrder.objects.get()
    sales.sales_confirm_with_changes(
        order=order,
        user=seller,
        answers={"1": sales.LineAnswer(unit_price=Decimal(4)), "2": sales.LineAnswer(promised_date=LATER)},
    )
    send_all()
    party.customer_change_order(
        JakamoOrder.objects.get(order_number="C-35"), {"2": party.CustomerChange(quantity=Decimal(12))}
    )
    inbox.sync(supplier.pk)
    assert dict(order.lines.values_list("line_id", "status")) == {"1": CHANGED, "2": ""}


# Jakamo holds a line delivered once every batch it has is. The sales state machine found an answer
# that split a line we had reported delivered into a new batch: Jakamo held the line "Confirmed with
# changes" again, while here it stayed Delivered (a final status).
def test_an_answer_cannot_add_a_batch_to_a_line_we_reported_delivered(network, supplier, seller):
    order = splittable_order(network, supplier, "C-36")
    sales.sales_deliver(order=order, user=seller, batch_ids=["C-36-2-1"])
    split = sales.LineAnswer(batches=[(Decimal(5), SOON), (Decimal(5), LATER)])
    with pytest.raises(Refused) as refused:
        sales.sales_confirm_with_changes(order=order, user=seller, answers={"2": split})
    assert refused.value.code == "line_delivered" and "C-36-2-1.1" in refused.value.message
    assert not OutboxMessage.objects.filter(document_type="OrderResponse").exists()

    sales.sales_confirm_with_changes(order=order, user=seller, answers={"2": sales.LineAnswer(promised_date=LATER)})
    send_all()
    jakamo = JakamoOrder.objects.get(order_number="C-36")
    assert [d.id for d in parse_order_document(jakamo.confirmed_xml).line("2").deliveries] == ["C-36-2-1"]
    assert jakamo.state["2"]["batches"]["C-36-2-1"]["delivered"]
    assert order.lines.get(line_id="2").status == "Delivered"
