"""The seller's answer to a customer's order, as one rule set for every way an OrderResponse leaves:
the answer form (``build_lines``), the gateway's ERP documents and rejections (``check_answer``).

The rules (SO document 6.3, PO document 6.3.4 and 6.4):

- every batch the customer asked for is kept, under its own id, in a line we confirm;
- a new batch only where the integration allows it, numbered after the batch it splits
  (``<id>.1``, ``<id>.2``…);
- a line's batches add up to the line;
- Draft only where the integration allows it;
- a line we change is "Confirmed with changes", one we take as asked "Confirmed";
- a supplier never sends a buyer's status (Started receiving, Received);
- no new batch on a line we reported delivered (``delivered_line_problems``).

Each problem is a ``Refused`` naming the line and batch; the rules are pure (no database)."""

from __future__ import annotations

import copy
import dataclasses
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from common.errors import Refused
from jakamo import ubl
from orders import deviations as dv
from orders.transitions import SUPPLIER_LINE_STATUSES

BUYER_STATUSES = frozenset({ubl.STARTED_RECEIVING, ubl.RECEIVED})
# What makes a line "changed": the values a customer has to accept. Open and Draft are statuses,
# not changes.
_CHANGE_KINDS = frozenset({dv.QUANTITY, dv.PRICE, dv.DATE, dv.ADDED_BATCH, dv.UNCONFIRMED_BATCH})


@dataclass
class LineAnswer:
    """How we confirm one line. Unset values are confirmed as the customer asked."""

    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    promised_date: date | None = None
    batches: list[tuple[Decimal, date]] = field(default_factory=list)  # split into these
    leave_open: bool = False
    draft: bool = False


# -- refusals ---------------------------------------------------------------------------------------
class _Joined:
    """Parts joined when the message is rendered, so each part speaks the reader's language."""

    def __init__(self, parts, separator: str = "; "):
        self.parts, self.separator = list(parts), separator

    def __str__(self) -> str:
        return self.separator.join(str(p) for p in self.parts)


def together(problems: list[Refused]) -> Refused:
    """One refusal for several problems: the first one's code, every message. ``problems`` on it
    keeps each (the gateway answers one <error> line per problem)."""
    if len(problems) == 1:
        exc = problems[0]
    else:
        exc = Refused(problems[0].code, "%(problems)s", where=problems[0].where, problems=_Joined(problems))
    exc.problems = list(problems)
    return exc


def _place(line_id: str, batch_id: str | None = None):
    if batch_id is None:
        return format_lazy(_("Line {line}"), line=line_id)
    return format_lazy(_("Line {line}, batch {batch}"), line=line_id, batch=batch_id)


def _where(line_id: str, batch_id: str | None = None) -> str:
    return f"line {line_id}" + (f", batch {batch_id}" if batch_id is not None else "")


def _refused(code: str, template, line_id: str, batch_id: str | None = None, **params) -> Refused:
    exc = Refused(code, template, where=_where(line_id, batch_id), place=_place(line_id, batch_id), **params)
    # The answer form shows each problem beside its line's fields.
    exc.line_id, exc.batch_id = line_id, batch_id
    return exc


def may_split(batch_count: int, *, allow_new_batches: bool) -> bool:
    """Whether our answer may split a line with the customer's ``batch_count`` batches: into new
    batches only where the integration allows them (``_split``), else only across the customer's own
    batches, which takes two or more."""
    return allow_new_batches or batch_count > 1


def _n(value) -> str:
    if value is None:
        return "—"
    text = format(Decimal(value).normalize(), "f")
    return "0" if text == "-0" else text


def _ids(deliveries) -> str:
    return ", ".join(d.id or "—" for d in deliveries) or "—"


# -- the rules ----------------------------------------------------------------------------------------
def line_changes(requested: ubl.OrderLine, answered: ubl.OrderLine) -> list[dv.Deviation]:
    """Where our answer's values differ from what the customer asked on this line (quantity, unit
    price, dates, batches), whatever status the answer gives it: the deviation engine's reading."""
    probe = dataclasses.replace(answered, line_status_code=ubl.CONFIRMED)
    asked = ubl.OrderDocument(kind=ubl.ORDER, id="", lines=[requested])
    answer = ubl.OrderDocument(kind=ubl.ORDER_RESPONSE, id="", lines=[probe])
    return [d for d in dv.compare(asked, answer).deviations if d.kind in _CHANGE_KINDS]


