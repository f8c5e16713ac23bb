"""The new-order and order-change forms: every field of the PO document's Order example goes from
the form into the document and back, errors are said per field keeping what was typed, a change
goes to Jakamo (the sandbox, over HTTP) as an OrderChange, and the XML downloads."""

import copy
import html
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from exchange.models import OutboxMessage
from jakamo import schema, ubl
from jakamo.ubl_build import build_order_document
from jakamo.ubl_parse import parse_order_document
from orders.models import OrderStatus, PurchaseOrder
from orders.purchase import form_document, order_form
from orders.purchase import services as purchase_services
from sandbox.models import Order as JakamoOrder
from tests.helpers import buyer_integration, placed, send_all
from tests.reference import XSD_DIR, by_title, require_shared


def mapped_sample(number: str, **kwargs) -> ubl.OrderDocument:
    """The sample Order with the supplier and buyer contact buyer_integration maps."""
    doc = form_document.sample_order(number, **kwargs)
    doc.seller_supplier_party.party.ids = [ubl.Identifier("V-100")]
    doc.buyer_customer_party.buyer_contact.id = "bertha"
    return doc


def reference_order() -> ubl.OrderDocument:
    return parse_order_document(by_title("Example - full PO: Sending a new order").encode())


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def post_data(header: dict, lines: list[dict], *, initial_forms: int = 0, **extra) -> dict:
    """What a browser posts for the forms filled with these values."""
    data = {f"order-{name}": _text(value) for name, value in header.items()}
    data.update(
        {
            "lines-TOTAL_FORMS": str(len(lines)),
            "lines-INITIAL_FORMS": str(initial_forms),
            "lines-MIN_NUM_FORMS": "1",
            "lines-MAX_NUM_FORMS": "500",
        }
    )
    for n, line in enumerate(lines):
        data.update({f"lines-{n}-{name}": _text(value) for name, value in line.items()})
    data.update(extra)
    return data


def bound(data: dict, *, change: bool):
    header = order_form.OrderForm(data, prefix="order", change=change)
    lines = order_form.OrderLineFormSet(data, prefix="lines", change=change)
    assert header.is_valid(), header.errors
    assert lines.is_valid(), (lines.errors, lines.non_form_errors())
    return header.cleaned_data, [form.cleaned_data for form in lines if form.cleaned_data]


def carried(doc: ubl.OrderDocument) -> dict:
    """What the forms carry of a document, field by field, as the reference example writes it."""
    line = doc.lines[0]
    delivery = doc.delivery.delivery_location.address
    return {
        "notes": doc.notes,
        "currency": doc.document_currency_code,
        "customer_reference": doc.customer_reference,
        "references": [(r.id, r.document_type_code) for r in doc.additional_document_references],
        "e_invoice_email": next(
            r.document_description for r in doc.additional_document_references if r.document_type_code == "ADE"
        ),
        "contract": doc.contract_ids,
        "project": doc.project_reference_id,
        "delivery_terms": (doc.delivery_terms.id, doc.delivery_terms.location.description),
        "delivery_address": (
            delivery.street_name,
            delivery.postal_zone,
            delivery.city_name,
            delivery.country.identification_code,
        ),
        "delivery_party": doc.delivery.delivery_party.name,
        "payment_terms": (doc.payment_terms.id, doc.payment_terms.note),
        "line_id": line.id,
        "line_notes": line.notes,
        "quantity": (line.quantity.value, line.quantity.unit_code),
        "discount": [(a.charge_indicator, a.multiplier_factor_numeric, a.amount.value) for a in line.allowance_charges],
        "price": (line.price.amount.value, line.price.base_quantity.value),
        "item": (
            line.item.name,
            line.item.description,
            line.item.buyers_item_identification.id,
            line.item.sellers_item_identification.id,
        ),
        "line_contract": [(r.id, r.document_type_code) for r in line.document_references],
        "batches": [(d.quantity.value, d.requested_end_date) for d in line.deliveries],
    }


