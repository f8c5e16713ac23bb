"""Lenient reader for Order, OrderChange and OrderResponse.

Real Jakamo messages depart from UBL 2.1 (shared/ubl-2.1/NOTES.md): the OrderResponse root may sit
in the Order-2 namespace, elements come out of schema order, dates look like
``2023-01-28 00:00:00``, empty elements stand for absent values, comments and stray text appear.
So we read by local name, ignore order and namespaces, and treat empty as absent. What we cannot
read (no ID, a non-number quantity) is reported, every problem at once."""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import astuple
from datetime import date, time
from decimal import Decimal, InvalidOperation

from lxml import etree

from . import build_speedups, ubl
from .errors import DocumentError, Problem
from .xmlsafe import local, parse_xml

_LOCAL_NAMES: dict[str, str] = {}


def _local_name(tag: str) -> str:
    name = _LOCAL_NAMES.get(tag)
    if name is None:
        name = tag[tag.rfind("}") + 1 :]
        if len(_LOCAL_NAMES) < 4096:  # a hostile document may invent any number of names
            _LOCAL_NAMES[tag] = name
    return name


_UBL_PREFIX = "{urn:oasis:names:specification:ubl:schema:xsd:"


def _scan(el, *, ubl_only: bool = False) -> tuple[dict, dict]:
    """The children by local name: the first of each name (the one a single value is read from),
    and every child of each name met more than once. One pass, read with ``.get``: an index of every
    element looked up name by name took twice as long on a 500-line OrderResponse.

    ``ubl_only`` leaves out children in a namespace that is not UBL's (for the root: an ERP's own
    ``<x:ID>`` before ``cbc:ID`` must not become the order number). Elements in no namespace are
    read, as Jakamo's examples write them. Lines are read by local name alone, by both line readers."""
    found: dict = {}
    repeated: dict = {}
    if el is not None:
        for c in el:
            tag = c.tag
            # Comments and processing instructions have function tags.
            if type(tag) is not str or (ubl_only and tag[0] == "{" and not tag.startswith(_UBL_PREFIX)):
                continue
            name = _LOCAL_NAMES.get(tag) or _local_name(tag)
            if name not in found:
                found[name] = c
            elif name in repeated:
                repeated[name].append(c)
            else:
                repeated[name] = [found[name], c]
    return found, repeated


def _first_children(el) -> dict:
    """``_scan`` for aggregates that have no repeated children: the first of each name."""
    found: dict = {}
    if el is not None:
        for c in el:
            tag = c.tag
            if type(tag) is str:
                name = _LOCAL_NAMES.get(tag) or _local_name(tag)
                if name not in found:
                    found[name] = c
    return found


def _all(scanned: tuple[dict, dict], name: str) -> list:
    found, repeated = scanned
    many = repeated.get(name)
    if many is not None:
        return many
    one = found.get(name)
    return [] if one is None else [one]


def _child(el, *names: str):
    for name in names:
        if el is None:
            return None
        el = _first_children(el).get(name)
    return el


def _text(node) -> str | None:
    if node is None:
        return None
    text = node.text
    if text is None:
        return None
    return text.strip() or None


@functools.lru_cache(maxsize=4096)  # lines repeat their quantities and prices; Decimal is immutable
def _number(raw: str) -> Decimal | str:
    """The number ``raw`` says, or why it is none."""
    try:
        value = Decimal(raw)
    except InvalidOperation:
        # Finnish ERPs write "1 234,5": drop grouping spaces, read a lone comma as the point.
        cleaned = raw.replace("\u00a0", "").replace(" ", "")
        if "," in cleaned and "." not in cleaned:
            cleaned = cleaned.replace(",", ".")
        try:
            value = Decimal(cleaned)
        except InvalidOperation:
            return f"'{raw}' is not a number"
    if not value.is_finite():
        return f"'{raw}' is not a finite number"
    if abs(value) >= ubl.LARGEST:
        return f"'{raw}' is too large (at most {ubl.LARGEST - 1:,})"
    return value


