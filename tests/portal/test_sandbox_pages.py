"""The sandbox page lets a person play the other party and arm faults."""

from django.urls import reverse

from jakamo.ubl_build import build_order_document
from sandbox import demo, services
from sandbox.models import Fault, Order, OrderStatus


def test_the_page_lists_integrations_and_orders(client, support, network):
    services.receive_po_document(network["po"], build_order_document(demo.sample_order("S-1")))
    client.force_login(support)
    page = client.get(reverse("sandbox:home")).content.decode()
    assert "po-nordic" in page and "S-1" in page and "Waiting for supplier confirmation" in page


def test_confirm_with_changes_from_the_page(client, purchaser, network):
    order = services.receive_po_document(network["po"], build_order_document(demo.sample_order("S-2")))
    client.force_login(purchaser)
    response = client.post(
        reverse("sandbox:order_action", args=[order.pk]),
        {"action": "confirm_changes", "lines": "1", "quantity": "70"},
        follow=True,
    )
    assert "Confirm with changes: done." in response.content.decode()
    assert Order.objects.get(pk=order.pk).status == OrderStatus.WAITING_CUSTOMER


def test_a_refused_action_says_why(client, purchaser, network):
    order = services.receive_po_document(network["po"], build_order_document(demo.sample_order("S-3")))
    client.force_login(purchaser)
    response = client.post(
        reverse("sandbox:order_action", args=[order.pk]), {"action": "confirm_changes", "lines": "1"}, follow=True
    )
    assert "Say what changes" in response.content.decode()


def customer_order(network, **changes) -> dict:
    return {
        "supplier": network["so"].pk,
        "customer_company": "Customer Company AB",
        "item_name": "Bolt",
        "quantity": "5",
        "unit_price": "2",
        "requested_date": "2027-01-01",
        "lines": "1",
        **changes,
    }


def test_arm_a_fault_and_place_a_customer_order(client, integration_admin, network):
    client.force_login(integration_admin)
    client.post(reverse("sandbox:faults"), {"kind": "error_500", "count": "3"})
    assert Fault.objects.get().remaining == 3
    response = client.post(reverse("sandbox:customer_order"), customer_order(network, lines="2"), follow=True)
    order = Order.objects.get(buyer_company="Customer Company AB")
    assert "is in Nordic Parts Oy" in response.content.decode() and len(order.state) == 2


def test_text_xml_cannot_carry_is_refused_on_the_sandbox_forms(client, integration_admin, network):
    client.force_login(integration_admin)
    data = customer_order(network, item_name="HEX\x0bSCREW")
    response = client.post(reverse("sandbox:customer_order"), data, follow=True)
    assert "Not placed" in response.content.decode() and "U+000B (character 4)" in response.content.decode()
    assert not Order.objects.filter(buyer_company="Customer Company AB").exists()


def test_people_without_the_sandbox_permission_are_refused(client, nobody, network):
    client.force_login(nobody)
    assert client.get(reverse("sandbox:home")).status_code == 403


def test_it_shows_the_line_state_as_a_table(client, purchaser):
    order = Order.objects.create(
        buyer_company="Nordic Buyer Oy",
        supplier_company="Acme",
        order_number="S-1",
        requested_xml="<Order/>",
        state={
            "1": {"status": "Started receiving", "batches": {"1": {"received": "25", "received_date": "2026-11-30"}}},
            "2": {"status": "Confirmed", "delivered": True, "tracking_number": "JJFI123", "batches": {}},
        },
    )
    client.force_login(purchaser)
    page = client.get(f"/sandbox/orders/{order.pk}/").content.decode()
    assert "{&#x27;" not in page and "{'" not in page  # no Python dict
    table = page.split('id="line-state"')[1].split("</table>")[0]
    assert "Started receiving" in table and "2026-11-30" in table and "JJFI123" in table
    assert ">25<" in table