def test_every_field_the_new_order_form_carries_reaches_the_document_as_the_reference_example_has_it(purchaser):
    reference = reference_order()
    header, lines = form_document.form_initial(reference)
    header["integration"] = buyer_integration(purchaser).pk
    cleaned_header, rows = bound(post_data(header, lines), change=False)
    made = form_document.document_from_form(None, cleaned_header, rows, number=reference.id)
    # Through the XML and back: what the builder writes is what the reader reads.
    again = parse_order_document(build_order_document(made))
    expected = carried(reference)
    assert carried(made) == expected
    assert carried(again) == expected
    # Field by field, against the reference example's own values.
    assert expected["references"] == [
        ("Delivery method X", "ZZZ"),
        ("SUPPLIER_REFERENCE_1234567890", "SS"),
        ("Shipping mark X", "SM"),
        ("Goods Label X", "GLB"),
        ("003707224808", "ADE"),
        ("Version 1", "PP"),
    ]
    assert expected["discount"] == [(False, Decimal("0.2"), Decimal(240))]
    assert expected["delivery_terms"] == ("FCA", "Seinäjoki")
    assert expected["payment_terms"] == ("1", "within 60 days Due net")
    assert expected["line_contract"] == [("CONTRACT_REFERENCE_1", "315")]
    assert expected["line_notes"] == [f"Orderline additional info {n}" for n in (1, 2, 3)]


def test_the_change_form_prefilled_from_the_document_changes_nothing_it_is_not_told_to(db):
    reference = reference_order()
    header, lines = form_document.form_initial(reference)
    cleaned_header, rows = bound(post_data(header, lines, initial_forms=1), change=True)
    # What the form does not show (the accounting party, the item's manufacturer, the batch's
    # project number, LineExtensionAmount, …) stays as the order has it.
    assert form_document.document_from_form(reference, cleaned_header, rows) == reference


def test_a_change_puts_in_what_was_changed_and_keeps_the_rest(db):
    reference = reference_order()
    header, lines = form_document.form_initial(reference)
    header.update(payment_terms="within 30 days", delivery_country="SE", shipping_mark="")
    lines[0].update(quantity=Decimal(120), batches="80@2027-01-15; 40@2027-02-01", discount=Decimal(10))
    new_line = {"item_name": "Washer", "quantity": 5, "unit_code": "PCE", "price": 1, "requested_date": "2027-03-01"}
    cleaned_header, rows = bound(post_data(header, [*lines, new_line], initial_forms=1), change=True)
    changed = form_document.document_from_form(reference, cleaned_header, rows)

    assert changed.payment_terms.note == "within 30 days" and changed.payment_terms.id == "1"
    country = changed.delivery.delivery_location.address.country
    assert (country.identification_code, country.name) == ("SE", None)  # "FINLAND" would contradict SE
    assert "SM" not in [r.document_type_code for r in changed.additional_document_references]
    line = changed.line("1")
    assert line.quantity.value == 120 and line.line_extension_amount is None  # the ERP's 960 was for 100
    # The first batch keeps its id and what the form does not show of it; the second is new.
    first, second = line.deliveries
    assert first.id == "DELIVERY_ID_1" and first.quantity.value == 80 and first.requested_end_date == date(2027, 1, 15)
    assert first.document_references == reference.lines[0].deliveries[0].document_references
    assert second.id == "purchase_order_number-1234-1-1" and second.quantity.value == 40
    assert [(a.multiplier_factor_numeric, a.amount.value) for a in line.allowance_charges] == [
        (Decimal("0.1"), Decimal(144))  # 10 % of 120 × 120 per 10
    ]
    assert line.item.manufacturer_party == reference.lines[0].item.manufacturer_party
    assert changed.line("2").item.name == "Washer" and changed.line("2").deliveries[0].quantity.value == 5
    assert changed.accounting_customer_party == reference.accounting_customer_party


