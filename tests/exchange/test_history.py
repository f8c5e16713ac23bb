"""Message history pages for Support and admins."""

import pytest
from django.urls import reverse

from exchange import inbox, outbox
from exchange.models import InboxMessage, OutboxMessage
from sandbox import demo, services
from tests.helpers import queue_confirmations


@pytest.fixture
def history(network, po_integration):
    queue_confirmations(network, 3, prefix="H")
    services.add_fault("malformed", 1, network["po"])
    inbox.sync(po_integration.pk)
    blocked = outbox.enqueue(
        integration=po_integration,
        operation="order",
        document_type="Order",
        document_key="H-9",
        body=b"<Order/>",
        required_mappings={"companies": ["V-404"], "users": []},
    )
    return po_integration, blocked


def test_the_list_filters_by_order_status_direction_and_search(client, support, history):
    client.force_login(support)
    url = reverse("exchange:message_list")
    page = client.get(url).content.decode()
    assert page.count('<span class="badge">in</span>') == 4 and page.count('<span class="badge">out</span>') == 1
    page = client.get(url, {"order": "H-0001"}).content.decode()
    assert "H-0001" in page and "H-0002" not in page
    page = client.get(url, {"status": "failed"}).content.decode()
    assert "Malformed XML" in page and "H-0001" not in page
    page = client.get(url, {"direction": "out"}).content.decode()
    assert "H-9" in page and "No company mapping for the supplier identifier “V-404”" in page
    page = client.get(url, {"q": "V-404"}).content.decode()
    assert "H-9" in page and "H-0000" not in page
    assert "No messages match." in client.get(url, {"since": "2099-01-01"}).content.decode()


def test_the_detail_shows_the_raw_body_headers_and_attempts_without_secrets(client, support, history):
    client.force_login(support)
    row = InboxMessage.objects.get(document_key="H-0000")
    page = client.get(row.get_absolute_url()).content.decode()
    assert "OrderResponse" in page and "X-Acknowledge-Uri" in page and "acknowledge" in page
    assert "  &lt;cbc:ID&gt;" in page or "&lt;cbc:ID&gt;" in page  # pretty-printed, escaped
    assert demo.PO.password not in page


def test_reprocess_and_outbox_actions_are_audited(client, support, history):
    client.force_login(support)
    failed = InboxMessage.objects.get(status="failed")
    client.post(reverse("exchange:inbox_reprocess", args=[failed.pk]))
    assert failed.audit.get().user == support
    _, blocked = history
    client.post(reverse("exchange:outbox_action", args=[blocked.pk, "cancel"]), {"note": "not needed"})
    blocked.refresh_from_db()
    assert blocked.status == OutboxMessage.Status.CANCELLED and blocked.audit.get().note == "not needed"
    page = client.post(reverse("exchange:outbox_action", args=[blocked.pk, "mark_sent"]), follow=True).content.decode()
    assert "Only a message whose outcome is unknown" in page


@pytest.mark.parametrize("person", ["purchaser", "seller", "nobody"])
def test_history_is_refused_to_roles_without_it(client, request, person, history):
    client.force_login(request.getfixturevalue(person))
    row = InboxMessage.objects.first()
    assert client.get(reverse("exchange:message_list")).status_code == 403
    assert client.get(row.get_absolute_url()).status_code == 403
    assert client.post(reverse("exchange:inbox_reprocess", args=[row.pk])).status_code == 403


def test_integration_admins_read_but_do_not_reprocess(client, integration_admin, history):
    client.force_login(integration_admin)
    row = InboxMessage.objects.first()
    assert client.get(row.get_absolute_url()).status_code == 200
    assert client.post(reverse("exchange:inbox_reprocess", args=[row.pk])).status_code == 403
