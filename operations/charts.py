"""Charts drawn on the server as inline SVG (no script, no CDN), each from a plain data function
whose numbers the page also shows in a table beside the chart."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.cache import cache
from django.db.models import Count, F, Min, Q
from django.db.models.functions import Coalesce, TruncDate
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from exchange.models import InboxMessage, OutboxMessage
from orders.models import Confirmation, DeliveryBatch, PurchaseOrder

PALETTE = ["#2f6f9f", "#e0913a", "#4f9d69", "#b84a5f", "#7d5ba6", "#8c8c3a", "#888888"]
MAX_SERIES = 6


# -- data ------------------------------------------------------------------------------------
@dataclass
class DailyMessages:
    days: list[date]
    types: list[str]
    counts: dict[str, list[int]]  # type -> one count per day

    @property
    def rows(self) -> list[tuple[date, list[int], int]]:
        out = []
        for i, day in enumerate(self.days):
            values = [self.counts[t][i] for t in self.types]
            out.append((day, values, sum(values)))
        return out

    @property
    def totals(self) -> list[int]:
        return [sum(self.counts[t]) for t in self.types]


def messages_per_day(days: int = 30, today: date | None = None) -> DailyMessages:
    """Messages in and out per local day and document type over the last `days` days."""
    today = today or timezone.localdate()
    first = today - timedelta(days=days - 1)
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(timezone.datetime.combine(first, timezone.datetime.min.time()), tz)
    midnight = timezone.make_aware(timezone.datetime.combine(today, timezone.datetime.min.time()), tz)
    per: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for model, field in ((InboxMessage, "received_at"), (OutboxMessage, "created_at")):
        # Days before today are settled (a message's time is when it was stored), so their counts
        # are kept until midnight; only today's are counted on every view.
        key = f"messages-per-day:{model._meta.label}:{first}:{today}:{tz}"
        past = cache.get(key)
        if past is None:
            past = _per_day(model, field, tz, start, midnight)
            cache.set(key, past, 3600)
        for document_type, day, n in [*past, *_per_day(model, field, tz, midnight, None)]:
            per[document_type or _("(not identified)")][day] += n
    ranked = sorted(per, key=lambda t: (-sum(per[t].values()), t))
    if len(ranked) > MAX_SERIES:
        other = _("other")
        for t in ranked[MAX_SERIES - 1 :]:
            for day, n in per.pop(t).items():
                per[other][day] += n
        ranked = [*ranked[: MAX_SERIES - 1], other]
    day_list = [first + timedelta(days=i) for i in range(days)]
    return DailyMessages(day_list, ranked, {t: [per[t].get(d, 0) for d in day_list] for t in ranked})


def _per_day(model, field: str, tz, start, end) -> list[tuple[str, date, int]]:
    rows = model.objects.filter(**{f"{field}__gte": start})
    if end is not None:
        rows = rows.filter(**{f"{field}__lt": end})
    return [
        (row["document_type"], row["day"], row["n"])
        for row in rows.annotate(day=TruncDate(field, tzinfo=tz)).values("day", "document_type").annotate(n=Count("id"))
    ]


@dataclass
class SupplierFigures:
    supplier: str
    confirmations: int = 0
    with_deviations: int = 0
    hours_to_confirm: list[float] | None = None
    delivered: int = 0
    on_time: int = 0

    @property
    def deviation_share(self) -> float | None:
        return self.with_deviations / self.confirmations * 100 if self.confirmations else None

    @property
    def median_hours(self) -> float | None:
        return statistics.median(self.hours_to_confirm) if self.hours_to_confirm else None

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.delivered * 100 if self.delivered else None


# Supplier figures are over all time and take a pass over every confirmation; a dashboard that
# shows them five minutes old is as useful and costs a fraction.
SUPPLIER_FIGURES_SECONDS = 300


def supplier_figures_recent(limit: int = 15) -> tuple[list[SupplierFigures], datetime]:
    """The figures and when they were worked out, at most SUPPLIER_FIGURES_SECONDS ago."""
    return cache.get_or_set(
        f"supplier-figures:{limit}", lambda: (supplier_figures(limit), timezone.now()), SUPPLIER_FIGURES_SECONDS
    )


def supplier_figures(limit: int = 15) -> list[SupplierFigures]:
    """Per supplier: share of confirmations that deviate from the order, the median time from
    sending the order to its first confirmation, and the share of delivery batches delivered on or
    before the promised date (the requested date where nothing was promised)."""
    name = Coalesce("order__supplier_name", "order__supplier_id")
    out: dict[str, SupplierFigures] = {}

    def entry(key):
        key = key or "—"
        if key not in out:
            out[key] = SupplierFigures(key, hours_to_confirm=[])
        return out[key]

    for row in (
        Confirmation.objects.annotate(who=name)
        .values("who")
        .annotate(n=Count("id"), deviating=Count("id", filter=~Q(deviations=[])))
    ):
        e = entry(row["who"])
        e.confirmations, e.with_deviations = row["n"], row["deviating"]
    first = (
        PurchaseOrder.objects.annotate(first=Min("confirmations__received_at"))
        .filter(first__isnull=False)
        .values_list("supplier_name", "supplier_id", "created_at", "first")
    )
    for supplier_name, supplier_id, created, confirmed in first.iterator(chunk_size=2000):
        entry(supplier_name or supplier_id).hours_to_confirm.append(
            max((confirmed - created).total_seconds(), 0) / 3600
        )
    for row in (
        DeliveryBatch.objects.filter(delivered_date__isnull=False)
        .annotate(who=Coalesce("line__order__supplier_name", "line__order__supplier_id"))
        .annotate(due=Coalesce("promised_date", "requested_date"))
        .values("who")
        .annotate(n=Count("id"), on_time=Count("id", filter=Q(delivered_date__lte=F("due"))))
    ):
        e = entry(row["who"])
        e.delivered, e.on_time = row["n"], row["on_time"]
    ranked = sorted(out.values(), key=lambda f: (-(f.confirmations + f.delivered), f.supplier))
    return ranked[:limit]


# -- drawing ---------------------------------------------------------------------------------
def _number(value, digits: int = 0) -> str:
    return formats.number_format(value, digits, use_l10n=True)


def stacked_columns(data: DailyMessages, *, title: str, width: int = 720, height: int = 240) -> SafeString:
    left, bottom, top, right = 40, 40, 10, 10
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [row[2] for row in data.rows]
    peak = max(totals, default=0) or 1
    step = plot_w / max(len(data.days), 1)
    bar_w = max(step * 0.8, 1)
    parts = [
        format_html(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#999"/>', left, top + plot_h, left + plot_w, top + plot_h
        ),
        format_html('<text x="{}" y="{}" text-anchor="end" font-size="11">{}</text>', left - 4, top + 10, peak),
        format_html('<text x="{}" y="{}" text-anchor="end" font-size="11">0</text>', left - 4, top + plot_h),
    ]
    for i, (day, values, _total) in enumerate(data.rows):
        x = left + i * step + (step - bar_w) / 2
        y = top + plot_h
        for series, value in enumerate(values):
            if not value:
                continue
            h = value / peak * plot_h
            y -= h
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{} {}: {}</title></rect>',
                    _f(x),
                    _f(y),
                    _f(bar_w),
                    _f(h),
                    PALETTE[series % len(PALETTE)],
                    formats.date_format(day, "SHORT_DATE_FORMAT"),
                    data.types[series],
                    value,
                )
            )
        if i % 5 == 0 or i == len(data.days) - 1:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" text-anchor="middle" font-size="10">{}</text>',
                    _f(x + bar_w / 2),
                    top + plot_h + 14,
                    formats.date_format(day, "SHORT_DATE_FORMAT"),
                )
            )
    legend_x = left
    for series, name in enumerate(data.types):
        parts.append(
            format_html(
                '<rect x="{}" y="{}" width="10" height="10" fill="{}"/><text x="{}" y="{}" font-size="11">{}</text>',
                legend_x,
                height - 14,
                PALETTE[series % len(PALETTE)],
                legend_x + 14,
                height - 5,
                name,
            )
        )
        legend_x += 24 + 7 * len(name)
    return _svg(title, width, height, parts)


def horizontal_bars(
    rows: list[tuple[str, float | None]], *, title: str, maximum: float | None = None, unit: str = "", width=480
) -> SafeString:
    """One bar per row; rows without a value show "no data" instead of a bar."""
    label_w, bar_h, gap, top = 170, 16, 6, 4
    height = top + len(rows) * (bar_h + gap) + 4
    peak = maximum or max((row[1] for row in rows if row[1] is not None), default=0) or 1
    plot_w = width - label_w - 70
    parts = []
    for i, (label, value) in enumerate(rows):
        y = top + i * (bar_h + gap)
        short = label if len(label) <= 26 else label[:25] + "…"
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="end" font-size="12">{}</text>', label_w - 6, y + bar_h - 4, short
            )
        )
        if value is None:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" font-size="11" fill="#777">{}</text>', label_w, y + bar_h - 4, _("no data")
                )
            )
            continue
        w = max(value / peak * plot_w, 0.5)
        parts.append(
            format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {}{}</title></rect>'
                '<text x="{}" y="{}" font-size="11">{}{}</text>',
                label_w,
                y,
                _f(w),
                bar_h,
                PALETTE[0],
                label,
                _number(value, 1),
                unit,
                _f(label_w + w + 4),
                y + bar_h - 4,
                _number(value, 1),
                unit,
            )
        )
    return _svg(title, width, height, parts)


def _f(value: float) -> str:
    return f"{value:.1f}"


def _svg(title: str, width: int, height: int, parts: list) -> SafeString:
    body = mark_safe("".join(parts))  # every part was built with format_html
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="100%" style="max-width:{}px" '
        'role="img" aria-label="{}"><title>{}</title>{}</svg>',
        width,
        height,
        width,
        title,
        title,
        body,
    )
