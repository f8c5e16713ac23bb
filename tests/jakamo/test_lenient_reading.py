"""The reader's promise, for any document: what Jakamo's messages carry around the values (comments,
instructions, other namespaces, any element order, blanks, empty elements, a repeated single
element) changes nothing that is read. Pinned as a property so that the reader can be made faster
without changing what it reads."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from jakamo.ubl_build import build_order_document
from jakamo.ubl_parse import parse_order_document
from tests.strategies import add_noise, documents, examples


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), st.randoms(use_true_random=False))
def test_what_surrounds_the_values_changes_nothing_that_is_read(doc, rnd):
    root = etree.fromstring(build_order_document(doc))
    add_noise(root, rnd)
    noisy = etree.tostring(root)
    assert parse_order_document(noisy) == doc, noisy.decode()
