from datetime import date
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from common.forms import DateField, DecimalField, XmlTextField
from common.params import max_body

# A batch's quantity as the line's own is checked: above zero, finite, and what the columns hold.
_BATCH_QUANTITY = DecimalField(min_value=Decimal("0.0001"), max_digits=18, decimal_places=4)


def delivery_batches(text: str, *, where: str = "") -> list[tuple[Decimal, date]]:
    """``quantity@YYYY-MM-DD; …`` as (quantity, date) pairs, or a ValidationError naming the part."""
    result = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        qty, _at, when = part.partition("@")
        try:
            day = date.fromisoformat(when.strip())
        except ValueError:
            raise forms.ValidationError(f"{where}“{part}” is not quantity@YYYY-MM-DD") from None
        try:
            quantity = _BATCH_QUANTITY.clean(qty.strip())
        except forms.ValidationError as exc:
            raise forms.ValidationError(f"{where}“{part}”: {' '.join(exc.messages)}") from None
        result.append((quantity, day))
    return result


class AcceptForm(forms.Form):
    note = XmlTextField(label=_("Note"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    # Three answers, as Jakamo has them (PO document 6.5.3): left out, Jakamo keeps what the order
    # had; a checkbox could only say true or false, and false would reset an earlier true.
    emphasize_original = forms.TypedChoiceField(
        required=False,
        choices=[("", _("As before")), ("true", _("Yes")), ("false", _("No"))],
        coerce=lambda value: value == "true",
        empty_value=None,
        label=_("Emphasize the originally agreed details"),
        help_text=_("Acknowledge the supplier's values as a technicality; Jakamo keeps showing what was agreed."),
    )


class RejectForm(forms.Form):
    note = XmlTextField(label=_("Note"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class LinesForm(forms.Form):
    note = XmlTextField(label=_("Note"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, line_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.line_ids = list(line_ids)
        for line_id in self.line_ids:
            self.fields[f"accept_{line_id}"] = forms.BooleanField(
                required=False, label=_("Accept line %(line)s") % {"line": line_id}
            )

    def accepted(self) -> list[str]:
        return [line_id for line_id in self.line_ids if self.cleaned_data.get(f"accept_{line_id}")]


class ReceiveForm(forms.Form):
    """One row per delivery batch: the quantity received now (blank: nothing)."""

    received_date = DateField(label=_("Received date"), initial=date.today)
    event_date = DateField(
        label=_("Event date"),
        required=False,
        help_text=_("When the receipt happened, if not the received date"),
    )
    everything = forms.BooleanField(required=False, label=_("Receive everything still open"))

    def __init__(self, *args, batches=(), **kwargs):
        # The order page writes these inputs itself (purchase_detail.html): keep the names alike.
        super().__init__(*args, **kwargs)
        self.line_keys = []
        for line_id in dict.fromkeys(b.line.line_id for b in batches):
            key = f"line_{line_id}"
            self.line_keys.append((key, line_id))
            self.fields[key] = forms.BooleanField(required=False, label=f"All of line {line_id}")
        self.batch_keys = []
        for batch in batches:
            key = f"qty_{batch.pk}"
            self.batch_keys.append((key, batch))
            self.fields[key] = DecimalField(required=False, min_value=Decimal("0"), max_digits=18, decimal_places=4)

    def quantities(self) -> dict | None:
        """(line id, batch id) → quantity; None means everything still open."""
        if self.cleaned_data.get("everything"):
            return None
        result = {}
        whole = {line_id for key, line_id in self.line_keys if self.cleaned_data.get(key)}
        for line_id in whole:
            result[(line_id, None)] = None
        for key, batch in self.batch_keys:
            if batch.line.line_id in whole:
                continue
            value = self.cleaned_data.get(key)
            if value:
                result[(batch.line.line_id, batch.batch_id)] = value
        return result

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("everything") and not self.quantities():
            raise forms.ValidationError("Enter a received quantity for at least one batch.")
        return data


class IntegrationChoiceMixin:
    def _integration_field(self):
        from mappings.models import Integration, Kind

        self.fields["integration"] = forms.ModelChoiceField(
            queryset=Integration.objects.filter(kind=Kind.PURCHASE_ORDER, enabled=True), empty_label=None
        )


class UploadForm(IntegrationChoiceMixin, forms.Form):
    file = forms.FileField(label=_("File"), help_text=_("A UBL Order XML file (at most 10 MB)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._integration_field()
        self.fields["file"].help_text = _("A UBL Order XML file (at most %(limit)s bytes)") % {
            "limit": f"{max_body():,}"
        }

    def clean_file(self):
        # The same limit as every other way in: what the ERP endpoint and Jakamo refuse is not taken
        # here and then refused by Jakamo at send time.
        upload = self.cleaned_data["file"]
        if upload.size > max_body():
            raise forms.ValidationError(
                _("The file is %(size)s bytes; at most %(limit)s bytes are taken.")
                % {"size": f"{upload.size:,}", "limit": f"{max_body():,}"}
            )
        return upload


class OrderHeaderForm(IntegrationChoiceMixin, forms.Form):
    order_number = XmlTextField(label=_("Order number"), max_length=100)
    supplier = XmlTextField(
        label=_("Supplier"), max_length=200, help_text=_("The supplier's identifier (a company mapping)")
    )
    buyer_contact = XmlTextField(
        label=_("Buyer contact"), max_length=200, help_text=_("Your ERP user identifier (a user mapping)")
    )
    currency = XmlTextField(label=_("Currency"), max_length=3, initial="EUR")
    note = XmlTextField(label=_("Note"), max_length=1000, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._integration_field()


class OrderLineForm(forms.Form):
    item_name = XmlTextField(label=_("Item name"), max_length=300)
    buyers_item_id = XmlTextField(label=_("Buyers item id"), max_length=100, required=False)
    sellers_item_id = XmlTextField(label=_("Sellers item id"), max_length=100, required=False)
    quantity = DecimalField(label=_("Quantity"), min_value=Decimal("0.0001"), max_digits=18, decimal_places=4)
    unit_code = XmlTextField(label=_("Unit code"), max_length=10, initial="PCE")
    price = DecimalField(
        label=_("Price"), min_value=Decimal("0"), max_digits=18, decimal_places=4, help_text=_("per base quantity")
    )
    base_quantity = DecimalField(
        label=_("Base quantity"), min_value=Decimal("0.0001"), initial=1, max_digits=18, decimal_places=4
    )
    requested_date = DateField(label=_("Requested date"))
    batches = forms.CharField(
        label=_("Batches"),
        required=False,
        max_length=1000,
        help_text=_("Split into delivery batches: quantity@YYYY-MM-DD; … (must add up to the quantity)"),
    )

    def clean_batches(self):
        return delivery_batches(self.cleaned_data["batches"])

    def clean(self):
        data = super().clean()
        batches, quantity = data.get("batches"), data.get("quantity")
        if batches and quantity is not None and sum(q for q, _ in batches) != quantity:
            self.add_error("batches", f"The batches add up to {sum(q for q, _ in batches)}, the line is {quantity}.")
        return data


OrderLineFormSet = forms.formset_factory(OrderLineForm, extra=1, min_num=1, validate_min=True, max_num=500)


class SalesAnswerForm(forms.Form):
    """Confirm with changes: one row of fields per line of the customer's order (its rows, with
    their batches). A line gets a split field only where a split can mean something (more than one
    batch of the customer's, or new batches allowed), and a Draft box only where Draft is allowed."""

    FIELDS = ("quantity", "unit_price", "promised_date", "batches", "leave_open", "draft")
    LABELS = {
        "quantity": _("Quantity, line %(line)s"),
        "unit_price": _("Unit price, line %(line)s"),
        "promised_date": _("Promised date, line %(line)s"),
        "batches": _("Batches, line %(line)s"),
        "leave_open": _("Leave open, line %(line)s"),
        "draft": _("Draft, line %(line)s"),
    }

    note = XmlTextField(label=_("Note"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, lines=(), allow_new_batches=False, allow_draft=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = [line for line in lines if line.status != "Cancelled"]
        self.line_ids = [line.line_id for line in self.lines]
        for line in self.lines:
            p = f"l{line.line_id}_"
            self.fields[p + "quantity"] = DecimalField(
                required=False, min_value=Decimal(0), max_digits=18, decimal_places=4
            )
            self.fields[p + "unit_price"] = DecimalField(
                required=False, min_value=Decimal(0), max_digits=18, decimal_places=6
            )
            self.fields[p + "promised_date"] = DateField(required=False)
            if allow_new_batches or len(line.batches.all()) > 1:
                self.fields[p + "batches"] = forms.CharField(required=False, max_length=1000)
            self.fields[p + "leave_open"] = forms.BooleanField(required=False)
            if allow_draft:
                self.fields[p + "draft"] = forms.BooleanField(required=False)
            # The page shows these in a table under column headers: each still needs its own name,
            # saying which line it is for, for a screen reader and for an error message.
            for name, label in self.LABELS.items():
                if p + name in self.fields:
                    text = label % {"line": line.line_id}
                    self.fields[p + name].label = text
                    self.fields[p + name].widget.attrs["aria-label"] = text

    def rows(self):
        """(line row, its fields in FIELDS order, None where the line has no such field)."""
        return [
            (
                line,
                [
                    self[f"l{line.line_id}_{name}"] if f"l{line.line_id}_{name}" in self.fields else None
                    for name in self.FIELDS
                ],
            )
            for line in self.lines
        ]

    def answers(self) -> dict:
        from .sales.answer import LineAnswer

        result = {}
        for line_id in self.line_ids:
            p = f"l{line_id}_"
            batches = delivery_batches(self.cleaned_data.get(p + "batches") or "", where=f"Line {line_id}: ")
            answer = LineAnswer(
                quantity=self.cleaned_data[p + "quantity"],
                unit_price=self.cleaned_data[p + "unit_price"],
                promised_date=self.cleaned_data[p + "promised_date"],
                batches=batches,
                leave_open=self.cleaned_data[p + "leave_open"],
                draft=bool(self.cleaned_data.get(p + "draft")),
            )
            if any(vars(answer).values()):
                result[line_id] = answer
        return result


class DeliverForm(forms.Form):
    delivery_date = DateField(label=_("Delivery date"), initial=date.today)
    tracking_number = XmlTextField(label=_("Tracking number"), required=False, max_length=200)
    lines = forms.CharField(
        label=_("Lines"),
        required=False,
        max_length=500,
        help_text=_("Line numbers, comma separated; empty: the whole order"),
    )
    batches = forms.CharField(
        label=_("Batches"), required=False, max_length=1000, help_text=_("Or delivery batch ids, comma separated")
    )
