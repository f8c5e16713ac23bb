"""The new-order and order-change forms: they carry every field of the PO document's full Order
example a purchaser fills in (PO document 6.1): the header with its references, contract, delivery
terms and place, delivery address and payment terms; each line with item, description, quantity,
price, discount, notes and delivery batches. ``form_document`` turns them into the Order."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django import forms
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from common.forms import DateField, DecimalField, XmlTextField
from orders.forms import IntegrationChoiceMixin, delivery_batches

BATCHES_HELP = _(
    "Split the line into delivery batches: quantity@date, separated by semicolons, adding up to the "
    "quantity. Example: 40@2027-01-15; 40@2027-02-01. Empty: one batch on the requested date."
)
NOTES_HELP = _("One note per row.")
_TEXTAREA = {"rows": 2}


def _text(label, max_length, *, required=False, help_text="", textarea=False, **kwargs):
    widget = forms.Textarea(attrs=_TEXTAREA) if textarea else None
    return XmlTextField(
        label=label, max_length=max_length, required=required, help_text=help_text, widget=widget, **kwargs
    )


def _day(label, *, required=False, **kwargs):
    return DateField(label=label, required=required, **kwargs)


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
