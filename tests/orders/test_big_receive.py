"""Receiving goods on a very large order: the receive form posts a field per delivery batch and per
line, and a 5,000-line order must not be refused for the number of fields."""

from django.urls import reverse

from orders.models import OrderStatus
from tests.helpers import order_with_confirmation

LINES = 5000


def test_a_5000_line_order_is_received_through_the_form_as_the_page_posts_it(client, purchaser):
    order, _ = order_with_confirmation("BIG-1", purchaser, price=None, lines=LINES)
    batches = list(order.lines.values_list("batches__pk", "line_id").order_by("pk"))
    assert len(batches) == LINES
    # As the browser sends it: every batch's input (blank ones too) and the dates; one line whole.
    form = {f"qty_{pk}": "" for pk, _ in batches}
    form[f"qty_{batches[0][0]}"] = "1"
    form.update(received_date="2026-11-20", event_date="", line_2="on")
    assert len(form) > LINES
    client.force_login(purchaser)
    # Not followed: the order page of 5,000 lines is a page of its own to measure, not this test's.
    response = client.post(reverse("orders:receive", args=[order.pk]), form)
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.STARTED_RECEIVING and order.receipts.count() == 2