def _new_batch_of(batch_id: str, originals: list[str]) -> str | None:
    """The original batch a new batch id splits (``B1.2`` splits ``B1``), or None."""
    for original in originals:
        if original and re.fullmatch(re.escape(original) + r"\.[1-9][0-9]*", batch_id):
            return original
    return None


def check_answer(
    requested: ubl.OrderDocument, response: ubl.OrderDocument, *, allow_new_batches: bool, allow_draft: bool
) -> list[Refused]:
    """Every way ``response`` breaks the rules (module docstring) against the customer's latest
    version ``requested``; empty when it may go to Jakamo."""
    problems: list[Refused] = []
    asked = {line.id: line for line in requested.lines}
    for line in response.lines:
        req = asked.get(line.id)
        if req is None:
            problems.append(
                _refused(
                    "no_such_line",
                    _("%(place)s: the customer's order %(order)s has no such line."),
                    line.id,
                    order=requested.id,
                )
            )
            continue
        status = ubl.normalise_status(line.line_status_code)
        if status in BUYER_STATUSES:
            problems.append(
                _refused(
                    "buyer_status",
                    _(
                        "%(place)s: “%(status)s” is the customer's to set; a supplier sends Open, Draft, "
                        "Confirmed, Confirmed with changes or Cancelled."
                    ),
                    line.id,
                    status=status,
                )
            )
            continue
        if status and status not in SUPPLIER_LINE_STATUSES:
            problems.append(
                _refused(
                    "unknown_line_status",
                    _(
                        "%(place)s: “%(status)s” is no line status; a supplier sends Open, Draft, Confirmed, "
                        "Confirmed with changes or Cancelled."
                    ),
                    line.id,
                    status=status,
                )
            )
            continue
        if status == ubl.DRAFT and not allow_draft:
            problems.append(
                _refused(
                    "draft_not_allowed",
                    _("%(place)s: this integration does not allow Draft lines; confirm the line or leave it open."),
                    line.id,
                )
            )
        problems.extend(_negative_values(line))
        if status == ubl.CANCELLED:
            continue
        problems.extend(_batch_problems(req, line, allow_new_batches=allow_new_batches, open_line=status == ubl.OPEN))
        if status == ubl.CONFIRMED:
            changes = line_changes(req, line)
            if changes:
                problems.append(
                    _refused(
                        "changed_line_confirmed",
                        _(
                            "%(place)s differs from what the customer asked (%(changes)s) but says Confirmed; "
                            "a line we change is “Confirmed with changes”."
                        ),
                        line.id,
                        changes=_Joined((_change_text(d) for d in changes), ", "),
                    )
                )
    return problems


def _change_text(deviation: dv.Deviation):
    what = dv.KIND_LABELS[deviation.kind]
    if deviation.batch_id:
        what = format_lazy(_("{what} of batch {batch}"), what=what, batch=deviation.batch_id)
    return format_lazy("{what} {before} → {after}", what=what, before=deviation.ordered, after=deviation.confirmed)


def _negative_values(line: ubl.OrderLine) -> list[Refused]:
    problems = []
    template = _("%(place)s: a negative quantity (%(quantity)s).")
    if line.quantity is not None and line.quantity.value < 0:
        problems.append(_refused("negative_quantity", template, line.id, quantity=_n(line.quantity.value)))
    for d in line.deliveries:
        if d.quantity is not None and d.quantity.value < 0:
            problems.append(
                _refused("negative_quantity", template, line.id, d.id or "—", quantity=_n(d.quantity.value))
            )
    if line.price and line.price.amount and line.price.amount.value < 0:
        problems.append(
            _refused(
                "negative_price",
                _("%(place)s: a negative price (%(price)s)."),
                line.id,
                price=_n(line.price.amount.value),
            )
        )
    return problems


def delivered_line_problems(response: ubl.OrderDocument, delivered: dict[str, set[str]]) -> list[Refused]:
    """A batch ``response`` adds to a line we reported delivered (``delivered``: each such line's id
    and its batch ids). Jakamo holds a line delivered once every batch it has is, so the new batch
    would open the line there again, while Delivered is final here."""
    problems = []
    for line in response.lines:
        batches = delivered.get(line.id)
        if batches is None:
            continue
        problems += [
            _refused(
                "line_delivered",
                _("%(place)s: the line is delivered; an answer cannot add a delivery batch to it."),
                line.id,
                d.id or "—",
            )
            for d in line.deliveries
            if (d.id or "") not in batches
        ]
    return problems