def test_the_sample_xml_carries_every_field_of_the_forms_and_is_a_valid_order(client, purchaser):
    client.force_login(purchaser)
    response = client.get(reverse("orders:purchase_sample_xml"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/xml")
    assert 'filename="sample-order.xml"' in response["Content-Disposition"]
    sample = parse_order_document(response.content)
    header, lines = form_document.form_initial(sample)
    assert all(value not in ("", None) for name, value in header.items() if name != "issue_date"), header
    assert all(lines[0][name] not in ("", None) for name in lines[0] if name != "requested_date"), lines[0]
    assert lines[0]["batches"]  # the batch format, shown filled


def test_it_downloads_the_order_as_xml(client, purchaser):
    integration = buyer_integration(purchaser)
    order = purchase_services.purchase_order_create(
        integration=integration, document=mapped_sample("DL/1 “x”"), user=purchaser
    )
    client.force_login(purchaser)
    page = client.get(order.get_absolute_url()).content.decode()
    assert reverse("orders:purchase_xml", args=[order.pk]) in page
    assert reverse("orders:purchase_edit", args=[order.pk]) in page
    response = client.get(reverse("orders:purchase_xml", args=[order.pk]))
    assert response.content.decode() == order.document_xml
    assert response["Content-Disposition"] == 'attachment; filename="DL_1_x.xml"'


NEW_ORDER = {
    "integration": None,
    "order_number": "F-1",
    "currency": "EUR",
    "supplier": "V-100",
    "buyer_contact": "bertha",
    "note": "Deliver to gate 4\nCall before",
    "customer_reference": "REF-9",
    "delivery_terms": "FCA",
    "delivery_terms_place": "Seinäjoki",
    "payment_terms": "within 60 days Due net",
}
LINES = [
    {
        "item_name": "Bolt",
        "description": "ISO 4014 M16x80",
        "quantity": "80",
        "unit_code": "PCE",
        "price": "120",
        "base_quantity": "10",
        "discount": "20",
        "batches": "40@2027-01-15; 40@2027-02-01",
        "note": "Packed in tens",
    },
    {"item_name": "Nut", "quantity": "5", "unit_code": "PCE", "price": "2", "requested_date": "2027-01-20"},
]


def test_errors_are_said_per_field_and_keep_what_was_typed(client, purchaser):
    integration = buyer_integration(purchaser)
    client.force_login(purchaser)
    lines = copy.deepcopy(LINES)
    lines[0].update(batches="40@2027-01-15; 40@next week", description="keep me")
    lines[1].update(quantity="lots", requested_date="")
    header = {**NEW_ORDER, "integration": integration.pk, "delivery_country": "FIN", "e_invoice_email": "nope"}
    page = html.unescape(client.post(reverse("orders:purchase_new"), post_data(header, lines)).content.decode())

    def error_of(field_id: str) -> str:
        start = page.index(f'id="{field_id}_error"')
        return page[start : page.index("</ul>", start)]

    assert "is not quantity@YYYY-MM-DD" in error_of("id_lines-0-batches")
    assert "Enter a number" in error_of("id_lines-1-quantity")
    assert "Enter the requested date" in error_of("id_lines-1-requested_date")
    assert "at most 2 characters" in error_of("id_order-delivery_country")
    assert "valid email address" in error_of("id_order-e_invoice_email")
    for kept in ('value="40@2027-01-15; 40@next week"', 'value="keep me"', 'value="lots"', 'value="FIN"'):
        assert kept in page
    assert "Deliver to gate 4\nCall before</textarea>" in page
    assert not PurchaseOrder.objects.exists()


def test_the_form_shows_the_batch_format_and_adds_a_line_without_javascript(client, purchaser):
    integration = buyer_integration(purchaser)
    client.force_login(purchaser)
    page = html.unescape(client.get(reverse("orders:purchase_new")).content.decode())
    assert "Example: 40@2027-01-15; 40@2027-02-01" in page
    data = post_data({**NEW_ORDER, "integration": integration.pk}, LINES[:1], add_line="1")
    page = client.post(reverse("orders:purchase_new"), data).content.decode()
    assert 'name="lines-TOTAL_FORMS" value="2"' in page and 'name="lines-1-item_name"' in page
    assert 'value="40@2027-01-15; 40@2027-02-01"' in page
    assert not PurchaseOrder.objects.exists()  # adding a line sends nothing


def test_a_new_order_from_the_form_carries_its_fields(client, purchaser):
    integration = buyer_integration(purchaser)
    client.force_login(purchaser)
    data = post_data({**NEW_ORDER, "integration": integration.pk}, LINES)
    response = client.post(reverse("orders:purchase_new"), data, follow=True)
    assert "Order F-1 saved and queued" in response.content.decode()
    order = PurchaseOrder.objects.get()
    doc = parse_order_document(order.document_xml)
    assert doc.notes == ["Deliver to gate 4", "Call before"] and doc.customer_reference == "REF-9"
    assert doc.delivery_terms.id == "FCA" and doc.payment_terms.note == "within 60 days Due net"
    bolt = doc.line("1")
    assert bolt.item.description == "ISO 4014 M16x80" and bolt.notes == ["Packed in tens"]
    assert [(d.id, d.quantity.value) for d in bolt.deliveries] == [("F-1-1-1", 40), ("F-1-1-2", 40)]
    # 80 × 12 less 20 %, and 5 × 2: the discount counts in the order's value.
    assert order.ordered_total == Decimal(768) + Decimal(10)


def test_the_edit_form_sends_an_order_change_to_jakamo(network, buyer, purchaser, client):
    order = placed(buyer, purchaser, "E-1")
    client.force_login(purchaser)
    page = client.get(reverse("orders:purchase_edit", args=[order.pk])).content.decode()
    assert 'name="lines-INITIAL_FORMS" value="2"' in page and 'value="E-1-1-1"' not in page
    header, lines = form_document.form_initial(purchase_services.order_document(order))
    lines[0].update(quantity=Decimal(150), batches="100@2027-01-15; 50@2027-02-15")
    header.update(note="Revised: more bolts", delivery_terms="DAP")
    response = client.post(
        reverse("orders:purchase_edit", args=[order.pk]), post_data(header, lines, initial_forms=2), follow=True
    )
    assert "Revised: the OrderChange is on its way to Jakamo." in response.content.decode()
    send_all()
    assert OutboxMessage.objects.get(document_type="OrderChange").status == "sent"
    at_jakamo = parse_order_document(JakamoOrder.objects.get(order_number="E-1").requested_xml)
    assert at_jakamo.kind == ubl.ORDER_CHANGE and at_jakamo.notes == ["Revised: more bolts"]
    assert at_jakamo.delivery_terms.id == "DAP"
    assert [(d.id, d.quantity.value) for d in at_jakamo.line("1").deliveries] == [("E-1-1-1", 100), ("E-1-1-2", 50)]
    assert at_jakamo.line("2") is not None
    order.refresh_from_db()
    assert order.status == OrderStatus.WAITING_SUPPLIER and order.lines.get(line_id="1").quantity == 150


def test_a_closed_order_is_not_changed_by_the_form(client, purchaser):
    integration = buyer_integration(purchaser)
    order = purchase_services.purchase_order_create(
        integration=integration, document=mapped_sample("C-1"), user=purchaser
    )
    purchase_services.purchase_order_cancel(order=order, user=purchaser)
    client.force_login(purchaser)
    header, lines = form_document.form_initial(purchase_services.order_document(order))
    response = client.post(
        reverse("orders:purchase_edit", args=[order.pk]), post_data(header, lines, initial_forms=2), follow=True
    )
    assert '<li class="error">Order C-1 is “Cancelled” in Jakamo and cannot be reopened' in html.unescape(
        response.content.decode()
    )
    assert not OutboxMessage.objects.filter(document_type="OrderChange").exists()


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("order-customer_reference", "R" * 201, "at most 200 characters"),
        ("order-note", "N" * 2001, "at most 2000 characters"),
        ("lines-0-description", "D" * 1001, "at most 1000 characters"),
        ("lines-0-item_name", "I" * 301, "at most 300 characters"),
        ("lines-0-quantity", "1" * 15, "no more than 14 digits before the decimal point"),
        ("lines-0-price", "9" * 15, "no more than 14 digits before the decimal point"),
        ("lines-0-discount", "100.5", "less than or equal to 100"),
        ("lines-0-batches", "1@2027-01-01;" * 100, "at most 1000 characters"),
    ],
)
def test_long_and_large_values_are_refused_by_field(client, purchaser, field, value, said):
    """On PostgreSQL in CI: a value beyond its field is refused on the form, never cut or a 500."""
    integration = buyer_integration(purchaser)
    client.force_login(purchaser)
    data = post_data({**NEW_ORDER, "integration": integration.pk}, LINES[1:], **{field: value})
    response = client.post(reverse("orders:purchase_new"), data)
    page = html.unescape(response.content.decode())
    assert response.status_code == 200
    start = page.index(f'id="id_{field}_error"')
    assert said in page[start : page.index("</ul>", start)]
    assert not PurchaseOrder.objects.exists()


