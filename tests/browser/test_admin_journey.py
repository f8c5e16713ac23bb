"""The integration admin's day in a real browser, on the demo data: a new OAuth2 integration whose
token URL and scope fill in as Test is picked, tested against the sandbox, its companies checked
with Jakamo and a missing one added with one click, a CSV import with errors shown one per line,
and the integration archived. Screenshots are kept in test-artifacts/."""

import pytest
from django.core.management import call_command

from mappings.models import CompanyMapping, Integration
from tests.browser.a11y import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEST_TOKEN_URL = "https://login.microsoftonline.com/a22b6145-4c73-4914-901d-6bf96bcb0183/oauth2/v2.0/token"


def test_an_integration_admin_sets_up_checks_and_archives_an_oauth2_integration(live_server, page, artifacts):
    sandbox = f"{live_server.url}/sandbox/jakamo"
    call_command("demo_setup", base_url=sandbox)
    page.on("dialog", lambda dialog: dialog.accept())  # the archive button asks first
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "integrator")
    page.fill("#id_password", "demo-pass-2026")
    page.click("button[type=submit]")

    page.goto(f"{live_server.url}/integrations/")
    assert "Jakamo PO (sandbox)" in page.content()
    assert_accessible(page, "the integration list")
    page.get_by_role("link", name="New integration").first.click()
    assert_accessible(page, "the choice of kind")
    page.get_by_role("link", name="Purchase Order API").click()

    # Test + OAuth2: Jakamo's tenant and scope fill in; basic auth's fields go away.
    page.select_option("#id_auth_method", "oauth2")
    page.select_option("#id_environment", "test")
    assert page.input_value("#id_token_url") == TEST_TOKEN_URL
    assert page.input_value("#id_scope") == "https://demo.jakamoapp.com/.default"
    assert not page.is_visible("#id_username") and not page.is_visible("#id_base_url")
    assert "Basic authentication (legacy)" in page.inner_text("#id_auth_method")
    page.screenshot(path=str(artifacts / "admin-oauth2-test.png"), full_page=True)
    assert_accessible(page, "the new integration form")

    # The sandbox as a custom base URL: its own token endpoint follows what is typed.
    page.select_option("#id_environment", "custom")
    page.fill("#id_base_url", sandbox)
    assert page.input_value("#id_token_url") == f"{sandbox}/oauth2/token"
    assert page.input_value("#id_scope") == "api://jakamo-sandbox/.default"
    page.fill("#id_name", "PO over OAuth2")
    page.fill("#id_client_id", "po-client")
    page.fill("#id_client_secret", "po-client-secret")
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("text=PO over OAuth2 saved.")

    page.get_by_role("button", name="Test connection").click()
    page.wait_for_selector("text=the credentials work and a message is waiting in the queue (not consumed)")
    assert_accessible(page, "the integration page after Test connection")

    # Jakamo maps V-100 and V-200 to this integration; nothing is mapped here yet.
    page.get_by_role("button", name="Check with Jakamo").click()
    page.wait_for_selector("text=Jakamo lists 2 mapped companies.")
    table = page.locator("#mapping-comparison")
    assert table.locator("tr[data-side=only-jakamo]").count() == 2
    page.get_by_role("button", name="Add V-200 here").click()
    page.wait_for_selector("text=Company mapping V-200 saved.")
    assert page.locator("#mapping-comparison tr[data-side=both]").inner_text().startswith("V-200")
    assert page.locator("#mapping-comparison tr[data-side=only-jakamo]").count() == 1
    page.screenshot(path=str(artifacts / "admin-mapped-companies.png"), full_page=True)
    assert_accessible(page, "the integration page with Jakamo's companies")
    integration = Integration.objects.get(name="PO over OAuth2")
    assert CompanyMapping.objects.get(integration=integration, identifier="V-200").company_name == "Kotka Castings Ab"

    # A CSV with two bad rows: nothing imported, each problem on its own line.
    companies_import = page.locator("form[action$='/mappings/companies/import/']")
    companies_import.locator("input[type=file]").set_input_files(
        files=[
            {
                "name": "companies.csv",
                "mimeType": "text/csv",
                "buffer": b"identifier,company_name,compound_rule_member\nV-300,,false\nV-400,Four Oy,maybe\n",
            }
        ]
    )
    companies_import.get_by_role("button", name="Import company mappings").click()
    page.wait_for_selector("text=Nothing was imported: 2 problems.")
    lines = page.locator("ul.messages li").all_inner_texts()
    assert "Row 2: company_name is empty" in lines
    assert "Row 3: compound_rule_member “maybe” is not a yes/no value (true or false, 1 or 0, yes or no)" in lines
    page.screenshot(path=str(artifacts / "admin-csv-errors.png"), full_page=True)
    assert_accessible(page, "the integration page with import errors")

    page.get_by_role("button", name="Archive").click()
    page.wait_for_selector("text=archived: it no longer syncs or sends")
    assert page.get_by_role("button", name="Restore").is_visible()
    page.screenshot(path=str(artifacts / "admin-archived.png"), full_page=True)
    assert_accessible(page, "an archived integration's page")
    page.goto(f"{live_server.url}/integrations/")
    assert "PO over OAuth2" not in page.content() and "Show 1 archived integration" in page.content()
    assert_accessible(page, "the integration list without the archived one")
