"""List filters read from the address: what does not parse is left out, what is out of range means
what it says, and neither ends in a server error (each case here was a 500 on SQLite, PostgreSQL or
both)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from common.params import whole_number
from exchange.models import InboxMessage
from orders.models import PurchaseOrder
from orders.purchase import services
from sandbox import demo
from shipments.outgoing import _line_sort_key
from tests.helpers import buyer_integration


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12", 12), (" 7 ", 7), ("0", 0), ("0100", 100), ("101", None), ("²", None), ("١٢", None), ("-1", None)]
    + [("1e3", None), ("", None), (None, None), ("9" * 5000, None), ("0" * 5000 + "5", 5)],
)
def test_a_whole_number_filter_takes_ascii_digits_up_to_its_largest(value, expected):
    assert whole_number(value, largest=100) == expected


@pytest.mark.parametrize(("value", "expected"), [("99", 99), ("101", 100), ("9" * 5000, 100), ("²", None)])
def test_a_clamped_whole_number_filter_reads_anything_larger_as_its_largest(value, expected):
    assert whole_number(value, largest=100, clamp=True) == expected


@pytest.fixture
def orders(purchaser):
    integration = buyer_integration(purchaser)
    made = {}
    for number, days_old in (("NEW-1", 0), ("OLD-1", 400)):
        order = services.purchase_order_create(
            integration=integration, document=demo.sample_order(number), user=purchaser
        )
        PurchaseOrder.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(days=days_old))
        made[number] = order
    return made


def listed(client, query: str) -> set[str]:
    response = client.get(f"/orders/purchase/?{query}")
    assert response.status_code == 200
    page = response.content.decode()
    return {number for number in ("NEW-1", "OLD-1") if number in page}


def test_older_than_means_what_it_says_at_any_size_and_is_left_out_when_it_is_no_number(admin_client, orders):
    assert listed(admin_client, "older_than=30") == {"OLD-1"}
    # Beyond any date: no order is that old (this was an OverflowError).
    for beyond in ("99999999999", "9" * 5000):
        assert listed(admin_client, f"older_than={beyond}") == set()
    for no_number in ("%C2%B2", "1e3", "-5"):  # ² passed isdigit() and failed int()
        assert listed(admin_client, f"older_than={no_number}") == {"NEW-1", "OLD-1"}, no_number


def test_the_message_history_survives_ids_and_days_at_the_ends_of_their_ranges(admin_client, purchaser):
    integration = buyer_integration(purchaser)
    InboxMessage.objects.create(integration=integration, body=b"<x/>", document_type="Marker", document_key="M-1")
    for query in (
        "integration=99999999999999999999999",  # beyond a 64-bit key: SQLite could not bind it
        "integration=%C2%B2",
        "since=0001-01-01&until=9999-12-31",  # outside what UTC can say once Helsinki's offset is taken
        "since=0001-01-01",
        "until=9999-12-31",
    ):
        response = admin_client.get(f"/messages/?{query}")
        assert response.status_code == 200, query
        assert "M-1" in response.content.decode(), query  # each leaves nothing out
    assert "M-1" not in admin_client.get(f"/messages/?integration={integration.pk + 1}").content.decode()


def test_shipped_lines_go_out_in_line_number_order_whatever_their_ids():
    ids = ["10", "9", "01", "b", "²", "1" * 5000, "a"]
    assert sorted(ids, key=_line_sort_key) == ["01", "9", "10", "1" * 5000, "a", "b", "²"]


def test_the_integration_page_follows_only_a_run_the_address_names_by_number(client, integration_admin, purchaser):
    integration = buyer_integration(purchaser)
    client.force_login(integration_admin)
    url = f"/integrations/{integration.pk}/"
    assert f'data-url="/integrations/{integration.pk}/sync/5/"' in client.get(f"{url}?run=5").content.decode()
    for no_run in ("abc", "%C2%B2", "99999999999999999999999", "-1"):  # each was a NoReverseMatch, a 500
        response = client.get(f"{url}?run={no_run}")
        assert response.status_code == 200 and 'data-url=""' in response.content.decode(), no_run
