"""The deviation engine: where a supplier's confirmation differs from the order, per line and per
delivery batch, and what it does to the order's value. Pure functions over ``jakamo.ubl``
documents; no database.

What counts (PO document 6.2, 6.3): quantity, unit price (PriceAmount per BaseQuantity, so "120 per
10" equals "12 per 1"), promised vs requested date, the seller's item identifier when the
integration compares it, batches the supplier added (``ID.1``, ``ID.2``…) or confirmed under another
id, lines left Open, Draft lines, cancelled lines, lines the order does not have, lines repeated,
line statuses Jakamo does not have, another currency, and an order rejected by the supplier.

Values are net, by the PO document's precedence (6.1): a line's LineExtensionAmount ("the total NET
price… higher priority than the calculated value"), else quantity × PriceAmount per BaseQuantity ×
OrderableUnitFactorRate, less its allowances and plus its charges."""

from __future__ import annotations

import collections
import functools
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils import formats
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from jakamo import ubl

QUANTITY = "quantity"
PRICE = "price"
DATE = "date"
SELLERS_ITEM_ID = "sellers_item_id"
ADDED_BATCH = "added_batch"
UNCONFIRMED_BATCH = "unconfirmed_batch"
OPEN_LINE = "open_line"
DRAFT_LINE = "draft_line"
CANCELLED_LINE = "cancelled_line"
MISSING_LINE = "missing_line"
REJECTED = "rejected"
UNKNOWN_LINE = "unknown_line"
REPEATED_LINE = "repeated_line"
UNKNOWN_STATUS = "unknown_status"
CURRENCY = "currency"

KIND_LABELS = {
    QUANTITY: _("Quantity"),
    PRICE: _("Unit price"),
    DATE: _("Delivery date"),
    SELLERS_ITEM_ID: _("Seller's item id"),
    ADDED_BATCH: _("Batch added by the supplier"),
    UNCONFIRMED_BATCH: _("Batch not confirmed"),
    OPEN_LINE: _("Line left open"),
    DRAFT_LINE: _("Draft line"),
    CANCELLED_LINE: _("Line cancelled by the supplier"),
    MISSING_LINE: _("Line missing from the confirmation"),
    REJECTED: _("Order rejected by the supplier"),
    UNKNOWN_LINE: _("Line not in the order"),
    REPEATED_LINE: _("Line confirmed twice"),
    UNKNOWN_STATUS: _("Unknown line status"),
    CURRENCY: _("Currency"),
}

# The sentences that explain a deviation, by code. A confirmation keeps the code and its parameters,
# never the sentence: each reader gets it in their own language, with numbers and dates as they
# write them. Parameters named *_qty, *_price or quantity are numbers, *_date dates.
SENTENCES = {
    "currency": _(
        "The confirmation is in %(confirmed)s, the order in %(ordered)s: its prices and value cannot be "
        "compared with the order's until the supplier confirms in the order's currency."
    ),
    "repeated_line": _(
        "Line %(line)s is in the confirmation more than once; the last one is compared. Ask the supplier which "
        "one holds."
    ),
    "unknown_line": _("Line %(line)s is in the confirmation but not in the order."),
    "unknown_line_renumbered": _(
        "Line %(line)s is in the confirmation but not in the order. The order's line %(missing)s is missing "
        "from it: perhaps the supplier renumbered it."
    ),
    "missing_line": _("Line %(line)s is not in the confirmation at all."),
    "unknown_status": _(
        "Line %(line)s came back with the status “%(status)s”, which Jakamo does not have (%(statuses)s); its "
        "values are compared as confirmed. Ask the supplier what it means."
    ),
    "cancelled_line": _("The supplier cancelled line %(line)s."),
    "open_line": _("The supplier left line %(line)s open (not confirmed yet)."),
    "draft_line": _("Line %(line)s is confirmed as a draft: preliminary values, to be confirmed later."),
    "quantity": _("Line %(line)s: %(confirmed_qty)s confirmed, %(ordered_qty)s ordered."),
    "batch_quantity": _("Line %(line)s, batch %(batch)s: %(confirmed_qty)s confirmed, %(ordered_qty)s ordered."),
    "price": _("Line %(line)s: unit price %(confirmed_price)s confirmed, %(ordered_price)s ordered."),
    "sellers_item_id": _("Line %(line)s: the supplier's item id is %(confirmed)s, the order says %(ordered)s."),
    "unconfirmed_batch": _("Line %(line)s: batch %(batch)s is not in the confirmation."),
    "added_batch": _("Line %(line)s: the supplier added batch %(batch)s (%(quantity)s on %(promised_date)s)."),
}
# A date moved by so many days: the count ("days") decides the plural form.
DATE_SENTENCES = {
    "date_later": ngettext_lazy(
        "Line %(line)s, batch %(batch)s: promised %(promised_date)s, %(days)s day later than requested.",
        "Line %(line)s, batch %(batch)s: promised %(promised_date)s, %(days)s days later than requested.",
        "days",
    ),
    "date_earlier": ngettext_lazy(
        "Line %(line)s, batch %(batch)s: promised %(promised_date)s, %(days)s day earlier than requested.",
        "Line %(line)s, batch %(batch)s: promised %(promised_date)s, %(days)s days earlier than requested.",
        "days",
    ),
}


