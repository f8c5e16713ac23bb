import json
import re
from copy import deepcopy
from datetime import date, datetime
from decimal import Decimal

import pytest

from jakamo import asn as jasn
from jakamo import shiphero
from jakamo.errors import DocumentError
from jakamo.jsonsafe import load_json
from tests.reference import ASN_EXAMPLE, shiphero_examples


def test_it_reads_the_asn_example():
    asn = jasn.parse_asn(json.dumps(ASN_EXAMPLE))
    assert (asn.id, asn.shipment_number, asn.status) == ("87", "ASNTEST2000", "DISPATCHED")
    assert asn.dispatch_city == "Tampere" and asn.dispatch_additional_street_name is None
    assert asn.dispatch_datetime == datetime.fromisoformat("2022-12-14T11:24:00+00:00")
    assert asn.buyer.company_id == "clientcompany" and asn.supplier.company_id == "testsupplier"
    assert [(i.order_number, i.line_number, i.quantity) for i in asn.items] == [
        ("ASN1234", "2", Decimal(30)),
        ("ASN1234", "1", Decimal(10)),
        ("ASN1234", "3", Decimal(50)),
    ]
    assert asn.items[0].expiration_date == date(2022, 12, 14) and asn.items[0].manufacturing_batch == "33333"
    dims = asn.shipping_units[0].dimensions
    assert (dims.mass, dims.mass_unit, dims.length, dims.diameter, dims.length_unit) == (100, "kg", 2, 5, "m")


def test_it_keeps_unknown_asn_fields_and_writes_them_back():
    data = deepcopy(ASN_EXAMPLE)
    data["carrierName"] = "DHL"
    data["shippingUnits"][0]["items"][0]["colour"] = "red"
    asn = jasn.parse_asn(json.dumps(data))
    assert asn.extra == {"carrierName": "DHL"} and asn.items[0].extra == {"colour": "red"}
    again = jasn.parse_asn(json.dumps(jasn.asn_to_json(asn)))
    assert again == asn


def test_it_names_every_broken_asn_field():
    data = deepcopy(ASN_EXAMPLE)
    del data["shipmentNumber"]
    data["shippingUnits"][0]["items"][0]["quantity"] = "lots"
    data["shippingUnits"][1]["items"][0]["expirationDate"] = "14.12.2022"
    data["shippingUnits"][1]["items"][1]["quantity"] = "-5"
    with pytest.raises(DocumentError) as exc:
        jasn.parse_asn(json.dumps(data))
    text = str(exc.value)
    assert "ASN.shipmentNumber: is required" in text
    assert "ASN.shippingUnits[0].items[0].quantity: 'lots' is not a number" in text
    assert "ASN.shippingUnits[1].items[0].expirationDate" in text
    assert "ASN.shippingUnits[1].items[1].quantity: must not be negative" in text


@pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe{}", b"[]", b"null"])
def test_it_refuses_asn_bodies_that_are_not_an_object(body):
    with pytest.raises(DocumentError):
        jasn.parse_asn(body)


def test_it_reads_the_freight_example():
    asn = shiphero.parse_shipment_asn(json.dumps(shiphero_examples()["freight"]))
    assert asn.is_freight and not asn.has_shipped  # shipment_id and ship_date are null
    assert asn.order_id == "666678858" and asn.shipping_details.pro_number == "0123456789"
    assert asn.shipping_details.trading_partner_name == "some-retailer"
    pallet = asn.containers[0]
    assert pallet.type == "Pallet" and pallet.weight_in_oz == 448 and pallet.containers[0].type == "Box"
    assert [(i.partner_line_item_id, i.quantity) for i in asn.line_items()] == [("MO44-472777084", Decimal(3))]
    assert asn.tracking_number == "0123456789"


def test_it_reads_the_courier_example():
    asn = shiphero.parse_shipment_asn(json.dumps(shiphero_examples()["courier"]))
    assert not asn.is_freight and asn.has_shipped
    assert asn.shipping_details.ship_date == date(2025, 10, 2)
    assert asn.tracking_number == "315518042"
    assert [c.type for c in asn.all_containers()] == ["Box"]