def test_the_largest_values_the_fields_take_make_an_order_or_a_refusal_by_name(client, purchaser):
    integration = buyer_integration(purchaser)
    client.force_login(purchaser)
    line = {**LINES[1], "quantity": "9" * 14, "price": "9" * 14, "item_name": "I" * 300}
    header = {**NEW_ORDER, "integration": integration.pk, "customer_reference": "R" * 200, "note": "N" * 2000}
    page = html.unescape(
        client.post(reverse("orders:purchase_new"), post_data(header, [line]), follow=True).content.decode()
    )
    # The line's value (10^28) fits no total column: refused by the bounds check, by name.
    assert "was not sent" in page and "too large" in page
    assert "The unit price 99,999,999,999,999 is too large" in page
    # Said beside the line's price too, not only above the form.
    start = page.index('id="id_lines-0-price_error"')
    assert "The unit price 99,999,999,999,999 is too large" in page[start : page.index("</ul>", start)]
    line.update(quantity="1", price="9" * 12)
    page = client.post(reverse("orders:purchase_new"), post_data(header, [line]), follow=True).content.decode()
    assert "Order F-1 saved and queued" in page
    doc = parse_order_document(PurchaseOrder.objects.get().document_xml)
    assert doc.customer_reference == "R" * 200 and doc.notes == ["N" * 2000] and doc.lines[0].item.name == "I" * 300


