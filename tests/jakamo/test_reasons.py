"""Every row of the reference error tables has an explanation a person can act on."""

import re

import pytest

from jakamo import reasons
from tests.reference import REFERENCE, require_shared


def documented_400_texts() -> list[str]:
    if not REFERENCE.is_dir():
        return []
    texts = []
    po = (REFERENCE / "jakamo-purchase-order-api.txt").read_text(encoding="utf-8")
    texts += re.findall(r"^400 Bad Request \| (.+?) \|", po, flags=re.M)
    so = (REFERENCE / "jakamo-sales-order-api.txt").read_text(encoding="utf-8")
    for line in so.splitlines():
        if line.startswith("400 Bad Request"):
            rest = line[len("400 Bad Request") :]
            row = next((r for r in reasons.REASONS if rest.startswith(r.text)), None)
            texts.append(row.text if row else rest[:40])
    return texts


def test_the_tables_have_the_rows_we_expect():
    require_shared()
    assert len(documented_400_texts()) == 17


@pytest.mark.parametrize("text", documented_400_texts())
def test_every_documented_answer_is_explained(text):
    explanation = reasons.explain(text)
    assert explanation.code != "unknown", text
    assert len(explanation.explanation) > 40


def test_explanations_name_the_identifier_involved():
    e = reasons.explain("<Errors><error>No vendor mapping found</error></Errors>", vendor_id="V-999")
    assert e.code == "no_vendor_mapping" and "“V-999”" in e.explanation and "Company Strings" in e.explanation
    e = reasons.explain("Errors in SellerContact element. Missing mapping?", seller_contact_id="sam")
    assert "“sam”" in e.explanation and "User Strings" in e.explanation


def test_an_undocumented_answer_is_shown_as_jakamo_wrote_it():
    e = reasons.explain("Quota exceeded for today")
    assert e.code == "unknown" and "Quota exceeded for today" in e.explanation


def test_matching_ignores_slashes_case_and_the_final_full_stop():
    assert reasons.explain("price/priceamount is required").code == "price_required"
    assert reasons.explain("authentication failed").code == "authentication_failed"
