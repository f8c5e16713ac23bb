"""The seller's working day on the sales pages: order values and the waiting count, numbers as a
person reads them, the answer form's split field and refusals beside their line, what we proposed,
a customer's change marked in the lines, links only where they open, the 403 page, and who
delivered when no person did."""

import html
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from common.templatetags.numbers import money, quantity
from exchange import inbox
from exchange.models import InboxMessage, OutboxMessage
from jakamo.ubl_parse import parse_order_document
from mappings.models import UserMapping
from orders.models import SalesConfirmation, SalesOrder
from orders.sales import services as sales
from sandbox import party
from sandbox.models import Order as JakamoOrder
from shipments import tasks
from shipments.models import ShipHeroWebhook, WebhookState
from tests.helpers import SOON, customer_orders, post_shiphero, send_all

LATER = date.today() + timedelta(days=40)


@pytest.fixture
def arrived(network, supplier):
    customer_orders(network, "D-1")
    inbox.sync(supplier.pk)
    return SalesOrder.objects.get(order_number="D-1")


def two_batches(network, supplier, number="D-2", **line) -> SalesOrder:
    """A customer order whose line 1 comes in two batches (30 and 20 Bearings)."""
    party.customer_place_order(
        network["so"],
        customer_company="Customer Company AB",
        order_number=number,
        lines=[
            party.CustomerLine(
                "Bearing", Decimal(50), Decimal("4.20"), SOON, batches=((Decimal(30), SOON), (Decimal(20), LATER))
            ),
            party.CustomerLine("Shaft", Decimal(10), Decimal(31), SOON, **line),
        ],
    )
    inbox.sync(supplier.pk)
    return SalesOrder.objects.get(order_number=number)


def page_of(client, order) -> str:
    return html.unescape(client.get(order.get_absolute_url()).content.decode())


# -- value and count -------------------------------------------------------------------------------
def test_it_shows_each_sales_orders_value_in_its_currency_in_the_list_and_on_the_page(client, seller, arrived):
    assert arrived.value == Decimal("520.0000")  # 50 × 4.20 + 10 × 31
    client.force_login(seller)
    listing = html.unescape(client.get(reverse("orders:sales_list")).content.decode())
    assert listing.count("520.00 EUR") == 2  # the waiting list and the full list
    assert 'data-testid="order-value">520.00 EUR<' in page_of(client, arrived)
    csv = b"".join(client.get(reverse("orders:sales_list"), {"format": "csv"}).streaming_content).decode()
    assert csv.splitlines()[0].endswith(",value") and "520.0000" in csv


def test_the_value_is_net_and_follows_the_customers_latest_version(client, seller, network, supplier, arrived):
    discounted = two_batches(network, supplier, line_extension_amount=Decimal(300))
    assert discounted.value == Decimal("510.0000")  # 210 + the customer's own 300 for 10 × 31
    party.customer_change_order(
        JakamoOrder.objects.get(order_number="D-1"), {"1": party.CustomerChange(quantity=Decimal(60))}
    )
    inbox.sync(supplier.pk)
    arrived.refresh_from_db()
    assert arrived.version == 2 and arrived.value == Decimal("562.0000")


def test_the_navigation_counts_the_orders_waiting_for_our_answer(client, seller, network, supplier, arrived):
    two_batches(network, supplier)
    client.force_login(seller)
    page = client.get(reverse("home")).content.decode()
    assert 'Sales orders<span class="count" title="awaiting you">2</span>' in page
    sales.sales_confirm_as_requested(order=arrived, user=seller)
    page = client.get(reverse("home")).content.decode()
    assert 'Sales orders<span class="count" title="awaiting you">1</span>' in page


# -- numbers ---------------------------------------------------------------------------------------
def test_numbers_drop_insignificant_zeros_and_money_keeps_two_decimals_in_the_readers_language():
    with translation.override("en"):
        assert money(Decimal("35.500000")) == "35.50"
        assert money(Decimal("1234.125000")) == "1,234.125"
        assert quantity(Decimal("10.0000")) == "10" and quantity(Decimal("2.5000")) == "2.5"
        assert money(None) == "" and money("not a number") == ""
    with translation.override("fi"):
        assert money(Decimal("35.500000")) == "35,50"
        assert money(Decimal("1234.125000")) == "1\xa0234,125"
        assert quantity(Decimal("2.5000")) == "2,5"


