"""Examples cut out of the reference documents in ../shared (tests skip when it is absent), and the
ASN example the ASN document prints without braces."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
REFERENCE = SHARED / "reference"
XSD_DIR = SHARED / "ubl-2.1" / "xsd"
REAL_FIXTURES = SHARED / "fixtures" / "real"

_START = re.compile(r"^<(?:(\w+):)?(Order|OrderChange|OrderResponse|StatusMessage)[\s>]")


def require_shared():
    if not REFERENCE.is_dir():
        pytest.skip(f"../shared is absent ({SHARED}); the reference examples live there")


def xml_examples(document: str = "jakamo-purchase-order-api.txt") -> list[tuple[str, str]]:
    """(title, xml) for every complete XML example in a reference document, in order; none when
    ../shared is absent (parametrized tests then report an empty, skipped parameter set)."""
    if not REFERENCE.is_dir():
        return []
    lines = (REFERENCE / document).read_text(encoding="utf-8").splitlines()
    examples = []
    title = ""
    i = 0
    while i < len(lines):
        line = lines[i]
        match = _START.match(line)
        if not match:
            if line.startswith("Example"):
                title = line
            i += 1
            continue
        prefix, root = match.group(1), match.group(2)
        closing = f"</{prefix}:{root}>" if prefix else f"</{root}>"
        block = []
        while i < len(lines):
            block.append(lines[i])
            if lines[i].strip().endswith(closing):
                break
            i += 1
        text = "\n".join(block)
        # "<ns:OrderChange xmlns:ns=... Order-2" example B of 6.8.1 starts the root and then jumps
        # to "<cac:DocumentReference>": keep only blocks that parse as whole documents.
        examples.append((title or root, text))
        i += 1
    return examples


def by_title(fragment: str) -> str:
    require_shared()
    for title, xml in xml_examples():
        if fragment in title:
            return xml
    raise LookupError(fragment)


# The ASN document prints its example without braces; this is that example, field for field.
ASN_EXAMPLE = {
    "ID": "87",
    "shipmentNumber": "ASNTEST2000",
    "status": "DISPATCHED",
    "dispatchCompanyName": "James Universal Imports",
    "dispatchContactName": "James Testperson",
    "dispatchContactEmail": "",
    "dispatchStreetName": "Test Street",
    "dispatchBuildingNumber": "44",
    "dispatchAdditionalStreetName": None,
    "dispatchCity": "Tampere",
    "dispatchPostalZone": "44500",
    "dispatchCountry": "Finland",
    "shippingUnits": [
        {
            "shippingUnitNumber": "1111",
            "type": "Pallet",
            "items": [
                {
                    "orderNumber": "ASN1234",
                    "lineNumber": "2",
                    "quantity": "30",
                    "sellersItemID": "Heat Diffuser 1234",
                    "buyersItemID": "Heat Diffuser 1234",
                    "buyersItemName": "Heat Diffuser 1234",
                    "batchNumber": "1",
                    "manufacturingBatch": "33333",
                    "expirationDate": "2022-12-14",
                    "serialNumbers": [],
                },
            ],
            "dimensions": {
                "mass": 100,
                "massUnit": "kg",
                "length": 2,
                "width": 3,
                "height": 4,
                "diameter": 5,
                "lengthUnit": "m",
            },
        },
        {
            "shippingUnitNumber": "2222",
            "type": "Pallet",
            "items": [
                {
                    "orderNumber": "ASN1234",
                    "lineNumber": "1",
                    "quantity": "10",
                    "sellersItemID": "Radiator 12345",
                    "buyersItemID": "Radiator 12345",
                    "buyersItemName": "Radiator",
                    "batchNumber": "1",
                    "manufacturingBatch": "33333",
                    "expirationDate": "2022-12-14",
                    "serialNumbers": [],
                },
                {
                    "orderNumber": "ASN1234",
                    "lineNumber": "3",
                    "quantity": "50",
                    "sellersItemID": "Mounting kit 12345",
                    "buyersItemID": "Mounting kit 12345",
                    "buyersItemName": "Mounting kit 12345",
                    "batchNumber": "1",
                    "manufacturingBatch": "33333",
                    "expirationDate": "2022-12-14",
                    "serialNumbers": [],
                },
            ],
            "dimensions": {
                "mass": 3,
                "massUnit": "kg",
                "length": 4,
                "width": 5,
                "height": 6,
                "diameter": 7,
                "lengthUnit": "m",
            },
        },
    ],
    "buyer": {"companyName": "Postman Test CLIENT", "companyID": "clientcompany"},
    "supplier": {"companyName": "Postman Test SUPPLIER", "companyID": "testsupplier"},
    "dispatchDatetime": "2022-12-14T11:24:00+00:00",
}


def shiphero_examples() -> dict[str, dict]:
    """The Freight and Courier JSON examples, cut out of the ShipHero document."""
    require_shared()
    text = (REFERENCE / "shiphero-shipment-asn-webhook.txt").read_text(encoding="utf-8")
    blocks = []
    for match in re.finditer(r'\{\n"account_id"', text):
        depth = 0
        for end in range(match.start(), len(text)):
            depth += {"{": 1, "}": -1}.get(text[end], 0)
            if depth == 0:
                blocks.append(json.loads(text[match.start() : end + 1]))
                break
    assert len(blocks) == 2
    return {"freight": blocks[0], "courier": blocks[1]}
