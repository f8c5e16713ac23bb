import re
from datetime import date
from decimal import Decimal

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from common.forms import DateField, DecimalField, XmlTextField
from common.params import max_body

# A batch's quantity as the line's own is checked: above zero, finite, and what the columns hold.
_BATCH_QUANTITY = DecimalField(min_value=Decimal("0.0001"), max_digits=18, decimal_places=4)


def delivery_batches(text: str, *, where: str = "") -> list[tuple[Decimal, date]]:
    """``quantity@YYYY-MM-DD; …`` as (quantity, date) pairs, or a ValidationError naming the part.
    The quantity takes a decimal point or a decimal comma (5.5 or 5,5)."""
    result = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        qty, _at, when = part.partition("@")
        try:
            day = date.fromisoformat(when.strip())
        except ValueError:
            raise forms.ValidationError(
                _("%(where)s“%(part)s” is not quantity@YYYY-MM-DD, such as 40@2027-01-15"),
                params={"where": where, "part": part},
            ) from None
        qty = qty.strip()
        if qty.count(",") == 1 and "." not in qty:
            # A decimal comma, as Finnish is written: batches are separated by semicolons, so a
            # comma can be nothing else here.
            qty = qty.replace(",", ".")
        try:
            quantity = _BATCH_QUANTITY.clean(qty)
        except forms.ValidationError as exc:
            raise forms.ValidationError(
                _("%(where)s“%(part)s”: %(problem)s"),
                params={"where": where, "part": part, "problem": " ".join(exc.messages)},
            ) from None
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
        # Translated once, not once a line: a lazy text formatted 5,000 times took some 60 ms of a
        # 5,000-line order's line-by-line decision.
        label = str(_("Accept line %(line)s"))
        for line_id in self.line_ids:
            self.fields[f"accept_{line_id}"] = forms.BooleanField(required=False, label=label % {"line": line_id})

    def accepted(self) -> list[str]:
        return [line_id for line_id in self.line_ids if self.cleaned_data.get(f"accept_{line_id}")]


# One field of each kind reads every posted line and batch (ReceiveForm._clean_fields): a field per
# batch was 15,000 fields to build, copy and bind for a 5,000-line order, most of the form's time.
# Their values and errors go where a field of their own would put them.
_WHOLE_LINE = forms.BooleanField(required=False)
_RECEIVED_NOW = DecimalField(required=False, min_value=Decimal("0"), max_digits=18, decimal_places=4)
# At most 14 digits before the point and 4 after it: _RECEIVED_NOW takes such a text as it is.
_PLAIN_QUANTITY = re.compile(r"[0-9]{1,14}(\.[0-9]{1,4})?")


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
        self.line_keys = [(f"line_{line_id}", line_id) for line_id in dict.fromkeys(b.line.line_id for b in batches)]
        self.batch_keys = [(f"qty_{batch.pk}", batch) for batch in batches]

    def _clean_fields(self):
        super()._clean_fields()
        for field, keys in ((_WHOLE_LINE, self.line_keys), (_RECEIVED_NOW, self.batch_keys)):
            for key, _thing in keys:
                value = field.widget.value_from_datadict(self.data, self.files, key)
                # What the field would say of a blank (nothing) or a plain number within its
                # digits (that number), said without it: most of 10,000 posted values are such.
                if value in field.empty_values or value is False:
                    self.cleaned_data[key] = None if field is _RECEIVED_NOW else False
                    continue
                if field is _RECEIVED_NOW and _PLAIN_QUANTITY.fullmatch(value):
                    self.cleaned_data[key] = Decimal(value)
                    continue
                try:
                    self.cleaned_data[key] = field.clean(value)
                except forms.ValidationError as exc:
                    self._errors.setdefault(key, self.error_class(renderer=self.renderer)).extend(exc.error_list)

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
            queryset=Integration.objects.filter(kind=Kind.PURCHASE_ORDER, enabled=True, archived_at__isnull=True),
            empty_label=None,
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