def _batch_problems(req: ubl.OrderLine, line: ubl.OrderLine, *, allow_new_batches: bool, open_line: bool):
    problems = []
    originals = [d.id for d in req.deliveries if d.id]
    answered = [d.id or "" for d in line.deliveries]
    for batch_id in answered:
        if batch_id in originals:
            continue
        if _new_batch_of(batch_id, originals) is not None:
            if not allow_new_batches:
                problems.append(
                    _refused(
                        "new_batches_not_allowed",
                        _(
                            "%(place)s: this integration does not allow new delivery batches; confirm the "
                            "customer's batches (%(batches)s) only."
                        ),
                        line.id,
                        batch_id,
                        batches=_ids(req.deliveries),
                    )
                )
            continue
        problems.append(
            _refused(
                "unknown_batch",
                _(
                    "%(place)s: the customer's order has no such batch (its batches: %(batches)s); a new batch "
                    "is numbered after the one it splits, as %(example)s."
                ),
                line.id,
                batch_id or "—",
                batches=_ids(req.deliveries),
                example=f"{originals[-1]}.1" if originals else f"{line.id}.1",
            )
        )
    if open_line:
        return problems  # nothing confirmed on an open line: no quantities to keep or add up
    for batch_id in originals:
        if batch_id not in answered:
            problems.append(
                _refused(
                    "batch_missing",
                    _(
                        "%(place)s: the customer's batch is missing from the answer; every batch the customer "
                        "asked for stays, under its own id (leave the line open or cancel it instead)."
                    ),
                    line.id,
                    batch_id,
                )
            )
    quantities = [d.quantity.value for d in line.deliveries if d.quantity is not None]
    complete = quantities and len(quantities) == len(line.deliveries)
    if line.quantity is not None and complete and sum(quantities) != line.quantity.value:
        problems.append(_adds_up(line.id, sum(quantities), line.quantity.value))
    return problems


def _adds_up(line_id: str, total, quantity) -> Refused:
    return _refused(
        "batches_do_not_add_up",
        _("%(place)s: the batches add up to %(total)s, the line is %(quantity)s."),
        line_id,
        total=_n(total),
        quantity=_n(quantity),
    )


# -- the answer form's lines ----------------------------------------------------------------------------
def build_lines(
    requested: ubl.OrderDocument, answers: dict[str, LineAnswer], *, allow_new_batches: bool, reject: bool = False
) -> list[ubl.OrderLine]:
    """Our OrderResponse's lines for the customer's version ``requested``: each line as asked, or
    as ``answers`` says; every line Cancelled when rejecting. Raises ``Refused`` (all problems) for an
    answer the rules cannot turn into batches; ``check_answer`` still reads the result."""
    lines, problems = [], []
    for line in requested.lines:
        try:
            lines.append(
                _answer_line(
                    line, answers.get(line.id, LineAnswer()), allow_new_batches=allow_new_batches, reject=reject
                )
            )
        except Refused as exc:
            problems.extend(getattr(exc, "problems", [exc]))
    if problems:
        raise together(problems)
    return lines


