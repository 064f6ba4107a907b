"""The period: the months the slider offers, what "this month" means when the data stops earlier,
the quick picks (本月, 本季度, 本年累计, each campaign phase) and the period as text.

Imports ``session`` only (and ``dashboard.metrics`` for month arithmetic).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from dashboard import metrics
from dashboard.i18n import fmt_month
from dashboard.metrics import Selection, months_between
from dashboard.ui.session import lang, settings, t

month_end = metrics.month_end  # the "end of P" of a YYYY-MM month, for page captions


def month_of(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def period_options(months: Sequence[str]) -> list[str]:
    """The months the period slider offers: the stored months and the whole campaign year."""
    year = settings().year
    first = min([*months, f"{year}-01"])
    last = max([*months, f"{year}-12"])
    return months_between(first, last)


def anchor_month(months: Sequence[str], today: date | None = None) -> str:
    """What "this month" means: today's month while data reaches it, else the latest month with
    data (the demo is 2024; a meeting in 2026 still wants a sensible 本月)."""
    current = month_of(today or date.today())
    if not months:
        return current if current[:4] == str(settings().year) else f"{settings().year}-12"
    if months[0] <= current <= months[-1]:
        return current
    return months[-1] if current > months[-1] else months[0]


def quick_picks(options: Sequence[str], anchor: str) -> dict[str, tuple[str, str]]:
    """Quick period picks → (from, to): 本月, 本季度, 本年累计 and each campaign phase."""

    def clamp(m: str) -> str:
        return min(max(m, options[0]), options[-1])

    q_start = f"{anchor[:4]}-{((int(anchor[5:7]) - 1) // 3) * 3 + 1:02d}"
    picks = {
        "month": (anchor, anchor),
        "quarter": (clamp(q_start), anchor),
        "ytd": (clamp(f"{anchor[:4]}-01"), anchor),
    }
    for i, p in enumerate(settings().phases):
        picks[f"phase{i}"] = (clamp(month_of(p.start)), clamp(month_of(p.end)))
    return picks


def quick_label(key: str) -> str:
    if key.startswith("phase"):
        p = settings().phases[int(key[5:])]
        return p.name if lang() == "zh" else p.name_en
    return t(f"q_{key}")


def period_text(sel: Selection) -> str:
    a, b = fmt_month(sel.month_from, lang()), fmt_month(sel.month_to, lang())
    return t("period_one", start=a) if a == b else t("period_label", start=a, end=b)