class _Reader:
    """Conversions bound to one document, so that problems are collected, not raised.

    Each aggregate is read from one ``_scan`` of its element's children."""

    def __init__(self):
        self.problems: list[Problem] = []

    @staticmethod
    def where(el) -> str:
        parts = []
        node = el
        while node is not None:
            parts.append(local(node.tag))
            node = node.getparent()
        return "/".join(reversed(parts))

    def problem(self, el, message: str):
        self.problems.append(Problem(message, self.where(el), el.sourceline if el is not None else None))

    # -- values -----------------------------------------------------------------------------
    # ``decimal`` and ``date`` read the text themselves rather than through ``_text``: a 500-line
    # OrderResponse reads some 3,000 numbers and dates, and the call each saves is measurable.
    def decimal(self, node) -> Decimal | None:
        if node is None:
            return None
        text = node.text
        if text is None or not (raw := text.strip()):
            return None
        value = _number(raw)
        if type(value) is str:
            self.problem(node, value)
            return None
        return value

    def date(self, node) -> date | None:
        if node is None:  # most batches carry two or three of their five dates
            return None
        text = node.text
        if text is None or not (raw := text.strip()):
            return None
        parsed = _date_of(raw)
        if parsed is None:
            self.problem(node, f"'{raw}' is not a date (expected YYYY-MM-DD)")
        return parsed

    def time(self, node) -> time | None:
        raw = _text(node)
        if raw is None:
            return None
        try:
            return time.fromisoformat(raw.rstrip("Z"))
        except ValueError:
            self.problem(node, f"'{raw}' is not a time (expected hh:mm:ss)")
            return None

    def quantity(self, node) -> ubl.Quantity | None:
        if node is None:
            return None
        value = self.decimal(node)
        if value is None:
            return None
        return ubl.Quantity(value, node.get("unitCode") or None)

    def amount(self, node) -> ubl.Amount | None:
        if node is None:
            return None
        value = self.decimal(node)
        if value is None:
            return None
        return ubl.Amount(value, node.get("currencyID") or None)

    # -- aggregates -------------------------------------------------------------------------
    @staticmethod
    def document_reference(el) -> ubl.DocumentReference | None:
        found = _first_children(el)
        ref_id = _text(found.get("ID"))
        code_el = found.get("DocumentTypeCode")
        if ref_id is None and code_el is None:
            return None
        return ubl.DocumentReference(
            id=ref_id or "",
            document_type_code=_text(code_el),
            list_id=code_el.get("listID") if code_el is not None else None,
            document_description=_text(found.get("DocumentDescription")),
        )

    def document_references(self, scanned: tuple[dict, dict], name: str) -> list[ubl.DocumentReference]:
        if name not in scanned[0]:
            return []
        refs = map(self.document_reference, _all(scanned, name))
        return [r for r in refs if r is not None]

    @staticmethod
    def address(el) -> ubl.Address | None:
        if el is None:
            return None
        found = _first_children(el)
        get = found.get
        country_el = get("Country")
        country = None
        if country_el is not None:
            in_country = _first_children(country_el)
            country = ubl.Country(_text(in_country.get("IdentificationCode")), _text(in_country.get("Name")))
            if country.identification_code is None and country.name is None:
                country = None
        address = ubl.Address(
            postbox=_text(get("Postbox")),
            floor=_text(get("Floor")),
            street_name=_text(get("StreetName")),
            additional_street_name=_text(get("AdditionalStreetName")),
            building_name=_text(get("BuildingName")),
            building_number=_text(get("BuildingNumber")),
            city_name=_text(get("CityName")),
            postal_zone=_text(get("PostalZone")),
            country=country,
        )
        return address if any(astuple(address)) else None

    @staticmethod
    def contact(el) -> ubl.Contact | None:
        if el is None:
            return None
        get = _first_children(el).get
        contact = ubl.Contact(
            id=_text(get("ID")),
            name=_text(get("Name")),
            telephone=_text(get("Telephone")),
            electronic_mail=_text(get("ElectronicMail")),
        )
        return contact if any(astuple(contact)) else None

    def party(self, el) -> ubl.Party | None:
        if el is None:
            return None
        scanned = _scan(el)
        found = scanned[0]
        ids = []
        for pid in _all(scanned, "PartyIdentification"):
            id_el = _first_children(pid).get("ID")
            value = _text(id_el)
            if value is not None:
                ids.append(ubl.Identifier(value, id_el.get("schemeID") or None, id_el.get("schemeAgencyID") or None))
        tax = _first_children(found.get("PartyTaxScheme"))
        return ubl.Party(
            ids=ids,
            name=_text(_child(found.get("PartyName"), "Name")),
            postal_address=self.address(found.get("PostalAddress")),
            tax_company_id=_text(tax.get("CompanyID")),
            tax_scheme_id=_text(_child(tax.get("TaxScheme"), "ID")),
            contact=self.contact(found.get("Contact")),
        )

    def location(self, el) -> ubl.Location | None:
        if el is None:
            return None
        found = _first_children(el)
        loc = ubl.Location(_text(found.get("Description")), self.address(found.get("Address")))
        return loc if loc.description or loc.address else None

    @staticmethod
    def item_identification(el) -> ubl.ItemIdentification | None:
        if el is None:
            return None
        found = _first_children(el)
        value = _text(found.get("ID"))
        if value is None:
            return None
        return ubl.ItemIdentification(value, _text(found.get("ExtendedID")))

    def item(self, el) -> ubl.Item | None:
        if el is None:
            return None
        scanned = _scan(el)
        get = scanned[0].get
        tax = get("ClassifiedTaxCategory")
        tax_category = None
        if tax is not None:
            in_tax = _first_children(tax)
            tax_category = ubl.TaxCategory(
                self.decimal(in_tax.get("Percent")), _text(_child(in_tax.get("TaxScheme"), "ID"))
            )
        return ubl.Item(
            description=_text(get("Description")),
            name=_text(get("Name")),
            buyers_item_identification=self.item_identification(get("BuyersItemIdentification")),
            sellers_item_identification=self.item_identification(get("SellersItemIdentification")),
            manufacturers_item_identification=self.item_identification(get("ManufacturersItemIdentification")),
            specification_references=self.document_references(scanned, "ItemSpecificationDocumentReference"),
            classified_tax_category=tax_category,
            manufacturer_party=self.party(get("ManufacturerParty")),
        )

    def delivery(self, el) -> ubl.Delivery:
        scanned = _scan(el)
        get = scanned[0].get
        requested_el, promised_el = get("RequestedDeliveryPeriod"), get("PromisedDeliveryPeriod")
        requested = _first_children(requested_el) if requested_el is not None else {}
        promised = _first_children(promised_el) if promised_el is not None else {}
        status = None
        if "AdditionalDocumentReference" in scanned[0]:
            for ref_el in _all(scanned, "AdditionalDocumentReference"):
                in_ref = _first_children(ref_el)
                if _text(in_ref.get("DocumentTypeCode")) == "JDS":
                    status = _text(in_ref.get("ID")) or ""
        return ubl.Delivery(
            id=_text(get("ID")),
            quantity=self.quantity(get("Quantity")),
            document_references=self.document_references(scanned, "DocumentReference"),
            delivery_location=self.location(get("DeliveryLocation")),
            requested_start_date=self.date(requested.get("StartDate")),
            requested_end_date=self.date(requested.get("EndDate")),
            promised_start_date=self.date(promised.get("StartDate")),
            promised_end_date=self.date(promised.get("EndDate")),
            requested_despatch_date=self.date(_child(get("Despatch"), "RequestedDespatchDate")),
            status=status,
        )

    def allowance_charge(self, el) -> ubl.AllowanceCharge:
        get = _first_children(el).get
        indicator = (_text(get("ChargeIndicator")) or "false").lower() == "true"
        return ubl.AllowanceCharge(
            charge_indicator=indicator,
            multiplier_factor_numeric=self.decimal(get("MultiplierFactorNumeric")),
            amount=self.amount(get("Amount")),
            reason=_text(get("AllowanceChargeReason")),
        )

    def order_line(self, el) -> ubl.OrderLine | None:
        in_line = _scan(el)
        item_el = in_line[0].get("LineItem")
        if item_el is None:
            self.problem(el, "OrderLine has no LineItem")
            return None
        in_item = _scan(item_el)
        get = in_item[0].get
        line_id = _text(get("ID"))
        if line_id is None:
            self.problem(item_el, "LineItem has no ID (the line number)")
            return None
        price_el = get("Price")
        price = None
        if price_el is not None:
            in_price = _first_children(price_el)
            price = ubl.Price(
                amount=self.amount(in_price.get("PriceAmount")),
                base_quantity=self.quantity(in_price.get("BaseQuantity")),
                orderable_unit_factor_rate=self.decimal(in_price.get("OrderableUnitFactorRate")),
            )
        found = in_item[0]
        return ubl.OrderLine(
            id=line_id,
            quantity=self.quantity(get("Quantity")),
            notes=[t for t in map(_text, _all(in_line, "Note")) if t] if "Note" in in_line[0] else [],
            line_status_code=ubl.normalise_status(_text(get("LineStatusCode"))),
            line_extension_amount=self.amount(get("LineExtensionAmount")),
            deliveries=[self.delivery(d) for d in _all(in_item, "Delivery")] if "Delivery" in found else [],
            allowance_charges=(
                [self.allowance_charge(a) for a in _all(in_item, "AllowanceCharge")]
                if "AllowanceCharge" in found
                else []
            ),
            price=price,
            item=self.item(get("Item")),
            document_references=self.document_references(in_line, "DocumentReference"),
        )