class SalesAnswerForm(forms.Form):
    """Confirm with changes: one row of fields per line of the customer's order (its rows, with
    their batches). A line gets a split field only where answer.may_split lets it be split, and a
    Draft box only where Draft is allowed. A refusal of the answer is placed beside the line it names
    (``place``), and the fields keep what was typed."""

    FIELDS = ("quantity", "unit_price", "promised_date", "batches", "leave_open", "draft")
    LABELS = {
        "quantity": _("Line {line}: quantity"),
        "unit_price": _("Line {line}: unit price"),
        "promised_date": _("Line {line}: promised date"),
        "batches": _("Line {line}: split into batches (qty@date; …)"),
        "leave_open": _("Line {line}: leave open"),
        "draft": _("Line {line}: draft"),
    }

    note = XmlTextField(label=_("Note"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, lines=(), allow_new_batches=False, allow_draft=False, **kwargs):
        from .sales.answer import may_split

        super().__init__(*args, **kwargs)
        self.allow_new_batches = allow_new_batches
        self.lines = [line for line in lines if line.status != "Cancelled"]
        self.line_ids = [line.line_id for line in self.lines]
        self.refusals: dict[str, list[str]] = {}  # line id → what was refused there
        for line in self.lines:
            p = f"l{line.line_id}_"
            batch_count = len(line.batches.all())
            self.fields[p + "quantity"] = DecimalField(
                required=False, min_value=Decimal(0), max_digits=18, decimal_places=4
            )
            self.fields[p + "unit_price"] = DecimalField(
                required=False, min_value=Decimal(0), max_digits=18, decimal_places=6
            )
            self.fields[p + "promised_date"] = DateField(required=False)
            if may_split(batch_count, allow_new_batches=allow_new_batches):
                self.fields[p + "batches"] = forms.CharField(
                    required=False,
                    max_length=1000,
                    help_text=None
                    if allow_new_batches
                    else format_lazy(_("one part for each of the customer's {count} batches"), count=batch_count),
                )
            self.fields[p + "leave_open"] = forms.BooleanField(required=False)
            if allow_draft:
                self.fields[p + "draft"] = forms.BooleanField(required=False)
            for name in self.FIELDS:
                if p + name in self.fields:
                    label = format_lazy(self.LABELS[name], line=line.line_id)
                    self.fields[p + name].label = label
                    self.fields[p + name].widget.attrs["aria-label"] = label

    @property
    def splits(self) -> bool:
        """Whether any line offers a split (the column is left out where none does)."""
        return any(name.endswith("_batches") for name in self.fields)

    def rows(self):
        """(line row, its fields in FIELDS order with None where the line has no such field, what
        was refused on the line)."""
        return [
            (
                line,
                [
                    self[f"l{line.line_id}_{name}"] if f"l{line.line_id}_{name}" in self.fields else None
                    for name in self.FIELDS
                ],
                self.refusals.get(line.line_id, []),
            )
            for line in self.lines
        ]

    def place(self, refusal) -> list[str]:
        """Put each problem of ``refusal`` (a Refused, with ``problems`` when several) beside its line;
        the messages of those no line of the form holds are returned."""
        elsewhere = []
        for problem in getattr(refusal, "problems", None) or [refusal]:
            line_id = getattr(problem, "line_id", None)
            if line_id in self.line_ids:
                self._refuse(line_id, [problem.message])
            else:
                elsewhere.append(problem.message)
        return elsewhere

    def _refuse(self, line_id: str, texts: list[str]):
        self.refusals.setdefault(line_id, []).extend(texts)
        for name in self.FIELDS:  # a screen reader reads the refusal with each of the line's fields
            if f"l{line_id}_{name}" in self.fields:
                self.fields[f"l{line_id}_{name}"].widget.attrs["aria-describedby"] = f"refusal-{line_id}"

    def answers(self) -> dict:
        """The typed answers per line; a batch text that cannot be read is put on its field and
        raised together with every other one."""
        from .sales.answer import LineAnswer

        result, errors = {}, []
        for line_id in self.line_ids:
            p = f"l{line_id}_"
            try:
                batches = delivery_batches(
                    self.cleaned_data.get(p + "batches") or "", where=_("Line %(line)s: ") % {"line": line_id}
                )
            except forms.ValidationError as exc:
                self._refuse(line_id, exc.messages)
                errors.extend(exc.messages)
                continue
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
        if errors:
            raise forms.ValidationError(errors)
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
