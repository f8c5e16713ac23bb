"""The new-order and order-change forms, and the way between their fields and an Order document.

The forms carry every field of the PO document's full Order example a purchaser fills in (PO
document 6.1): the header with its references, contract, delivery terms and place, delivery address
and payment terms; each line with item, description, quantity, price, discount, notes and delivery
batches. What the forms do not show (the accounting party, an item's manufacturer and
specifications, a batch's project number, …) is kept from the document being changed: editing an
order never drops what its ERP sent."""

from __future__ import annotations

import copy
import dataclasses
from datetime import date, time
from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from common.forms import DecimalField, XmlTextField
from jakamo import ubl
from orders.forms import IntegrationChoiceMixin, delivery_batches

BATCHES_HELP = _(
    "Split the line into delivery batches: quantity@date, separated by semicolons, adding up to the "
    "quantity. Example: 40@2027-01-15; 40@2027-02-01. Empty: one batch on the requested date."
)
NOTES_HELP = _("One note per row.")
_TEXTAREA = {"rows": 2}

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


def _text(label, max_length, *, required=False, help_text="", textarea=False, **kwargs):
    widget = forms.Textarea(attrs=_TEXTAREA) if textarea else None
    return XmlTextField(
        label=label, max_length=max_length, required=required, help_text=help_text, widget=widget, **kwargs
    )


def _day(label, *, required=False, **kwargs):
    # A date input takes only ISO dates: in Finnish, Django's own format (15.01.2027) would show
    # an empty field and the prefilled date would be lost on saving.
    widget = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    return forms.DateField(label=label, required=required, widget=widget, **kwargs)


