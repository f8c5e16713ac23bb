"""CSV import and export of mappings: row-level errors, nothing half-imported."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mappings import csv_io
from mappings.models import CompanyMapping, Integration, UserMapping


def upload(client, integration, what, text: str):
    url = reverse("mappings:csv_import", args=[integration.pk, what])
    return client.post(url, {"file": SimpleUploadedFile("m.csv", text.encode())}, follow=True).content.decode()


def test_import_then_export_round_trips(client, integration_admin):
    integration = Integration.objects.create(name="SO", kind="sales_order")
    client.force_login(integration_admin)
    page = upload(
        client,
        integration,
        "companies",
        "identifier,company_name,role,external_identifier,external_field,compound_rule_member\n"
        "C-100,Customer Company AB,customer,erp_id,buyer_customer_party,true\n"
        "C-200,Baltic Machines AS,customer,,,\n",
    )
    assert "2 companies mappings imported." in page
    exported = client.get(reverse("mappings:csv_export", args=[integration.pk, "companies"])).content.decode()
    assert "C-100,Customer Company AB,customer,erp_id,buyer_customer_party,true" in exported
    CompanyMapping.objects.all().delete()
    assert csv_io.import_companies(integration, exported.encode()) == (2, [])
    assert CompanyMapping.objects.get(identifier="C-100").compound_rule_member


def test_a_file_with_bad_rows_imports_nothing_and_names_each_row(client, integration_admin):
    integration = Integration.objects.create(name="PO", kind="purchase_order")
    client.force_login(integration_admin)
    page = upload(
        client,
        integration,
        "companies",
        "identifier,company_name,role\nV-1,Good Supplier,supplier\n,No Identifier,supplier\nV-3,,supplier\n"
        "V-1,Twice,supplier\nV-5,Bad Role,partner\n",
    )
    assert "Nothing was imported: 4 problems." in page
    for text in (
        "Row 3: identifier is empty",
        "Row 4: company_name is empty",
        "Row 5: identifier “V-1” appears twice in the file",
        "Row 6: role “partner” is not one of supplier, customer, own",
    ):
        assert f'<li class="error">{text}' in page  # one line each, not run together
    assert CompanyMapping.objects.count() == 0


def test_a_yes_no_column_that_is_neither_is_named_by_row_and_column(client, integration_admin, seller):
    integration = Integration.objects.create(name="SO", kind="sales_order")
    assert csv_io.import_companies(
        integration, b"identifier,company_name,compound_rule_member\nC-1,A,true\nC-2,B,maybe\nC-3,C,\n"
    ) == (
        0,
        [csv_io.RowError(3, "compound_rule_member “maybe” is not a yes/no value (true or false, 1 or 0, yes or no)")],
    )
    count, errors = csv_io.import_users(integration, b"identifier,username,is_default\nsam,seller,perhaps\n")
    assert count == 0 and [str(e) for e in errors] == [
        "Row 2: is_default “perhaps” is not a yes/no value (true or false, 1 or 0, yes or no)"
    ]
    assert CompanyMapping.objects.count() == UserMapping.objects.count() == 0


def test_user_mappings_need_existing_portal_users_and_one_default(client, integration_admin, seller):
    integration = Integration.objects.create(name="SO", kind="sales_order")
    client.force_login(integration_admin)
    page = upload(
        client, integration, "users", "identifier,username,is_default\nsam,seller,true\nghost,nobody-here,true\n"
    )
    assert "there is no portal user “nobody-here”" in page and "more than one row is marked is_default" in page
    assert UserMapping.objects.count() == 0
    page = upload(client, integration, "users", "identifier,username,is_default\nsam,seller,true\nanne,,false\n")
    assert "2 users mappings imported." in page
    assert UserMapping.objects.get(is_default=True).user == seller


def test_broken_files_are_refused_clearly(db):
    integration = Integration.objects.create(name="PO", kind="purchase_order")
    assert "not UTF-8" in str(csv_io.import_companies(integration, b"\xff\xfe\x00bad")[1][0])
    assert "header lacks company_name" in str(csv_io.import_companies(integration, b"identifier,name\nA,B\n")[1][0])
    assert "larger than" in str(csv_io.import_companies(integration, b"x" * (csv_io.MAX_BYTES + 1))[1][0])
