"""The way between the order forms' fields (``order_form``) and an Order document, both ways.

``document_from_form`` puts the forms' fields into the order's current document (or a new one):
what the forms do not show (the accounting party, an item's manufacturer and specifications, a
batch's project number, …) stays as the document has it, so changing an order never drops what
its ERP sent. ``form_initial`` is the other way, for the change form; ``sample_order`` a filled
Order to start from."""

from __future__ import annotations

import copy
import dataclasses
from datetime import date, time
from decimal import ROUND_HALF_UP, Decimal

from jakamo import ubl

# The header's AdditionalDocumentReference rows the form carries, by DocumentTypeCode (PO document
# 6.1): form field, code, the DocumentDescription Jakamo's example gives them.
REFERENCES = (
    ("delivery_method", "ZZZ", "Delivery method"),
    ("supplier_reference", "SS", "Supplier reference"),
    ("shipping_mark", "SM", "Shipping mark"),
    ("goods_label", "GLB", "Goods label"),
    # The electronic invoice address: its ID is the address, its DocumentDescription an e-mail address.
    ("e_invoice_address", "ADE", None),
    ("order_version", "PP", "Order version"),
)
E_INVOICE = "ADE"
# A line's DocumentReference with code 315 is its contract (PO document 6.1).
LINE_CONTRACT = "315"


def _lines_of(text: str) -> list[str]:
    return [row.strip() for row in (text or "").splitlines() if row.strip()]


def _reference(doc: ubl.OrderDocument, code: str) -> ubl.DocumentReference | None:
    return next((r for r in doc.additional_document_references if r.document_type_code == code), None)


def _set_reference(refs: list, code: str, value: str, description: str | None, *, replace_description=False):
    """Put ``value`` in the reference with ``code`` (added when missing, removed when empty), keeping
    the others and their order, and an existing reference's own description unless told."""
    existing = next((r for r in refs if r.document_type_code == code), None)
    if not value:
        if existing is not None:
            refs.remove(existing)
        return
    if existing is None:
        refs.append(ubl.DocumentReference(value, code, document_description=description))
        return
    existing.id = value
    if replace_description:
        existing.document_description = description


def _header_initial(doc: ubl.OrderDocument) -> dict:
    delivery = doc.delivery or ubl.HeaderDelivery()
    location = delivery.delivery_location or ubl.Location()
    address = location.address or ubl.Address()
    terms = doc.delivery_terms or ubl.DeliveryTerms()
    payment = doc.payment_terms or ubl.PaymentTerms()
    e_invoice = _reference(doc, E_INVOICE)
    initial = {
        "order_number": doc.id,
        "issue_date": doc.issue_date,
        "currency": doc.document_currency_code or "",
        "supplier": doc.vendor_id or "",
        "buyer_contact": doc.buyer_contact_id or "",
        "note": "\n".join(doc.notes),
        "customer_reference": doc.customer_reference or "",
        "contract": doc.contract_ids[0] if doc.contract_ids else "",
        "project_reference": doc.project_reference_id or "",
        "e_invoice_email": (e_invoice.document_description or "") if e_invoice else "",
        "delivery_terms": terms.id or "",
        "delivery_terms_place": (terms.location.description or "") if terms.location else "",
        "delivery_party": (delivery.delivery_party.name or "") if delivery.delivery_party else "",
        "delivery_street": address.street_name or "",
        "delivery_postal_zone": address.postal_zone or "",
        "delivery_city": address.city_name or "",
        "delivery_country": (address.country.identification_code or "") if address.country else "",
        "payment_terms_id": payment.id or "",
        "payment_terms": payment.note or "",
    }
    for name, code, _description in REFERENCES:
        ref = _reference(doc, code)
        initial[name] = ref.id if ref else ""
    return initial


def _batches_text(line: ubl.OrderLine) -> str:
    """The line's batches as the form writes them; empty for one batch of the whole line (the
    requested date says it all)."""
    if not line.deliveries:
        return ""
    if len(line.deliveries) == 1:
        only = line.deliveries[0]
        if only.quantity is None or (line.quantity and only.quantity.value == line.quantity.value):
            return ""
    return "; ".join(
        f"{_plain(d.quantity.value if d.quantity else Decimal(0))}@{d.requested_end_date.isoformat()}"
        for d in line.deliveries
        if d.requested_end_date
    )