def test_the_order_page_shows_prices_and_quantities_without_the_columns_zeros(client, seller, arrived):
    client.force_login(seller)
    page = page_of(client, arrived)
    assert "4.200000" not in page and "50.0000" not in page
    assert '<td class="num">4.20</td>' in page and '<td class="num">50 PCE</td>' in page
    client.post(reverse("set_language"), {"language": "fi", "next": "/"})
    page = page_of(client, arrived)
    assert '<td class="num">4,20</td>' in page and "520,00 EUR" in page


# -- the answer form -------------------------------------------------------------------------------
def test_a_split_is_offered_only_where_the_answer_rules_allow_one(client, seller, network, supplier, arrived):
    client.force_login(seller)
    page = page_of(client, arrived)
    # One batch a line and no new batches allowed: nothing to split, so no field and no column.
    assert 'name="l1_batches"' not in page and "Split into batches" not in page
    page = page_of(client, two_batches(network, supplier))
    assert 'name="l1_batches"' in page and 'name="l2_batches"' not in page
    assert "Quantity per batch (qty@date; …)" in page and "one part for each of the customer's 2 batches" in page
    assert "Split into batches" not in page
    supplier.allow_new_batches = True
    supplier.save()
    page = page_of(client, arrived)
    assert 'name="l1_batches"' in page and "Split into batches (qty@date; …)" in page


def test_a_forbidden_split_is_refused_beside_its_line_and_every_typed_value_stays(client, seller, network, supplier):
    order = two_batches(network, supplier)
    client.force_login(seller)
    typed = {
        "l1_quantity": "50",
        "l1_batches": "20@2027-01-10; 20@2027-02-10; 10@2027-03-10",
        "l2_quantity": "8",
        "l2_unit_price": "30.5",
        "l2_promised_date": "2027-02-01",
        "note": "three deliveries suit us",
    }
    response = client.post(reverse("orders:sales_confirm", args=[order.pk, "with_changes"]), typed)
    page = html.unescape(response.content.decode())
    assert response.status_code == 400
    assert "Not sent: what is wrong is shown beside its line below; what you typed is kept." in page
    assert 'data-testid="refusal-1"><p>Line 1: this integration does not allow new delivery batches' in page
    assert 'data-testid="refusal-2"' not in page
    for name, value in typed.items():
        if name != "note":
            assert f'name="{name}" value="{value}"' in page or f'value="{value}"' in page, name
    assert "three deliveries suit us</textarea>" in page
    assert 'aria-describedby="refusal-1"' in page
    assert not OutboxMessage.objects.filter(document_type="OrderResponse").exists()


def test_after_sending_the_page_shows_what_we_proposed_and_its_state(client, seller, arrived):
    client.force_login(seller)
    client.post(
        reverse("orders:sales_confirm", args=[arrived.pk, "with_changes"]),
        {"l1_quantity": "45", "l1_unit_price": "4.1", "l1_promised_date": "2027-02-15", "note": "45 now"},
    )
    page = page_of(client, arrived)
    proposal = page[page.index("What we proposed") : page.index("Our confirmations")]
    assert '<td>1</td><td class="num">45 PCE</td><td class="num">4.10</td><td class="num">184.50</td>' in proposal
    assert "D-1-1-1: 45 on 2027-02-15" in proposal and "Confirmed with changes" in proposal
    assert '<td>2</td><td class="num">10 PCE</td><td class="num">31.00</td>' in proposal
    assert "Note: 45 now" in proposal
    assert '<span class="badge">Waiting to send</span> Waiting for the customer (we proposed changes)' in proposal
    send_all()
    page = page_of(client, arrived)
    assert '<span class="badge">Sent</span> Waiting for the customer (we proposed changes)' in page


