"""Text a person reads reaches the translation catalogue: labels of forms built on models (whose
names are English data) and texts looked up inside f-strings, which gettext's extractor never
reads, so they stayed English on Finnish pages."""

from __future__ import annotations

import re
from pathlib import Path

from django.utils import translation

from mappings.forms import CompanyMappingForm
from orders.forms import LinesForm

ROOT = Path(__file__).resolve().parents[2]
APPS = ("common", "exchange", "gateway", "jakamo_portal", "mappings", "operations", "orders", "sandbox", "shipments")


def test_no_text_is_looked_up_inside_an_f_string():
    found = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if re.search(r"""\bf(["']).*\{[^}]*\b_\(\s*["']""", line):
                    found.append(f"{path.relative_to(ROOT)}:{number}")
    assert found == []


def test_the_company_mapping_form_speaks_the_readers_language():
    with translation.override("fi"):
        form = CompanyMappingForm()
        assert str(form.fields["identifier"].label) == "Oma tunnisteemme"
        assert str(form.fields["role"].label) == "Rooli"


def test_the_line_by_line_boxes_are_labelled_through_the_catalogue(monkeypatch):
    # The label is looked up when the form is made, for the reader's language: here a catalogue
    # stand-in proves the lookup happens (the Finnish text comes with the lead's merge).
    import orders.forms

    monkeypatch.setattr(orders.forms, "_", lambda text: text.upper().replace("%(LINE)S", "%(line)s"))
    assert str(LinesForm(line_ids=["1"]).fields["accept_1"].label) == "ACCEPT LINE 1"
