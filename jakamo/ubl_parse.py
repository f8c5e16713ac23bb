"""Lenient reader for Order, OrderChange and OrderResponse.

Real Jakamo messages depart from UBL 2.1 (shared/ubl-2.1/NOTES.md): the OrderResponse root may sit
in the Order-2 namespace, elements come out of schema order, dates look like
``2023-01-28 00:00:00``, empty elements stand for absent values, comments and stray text appear.
So we read by local name, ignore order and namespaces, and treat empty as absent. What we cannot
read (no ID, a non-number quantity) is reported, every problem at once."""

from __future__ import annotations

import re
from datetime import date, time
from decimal import Decimal, InvalidOperation

from lxml import etree

from . import ubl
from .errors import DocumentError, Problem
from .xmlsafe import local, parse_xml


class _Reader:
    """Helpers bound to one document so that conversion problems are collected, not raised."""

    def __init__(self):
        self.problems: list[Problem] = []
        # element -> {local name: [children]}, built once per element on first look. Holding the
        # element as a key also keeps lxml's proxy alive, so the same node maps to the same key.
        self._index: dict = {}

    # -- navigation -------------------------------------------------------------------------
    def _children_by_name(self, el) -> dict:
        index = self._index.get(el)
        if index is None:
            index = {}
            for c in el:
                tag = c.tag
                if type(tag) is str:  # comments and processing instructions have function tags
                    index.setdefault(tag[tag.rfind("}") + 1 :], []).append(c)
            self._index[el] = index
        return index

    def children(self, el, name: str) -> list:
        if el is None:
            return []
        return self._children_by_name(el).get(name, [])

    def child(self, el, *names: str):
        for name in names:
            if el is None:
                return None
            found = self._children_by_name(el).get(name)
            el = found[0] if found else None
        return el

    def text(self, el, *names: str) -> str | None:
        node = self.child(el, *names) if names else el
        if node is None or node.text is None:
            return None
        value = node.text.strip()
        return value or None

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
    def decimal(self, el, *names: str) -> Decimal | None:
        node = self.child(el, *names) if names else el
        raw = self.text(node)
        if raw is None:
            return None
        return self.to_decimal(node, raw)

    def to_decimal(self, node, raw: str) -> Decimal | None:
        cleaned = raw.replace("\u00a0", "").replace(" ", "")
        if "," in cleaned and "." not in cleaned:
            cleaned = cleaned.replace(",", ".")
        try:
            value = Decimal(cleaned)
        except InvalidOperation:
            self.problem(node, f"'{raw}' is not a number")
            return None
        if not value.is_finite():
            self.problem(node, f"'{raw}' is not a finite number")
            return None
        if abs(value) >= ubl.LARGEST:
            self.problem(node, f"'{raw}' is too large (at most {ubl.LARGEST - 1:,})")
            return None
        return value

    def date(self, el, *names: str) -> date | None:
        node = self.child(el, *names) if names else el
        raw = self.text(node)
        if raw is None:
            return None
        parsed = parse_date(raw)
        if parsed is None:
            self.problem(node, f"'{raw}' is not a date (expected YYYY-MM-DD)")
        return parsed

    def time(self, el, *names: str) -> time | None:
        node = self.child(el, *names) if names else el
        raw = self.text(node)
        if raw is None:
            return None
        try:
            return time.fromisoformat(raw.rstrip("Z"))
        except ValueError:
            self.problem(node, f"'{raw}' is not a time (expected hh:mm:ss)")
            return None

    def quantity(self, el, name: str = "Quantity") -> ubl.Quantity | None:
        node = self.child(el, name)
        value = self.decimal(node) if node is not None else None
        if value is None:
            return None
        return ubl.Quantity(value, node.get("unitCode") or None)

    def amount(self, el, name: str) -> ubl.Amount | None:
        node = self.child(el, name)
        value = self.decimal(node) if node is not None else None
        if value is None:
            return None
        return ubl.Amount(value, node.get("currencyID") or None)

    # -- aggregates -------------------------------------------------------------------------
    def document_reference(self, el) -> ubl.DocumentReference | None:
        ref_id = self.text(el, "ID")
        code_el = self.child(el, "DocumentTypeCode")
        if ref_id is None and code_el is None:
            return None
        return ubl.DocumentReference(
            id=ref_id or "",
            document_type_code=self.text(code_el),
            list_id=code_el.get("listID") if code_el is not None else None,
            document_description=self.text(el, "DocumentDescription"),
        )

    def document_references(self, el, name: str) -> list[ubl.DocumentReference]:
        refs = (self.document_reference(c) for c in self.children(el, name))
        return [r for r in refs if r is not None]

    def address(self, el) -> ubl.Address | None:
        if el is None:
            return None
        country_el = self.child(el, "Country")
        country = None
        if country_el is not None:
            country = ubl.Country(self.text(country_el, "IdentificationCode"), self.text(country_el, "Name"))
            if country.identification_code is None and country.name is None:
                country = None
        address = ubl.Address(
            postbox=self.text(el, "Postbox"),
            floor=self.text(el, "Floor"),
            street_name=self.text(el, "StreetName"),
            additional_street_name=self.text(el, "AdditionalStreetName"),
            building_name=self.text(el, "BuildingName"),
            building_number=self.text(el, "BuildingNumber"),
            city_name=self.text(el, "CityName"),
            postal_zone=self.text(el, "PostalZone"),
            country=country,
        )
        return address if any(vars(address).values()) else None

    def contact(self, el) -> ubl.Contact | None:
        if el is None:
            return None
        contact = ubl.Contact(
            id=self.text(el, "ID"),
            name=self.text(el, "Name"),
            telephone=self.text(el, "Telephone"),
            electronic_mail=self.text(el, "ElectronicMail"),
        )
        return contact if any(vars(contact).values()) else None

    def party(self, el) -> ubl.Party | None:
        if el is None:
            return None
        ids = []
        for pid in self.children(el, "PartyIdentification"):
            id_el = self.child(pid, "ID")
            value = self.text(id_el)
            if value is not None:
                ids.append(ubl.Identifier(value, id_el.get("schemeID") or None, id_el.get("schemeAgencyID") or None))
        tax = self.child(el, "PartyTaxScheme")
        return ubl.Party(
            ids=ids,
            name=self.text(el, "PartyName", "Name"),
            postal_address=self.address(self.child(el, "PostalAddress")),
            tax_company_id=self.text(tax, "CompanyID"),
            tax_scheme_id=self.text(tax, "TaxScheme", "ID"),
            contact=self.contact(self.child(el, "Contact")),
        )

    def location(self, el) -> ubl.Location | None:
        if el is None:
            return None
        loc = ubl.Location(self.text(el, "Description"), self.address(self.child(el, "Address")))
        return loc if loc.description or loc.address else None

    def item_identification(self, el) -> ubl.ItemIdentification | None:
        value = self.text(el, "ID")
        if value is None:
            return None
        return ubl.ItemIdentification(value, self.text(el, "ExtendedID"))

    def item(self, el) -> ubl.Item | None:
        if el is None:
            return None
        tax = self.child(el, "ClassifiedTaxCategory")
        tax_category = None
        if tax is not None:
            tax_category = ubl.TaxCategory(self.decimal(tax, "Percent"), self.text(tax, "TaxScheme", "ID"))
        return ubl.Item(
            description=self.text(el, "Description"),
            name=self.text(el, "Name"),
            buyers_item_identification=self.item_identification(self.child(el, "BuyersItemIdentification")),
            sellers_item_identification=self.item_identification(self.child(el, "SellersItemIdentification")),
            manufacturers_item_identification=self.item_identification(
                self.child(el, "ManufacturersItemIdentification")
            ),
            specification_references=self.document_references(el, "ItemSpecificationDocumentReference"),
            classified_tax_category=tax_category,
            manufacturer_party=self.party(self.child(el, "ManufacturerParty")),
        )

    def delivery(self, el) -> ubl.Delivery:
        requested = self.child(el, "RequestedDeliveryPeriod")
        promised = self.child(el, "PromisedDeliveryPeriod")
        status = None
        for ref in self.document_references(el, "AdditionalDocumentReference"):
            if ref.document_type_code == "JDS":
                status = ref.id
        return ubl.Delivery(
            id=self.text(el, "ID"),
            quantity=self.quantity(el),
            document_references=self.document_references(el, "DocumentReference"),
            delivery_location=self.location(self.child(el, "DeliveryLocation")),
            requested_start_date=self.date(requested, "StartDate"),
            requested_end_date=self.date(requested, "EndDate"),
            promised_start_date=self.date(promised, "StartDate"),
            promised_end_date=self.date(promised, "EndDate"),
            requested_despatch_date=self.date(el, "Despatch", "RequestedDespatchDate"),
            status=status,
        )

    def allowance_charge(self, el) -> ubl.AllowanceCharge:
        indicator = (self.text(el, "ChargeIndicator") or "false").lower() == "true"
        return ubl.AllowanceCharge(
            charge_indicator=indicator,
            multiplier_factor_numeric=self.decimal(el, "MultiplierFactorNumeric"),
            amount=self.amount(el, "Amount"),
            reason=self.text(el, "AllowanceChargeReason"),
        )

    def order_line(self, el) -> ubl.OrderLine | None:
        item_el = self.child(el, "LineItem")
        if item_el is None:
            self.problem(el, "OrderLine has no LineItem")
            return None
        line_id = self.text(item_el, "ID")
        if line_id is None:
            self.problem(item_el, "LineItem has no ID (the line number)")
            return None
        price_el = self.child(item_el, "Price")
        price = None
        if price_el is not None:
            price = ubl.Price(
                amount=self.amount(price_el, "PriceAmount"),
                base_quantity=self.quantity(price_el, "BaseQuantity"),
                orderable_unit_factor_rate=self.decimal(price_el, "OrderableUnitFactorRate"),
            )
        return ubl.OrderLine(
            id=line_id,
            quantity=self.quantity(item_el),
            notes=[t for t in (self.text(n) for n in self.children(el, "Note")) if t],
            line_status_code=ubl.normalise_status(self.text(item_el, "LineStatusCode")),
            line_extension_amount=self.amount(item_el, "LineExtensionAmount"),
            deliveries=[self.delivery(d) for d in self.children(item_el, "Delivery")],
            allowance_charges=[self.allowance_charge(a) for a in self.children(item_el, "AllowanceCharge")],
            price=price,
            item=self.item(self.child(item_el, "Item")),
            document_references=self.document_references(el, "DocumentReference"),
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
    doc_id = r.text(root, "ID")
    if doc_id is None:
        r.problem(root, "the document has no cbc:ID (the order number)")

    def customer(name):
        el = r.child(root, name)
        if el is None:
            return None
        return ubl.CustomerParty(
            party=r.party(r.child(el, "Party")),
            buyer_contact=r.contact(r.child(el, "BuyerContact")),
            accounting_contact=r.contact(r.child(el, "AccountingContact")),
        )

    supplier_el = r.child(root, "SellerSupplierParty")
    supplier = None
    if supplier_el is not None:
        supplier = ubl.SupplierParty(
            party=r.party(r.child(supplier_el, "Party")),
            seller_contact=r.contact(r.child(supplier_el, "SellerContact")),
        )
    delivery_el = r.child(root, "Delivery")
    delivery = None
    if delivery_el is not None:
        delivery = ubl.HeaderDelivery(
            delivery_location=r.location(r.child(delivery_el, "DeliveryLocation")),
            delivery_party=r.party(r.child(delivery_el, "DeliveryParty")),
        )
        if delivery.delivery_location is None and delivery.delivery_party is None:
            delivery = None
    terms_el = r.child(root, "DeliveryTerms")
    terms = None
    if terms_el is not None:
        terms = ubl.DeliveryTerms(r.text(terms_el, "ID"), r.location(r.child(terms_el, "DeliveryLocation")))
    payment_el = r.child(root, "PaymentTerms")
    payment = None
    if payment_el is not None:
        payment = ubl.PaymentTerms(r.text(payment_el, "ID"), r.text(payment_el, "Note"))

    lines = [r.order_line(el) for el in r.children(root, "OrderLine")]
    doc = ubl.OrderDocument(
        kind=kind,
        id=doc_id or "",
        issue_date=r.date(root, "IssueDate"),
        issue_time=r.time(root, "IssueTime"),
        ubl_version_id=r.text(root, "UBLVersionID"),
        customization_id=r.text(root, "CustomizationID"),
        sequence_number_id=r.text(root, "SequenceNumberID"),
        notes=[t for t in (r.text(n) for n in r.children(root, "Note")) if t],
        document_currency_code=r.text(root, "DocumentCurrencyCode"),
        customer_reference=r.text(root, "CustomerReference"),
        order_reference_id=r.text(root, "OrderReference", "ID"),
        additional_document_references=r.document_references(root, "AdditionalDocumentReference"),
        contract_ids=[t for t in (r.text(c, "ID") for c in r.children(root, "Contract")) if t],
        project_reference_id=r.text(root, "ProjectReference", "ID"),
        buyer_customer_party=customer("BuyerCustomerParty"),
        seller_supplier_party=supplier,
        accounting_customer_party=customer("AccountingCustomerParty"),
        delivery=delivery,
        delivery_terms=terms,
        payment_terms=payment,
        lines=[line for line in lines if line is not None],
    )
    if r.problems:
        raise DocumentError(r.problems)
    return doc
