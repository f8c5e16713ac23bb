"""Typed model of the UBL documents Jakamo exchanges: Order, OrderChange, OrderResponse.

One ``OrderDocument`` carries all three (``kind`` tells which); they share almost every element.
Amounts and quantities are ``Decimal``, dates are ``date``; ``None`` means "absent" (Jakamo's
empty elements read as absent too)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal

ORDER = "Order"
ORDER_CHANGE = "OrderChange"
ORDER_RESPONSE = "OrderResponse"
KINDS = (ORDER, ORDER_CHANGE, ORDER_RESPONSE)

# Quantities and amounts beyond this are typing errors or attacks; no column could hold them.
LARGEST = Decimal(10) ** 12
_ONE = Decimal(1)
NS_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
NS_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NS_ROOT = {kind: f"urn:oasis:names:specification:ubl:schema:xsd:{kind}-2" for kind in KINDS}

# LineStatusCode values (PO document 6.4). Jakamo writes "Confirmed with changes" and
# "Confirmed with Changes" both; compare with ``normalise_status``.
OPEN = "Open"
DRAFT = "Draft"
CONFIRMED = "Confirmed"
CONFIRMED_WITH_CHANGES = "Confirmed with changes"
STARTED_RECEIVING = "Started receiving"
RECEIVED = "Received"
CANCELLED = "Cancelled"
LINE_STATUSES = (OPEN, DRAFT, CONFIRMED, CONFIRMED_WITH_CHANGES, STARTED_RECEIVING, RECEIVED, CANCELLED)


_STATUS_BY_LOWER = {status.lower(): status for status in LINE_STATUSES}


def normalise_status(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    return _STATUS_BY_LOWER.get(value.lower(), value)


@dataclass(slots=True)
class Amount:
    value: Decimal
    currency: str | None = None


@dataclass(slots=True)
class Quantity:
    value: Decimal
    unit_code: str | None = None


@dataclass(slots=True)
class Identifier:
    value: str
    scheme_id: str | None = None
    scheme_agency_id: str | None = None


@dataclass(slots=True)
class DocumentReference:
    id: str
    document_type_code: str | None = None
    list_id: str | None = None  # DocumentTypeCode@listID; "AttributeList" marks item attributes
    document_description: str | None = None


@dataclass(slots=True)
class Country:
    identification_code: str | None = None
    name: str | None = None


@dataclass(slots=True)
class Address:
    postbox: str | None = None
    floor: str | None = None
    street_name: str | None = None
    additional_street_name: str | None = None
    building_name: str | None = None
    building_number: str | None = None
    city_name: str | None = None
    postal_zone: str | None = None
    country: Country | None = None


@dataclass(slots=True)
class Contact:
    id: str | None = None
    name: str | None = None
    telephone: str | None = None
    electronic_mail: str | None = None


@dataclass(slots=True)
class Party:
    ids: list[Identifier] = field(default_factory=list)
    name: str | None = None
    postal_address: Address | None = None
    tax_company_id: str | None = None
    tax_scheme_id: str | None = None
    contact: Contact | None = None

    @property
    def id(self) -> str | None:
        return self.ids[0].value if self.ids else None


@dataclass(slots=True)
class CustomerParty:
    """BuyerCustomerParty / AccountingCustomerParty."""

    party: Party | None = None
    buyer_contact: Contact | None = None
    accounting_contact: Contact | None = None


@dataclass(slots=True)
class SupplierParty:
    party: Party | None = None
    seller_contact: Contact | None = None


@dataclass(slots=True)
class Location:
    description: str | None = None
    address: Address | None = None


@dataclass(slots=True)
class HeaderDelivery:
    delivery_location: Location | None = None
    delivery_party: Party | None = None


@dataclass(slots=True)
class DeliveryTerms:
    id: str | None = None
    location: Location | None = None


@dataclass(slots=True)
class PaymentTerms:
    id: str | None = None
    note: str | None = None


@dataclass(slots=True)
class AllowanceCharge:
    charge_indicator: bool
    multiplier_factor_numeric: Decimal | None = None
    amount: Amount | None = None
    reason: str | None = None


@dataclass(slots=True)
class Price:
    amount: Amount | None = None
    base_quantity: Quantity | None = None
    orderable_unit_factor_rate: Decimal | None = None

    @property
    def unit_price(self) -> Decimal | None:
        """PriceAmount per single unit: "120 per 10" is 12."""
        if self.amount is None:
            return None
        base = self.base_quantity.value if self.base_quantity and self.base_quantity.value else _ONE
        return self.amount.value / base


@dataclass(slots=True)
class TaxCategory:
    percent: Decimal | None = None
    tax_scheme_id: str | None = None


@dataclass(slots=True)
class ItemIdentification:
    id: str
    extended_id: str | None = None


@dataclass(slots=True)
class Item:
    description: str | None = None
    name: str | None = None
    buyers_item_identification: ItemIdentification | None = None
    sellers_item_identification: ItemIdentification | None = None
    manufacturers_item_identification: ItemIdentification | None = None
    specification_references: list[DocumentReference] = field(default_factory=list)
    classified_tax_category: TaxCategory | None = None
    manufacturer_party: Party | None = None

    @property
    def attributes(self) -> dict[str, str]:
        """Key-value item attributes (ItemSpecificationDocumentReference with listID AttributeList)."""
        return {
            ref.document_type_code: ref.id
            for ref in self.specification_references
            if ref.list_id == "AttributeList" and ref.document_type_code
        }

    @property
    def sellers_item_id(self) -> str | None:
        return self.sellers_item_identification.id if self.sellers_item_identification else None


@dataclass(slots=True)
class Delivery:
    """A delivery batch of a line. Supplier-added batches have ids like ``BATCH.1``."""

    id: str | None = None
    quantity: Quantity | None = None
    document_references: list[DocumentReference] = field(default_factory=list)  # Jakamo: AEP, BWN
    delivery_location: Location | None = None
    requested_start_date: date | None = None
    requested_end_date: date | None = None
    promised_start_date: date | None = None
    promised_end_date: date | None = None
    requested_despatch_date: date | None = None
    status: str | None = None  # OrderResponse: AdditionalDocumentReference with DocumentTypeCode JDS


@dataclass(slots=True)
class OrderLine:
    id: str
    quantity: Quantity | None = None
    notes: list[str] = field(default_factory=list)
    line_status_code: str | None = None
    line_extension_amount: Amount | None = None
    deliveries: list[Delivery] = field(default_factory=list)
    allowance_charges: list[AllowanceCharge] = field(default_factory=list)
    price: Price | None = None
    item: Item | None = None
    document_references: list[DocumentReference] = field(default_factory=list)


@dataclass(slots=True)
class OrderDocument:
    kind: str
    id: str
    issue_date: date | None = None
    issue_time: time | None = None
    ubl_version_id: str | None = "2.1"
    customization_id: str | None = "Jakamo"
    sequence_number_id: str | None = None  # OrderChange
    notes: list[str] = field(default_factory=list)
    document_currency_code: str | None = None
    customer_reference: str | None = None
    order_reference_id: str | None = None  # OrderChange, OrderResponse: the order's cbc:ID
    additional_document_references: list[DocumentReference] = field(default_factory=list)
    contract_ids: list[str] = field(default_factory=list)
    project_reference_id: str | None = None
    buyer_customer_party: CustomerParty | None = None
    seller_supplier_party: SupplierParty | None = None
    accounting_customer_party: CustomerParty | None = None
    delivery: HeaderDelivery | None = None
    delivery_terms: DeliveryTerms | None = None
    payment_terms: PaymentTerms | None = None
    lines: list[OrderLine] = field(default_factory=list)

    @property
    def order_number(self) -> str:
        """The purchase order number the document is about."""
        if self.kind == ORDER_RESPONSE and self.order_reference_id:
            return self.order_reference_id
        return self.id

    @property
    def vendor_id(self) -> str | None:
        ssp = self.seller_supplier_party
        return ssp.party.id if ssp and ssp.party else None

    @property
    def buyer_id(self) -> str | None:
        bcp = self.buyer_customer_party
        return bcp.party.id if bcp and bcp.party else None

    @property
    def buyer_contact_id(self) -> str | None:
        bcp = self.buyer_customer_party
        return bcp.buyer_contact.id if bcp and bcp.buyer_contact else None

    @property
    def seller_contact_id(self) -> str | None:
        ssp = self.seller_supplier_party
        return ssp.seller_contact.id if ssp and ssp.seller_contact else None

    def line(self, line_id: str) -> OrderLine | None:
        return next((line for line in self.lines if line.id == line_id), None)
