"""Strict writer for Order, OrderChange and OrderResponse.

Elements are written in UBL 2.1 schema order with the mandatory parts, so the output validates
against the OASIS schemas, except for the Jakamo extensions listed in ``jakamo.schema``
(DocumentReference inside a line's Delivery, ProjectReference in OrderChange), which Jakamo needs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lxml import etree

from . import ubl
from .errors import DocumentError, Problem, UnwritableError
from .xmlsafe import local, xml_text_problem

NSMAP_PREFIXES = {"cac": ubl.NS_CAC, "cbc": ubl.NS_CBC}


def fmt_decimal(value: Decimal) -> str:
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def unwritable(node, value, attribute: str | None = None) -> UnwritableError:
    """What lxml's bare "All strings must be XML compatible" means, for this element or attribute."""
    path = "/".join(local(n.tag) for n in reversed([node, *node.iterancestors()]))
    if attribute:
        path = f"{path}/@{attribute}"
    return UnwritableError([Problem(f"the value {xml_text_problem(str(value)) or 'cannot be written as XML'}", path)])


# "cbc:ID" → "{urn:…}ID": a 5,000-line document writes some 115,000 elements, and splitting and
# formatting each name again was a tenth of the time of building one.
_CLARK = {}


def _clark(qname: str) -> str:
    tag = _CLARK.get(qname)
    if tag is None:
        prefix, _, name = qname.partition(":")
        tag = _CLARK[qname] = f"{{{NSMAP_PREFIXES[prefix]}}}{name}"
    return tag


