"""The reader's promise, for any document: what Jakamo's messages carry around the values (comments,
instructions, other namespaces, any element order, blanks, empty elements, a repeated single
element) changes nothing that is read. Pinned as a property so that the reader can be made faster
without changing what it reads."""

import copy
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from jakamo.ubl_build import build_order_document
from jakamo.ubl_parse import parse_order_document
from tests.jakamo.test_roundtrip import documents

# Repeated elements keep their order and all count; every other element is read once, first wins.
REPEATED = {
    "OrderLine",
    "Delivery",
    "AllowanceCharge",
    "Note",
    "DocumentReference",
    "AdditionalDocumentReference",
    "ItemSpecificationDocumentReference",
    "PartyIdentification",
    "Contract",
}
# Values that read as absent when empty, wherever they appear.
OPTIONAL_VALUES = ["Description", "Note", "IssueTime", "CustomerReference", "ExtendedID", "Floor", "Telephone"]


def local(el) -> str:
    return etree.QName(el).localname


def shuffle_keeping_same_names_in_order(el, rnd: random.Random):
    groups: dict[str, list] = {}
    for child in el:
        groups.setdefault(local(child), []).append(child)
    names = list(groups)
    rnd.shuffle(names)
    for child in list(el):
        el.remove(child)
    for name in names:
        el.extend(groups[name])


def add_noise(root, rnd: random.Random):
    elements = list(root.iter())
    for el in elements:
        leaf = len(el) == 0
        roll = rnd.random()
        if el is not root and roll < 0.08:
            el.addprevious(etree.Comment(" from the ERP "))
        elif el is not root and roll < 0.12:
            el.addnext(etree.ProcessingInstruction("jakamo", "ignored"))
        if el is not root and rnd.random() < 0.15:
            el.tag = local(el)  # Jakamo's examples write many documents without namespaces
        if leaf and el.text and rnd.random() < 0.3:
            el.text = f"\n   {el.text}\t "
        if leaf and el is not root and local(el) not in REPEATED and rnd.random() < 0.15:
            later = copy.deepcopy(el)
            later.text = "a later duplicate, never read"
            el.addnext(later)
        if not leaf and rnd.random() < 0.2:
            missing = [n for n in OPTIONAL_VALUES if n not in {local(c) for c in el}]
            if missing:
                el.append(etree.Element(rnd.choice(missing)))
        if not leaf and rnd.random() < 0.5:
            shuffle_keeping_same_names_in_order(el, rnd)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), st.randoms(use_true_random=False))
def test_what_surrounds_the_values_changes_nothing_that_is_read(doc, rnd):
    root = etree.fromstring(build_order_document(doc))
    add_noise(root, rnd)
    noisy = etree.tostring(root)
    assert parse_order_document(noisy) == doc, noisy.decode()