def test_a_customers_change_is_marked_in_the_lines_old_then_new(client, seller, network, supplier, arrived):
    sales.sales_confirm_as_requested(order=arrived, user=seller)
    send_all()
    party.customer_change_order(
        JakamoOrder.objects.get(order_number="D-1"),
        {"1": party.CustomerChange(quantity=Decimal(60)), "2": party.CustomerChange(price=Decimal("32.5"))},
    )
    inbox.sync(supplier.pk)
    client.force_login(seller)
    page = page_of(client, arrived)
    assert 'data-testid="changed-quantity-1"><del>50</del> → <ins>60</ins>' in page
    assert 'data-testid="changed-price-2"><del>31.00</del> → <ins>32.50</ins>' in page
    assert 'data-testid="changed-quantity-2"' not in page and 'data-testid="changed-price-1"' not in page
    assert page.count('class="customer-changed"') == 2


# -- links, the 403 page, who answered ------------------------------------------------------------
def test_a_seller_gets_no_link_to_a_message_they_may_not_open_and_support_does(client, seller, support, arrived):
    sales.sales_confirm_as_requested(order=arrived, user=seller)
    send_all()
    message = OutboxMessage.objects.get(document_key="D-1")
    client.force_login(seller)
    assert message.get_absolute_url() not in page_of(client, arrived)
    assert client.get(message.get_absolute_url()).status_code == 403
    client.force_login(support)
    assert message.get_absolute_url() in page_of(client, arrived)


def test_the_403_page_is_in_the_portals_layout_with_a_way_back(client, seller, arrived):
    client.force_login(seller)
    url = reverse("exchange:message_list")
    response = client.get(url, HTTP_REFERER=f"http://testserver{arrived.get_absolute_url()}")
    page = html.unescape(response.content.decode())
    assert response.status_code == 403
    assert 'nav class="main"' in page and "css/portal.css" in page
    assert "This page is not open to you" in page and "ask an administrator" in page
    assert f'<a href="http://testserver{arrived.get_absolute_url()}">← Back to the page you came from</a>' in page
    assert '<a href="/">Go to the home page</a>' in page
    page = client.get(url, HTTP_REFERER="https://evil.example/").content.decode()
    assert "evil.example" not in page and "Back to the page you came from" not in page


def test_a_delivery_shiphero_reported_names_shiphero_not_a_person(client, seller, shiphero_endpoint, arrived):
    sales.sales_confirm_as_requested(order=arrived, user=seller)
    send_all()
    items = [
        {"order_line_item_id": n, "partner_line_item_id": f"D-1-{n}", "sku": "s", "name": "s", "quantity": q}
        for n, q in ((1, 50), (2, 10))
    ]
    payload = party.shiphero_payload(kind="courier", order_id="900001", line_items=items)
    post_shiphero(client, shiphero_endpoint, payload)
    for hook in ShipHeroWebhook.objects.filter(state=WebhookState.RECEIVED):
        tasks.process_webhook(hook.pk)
    delivered = SalesConfirmation.objects.get(order=arrived, kind=SalesConfirmation.Kind.DELIVERED)
    assert delivered.user is None and delivered.source == "ShipHero (webhook: ShipHero)"
    client.force_login(seller)
    page = page_of(client, arrived)
    row = page[page.index("Marked delivered") :].split("</tr>")[0]
    assert "ShipHero (webhook: ShipHero)" in row and "None" not in row


