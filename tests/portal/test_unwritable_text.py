"""Text that no XML message can carry (control characters, U+FFFE, U+FFFF: pasted from a
spreadsheet, say) is refused where it is typed, with the field and the character named, and nothing
is saved or sent. A value that reaches a builder some other way (a mapping edited in the admin) is
refused as a named problem, not a server error. The order form and the CSV import are in the
hostile-input corpus (test_hostile_inputs)."""

from datetime import date
from decimal import Decimal

from django.urls import reverse

from exchange.models import OutboxMessage
from mappings.models import CompanyMapping, UserMapping
from orders.models import Confirmation, OrderStatus, PurchaseOrder
from orders.purchase import intake, services
from tests.helpers import buyer_integration, order_with_confirmation

REFUSAL = "which a message to Jakamo cannot carry"


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


def test_mapping_forms_refuse_what_would_break_the_orders(client, integration_admin):
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
