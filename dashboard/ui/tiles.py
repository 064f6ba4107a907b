"""The KPI tiles (参学率, 开展率, 阶段进度, 培训学时, 人均学时, 取证数): each figure against its target
with a red/amber/green badge and the change against the previous period. Targets and statuses
come from ``briefing.kpis``, so the screen and the meeting briefing agree.

Imports ``session``, ``cache``, ``periods`` and ``filters``; ``dashboard.briefing`` and
``dashboard.charts`` (the status colours).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any
from urllib.parse import quote

import streamlit as st

from dashboard import briefing, charts, metrics
from dashboard.formatting import COUNT, DECIMAL, RATE, Delta, Kind, delta, fmt_figure
from dashboard.i18n import fmt_pct
from dashboard.metrics import Selection, months_between
from dashboard.ui.cache import cached, filter_options
from dashboard.ui.filters import last_year_or_none, previous_or_none, target_scope
from dashboard.ui.periods import period_text
from dashboard.ui.session import lang, settings, t

# st.metric's delta as Streamlit 1.67 draws it in the light theme (text, pill, arrow path), so
# the 同比 line reads exactly like the 环比 above it
YOY_COLORS = {1: "#0C5A44", -1: "#9E303B", 0: "#686255"}
YOY_BACKGROUNDS = {1: "#F1FBF6", -1: "#FFF1F2", 0: "#F5F4F2"}
YOY_ARROWS = {
    1: "M4 12l1.41 1.41L11 7.83V20h2V7.83l5.58 5.59L20 12l-8-8-8 8z",
    -1: "M20 12l-1.41-1.41L13 16.17V4h-2v12.17l-5.58-5.59L4 12l8 8 8-8z",
}
YOY_MUTED = "rgba(31, 41, 51, 0.6)"
BADGE_COLORS = {"green": charts.GREEN, "amber": charts.AMBER, "red": charts.RED, "neutral": charts.NEUTRAL}
BADGE_ICONS = {"green": "✔", "amber": "▲", "red": "✖", "neutral": "•"}


@dataclass(frozen=True)
class Tile:
    label: str
    value: str
    target: str | None
    status: str  # green / amber / red / neutral
    delta: Delta | None  # 环比: against the previous period of the same length; None: no stored month
    note: str = ""
    yoy: Delta | None = None  # 同比: against the same months last year; None: no stored month


def _delta(now: float | None, before: float | None, kind: Kind) -> Delta | None:
    """The change as the formatter shows it: rounded as the tiles are, 持平 (grey, no arrow) when
    the two figures read the same, 万 when large."""
    if before is None:
        return None
    return delta(now, before, kind, lang(), compact=True)


def _big(x: float | None, kind: Kind) -> str:
    """A tile's figure: 239.9万 rather than 2,399,123 (a tile is narrow on a laptop)."""
    return fmt_figure(x, kind, lang(), compact=True)


def _kpi_tile(label_key: str, value: str, kpi: dict[str, Any]) -> Tile:
    """A tile whose target, status and note are the briefing's row ``kpi`` (changes added later)."""
    return Tile(t(label_key), value, kpi["target_text"], kpi["status"], None, kpi["note"])


def _stored(earlier: metrics.Summary | None) -> metrics.Summary | None:
    """``earlier`` when a month of its period is stored, else None (nothing to compare with)."""
    if earlier is None:
        return None
    stored = set(filter_options().get("months") or [])
    return earlier if any(m in stored for m in months_between(earlier.month_from, earlier.month_to)) else None


# what each tile compares: the Summary field and its kind (rates change in percentage points)
COMPARED = (
    ("participation_rate", RATE),
    ("launch_rate", RATE),
    ("phase_progress", RATE),
    ("training_hours", COUNT),
    ("hours_per_capita", DECIMAL),
    ("certificates", COUNT),
)


def kpi_tiles_for(
    sel: Selection,
    summary: metrics.Summary,
    previous: metrics.Summary | None,
    last_year: metrics.Summary | None = None,
) -> list[Tile]:
    """The six tiles with target, status and the changes against the previous period of the same
    length (环比) and the same months last year (同比); none when no month of that period is stored."""
    s = settings()
    dept, unit = target_scope(sel)
    k = {row["key"]: row for row in briefing.kpis(s, summary, lang(), dept, unit)}
    hc = summary.headcount
    hours_target = k["hours_per_capita"]["target"] * hc if hc else None
    cert_target = k["certificates_per_100"]["target"] * hc / 100 if hc else None
    hours_status = charts.status_of(summary.training_hours, hours_target, s.targets.amber_ratio)
    rate, launch, progress = summary.participation_rate, summary.launch_rate, summary.phase_progress
    tiles = [
        _kpi_tile("kpi_participation_rate", fmt_pct(rate) if hc else "—", k["participation_rate"]),
        _kpi_tile("kpi_launch_rate", fmt_pct(launch) if summary.units else "—", k["launch_rate"]),
        _kpi_tile("kpi_phase_progress", fmt_pct(progress) if summary.units else "—", k["phase_progress"]),
        Tile(
            t("kpi_training_hours"),
            _big(summary.training_hours, COUNT),
            _big(hours_target, COUNT) if hours_target is not None else None,
            hours_status if hc else "red",
            None,
            k["hours_per_capita"]["note"],
        ),
        _kpi_tile(
            "kpi_hours_per_capita", _big(summary.hours_per_capita, DECIMAL) if hc else "—", k["hours_per_capita"]
        ),
        Tile(
            t("kpi_certificates"),
            _big(summary.certificates, COUNT),
            _big(cert_target, COUNT) if cert_target is not None else None,
            k["certificates_per_100"]["status"],
            None,
            k["certificates_per_100"]["note"],
        ),
    ]
    before, year_before = _stored(previous), _stored(last_year)

    def change(earlier: metrics.Summary | None, field: str, kind: Kind) -> Delta | None:
        return _delta(getattr(summary, field), getattr(earlier, field), kind) if earlier else None

    return [
        replace(tile, delta=change(before, field, kind), yoy=change(year_before, field, kind))
        for tile, (field, kind) in zip(tiles, COMPARED, strict=True)
    ]


