"""Text that no XML message can carry (control characters, U+FFFE, U+FFFF: pasted from a
spreadsheet, say) is refused where it is typed, with the field and the character named, and nothing
is saved or sent. A value that reaches a builder some other way (a mapping edited in the admin) is
refused as a named problem, not a server error."""

from datetime import date
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from exchange.models import OutboxMessage
from mappings.models import CompanyMapping, UserMapping
from orders import intake, services
from orders.models import Confirmation, OrderStatus, PurchaseOrder
from tests.orders.factories import buyer_integration, order_with_confirmation

REFUSAL = "which a message to Jakamo cannot carry"


def order_form(integration, **changes) -> dict:
    data = {
        "order-integration": integration.pk,
        "order-order_number": "CTL-1",
        "order-supplier": "V-100",
        "order-buyer_contact": "bertha",
        "order-currency": "EUR",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "500",
        "lines-0-item_name": "Bolt",
        "lines-0-quantity": "100",
        "lines-0-unit_code": "PCE",
        "lines-0-price": "120",
        "lines-0-base_quantity": "10",
        "lines-0-requested_date": "2027-01-15",
    }
    return {**data, **changes}


def test_the_order_form_names_each_field_with_a_character_xml_cannot_carry(client, purchaser):
    integration = buyer_integration(purchaser)
    client.force_login(purchaser)
    data = order_form(integration, **{"lines-0-item_name": "HEX\x0bSCREW", "order-note": "see \ufffe"})
    response = client.post(reverse("orders:purchase_new"), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Contains the character U+000B (character 4), " + REFUSAL in page
    assert "Contains the character U+FFFE (character 5), " + REFUSAL in page
    assert not PurchaseOrder.objects.exists() and not OutboxMessage.objects.exists()
    # The same order without the stray characters goes through.
    response = client.post(reverse("orders:purchase_new"), order_form(integration), follow=True)
    assert "Order CTL-1 saved and queued" in response.content.decode()


def test_a_decision_note_xml_cannot_carry_is_refused_and_nothing_is_decided(client, purchaser):
    order, confirmation = order_with_confirmation("CTL-2", purchaser)
    client.force_login(purchaser)
    for action, note in (("reject", "too\x01dear"), ("lines", "x\x1fy"), ("accept", "ok\x08")):
        response = client.post(
            reverse("orders:confirmation_decide", args=[order.pk, 1, action]), {"note": note}, follow=True
        )
        page = response.content.decode()
        assert response.status_code == 200 and "Not decided" in page and REFUSAL in page, action
    # A note longer than the form allows is refused the same way (it used to end in a server error).
    response = client.post(
        reverse("orders:confirmation_decide", args=[order.pk, 1, "reject"]), {"note": "n" * 1001}, follow=True
    )
    assert "Not decided" in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.WAITING_CUSTOMER
    assert Confirmation.objects.get(pk=confirmation.pk).decision == Confirmation.Decision.PENDING
    assert not OutboxMessage.objects.filter(document_type="OrderChange").exists()
    assert not OutboxMessage.objects.filter(operation="simple_confirm").exists()


def test_mapping_forms_and_csv_imports_refuse_what_would_break_the_orders(client, integration_admin):
    integration = buyer_integration()
    client.force_login(integration_admin)
    page = client.post(
        reverse("mappings:company_mapping_add", args=[integration.pk]),
        {"identifier": "V-\x02", "company_name": "Nordic\x0bSteel", "role": "supplier"},
        follow=True,
    ).content.decode()
    assert "Not saved" in page and "U+0002" in page and "U+000B" in page
    page = client.post(
        reverse("mappings:user_mapping_add", args=[integration.pk]), {"identifier": "anna\x1b"}, follow=True
    ).content.decode()
    assert "Not saved" in page and "U+001B" in page
    csv = "identifier,company_name,role\nV-7,Good Supplier,supplier\nV-8,Bad\x0bSupplier,supplier\n"
    page = client.post(
        reverse("mappings:csv_import", args=[integration.pk, "companies"]),
        {"file": SimpleUploadedFile("m.csv", csv.encode())},
        follow=True,
    ).content.decode()
    assert "Nothing was imported." in page
    assert "Row 3: company_name contains the character U+000B (character 4)" in page
    assert set(CompanyMapping.objects.values_list("identifier", flat=True)) == {"V-100"}
    assert set(UserMapping.objects.values_list("identifier", flat=True)) == {"bertha"}


def test_a_mapping_that_xml_cannot_carry_refuses_the_order_by_name(purchaser):
    integration = buyer_integration(purchaser)
    # Saved around the forms (the admin, a database fix): the builder still refuses it by name.
    CompanyMapping.objects.filter(identifier="V-100").update(company_name="Test\x0bSupplier")
    header = {"supplier": "V-100", "buyer_contact": "bertha", "order_number": "CTL-3", "currency": "EUR"}
    line = {"item_name": "Bolt", "quantity": Decimal(5), "price": Decimal(2), "requested_date": date(2027, 1, 15)}
    try:
        intake.order_from_form(integration, header, [line], purchaser)
    except services.OrderRefused as exc:
        problems = [str(p) for p in exc.problems]
    else:
        raise AssertionError("the order was not refused")
    assert problems == [
        "Order/SellerSupplierParty/Party/PartyName/Name: the value contains the character U+000B (character 5), "
        "which an XML message cannot carry"
    ]
    assert not PurchaseOrder.objects.exists() and not OutboxMessage.objects.exists()
