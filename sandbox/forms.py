from datetime import date, timedelta
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from common.forms import DateField, DecimalField, XmlTextField

from .models import Api, Fault, Integration

PO_ACTIONS = [
    ("confirm", "Confirm as requested"),
    ("confirm_changes", "Confirm with changes"),
    ("confirm_partial", "Confirm partially (lines left Open)"),
    ("confirm_draft", "Confirm as Draft"),
    ("reject", "Reject the order"),
    ("deliver", "Mark Delivered"),
    ("dispatch_asn", "Dispatch an ASN"),
]
SO_ACTIONS = [
    ("customer_change", "Change the order (OrderChange)"),
    ("customer_cancel", "Cancel the order"),
    ("customer_cancel_lines", "Cancel lines"),
    ("customer_accept", "Accept the supplier's changes"),
]


class OrderActionForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), choices=PO_ACTIONS + SO_ACTIONS)
    lines = forms.CharField(
        label=_("Lines"), required=False, help_text=_("Line ids, comma separated (empty: per action default)")
    )
    quantity = DecimalField(label=_("Quantity"), required=False, min_value=Decimal(0))
    unit_price = DecimalField(label=_("Unit price"), required=False, min_value=Decimal(0))
    promised_date = DateField(label=_("Promised date"), required=False)
    new_batches = forms.CharField(
        label=_("New batches"),
        required=False,
        help_text=_("Added batches as quantity@YYYY-MM-DD, separated by ';' (e.g. 30@2026-12-01)"),
    )
    tracking_number = XmlTextField(label=_("Tracking number"), required=False, max_length=100)
    note = XmlTextField(label=_("Note"), required=False, max_length=500)

    def clean_lines(self):
        return [part.strip() for part in self.cleaned_data["lines"].split(",") if part.strip()]

    def clean_new_batches(self):
        batches = []
        for part in self.cleaned_data["new_batches"].split(";"):
            part = part.strip()
            if not part:
                continue
            qty, _, when = part.partition("@")
            try:
                batches.append((Decimal(qty.strip()), date.fromisoformat(when.strip())))
            except (ValueError, ArithmeticError):
                raise forms.ValidationError(f"'{part}' is not quantity@YYYY-MM-DD") from None
        return batches


class CustomerOrderForm(forms.Form):
    supplier = forms.ModelChoiceField(label=_("Supplier"), queryset=Integration.objects.filter(api=Api.SALES_ORDER))
    customer_company = XmlTextField(label=_("Customer company"), max_length=200)
    order_number = XmlTextField(
        label=_("Order number"), max_length=100, required=False, help_text=_("Empty: generated")
    )
    item_name = XmlTextField(label=_("Item name"), max_length=200, initial="HEX HEAD SCREW M16x80mm")
    sellers_item_id = XmlTextField(label=_("Sellers item id"), max_length=100, required=False)
    quantity = DecimalField(label=_("Quantity"), min_value=Decimal("0.001"), initial=100)
    unit_price = DecimalField(label=_("Unit price"), min_value=Decimal(0), initial=Decimal("12.00"))
    requested_date = DateField(label=_("Requested date"))
    lines = forms.IntegerField(
        label=_("Lines"), min_value=1, max_value=50, initial=1, help_text=_("How many such lines")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requested_date"].initial = date.today() + timedelta(days=21)


class FaultForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Fault.Kind.choices)
    count = forms.IntegerField(label=_("Count"), min_value=1, max_value=10000, initial=1)
    integration = forms.ModelChoiceField(
        label=_("Integration"), queryset=Integration.objects.all(), required=False, empty_label=_("Every integration")
    )


class ShipHeroForm(forms.Form):
    url = forms.URLField(label=_("Url"), max_length=500, assume_scheme="http")
    secret = forms.CharField(label=_("Secret"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=[("courier", "Courier"), ("freight", "Freight")])
    order_id = forms.CharField(label=_("Order id"), max_length=100)
    partner_line_item_id = forms.CharField(
        label=_("Partner line item id"), max_length=200, help_text=_("Our sales order line reference")
    )
    sku = forms.CharField(label=_("Sku"), max_length=100, initial="sku-1")
    quantity = DecimalField(label=_("Quantity"), min_value=Decimal(0), initial=1)
    shipped = forms.BooleanField(
        label=_("Shipped"), required=False, initial=True, help_text=_("Off: before a shipment exists")
    )
    trading_partner_name = forms.CharField(label=_("Trading partner name"), max_length=200, initial="some-retailer")


class JakamoWebhookForm(forms.Form):
    """Jakamo's webhook form on its Integrations page (reference/jakamo-more-facts.md, "Webhooks")."""

    integration = forms.ModelChoiceField(label=_("Integration"), queryset=Integration.objects.all())
    url = forms.URLField(
        label=_("Payload URL"), max_length=500, required=False, assume_scheme="http", help_text=_("Empty: no webhook")
    )
    auth = forms.ChoiceField(
        label=_("Authentication"), choices=[("oauth2", "OAuth2"), ("basic", "Basic authentication")], initial="oauth2"
    )
    username = forms.CharField(label=_("User"), max_length=200, required=False)
    password = forms.CharField(label=_("Password"), max_length=200, required=False)
    token_url = forms.URLField(label=_("Token URL"), max_length=500, required=False, assume_scheme="http")
    client_id = forms.CharField(label=_("Client id"), max_length=200, required=False)
    client_secret = forms.CharField(label=_("Client secret"), max_length=200, required=False)
    remove_on_success = forms.BooleanField(label=_("Remove entry from queue on success"), required=False, initial=True)