def test_a_refusal_about_a_mapping_is_said_at_its_field(client, purchaser):
    integration = buyer_integration(purchaser)
    client.force_login(purchaser)
    data = post_data({**NEW_ORDER, "integration": integration.pk, "supplier": "V-999"}, LINES)
    page = html.unescape(client.post(reverse("orders:purchase_new"), data).content.decode())
    start = page.index('id="id_order-supplier_error"')
    assert "no company mapping for supplier “V-999”" in page[start : page.index("</ul>", start)]
    assert 'value="V-999"' in page and not PurchaseOrder.objects.exists()


def test_a_single_batch_that_is_not_the_whole_line_is_shown_not_silently_made_whole(db):
    # The PO document's minimal example: a line of 10 with one batch of 70.
    minimal = parse_order_document(by_title("Example - minimal PO").encode())
    header, lines = form_document.form_initial(minimal)
    assert lines[0]["batches"] == "70@2024-01-28"
    form = order_form.OrderLineForm(post_data(header, lines), prefix="lines-0", change=True)
    assert not form.is_valid()
    assert form.errors["batches"] == ["The batches add up to 70, the line is 10."]


def test_in_finnish_the_edit_form_keeps_its_dates_and_says_errors_in_finnish(client, purchaser):
    integration = buyer_integration(purchaser)
    order = purchase_services.purchase_order_create(
        integration=integration, document=mapped_sample("FI-1", today=date(2027, 1, 1)), user=purchaser
    )
    client.force_login(purchaser)
    client.cookies["django_language"] = "fi"
    page = client.get(reverse("orders:purchase_edit", args=[order.pk])).content.decode()
    # A date input shows only an ISO date; 15.02.2027 would show (and save) nothing.
    assert 'name="lines-1-requested_date" value="2027-02-15"' in page
    header, lines = form_document.form_initial(purchase_services.order_document(order))
    lines[1]["quantity"] = "paljon"
    data = post_data(header, lines, initial_forms=2)
    page = html.unescape(client.post(reverse("orders:purchase_edit", args=[order.pk]), data).content.decode())
    start = page.index('id="id_lines-1-quantity_error"')
    assert "Syötä luku" in page[start : page.index("</ul>", start)]