def _plain(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _discount(line: ubl.OrderLine) -> Decimal | None:
    allowance = next((a for a in line.allowance_charges if not a.charge_indicator), None)
    if allowance is None or allowance.multiplier_factor_numeric is None:
        return None
    return Decimal(_plain(allowance.multiplier_factor_numeric * 100))


def _line_initial(line: ubl.OrderLine) -> dict:
    item = line.item or ubl.Item()
    price = line.price or ubl.Price()
    contract = next((r for r in line.document_references if r.document_type_code == LINE_CONTRACT), None)
    dates = [d.requested_end_date for d in line.deliveries if d.requested_end_date]
    return {
        "line_id": line.id,
        "item_name": item.name or "",
        "description": item.description or "",
        "buyers_item_id": item.buyers_item_identification.id if item.buyers_item_identification else "",
        "sellers_item_id": item.sellers_item_id or "",
        "quantity": line.quantity.value if line.quantity else None,
        "unit_code": (line.quantity.unit_code or "") if line.quantity else "",
        "price": price.amount.value if price.amount else None,
        "base_quantity": price.base_quantity.value if price.base_quantity else Decimal(1),
        "discount": _discount(line),
        "requested_date": dates[0] if dates else None,
        "batches": _batches_text(line),
        "contract_reference": contract.id if contract else "",
        "note": "\n".join(line.notes),
    }


def form_initial(doc: ubl.OrderDocument) -> tuple[dict, list[dict]]:
    """The forms' initial values for an order document: (header, one dict per line)."""
    return _header_initial(doc), [_line_initial(line) for line in doc.lines]


def _header(doc: ubl.OrderDocument, data: dict):
    doc.document_currency_code = data.get("currency") or doc.document_currency_code or "EUR"
    if "note" in data:
        doc.notes = _lines_of(data["note"])
    if data.get("issue_date"):
        doc.issue_date = data["issue_date"]
    doc.customer_reference = data.get("customer_reference") or None
    rest = doc.contract_ids[1:]
    doc.contract_ids = ([data["contract"]] if data.get("contract") else []) + rest
    doc.project_reference_id = data.get("project_reference") or None
    refs = doc.additional_document_references
    for name, code, description in REFERENCES:
        if code == E_INVOICE:
            _set_reference(
                refs, code, data.get(name) or "", data.get("e_invoice_email") or None, replace_description=True
            )
        else:
            _set_reference(refs, code, data.get(name) or "", description)

    terms = doc.delivery_terms or ubl.DeliveryTerms()
    terms.id = data.get("delivery_terms") or None
    place = data.get("delivery_terms_place") or None
    if place:
        terms.location = terms.location or ubl.Location()
        terms.location.description = place
    elif terms.location is not None:
        terms.location.description = None
        if terms.location.address is None:
            terms.location = None
    doc.delivery_terms = terms if terms.id or terms.location else None

    delivery = doc.delivery or ubl.HeaderDelivery()
    _delivery_address(delivery, data)
    party_name = data.get("delivery_party") or None
    if party_name:
        delivery.delivery_party = delivery.delivery_party or ubl.Party()
        delivery.delivery_party.name = party_name
    elif delivery.delivery_party is not None:
        delivery.delivery_party.name = None
        if not delivery.delivery_party.ids:
            delivery.delivery_party = None
    doc.delivery = delivery if delivery.delivery_location or delivery.delivery_party else None

    payment = doc.payment_terms or ubl.PaymentTerms()
    payment.id, payment.note = data.get("payment_terms_id") or None, data.get("payment_terms") or None
    doc.payment_terms = payment if payment.id or payment.note else None


def _delivery_address(delivery: ubl.HeaderDelivery, data: dict):
    street, zone = data.get("delivery_street") or None, data.get("delivery_postal_zone") or None
    city, country = data.get("delivery_city") or None, (data.get("delivery_country") or "").upper() or None
    location = delivery.delivery_location or ubl.Location()
    address = location.address or ubl.Address()
    address.street_name, address.postal_zone, address.city_name = street, zone, city
    if country:
        address.country = address.country or ubl.Country()
        if address.country.identification_code != country:
            address.country.name = None  # the old country's name would contradict the new code
        address.country.identification_code = country
    elif address.country is not None:
        address.country.identification_code = None
        if not address.country.name:
            address.country = None
    location.address = address if _any_value(address) else None
    delivery.delivery_location = location if location.address or location.description else None


def _any_value(instance) -> bool:
    return any(getattr(instance, f.name) for f in dataclasses.fields(instance))


def _deliveries(line: ubl.OrderLine, row: dict, number: str, unit: str, base: ubl.OrderLine | None):
    """The line's batches from the form: the batches text, or one batch of the whole quantity on the
    requested date. Batches keep the ids (and what the form does not show of them) of the line's
    current batches in their order; more get new ids."""
    pairs = row.get("batches") or [(row["quantity"], row.get("requested_date"))]
    current = list(base.deliveries) if base else []
    taken = {d.id for d in current}
    result, n = [], 0
    for i, (quantity, when) in enumerate(pairs):
        if i < len(current):
            delivery = current[i]
        else:
            n += 1
            while f"{number}-{line.id}-{n}" in taken:
                n += 1
            delivery = ubl.Delivery(id=f"{number}-{line.id}-{n}")
            taken.add(delivery.id)
        delivery.quantity = ubl.Quantity(quantity, unit)
        delivery.requested_end_date = when
        result.append(delivery)
    return result


def _allowances(line: ubl.OrderLine, row: dict, currency: str) -> list[ubl.AllowanceCharge]:
    """The form's discount as Jakamo reads it (MultiplierFactorNumeric, PO document 6.1), with its
    amount; the line's charges and other allowances stay."""
    others = [a for a in line.allowance_charges if a.charge_indicator]
    discount = row.get("discount")
    kept = [a for a in line.allowance_charges if not a.charge_indicator][1:]
    if not discount:
        return kept + others
    factor = discount / 100
    gross = row["quantity"] * row["price"] / (row.get("base_quantity") or Decimal(1))
    amount = (gross * factor).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    current = next((a for a in line.allowance_charges if not a.charge_indicator), None)
    reason = current.reason if current else None
    return [ubl.AllowanceCharge(False, factor.normalize(), ubl.Amount(amount, currency), reason), *kept, *others]


def _line(line: ubl.OrderLine, row: dict, number: str, currency: str, base: ubl.OrderLine | None):
    unit = row.get("unit_code") or "PCE"
    line.quantity = ubl.Quantity(row["quantity"], unit)
    line.notes = _lines_of(row.get("note") or "")
    line.deliveries = _deliveries(line, row, number, unit, base)
    line.allowance_charges = _allowances(line, row, currency)
    price = line.price or ubl.Price()
    price.amount = ubl.Amount(row["price"], currency)
    price.base_quantity = ubl.Quantity(row.get("base_quantity") or Decimal(1), unit)
    line.price = price
    if base is not None and _value_changed(base, line):
        # Jakamo takes LineExtensionAmount before its own sum (PO document 6.1): the amount the ERP
        # gave for the old quantity, price or discount would contradict the new ones.
        line.line_extension_amount = None
    item = line.item or ubl.Item()
    item.name = row["item_name"]
    item.description = row.get("description") or None
    item.buyers_item_identification = _identification(item.buyers_item_identification, row.get("buyers_item_id"))
    item.sellers_item_identification = _identification(item.sellers_item_identification, row.get("sellers_item_id"))
    line.item = item
    refs = [r for r in line.document_references if r.document_type_code != LINE_CONTRACT]
    if row.get("contract_reference"):
        contract = next((r for r in line.document_references if r.document_type_code == LINE_CONTRACT), None)
        contract = contract or ubl.DocumentReference("", LINE_CONTRACT)
        contract.id = row["contract_reference"]
        refs.insert(0, contract)
    line.document_references = refs
    return line


def _value_changed(before: ubl.OrderLine, after: ubl.OrderLine) -> bool:
    def value(line):
        price = line.price or ubl.Price()
        return (
            line.quantity.value if line.quantity else None,
            price.amount.value if price.amount else None,
            price.base_quantity.value if price.base_quantity else Decimal(1),
            [
                (a.charge_indicator, a.multiplier_factor_numeric, a.amount.value if a.amount else None)
                for a in line.allowance_charges
            ],
        )

    return value(before) != value(after)


def _identification(current: ubl.ItemIdentification | None, value: str | None):
    if not value:
        return None
    if current is None:
        return ubl.ItemIdentification(value)
    current.id = value
    return current


def document_from_form(
    base: ubl.OrderDocument | None, header: dict, rows: list[dict], *, number: str | None = None
) -> ubl.OrderDocument:
    """The Order the forms describe: ``base`` (the order's current document, or None for a new one)
    with the forms' fields put in; everything the forms do not show stays as ``base`` has it. A line
    of ``base`` the rows leave out is left out (an OrderChange cancels it)."""
    doc = copy.deepcopy(base) if base is not None else ubl.OrderDocument(kind=ubl.ORDER, id=number or "")
    doc.kind = ubl.ORDER
    if base is None:
        doc.issue_date = date.today()
    _header(doc, header)
    currency = doc.document_currency_code
    current = {line.id: line for line in doc.lines}
    used = set(current)
    lines, n = [], 0
    for row in rows:
        base_line = current.get(row.get("line_id") or "")
        if base_line is None:  # a new line: the next number no line of the order has
            n += 1
            while str(n) in used:
                n += 1
            used.add(str(n))
            before, line = None, ubl.OrderLine(id=str(n))
        else:
            before, line = copy.deepcopy(base_line), base_line
        lines.append(_line(line, row, doc.id, currency, before))
    doc.lines = lines
    return doc


def sample_order(number: str = "PO-12345", *, today: date | None = None) -> ubl.OrderDocument:
    """A filled Order to start an ERP's or a person's file from: every field of the PO document's
    full example (6.1), with values of the kind that example shows."""
    today = today or date.today()
    header = {
        "issue_date": today,
        "currency": "EUR",
        "note": "Additional info\nAdditional info row 2",
        "customer_reference": "CUSTOMER_REF_1234567890",
        "supplier_reference": "SUPPLIER_REFERENCE_1234567890",
        "order_version": "Version 1",
        "contract": "Contract_ID_1",
        "project_reference": "PROJECT_REF_1",
        "delivery_method": "Delivery method X",
        "shipping_mark": "Shipping mark X",
        "goods_label": "Goods Label X",
        "e_invoice_address": "003707224808",
        "e_invoice_email": "invoices@example.com",
        "delivery_terms": "FCA",
        "delivery_terms_place": "Seinäjoki",
        "delivery_party": "Delivery Party Ltd.",
        "delivery_street": "Jakamokatu 2",
        "delivery_postal_zone": "60100",
        "delivery_city": "Seinäjoki",
        "delivery_country": "FI",
        "payment_terms_id": "1",
        "payment_terms": "within 60 days Due net",
    }
    later = date.fromordinal(today.toordinal() + 45)
    rows = [
        {
            "item_name": "HEX HEAD SCREW M16x80mm",
            "description": "ISO 4014 - M16x80 - 8.8 tZn",
            "buyers_item_id": "PART12345",
            "sellers_item_id": "PART54321",
            "quantity": Decimal(100),
            "unit_code": "PCE",
            "price": Decimal(120),
            "base_quantity": Decimal(10),
            "discount": Decimal(20),
            "batches": [(Decimal(60), date.fromordinal(today.toordinal() + 30)), (Decimal(40), later)],
            "contract_reference": "CONTRACT_REFERENCE_1",
            "note": "Orderline additional info 1\nOrderline additional info 2",
        },
        {
            "item_name": "HEX NUT M16",
            "buyers_item_id": "PART12346",
            "quantity": Decimal(100),
            "unit_code": "PCE",
            "price": Decimal("0.35"),
            "requested_date": later,
        },
    ]
    doc = document_from_form(None, header, rows, number=number)
    doc.issue_time = time(8, 0)
    doc.buyer_customer_party = ubl.CustomerParty(
        ubl.Party([ubl.Identifier("erp_id")], name="Customer Company AB"),
        buyer_contact=ubl.Contact(id="buyer_id", name="Bertha Buyer"),
    )
    doc.seller_supplier_party = ubl.SupplierParty(ubl.Party([ubl.Identifier("vendor_id")], name="Test Supplier Ltd."))
    doc.lines[0].item.buyers_item_identification.extended_id = "REVISION_123"
    return doc
