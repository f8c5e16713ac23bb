"""CSV import and export of mappings: every row checked first, errors reported by row, and
nothing saved unless every row is right."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.core.exceptions import FieldDoesNotExist
from django.db import transaction
from django.db.models import CharField

from common.csv_export import FORMULA_START, cell
from common.limits import Bounds
from jakamo.xmlsafe import xml_text_problem

from . import services
from .models import CompanyMapping, ExternalField, Integration, PartnerRole, UserMapping

COMPANY_COLUMNS = [
    "identifier",
    "company_name",
    "role",
    "external_identifier",
    "external_field",
    "compound_rule_member",
    "buyer_customer_party_tags",
]
USER_COLUMNS = ["identifier", "username", "is_default"]
MAX_BYTES = 5 * 1024 * 1024
TRUE = {"1", "true", "yes", "y", "x"}
FALSE = {"", "0", "false", "no", "n"}


@dataclass
class RowError:
    row: int
    message: str

    def __str__(self):
        return f"Row {self.row}: {self.message}"


class _GuardedWriter:
    """A csv writer whose cells cannot run as spreadsheet formulas; ``_rows`` undoes the guard."""

    def __init__(self, out):
        self.writer = csv.writer(out)

    def writerow(self, row):
        self.writer.writerow([cell(v) for v in row])


def export_csv(integration: Integration, what: str) -> str:
    out = io.StringIO()
    writer = _GuardedWriter(out)
    if what == "companies":
        writer.writerow(COMPANY_COLUMNS)
        for m in CompanyMapping.objects.filter(integration=integration):
            writer.writerow(
                [
                    m.identifier,
                    m.company_name,
                    m.role,
                    m.external_identifier,
                    m.external_field,
                    "true" if m.compound_rule_member else "false",
                    m.buyer_customer_party_tags,
                ]
            )
    else:
        writer.writerow(USER_COLUMNS)
        for m in UserMapping.objects.filter(integration=integration).select_related("user"):
            writer.writerow([m.identifier, m.user.username if m.user else "", "true" if m.is_default else "false"])
    return out.getvalue()


def _unguard(value: str) -> str:
    # An exported "'=SUM(…)" comes back as the "=SUM(…)" it was.
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_START) else value


def _too_long(model, row: dict, n: int) -> list[RowError]:
    """Each cell longer than its column holds, named by row and column (never the database's 500)."""
    errors = []
    for column, value in row.items():
        try:
            field = model._meta.get_field(column)
        except FieldDoesNotExist:
            continue
        if isinstance(field, CharField):
            bounds = Bounds()
            bounds.text(value, model, column, column)
            errors.extend(RowError(n, f"{column}: {p.message}") for p in bounds.problems)
    return errors


def _boolean(row: dict, column: str, n: int, errors: list[RowError]) -> bool:
    """A yes/no cell; anything else ("maybe") is named by row and column rather than read as no."""
    value = row.get(column, "").lower()
    if value not in TRUE | FALSE:
        errors.append(
            RowError(n, f"{column} “{row.get(column)}” is not a yes/no value (true or false, 1 or 0, yes or no)")
        )
    return value in TRUE


def _rows(data: bytes, columns: list[str], model=None) -> tuple[list[dict], list[RowError]]:
    if len(data) > MAX_BYTES:
        return [], [RowError(0, f"The file is larger than {MAX_BYTES // 1024 // 1024} MB.")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return [], [RowError(0, f"The file is not UTF-8 (byte {exc.start}).")]
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in columns[:2] if c not in header]
    if missing:
        return [], [RowError(1, f"the header lacks {', '.join(missing)} (expected: {', '.join(columns)})")]
    rows, errors = [], []
    for n, raw in enumerate(reader, start=2):
        row = {(k or "").strip(): _unguard((v or "").strip()) for k, v in raw.items() if k}
        for column, value in row.items():
            problem = xml_text_problem(value)
            if problem:  # identifiers and names go into the Orders sent to Jakamo
                errors.append(RowError(n, f"{column} {problem}"))
        if model is not None:
            errors.extend(_too_long(model, row, n))
        rows.append(row)
    return rows, errors


def import_companies(integration: Integration, data: bytes, user=None) -> tuple[int, list[RowError]]:
    rows, errors = _rows(data, COMPANY_COLUMNS, CompanyMapping)
    seen = set()
    clean = []
    for n, row in enumerate(rows, start=2):
        identifier, name = row.get("identifier", ""), row.get("company_name", "")
        if not identifier:
            errors.append(RowError(n, "identifier is empty"))
        if not name:
            errors.append(RowError(n, "company_name is empty"))
        rule = (identifier, row.get("external_field", ""), row.get("external_identifier", ""))
        if rule in seen:
            errors.append(RowError(n, f"identifier “{identifier}” appears twice in the file"))
        seen.add(rule)
        role = row.get("role") or PartnerRole.SUPPLIER
        if role not in PartnerRole.values:
            errors.append(RowError(n, f"role “{role}” is not one of {', '.join(PartnerRole.values)}"))
        external_field = row.get("external_field", "")
        if external_field not in ExternalField.values:
            errors.append(
                RowError(
                    n,
                    f"external_field “{external_field}” is not one of "
                    f"{', '.join(v for v in ExternalField.values if v)} (or empty)",
                )
            )
        clean.append(
            dict(
                identifier=identifier,
                company_name=name,
                role=role,
                external_identifier=row.get("external_identifier", ""),
                external_field=external_field,
                compound_rule_member=_boolean(row, "compound_rule_member", n, errors),
                buyer_customer_party_tags=row.get("buyer_customer_party_tags", ""),
            )
        )
    if errors:
        return 0, errors
    with transaction.atomic():
        for fields in clean:
            services.save_company_mapping(integration=integration, user=user, **fields)
    return len(clean), []


def import_users(integration: Integration, data: bytes, user=None) -> tuple[int, list[RowError]]:
    rows, errors = _rows(data, USER_COLUMNS, UserMapping)
    users = {u.username: u for u in User.objects.filter(username__in=[r.get("username") for r in rows])}
    seen, defaults, clean = set(), 0, []
    for n, row in enumerate(rows, start=2):
        identifier, username = row.get("identifier", ""), row.get("username", "")
        if not identifier:
            errors.append(RowError(n, "identifier is empty"))
        if identifier in seen:
            errors.append(RowError(n, f"identifier “{identifier}” appears twice in the file"))
        seen.add(identifier)
        if username and username not in users:
            errors.append(RowError(n, f"there is no portal user “{username}”"))
        is_default = _boolean(row, "is_default", n, errors)
        defaults += is_default
        clean.append(dict(identifier=identifier, portal_user=users.get(username), is_default=is_default))
    if defaults > 1:
        errors.append(RowError(0, "more than one row is marked is_default; an integration has one DefaultUser"))
    if errors:
        return 0, errors
    with transaction.atomic():
        for fields in clean:
            services.save_user_mapping(integration=integration, user=user, **fields)
    return len(clean), []