class _Writer:
    def el(self, parent, qname: str, text=None, **attrs):
        node = etree.SubElement(parent, _CLARK.get(qname) or _clark(qname))
        if attrs:
            for key, value in attrs.items():
                if value is not None and value != "":
                    try:
                        node.set(key, value)
                    except ValueError:
                        raise unwritable(node, value, key) from None
        if text is not None:
            if text.__class__ is not str:
                if isinstance(text, Decimal):
                    text = fmt_decimal(text)
                elif isinstance(text, date):
                    text = text.isoformat()
                elif isinstance(text, bool):
                    text = "true" if text else "false"
                else:
                    text = str(text)
            try:
                node.text = text
            except ValueError:
                raise unwritable(node, text) from None
        return node

    def opt(self, parent, qname: str, value, **attrs):
        if value is not None and value != "":
            return self.el(parent, qname, value, **attrs)
        return None

    def quantity(self, parent, qname: str, q: ubl.Quantity | None):
        if q is not None:
            self.el(parent, qname, q.value, unitCode=q.unit_code)

    def amount(self, parent, qname: str, a: ubl.Amount | None, default_currency: str | None):
        if a is not None:
            self.el(parent, qname, a.value, currencyID=a.currency or default_currency or "EUR")

    def document_reference(self, parent, qname: str, ref: ubl.DocumentReference):
        node = self.el(parent, qname)
        self.el(node, "cbc:ID", ref.id)
        self.opt(node, "cbc:DocumentTypeCode", ref.document_type_code, listID=ref.list_id)
        self.opt(node, "cbc:DocumentDescription", ref.document_description)

    def address(self, parent, qname: str, a: ubl.Address | None):
        if a is None:
            return
        node = self.el(parent, qname)
        self.opt(node, "cbc:Postbox", a.postbox)
        self.opt(node, "cbc:Floor", a.floor)
        self.opt(node, "cbc:StreetName", a.street_name)
        self.opt(node, "cbc:AdditionalStreetName", a.additional_street_name)
        self.opt(node, "cbc:BuildingName", a.building_name)
        self.opt(node, "cbc:BuildingNumber", a.building_number)
        self.opt(node, "cbc:CityName", a.city_name)
        self.opt(node, "cbc:PostalZone", a.postal_zone)
        if a.country is not None:
            country = self.el(node, "cac:Country")
            self.opt(country, "cbc:IdentificationCode", a.country.identification_code)
            self.opt(country, "cbc:Name", a.country.name)

    def contact(self, parent, qname: str, c: ubl.Contact | None):
        if c is None:
            return
        node = self.el(parent, qname)
        self.opt(node, "cbc:ID", c.id)
        self.opt(node, "cbc:Name", c.name)
        self.opt(node, "cbc:Telephone", c.telephone)
        self.opt(node, "cbc:ElectronicMail", c.electronic_mail)

    def party(self, parent, qname: str, p: ubl.Party | None):
        if p is None:
            return
        node = self.el(parent, qname)
        for ident in p.ids:
            pid = self.el(node, "cac:PartyIdentification")
            self.el(pid, "cbc:ID", ident.value, schemeID=ident.scheme_id, schemeAgencyID=ident.scheme_agency_id)
        if p.name:
            self.el(self.el(node, "cac:PartyName"), "cbc:Name", p.name)
        self.address(node, "cac:PostalAddress", p.postal_address)
        if p.tax_company_id:
            tax = self.el(node, "cac:PartyTaxScheme")
            self.el(tax, "cbc:CompanyID", p.tax_company_id)
            # Mandatory in UBL; Jakamo's own examples leave it out (NOTES.md).
            self.el(self.el(tax, "cac:TaxScheme"), "cbc:ID", p.tax_scheme_id or "VAT")
        self.contact(node, "cac:Contact", p.contact)

    def location(self, parent, qname: str, loc: ubl.Location | None):
        if loc is None:
            return
        node = self.el(parent, qname)
        self.opt(node, "cbc:Description", loc.description)
        self.address(node, "cac:Address", loc.address)

    def item_identification(self, parent, qname: str, ident: ubl.ItemIdentification | None):
        if ident is None:
            return
        node = self.el(parent, qname)
        self.el(node, "cbc:ID", ident.id)
        self.opt(node, "cbc:ExtendedID", ident.extended_id)

    def item(self, parent, item: ubl.Item | None):
        node = self.el(parent, "cac:Item")
        if item is None:
            return
        self.opt(node, "cbc:Description", item.description)
        self.opt(node, "cbc:Name", item.name)
        self.item_identification(node, "cac:BuyersItemIdentification", item.buyers_item_identification)
        self.item_identification(node, "cac:SellersItemIdentification", item.sellers_item_identification)
        self.item_identification(node, "cac:ManufacturersItemIdentification", item.manufacturers_item_identification)
        for ref in item.specification_references:
            self.document_reference(node, "cac:ItemSpecificationDocumentReference", ref)
        if item.classified_tax_category is not None:
            tax = self.el(node, "cac:ClassifiedTaxCategory")
            self.opt(tax, "cbc:Percent", item.classified_tax_category.percent)
            self.el(self.el(tax, "cac:TaxScheme"), "cbc:ID", item.classified_tax_category.tax_scheme_id or "VAT")
        self.party(node, "cac:ManufacturerParty", item.manufacturer_party)

    def period(self, parent, qname: str, start: date | None, end: date | None):
        if start is None and end is None:
            return
        node = self.el(parent, qname)
        self.opt(node, "cbc:StartDate", start)
        self.opt(node, "cbc:EndDate", end)

    def delivery(self, parent, d: ubl.Delivery, kind: str):
        node = self.el(parent, "cac:Delivery")
        self.opt(node, "cbc:ID", d.id)
        self.quantity(node, "cbc:Quantity", d.quantity)
        for ref in d.document_references:  # Jakamo extension (AEP, BWN), see jakamo.schema
            self.document_reference(node, "cac:DocumentReference", ref)
        self.location(node, "cac:DeliveryLocation", d.delivery_location)
        self.period(node, "cac:RequestedDeliveryPeriod", d.requested_start_date, d.requested_end_date)
        if kind == ubl.ORDER_RESPONSE:
            self.period(node, "cac:PromisedDeliveryPeriod", d.promised_start_date, d.promised_end_date)
            if d.status:  # Jakamo extension: delivery status (JDS), see jakamo.schema
                self.document_reference(node, "cac:AdditionalDocumentReference", ubl.DocumentReference(d.status, "JDS"))
        if d.requested_despatch_date:
            self.el(self.el(node, "cac:Despatch"), "cbc:RequestedDespatchDate", d.requested_despatch_date)

    def line(self, parent, line: ubl.OrderLine, kind: str, currency: str | None):
        node = self.el(parent, "cac:OrderLine")
        for note in line.notes:
            self.el(node, "cbc:Note", note)
        li = self.el(node, "cac:LineItem")
        self.el(li, "cbc:ID", line.id)
        self.opt(li, "cbc:LineStatusCode", line.line_status_code)
        self.quantity(li, "cbc:Quantity", line.quantity)
        self.amount(li, "cbc:LineExtensionAmount", line.line_extension_amount, currency)
        for d in line.deliveries:
            self.delivery(li, d, kind)
        for ac in line.allowance_charges:
            acn = self.el(li, "cac:AllowanceCharge")
            self.el(acn, "cbc:ChargeIndicator", ac.charge_indicator)
            self.opt(acn, "cbc:AllowanceChargeReason", ac.reason)
            self.opt(acn, "cbc:MultiplierFactorNumeric", ac.multiplier_factor_numeric)
            if ac.amount is not None:
                self.amount(acn, "cbc:Amount", ac.amount, currency)
            else:
                self.el(acn, "cbc:Amount", Decimal(0), currencyID=currency or "EUR")
        if line.price is not None:
            price = self.el(li, "cac:Price")
            self.amount(price, "cbc:PriceAmount", line.price.amount, currency)
            self.quantity(price, "cbc:BaseQuantity", line.price.base_quantity)
            self.opt(price, "cbc:OrderableUnitFactorRate", line.price.orderable_unit_factor_rate)
        self.item(li, line.item)
        for ref in line.document_references:
            self.document_reference(node, "cac:DocumentReference", ref)


