"""Numbers and dates as a Chinese office writes them — the one formatter of every view and download.

Why one module: the same figure used to read 2,743.5 on one page, 2,744 on another and 271.0 / 271
in a chart, because each view rounded in its own way. Here every figure has a ``Kind`` (a count, a
decimal such as hours, or a rate) that fixes its decimals, its Excel number format and how it is
shortened when large, and rounding is half away from zero like Excel (Python's ``round`` and
f-strings round half to even: 0.125 → "0.12" on screen but "0.13" in the workbook).

- counts: whole numbers with thousands separators (12,345);
- decimals (hours, points, per capita): one decimal (2,743.5, 271.0);
- rates: a fraction shown as a percentage with one decimal (0.98 → 98.0%);
- large figures, where space is short (tiles, labels on bars, axis ticks): 239.9万 and 1.2亿 in
  Chinese, 2.40 M and 1.20 B in English; exact figures everywhere else (tables, tooltips, Excel).
- a change between two periods is a ``Delta``; one that rounds to zero at the figure's precision is
  no change (neutral, no arrow), not a green "↑ +0.0".

``dashboard.i18n`` re-exports ``fmt_int``, ``fmt_num``, ``fmt_pct``, ``fmt_month`` and
``fmt_date`` for the callers that import them from there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

MISSING = "—"


@dataclass(frozen=True)
class Kind:
    """What a figure is: its decimals on screen, whether it is a fraction shown as a percentage,
    and its Excel number format (the same rounding as the screen)."""

    name: str
    digits: int
    percent: bool
    excel: str


COUNT = Kind("count", 0, False, "#,##0")
DECIMAL = Kind("decimal", 1, False, "#,##0.0")
RATE = Kind("rate", 1, True, "0.0%")
# A small share compared with a threshold of a few percent (training funds ÷ payroll against 1.5%):
# one decimal would show 1.46% as "1.5%" beside a veto for being below 1.5%.
FINE_RATE = Kind("fine_rate", 2, True, "0.00%")

# The kind of every figure column the metrics return (metrics.unit_table, monthly, top_learners,
# data_quality, briefing.laggards …), by its internal name.
COLUMN_KINDS: dict[str, Kind] = {
    "rank": COUNT,
    "headcount": COUNT,
    "participants": COUNT,
    "certificates": COUNT,
    "suggestions": COUNT,
    "sessions": COUNT,
    "person_times": COUNT,
    "milestones_done": COUNT,
    "milestones_total": COUNT,
    "months_reported": COUNT,
    "months": COUNT,
    "units": COUNT,
    "units_reported": COUNT,
    "units_behind": COUNT,
    "overdue_count": COUNT,
    "missing_count": COUNT,
    "ledger_participants": COUNT,
    "summary_participants": COUNT,
    "attendance": COUNT,
    "training_hours": DECIMAL,
    "hours": DECIMAL,
    "ledger_hours": DECIMAL,
    "summary_hours": DECIMAL,
    "hours_per_capita": DECIMAL,
    "hours_per_capita_month": DECIMAL,
    "points": DECIMAL,
    "certificates_per_100": DECIMAL,
    "participation_rate": RATE,
    "launch_rate": RATE,
    "phase_progress": RATE,
    "target": RATE,
    "participants_diff": RATE,
    "hours_diff": RATE,
    "share_done": RATE,
    # 考核评比 (dashboard.evaluation)
    "score": DECIMAL,
    "submitted_months": COUNT,
    "due_months": COUNT,
    "submission_rate": RATE,
    "training_funds": COUNT,
    "payroll": COUNT,
    "funds_ratio": FINE_RATE,
    "points_participation_rate": DECIMAL,
    "points_hours_per_capita": DECIMAL,
    "points_certificates_per_100": DECIMAL,
    "points_phase_progress": DECIMAL,
    "points_submission_rate": DECIMAL,
}

# Chinese offices count large figures in 万 (10⁴) and 亿 (10⁸); from 10万 on a figure is shortened.
_WAN, _YI = Decimal(10_000), Decimal(100_000_000)
_COMPACT_FROM_ZH = Decimal(100_000)
_MILLION, _BILLION = Decimal(1_000_000), Decimal(1_000_000_000)


def _missing(x: Any) -> bool:
    if x is None:
        return True
    try:
        return bool(x != x) or (isinstance(x, float) and math.isinf(x))  # NaN, pd.NA-safe enough
    except (TypeError, ValueError):
        return True


def rounded(x: float | int, digits: int) -> Decimal:
    """``x`` rounded half away from zero to ``digits`` decimals, as Excel shows it.

    The float goes through its shortest repr first (2.675 → "2.675" → 2.68), because Excel rounds
    what a user typed, not the binary fraction just below it.
    """
    try:
        d = Decimal(repr(float(x)))
    except (InvalidOperation, ValueError):  # pragma: no cover - guarded by _missing
        d = Decimal(0)
    out = d.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return out if out != 0 else abs(out)  # never "-0.0"


def _grouped(d: Decimal, digits: int) -> str:
    return f"{d:,.{digits}f}"


def _compact(r: Decimal, digits: int, lang: str) -> str | None:
    """The shortened text of an already rounded figure, or None when it is small enough."""
    a = abs(r)
    if lang == "zh":
        if a < _COMPACT_FROM_ZH:
            return None
        wan = rounded(r / _WAN, 1)
        if abs(wan) < _WAN:
            return f"{_grouped(wan, 1)}万"
        return f"{_grouped(rounded(r / _YI, 1), 1)}亿"
    if a < _MILLION:
        return None
    m = rounded(r / _MILLION, 2)
    if abs(m) < Decimal(1000):
        return f"{m:.2f} M"
    return f"{_grouped(rounded(r / _BILLION, 2), 2)} B"


def fmt_figure(x: float | int | None, kind: Kind = DECIMAL, lang: str = "zh", compact: bool = False) -> str:
    """A figure of ``kind`` as text: 12,345 / 2,743.5 / 98.0%; with ``compact`` a large count or
    decimal reads 239.9万 (zh) or 2.40 M (en). None/NaN → "—"."""
    if _missing(x):
        return MISSING
    assert x is not None
    if kind.percent:
        return f"{rounded(float(x) * 100, kind.digits)}%"
    r = rounded(x, kind.digits)
    if compact:
        short = _compact(r, kind.digits, lang)
        if short is not None:
            return short
    return _grouped(r, kind.digits)


def fmt_int(n: float | int | None) -> str:
    """A count: ``12,345`` (thousands separators as Chinese offices print them)."""
    return fmt_figure(n, COUNT)


def fmt_num(x: float | None, digits: int = 1) -> str:
    """A decimal figure with ``digits`` decimals: ``2,743.5``."""
    if _missing(x):
        return MISSING
    assert x is not None
    return _grouped(rounded(x, digits), digits)


def fmt_pct(x: float | None, digits: int = 1) -> str:
    """A fraction 0..1 as ``98.5%``."""
    if _missing(x):
        return MISSING
    assert x is not None
    return f"{rounded(float(x) * 100, digits)}%"


def fmt_hours(x: float | None, lang: str = "zh", compact: bool = False) -> str:
    """Training hours (and other decimal figures): one decimal, 2,743.5 — or 239.9万 with ``compact``."""
    return fmt_figure(x, DECIMAL, lang, compact)


def fmt_count(n: float | int | None, lang: str = "zh", compact: bool = False) -> str:
    """A count: 12,345 — or 239.9万 with ``compact``."""
    return fmt_figure(n, COUNT, lang, compact)


# ---- changes between two periods -------------------------------------------------------------


@dataclass(frozen=True)
class Delta:
    """A change as the screen shows it. ``sign`` is the sign of the *shown* (rounded) change, so a
    change that rounds to zero is no change. ``color`` and ``arrow`` are the values of
    ``st.metric(delta_color=…, delta_arrow=…)``: grey without an arrow when nothing changed."""

    text: str
    sign: int
    amount: float = 0.0  # the change as shown (rounded; percentage points for rates): a cell's value

    @property
    def is_change(self) -> bool:
        return self.sign != 0

    @property
    def color(self) -> str:
        return "normal" if self.is_change else "off"

    @property
    def arrow(self) -> str:
        return "auto" if self.is_change else "off"


NO_CHANGE = {"zh": "持平", "en": "no change"}
POINTS = {"zh": " 个百分点", "en": " pp"}


def delta(
    now: float | None, before: float | None, kind: Kind = DECIMAL, lang: str = "zh", compact: bool = False
) -> Delta | None:
    """The change from ``before`` to ``now``: +1.2 个百分点 / +1.2 pp for rates, +12 for counts,
    +3.4 for decimals (+1.2万 with ``compact``); 持平 / no change when the two figures read the
    same. It is the difference of the figures as shown (rounded first), so it is the change a reader
    works out from the two tiles. None when either figure is missing."""
    if _missing(now) or _missing(before):
        return None
    assert now is not None and before is not None
    scale = 100 if kind.percent else 1
    r = rounded(float(now) * scale, kind.digits) - rounded(float(before) * scale, kind.digits)
    r = r if r != 0 else abs(r)
    sign = (r > 0) - (r < 0)
    if sign == 0:
        return Delta(NO_CHANGE.get(lang, NO_CHANGE["zh"]), 0)
    if kind.percent:
        text = f"{r:+.{kind.digits}f}{POINTS.get(lang, POINTS['zh'])}"
    else:
        short = _compact(r, kind.digits, lang) if compact else None
        text = (("+" if sign > 0 else "") + short) if short else f"{r:+,.{kind.digits}f}"
    return Delta(text, sign, float(r))


def delta_excel(kind: Kind, lang: str = "zh") -> str:
    """The Excel number format of ``Delta.amount``: what ``delta`` writes (+1.2 个百分点, +12,
    持平) shown by Excel from a number, so a change in a download stays a figure and never text
    that starts with + (which the formula guard would mark)."""
    digits = "#,##0" + (f".{'0' * kind.digits}" if kind.digits else "")
    unit = f'"{POINTS.get(lang, POINTS["zh"])}"' if kind.percent else ""
    return f'+{digits}{unit};-{digits}{unit};"{NO_CHANGE.get(lang, NO_CHANGE["zh"])}"'


def is_change(now: float | None, before: float | None, kind: Kind = DECIMAL) -> bool:
    """Whether ``now`` differs from ``before`` at the precision the figure is shown with."""
    d = delta(now, before, kind)
    return d is not None and d.is_change


# ---- the same rules for Vega (chart axes) ------------------------------------------------------


def vega_axis_label(kind: Kind = DECIMAL, lang: str = "zh") -> str:
    """A Vega ``labelExpr`` that writes the ticks of a count or decimal axis like ``fmt_figure(...,
    compact=True)``: 50万, 1.2亿 (zh) / 2.4 M (en), thousands separators below that. Ticks are
    round values, so trailing zeros are trimmed (``~``)."""
    v = "datum.value"
    if lang == "zh":
        return (
            f"abs({v}) >= 1e8 ? format({v} / 1e8, ',.1~f') + '亿' : "
            f"abs({v}) >= 1e5 ? format({v} / 1e4, ',.1~f') + '万' : format({v}, ',.{kind.digits}~f')"
        )
    return (
        f"abs({v}) >= 1e9 ? format({v} / 1e9, ',.2~f') + ' B' : "
        f"abs({v}) >= 1e6 ? format({v} / 1e6, '.2~f') + ' M' : format({v}, ',.{kind.digits}~f')"
    )


# ---- dates ----------------------------------------------------------------------------------------


def fmt_month(month: str | None, lang: str = "zh") -> str:
    """``2024-03`` → ``2024年3月`` (zh) / ``2024-03`` (en)."""
    if not month:
        return MISSING
    if lang == "zh":
        return f"{int(month[:4])}年{int(month[5:7])}月"
    return month


def fmt_date(d: date | datetime | None, lang: str = "zh") -> str:
    """``2024年3月5日`` (zh) / ``2024-03-05`` (en); datetimes add ``HH:MM``."""
    if d is None:
        return MISSING
    if isinstance(d, datetime):
        day = fmt_date(d.date(), lang)
        return f"{day} {d:%H:%M}"
    return f"{d.year}年{d.month}月{d.day}日" if lang == "zh" else d.isoformat()
