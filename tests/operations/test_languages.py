"""English and Finnish: every template string is marked for translation, the Finnish catalogue is
complete and compiled, each person's choice is kept, and dates follow the language."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "fi" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
TAG = re.compile(r"(\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}|<[^>]*>)", re.S)
# Names that stay as they are in every language.
UNTRANSLATED = {"Jakamo Portal", "· Jakamo Portal", "OrderResponse", "SHA-256:"}


def templates():
    return [p for p in ROOT.rglob("*.html") if ".venv" not in p.parts and "test-artifacts" not in p.parts]


def untranslated_text(path: Path) -> list[str]:
    text = re.sub(r"\{% blocktranslate.*?\{% endblocktranslate %\}", "", path.read_text(), flags=re.S)
    found, raw = [], False
    for i, part in enumerate(TAG.split(text)):
        if i % 2:
            if re.match(r"<(code|pre|style|script)\b", part, re.I):
                raw = True
            elif re.match(r"</(code|pre|style|script)>", part, re.I):
                raw = False
            found += [
                m.group(2)
                for m in re.finditer(r'\b(placeholder|title|aria-label)="([^"{]*[A-Za-z]{2}[^"{]*)"', part)
                if m.group(2) not in UNTRANSLATED
            ]
        elif not raw and re.search(r"[A-Za-z]{2}", part) and part.strip() not in UNTRANSLATED:
            found.append(part.strip())
    return found


def test_every_template_string_is_marked_for_translation():
    missing = {str(p.relative_to(ROOT)): untranslated_text(p) for p in templates()}
    assert {k: v for k, v in missing.items() if v} == {}


def test_the_finnish_catalogue_is_complete_and_compiled():
    po = polib.pofile(str(PO))
    assert po.percent_translated() == 100, [e.msgid for e in po.untranslated_entries()][:20]
    assert not po.fuzzy_entries()
    compiled = {e.msgid: e.msgstr for e in polib.mofile(str(MO)) if e.msgid and not e.msgid_plural}
    assert compiled == {e.msgid: e.msgstr for e in po if not e.msgid_plural and not e.obsolete}, (
        "locale/fi/LC_MESSAGES/django.mo is out of date: run `make messages`"
    )
    for entry in (e for e in po if not e.msgid_plural):  # placeholders survive translation
        assert sorted(re.findall(r"%\(\w+\)s", entry.msgid)) == sorted(re.findall(r"%\(\w+\)s", entry.msgstr)), entry


@pytest.mark.skipif(not shutil.which("xgettext"), reason="GNU gettext (xgettext) is not installed")
def test_no_string_in_the_code_is_missing_from_the_catalogue(tmp_path):
    copy = tmp_path / "portal"
    shutil.copytree(
        ROOT, copy, ignore=shutil.ignore_patterns(".venv", ".git", "test-artifacts", "*.sqlite3*", "staticfiles")
    )
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "fi", "--ignore=tests", "--ignore=bench", "--no-obsolete"],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    fresh = {e.msgid for e in polib.pofile(str(copy / "locale/fi/LC_MESSAGES/django.po"))}
    kept = {e.msgid for e in polib.pofile(str(PO))}
    assert fresh - kept == set(), "new strings: run `make messages` and translate them"


@pytest.mark.django_db
def test_the_choice_is_the_persons_and_dates_follow_it(client, purchaser):
    from operations.models import Preference

    client.force_login(purchaser)
    page = client.get(reverse("home")).content.decode()
    assert 'lang="en"' in page and "Purchasing" in page
    response = client.post(reverse("set_language"), {"language": "fi", "next": "/orders/purchase/"})
    assert response.status_code == 302 and response["Location"] == "/orders/purchase/"
    assert Preference.objects.get(user=purchaser).language == "fi"
    page = client.get(reverse("home")).content.decode()
    assert 'lang="fi"' in page and "<h2>Osto</h2>" in page
    assert "Tarkastusta odottavat vahvistukset" in page

    client.logout()
    client.force_login(purchaser)  # a new session reads the person's choice
    assert "Tarkastusta odottavat vahvistukset" in client.get(reverse("home")).content.decode()

    assert client.post(reverse("set_language"), {"language": "xx"}).status_code == 400
    response = client.post(reverse("set_language"), {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"  # never an open redirect
    for odd in ["home", "-1", "orders:purchase_list", "../admin/", "//evil.example/", "/\\evil.example"]:
        response = client.post(reverse("set_language"), {"language": "en", "next": odd})
        assert (response.status_code, response["Location"]) == (302, "/"), odd


def test_formats_follow_the_language():
    from datetime import date
    from decimal import Decimal

    from django.utils import formats, translation

    with translation.override("fi"):
        assert formats.date_format(date(2026, 11, 23), "SHORT_DATE_FORMAT") == "23.11.2026"
        assert formats.number_format(Decimal("1234.5"), 2) == "1234,50"
    with translation.override("en"):
        assert formats.date_format(date(2026, 11, 23), "SHORT_DATE_FORMAT") == "2026-11-23"
        assert formats.number_format(Decimal("1234.5"), 2) == "1234.50"


def test_the_default_time_zone_is_helsinki(settings):
    assert settings.TIME_ZONE == "Europe/Helsinki"
