"""Generated UBL documents and status messages (Hypothesis strategies), and the noise Jakamo's
messages carry around the values, for the property tests of the readers and builders."""

import copy
import random
from datetime import date, time
from decimal import Decimal

from hypothesis import settings
from hypothesis import strategies as st
from lxml import etree

from jakamo import ubl
from jakamo.status import DeliveryStatus, LineStatus, StatusMessage


def examples(count: int) -> int:
    """How many examples a property test runs: its own ``count``, as CI runs it (profile `ci`), or
    under the `dev` profile (quick runs while working, see conftest.py) at most that profile's few."""
    if settings.get_current_profile_name() == "dev":
        return min(count, settings.get_profile("dev").max_examples)
    return count


# Text as it survives XML: no control characters, no U+FFFE or U+FFFF (XML cannot carry them; the
# builders refuse them, tested in test_xml_safety), no surrounding blanks (the reader strips them).
text = (
    st.text(
        alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="\x85\ufffe\uffff"),
        min_size=1,
        max_size=20,
    )
    .map(str.strip)
    .filter(bool)
)
ident = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,14}", fullmatch=True)
amount = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999"), places=2)
qty = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("100000"), places=3)
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
unit = st.sampled_from(["PCE", "KGM", "MTR", None])


def optional(strategy):
    return st.one_of(st.none(), strategy)


addresses = st.builds(
    ubl.Address,
    street_name=optional(text),
    city_name=text,
    postal_zone=optional(ident),
    country=optional(st.builds(ubl.Country, identification_code=st.sampled_from(["FI", "SE"]), name=optional(text))),
)
parties = st.builds(
    ubl.Party,
    ids=st.lists(st.builds(ubl.Identifier, value=ident), min_size=1, max_size=2),
    name=optional(text),
    postal_address=optional(addresses),
)
references = st.builds(
    ubl.DocumentReference,
    id=text,
    document_type_code=st.sampled_from(["ZZZ", "SS", "AEP", "BWN", "315"]),
    document_description=optional(text),
)


@st.composite
def deliveries(draw, kind, line_id):
    return ubl.Delivery(
        id=draw(optional(st.just(f"{line_id}-B").map(lambda s: s + str(draw(st.integers(1, 9)))))),
        quantity=draw(optional(st.builds(ubl.Quantity, qty, unit))),
        document_references=draw(st.lists(references, max_size=2)),
        delivery_location=draw(optional(st.builds(ubl.Location, description=st.none(), address=addresses))),
        requested_end_date=draw(optional(days)),
        promised_start_date=draw(optional(days)) if kind == ubl.ORDER_RESPONSE else None,
        promised_end_date=draw(optional(days)) if kind == ubl.ORDER_RESPONSE else None,
        requested_despatch_date=draw(optional(days)),
        status=draw(optional(st.just("Open"))) if kind == ubl.ORDER_RESPONSE else None,
    )


@st.composite
def order_lines(draw, kind, line_id):
    base = draw(optional(st.builds(ubl.Quantity, qty, unit)))
    return ubl.OrderLine(
        id=line_id,
        quantity=ubl.Quantity(draw(qty), draw(unit)),
        notes=draw(st.lists(text, max_size=2)),
        line_status_code=draw(optional(st.sampled_from(ubl.LINE_STATUSES))),
        line_extension_amount=draw(optional(st.builds(ubl.Amount, amount, st.just("EUR")))),
        deliveries=draw(st.lists(deliveries(kind, line_id), max_size=3)),
        allowance_charges=draw(
            st.lists(
                st.builds(
                    ubl.AllowanceCharge, st.booleans(), optional(amount), st.builds(ubl.Amount, amount, st.just("EUR"))
                ),
                max_size=1,
            )
        ),
        price=ubl.Price(ubl.Amount(draw(amount), "EUR"), base, draw(optional(st.decimals(1, 100, places=0)))),
        item=ubl.Item(
            description=draw(optional(text)),
            name=draw(optional(text)),
            buyers_item_identification=draw(optional(st.builds(ubl.ItemIdentification, ident, optional(ident)))),
            sellers_item_identification=draw(optional(st.builds(ubl.ItemIdentification, ident, st.none()))),
            specification_references=draw(
                st.lists(
                    st.builds(
                        ubl.DocumentReference, id=text, document_type_code=ident, list_id=st.just("AttributeList")
                    ),
                    max_size=2,
                )
            ),
            classified_tax_category=draw(
                optional(st.builds(ubl.TaxCategory, st.decimals(0, 30, places=0), st.just("VAT")))
            ),
        ),
        document_references=draw(st.lists(references, max_size=1)),
    )


@st.composite
def documents(draw):
    kind = draw(st.sampled_from(ubl.KINDS))
    doc_id = draw(ident)
    line_ids = draw(st.lists(st.integers(1, 999).map(str), min_size=1, max_size=4, unique=True))
    return ubl.OrderDocument(
        kind=kind,
        id=doc_id,
        issue_date=draw(days),
        issue_time=draw(optional(st.times().map(lambda t: time(t.hour, t.minute, t.second)))),
        sequence_number_id="1" if kind == ubl.ORDER_CHANGE else None,
        notes=draw(st.lists(text, max_size=2)),
        document_currency_code="EUR",
        customer_reference=draw(optional(text)),
        order_reference_id=draw(ident) if kind != ubl.ORDER else None,
        additional_document_references=draw(st.lists(references, max_size=2)),
        contract_ids=draw(st.lists(ident, max_size=1)),
        project_reference_id=draw(optional(ident)) if kind != ubl.ORDER_RESPONSE else None,
        buyer_customer_party=ubl.CustomerParty(
            draw(parties), buyer_contact=draw(optional(st.builds(ubl.Contact, id=ident)))
        ),
        seller_supplier_party=ubl.SupplierParty(
            draw(parties), seller_contact=draw(optional(st.builds(ubl.Contact, id=ident)))
        ),
        payment_terms=draw(optional(st.builds(ubl.PaymentTerms, id=optional(ident), note=optional(text)))),
        lines=[draw(order_lines(kind, line_id)) for line_id in line_ids],
    )


status_messages = st.builds(
    StatusMessage,
    order_id=ident,
    status=st.sampled_from(["Cancelled", "Received", "Delivered"]),
    event_date=optional(days),
    real_delivery_date=optional(days),
    tracking_number=optional(ident),
    lines=st.lists(
        st.builds(
            LineStatus,
            order_line_id=ident,
            deliveries=st.lists(
                st.builds(
                    DeliveryStatus, delivery_id=ident, received_quantity=optional(qty), received_date=optional(days)
                ),
                max_size=2,
            ),
        ),
        max_size=3,
    ),
)


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