def _shown(key: str, value):
    """A parameter as the reader writes it: 13,5 and 15.1.2027 in Finnish."""
    if not isinstance(value, str) or not value:
        return value
    try:
        if key.endswith(("_qty", "_price")) or key == "quantity":
            return formats.number_format(Decimal(value))
        if key.endswith("_date"):
            return formats.date_format(date.fromisoformat(value), "SHORT_DATE_FORMAT")
    except (ArithmeticError, ValueError):
        pass  # not a number or date after all ("—"): as it is
    return value


def explain(sentence: str, params: dict) -> str:
    """The sentence of a deviation in the active language."""
    shown = {key: _shown(key, value) for key, value in params.items()}
    if sentence in DATE_SENTENCES:
        return str(DATE_SENTENCES[sentence] % {**shown, "days": int(params.get("days") or 0)})
    return gettext(SENTENCES[sentence]) % shown


@dataclass(slots=True)  # not frozen: a frozen dataclass takes four times as long to make, and a review makes hundreds
class Deviation:
    kind: str
    line_id: str | None
    batch_id: str | None
    ordered: str
    confirmed: str
    sentence: str  # a key of SENTENCES or DATE_SENTENCES
    params: dict = field(default_factory=dict)
    # The English sentence a confirmation recorded before sentences were kept as codes: shown as it
    # is where no code was kept.
    recorded: str = ""

    @property
    def label(self) -> str:
        return str(KIND_LABELS.get(self.kind, self.kind))

    @property
    def explanation(self) -> str:
        if self.sentence in SENTENCES or self.sentence in DATE_SENTENCES:
            return explain(self.sentence, self.params)
        return self.recorded

    def as_record(self) -> dict:
        """As a confirmation keeps it (JSON): codes and parameters, no sentence in any language."""
        return {
            "kind": self.kind,
            "line": self.line_id,
            "batch": self.batch_id,
            "ordered": self.ordered,
            "confirmed": self.confirmed,
            "sentence": self.sentence,
            "params": self.params,
        }

    @classmethod
    def from_record(cls, record: dict) -> Deviation:
        """A kept deviation, to show: records written before the codes keep their English sentence."""
        return cls(
            record.get("kind", ""),
            record.get("line"),
            record.get("batch"),
            record.get("ordered", ""),
            record.get("confirmed", ""),
            record.get("sentence", ""),
            record.get("params") or {},
            record.get("explanation", ""),
        )


@dataclass(slots=True)
class BatchComparison:
    batch_id: str
    ordered_quantity: Decimal | None
    confirmed_quantity: Decimal | None
    requested_date: date | None
    promised_date: date | None
    added: bool = False


@dataclass(slots=True)
class LineComparison:
    line_id: str
    status: str | None
    ordered_quantity: Decimal | None
    confirmed_quantity: Decimal | None
    ordered_unit_price: Decimal | None
    confirmed_unit_price: Decimal | None
    ordered_net: Decimal
    confirmed_net: Decimal
    batches: list[BatchComparison] = field(default_factory=list)
    deviations: list[Deviation] = field(default_factory=list)