def test_the_sample_and_what_the_forms_make_validate_against_ubl_21(purchaser):
    require_shared()
    assert schema.validate(build_order_document(form_document.sample_order()), XSD_DIR) == []
    header, lines = form_document.form_initial(reference_order())
    header["integration"] = buyer_integration(purchaser).pk
    cleaned_header, rows = bound(post_data(header, lines), change=False)
    made = form_document.document_from_form(None, cleaned_header, rows, number="V-1")
    made.buyer_customer_party = ubl.CustomerParty(ubl.Party([ubl.Identifier("NORDIC")]), buyer_contact=ubl.Contact("b"))
    made.seller_supplier_party = ubl.SupplierParty(ubl.Party([ubl.Identifier("V-100")]))
    assert schema.validate(build_order_document(made), XSD_DIR) == []


def test_an_order_with_more_lines_than_the_form_takes_is_changed_by_its_xml(client, purchaser):
    integration = buyer_integration(purchaser)
    document = form_document.sample_order("BIG-1")
    document.lines = [copy.deepcopy(document.lines[1]) for _ in range(501)]
    for n, line in enumerate(document.lines, 1):
        line.id = str(n)
        line.deliveries[0].id = f"BIG-1-{n}"
    order = purchase_services.purchase_order_create(integration=integration, document=document, user=purchaser)
    client.force_login(purchaser)
    page = client.get(reverse("orders:purchase_edit", args=[order.pk])).content.decode()
    assert "This order has 501 lines, more than the form takes." in page and 'id="order-form"' not in page
    assert reverse("orders:purchase_xml", args=[order.pk]) in page
    assert reverse("orders:purchase_change", args=[order.pk, "revise"]) in page


def test_quantity_zero_in_the_change_form_cancels_the_line_with_its_batches(client, purchaser):
    integration = buyer_integration(purchaser)
    order = purchase_services.purchase_order_create(
        integration=integration, document=mapped_sample("Z-1"), user=purchaser
    )
    client.force_login(purchaser)
    header, lines = form_document.form_initial(purchase_services.order_document(order))
    assert lines[0]["batches"]  # two batches, left as they are
    lines[0]["quantity"] = "0"
    data = post_data(header, lines, initial_forms=2)
    response = client.post(reverse("orders:purchase_edit", args=[order.pk]), data, follow=True)
    assert "Revised: the OrderChange is on its way to Jakamo." in response.content.decode()
    change = parse_order_document(bytes(OutboxMessage.objects.get(document_type="OrderChange").body))
    assert change.line("1").quantity.value == 0 and [d.quantity.value for d in change.line("1").deliveries] == [0, 0]
    assert order.lines.get(line_id="1").status == "Cancelled"


def test_batch_quantities_take_a_decimal_comma_as_finnish_is_written(db):
    from django.core.exceptions import ValidationError

    from orders.forms import delivery_batches

    assert delivery_batches("5,5@2027-01-15; 4.5@2027-02-01") == [
        (Decimal("5.5"), date(2027, 1, 15)),
        (Decimal("4.5"), date(2027, 2, 1)),
    ]
    with pytest.raises(ValidationError) as refused:
        delivery_batches("1,000.5@2027-01-15")  # a thousands mark and a point: not read as a number
    assert "1,000.5@2027-01-15" in " ".join(refused.value.messages)