def test_it_reads_containers_nested_far_deeper_than_recursion_allows():
    payload = shiphero_examples()["courier"]
    node = {"type": "CasePack", "details": {}, "line_items": [{"partner_line_item_id": "deep", "quantity": 1}]}
    for _ in range(5000):
        node = {"type": "Box", "details": {}, "containers": [node]}
    payload["packing_layout"]["containers"] = [node]
    asn = shiphero.parse_shipment_asn(payload)
    containers = list(asn.all_containers())
    assert len(containers) == 5001 and containers[-1].type == "CasePack"
    assert asn.line_items()[0].partner_line_item_id == "deep"


def test_it_names_broken_shiphero_fields():
    payload = shiphero_examples()["courier"]
    payload["webhook_type"] = "Order Allocated"
    payload["shipping_details"]["ship_date"] = "yesterday"
    payload["packing_layout"]["containers"][0]["line_items"][0]["quantity"] = "x"
    with pytest.raises(DocumentError) as exc:
        shiphero.parse_shipment_asn(payload)
    text = str(exc.value)
    assert "expected 'Shipment ASN'" in text and "'yesterday' is not a date" in text
    assert "containers[0].line_items[0].quantity" in text


def test_signature_is_base64_hmac_sha256_of_the_raw_body_and_checked_in_constant_time():
    body = b'{"a": 1}'
    signature = shiphero.sign(body, "s3cret")
    # Known answer computed independently: base64(HMAC-SHA256(b'{"a": 1}', b"s3cret")).
    import base64
    import hashlib
    import hmac

    assert signature == base64.b64encode(hmac.new(b"s3cret", body, hashlib.sha256).digest()).decode()
    assert shiphero.verify(body, "s3cret", signature)
    assert not shiphero.verify(body + b" ", "s3cret", signature)
    assert not shiphero.verify(body, "other", signature)
    assert not shiphero.verify(body, "s3cret", None)
    assert not shiphero.verify(body, "s3cret", "ä-not-ascii")


def test_shop_name_matches_the_partner_or_everyone():
    assert shiphero.matches_shop("*", "anyone") and shiphero.matches_shop("*", None)
    assert shiphero.matches_shop("some-retailer", "some-retailer")
    assert not shiphero.matches_shop("some-retailer", "other") and not shiphero.matches_shop("x", None)


# -- what JSON escapes can carry and no text column can hold: U+0000 (PostgreSQL refuses it) and a lone
# surrogate (no UTF-8 encodes it: every database and every page refuses it) ---------------------------
@pytest.mark.parametrize(
    ("body", "where", "says"),
    [
        (
            '{"shippingUnits": [{"items": [{"sku": "A\\u0000"}]}]}',
            "shippingUnits[0].items[0].sku",
            "the character U+0000 (NUL)",
        ),
        ('{"notes": {"bad\\u0000key": 1}}', "notes.bad\\u0000key", "the character U+0000 (NUL)"),
        ('"\\u0000"', "(the body)", "the character U+0000 (NUL)"),
        ('{"order_id": "9\\ud800"}', "order_id", "U+D800, one half of a surrogate pair standing alone"),
        ('{"a": ["\\uDFFF"]}', "a[0]", "U+DFFF, one half"),
        ('{"a": "\\ude00\\ud83d"}', "a", "U+DE00, one half"),  # the halves, but in the wrong order
    ],
)
def test_json_carrying_what_no_text_field_stores_is_refused_naming_where(body, where, says):
    with pytest.raises(DocumentError) as exc:
        load_json(body)
    text = str(exc.value)
    assert text.startswith(f"{where}: contains {says}"), text
    text.encode("utf-8")  # the reason is stored and shown: it must carry neither character itself
    assert "\x00" not in text


def test_json_nested_as_deep_as_json_allows_is_searched():
    body = "[" * 900 + '"\\u0000"' + "]" * 900
    with pytest.raises(DocumentError, match=re.escape("[0]" * 900 + ": contains the character U+0000")):
        load_json(body)


def test_an_escaped_backslash_before_u0000_and_a_whole_surrogate_pair_are_plain_text():
    assert load_json(r'{"note": "C:\\u0000", "smile": "\ud83d\ude00"}') == {"note": "C:\\u0000", "smile": "\U0001f600"}


def test_an_integer_of_thousands_of_digits_is_named_without_pythons_advice():
    body = b'{"ID": "1", "shipmentNumber": "S", "shippingUnits": [], "weight": ' + b"7" * 5000 + b"}"
    with pytest.raises(DocumentError) as caught:
        jasn.parse_asn(body)
    assert str(caught.value) == "A number in the body has 5,000 digits; no field holds a number that long."
