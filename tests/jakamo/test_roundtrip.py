"""What the builders write parses back to the same values, for any document (property tests)."""

from hypothesis import HealthCheck, given, settings

from jakamo import schema
from jakamo.status import build_status_message, parse_status_message
from jakamo.ubl_build import build_order_document
from jakamo.ubl_parse import parse_order_document
from tests.reference import XSD_DIR
from tests.strategies import documents, examples, status_messages


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_any_document_survives_build_and_parse(doc):
    assert parse_order_document(build_order_document(doc)) == doc


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_any_built_document_validates_against_ubl_21(doc):
    if not XSD_DIR.is_dir():
        return  # schema check needs ../shared; the round trip above still runs
    assert schema.validate(build_order_document(doc), XSD_DIR) == []


@settings(max_examples=examples(150), deadline=None)
@given(status_messages)
def test_any_status_message_survives_build_and_parse(msg):
    assert parse_status_message(build_status_message(msg)) == msg