def _answer_line(line: ubl.OrderLine, answer: LineAnswer, *, allow_new_batches: bool, reject: bool) -> ubl.OrderLine:
    unit = line.quantity.unit_code if line.quantity else None
    asked = line.quantity.value if line.quantity else None
    quantity = answer.quantity if answer.quantity is not None else asked
    price = line.price
    if answer.unit_price is not None and price is not None and price.amount is not None:
        base = price.base_quantity.value if price.base_quantity else Decimal(1)
        price = ubl.Price(ubl.Amount(answer.unit_price * base, price.amount.currency), price.base_quantity)
    result = ubl.OrderLine(
        id=line.id,
        quantity=ubl.Quantity(quantity, unit) if quantity is not None else None,
        deliveries=[],
        price=price,
        item=copy.deepcopy(line.item),
    )
    if reject or dv.is_cancelled(line):
        result.quantity = line.quantity
        result.price = line.price
        result.line_status_code = ubl.CANCELLED
        result.deliveries = [_promised(d, d.quantity, None) for d in line.deliveries]
        return result
    if answer.leave_open:
        result.line_status_code = ubl.OPEN
        result.deliveries = [ubl.Delivery(id=d.id) for d in line.deliveries]
        return result
    if answer.batches:
        result.deliveries = _split(line, answer.batches, quantity, unit, allow_new_batches=allow_new_batches)
    else:
        if answer.quantity is not None and answer.quantity != asked and len(line.deliveries) > 1:
            raise _refused(
                "split_required",
                _(
                    "%(place)s has %(count)s delivery batches (%(batches)s): say how %(quantity)s splits "
                    "between them under “Split into batches”."
                ),
                line.id,
                count=len(line.deliveries),
                batches=", ".join(f"{d.id} {_n(d.quantity.value if d.quantity else None)}" for d in line.deliveries),
                quantity=_n(answer.quantity),
            )
        single = len(line.deliveries) == 1 and answer.quantity is not None
        result.deliveries = [
            _promised(d, ubl.Quantity(answer.quantity, unit) if single else d.quantity, answer.promised_date)
            for d in line.deliveries
        ]
    if answer.draft:
        result.line_status_code = ubl.DRAFT
    else:
        result.line_status_code = ubl.CONFIRMED_WITH_CHANGES if line_changes(line, result) else ubl.CONFIRMED
    result.line_extension_amount = _confirmed_amount(line, result)
    return result


def _confirmed_amount(line: ubl.OrderLine, result: ubl.OrderLine) -> ubl.Amount:
    """The line's LineExtensionAmount for what we confirm: Jakamo takes it before its own
    calculation (PO document 6.1), so the customer's amount for the quantity and price they asked
    would contradict ours. The confirmed quantity × unit price, with the customer's discount (their
    amount or allowances) applied to it as the deviation engine reads it; to the cent where the
    scaling leaves more."""
    value = dv.confirmed_line_value(line, result)
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        value = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    currency = (line.line_extension_amount.currency if line.line_extension_amount else None) or (
        line.price.amount.currency if line.price and line.price.amount else None
    )
    return ubl.Amount(value, currency)


def _promised(d: ubl.Delivery, quantity: ubl.Quantity | None, when: date | None) -> ubl.Delivery:
    promised = when or d.requested_end_date or d.requested_start_date
    return ubl.Delivery(id=d.id, quantity=quantity, promised_start_date=promised, promised_end_date=promised)


def _split(line: ubl.OrderLine, parts, quantity, unit, *, allow_new_batches: bool) -> list[ubl.Delivery]:
    """The customer's batches in order take the first parts (their ids kept); parts beyond them are
    new batches numbered after the last one (``<id>.1``, ``<id>.2``…), where the integration allows."""
    originals = [d.id for d in line.deliveries if d.id]
    listing = ", ".join(originals) or "—"
    if len(parts) < len(originals):
        dropped = originals[len(parts)]
        raise _refused(
            "batch_missing",
            _(
                "%(place)s: the split has %(parts)s parts for the customer's %(count)s batches (%(batches)s), "
                "so this batch would be dropped; give one part for each, in order."
            ),
            line.id,
            dropped,
            parts=len(parts),
            count=len(originals),
            batches=listing,
        )
    if len(parts) > len(originals) and not allow_new_batches:
        raise _refused(
            "new_batches_not_allowed",
            _(
                "%(place)s: this integration does not allow new delivery batches, so the split has at most "
                "%(count)s parts, one for each of the customer's batches (%(batches)s)."
            ),
            line.id,
            count=len(originals),
            batches=listing,
        )
    total = sum((q for q, _when in parts), Decimal(0))
    if total != quantity:
        raise _adds_up(line.id, total, quantity)
    base = originals[-1] if originals else line.id
    ids, n = list(originals), 0
    while len(ids) < len(parts):
        n += 1
        if f"{base}.{n}" not in originals:
            ids.append(f"{base}.{n}")
    return [
        ubl.Delivery(id=batch_id, quantity=ubl.Quantity(qty, unit), promised_start_date=when, promised_end_date=when)
        for batch_id, (qty, when) in zip(ids, parts, strict=True)
    ]
