"""The KPI tiles (参学率, 开展率, 阶段进度, 培训学时, 人均学时, 取证数): each figure against its target
with a red/amber/green badge and the change against the previous period. Targets and statuses
come from ``briefing.kpis``, so the screen and the meeting briefing agree.

Imports ``session``, ``cache``, ``periods`` and ``filters``; ``dashboard.briefing`` and
``dashboard.charts`` (the status colours).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

from dashboard import briefing, charts, metrics
from dashboard.formatting import COUNT, DECIMAL, RATE, Delta, Kind, delta, fmt_figure
from dashboard.i18n import fmt_pct
from dashboard.metrics import Selection, months_between
from dashboard.ui.cache import filter_options
from dashboard.ui.filters import target_scope
from dashboard.ui.periods import period_text
from dashboard.ui.session import lang, settings, t

BADGE_COLORS = {"green": charts.GREEN, "amber": charts.AMBER, "red": charts.RED, "neutral": charts.NEUTRAL}
BADGE_ICONS = {"green": "✔", "amber": "▲", "red": "✖", "neutral": "•"}


@dataclass(frozen=True)
class Tile:
    label: str
    value: str
    target: str | None
    status: str  # green / amber / red / neutral
    delta: Delta | None
    note: str = ""


def _delta(now: float | None, before: float | None, kind: Kind) -> Delta | None:
    """The change as the formatter shows it: rounded as the tiles are, 持平 (grey, no arrow) when
    the two figures read the same, 万 when large."""
    if before is None:
        return None
    return delta(now, before, kind, lang(), compact=True)


def _big(x: float | None, kind: Kind) -> str:
    """A tile's figure: 239.9万 rather than 2,399,123 (a tile is narrow on a laptop)."""
    return fmt_figure(x, kind, lang(), compact=True)


def _kpi_tile(label_key: str, value: str, kpi: dict[str, Any], delta: Delta | None) -> Tile:
    """A tile whose target, status and note are the briefing's row ``kpi``."""
    return Tile(t(label_key), value, kpi["target_text"], kpi["status"], delta, kpi["note"])


def kpi_tiles_for(sel: Selection, summary: metrics.Summary, previous: metrics.Summary | None) -> list[Tile]:
    """The six tiles with target, status and the change against the previous period of the same
    length (none when no month of that period is stored)."""
    s = settings()
    dept, unit = target_scope(sel)
    k = {row["key"]: row for row in briefing.kpis(s, summary, lang(), dept, unit)}
    stored = set(filter_options().get("months") or [])
    has_prev = previous is not None and any(m in stored for m in months_between(previous.month_from, previous.month_to))
    before = previous if has_prev else None

    hc = summary.headcount
    hours_target = k["hours_per_capita"]["target"] * hc if hc else None
    cert_target = k["certificates_per_100"]["target"] * hc / 100 if hc else None
    hours_status = charts.status_of(summary.training_hours, hours_target, s.targets.amber_ratio)
    rate, launch, progress = summary.participation_rate, summary.launch_rate, summary.phase_progress
    return [
        _kpi_tile(
            "kpi_participation_rate",
            fmt_pct(rate) if hc else "—",
            k["participation_rate"],
            _delta(rate, before.participation_rate if before else None, RATE),
        ),
        _kpi_tile(
            "kpi_launch_rate",
            fmt_pct(launch) if summary.units else "—",
            k["launch_rate"],
            _delta(launch, before.launch_rate if before else None, RATE),
        ),
        _kpi_tile(
            "kpi_phase_progress",
            fmt_pct(progress) if summary.units else "—",
            k["phase_progress"],
            _delta(progress, before.phase_progress if before else None, RATE),
        ),
        Tile(
            t("kpi_training_hours"),
            _big(summary.training_hours, COUNT),
            _big(hours_target, COUNT) if hours_target is not None else None,
            hours_status if hc else "red",
            _delta(summary.training_hours, before.training_hours if before else None, COUNT),
            k["hours_per_capita"]["note"],
        ),
        _kpi_tile(
            "kpi_hours_per_capita",
            _big(summary.hours_per_capita, DECIMAL) if hc else "—",
            k["hours_per_capita"],
            _delta(summary.hours_per_capita, before.hours_per_capita if before else None, DECIMAL),
        ),
        Tile(
            t("kpi_certificates"),
            _big(summary.certificates, COUNT),
            _big(cert_target, COUNT) if cert_target is not None else None,
            k["certificates_per_100"]["status"],
            _delta(summary.certificates, before.certificates if before else None, COUNT),
            k["certificates_per_100"]["note"],
        ),
    ]


# Six tiles in a row on a wide screen, three and three on a laptop (below WIDE px of window), the
# figure's size following the window: a tile never cuts its figure to "99.…" (issue 10.6).
WIDE = 1500
TILES_KEY = "kpi_tiles"
TILES_CSS = f"""<style>
.st-key-{TILES_KEY} {{ display: grid !important; grid-template-columns: repeat(3, minmax(0, 1fr)); }}
@media (min-width: {WIDE}px) {{ .st-key-{TILES_KEY} {{ grid-template-columns: repeat(6, minmax(0, 1fr)); }} }}
.st-key-{TILES_KEY} > div {{ width: auto !important; min-width: 0; }}
.st-key-{TILES_KEY} [data-testid="stMetricValue"] {{ font-size: clamp(1.6rem, 1.1rem + 0.9vw, 2.25rem); }}
.st-key-{TILES_KEY} [data-testid="stMetricValue"] > div,
.st-key-{TILES_KEY} [data-testid="stMetricLabel"] p {{ white-space: normal; overflow-wrap: anywhere; }}
</style>"""


def kpi_tiles(sel: Selection, summary: metrics.Summary, previous: metrics.Summary | None) -> None:
    """Draw the KPI tiles in a row that wraps (two rows of three on a laptop)."""
    tiles = kpi_tiles_for(sel, summary, previous)
    prev_period = period_text(sel.previous()) if sel.month_from and sel.month_to else ""
    amber = fmt_pct(settings().targets.amber_ratio, 0)
    st.html(TILES_CSS)
    with st.container(horizontal=True, wrap=True, key=TILES_KEY):
        for tile in tiles:
            with st.container(border=True):
                st.metric(
                    tile.label,
                    tile.value,
                    delta=tile.delta.text if tile.delta is not None else None,
                    delta_color=tile.delta.color if tile.delta is not None else "normal",
                    delta_arrow=tile.delta.arrow if tile.delta is not None else "auto",
                    help=f"{tile.note}\n\n{t('kpi_help', period=prev_period, amber=amber)}",
                )
                if tile.delta is None:
                    st.caption(t("kpi_no_previous"))
                badge(tile.status, t("kpi_target", value=tile.target) if tile.target else t("kpi_no_target"))


def badge(status: str, text: str = "") -> None:
    """A status badge in the shared palette, with an icon and a word so colour is not the only cue.
    Only our own strings and formatted numbers go into this HTML, never uploaded data."""
    color = BADGE_COLORS.get(status, charts.GREY)
    label = t(f"status_{status}")
    icon = BADGE_ICONS.get(status, "•")
    st.html(
        f'<div style="font-size:1rem;line-height:1.5">'
        f'<span style="background:{color};color:#fff;border-radius:0.4rem;padding:0.1rem 0.5rem;'
        f'font-weight:600;white-space:nowrap">{icon} {label}</span>'
        f'<div style="color:#444;margin-top:0.3rem">{text}</div></div>'
    )