# -- the OrderResponse's amounts, as Jakamo receives them -------------------------------------------
@pytest.mark.parametrize(
    ("asked_amount", "answer", "line_1_amount"),
    [
        (Decimal(210), {"quantity": Decimal(40)}, Decimal("168.00")),  # 40 × 4.20, not the asked 210
        (Decimal(200), {"quantity": Decimal(40)}, Decimal("160.00")),  # the customer's discount kept: 200 × 40/50
        (None, {"quantity": Decimal(40), "unit_price": Decimal("4.5")}, Decimal("180.00")),
    ],
)
def test_a_confirmation_with_changes_carries_the_line_amount_for_what_we_confirm(
    network, supplier, seller, asked_amount, answer, line_1_amount
):
    party.customer_place_order(
        network["so"],
        customer_company="Customer Company AB",
        order_number="LEA-1",
        lines=[
            party.CustomerLine("Bearing", Decimal(50), Decimal("4.20"), SOON, line_extension_amount=asked_amount),
            party.CustomerLine("Shaft", Decimal(10), Decimal(31), SOON, line_extension_amount=Decimal(310)),
        ],
    )
    inbox.sync(supplier.pk)
    order = SalesOrder.objects.get(order_number="LEA-1")
    sales.sales_confirm_with_changes(order=order, user=seller, answers={"1": sales.LineAnswer(**answer)})
    send_all()
    assert OutboxMessage.objects.get(document_type="OrderResponse").status == "sent"
    received = parse_order_document(JakamoOrder.objects.get(order_number="LEA-1").confirmed_xml)
    line_1, line_2 = received.line("1"), received.line("2")
    assert line_1.line_status_code == "Confirmed with changes"
    assert line_1.line_extension_amount.value == line_1_amount and line_1.line_extension_amount.currency == "EUR"
    assert line_2.line_status_code == "Confirmed" and line_2.line_extension_amount.value == Decimal(310)


def test_every_link_a_seller_sees_on_their_pages_opens(client, seller, shiphero_endpoint, arrived):
    sales.sales_confirm_as_requested(order=arrived, user=seller)
    send_all()
    items = [{"order_line_item_id": 1, "partner_line_item_id": "D-1-1", "sku": "s", "name": "s", "quantity": 50}]
    post_shiphero(client, shiphero_endpoint, party.shiphero_payload(kind="courier", order_id="1", line_items=items))
    for hook in ShipHeroWebhook.objects.filter(state=WebhookState.RECEIVED):
        tasks.process_webhook(hook.pk)
    client.force_login(seller)
    pages = ["/", reverse("orders:sales_list"), arrived.get_absolute_url(), reverse("shipments:webhook_list")]
    pages += [hook.get_absolute_url() for hook in ShipHeroWebhook.objects.all()]
    refused = []
    for url in pages:
        page = client.get(url).content.decode()
        for link in set(re.findall(r'href="(/[^"#?]*)', page)):
            if link.startswith("/static/") or link == "/accounts/logout/":
                continue
            if client.get(link).status_code == 403:
                refused.append(f"{url} → {link}")
    assert not refused, refused


def test_a_customer_order_worth_more_than_the_value_column_holds_is_refused_by_name(network, supplier):
    party.customer_place_order(
        network["so"],
        customer_company="Customer Company AB",
        order_number="HUGE-1",
        lines=[party.CustomerLine("Gold", Decimal(10) ** 9, Decimal(10) ** 9, SOON)],
    )
    inbox.sync(supplier.pk)
    message = InboxMessage.objects.get(document_type="Order")
    assert message.status == "failed" and not SalesOrder.objects.exists()
    assert "The line's value 1,000,000,000,000,000,000 is too large" in message.error
    assert "OrderLine[1] (line 1)" in message.error


def test_a_refused_rejection_or_delivery_keeps_what_was_typed(client, seller, arrived):
    client.force_login(seller)
    UserMapping.objects.filter(integration=arrived.integration).delete()  # nobody to answer as
    response = client.post(reverse("orders:sales_confirm", args=[arrived.pk, "reject"]), {"reason": "No capacity"})
    page = html.unescape(response.content.decode())
    assert response.status_code == 400 and "Not sent: seller has no user mapping" in page
    assert 'name="reason" rows="2" required>No capacity</textarea>' in page
    sales.sales_confirm_as_requested(order=arrived, user=seller)
    typed = {"delivery_date": "2027-01-05", "tracking_number": "JJ42", "batches": "NOPE"}
    response = client.post(reverse("orders:sales_deliver", args=[arrived.pk]), typed)
    page = html.unescape(response.content.decode())
    assert response.status_code == 400 and "Not sent: Order D-1 has no delivery batch NOPE." in page
    assert 'value="JJ42"' in page and 'value="2027-01-05"' in page and 'value="NOPE"' in page
