"""Form fields shared by the apps."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from jakamo.xmlsafe import NOT_XML_CHAR


def validate_xml_text(value: str) -> None:
    """Refuse text that no XML message can carry, before it reaches a builder."""
    match = NOT_XML_CHAR.search(value or "")
    if match is not None:
        raise ValidationError(
            _(
                "Contains the character U+%(code)s (character %(position)s), which a message to Jakamo "
                "cannot carry. Remove it: such characters usually come with text pasted from a spreadsheet."
            ),
            code="xml_character",
            params={"code": f"{ord(match.group()):04X}", "position": match.start() + 1},
        )


class XmlTextField(forms.CharField):
    """Text that goes into a message to Jakamo."""

    default_validators = [validate_xml_text]


class DecimalField(forms.DecimalField):
    """Django's, with a value that is no finite number refused on reading it rather than later, in
    ``validate``. A signalling NaN ("sNaN") read as a Decimal raises InvalidOperation the moment it is
    compared, and a formset compares every row with its initial values before validating anything:
    "sNaN" in a line's base quantity was a 500."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is not None and not value.is_finite():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return value


class DateInput(forms.DateInput):
    """The browser's date picker. Its value is always ISO (yyyy-mm-dd, HTML's "valid date string"),
    whatever the reader's language: a Finnish "01.12.2026" is no value for ``<input type=date>``, so
    the browser showed the field empty and the default (today) was lost."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class DateField(forms.DateField):
    """A date from the picker (ISO) or typed in the reader's language's own way (23.11.2026 in
    Finnish) where a browser has no picker: Django's input formats for the active language always
    include ISO."""

    widget = DateInput
