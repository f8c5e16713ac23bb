"""A deviation is kept as its code and parameters, and explained in the reader's language when
shown: the sentence, its numbers and dates (13,5 and 29.3.2023 in Finnish), and every kind's label.
Confirmations recorded before the codes still show their English sentence."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from jakamo.ubl_parse import parse_order_document
from orders import deviations as dv
from orders.models import Confirmation
from tests.helpers import order_with_confirmation
from tests.reference import by_title

pytestmark = pytest.mark.django_db


def test_a_confirmation_keeps_codes_and_parameters_not_sentences(purchaser):
    _, confirmation = order_with_confirmation("L-1", purchaser, price=Decimal("13.5"))
    [record] = Confirmation.objects.get(pk=confirmation.pk).deviations
    assert record["sentence"] == "price"
    assert record["params"] == {"line": "2", "confirmed_price": "13.5", "ordered_price": "12"}
    assert "explanation" not in record and "label" not in record
    assert not any("Line" in str(value) for value in record.values())


def test_the_sentence_follows_the_readers_language(purchaser):
    _, confirmation = order_with_confirmation("L-2", purchaser, price=Decimal("13.5"))
    [shown] = Confirmation.objects.get(pk=confirmation.pk).shown_deviations
    with translation.override("en"):
        assert shown.explanation == "Line 2: unit price 13.5 confirmed, 12 ordered."
        assert shown.label == "Unit price"
    with translation.override("fi"):
        assert "13,5" in shown.explanation and "13.5" not in shown.explanation


def test_dates_in_a_sentence_follow_the_language():
    ordered = parse_order_document(by_title("full PO: Sending a new order"))
    ordered.lines[0].deliveries[0].requested_end_date = date(2023, 1, 28)
    confirmed = parse_order_document(by_title("Get confirmed with changes OrderResponse"))
    deviation = dv.compare(ordered, confirmed).deviations[0]
    assert deviation.sentence == "date_later" and deviation.params["days"] == 60
    with translation.override("en"):
        assert "promised 2023-03-29, 60 days later than requested" in deviation.explanation
    with translation.override("fi"):
        assert "29.3.2023" in deviation.explanation


def test_every_kind_has_a_label_and_every_sentence_renders():
    kinds = {v for k, v in vars(dv).items() if k.isupper() and isinstance(v, str) and k not in ("DATE_SENTENCES",)}
    assert kinds <= set(dv.KIND_LABELS)
    params = {"line": "1", "batch": "1.1", "missing": "2", "status": "Shipped", "statuses": "Open"}
    params |= {"confirmed": "x", "ordered": "y", "quantity": "5", "promised_date": "2027-01-15", "days": 2}
    params |= {k: "1" for k in ("confirmed_qty", "ordered_qty", "confirmed_price", "ordered_price")}
    for language in ("en", "fi"):
        with translation.override(language):
            for sentence in [*dv.SENTENCES, *dv.DATE_SENTENCES]:
                assert "%(" not in dv.explain(sentence, params), sentence


def test_a_confirmation_recorded_before_the_codes_shows_its_sentence():
    old = {"kind": "quantity", "label": "Quantity", "line": "1", "batch": None, "ordered": "5", "confirmed": "4"}
    shown = dv.Deviation.from_record({**old, "explanation": "Line 1: 4 confirmed, 5 ordered."})
    assert shown.explanation == "Line 1: 4 confirmed, 5 ordered." and shown.label == "Quantity"


def test_the_review_queue_names_the_kinds_not_their_codes(client, purchaser):
    order, _ = order_with_confirmation("L-3", purchaser)
    order.deviation_kinds = [dv.ADDED_BATCH, dv.PRICE]
    order.save(update_fields=["deviation_kinds"])
    client.force_login(purchaser)
    page = client.get("/orders/purchase/review/").content.decode()
    assert "Batch added by the supplier" in page and "Unit price" in page
    assert "addedbatch" not in page and "added_batch" not in page.split("<tbody>")[1]


def test_line_statuses_on_the_review_page_follow_the_language(client, purchaser):
    order, confirmation = order_with_confirmation("L-4", purchaser)
    client.force_login(purchaser)
    # The locale middleware activates Finnish in this thread; the override puts it back after.
    with translation.override("en"):
        page = client.get(
            f"/orders/purchase/{order.pk}/confirmations/{confirmation.version}/", HTTP_ACCEPT_LANGUAGE="fi"
        ).content.decode()
    compare = page.split('class="compare"')[1].split("</table>")[0]
    assert "Vahvistettu muutoksin" in compare and "Confirmed with changes" not in compare
