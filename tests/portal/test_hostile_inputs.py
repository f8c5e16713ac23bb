"""A corpus of hostile and broken inputs across every way in: Jakamo's queues (PO and ASN), the ERP
endpoint, the XML upload, the ShipHero webhook, the mapping CSV import and the forms.

For each: a specific error (the expected words are listed beside the input), no crash (no 500, no
Python exception name as the reason), nothing lost (queue messages are stored with their reason),
no queue blocked (a good message behind the bad ones still goes through), and names carrying HTML
are shown escaped on the pages that show them later."""

from __future__ import annotations

import base64
import copy
import html
import json
import re
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from exchange import inbox
from exchange.models import InboxMessage
from jakamo import ubl
from jakamo.ubl_build import build_order_document
from mappings.models import CompanyMapping, Integration
from orders.models import PurchaseOrder
from orders.purchase.intake import erp_client_create
from sandbox import demo
from sandbox import services as sandbox
from sandbox.models import Message as QueuedMessage
from sandbox.services import response_from_order
from shipments.models import ShipHeroWebhook, WebhookRejection
from tests.helpers import order_xml, post_shiphero
from tests.reference import ASN_EXAMPLE

SCRIPT = '<script>alert("x")</script>'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
TWENTY_MB = 20 * 1024 * 1024