_DATE_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?$")


def parse_date(raw: str) -> date | None:
    """ISO date, also with a time part (``2023-01-28 00:00:00``, ``2023-01-28T00:00:00+02:00``)."""
    raw = raw.strip()
    if len(raw) == 10:  # the common case, without the regular expression
        try:
            return date.fromisoformat(raw)
        except ValueError:
            return None
    match = _DATE_RE.match(raw)
    if not match:
        return None
    try:
        return date.fromisoformat(match.group(1))
    except ValueError:
        return None


_date_of = functools.lru_cache(maxsize=4096)(parse_date)  # the batches of a document share dates

logger = logging.getLogger(__name__)


def _compiled_line_reader():
    """``_ubl_lines.read_lines`` when it is built from the ``_ubl_lines.pyx`` beside it, else None.

    It reads lines three to four times faster (README, "Measured"). A module built from another
    version of the source would read by other rules, so it is not used until it is rebuilt."""
    try:
        from . import _ubl_lines
    except ImportError:
        return None
    if build_speedups.SOURCE.exists() and build_speedups.source_sha256() != _ubl_lines.SOURCE_SHA256:
        logger.warning(
            "jakamo/_ubl_lines was compiled from another version of _ubl_lines.pyx; lines are read in "
            "Python until it is rebuilt (python -m jakamo.build_speedups, or make)."
        )
        return None
    return _ubl_lines.read_lines


