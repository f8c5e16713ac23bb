from datetime import date
from decimal import Decimal

from django import forms


class AcceptForm(forms.Form):
    note = forms.CharField(required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    emphasize_original = forms.BooleanField(
        required=False,
        label="Emphasize the originally agreed details",
        help_text="Acknowledge the supplier's values as a technicality; Jakamo keeps showing what was agreed.",
    )


class RejectForm(forms.Form):
    note = forms.CharField(required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class LinesForm(forms.Form):
    note = forms.CharField(required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, line_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.line_ids = list(line_ids)
        for line_id in self.line_ids:
            self.fields[f"accept_{line_id}"] = forms.BooleanField(required=False, label=f"Accept line {line_id}")

    def accepted(self) -> list[str]:
        return [line_id for line_id in self.line_ids if self.cleaned_data.get(f"accept_{line_id}")]


class ReceiveForm(forms.Form):
    """One row per delivery batch: the quantity received now (blank: nothing)."""

    received_date = forms.DateField(initial=date.today, widget=forms.DateInput(attrs={"type": "date"}))
    event_date = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="When the receipt happened, if not the received date",
    )

    def __init__(self, *args, batches=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.batch_keys = []
        for batch in batches:
            key = f"qty_{batch.pk}"
            self.batch_keys.append((key, batch))
            self.fields[key] = forms.DecimalField(
                required=False, min_value=Decimal("0"), max_digits=18, decimal_places=4
            )

    def quantities(self) -> dict | None:
        """(line id, batch id) → quantity; None means everything still open."""
        if self.cleaned_data.get("everything"):
            return None
        result = {}
        for key, batch in self.batch_keys:
            value = self.cleaned_data.get(key)
            if value:
                result[(batch.line.line_id, batch.batch_id)] = value
        return result

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("everything") and not self.quantities():
            raise forms.ValidationError("Enter a received quantity for at least one batch.")
        return data
