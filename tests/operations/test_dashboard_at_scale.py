"""What keeps the dashboard fast with a large history, without making it wrong: past days' message
counts are kept until midnight while today's stay live; supplier figures are at most five minutes
old and say so; and the volume generator's data renders on every page it feeds."""

import io
from datetime import timedelta

from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from exchange.models import InboxMessage
from operations import charts
from orders.models import Confirmation, PurchaseOrder
from tests.helpers import buyer_integration, order_with_confirmation


def stored(integration, *, days_ago: int, document_type="OrderResponse"):
    row = InboxMessage.objects.create(
        integration=integration, body=b"x", content_hash="h", status="processed", document_type=document_type
    )
    InboxMessage.objects.filter(pk=row.pk).update(received_at=timezone.now() - timedelta(days=days_ago))


def per_day(daily) -> list[int]:
    return [total for _day, _values, total in daily.rows]


def test_today_is_counted_live_and_past_days_from_the_kept_counts(db):
    integration = buyer_integration()
    stored(integration, days_ago=2)
    assert per_day(charts.messages_per_day())[-3] == 1
    # A row dated in the past after the first look (which real traffic never makes: a message's
    # time is when it is stored) shows that past days come from the kept counts …
    stored(integration, days_ago=2)
    stored(integration, days_ago=0)
    again = per_day(charts.messages_per_day())
    assert again[-3] == 1
    assert again[-1] == 1, "… while today's messages appear at once"
    cache.clear()  # at midnight the key changes; clearing stands in for it
    assert per_day(charts.messages_per_day())[-3] == 2


def test_supplier_figures_are_reused_for_five_minutes_and_the_page_says_when(client, purchaser, settings):
    order_with_confirmation("S-1", purchaser)
    figures, at = charts.supplier_figures_recent()
    assert figures[0].confirmations == 1
    order_with_confirmation("S-2", purchaser)
    assert charts.supplier_figures_recent() == (figures, at)  # the same answer inside five minutes
    assert charts.supplier_figures()[0].confirmations == 2  # what they will say when worked out again
    client.force_login(purchaser)
    page = client.get(reverse("home")).content.decode()
    assert 'id="suppliers-at"' in page and "every five minutes" in page


def test_generated_volume_data_renders_on_the_pages_it_feeds(client, support, purchaser):
    call_command("generate_data", orders=40, lines=120, messages=400, prefix="VOL", stderr=io.StringIO())
    assert PurchaseOrder.objects.filter(order_number__startswith="VOL-").count() == 40
    # Never a real Jakamo environment unless asked: the local sandbox, switched off.
    from mappings.models import Integration

    generated = Integration.objects.get(name="VOL Jakamo PO")
    assert not generated.enabled and generated.effective_base_url == "http://127.0.0.1:8000/sandbox/jakamo"
    assert InboxMessage.objects.count() == 300 and InboxMessage.objects.filter(status="failed").count() < 30
    pending = PurchaseOrder.objects.filter(status="waiting_customer").first()
    assert pending is not None and pending.lines.count() == 3
    confirmation = Confirmation.objects.get(order=pending)
    assert confirmation.deviations and confirmation.decision == "pending"
    client.force_login(support)
    for url in (
        reverse("home"),
        pending.get_absolute_url(),
        reverse("orders:confirmation_review", args=[pending.pk, 1]),
        reverse("exchange:message_list") + f"?q={pending.order_number}",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    # Support may read but not decide; the purchaser sees the deviation to decide on.
    client.force_login(purchaser)
    assert pending.order_number in client.get(reverse("orders:review_queue")).content.decode()
    review = client.get(reverse("orders:confirmation_review", args=[pending.pk, 1])).content.decode()
    assert 'value="accept"' in review