class OrderForm(IntegrationChoiceMixin, forms.Form):
    """The order's header. A change (``change=True``) keeps the order's integration, number and
    supplier: those name the order at Jakamo and cannot change."""

    GROUPS = (
        (_("Order"), ("integration", "order_number", "issue_date", "currency", "supplier", "buyer_contact", "note")),
        (
            _("References"),
            (
                "customer_reference",
                "supplier_reference",
                "order_version",
                "contract",
                "project_reference",
                "delivery_method",
                "shipping_mark",
                "goods_label",
                "e_invoice_address",
                "e_invoice_email",
            ),
        ),
        (
            _("Delivery and payment"),
            (
                "delivery_terms",
                "delivery_terms_place",
                "delivery_party",
                "delivery_street",
                "delivery_postal_zone",
                "delivery_city",
                "delivery_country",
                "payment_terms_id",
                "payment_terms",
            ),
        ),
    )

    order_number = _text(_("Order number"), 100, required=True)
    issue_date = _day(_("Issue date"), initial=date.today, help_text=_("Empty: today"))
    currency = _text(_("Currency"), 3, required=True, initial="EUR", help_text=_("ISO 4217 code, such as EUR"))
    supplier = _text(_("Supplier"), 200, required=True, help_text=_("The supplier's identifier (a company mapping)"))
    buyer_contact = _text(
        _("Buyer contact"), 200, required=True, help_text=_("Your ERP user identifier (a user mapping)")
    )
    note = _text(_("Notes"), 2000, textarea=True, help_text=NOTES_HELP)
    customer_reference = _text(_("Our reference"), 200)
    supplier_reference = _text(_("Supplier's reference"), 200)
    order_version = _text(_("Order version"), 200)
    contract = _text(_("Contract"), 200)
    project_reference = _text(_("Project"), 200)
    delivery_method = _text(_("Delivery method"), 200)
    shipping_mark = _text(_("Shipping mark"), 200)
    goods_label = _text(_("Goods label"), 200)
    e_invoice_address = _text(_("E-invoice address"), 200)
    e_invoice_email = forms.EmailField(label=_("E-invoice e-mail"), max_length=200, required=False)
    delivery_terms = _text(_("Delivery terms"), 50, help_text=_("Incoterm, such as FCA"))
    delivery_terms_place = _text(_("Delivery terms place"), 200)
    delivery_party = _text(_("Deliver to (company)"), 200)
    delivery_street = _text(_("Street"), 200)
    delivery_postal_zone = _text(_("Postal code"), 50)
    delivery_city = _text(_("City"), 200)
    delivery_country = _text(_("Country code"), 2, help_text=_("Two letters, such as FI"))
    payment_terms_id = _text(_("Payment terms code"), 50)
    payment_terms = _text(_("Payment terms"), 500, help_text=_("Jakamo shows this text, else the code"))

    def __init__(self, *args, change: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.change = change
        if change:
            for name in ("order_number", "issue_date", "supplier"):
                del self.fields[name]
        else:
            self._integration_field()

    def groups(self):
        """(legend, bound fields) per fieldset, the fields this form has."""
        return [(legend, [self[name] for name in names if name in self.fields]) for legend, names in self.GROUPS]


class OrderLineForm(forms.Form):
    """One order line. ``line_id`` is the line's number at Jakamo: kept for a line the order has,
    given by the position for a new one."""

    line_id = forms.CharField(required=False, max_length=50, widget=forms.HiddenInput)
    item_name = _text(_("Item name"), 300, required=True)
    description = _text(_("Description"), 1000)
    buyers_item_id = _text(_("Buyer's item id"), 100)
    sellers_item_id = _text(_("Seller's item id"), 100)
    quantity = DecimalField(label=_("Quantity"), min_value=Decimal("0.0001"), max_digits=18, decimal_places=4)
    unit_code = _text(_("Unit"), 10, required=True, initial="PCE")
    price = DecimalField(
        label=_("Price"), min_value=Decimal(0), max_digits=18, decimal_places=4, help_text=_("per base quantity")
    )
    base_quantity = DecimalField(
        label=_("Base quantity"),
        required=False,
        min_value=Decimal("0.0001"),
        initial=1,
        max_digits=18,
        decimal_places=4,
        help_text=_("The quantity the price is for; empty: 1"),
    )
    discount = DecimalField(
        label=_("Discount %"), required=False, min_value=Decimal(0), max_value=Decimal(100), decimal_places=4
    )
    requested_date = _day(_("Requested date"))
    batches = forms.CharField(label=_("Batches"), required=False, max_length=1000, help_text=BATCHES_HELP)
    contract_reference = _text(_("Line contract"), 200)
    note = _text(_("Line notes"), 2000, textarea=True, help_text=NOTES_HELP)

    WIDE = ("item_name", "description", "batches", "note")

    def __init__(self, *args, change: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if change:
            # Zero cancels the line at Jakamo (PO document 6.8.2 A).
            quantity = self.fields["quantity"]
            quantity.min_value = Decimal(0)
            quantity.validators = [v for v in quantity.validators if not isinstance(v, MinValueValidator)]
            quantity.validators.append(MinValueValidator(Decimal(0)))
            quantity.widget.attrs["min"] = "0"
            quantity.help_text = _("0 cancels the line")

    def clean_batches(self):
        return delivery_batches(self.cleaned_data["batches"])

    def clean(self):
        data = super().clean()
        batches, quantity = data.get("batches"), data.get("quantity")
        if batches and quantity == 0:
            # Cancelling the line: Jakamo wants the line and every batch at 0 (PO document 6.8.2 A).
            batches = data["batches"] = [(Decimal(0), day) for _q, day in batches]
        elif batches and quantity is not None and sum(q for q, _day in batches) != quantity:
            self.add_error(
                "batches",
                _("The batches add up to %(sum)s, the line is %(quantity)s.")
                % {"sum": sum(q for q, _day in batches), "quantity": quantity},
            )
        # A mistyped batch is said at the batches; a missing date beside it would only mislead.
        unsaid = "requested_date" not in self.errors and "batches" not in self.errors
        if not batches and not data.get("requested_date") and unsaid:
            self.add_error("requested_date", _("Enter the requested date, or the batches with their dates."))
        return data


class _LineFormSet(forms.BaseFormSet):
    def __init__(self, *args, change: bool = False, **kwargs):
        self.change = change
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "change": self.change}

    def clean(self):
        if any(self.errors):
            return
        seen = set()
        for form in self.forms:
            line_id = form.cleaned_data.get("line_id")
            if line_id and line_id in seen:
                raise forms.ValidationError(_("Line %(line)s appears twice."), params={"line": line_id})
            seen.add(line_id)


OrderLineFormSet = forms.formset_factory(
    OrderLineForm, formset=_LineFormSet, extra=1, min_num=1, validate_min=True, max_num=500, validate_max=True
)


# -- between the forms and the document ---------------------------------------------------------------
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
