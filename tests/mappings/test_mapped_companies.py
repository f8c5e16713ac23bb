"""Jakamo's "Mapped companies" beside the portal's company mappings: the sandbox serves its list,
"Check with Jakamo" stores it with its time, the page sorts each identifier into mapped in both,
only here and only in Jakamo (added with one click), and the pre-flight check names the missing side."""

import pytest
from django.urls import reverse

from exchange.models import OutboxMessage
from mappings import services
from mappings.models import CompanyMapping, JakamoCompanyList
from mappings.preflight import missing_mappings
from orders.purchase import services as purchase_services
from sandbox import demo
from sandbox.models import CompanyMapping as JakamoMapping
from tests.helpers import make_client, send_all


def test_the_sandbox_serves_mapped_companies_to_the_calling_integration(jakamo_url):
    import requests

    answer = requests.get(f"{jakamo_url}/api/mappedcompanies", auth=(demo.ASN.username, demo.ASN.password), timeout=5)
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("application/json")
    assert answer.json() == [
        {"CompanyName": "Nordic Parts Oy", "MappedId": "NORDIC"},
        {"CompanyName": "Test Supplier Ltd.", "MappedId": "V-100"},
        {"CompanyName": "Kotka Castings Ab", "MappedId": "V-200"},
    ]
    refused = requests.get(f"{jakamo_url}/api/mappedcompanies", auth=("po-nordic", "wrong"), timeout=5)
    assert refused.status_code == 400 and "Authentication failed." in refused.text


def test_check_with_jakamo_stores_the_list_and_compares_it(client, integration_admin, buyer):
    # buyer: V-100 mapped here; Jakamo has V-100 and V-200. Add one Jakamo lacks.
    services.save_company_mapping(integration=buyer, identifier="V-900", company_name="Nowhere Oy")
    client.force_login(integration_admin)
    page = client.post(reverse("mappings:check_mapped_companies", args=[buyer.pk]), follow=True).content.decode()
    assert "Jakamo lists 2 mapped companies." in page
    stored = JakamoCompanyList.objects.get(integration=buyer)
    assert stored.checked_at is not None and stored.mapped_ids == {"V-100", "V-200"}
    comparison = services.compare_mapped_companies(buyer)
    assert [row["identifier"] for row in comparison.both] == ["V-100"]
    assert [m.identifier for m in comparison.only_here] == ["V-900"]
    assert comparison.only_jakamo == [{"CompanyName": "Kotka Castings Ab", "MappedId": "V-200"}]
    assert 'data-side="only-here"' in page and "Jakamo will refuse messages for it" in page
    assert 'data-side="only-jakamo"' in page and "Add it here" in page and "Last checked" in page


def test_one_click_adds_a_company_only_jakamo_had(client, integration_admin, buyer):
    services.check_mapped_companies(integration=buyer)
    client.force_login(integration_admin)
    page = client.get(buyer.get_absolute_url()).content.decode()
    assert 'name="identifier" value="V-200"' in page and 'name="role" value="supplier"' in page
    client.post(
        reverse("mappings:company_mapping_add", args=[buyer.pk]),
        {"identifier": "V-200", "company_name": "Kotka Castings Ab", "role": "supplier"},
    )
    assert CompanyMapping.objects.get(integration=buyer, identifier="V-200").company_name == "Kotka Castings Ab"
    assert services.compare_mapped_companies(buyer).only_jakamo == []


def test_a_check_that_cannot_reach_jakamo_says_why_and_keeps_the_last_list(client, integration_admin, buyer):
    services.check_mapped_companies(integration=buyer)
    buyer.password = "wrong"
    buyer.save()
    client.force_login(integration_admin)
    page = client.post(reverse("mappings:check_mapped_companies", args=[buyer.pk]), follow=True).content.decode()
    assert "Jakamo&#x27;s mapped companies were not read." in page and "refused the credentials" in page
    assert JakamoCompanyList.objects.get(integration=buyer).mapped_ids == {"V-100", "V-200"}


def test_preflight_names_the_side_that_lacks_the_mapping(buyer):
    required = {"companies": ["V-100", "V-200"], "users": []}
    assert [m.identifier for m in missing_mappings(buyer, required)] == ["V-200"]  # before any check
    JakamoMapping.objects.filter(identifier="V-100").delete()  # Jakamo lost ours
    services.check_mapped_companies(integration=buyer)
    missing = {m.identifier: m.sentence for m in missing_mappings(buyer, required)}
    assert missing["V-100"].startswith("Jakamo has no company mapping for the supplier identifier “V-100”")
    assert "Add the mapping in Jakamo" in missing["V-100"]
    assert missing["V-200"].startswith("No company mapping for the supplier identifier “V-200”")
    assert "Jakamo has it: add it with one click" in missing["V-200"]


@pytest.mark.django_db(transaction=True)
def test_a_send_blocked_for_jakamos_side_goes_once_jakamo_has_the_mapping(buyer, purchaser, network):
    JakamoMapping.objects.filter(identifier="V-100").delete()
    services.check_mapped_companies(integration=buyer)
    purchase_services.purchase_order_create(integration=buyer, document=demo.sample_order("PF-1"), user=purchaser)
    row = OutboxMessage.objects.get(document_key="PF-1")
    assert row.status == "blocked" and "Jakamo has no company mapping" in row.blocked_reason
    JakamoMapping.objects.create(integration=network["po"], identifier="V-100", company="Test Supplier Ltd.")
    services.check_mapped_companies(integration=buyer)  # the check looks at blocked sends again
    send_all()
    row.refresh_from_db()
    assert row.status == "sent"


def test_any_active_integrations_credentials_read_their_own_list(jakamo_url):
    assert {c["MappedId"] for c in make_client(jakamo_url, demo.SO, oauth=True).mapped_companies()} == {
        "C-100",
        "C-200",
    }
