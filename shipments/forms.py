from datetime import date
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from common.forms import DateField, DecimalField
from orders.models import SalesOrder

from .models import ShipmentStatus, WebhookState


class ShipmentFilterForm(forms.Form):
    q = forms.CharField(required=False, label=_("Search"), max_length=200)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", "not yet received"), ("all", "any"), *ShipmentStatus.choices]
    )
    supplier = forms.CharField(label=_("Supplier"), required=False, max_length=200)
    unmatched = forms.BooleanField(required=False, label=_("Only with unlinked items"))


class ShipmentReceiveForm(forms.Form):
    """One quantity per delivery batch the shipment fills, pre-filled with what the ASN says."""

    received_date = DateField(label=_("Received date"), initial=date.today)
    event_date = DateField(
        label=_("Event date"),
        required=False,
        help_text=_("When the receipt happened, if not the received date"),
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=1000, help_text=_("Short or damaged goods, for the record")
    )

    def __init__(self, *args, plan=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for row in plan:
            self.rows.append(row)
            if row.open_quantity <= 0:
                continue  # received in full: nothing to enter
            self.fields[row.key] = DecimalField(
                required=False,
                min_value=Decimal(0),
                max_digits=18,
                decimal_places=4,
                initial=Decimal(format(row.proposed.normalize(), "f")),
                widget=forms.NumberInput(
                    attrs={"step": "any", "aria-label": _("Received, batch %(batch)s") % {"batch": row.batch.batch_id}}
                ),
            )

    def bound_rows(self):
        return [(row, self[row.key] if row.key in self.fields else None) for row in self.rows]

    @property
    def open_rows(self):
        return [row for row in self.rows if row.key in self.fields]

    def quantities(self) -> dict[int, Decimal]:
        return {row.batch.pk: self.cleaned_data.get(row.key) or Decimal(0) for row in self.open_rows}


class ItemLinkForm(forms.Form):
    item = forms.IntegerField(label=_("Item"), widget=forms.HiddenInput)
    order_number = forms.CharField(label=_("Order number"), max_length=200)
    line_id = forms.CharField(max_length=50, label=_("Line"))


class WebhookFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", "needs attention"), ("all", "any"), *WebhookState.choices]
    )
    q = forms.CharField(required=False, label=_("Search"), max_length=200)


class WebhookLinkForm(forms.Form):
    order_number = forms.CharField(max_length=200, label=_("Our sales order number"))

    def __init__(self, *args, line_items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.line_item_keys = []
        for item in line_items:
            if item.order_line_item_id is None:
                continue
            key = f"line_{item.order_line_item_id}"
            self.fields[key] = forms.CharField(
                required=False,
                max_length=50,
                label=f"{item.sku or item.name} ({item.partner_line_item_id or item.order_line_item_id})",
                help_text=_("Our line id, if the automatic rule does not find it"),
            )
            self.line_item_keys.append((key, str(item.order_line_item_id)))

    def clean_order_number(self):
        number = self.cleaned_data["order_number"].strip()
        orders = list(SalesOrder.objects.filter(order_number=number)[:2])
        if not orders:
            raise forms.ValidationError(f"There is no sales order {number}.")
        if len(orders) > 1:
            raise forms.ValidationError(f"Several sales orders are numbered {number}; ask an admin to tell them apart.")
        self.sales_order = orders[0]
        return number

    def line_map(self) -> dict[str, str]:
        return {shiphero_id: self.cleaned_data.get(key, "").strip() for key, shiphero_id in self.line_item_keys}