def build_order_document(doc: ubl.OrderDocument) -> bytes:
    """Serialise an OrderDocument as UTF-8 XML in schema order."""
    problems = []
    if doc.kind not in ubl.KINDS:
        problems.append(Problem(f"unknown document kind {doc.kind!r}"))
    if not doc.id:
        problems.append(Problem("the document needs an ID", "ID"))
    if doc.issue_date is None:
        problems.append(Problem("the document needs an IssueDate", "IssueDate"))
    if doc.kind in (ubl.ORDER_CHANGE, ubl.ORDER_RESPONSE) and not (doc.order_reference_id or doc.id):
        problems.append(Problem("the document needs an OrderReference", "OrderReference"))
    for i, line in enumerate(doc.lines, 1):
        if not line.id:
            problems.append(Problem("every line needs an ID", f"OrderLine[{i}]/LineItem/ID"))
        elif line.quantity is None:
            problems.append(Problem("every line needs a Quantity", f"OrderLine[{i}]/LineItem/Quantity"))
    if not doc.lines:
        problems.append(Problem("the document needs at least one OrderLine", "OrderLine"))
    if problems:
        raise DocumentError(problems)

    w = _Writer()
    kind = doc.kind
    root = etree.Element(f"{{{ubl.NS_ROOT[kind]}}}{kind}", nsmap={None: ubl.NS_ROOT[kind], **NSMAP_PREFIXES})
    w.opt(root, "cbc:UBLVersionID", doc.ubl_version_id or "2.1")
    w.opt(root, "cbc:CustomizationID", doc.customization_id)
    w.el(root, "cbc:ID", doc.id)
    w.el(root, "cbc:IssueDate", doc.issue_date)
    if doc.issue_time is not None:
        w.el(root, "cbc:IssueTime", doc.issue_time.isoformat())
    if kind == ubl.ORDER_CHANGE:
        w.el(root, "cbc:SequenceNumberID", doc.sequence_number_id or "1")
    for note in doc.notes:
        w.el(root, "cbc:Note", note)
    w.opt(root, "cbc:DocumentCurrencyCode", doc.document_currency_code)
    w.opt(root, "cbc:CustomerReference", doc.customer_reference)
    if kind in (ubl.ORDER_CHANGE, ubl.ORDER_RESPONSE):
        w.el(w.el(root, "cac:OrderReference"), "cbc:ID", doc.order_reference_id or doc.id)
    for ref in doc.additional_document_references:
        w.document_reference(root, "cac:AdditionalDocumentReference", ref)
    for contract_id in doc.contract_ids:
        w.el(w.el(root, "cac:Contract"), "cbc:ID", contract_id)
    if doc.project_reference_id and kind != ubl.ORDER_RESPONSE:
        # In OrderChange this is a Jakamo extension (see jakamo.schema.JAKAMO_EXTENSIONS).
        w.el(w.el(root, "cac:ProjectReference"), "cbc:ID", doc.project_reference_id)

    def customer(qname, cp: ubl.CustomerParty | None):
        if cp is None:
            return
        node = w.el(root, qname)
        w.party(node, "cac:Party", cp.party or ubl.Party())
        w.contact(node, "cac:AccountingContact", cp.accounting_contact)
        w.contact(node, "cac:BuyerContact", cp.buyer_contact)

    def supplier(sp: ubl.SupplierParty | None):
        if sp is None:
            return
        node = w.el(root, "cac:SellerSupplierParty")
        w.party(node, "cac:Party", sp.party or ubl.Party())
        w.contact(node, "cac:SellerContact", sp.seller_contact)

    if kind == ubl.ORDER_RESPONSE:
        supplier(doc.seller_supplier_party or ubl.SupplierParty(ubl.Party()))
        customer("cac:BuyerCustomerParty", doc.buyer_customer_party or ubl.CustomerParty(ubl.Party()))
    else:
        customer("cac:BuyerCustomerParty", doc.buyer_customer_party)
        supplier(doc.seller_supplier_party)
    customer("cac:AccountingCustomerParty", doc.accounting_customer_party)
    if doc.delivery is not None:
        node = w.el(root, "cac:Delivery")
        w.location(node, "cac:DeliveryLocation", doc.delivery.delivery_location)
        w.party(node, "cac:DeliveryParty", doc.delivery.delivery_party)
    if doc.delivery_terms is not None:
        node = w.el(root, "cac:DeliveryTerms")
        w.opt(node, "cbc:ID", doc.delivery_terms.id)
        w.location(node, "cac:DeliveryLocation", doc.delivery_terms.location)
    if doc.payment_terms is not None:
        node = w.el(root, "cac:PaymentTerms")
        w.opt(node, "cbc:ID", doc.payment_terms.id)
        w.opt(node, "cbc:Note", doc.payment_terms.note)
    for line in doc.lines:
        w.line(root, line, kind, doc.document_currency_code)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