XXE = b'<?xml version="1.0"?><!DOCTYPE Order [<!ENTITY x SYSTEM "file:///etc/passwd">]><Order><ID>&x;</ID></Order>'
BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]><Order>&d;</Order>'
)
UTF16_DOCTYPE = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE Order><Order/>'.encode("utf-16")
BAD_UTF8 = b'<?xml version="1.0" encoding="UTF-8"?><Order><ID>\xff\xfe\xfd</ID></Order>'
HUGE_XML = b"<Order>" + b"<Note>x</Note>" * (TWENTY_MB // 14) + b"</Order>"
UBL_ORDER_NS = b"urn:oasis:names:specification:ubl:schema:xsd:Order-2"


def edit(pattern: bytes, new: bytes, count: int = 0):
    """An order whose text matching ``pattern`` (a regex) is replaced: the document builder is
    strict and would refuse to write most of these."""

    def body(number: str) -> bytes:
        xml = order_xml(number)
        edited = re.sub(pattern, new, xml, count=count)
        assert edited != xml, pattern
        return edited

    return body


@dataclass
class Case:
    name: str
    body: object  # bytes, or a callable(number) -> bytes
    expect: str  # words the refusal must contain


# ---------------------------------------------------------------- orders: ERP endpoint and upload
ORDER_CASES = [
    Case("xxe", XXE, "DOCTYPE"),
    Case("entity bomb", BOMB, "DOCTYPE"),
    Case("doctype in UTF-16", UTF16_DOCTYPE, "DOCTYPE"),
    Case("invalid UTF-8", BAD_UTF8, "Malformed XML"),
    Case("not XML at all", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "Malformed XML"),
    Case("empty body", b"", "empty"),
    Case("unclosed element", b"<Order><ID>1</Order>", "Malformed XML"),
    Case("wrong root", b"<Invoice><ID>1</ID></Invoice>", "root element is <Invoice>"),
    Case("wrong namespace", edit(UBL_ORDER_NS, b"urn:example:not-ubl"), "in the namespace “urn:example:not-ubl”"),
    Case("missing IssueDate", edit(rb"<cbc:IssueDate>[^<]*</cbc:IssueDate>", b""), "IssueDate"),
    Case("missing line ID", edit(rb"<cbc:ID>1</cbc:ID>", b"", 1), "line"),
    Case("missing vendor id", edit(rb"<cbc:ID>V-100</cbc:ID>", b""), "vendor"),
    Case("zero quantity", edit(rb">100</cbc:Quantity>", b">0</cbc:Quantity>"), "more than zero"),
    Case("negative quantity", edit(rb">100</cbc:Quantity>", b">-5</cbc:Quantity>"), "more than zero"),
    Case("huge quantity", edit(rb">100</cbc:Quantity>", b">100000000000000000000</cbc:Quantity>"), "too large"),
    Case("quantity not a number", edit(rb">100</cbc:Quantity>", b">lots</cbc:Quantity>", 1), "quantity"),
    Case("huge price", edit(rb">120</cbc:PriceAmount>", b">1e400</cbc:PriceAmount>"), "price"),
    Case("year zero", edit(rb"<cbc:IssueDate>[^<]*<", b"<cbc:IssueDate>0000-01-01<"), "IssueDate"),
    Case("impossible date", edit(rb"<cbc:EndDate>[^<]*<", b"<cbc:EndDate>2027-02-30<"), "date"),
    Case("U+0000 as a character reference", edit(rb"<cbc:ID>", b"<cbc:ID>&#0;", 1), "Malformed XML"),
]


def body_of(case: Case, number: str) -> bytes:
    return case.body(number) if callable(case.body) else case.body


def no_crash_text(text: str):
    for name in ("Traceback", "KeyError", "TypeError", "AttributeError", "ValueError", "InvalidOperation"):
        assert name not in text, text[:500]


@pytest.mark.parametrize("case", ORDER_CASES, ids=lambda c: c.name)
def test_the_erp_endpoint_refuses_with_a_specific_reason(client, offline_buyer, case):
    token = erp_client_create(name="ERP", integration=offline_buyer)[1]
    response = client.post(
        "/orders/erp/orders/",
        body_of(case, "H-1"),
        content_type="application/xml",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    text = json.dumps(response.json(), ensure_ascii=False) if response.status_code == 400 else response.content.decode()
    assert response.status_code == 400, text
    assert case.expect.lower() in text.lower(), text
    no_crash_text(text)
    assert not PurchaseOrder.objects.exists()


@pytest.mark.parametrize("case", ORDER_CASES, ids=lambda c: c.name)
def test_an_upload_refuses_with_a_specific_reason(client, purchaser, offline_buyer, case):
    client.force_login(purchaser)
    upload = SimpleUploadedFile("order.xml", body_of(case, "U-1"), content_type="application/xml")
    page = client.post(
        reverse("orders:purchase_upload"), {"file": upload, "integration": offline_buyer.pk}, follow=True
    )
    text = html.unescape(page.content.decode())
    assert page.status_code == 200 and case.expect.lower() in text.lower(), text[-3000:]
    no_crash_text(text)
    assert not PurchaseOrder.objects.exists()


def test_the_erp_endpoint_refuses_twenty_megabytes_before_reading_them(client, offline_buyer):
    token = erp_client_create(name="ERP", integration=offline_buyer)[1]
    response = client.post(
        "/orders/erp/orders/", HUGE_XML, content_type="application/xml", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 413 and "larger than" in response.json()["error"]


def test_an_upload_of_twenty_megabytes_is_refused(client, purchaser, offline_buyer):
    client.force_login(purchaser)
    upload = SimpleUploadedFile("big.xml", HUGE_XML, content_type="application/xml")
    page = client.post(
        reverse("orders:purchase_upload"), {"file": upload, "integration": offline_buyer.pk}, follow=True
    )
    assert "at most 10,485,760 bytes" in page.content.decode()
    assert not PurchaseOrder.objects.exists()


def test_the_erp_endpoint_refuses_a_missing_or_forged_token(client, offline_buyer):
    for header in ({}, {"HTTP_AUTHORIZATION": "Bearer forged"}, {"HTTP_AUTHORIZATION": "Basic Zm9vOmJhcg=="}):
        response = client.post("/orders/erp/orders/", order_xml("T-1"), content_type="application/xml", **header)
        assert response.status_code == 401


def test_html_in_names_is_kept_and_shown_escaped(client, purchaser, offline_buyer):
    as_xml_text = SCRIPT.replace("<", "&lt;").replace(">", "&gt;").encode()
    token = erp_client_create(name="ERP", integration=offline_buyer)[1]
    response = client.post(
        "/orders/erp/orders/",
        edit(rb"HEX HEAD SCREW M11x80mm", as_xml_text)("X-1"),
        content_type="application/xml",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 201
    order = PurchaseOrder.objects.get()
    assert order.lines.get(line_id="1").item_name == SCRIPT
    client.force_login(purchaser)
    for url in (order.get_absolute_url(), reverse("orders:purchase_list")):
        page = client.get(url).content.decode()
        assert SCRIPT not in page
    assert ESCAPED in client.get(order.get_absolute_url()).content.decode()


# ---------------------------------------------------------------- the order form
FORM = {
    "order-order_number": "F-1",
    "order-supplier": "V-100",
    "order-buyer_contact": "bertha",
    "order-currency": "EUR",
    "lines-TOTAL_FORMS": "1",
    "lines-INITIAL_FORMS": "0",
    "lines-MIN_NUM_FORMS": "1",
    "lines-MAX_NUM_FORMS": "500",
    "lines-0-item_name": "Bolt",
    "lines-0-quantity": "100",
    "lines-0-unit_code": "PCE",
    "lines-0-price": "12",
    "lines-0-base_quantity": "1",
    "lines-0-requested_date": "2027-01-15",
}

FORM_CASES = [
    Case("zero quantity", {"lines-0-quantity": "0"}, "greater than or equal to 0.0001"),
    Case("negative quantity", {"lines-0-quantity": "-3"}, "greater than or equal to 0.0001"),
    Case("huge quantity", {"lines-0-quantity": "1" + "0" * 30}, "no more than"),
    Case("not a number", {"lines-0-quantity": "ten"}, "Enter a number"),
    Case("date out of range", {"lines-0-requested_date": "10000-01-01"}, "Enter a valid date"),
    Case("impossible date", {"lines-0-requested_date": "2027-02-30"}, "Enter a valid date"),
    Case("negative price", {"lines-0-price": "-1"}, "greater than or equal to 0"),
    Case("bad batches", {"lines-0-batches": "lots@tomorrow"}, "“lots@tomorrow” is not quantity@YYYY-MM-DD"),
    # Each batch quantity is checked as the line's is; these added up, or crashed adding up.
    Case("negative batch", {"lines-0-batches": "-20@2027-01-15; 120@2027-02-01"}, "“-20@2027-01-15”: Ensure"),
    Case("signalling NaN batch", {"lines-0-batches": "sNaN@2027-01-15"}, "“sNaN@2027-01-15”: Enter a number"),
    Case("infinite batches", {"lines-0-batches": "Infinity@2027-01-15; -Infinity@2027-02-01"}, "Enter a number"),
    Case("huge batch", {"lines-0-batches": "1e999@2027-01-15"}, "“1e999@2027-01-15”: Ensure that there are no more"),
    # A formset compares each row with its initial values first; a signalling NaN raised there (a 500).
    Case("signalling NaN base quantity", {"lines-0-base_quantity": "sNaN"}, "Enter a number"),
    Case("signalling NaN price", {"lines-0-price": "sNaN"}, "Enter a number"),
    Case("unknown supplier", {"order-supplier": "V-999"}, "no company mapping for supplier"),
    Case("no lines", {"lines-TOTAL_FORMS": "0"}, "at least 1"),
    Case("spreadsheet line break", {"lines-0-item_name": "HEX\x0bSCREW"}, "U+000B (character 4), which a message"),
    Case("non-character", {"order-note": "see \ufffe"}, "U+FFFE (character 5), which a message"),
]


@pytest.mark.parametrize("case", FORM_CASES, ids=lambda c: c.name)
def test_the_order_form_refuses_with_a_specific_reason(client, purchaser, offline_buyer, case):
    client.force_login(purchaser)
    page = client.post(
        reverse("orders:purchase_new"), {**FORM, "order-integration": offline_buyer.pk, **case.body}, follow=True
    )
    text = html.unescape(page.content.decode())
    assert page.status_code == 200 and case.expect in text, text[-4000:]
    assert not PurchaseOrder.objects.exists()


def test_html_in_a_form_field_is_shown_escaped(client, purchaser, offline_buyer):
    client.force_login(purchaser)
    data = {**FORM, "order-integration": offline_buyer.pk, "lines-0-item_name": SCRIPT}
    page = client.post(reverse("orders:purchase_new"), data, follow=True).content.decode()
    assert PurchaseOrder.objects.get().lines.get().item_name == SCRIPT
    assert SCRIPT not in page and ESCAPED in page


# ---------------------------------------------------------------- mapping CSV import
CSV_CASES = [
    Case("invalid UTF-8", b"identifier,company_name\nV-1,\xff\xfe Oy\n", "not UTF-8"),
    Case("binary", b"\x00\x01\x02\x03PK\x03\x04", "header lacks"),
    Case("missing columns", b"name,city\nAcme,Turku\n", "header lacks identifier, company_name"),
    Case("empty identifier", b"identifier,company_name\n,Acme\n", "Row 2: identifier is empty"),
    Case("unknown role", b"identifier,company_name,role\nV-1,Acme,emperor\n", "emperor"),
    Case(
        "control character",
        b"identifier,company_name\nV-1,Acme\x0bOy\n",
        "Row 2: company_name contains the character U+000B (character 5)",
    ),
    Case("too large", b"identifier,company_name\n" + b"V-1,Acme\n" * (6 * 1024 * 1024 // 9), "larger than 5 MB"),
]


@pytest.mark.parametrize("case", CSV_CASES, ids=lambda c: c.name)
def test_the_csv_import_refuses_with_a_specific_reason_and_imports_nothing(client, integration_admin, case):
    integration = Integration.objects.create(name="PO", kind="purchase_order")
    client.force_login(integration_admin)
    upload = SimpleUploadedFile("companies.csv", case.body, content_type="text/csv")
    page = client.post(
        reverse("mappings:csv_import", args=[integration.pk, "companies"]), {"file": upload}, follow=True
    ).content.decode()
    assert case.expect in page, page[-3000:]
    assert not CompanyMapping.objects.exists()


def test_html_and_formulas_in_csv_are_stored_as_text_and_shown_escaped(client, integration_admin):
    integration = Integration.objects.create(name="PO", kind="purchase_order")
    client.force_login(integration_admin)
    data = f'identifier,company_name\nV-1,"{SCRIPT.replace(chr(34), chr(34) * 2)}"\nV-2,=HYPERLINK("http://x")\n'
    upload = SimpleUploadedFile("companies.csv", data.encode(), content_type="text/csv")
    client.post(reverse("mappings:csv_import", args=[integration.pk, "companies"]), {"file": upload})
    assert CompanyMapping.objects.get(identifier="V-1").company_name == SCRIPT
    page = client.get(reverse("mappings:integration_detail", args=[integration.pk])).content.decode()
    assert SCRIPT not in page and ESCAPED in page
    exported = client.get(reverse("mappings:csv_export", args=[integration.pk, "companies"])).content.decode()
    assert "'=HYPERLINK" in exported  # a spreadsheet opening the export runs no formula


# ---------------------------------------------------------------- ShipHero webhook
def freight(**changes) -> dict:
    from sandbox import party

    payload = party.shiphero_payload(
        kind="freight",
        order_id="900001",
        line_items=[{"order_line_item_id": 1, "partner_line_item_id": "C-1|1", "sku": "s", "name": "s", "quantity": 2}],
        shipped=True,
        trading_partner_name="retailer",
    )
    payload.update(changes)
    return payload


def with_quantity(value) -> dict:
    payload = freight()
    payload["packing_layout"]["containers"][0]["containers"][0]["line_items"][0]["quantity"] = value
    return payload


WEBHOOK_CASES = [
    Case("invalid JSON", b'{"account_id": 1,', "JSON"),
    Case("invalid UTF-8", b'{"shop_name": "\xff\xfe"}', "UTF-8"),
    Case("not an object", b"[1, 2, 3]", "object"),
    Case("nesting bomb", b"[" * 100_000 + b"]" * 100_000, "nested"),
    Case("missing order id", lambda: json.dumps(freight(order_id=None)).encode(), "order_id"),
    Case("negative quantity", lambda: json.dumps(with_quantity(-4)).encode(), "quantity"),
    Case("huge quantity", lambda: json.dumps(with_quantity(10**30)).encode(), "quantity"),
    Case("text quantity", lambda: json.dumps(with_quantity("lots")).encode(), "quantity"),
    # No text column can hold U+0000 (PostgreSQL refuses it), yet JSON may carry it escaped.
    Case("NUL in the order id", lambda: json.dumps(freight(order_id="9000\u000001")).encode(), "U+0000"),
    Case("NUL in a field we keep", lambda: json.dumps(freight(gift_note="hi\u0000")).encode(), "gift_note"),
    Case("lone surrogate in the order id", lambda: json.dumps(freight(order_id="9\ud800")).encode(), "surrogate"),
]


@pytest.mark.parametrize("case", WEBHOOK_CASES, ids=lambda c: c.name)
def test_the_webhook_answers_bad_payloads_specifically_and_keeps_what_it_can(client, shiphero_endpoint, case):
    body = case.body() if callable(case.body) else case.body
    response = post_shiphero(client, shiphero_endpoint, None, raw=body)
    text = response.content.decode()
    assert response.status_code in (200, 400), text
    no_crash_text(text)
    if response.status_code == 400:
        assert case.expect.lower() in text.lower(), text
    else:  # accepted for a person to look at: stored with the reason, and visible on its page
        stored = ShipHeroWebhook.objects.get()
        assert stored.problem and case.expect.lower() in stored.problem.lower(), stored.problem


def test_the_webhook_refuses_a_forged_signature_and_twenty_megabytes(client, shiphero_endpoint):
    body = json.dumps(freight()).encode()
    assert post_shiphero(client, shiphero_endpoint, None, raw=body, secret="guessed").status_code == 401
    huge = b'{"pad": "' + b"x" * TWENTY_MB + b'"}'
    response = post_shiphero(client, shiphero_endpoint, None, raw=huge)
    assert response.status_code == 413 and "limit" in response.content.decode()
    assert WebhookRejection.objects.count() == 2 and not ShipHeroWebhook.objects.exists()


# ---------------------------------------------------------------- Jakamo's queues, over HTTP
def queue_cases(known: str) -> list[Case]:
    """OrderResponses and StatusMessages as a hostile or broken Jakamo might send them; ``known``
    is an order the portal has."""
    order = PurchaseOrder.objects.get(order_number=known)
    from orders.purchase import services

    good = build_order_document(response_from_order(services.order_document(order), status=ubl.CONFIRMED))
    return [
        Case("xxe", XXE.decode(), "DOCTYPE"),
        Case("entity bomb", BOMB.decode(), "DOCTYPE"),
        Case("twenty megabytes", HUGE_XML.decode(), "limit"),
        Case("malformed", "<OrderResponse><ID>1</OrderResponse>", "Malformed XML"),
        Case("wrong root", "<Invoice><ID>1</ID></Invoice>", "Invoice"),
        Case("not XML", "Service temporarily unavailable", "Malformed XML"),
        Case(
            "wrong namespace",
            good.decode().replace("urn:oasis:names:specification:ubl:schema:xsd:OrderResponse-2", "urn:example:x"),
            "in the namespace “urn:example:x”",
        ),
        Case("unknown order", good.decode().replace(known, "NO-SUCH-ORDER"), "NO-SUCH-ORDER"),
        Case("missing order number", re.sub(r"<cbc:ID>[^<]*</cbc:ID>", "", good.decode(), count=1), "ID"),
        Case("negative quantity", good.decode().replace(">100</cbc:Quantity>", ">-100</cbc:Quantity>", 1), "quantity"),
        Case(
            "impossible date",
            re.sub(r"<cbc:IssueDate>[^<]*<", "<cbc:IssueDate>2027-02-30<", good.decode()),
            "not a date",
        ),
        Case("huge quantity", good.decode().replace(">100</cbc:Quantity>", ">1e15</cbc:Quantity>", 1), "too large"),
        Case("status for an unknown order", delivered("GHOST-1"), "GHOST-1"),
        Case("status without an order", delivered("GHOST-1").replace("<OrderID>GHOST-1</OrderID>", ""), "OrderID"),
    ]


def delivered(order_number: str) -> str:
    from jakamo import status

    msg = status.StatusMessage(order_id=order_number, status=status.DELIVERED)
    return status.build_status_message(msg).decode()


ASN_CASES = [
    Case("invalid JSON", '{"ID": "1", ', "JSON"),
    Case("a list", "[1, 2]", "object"),
    Case("missing shipment number", json.dumps({**ASN_EXAMPLE, "shipmentNumber": None}), "shipmentNumber"),
    Case("negative quantity", "__negative__", "quantity"),
    Case("nesting bomb", "[" * 50_000 + "]" * 50_000, "nested"),
    Case("NUL in the shipment number", json.dumps({**ASN_EXAMPLE, "shipmentNumber": "S\u00001"}), "U+0000"),
    Case("NUL in a field we keep", json.dumps({**ASN_EXAMPLE, "carrierNote": {"text": ["\u0000"]}}), "carrierNote"),
    Case("lone surrogate in the shipment number", json.dumps({**ASN_EXAMPLE, "shipmentNumber": "\udc00"}), "surrogate"),
]


@pytest.mark.django_db(transaction=True)
def test_hostile_queue_messages_are_stored_explained_and_do_not_block_the_queue(network, buyer, purchaser):
    from orders.purchase import services

    po = buyer
    services.purchase_order_create(integration=po, document=demo.sample_order("Q-1"), user=purchaser)
    services.purchase_order_create(integration=po, document=demo.sample_order("Q-2"), user=purchaser)
    cases = queue_cases("Q-1")
    for case in cases:
        sandbox.enqueue(network["po"], "OrderResponse", case.body)
    # Behind them all, a good confirmation: it must still arrive and be applied.
    q2 = PurchaseOrder.objects.get(order_number="Q-2")
    good = build_order_document(response_from_order(services.order_document(q2), status=ubl.CONFIRMED))
    sandbox.enqueue(network["po"], "OrderResponse", good.decode())

    inbox.sync(po.pk)
    assert not QueuedMessage.objects.filter(integration=network["po"], acknowledged_at__isnull=True).exists()
    rows = list(InboxMessage.objects.filter(integration=po).order_by("id"))
    assert len(rows) == len(cases) + 1, "every message is stored"
    problems = []
    for case, row in zip(cases, rows, strict=False):
        if row.status != "failed" or case.expect.lower() not in row.error.lower():
            problems.append(f"{case.name}: {row.status} {row.error[:200]!r}")
        no_crash_text(row.error)
    assert problems == [], "\n".join(problems)
    assert rows[-1].status == "processed" and PurchaseOrder.objects.get(order_number="Q-2").status == "confirmed"


@pytest.mark.django_db(transaction=True)
def test_hostile_asn_messages_are_stored_explained_and_do_not_block_the_queue(network, asn_integration):
    asn = asn_integration
    negative = copy.deepcopy(ASN_EXAMPLE)
    negative["shippingUnits"][0]["items"][0]["quantity"] = "-30"
    for case in ASN_CASES:
        body = json.dumps(negative) if case.body == "__negative__" else case.body
        sandbox.enqueue(network["asn"], "ASN", body, content_type="application/json")
    sandbox.enqueue(network["asn"], "ASN", json.dumps(ASN_EXAMPLE), content_type="application/json")

    inbox.sync(asn.pk)
    rows = list(InboxMessage.objects.filter(integration=asn).order_by("id"))
    assert len(rows) == len(ASN_CASES) + 1
    problems = [
        f"{case.name}: {row.status} {row.error[:200]!r}"
        for case, row in zip(ASN_CASES, rows, strict=False)
        if row.status != "failed" or case.expect.lower() not in row.error.lower()
    ]
    assert problems == [], "\n".join(problems)
    assert rows[-1].status == "processed"


def test_a_stored_hostile_message_is_shown_escaped_in_the_history(client, support, offline_buyer):
    row = InboxMessage.objects.create(
        integration=offline_buyer,
        body=f"<OrderResponse><Note>{SCRIPT}</Note></OrderResponse>".encode(),
        content_hash="x",
        status="failed",
        error=f"Unknown order {SCRIPT}",
        document_key=SCRIPT,
    )
    client.force_login(support)
    for url in (row.get_absolute_url(), reverse("exchange:message_list") + "?q=script"):
        page = client.get(url).content.decode()
        assert SCRIPT not in page, url


@pytest.mark.parametrize(
    ("body", "shown"),
    [
        (b'{"order_id": "9\\ud800"}', "9\\ud800"),  # written back raw, no page could encode it
        (b"[" * 100_000 + b"]" * 100_000, "[[[["),  # too deep to indent: shown as it came
    ],
    ids=["lone surrogate", "nesting bomb"],
)
def test_a_stored_json_body_that_cannot_be_indented_as_is_is_still_shown(
    client, support, shiphero_endpoint, body, shown
):
    row = InboxMessage.objects.create(
        integration=shiphero_endpoint, body=body, content_type="application/json", status="failed"
    )
    client.force_login(support)
    response = client.get(row.get_absolute_url())
    assert response.status_code == 200 and shown in response.content.decode()


def test_a_guarded_formula_survives_export_and_import(client, integration_admin):
    integration = Integration.objects.create(name="PO", kind="purchase_order")
    CompanyMapping.objects.create(integration=integration, identifier="V-2", company_name="=1+1 Oy")
    client.force_login(integration_admin)
    exported = client.get(reverse("mappings:csv_export", args=[integration.pk, "companies"])).content
    CompanyMapping.objects.all().delete()
    upload = SimpleUploadedFile("companies.csv", exported, content_type="text/csv")
    client.post(reverse("mappings:csv_import", args=[integration.pk, "companies"]), {"file": upload})
    assert CompanyMapping.objects.get(identifier="V-2").company_name == "=1+1 Oy"


# ---------------------------------------------------------------- U+0000 in addresses and form fields
# PostgreSQL refuses even to search for it: each of these was a server error there before.
NUL_REQUESTS = [
    ("get", "/orders/purchase/?q=A%00", "“q”"),
    ("get", "/orders/purchase/review/?supplier=V-100%00", "“supplier”"),
    ("get", "/orders/sales/?q=%00", "“q”"),
    ("get", "/messages/?partner=x%00y", "“partner”"),
    ("get", "/gateway/jakamo/api/order/PO-1%00/status", "the address"),
    ("post", "/gateway/jakamo/oauth2/token", "“client_id”"),
    ("post", "/messages/out/999999/resend/", "“note”"),
]


@pytest.mark.parametrize(("method", "url", "where"), NUL_REQUESTS, ids=[u for _, u, _ in NUL_REQUESTS])
def test_nul_in_the_address_or_a_form_field_is_refused_by_name(admin_client, method, url, where):
    if method == "get":
        response = admin_client.get(url)
    else:
        field = where.strip("“”")
        response = admin_client.post(url, {field: "abc\x00", "grant_type": "client_credentials"})
    text = response.content.decode()
    assert response.status_code == 400, text
    assert text.startswith("Refused: ") and where in text and "U+0000" in text, text
    assert "\x00" not in text


BROKEN_BASIC = {
    "U+0000 in the username": base64.b64encode(b"po-nordic\x00:po-secret-1").decode(),
    "U+0000 in the password": base64.b64encode(b"po-nordic:po-secret-1\x00").decode(),
    "not base64": "not base64!",
    "not UTF-8": base64.b64encode(b"\xff\xfe:\xfd").decode(),
}


@pytest.mark.parametrize("api", ["/gateway/jakamo/api/order/response", "/sandbox/jakamo/api/order/response"])
@pytest.mark.parametrize("value", BROKEN_BASIC.values(), ids=BROKEN_BASIC.keys())
def test_broken_basic_credentials_get_jakamos_answer(client, network, api, value):
    # A header is no form field, so the NUL refusal above never sees it; PostgreSQL refused the lookup (a 500).
    response = client.get(api, headers={"Authorization": f"Basic {value}"})
    assert (response.status_code, response.content.decode()) == (
        400,
        "<Errors><error>Authentication failed.</error></Errors>",
    )


def test_a_percent_sign_before_00_is_plain_text(admin_client):
    response = admin_client.get("/orders/purchase/?q=%2500")
    assert response.status_code == 200 and 'value="%00"' in response.content.decode()


def test_the_nul_refusal_speaks_the_readers_language(client):
    response = client.get("/gateway/jakamo/api/order/PO-1%00/status", HTTP_ACCEPT_LANGUAGE="fi")
    assert response.status_code == 400
    assert response.content.decode().startswith("Hylätty: osoite sisältää merkin U+0000")
