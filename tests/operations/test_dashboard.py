"""Every number on each role's home page, checked against data made for it, and each number's link
leading to a list of exactly the rows it counts."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from exchange.models import InboxMessage, OutboxMessage, SyncState
from orders.models import DeliveryBatch, OrderStatus, PurchaseOrder, SalesOrder, SalesStatus
from orders.purchase import services
from sandbox import demo
from tests.helpers import buyer_integration, order_with_confirmation

pytestmark = pytest.mark.django_db


def figure(page: str, key: str) -> tuple[int, str]:
    match = re.search(rf'id="fig-{key}" href="([^"]+)"><span class="n">(\d+)</span>', page)
    assert match, f"no figure {key}"
    return int(match.group(2)), match.group(1).replace("&amp;", "&")


def new_order(number, purchaser, *, days_old=0, due=None, status=None, received=None):
    order = services.purchase_order_create(
        integration=buyer_integration(purchaser), document=demo.sample_order(number, lines=1), user=purchaser
    )
    if days_old:
        PurchaseOrder.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(days=days_old))
    if status:
        PurchaseOrder.objects.filter(pk=order.pk).update(status=status)
    if due is not None:
        DeliveryBatch.objects.filter(line__order=order).update(requested_date=due, agreed_date=due, promised_date=None)
    if received is not None:
        DeliveryBatch.objects.filter(line__order=order).update(received_quantity=received)
    return order


def listed(client, url: str, numbers: list[str]) -> set[str]:
    page = client.get(url).content.decode()
    return {n for n in numbers if f">{n}</a>" in page}


def test_purchaser_numbers_and_their_lists(client, purchaser, django_user_model):
    other = django_user_model.objects.create_user("other-buyer")
    today = timezone.localdate()
    order_with_confirmation("REV-MINE", purchaser)
    order_with_confirmation("REV-OTHER", other)
    new_order("OLD-UNCONF", purchaser, days_old=5, due=today + timedelta(days=40))
    new_order("NEW-UNCONF", purchaser, days_old=1, due=today + timedelta(days=40))
    # Due this week: today is always in the window (the window runs to Sunday).
    new_order("DUE-TODAY", purchaser, due=today, status=OrderStatus.CONFIRMED)
    new_order("LATE", purchaser, due=today - timedelta(days=2), status=OrderStatus.CONFIRMED)
    new_order("LATE-BUT-RECEIVED", purchaser, due=today - timedelta(days=2), received=Decimal(100))
    new_order("LATE-BUT-CANCELLED", purchaser, due=today - timedelta(days=2), status=OrderStatus.CANCELLED)
    numbers = [o.order_number for o in PurchaseOrder.objects.all()]

    client.force_login(purchaser)
    page = client.get("/").content.decode()
    expected = {
        "review": {"REV-MINE", "REV-OTHER"},
        "review_mine": {"REV-MINE"},
        "unconfirmed": {"OLD-UNCONF"},
        "due_week": {"DUE-TODAY"},
        "late": {"LATE"},
    }
    for key, orders in expected.items():
        count, url = figure(page, key)
        assert count == len(orders), key
        assert listed(client, url, numbers) == orders, key
    # Sales and integration numbers are not a purchaser's.
    assert 'id="fig-awaiting_us"' not in page and 'id="fig-failed"' not in page


def test_sales_numbers_and_their_lists(client, seller, so_integration):
    today = timezone.localdate()

    def sales(number, status, due):
        return SalesOrder.objects.create(
            integration=so_integration, order_number=number, customer_id="C", status=status, delivery_due=due
        )

    sales("S-WAIT", SalesStatus.WAITING_US, today + timedelta(days=30))
    sales("S-WEEK", SalesStatus.CONFIRMED, today)
    sales("S-LATE", SalesStatus.CONFIRMED, today - timedelta(days=1))
    sales("S-DONE", SalesStatus.DELIVERED, today - timedelta(days=1))
    numbers = ["S-WAIT", "S-WEEK", "S-LATE", "S-DONE"]
    client.force_login(seller)
    page = client.get("/").content.decode()
    for key, orders in {"awaiting_us": {"S-WAIT"}, "sales_due_week": {"S-WEEK"}, "sales_late": {"S-LATE"}}.items():
        count, url = figure(page, key)
        assert count == len(orders), key
        assert listed(client, url, numbers) == orders, key


def test_the_delivery_due_date_comes_from_the_customers_order(client, seller, so_integration):
    from orders.sales.services import delivery_due

    document = demo.sample_order("S-1", lines=2)
    document.lines[1].deliveries[0].requested_end_date = document.lines[0].deliveries[0].requested_end_date - timedelta(
        days=3
    )
    assert delivery_due(document) == document.lines[1].deliveries[0].requested_end_date


def test_support_sees_integration_health_and_problem_counts(client, support, po_integration):
    now = timezone.now()

    def inbox(status, minutes_ago=0):
        row = InboxMessage.objects.create(
            integration=po_integration, status=status, body=b"<x/>", content_hash=f"h{InboxMessage.objects.count()}"
        )
        InboxMessage.objects.filter(pk=row.pk).update(received_at=now - timedelta(minutes=minutes_ago))
        return row

    inbox("failed")
    inbox("acknowledged", minutes_ago=90)
    oldest = inbox("received", minutes_ago=120)
    inbox("processed", minutes_ago=500)

    def outbox(status):
        OutboxMessage.objects.create(
            integration=po_integration, operation="order", document_type="Order", document_key="X", status=status
        )

    outbox("blocked")
    outbox("rejected")
    outbox("unknown")
    outbox("sent")
    SyncState.objects.update_or_create(
        integration=po_integration, defaults={"consecutive_failures": 2, "last_success_at": now - timedelta(hours=3)}
    )

    client.force_login(support)
    page = client.get("/").content.decode()
    count, url = figure(page, "failed")
    assert count == 3  # one incoming failed, one rejected, one unknown outcome
    history = client.get(url).content.decode()
    assert history.count('<tr class="msg">') == 3
    count, url = figure(page, "blocked")
    assert count == 1 and "status=blocked" in url
    row = re.search(rf'data-integration="{po_integration.pk}">(.*?)</tr>', page, re.S).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    assert ">2<" not in cells[0] and cells[2].strip() == "2"  # failures in a row
    oldest.refresh_from_db()
    assert timezone.localtime(oldest.received_at).strftime("%Y-%m-%d %H:%M") in cells[3]
    assert re.search(r">2</a>", cells[4]) and re.search(r">1</a>", cells[5])  # unprocessed, failed
    assert "fig-review" not in page


def test_charts_are_svg_with_their_numbers_beside_them(client, support, purchaser, po_integration):
    order, confirmation = order_with_confirmation("C-1", purchaser)  # deviating (price changed)
    order_with_confirmation("C-2", purchaser, price=None)  # as ordered
    DeliveryBatch.objects.filter(line__order=order).update(
        delivered_date=timezone.localdate(), promised_date=timezone.localdate() - timedelta(days=1)
    )
    client.force_login(support)
    page = client.get("/").content.decode()
    # Drawn without JavaScript: the only scripts are the shared ones (ask before destructive
    # actions; the small-screen menu).
    assert page.count("<svg") == 4 and re.findall(r"<script[^>]*>", page) == [
        '<script src="/static/js/confirm.js" defer>',
        '<script src="/static/js/menu.js" defer>',
    ]
    table = re.search(r'<table id="supplier-table">(.*?)</table>', page, re.S).group(1)
    row = re.search(r"<tr><td>Test Supplier Ltd.</td>(.*?)</tr>", table, re.S).group(1)
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    # confirmations, with deviations, share, median hours, delivered batches, on time, rate
    assert cells[0] == "2" and cells[1] == "1" and cells[2] == "50.0 %"
    assert cells[4] == "2" and cells[5] == "0" and cells[6] == "0.0 %"
    daily = re.search(r'<table id="daily-table">(.*?)</table>', page, re.S).group(1)
    assert "OrderResponse" in daily
    today = timezone.localdate().strftime("%Y-%m-%d")
    today_row = re.search(rf"<tr><td>{today}</td>(.*?)</tr>", daily).group(1)
    assert re.findall(r'<td class="num">(\d+)</td>', today_row)[-1] == str(
        InboxMessage.objects.count() + OutboxMessage.objects.count()
    )


def test_a_chart_escapes_what_it_draws():
    from operations.charts import horizontal_bars

    svg = horizontal_bars([("<script>alert(1)</script>", 50.0)], title="t & <b>")
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "t &amp; &lt;b&gt;" in svg


def test_someone_without_a_role_is_told_so(client, nobody):
    client.force_login(nobody)
    assert "has no role yet" in client.get(reverse("home")).content.decode()


def test_every_chart_has_a_visible_title_and_says_its_unit(client, purchaser, support):
    order_with_confirmation("CH-1", purchaser)
    client.force_login(purchaser)
    page = client.get(reverse("home")).content.decode()
    captions = dict(re.findall(r'<figure id="(chart-[a-z-]+)"><figcaption>(.*?)</figcaption>', page))
    assert set(captions) == {"chart-deviations", "chart-hours", "chart-on-time"}
    assert captions["chart-deviations"].startswith("Share of confirmations with deviations")
    assert "percentage (%)" in captions["chart-deviations"] and "percentage (%)" in captions["chart-on-time"]
    assert "hours (h)" in captions["chart-hours"]
    client.force_login(support)
    page = client.get(reverse("home")).content.decode()
    assert re.search(r'<figure id="chart-daily"><figcaption>Messages per day<span class="muted">Each column', page)
