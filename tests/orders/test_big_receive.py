"""Receiving goods on a very large order: the receive form posts a field per delivery batch (blank
ones too) and per line, and a 5,000-line order must not be refused for the number of fields
(Django's default limit of 1,000 answered 400)."""

import io

from django.core.management import call_command
from django.urls import reverse

from orders.models import OrderStatus, PurchaseOrder

LINES = 5000


def test_a_5000_line_order_is_received_through_the_form_as_the_page_posts_it(client, purchaser):
    # Made in bulk (the volume data generator): placing 5,000 lines one by one takes minutes.
    call_command("generate_data", orders=1, lines=LINES, messages=0, prefix="BIG", seed=1, stderr=io.StringIO())
    order = PurchaseOrder.objects.get(order_number="BIG-000000")
    assert order.status == OrderStatus.CONFIRMED and order.lines.count() == LINES
    batches = list(order.lines.values_list("batches__pk", flat=True).order_by("pk"))
    # As the browser sends it: every batch's input, blank ones too, the dates, and one whole line.
    form = {f"qty_{pk}": "" for pk in batches}
    form[f"qty_{batches[0]}"] = "1"
    form.update(received_date="2026-11-20", event_date="", line_2="on")
    assert len(form) > LINES
    client.force_login(purchaser)
    # Not followed: the order page of 5,000 lines is a page of its own to measure, not this test's.
    response = client.post(reverse("orders:receive", args=[order.pk]), form)
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.STARTED_RECEIVING and order.receipts.count() == 2
