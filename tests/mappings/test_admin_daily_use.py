"""The integration admin's daily use (issue #26): each kind shows only its own fields, with labels
and help; the same Jakamo credentials twice are warned about; an integration is archived (no sync,
no send, hidden, restorable) or deleted when nothing refers to it; mapping refusals name the field
by its label and a refused contact by its value."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from exchange import tasks
from exchange.models import OutboxMessage
from mappings import services
from mappings.forms import IntegrationForm
from mappings.models import Integration
from orders.purchase import services as purchase_services
from sandbox import demo
from tests.helpers import send_all

BASIC = {
    "kind": "purchase_order",
    "environment": "custom",
    "base_url": "http://127.0.0.1:9/x",
    "auth_method": "basic",
    "username": "po-user",
    "password": "pw-1",
    "path_order": "/api/order",
    "path_order_status": "/api/order/{order_id}",
    "path_response_queue": "/api/order/response",
    "poll_interval": "60",
}


def test_a_new_integration_starts_with_its_kind(client, integration_admin):
    client.force_login(integration_admin)
    page = client.get(reverse("mappings:integration_new")).content.decode()
    for kind in ("purchase_order", "sales_order", "asn", "shiphero"):
        assert f'href="?kind={kind}"' in page
    assert 'name="environment"' not in page


@pytest.mark.parametrize(
    "kind,shown,hidden",
    [
        (
            "shiphero",
            {"name", "webhook_secret", "shop_name", "enabled"},
            {"environment", "base_url", "auth_method", "username", "poll_interval", "path_order", "allow_draft"},
        ),
        ("asn", {"environment", "auth_method", "path_asn_queue", "poll_interval"}, {"path_order", "webhook_secret"}),
        ("sales_order", {"path_order_response", "allow_draft"}, {"path_asn_queue", "buyer_party_id", "shop_name"}),
        ("purchase_order", {"path_order", "compare_sellers_item_id", "buyer_party_id"}, {"path_asn_queue"}),
    ],
)
def test_each_kind_shows_only_its_own_fields(client, integration_admin, kind, shown, hidden):
    fields = set(IntegrationForm(kind=kind).fields)
    assert shown <= fields and not hidden & fields
    client.force_login(integration_admin)
    page = client.get(reverse("mappings:integration_new") + f"?kind={kind}").content.decode()
    assert all(f'name="{name}"' in page for name in shown)
    assert not any(f'name="{name}"' in page for name in hidden)


def test_every_field_has_a_label_and_help_text():
    for kind in ("purchase_order", "sales_order", "asn", "shiphero"):
        for name, field in IntegrationForm(kind=kind).fields.items():
            assert field.label and field.label[0].isupper() and "_" not in field.label, name
            assert field.help_text, name
    assert IntegrationForm(kind="asn").fields["base_url"].label == "Base URL"


def test_a_shiphero_endpoint_shows_no_jakamo_environment_nor_sync(client, integration_admin, shiphero_endpoint):
    client.force_login(integration_admin)
    detail = client.get(shiphero_endpoint.get_absolute_url()).content.decode()
    assert "Environment" not in detail and "demo.thejakamo.com" not in detail
    listing = client.get(reverse("mappings:integration_list")).content.decode()
    assert "not synced yet" not in listing and "Test (demo.thejakamo.com)" not in listing
    assert "receives webhooks" in listing


def test_the_same_credentials_twice_are_warned_about(client, integration_admin):
    client.force_login(integration_admin)
    client.post(reverse("mappings:integration_new"), {**BASIC, "name": "PO one"})
    page = client.post(reverse("mappings:integration_new"), {**BASIC, "name": "PO two"}, follow=True)
    text = page.content.decode()
    assert "PO one logs in to the same Jakamo with the same credentials" in text
    assert services.sharing_credentials(Integration.objects.get(name="PO one")) == [
        Integration.objects.get(name="PO two")
    ]
    page = client.post(
        reverse("mappings:integration_new"), {**BASIC, "name": "PO three", "username": "other"}, follow=True
    )
    assert "same credentials" not in page.content.decode()


def test_an_archived_integration_neither_syncs_nor_sends_and_is_hidden_until_restored(
    client, integration_admin, buyer, purchaser, monkeypatch
):
    queued = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda func, *args, **kw: queued.append(args))
    client.force_login(integration_admin)
    page = client.post(reverse("mappings:archive", args=[buyer.pk]), follow=True).content.decode()
    assert "archived: it no longer syncs or sends" in page
    buyer.refresh_from_db()
    assert buyer.is_archived and buyer not in tasks.due_integrations()
    assert buyer.name not in client.get(reverse("mappings:integration_list")).content.decode()
    assert buyer.name in client.get(reverse("mappings:integration_list") + "?archived=1").content.decode()
    purchase_services.purchase_order_create(integration=buyer, document=demo.sample_order("AR-1"), user=purchaser)
    send_all()
    assert OutboxMessage.objects.get(document_key="AR-1").status == "pending"
    client.post(reverse("mappings:archive", args=[buyer.pk]), {"restore": "1"})
    buyer.refresh_from_db()
    assert not buyer.is_archived and buyer in tasks.due_integrations(timezone.now())
    send_all()
    assert OutboxMessage.objects.get(document_key="AR-1").status == "sent"


def test_delete_only_an_integration_without_messages_else_offer_archive(client, integration_admin, buyer, purchaser):
    client.force_login(integration_admin)
    purchase_services.purchase_order_create(integration=buyer, document=demo.sample_order("DL-1"), user=purchaser)
    page = client.post(reverse("mappings:delete", args=[buyer.pk]), follow=True).content.decode()
    assert "cannot be deleted" in page and "Archive it instead" in page
    assert Integration.objects.filter(pk=buyer.pk).exists()
    spare = Integration.objects.create(name="spare", kind="asn")
    response = client.post(reverse("mappings:delete", args=[spare.pk]))
    assert response["Location"] == reverse("mappings:integration_list")
    assert not Integration.objects.filter(pk=spare.pk).exists()


def test_a_refused_mapping_names_the_field_by_its_label(client, integration_admin, db):
    integration = Integration.objects.create(name="PO", kind="purchase_order")
    client.force_login(integration_admin)
    page = client.post(
        reverse("mappings:company_mapping_add", args=[integration.pk]),
        {"company_name": "X", "role": "supplier"},
        follow=True,
    ).content.decode()
    assert "Not saved: Our identifier: This field is required." in page
    assert "* identifier" not in page


def test_a_refused_buyer_contact_is_named_by_the_value_the_order_gave(buyer, purchaser):
    from mappings.services import save_user_mapping

    save_user_mapping(integration=buyer, identifier="zed", portal_user=purchaser)  # here, not at Jakamo
    purchase_services.purchase_order_create(
        integration=buyer, document=demo.sample_order("BC-1", buyer_contact="zed"), user=purchaser
    )
    send_all()
    row = OutboxMessage.objects.get(document_key="BC-1")
    assert row.status == "rejected"
    with translation.override("en"):
        said = row.advice
    assert "buyer contact “zed”" in said and "(not given)" not in said


def test_an_archived_integration_raises_no_alert_and_leaves_the_dashboard(buyer):
    from operations.alerts import conditions
    from operations.dashboard import integration_health

    later = timezone.now() + timedelta(days=2)
    assert conditions(buyer, later)  # never synced: an alert
    services.archive_integration(integration=buyer)
    buyer.refresh_from_db()
    assert conditions(buyer, later) == {}
    assert buyer.pk not in [h.integration.pk for h in integration_health()]