@dataclass(slots=True)
class Comparison:
    lines: list[LineComparison]
    deviations: list[Deviation]
    ordered_total: Decimal
    confirmed_total: Decimal
    rejected: bool = False

    @property
    def value_impact(self) -> Decimal:
        return self.confirmed_total - self.ordered_total

    @property
    def kinds(self) -> set[str]:
        return {d.kind for d in self.deviations}

    @property
    def matches(self) -> bool:
        return not self.deviations

    @property
    def only_unconfirmed(self) -> bool:
        """Nothing differs but lines left Open or Draft: the supplier still owes a confirmation."""
        return bool(self.deviations) and self.kinds <= {OPEN_LINE, DRAFT_LINE}


def _qty(q: ubl.Quantity | None) -> Decimal | None:
    return q.value if q is not None else None


def _unit_price(price: ubl.Price | None) -> Decimal | None:
    """The price of one orderable unit: PriceAmount per BaseQuantity, times OrderableUnitFactorRate
    ("a package with 10 x 1 meter pipes… PriceAmount = 12, BaseQuantity = 1, OrderableUnitFactorRate
    = 10"; PO document 6.1). A missing or zero factor is the default, 1."""
    # The property divides each time it is read: read once (25,000 times for a 5,000-line answer).
    unit_price = price.unit_price if price is not None else None
    if unit_price is None:
        return None
    factor = price.orderable_unit_factor_rate
    return unit_price * factor if factor else unit_price


def _adjustments(charges: list[ubl.AllowanceCharge], gross: Decimal) -> Decimal:
    """Charges add, allowances (ChargeIndicator false: discounts) take off. MultiplierFactorNumeric
    is what Jakamo reads ("the field we are using for the discounts"), so it comes before Amount."""
    total = Decimal(0)
    for charge in charges:
        if charge.multiplier_factor_numeric is not None:
            amount = gross * charge.multiplier_factor_numeric
        elif charge.amount is not None:
            amount = charge.amount.value
        else:
            continue
        total += amount if charge.charge_indicator else -amount
    return total


def line_value(line: ubl.OrderLine) -> Decimal:
    """The line's net value: its LineExtensionAmount where it has one, else the calculated one."""
    if line.line_extension_amount is not None:
        return line.line_extension_amount.value
    gross = _net(_qty(line.quantity), _unit_price(line.price))
    return gross + _adjustments(line.allowance_charges, gross)


def document_value(doc: ubl.OrderDocument) -> Decimal:
    """The order's net value: the lines that are not cancelled."""
    return sum((line_value(line) for line in doc.lines if not is_cancelled(line)), Decimal(0))


def confirmed_line_value(req: ubl.OrderLine, conf: ubl.OrderLine) -> Decimal:
    """What the confirmed line is worth: its values where it gives them, the order's elsewhere."""
    quantity, unit_price = _qty(conf.quantity), _unit_price(conf.price)
    return _confirmed_value(
        req,
        conf,
        quantity if quantity is not None else _qty(req.quantity),
        unit_price if unit_price is not None else _unit_price(req.price),
        line_value(req),
    )


def _confirmed_value(req: ubl.OrderLine, conf: ubl.OrderLine, quantity, unit_price, ordered_net: Decimal) -> Decimal:
    """The confirmed line's net value: its own LineExtensionAmount, else calculated with its own
    allowances, else the order's net value scaled by the changed gross (a discount the order's
    LineExtensionAmount holds applies to the confirmed quantity and price alike)."""
    if conf.line_extension_amount is not None:
        return conf.line_extension_amount.value
    gross = _net(quantity, unit_price)
    if conf.allowance_charges:
        return gross + _adjustments(conf.allowance_charges, gross)
    ordered_gross = _net(_qty(req.quantity), _unit_price(req.price))
    if ordered_gross == gross:
        return ordered_net
    if ordered_gross:
        return ordered_net * gross / ordered_gross
    return gross + _adjustments(req.allowance_charges, gross)