# Six tiles in a row on a wide screen, three and three on a laptop (below WIDE px of window), the
# figure's size following the window: a tile never cuts its figure to "99.…" (issue 10.6). The
# 同比 line sits close under the 环比; in a narrow tile the words 环比 / vs last period wrap under
# the change rather than being cut.
WIDE = 1500
TILES_KEY = "kpi_tiles"
TILES_CSS = f"""<style>
.st-key-{TILES_KEY} {{ display: grid !important; grid-template-columns: repeat(3, minmax(0, 1fr)); }}
@media (min-width: {WIDE}px) {{ .st-key-{TILES_KEY} {{ grid-template-columns: repeat(6, minmax(0, 1fr)); }} }}
.st-key-{TILES_KEY} > div {{ width: auto !important; min-width: 0; }}
.st-key-{TILES_KEY} [data-testid="stMetricValue"] {{ font-size: clamp(1.6rem, 1.1rem + 0.9vw, 2.25rem); }}
.st-key-{TILES_KEY} [data-testid="stElementContainer"]:has(.kpi-yoy) {{ margin-top: -0.5rem; }}
.st-key-{TILES_KEY} :has(> [data-testid="stMetricDelta"]) {{ flex-wrap: wrap; }}
.st-key-{TILES_KEY} [data-testid="stMetricDeltaDescription"] {{ min-width: 0; }}
.st-key-{TILES_KEY} [data-testid="stMetricDeltaDescription"] p {{ white-space: normal; overflow: visible; }}
.st-key-{TILES_KEY} [data-testid="stMetricValue"] > div,
.st-key-{TILES_KEY} [data-testid="stMetricLabel"] p {{ white-space: normal; overflow-wrap: anywhere; }}
</style>"""


def earlier(sel: Selection) -> tuple[metrics.Summary | None, metrics.Summary | None]:
    """The KPIs of the previous period (环比) and of the same months last year (同比), each a cached
    ``metrics.earlier_kpis`` under the plan of its own campaign year; None where that period has
    no stored month (or ``sel`` no period)."""
    today = date.today()
    pair = (previous_or_none(sel), last_year_or_none(sel))
    return tuple(cached(metrics.earlier_kpis)(e, today) if e else None for e in pair)  # type: ignore[return-value]


def kpi_tiles(
    sel: Selection, summary: metrics.Summary, previous: metrics.Summary | None, last_year: metrics.Summary | None = None
) -> None:
    """Draw the KPI tiles in a row that wraps (two rows of three on a laptop): each figure, its
    环比 as the metric's delta and its 同比 on the line below, drawn alike."""
    tiles = kpi_tiles_for(sel, summary, previous, last_year)
    periods = {"period": "", "last_year": ""}
    if sel.month_from and sel.month_to:
        periods = {"period": period_text(sel.previous()), "last_year": period_text(sel.same_period_last_year())}
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
                    delta_description=t("kpi_mom") if tile.delta is not None else None,
                    help=f"{tile.note}\n\n{t('kpi_help', amber=amber, **periods)}",
                )
                if tile.delta is None:
                    st.caption(t("kpi_no_previous"))
                if tile.yoy is None:
                    st.caption(t("kpi_no_last_year"))
                else:
                    st.html(yoy_html(tile.yoy))
                badge(tile.status, t("kpi_target", value=tile.target) if tile.target else t("kpi_no_target"))


def _arrow_img(sign: int) -> str:
    """st.metric's arrow as an image in the change's colour (st.html drops inline <svg>)."""
    path = YOY_ARROWS.get(sign)
    if path is None:
        return ""
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24">'
        f'<path fill="{YOY_COLORS[sign]}" d="{path}"/></svg>'
    )
    return f'<img alt="" src="data:image/svg+xml,{quote(svg)}" style="width:1rem;height:1rem;flex-shrink:0">'


def yoy_html(change: Delta) -> str:
    """The 同比 line, drawn as st.metric draws its delta (green up, red down, grey 持平 without an
    arrow). Only the formatter's text and our own strings go into this HTML."""
    arrow = _arrow_img(change.sign)
    return (
        f'<div class="kpi-yoy" style="display:flex;align-items:center;gap:0.5rem;flex-wrap:wrap">'
        f'<span style="display:inline-flex;align-items:center;gap:0.125rem;color:{YOY_COLORS[change.sign]};'
        f"background:{YOY_BACKGROUNDS[change.sign]};border-radius:9999px;font-size:0.875rem;"
        f'padding:0.125rem 0.375rem 0.125rem {"0.25rem" if arrow else "0.375rem"};white-space:nowrap">'
        f"{arrow}{change.text}</span>"
        f'<span style="color:{YOY_MUTED};font-size:0.875rem">{t("kpi_yoy")}</span></div>'
    )


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
