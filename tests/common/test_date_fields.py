"""Date fields in every language: the picker keeps its default (today) and a date typed the
reader's way is read. A Finnish page once rendered ``value="01.12.2026"``, which no browser's
``<input type=date>`` takes, so Receive came up without its date."""

from __future__ import annotations

import inspect
import re
from datetime import date

import pytest
from django import forms
from django.utils import translation

import orders.forms
import sandbox.forms
import shipments.forms
from common.forms import DateField
from orders.forms import DeliverForm, ReceiveForm
from shipments.forms import ShipmentReceiveForm

FORM_MODULES = (orders.forms, shipments.forms, sandbox.forms)


def date_fields():
    for module in FORM_MODULES:
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                for field_name, field in cls.base_fields.items():
                    if isinstance(field, forms.DateField):
                        yield f"{name}.{field_name}", field


@pytest.mark.parametrize("language", ["en", "fi"])
@pytest.mark.parametrize("form", [ReceiveForm, DeliverForm, ShipmentReceiveForm])
def test_it_keeps_today_as_the_default_in_every_language(form, language):
    with translation.override(language):
        html = str(form()[next(n for n, f in form.base_fields.items() if f.initial == date.today)])
    assert re.search(rf'type="date"[^>]*value="{date.today().isoformat()}"', html), html


def test_it_reads_the_date_as_a_finnish_reader_types_it():
    with translation.override("fi"):
        assert DateField().clean("2.12.2026") == date(2026, 12, 2)
        assert DateField().clean("2026-12-02") == date(2026, 12, 2)  # the picker's own


def test_it_reads_the_date_as_an_english_reader_types_it():
    with translation.override("en"):
        assert DateField().clean("2026-12-02") == date(2026, 12, 2)


def test_every_date_field_is_the_shared_one():
    found = dict(date_fields())
    assert "ReceiveForm.received_date" in found
    assert {name for name, field in found.items() if not isinstance(field, DateField)} == set()
    with translation.override("fi"):
        for name, field in found.items():
            html = field.widget.render("d", date(2026, 12, 2))
            assert 'value="2026-12-02"' in html, name