@functools.lru_cache(maxsize=4096, typed=True)  # a document's lines repeat their quantities, prices and dates
def _fmt(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return "0" if text == "-0" else text  # -0 == 0 share a cache entry, so they must read alike
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _net(quantity: Decimal | None, unit_price: Decimal | None) -> Decimal:
    if quantity is None or unit_price is None:
        return Decimal(0)
    return quantity * unit_price


def is_cancelled(line: ubl.OrderLine) -> bool:
    """A line is cancelled by LineStatusCode Cancelled, or by quantity 0 on the line and its
    batches (PO document 6.8.2 A, B)."""
    if line.line_status_code == ubl.CANCELLED:
        return True
    zero = line.quantity is not None and line.quantity.value == 0
    return zero and all(d.quantity is None or d.quantity.value == 0 for d in line.deliveries)


def compare(
    order: ubl.OrderDocument, confirmation: ubl.OrderDocument, *, compare_sellers_item_id: bool = False
) -> Comparison:
    """Compare the order (what was requested) with the supplier's OrderResponse."""
    lines: list[LineComparison] = []
    all_deviations: list[Deviation] = []
    confirmed_lines = {line.id: line for line in confirmation.lines}
    active = [line for line in confirmation.lines if line.line_status_code != ubl.CANCELLED]
    rejected = bool(confirmation.lines) and not active
    if rejected:
        all_deviations.append(
            Deviation(
                REJECTED,
                None,
                None,
                "ordered",
                "all lines cancelled",
                "The supplier rejected the whole order: every line came back Cancelled.",
            )
        )
    all_deviations.extend(_currency_deviations(order, confirmation))
    ordered_total = confirmed_total = Decimal(0)
    for req in order.lines:
        if is_cancelled(req):
            continue
        conf = confirmed_lines.get(req.id)
        comparison = _compare_line(req, conf, compare_sellers_item_id=compare_sellers_item_id, rejected=rejected)
        ordered_total += comparison.ordered_net
        confirmed_total += comparison.confirmed_net
        lines.append(comparison)
        all_deviations.extend(comparison.deviations)
    all_deviations.extend(_line_set_deviations(order, confirmation))
    return Comparison(lines, all_deviations, ordered_total, confirmed_total, rejected)


def _currencies(doc: ubl.OrderDocument) -> list[str]:
    """The currencies a document states, its DocumentCurrencyCode first, then its prices'."""
    found = [doc.document_currency_code] if doc.document_currency_code else []
    for line in doc.lines:
        amount = line.price.amount if line.price else None
        if amount is not None and amount.currency and amount.currency not in found:
            found.append(amount.currency)
    return [c.strip().upper() for c in found]


def _currency_deviations(order: ubl.OrderDocument, confirmation: ubl.OrderDocument) -> list[Deviation]:
    ordered = _currencies(order)
    if not ordered:
        return []
    return [
        Deviation(
            CURRENCY,
            None,
            None,
            ordered[0],
            currency,
            "currency",
            {"confirmed": currency, "ordered": ordered[0]},
        )
        for currency in dict.fromkeys(_currencies(confirmation))
        if currency != ordered[0]
    ]


def _line_set_deviations(order: ubl.OrderDocument, confirmation: ubl.OrderDocument) -> list[Deviation]:
    """Lines the confirmation has that the order does not, and lines it has twice (the engine reads
    the last of them)."""
    ordered_ids = {line.id for line in order.lines}
    missing = [line.id for line in order.lines if not is_cancelled(line)]
    confirmed_ids = collections.Counter(c.id for c in confirmation.lines)
    missing = [line_id for line_id in missing if line_id not in confirmed_ids]
    deviations = []
    seen: dict[str, int] = {}
    for conf in confirmation.lines:
        seen[conf.id] = seen.get(conf.id, 0) + 1
        if seen[conf.id] == 2:
            deviations.append(
                Deviation(
                    REPEATED_LINE,
                    conf.id,
                    None,
                    "1",
                    str(confirmed_ids[conf.id]),
                    "repeated_line",
                    {"line": conf.id},
                )
            )
        if conf.id not in ordered_ids and seen[conf.id] == 1:
            deviations.append(
                Deviation(
                    UNKNOWN_LINE,
                    conf.id,
                    None,
                    "—",
                    f"{_fmt(_qty(conf.quantity))} ({conf.line_status_code or '—'})",
                    "unknown_line_renumbered" if missing else "unknown_line",
                    {"line": conf.id, "missing": ", ".join(missing)} if missing else {"line": conf.id},
                )
            )
    return deviations


def _compare_line(
    req: ubl.OrderLine, conf: ubl.OrderLine | None, *, compare_sellers_item_id: bool, rejected: bool
) -> LineComparison:
    ordered_qty, ordered_price = _qty(req.quantity), _unit_price(req.price)
    ordered_net = line_value(req)
    if conf is None:
        deviation = Deviation(MISSING_LINE, req.id, None, _fmt(ordered_qty), "—", "missing_line", {"line": req.id})
        return LineComparison(
            req.id, None, ordered_qty, None, ordered_price, None, ordered_net, ordered_net, deviations=[deviation]
        )
    status = conf.line_status_code
    unknown_status = []
    if status is not None and status not in ubl.LINE_STATUSES:
        unknown_status.append(
            Deviation(
                UNKNOWN_STATUS,
                req.id,
                None,
                "",
                status,
                "unknown_status",
                {"line": req.id, "status": status, "statuses": ", ".join(ubl.LINE_STATUSES)},
            )
        )
    result = LineComparison(
        line_id=req.id,
        status=status,
        ordered_quantity=ordered_qty,
        confirmed_quantity=_qty(conf.quantity),
        ordered_unit_price=ordered_price,
        confirmed_unit_price=_unit_price(conf.price),
        ordered_net=ordered_net,
        confirmed_net=ordered_net,
    )
    deviations = result.deviations
    deviations.extend(unknown_status)
    if status == ubl.CANCELLED:
        result.confirmed_net = Decimal(0)
        if not rejected:
            deviations.append(
                Deviation(
                    CANCELLED_LINE,
                    req.id,
                    None,
                    _fmt(ordered_qty),
                    "cancelled",
                    "cancelled_line",
                    {"line": req.id},
                )
            )
        return result
    if status == ubl.OPEN:
        # Nothing confirmed yet: the value stays as ordered until the supplier says more.
        deviations.append(
            Deviation(
                OPEN_LINE,
                req.id,
                None,
                _fmt(ordered_qty),
                "not confirmed",
                "open_line",
                {"line": req.id},
            )
        )
        result.batches = [
            BatchComparison(d.id or "", _qty(d.quantity), None, d.requested_end_date, None) for d in req.deliveries
        ]
        return result
    if status == ubl.DRAFT:
        deviations.append(
            Deviation(
                DRAFT_LINE,
                req.id,
                None,
                "",
                "draft",
                "draft_line",
                {"line": req.id},
            )
        )
    conf_qty, conf_price = result.confirmed_quantity, result.confirmed_unit_price
    if conf_qty is not None and conf_qty != ordered_qty:
        deviations.append(
            Deviation(
                QUANTITY,
                req.id,
                None,
                _fmt(ordered_qty),
                _fmt(conf_qty),
                "quantity",
                {"line": req.id, "confirmed_qty": _fmt(conf_qty), "ordered_qty": _fmt(ordered_qty)},
            )
        )
    if conf_price is not None and ordered_price is not None and conf_price != ordered_price:
        deviations.append(
            Deviation(
                PRICE,
                req.id,
                None,
                _fmt(ordered_price),
                _fmt(conf_price),
                "price",
                {"line": req.id, "confirmed_price": _fmt(conf_price), "ordered_price": _fmt(ordered_price)},
            )
        )
    if compare_sellers_item_id:
        ordered_id = req.item.sellers_item_id if req.item else None
        confirmed_id = conf.item.sellers_item_id if conf.item else None
        if ordered_id != confirmed_id:
            deviations.append(
                Deviation(
                    SELLERS_ITEM_ID,
                    req.id,
                    None,
                    _fmt(ordered_id),
                    _fmt(confirmed_id),
                    "sellers_item_id",
                    {"line": req.id, "confirmed": _fmt(confirmed_id), "ordered": _fmt(ordered_id)},
                )
            )
    result.confirmed_net = _confirmed_value(
        req,
        conf,
        conf_qty if conf_qty is not None else ordered_qty,
        conf_price if conf_price is not None else ordered_price,
        ordered_net,
    )
    result.batches, batch_deviations = _compare_batches(req, conf)
    deviations.extend(batch_deviations)
    return result


def _compare_batches(req: ubl.OrderLine, conf: ubl.OrderLine) -> tuple[list[BatchComparison], list[Deviation]]:
    ordered = {d.id or "": d for d in req.deliveries}
    confirmed = {d.id or "": d for d in conf.deliveries}
    batches, deviations = [], []
    # One batch each side is the same batch only where one of them has no id: a batch confirmed
    # under another id is a batch the supplier did not confirm and one it added.
    single_unnamed = len(ordered) == 1 and len(confirmed) == 1 and ("" in ordered or "" in confirmed)
    for key, rb in ordered.items():
        cb = confirmed.get(key)
        if cb is None and single_unnamed:
            cb = next(iter(confirmed.values()))
        if cb is None:
            batches.append(BatchComparison(key, _qty(rb.quantity), None, rb.requested_end_date, None))
            deviations.append(
                Deviation(
                    UNCONFIRMED_BATCH,
                    req.id,
                    key,
                    _fmt(_qty(rb.quantity)),
                    "—",
                    "unconfirmed_batch",
                    {"line": req.id, "batch": key},
                )
            )
            continue
        batch = BatchComparison(key, _qty(rb.quantity), _qty(cb.quantity), rb.requested_end_date, cb.promised_end_date)
        batches.append(batch)
        if (
            batch.confirmed_quantity is not None
            and batch.ordered_quantity is not None
            and (batch.confirmed_quantity != batch.ordered_quantity)
        ):
            deviations.append(
                Deviation(
                    QUANTITY,
                    req.id,
                    key,
                    _fmt(batch.ordered_quantity),
                    _fmt(batch.confirmed_quantity),
                    "batch_quantity",
                    {
                        "line": req.id,
                        "batch": key,
                        "confirmed_qty": _fmt(batch.confirmed_quantity),
                        "ordered_qty": _fmt(batch.ordered_quantity),
                    },
                )
            )
        if batch.promised_date and batch.requested_date and batch.promised_date != batch.requested_date:
            days = (batch.promised_date - batch.requested_date).days
            deviations.append(
                Deviation(
                    DATE,
                    req.id,
                    key,
                    _fmt(batch.requested_date),
                    _fmt(batch.promised_date),
                    "date_later" if days > 0 else "date_earlier",
                    {
                        "line": req.id,
                        "batch": key,
                        "promised_date": _fmt(batch.promised_date),
                        "days": abs(days),
                    },
                )
            )
    matched = set(ordered) if not single_unnamed else set(ordered) | set(confirmed)
    for key, cb in confirmed.items():
        if key in matched:
            continue
        batches.append(BatchComparison(key, None, _qty(cb.quantity), None, cb.promised_end_date, added=True))
        deviations.append(
            Deviation(
                ADDED_BATCH,
                req.id,
                key,
                "—",
                f"{_fmt(_qty(cb.quantity))} on {_fmt(cb.promised_end_date)}",
                "added_batch",
                {
                    "line": req.id,
                    "batch": key,
                    "quantity": _fmt(_qty(cb.quantity)),
                    "promised_date": _fmt(cb.promised_end_date),
                },
            )
        )
    return batches, deviations


def deviates_on(order: ubl.OrderDocument, confirmation: ubl.OrderDocument, line_ids) -> bool:
    """Whether one of ``line_ids`` deviates as ``compare`` (without sellers' item ids) finds it: then
    the comparison does not match, and a look at those lines settles it without comparing them all."""
    confirmed_lines = {line.id: line for line in confirmation.lines}
    rejected = bool(confirmation.lines) and all(line.line_status_code == ubl.CANCELLED for line in confirmation.lines)
    return any(
        _compare_line(req, confirmed_lines.get(req.id), compare_sellers_item_id=False, rejected=rejected).deviations
        for req in order.lines
        if req.id in line_ids and not is_cancelled(req)
    )


def line_matches(req: ubl.OrderLine, conf: ubl.OrderLine) -> bool:
    """The supplier confirmed this line as ``req`` asks (no deviation on it)."""
    return not _compare_line(req, conf, compare_sellers_item_id=False, rejected=False).deviations