# Tests set this to None to read with the Python reader alone.
read_lines_compiled = _compiled_line_reader()


def document_kind(root) -> str:
    return local(root.tag)


def parse_order_document(data, *, kinds: tuple[str, ...] = ubl.KINDS) -> ubl.OrderDocument:
    """Read an Order, OrderChange or OrderResponse (bytes, str or an lxml element)."""
    root = data if isinstance(data, etree._Element) else parse_xml(data)
    kind = document_kind(root)
    if kind not in kinds:
        raise DocumentError(
            [Problem(f"Expected {' or '.join(kinds)}, but the root element is <{kind}>.", kind, root.sourceline)]
        )
    ns = etree.QName(root).namespace
    # The reader goes by local names, so only the root says whose vocabulary this is. Jakamo's own
    # examples use no namespace, or one of the family's (an OrderChange in Order-2's, say).
    if ns and ns not in ubl.NS_ROOT.values():
        raise DocumentError(
            [
                Problem(
                    f"The root element <{kind}> is in the namespace “{ns}”; a UBL {kind} is in "
                    f"“{ubl.NS_ROOT[kind]}” (or, as Jakamo's examples write it, in no namespace).",
                    kind,
                    root.sourceline,
                )
            ]
        )
    r = _Reader()
    scanned = _scan(root, ubl_only=True)
    get = scanned[0].get
    doc_id = _text(get("ID"))
    if doc_id is None:
        r.problem(root, "the document has no cbc:ID (the order number)")

    def customer(name):
        el = get(name)
        if el is None:
            return None
        in_customer = _first_children(el)
        return ubl.CustomerParty(
            party=r.party(in_customer.get("Party")),
            buyer_contact=r.contact(in_customer.get("BuyerContact")),
            accounting_contact=r.contact(in_customer.get("AccountingContact")),
        )

    supplier_el = get("SellerSupplierParty")
    supplier = None
    if supplier_el is not None:
        in_supplier = _first_children(supplier_el)
        supplier = ubl.SupplierParty(
            party=r.party(in_supplier.get("Party")),
            seller_contact=r.contact(in_supplier.get("SellerContact")),
        )
    delivery_el = get("Delivery")
    delivery = None
    if delivery_el is not None:
        in_delivery = _first_children(delivery_el)
        delivery = ubl.HeaderDelivery(
            delivery_location=r.location(in_delivery.get("DeliveryLocation")),
            delivery_party=r.party(in_delivery.get("DeliveryParty")),
        )
        if delivery.delivery_location is None and delivery.delivery_party is None:
            delivery = None
    terms_el = get("DeliveryTerms")
    terms = None
    if terms_el is not None:
        in_terms = _first_children(terms_el)
        terms = ubl.DeliveryTerms(_text(in_terms.get("ID")), r.location(in_terms.get("DeliveryLocation")))
    payment_el = get("PaymentTerms")
    payment = None
    if payment_el is not None:
        in_payment = _first_children(payment_el)
        payment = ubl.PaymentTerms(_text(in_payment.get("ID")), _text(in_payment.get("Note")))

    line_elements = _all(scanned, "OrderLine")
    if read_lines_compiled is not None:
        lines = read_lines_compiled(r, line_elements)
    else:
        lines = [r.order_line(el) for el in line_elements]
    doc = ubl.OrderDocument(
        kind=kind,
        id=doc_id or "",
        issue_date=r.date(get("IssueDate")),
        issue_time=r.time(get("IssueTime")),
        ubl_version_id=_text(get("UBLVersionID")),
        customization_id=_text(get("CustomizationID")),
        sequence_number_id=_text(get("SequenceNumberID")),
        notes=[t for t in map(_text, _all(scanned, "Note")) if t],
        document_currency_code=_text(get("DocumentCurrencyCode")),
        customer_reference=_text(get("CustomerReference")),
        order_reference_id=_text(_child(get("OrderReference"), "ID")),
        additional_document_references=r.document_references(scanned, "AdditionalDocumentReference"),
        contract_ids=[t for t in (_text(_child(c, "ID")) for c in _all(scanned, "Contract")) if t],
        project_reference_id=_text(_child(get("ProjectReference"), "ID")),
        buyer_customer_party=customer("BuyerCustomerParty"),
        seller_supplier_party=supplier,
        accounting_customer_party=customer("AccountingCustomerParty"),
        delivery=delivery,
        delivery_terms=terms,
        payment_terms=payment,
        lines=[line for line in lines if line is not None],
    )
    if r.problems:
        error = DocumentError(r.problems)
        # What could be read, for a caller that names the document's other problems at once too.
        error.document = doc
        raise error
    return doc
