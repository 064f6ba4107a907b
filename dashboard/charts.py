"""Altair charts for the dashboard: pure functions from the metrics' DataFrames to Vega-Lite.

No Streamlit here, so the specs can be unit-tested and reused in exports. Every chart is drawn for
a projector (large fonts), labels its axes and tooltips in the chosen language with exact figures,
and colours status the same way everywhere with a colour-blind-safe (Okabe-Ito) palette. Charts
that show units carry a point selection named ``UNIT_SELECTION`` on the field ``unit`` so a page
can drill down (``ui.widgets.chart``: the chart as Vega-Lite via ``dashboard.vega``, drawn with
``st.vega_lite_chart(..., on_select="rerun")``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from itertools import combinations, pairwise
from typing import Any

import altair as alt
import pandas as pd

from dashboard.formatting import COUNT, DECIMAL, fmt_count, fmt_date, fmt_hours, fmt_month, fmt_pct, vega_axis_label
from dashboard.i18n import evaluation_text, level_label, status_label, ui_text
from dashboard.names import in_pinyin_order
from data_sources.schema import LEVELS, UNGRADED

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
GREEN = "#009E73"
AMBER = "#E69F00"
RED = "#D55E00"
NEUTRAL = "#0072B2"
LIGHT = "#56B4E9"
GREY = "#C8C8C8"
INK = "#333333"
# Text colours, chosen for a projector (WCAG contrast ≥ 4.5:1, tests/test_charts.py computes it):
# Streamlit's chart theme writes axis text in #808495, 3.7:1 on white.
BACKGROUND = "#FFFFFF"
TEXT = "#1F2933"  # the app theme's text colour, 14.8:1 on white
RED_TEXT = "#B34700"  # the status red darkened for text: 5.5:1 (#D55E00 itself is 3.9:1)
SYMBOL_INK = "#000000"  # ✓ ✗ ○ on the status cells: 6.1:1 on green, 5.4:1 on red (white would be 3.4:1)
TEXT_PX = 15  # axis and legend labels; no chart text is smaller than MIN_TEXT_PX
MIN_TEXT_PX = 14

STATUS_COLORS: dict[str, str] = {"green": GREEN, "amber": AMBER, "red": RED, "neutral": NEUTRAL, "none": GREY}
MILESTONE_COLORS: dict[str, str] = {"done": GREEN, "overdue": RED, "pending": GREY}
SUBMISSION_COLORS: dict[str, str] = {"reported": GREEN, "missing": RED}
MILESTONE_SYMBOLS: dict[str, str] = {"done": "✓", "overdue": "✗", "pending": "○"}
SUBMISSION_SYMBOLS: dict[str, str] = {"reported": "✓", "missing": "✗"}
# a unit-month's state (metrics.submission_matrix "state", 迟报 told apart): colour and mark
STATE_COLORS: dict[str, str] = {"on_time": GREEN, "late": AMBER, "missing": RED, "not_due": GREY}
STATE_SYMBOLS: dict[str, str] = {"on_time": "✓", "late": "!", "missing": "✗", "not_due": "○"}

UNIT_SELECTION = "unit_pick"
DEPT_SELECTION = "dept_pick"  # charts of departments (DESIGN §5 "at scale"): a click sets the filter
LEVEL_ORDER: tuple[str, ...] = (*LEVELS, UNGRADED)
FONT = "'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', 'WenQuanYi Micro Hei', 'Source Han Sans SC', sans-serif"
ROW_PX = 30
DEPT_ROW_PX = 22  # a federation's 30 departments: the 总览 stays within four laptop screens
LABEL_ROOM = 1.16  # the participation bars' x scale runs to 116%: room for "100.0%" right of 100%


def status_of(value: float | None, target: float | None, amber_ratio: float) -> str:
    """green when the target is met, amber when within ``amber_ratio`` of it, red below;
    ``none`` when there is no figure; ``neutral`` when there is no target."""
    if value is None or pd.isna(value):
        return "none"
    if target is None or pd.isna(target):
        return "neutral"
    if target <= 0 or value >= target - 1e-12:
        return "green"
    if value >= target * amber_ratio:
        return "amber"
    return "red"


def _t(key: str, lang: str, **params: Any) -> str:
    return ui_text(key, lang, **params)


def _style(chart: alt.TopLevelMixin) -> Any:
    """Projector-friendly fonts and dark text, applied once at the top level.

    ``labelOverlap=False``: Vega hides every other label of a crowded axis by default (the 阶段进度
    matrix lost 5 of its 10 milestones, the certificate axis 中级 and 技师); here every label shows
    and each chart makes room for its labels instead (wrapped, rotated or on a horizontal axis).
    """
    # one shallow copy with the config set as it is (each configure_* call copied the chart and
    # validated its argument: 14 ms a chart, a fifth of building 总览's charts)
    styled = chart.copy(deep=False)
    styled.autosize = _AUTOSIZE
    styled.config = _CONFIG
    return styled


# fit-x: the chart takes the page's width while ``height`` stays the height of the plot, so titles
# and legends do not squeeze the bars (Streamlit's default "fit" counts them in).
_AUTOSIZE = alt.AutoSizeParams(type="fit-x", contains="padding")
_CONFIG = alt.Config(
    font=FONT,
    background=BACKGROUND,
    axis=alt.AxisConfig(
        labelFontSize=TEXT_PX,
        titleFontSize=16,
        labelLimit=260,
        titleFontWeight="normal",
        labelColor=TEXT,
        titleColor=TEXT,
        labelOverlap=False,
    ),
    legend=alt.LegendConfig(
        labelFontSize=TEXT_PX,
        titleFontSize=TEXT_PX,
        labelColor=TEXT,
        titleColor=TEXT,
        orient="top",
        symbolSize=200,
        labelLimit=0,
    ),
    title=alt.TitleConfig(fontSize=19, anchor="start", color=TEXT),
    view=alt.ViewConfig(strokeWidth=0),
)


# ---- room for every axis label -------------------------------------------------------------------

# The plot widths a chart gets at 1366×768 with the sidebar open (the narrowest screen we design
# for): a full-width chart, and one in the 2/5 column of the overview.
FULL_PLOT_PX = 760
NARROW_PLOT_PX = 250
# Rotated labels are parallel: at 45° they keep apart while the band is wider than a line ÷ sin 45°
# (≈ 1.5 × the font size), upright (90°) while it is wider than a line.
ROTATED = -45
UPRIGHT = -90
LINE_BREAK = "\n"
WRAP_EXPR = "split(datum.label, '\\n')"  # a wrapped label's lines (Vega draws an array as lines)
# Vega stacks the lines of a label downwards from its baseline, which on a top axis runs them into
# the plot: there the lines go upwards instead, last line first.
WRAP_UP_EXPR = "reverse(split(datum.label, '\\n'))"
LINE_PX = 18


def _is_wide(ch: str) -> bool:
    return ord(ch) >= 0x2E80  # CJK, full-width forms


def text_px(text: str, font_px: int = TEXT_PX) -> float:
    """Estimated width of one line: a CJK character is one em, anything else about 0.6 em."""
    return sum(font_px if _is_wide(ch) else 0.6 * font_px for ch in text)


def _tokens(text: str) -> list[str]:
    """Pieces a label may break between: words (with their space) and pairs of CJK characters —
    most Chinese task names are two-character words (成立/领导/小组), so breaking after an even
    number of characters rarely splits a word."""
    out: list[str] = []
    buf = ""
    for ch in text:
        if _is_wide(ch):
            if buf and not _is_wide(buf[-1]):
                out.append(buf)
                buf = ""
            buf += ch
            if len(buf) == 2:
                out.append(buf)
                buf = ""
        else:
            if buf and _is_wide(buf[-1]):
                out.append(buf)
                buf = ""
            buf += ch
            if ch == " ":
                out.append(buf)
                buf = ""
    if buf:
        out.append(buf)
    return out


def wrap_label(text: str, width_px: float, font_px: int = TEXT_PX) -> list[str]:
    """``text`` in as few lines no wider than ``width_px`` as its pieces allow (a word wider than
    that stays whole on its own line), balanced so no line is left with a lone character:
    召开动员会 → 召开 / 动员会 rather than 召开动员 / 会."""
    tokens = _tokens(text)
    count = 1
    line = ""
    for token in tokens:  # greedy: how many lines are needed
        if line and text_px((line + token).rstrip(), font_px) > width_px:
            count += 1
            line = token.lstrip()
        else:
            line += token
    best: tuple[float, float, list[str]] | None = None
    for cuts in combinations(range(1, len(tokens)), min(count, len(tokens)) - 1):
        bounds = (0, *cuts, len(tokens))
        lines = ["".join(tokens[a:b]).strip() for a, b in pairwise(bounds)]
        widths = [text_px(x, font_px) for x in lines]
        key = (max(widths), -widths[0], lines)  # narrowest block, then the longer line first
        if best is None or key[:2] < best[:2]:
            best = key
    return best[2] if best else [text]


def band_labels(
    labels: Sequence[str], plot_px: float, wrap: bool = True, max_lines: int = 3
) -> tuple[dict[str, str], int]:
    """How the labels of a horizontal band axis all fit: each label's axis text (lines joined by
    ``LINE_BREAK``, drawn by ``WRAP_EXPR``) and the label angle. Labels that fit their band stay
    level; else they are wrapped (``wrap``) when every line then fits in ``max_lines`` lines; else
    they are rotated (one line each): by 45°, or upright when the bands are too narrow for that."""
    labels = list(dict.fromkeys(labels))
    if not labels:
        return {}, 0
    step = plot_px / len(labels)  # from one label's centre to the next
    band = step - 8  # a little air between neighbours
    if all(text_px(lb) <= band for lb in labels):
        return {lb: lb for lb in labels}, 0
    if wrap:
        wrapped = {lb: wrap_label(lb, band) for lb in labels}
        if all(len(ls) <= max_lines and all(text_px(x) <= band for x in ls) for ls in wrapped.values()):
            return {lb: LINE_BREAK.join(ls) for lb, ls in wrapped.items()}, 0
    return {lb: lb for lb in labels}, ROTATED if step >= 1.5 * TEXT_PX else UPRIGHT


def _unit_selection() -> alt.Parameter:
    return alt.selection_point(name=UNIT_SELECTION, fields=["unit"], on="click", clear="dblclick")


def _department_selection() -> alt.Parameter:
    return alt.selection_point(name=DEPT_SELECTION, fields=["department"], on="click", clear="dblclick")


def _status_scale(lang: str, statuses: Iterable[str]) -> alt.Scale:
    keys = [s for s in ("green", "amber", "red", "neutral", "none") if s in set(statuses)]
    return alt.Scale(domain=[status_label(s, lang) for s in keys], range=[STATUS_COLORS[s] for s in keys])


def _empty(lang: str) -> alt.Chart:
    frame = pd.DataFrame({"text": [_t("no_data", lang)]})
    return _style(
        alt.Chart(frame)
        .mark_text(fontSize=18, color=TEXT)
        .encode(text="text:N")
        .properties(height=120, width="container")
    )


def participation_by_unit(
    df: pd.DataFrame,
    target: float,
    amber_ratio: float = 0.9,
    lang: str = "zh",
    by: str = "unit",
) -> Any:
    """Horizontal bars of 参学率 per unit, highest first, a dashed target line and the status
    colour per bar (a ``target`` column, if present, gives each unit its own target). With
    ``by="department"`` one bar per department (``metrics.department_table``), clickable through
    ``DEPT_SELECTION``."""
    data = df[df["headcount"].fillna(0) > 0].copy() if "headcount" in df else df.copy()
    data = data[data["participation_rate"].notna()]
    if data.empty:
        return _empty(lang)
    targets = data["target"] if "target" in data else pd.Series(target, index=data.index)
    data["status_key"] = [
        status_of(v, t, amber_ratio) for v, t in zip(data["participation_rate"], targets, strict=True)
    ]
    data["status"] = [status_label(s, lang) for s in data["status_key"]]
    data["rate_text"] = data["participation_rate"].map(fmt_pct)
    data["participants_text"] = data.get("participants", pd.Series(dtype=float)).map(lambda v: fmt_count(v, lang))
    data["headcount_text"] = data.get("headcount", pd.Series(dtype=float)).map(lambda v: fmt_count(v, lang))
    data["target_text"] = pd.Series(targets, index=data.index).map(fmt_pct)
    if "department" not in data:
        data["department"] = ""
    data = data.sort_values(["participation_rate", by], ascending=[False, True])
    order = data[by].tolist()
    sel = _unit_selection() if by == "unit" else _department_selection()
    x_max = max(1.0, float(data["participation_rate"].max()))
    # the figures stand in a column right of 100%, where the target line never crosses them
    x = alt.X(
        "participation_rate:Q",
        title=_t("participation_rate", lang),
        scale=alt.Scale(domain=[0, x_max * LABEL_ROOM]),
        axis=alt.Axis(format="%", values=[k / 5 for k in range(int(x_max * 5 + 1e-9) + 1)]),
    )
    y = alt.Y(f"{by}:N", sort=order, title=None)
    if by == "unit":
        who = [alt.Tooltip("unit:N", title=_t("unit", lang)), alt.Tooltip("department:N", title=_t("department", lang))]
    else:
        data["units_text"] = data["units"].map(lambda v: fmt_count(v, lang))
        who = [
            alt.Tooltip("department:N", title=_t("department", lang)),
            alt.Tooltip("units_text:N", title=_t("units_n", lang)),
        ]
    tooltip = [
        *who,
        alt.Tooltip("rate_text:N", title=_t("participation_rate", lang)),
        alt.Tooltip("participants_text:N", title=_t("participants", lang)),
        alt.Tooltip("headcount_text:N", title=_t("headcount", lang)),
        alt.Tooltip("target_text:N", title=_t("target", lang)),
        alt.Tooltip("status:N", title=_t("status", lang)),
    ]
    base = alt.Chart(data)
    bars = (
        base.mark_bar(cornerRadiusEnd=3, height={"band": 0.75})
        .encode(
            x=x,
            y=y,
            color=alt.Color("status:N", scale=_status_scale(lang, data["status_key"]), title=_t("status", lang)),
            opacity=alt.condition(sel, alt.value(1.0), alt.value(0.45)),
            tooltip=tooltip,
        )
        .add_params(sel)
    )
    labels = base.mark_text(align="left", dx=6, fontSize=MIN_TEXT_PX, color=INK).encode(
        x=alt.datum(x_max), y=y, text="rate_text:N", tooltip=tooltip
    )
    rule_frame = pd.DataFrame({"target": [target], "label": [_t("target_line", lang, value=fmt_pct(target))]})
    rule = alt.Chart(rule_frame).mark_rule(color=INK, strokeDash=[6, 4], strokeWidth=2).encode(x="target:Q")
    rule_text = (
        alt.Chart(rule_frame)
        .mark_text(align="right", dx=-4, dy=-8, fontSize=MIN_TEXT_PX, color=INK, fontWeight="bold")
        .encode(x="target:Q", y=alt.value(0), text="label:N")
    )
    chart = alt.layer(bars, labels, rule, rule_text).properties(
        height=max(160, (ROW_PX if by == "unit" else DEPT_ROW_PX) * len(data)),
        width="container",
        title=_t("chart_participation_title" if by == "unit" else "chart_participation_dept_title", lang),
    )
    return _style(chart)


MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _month_frame(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``month_label`` (2024年3月) for tooltips and ``month_axis`` for the axis: just 3月 / Mar
    when every month is in one year, so twelve labels fit side by side on a projector."""
    data = df.copy()
    data["month_label"] = data["month"].map(lambda m: fmt_month(m, lang))
    one_year = data["month"].str[:4].nunique() <= 1
    if one_year:
        data["month_axis"] = data["month"].map(
            lambda m: f"{int(m[5:7])}月" if lang == "zh" else MONTH_ABBR[int(m[5:7]) - 1]
        )
    else:
        data["month_axis"] = data["month_label"]
    return data


def _month_title(data: pd.DataFrame, lang: str) -> str:
    years = sorted(data["month"].str[:4].unique())
    if len(years) == 1:
        return f"{_t('month', lang)}（{years[0]}年）" if lang == "zh" else f"{_t('month', lang)} ({years[0]})"
    return _t("month", lang)


def _month_x(data: pd.DataFrame, lang: str, plot_px: float, **axis: Any) -> alt.X:
    """The month band axis: level labels when they fit the chart's narrowest width, else at 45°."""
    order = data["month_axis"].tolist()
    _, angle = band_labels(order, plot_px, wrap=False)
    return alt.X("month_axis:N", sort=order, title=_month_title(data, lang), axis=alt.Axis(labelAngle=angle, **axis))


def hours_by_month(df: pd.DataFrame, lang: str = "zh", plot_px: float = NARROW_PLOT_PX) -> Any:
    """Bars of 培训学时 per month with the figure on each bar (``metrics.monthly`` frame)."""
    if df.empty:
        return _empty(lang)
    data = _month_frame(df, lang)
    data["hours_text"] = data["training_hours"].map(lambda v: fmt_hours(v, lang))
    data["hours_label"] = data["training_hours"].map(lambda v: fmt_hours(v, lang, compact=True))
    data["participants_text"] = data["participants"].map(lambda v: fmt_count(v, lang)) if "participants" in data else ""
    data["rate_text"] = data["participation_rate"].map(fmt_pct) if "participation_rate" in data else ""
    data["units_text"] = data["units_reported"].map(lambda v: fmt_count(v, lang)) if "units_reported" in data else ""
    x = _month_x(data, lang, plot_px)
    tooltip = [
        alt.Tooltip("month_label:N", title=_t("month", lang)),
        alt.Tooltip("hours_text:N", title=_t("training_hours", lang)),
        alt.Tooltip("participants_text:N", title=_t("participants", lang)),
        alt.Tooltip("rate_text:N", title=_t("participation_rate", lang)),
        alt.Tooltip("units_text:N", title=_t("units_reported", lang)),
    ]
    base = alt.Chart(data)
    bars = base.mark_bar(color=NEUTRAL, cornerRadiusEnd=3).encode(
        x=x,
        y=alt.Y(
            "training_hours:Q",
            title=_t("training_hours_axis", lang),
            axis=alt.Axis(labelExpr=vega_axis_label(DECIMAL, lang)),
        ),
        tooltip=tooltip,
    )
    layers = [bars]
    if len(data) <= 6:  # more labels would collide; the tooltip has the exact figure
        layers.append(
            base.mark_text(dy=-9, fontSize=MIN_TEXT_PX, color=INK).encode(
                x=x, y="training_hours:Q", text="hours_label:N", tooltip=tooltip
            )
        )
    return _style(alt.layer(*layers).properties(height=320, width="container", title=_t("chart_hours_title", lang)))


def participation_by_month(
    df: pd.DataFrame, target: float, amber_ratio: float = 0.9, lang: str = "zh", plot_px: float = NARROW_PLOT_PX
) -> Any:
    """Line of the monthly 参学率 with coloured status points and the target line."""
    data = df[df["participation_rate"].notna()] if not df.empty else df
    if data.empty:
        return _empty(lang)
    data = _month_frame(data, lang)
    data["status_key"] = [status_of(v, target, amber_ratio) for v in data["participation_rate"]]
    data["status"] = [status_label(s, lang) for s in data["status_key"]]
    data["rate_text"] = data["participation_rate"].map(fmt_pct)
    data["participants_text"] = data["participants"].map(lambda v: fmt_count(v, lang))
    data["headcount_text"] = data["headcount"].map(lambda v: fmt_count(v, lang))
    x = _month_x(data, lang, plot_px)
    y = alt.Y(
        "participation_rate:Q",
        title=_t("participation_rate", lang),
        axis=alt.Axis(format="%"),
        scale=alt.Scale(domain=[min(0.5, float(data["participation_rate"].min())), 1.0]),
    )
    tooltip = [
        alt.Tooltip("month_label:N", title=_t("month", lang)),
        alt.Tooltip("rate_text:N", title=_t("participation_rate", lang)),
        alt.Tooltip("participants_text:N", title=_t("participants", lang)),
        alt.Tooltip("headcount_text:N", title=_t("headcount", lang)),
        alt.Tooltip("status:N", title=_t("status", lang)),
    ]
    base = alt.Chart(data)
    line = base.mark_line(color=NEUTRAL, strokeWidth=3).encode(x=x, y=y)
    points = base.mark_point(filled=True, size=160, opacity=1).encode(
        x=x,
        y=y,
        color=alt.Color("status:N", scale=_status_scale(lang, data["status_key"]), title=_t("status", lang)),
        tooltip=tooltip,
    )
    rule_frame = pd.DataFrame({"target": [target], "label": [_t("target_line", lang, value=fmt_pct(target))]})
    rule = alt.Chart(rule_frame).mark_rule(color=INK, strokeDash=[6, 4], strokeWidth=2).encode(y="target:Q")
    return _style(
        alt.layer(line, points, rule).properties(
            height=320, width="container", title=_t("chart_participation_month_title", lang)
        )
    )


def certificates_by_level(counts: Mapping[str, int], lang: str = "zh") -> Any:
    """Horizontal bars of certificates per level, top to bottom in the fixed order 初级 … 高级技师,
    其他, 未分级. Horizontal so every level name shows at any width and in English ("Senior
    technician (1)"): seven columns in the overview's narrow column left room for every other one."""
    levels = [lv for lv in LEVEL_ORDER if lv in counts or lv in LEVELS]
    levels += [lv for lv in counts if lv not in levels]
    data = pd.DataFrame({"level": levels, "count": [int(counts.get(lv, 0) or 0) for lv in levels]})
    if int(data["count"].sum()) == 0:
        return _empty(lang)
    data["level_label"] = data["level"].map(lambda lv: level_label(lv, lang))
    data["count_text"] = data["count"].map(lambda v: fmt_count(v, lang))
    data["count_label"] = data["count"].map(lambda v: fmt_count(v, lang, compact=True))
    order = data["level_label"].tolist()
    y = alt.Y("level_label:N", sort=order, title=None)
    tooltip = [
        alt.Tooltip("level_label:N", title=_t("cert_level", lang)),
        alt.Tooltip("count_text:N", title=_t("certificates", lang)),
    ]
    base = alt.Chart(data)
    bars = base.mark_bar(cornerRadiusEnd=3, height={"band": 0.7}).encode(
        x=alt.X(
            "count:Q",
            title=_t("certificates", lang),
            axis=alt.Axis(labelExpr=vega_axis_label(COUNT, lang), tickMinStep=1),
        ),
        y=y,
        color=alt.condition(alt.datum.level == UNGRADED, alt.value(GREY), alt.value(NEUTRAL)),
        tooltip=tooltip,
    )
    text = base.mark_text(align="left", dx=4, fontSize=MIN_TEXT_PX, color=INK).encode(
        x="count:Q", y=y, text="count_label:N", tooltip=tooltip
    )
    return _style(
        alt.layer(bars, text).properties(
            height=ROW_PX * len(data), width="container", title=_t("chart_cert_title", lang)
        )
    )


def top_learners(df: pd.DataFrame, lang: str = "zh", title: bool = True) -> Any:
    """Horizontal bars of learning points of the top learners, rank order, clickable by unit."""
    if df.empty:
        return _empty(lang)
    data = df.copy()
    data["who"] = [f"{r}. {n}（{u}）" for r, n, u in zip(data["rank"], data["name"], data["unit"], strict=True)]
    data["points_text"] = data["points"].map(lambda v: fmt_hours(v, lang))
    data["hours_text"] = data["hours"].map(lambda v: fmt_hours(v, lang))
    order = data["who"].tolist()
    sel = _unit_selection()
    y = alt.Y("who:N", sort=order, title=None)
    tooltip = [
        alt.Tooltip("rank:Q", title=_t("rank", lang)),
        alt.Tooltip("employee_id:N", title=_t("employee_id", lang)),
        alt.Tooltip("name:N", title=_t("name", lang)),
        alt.Tooltip("unit:N", title=_t("unit", lang)),
        alt.Tooltip("points_text:N", title=_t("points", lang)),
        alt.Tooltip("hours_text:N", title=_t("training_hours", lang)),
    ]
    base = alt.Chart(data)
    bars = (
        base.mark_bar(color=NEUTRAL, cornerRadiusEnd=3)
        .encode(
            x=alt.X("points:Q", title=_t("points", lang), axis=alt.Axis(labelExpr=vega_axis_label(DECIMAL, lang))),
            y=y,
            opacity=alt.condition(sel, alt.value(1.0), alt.value(0.45)),
            tooltip=tooltip,
        )
        .add_params(sel)
    )
    text = base.mark_text(align="left", dx=4, fontSize=MIN_TEXT_PX, color=INK).encode(
        x="points:Q", y=y, text="points_text:N"
    )
    return _style(
        alt.layer(bars, text).properties(
            height=max(160, ROW_PX * len(data)),
            width="container",
            title=_t("chart_top_title", lang) if title else "",
        )
    )


def phase_timeline(
    phases: Sequence[Any],
    milestones: pd.DataFrame | None,
    marker: date | None,
    marker_label: str,
    amber_ratio: float = 0.9,
    lang: str = "zh",
) -> Any:
    """The campaign year: one bar per phase, milestones as diamonds on their due date coloured by the
    share of units done (``metrics.milestone_matrix`` frame), and a rule at ``marker`` (today, or
    the end of the period when today lies outside the campaign year)."""
    if not phases:
        return _empty(lang)
    names = [p.name if lang == "zh" else p.name_en for p in phases]
    current = next((p for p in phases if marker and p.start <= marker <= p.end), None)
    rows = []
    for p, label in zip(phases, names, strict=True):
        state = "current" if p is current else ("past" if marker and p.end < marker else "future")
        rows.append(
            {
                "phase": label,
                "start": pd.Timestamp(p.start),
                "end": pd.Timestamp(p.end) + pd.Timedelta(hours=23),
                "state": _t(f"phase_{state}", lang),
                "state_key": state,
                "dates": f"{fmt_date(p.start, lang)} — {fmt_date(p.end, lang)}",
            }
        )
    pdata = pd.DataFrame(rows)
    state_keys = [s for s in ("past", "current", "future") if s in set(pdata["state_key"])]
    state_colors = {"past": LIGHT, "current": NEUTRAL, "future": GREY}
    y = alt.Y("phase:N", sort=names, title=None, axis=alt.Axis(labelFontSize=16))
    domain_start = pd.Timestamp(min(p.start for p in phases))
    domain_end = pd.Timestamp(max(p.end for p in phases)) + pd.Timedelta(hours=23)
    x_scale = alt.Scale(domain=[domain_start.isoformat(), domain_end.isoformat()])
    month_format = "%-m月" if lang == "zh" else "%b"
    bars = (
        alt.Chart(pdata)
        .mark_bar(height={"band": 0.6}, cornerRadius=4)
        .encode(
            x=alt.X(
                "start:T",
                title=None,
                scale=x_scale,
                axis=alt.Axis(format=month_format, tickCount="month", labelFontSize=MIN_TEXT_PX, grid=True),
            ),
            x2="end:T",
            y=y,
            color=alt.Color(
                "state:N",
                scale=alt.Scale(
                    domain=[_t(f"phase_{s}", lang) for s in state_keys], range=[state_colors[s] for s in state_keys]
                ),
                title=None,
            ),
            tooltip=[
                alt.Tooltip("phase:N", title=_t("phase", lang)),
                alt.Tooltip("dates:N", title=_t("dates", lang)),
                alt.Tooltip("state:N", title=_t("status", lang)),
            ],
        )
    )
    layers: list[Any] = [bars]

    ms_rows = []
    done_by: dict[str, tuple[int, int]] = {}
    if milestones is not None and not milestones.empty:
        for name, grp in milestones.groupby("milestone", sort=False):
            done_by[str(name)] = (int((grp["status"] == "done").sum()), len(grp))
    for p, label in zip(phases, names, strict=True):
        for m in p.milestones:
            done, total = done_by.get(m.name, (0, 0))
            share = done / total if total else None
            due_passed = marker is not None and m.due <= marker
            if not due_passed:
                key = "neutral"  # not yet due
            elif share is None:
                key = "none"
            else:
                key = status_of(share, 1.0, amber_ratio)
            ms_rows.append(
                {
                    "phase": label,
                    "milestone": m.name if lang == "zh" else m.name_en,
                    "due": pd.Timestamp(m.due) + pd.Timedelta(hours=12),
                    "due_text": fmt_date(m.due, lang),
                    "done_text": f"{done}/{total}" if total else "—",
                    "share_text": fmt_pct(share) if share is not None else "—",
                    "status_key": key,
                    "status": _t("ms_not_due", lang) if key == "neutral" else status_label(key, lang),
                }
            )
    if ms_rows:
        mdata = pd.DataFrame(ms_rows)
        keys = [k for k in ("green", "amber", "red", "neutral", "none") if k in set(mdata["status_key"])]
        labels = [_t("ms_not_due", lang) if k == "neutral" else status_label(k, lang) for k in keys]
        layers.append(
            alt.Chart(mdata)
            .mark_point(shape="diamond", filled=True, size=260, stroke="white", strokeWidth=1.5, opacity=1)
            .encode(
                x="due:T",
                y=y,
                fill=alt.Fill(
                    "status:N",
                    scale=alt.Scale(domain=labels, range=[STATUS_COLORS[k] for k in keys]),
                    title=_t("milestone", lang),
                ),
                tooltip=[
                    alt.Tooltip("milestone:N", title=_t("milestone", lang)),
                    alt.Tooltip("phase:N", title=_t("phase", lang)),
                    alt.Tooltip("due_text:N", title=_t("due", lang)),
                    alt.Tooltip("done_text:N", title=_t("units_done", lang)),
                    alt.Tooltip("share_text:N", title=_t("share_done", lang)),
                    alt.Tooltip("status:N", title=_t("status", lang)),
                ],
            )
        )
    if marker is not None and domain_start <= pd.Timestamp(marker) <= domain_end:
        rframe = pd.DataFrame({"at": [pd.Timestamp(marker) + pd.Timedelta(hours=12)], "label": [marker_label]})
        layers.append(alt.Chart(rframe).mark_rule(color=RED, strokeWidth=3, strokeDash=[2, 2]).encode(x="at:T"))
        layers.append(
            alt.Chart(rframe)
            .mark_text(align="left", dx=5, dy=-6, fontSize=TEXT_PX, fontWeight="bold", color=RED_TEXT)
            .encode(x="at:T", y=alt.value(0), text="label:N")
        )
    chart = (
        alt.layer(*layers)
        .resolve_scale(color="independent", fill="independent")
        .properties(height=max(150, 62 * len(phases)), width="container", title=_t("chart_phase_title", lang))
    )
    return _style(chart)


def milestone_matrix(
    df: pd.DataFrame,
    unit_order: Sequence[str] | None = None,
    lang: str = "zh",
    labels: Mapping[str, str] | None = None,
    plot_px: float = FULL_PLOT_PX,
    by: str = "unit",
) -> Any:
    """Units × milestones grid (``metrics.milestone_matrix`` frame): done / overdue / not yet due,
    with a symbol in each cell so the status does not rely on colour alone; click a row's cell to
    open the unit. ``labels`` renames phases and milestones — in English
    ``i18n.campaign_names(settings.phases, "en")``, their config.toml ``name_en``. Every milestone header shows: wrapped into lines that fit its column at
    ``plot_px`` (the narrowest width the chart gets), or at 45° when a word is too long for that.
    With ``by="department"`` (``metrics.department_milestones``) a row is a department, its cells
    read "units done/units" and a click sets the department filter."""
    if df.empty:
        return _empty(lang)
    data = df.copy()
    if labels:
        data["milestone"] = data["milestone"].map(lambda m: labels.get(m, m))
        data["phase"] = data["phase"].map(lambda p: labels.get(p, p))
    data["status_label"] = data["status"].map(lambda s: _t(f"ms_{s}", lang))
    data["due_text"] = data["due"].map(lambda d: fmt_date(_as_date(d), lang))
    if by == "unit":
        data["symbol"] = data["status"].map(MILESTONE_SYMBOLS).fillna("")
        data["done_text"] = data["done_date"].map(lambda d: fmt_date(_as_date(d), lang))
        detail = [alt.Tooltip("done_text:N", title=_t("done_date", lang))]
    else:
        data["symbol"] = [f"{d}/{t}" for d, t in zip(data["done"], data["total"], strict=True)]
        data["overdue_text"] = data["overdue"].map(lambda v: fmt_count(v, lang))
        detail = [
            alt.Tooltip("symbol:N", title=_t("units_done", lang)),
            alt.Tooltip("overdue_text:N", title=_t("units_overdue", lang)),
        ]
    ms_order = data.sort_values(["due", "milestone"])["milestone"].drop_duplicates().tolist()
    axis_text, angle = band_labels(ms_order, plot_px)
    data["milestone_axis"] = data["milestone"].map(axis_text)
    units = list(unit_order) if unit_order is not None else in_pinyin_order(data[by].unique())
    keys = [k for k in ("done", "overdue", "pending") if k in set(data["status"])]
    x = alt.X(
        "milestone_axis:N",
        sort=[axis_text[m] for m in ms_order],
        title=None,
        axis=alt.Axis(
            orient="top",
            labelAngle=angle,
            labelExpr=WRAP_UP_EXPR,
            labelLineHeight=-LINE_PX,
            labelLimit=0,
            labelPadding=6,
            labelFlush=False,
            **({"labelAlign": "center"} if angle == 0 else {"labelAlign": "left", "labelBaseline": "middle"}),
        ),
    )
    y = alt.Y(f"{by}:N", sort=units, title=None)
    tooltip = [
        alt.Tooltip(f"{by}:N", title=_t(by, lang)),
        alt.Tooltip("phase:N", title=_t("phase", lang)),
        alt.Tooltip("milestone:N", title=_t("milestone", lang)),
        alt.Tooltip("due_text:N", title=_t("due", lang)),
        *detail,
        alt.Tooltip("status_label:N", title=_t("status", lang)),
    ]
    legend = [_t(f"ms_{k}", lang) for k in keys]
    colors = [MILESTONE_COLORS[k] for k in keys]
    return _status_grid(data, x, y, tooltip, legend, colors, len(units), lang, by, 17 if by == "unit" else 14)


def submission_matrix(
    df: pd.DataFrame,
    unit_order: Sequence[str] | None = None,
    lang: str = "zh",
    plot_px: float = FULL_PLOT_PX,
    by: str = "unit",
) -> Any:
    """Units × months grid (``metrics.submission_matrix`` frame): on time, late (迟报), missing or
    not yet due when the frame has its ``state`` (else reported or missing), with the source
    (台账/月报), the day first received, the due day and the last update in the tooltip. With ``by="department"``
    (``metrics.department_submissions``) a row is a department, its cells read "units
    reported/units" and a click sets the department filter."""
    if df.empty:
        return _empty(lang)
    data = _month_frame(df, lang)
    states = by == "unit" and "state" in data.columns
    key = "state" if states else "status"
    data["status_label"] = data[key].map(lambda s: _t(f"sub_{s}", lang))
    data["updated_text"] = data["last_updated"].map(lambda d: fmt_date(_as_datetime(d), lang))
    if by == "unit":
        data["symbol"] = data[key].map(STATE_SYMBOLS if states else SUBMISSION_SYMBOLS).fillna("")
        data["source_label"] = data["source"].fillna("").map(lambda s: _t(f"source_{s or 'none'}", lang))
        detail = [alt.Tooltip("source_label:N", title=_t("source", lang))]
        if states:
            data["received_text"] = data["first_received"].map(lambda d: fmt_date(_as_date(d), lang))
            data["due_text"] = data["due"].map(lambda d: fmt_date(_as_date(d), lang))
            detail += [
                alt.Tooltip("received_text:N", title=_t("first_received", lang)),
                alt.Tooltip("due_text:N", title=_t("report_due", lang)),
            ]
    else:
        data["symbol"] = [f"{r}/{t}" for r, t in zip(data["reported"], data["total"], strict=True)]
        detail = [alt.Tooltip("symbol:N", title=_t("units_reported", lang))]
    order = data.sort_values("month")["month_axis"].drop_duplicates().tolist()
    units = list(unit_order) if unit_order is not None else in_pinyin_order(data[by].unique())
    palette = STATE_COLORS if states else SUBMISSION_COLORS
    keys = [k for k in palette if k in set(data[key])]
    _, angle = band_labels(order, plot_px, wrap=False)
    x = alt.X("month_axis:N", sort=order, title=_month_title(data, lang), axis=alt.Axis(orient="top", labelAngle=angle))
    y = alt.Y(f"{by}:N", sort=units, title=None)
    tooltip = [
        alt.Tooltip(f"{by}:N", title=_t(by, lang)),
        alt.Tooltip("month_label:N", title=_t("month", lang)),
        alt.Tooltip("status_label:N", title=_t("status", lang)),
        *detail,
        alt.Tooltip("updated_text:N", title=_t("last_updated", lang)),
    ]
    labels = [_t(f"sub_{k}", lang) for k in keys]
    colors = [palette[k] for k in keys]
    return _status_grid(data, x, y, tooltip, labels, colors, len(units), lang, by, 17 if by == "unit" else 14)


def _status_grid(
    data: pd.DataFrame,
    x: Any,
    y: Any,
    tooltip: list[Any],
    labels: list[str],
    colors: list[str],
    rows: int,
    lang: str,
    by: str = "unit",
    font_px: int = 17,
) -> Any:
    """A units × columns grid of coloured cells (one colour per status label) with the status
    symbol on each; clicking a row selects its unit (the drill-down) or its department."""
    sel = _unit_selection() if by == "unit" else _department_selection()
    base = alt.Chart(data)
    rects = (
        base.mark_rect(stroke="white", strokeWidth=2)
        .encode(
            x=x,
            y=y,
            color=alt.Color("status_label:N", scale=alt.Scale(domain=labels, range=colors), title=_t("status", lang)),
            opacity=alt.condition(sel, alt.value(1.0), alt.value(0.5)),
            tooltip=tooltip,
        )
        .add_params(sel)
    )
    text = base.mark_text(fontSize=font_px, color=SYMBOL_INK, fontWeight="bold").encode(
        x=x, y=y, text="symbol:N", tooltip=tooltip
    )
    return _style(alt.layer(rects, text).properties(height=max(160, 34 * rows), width="container"))


def _as_date(value: Any) -> date | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return pd.Timestamp(value).date()
    except (ValueError, TypeError):
        return None


def _as_datetime(value: Any) -> Any:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, str):
        try:
            return pd.Timestamp(value).to_pydatetime()
        except ValueError:
            return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


# ---- 考核评比 (DESIGN §4b) -------------------------------------------------------------------------

# One colour per indicator of [evaluation] (Okabe-Ito, none of them the status red a veto reads as).
INDICATOR_COLORS: tuple[str, ...] = (NEUTRAL, LIGHT, GREEN, AMBER, "#CC79A7")
SCORE_AXIS_MAX = 125


def evaluation_scores(
    units: pd.DataFrame,
    indicators: pd.DataFrame,
    order: Sequence[str],
    notes: Mapping[str, str],
    lang: str = "zh",
) -> Any:
    """Each unit's 考核得分 as a horizontal bar stacked by indicator, in ranking order, the score
    (and ``notes[unit]``: 推荐, 否决 …) at its end; a click on a unit opens it.

    ``units``: the evaluation's units (``unit``, ``rank``, ``score``); ``indicators``: its long
    frame (``unit``, ``indicator``, ``weight``, ``actual``, ``target``, ``attainment``, ``points``);
    ``order``: the indicator keys in stacking order."""
    if units.empty:
        return _empty(lang)
    labels = {k: evaluation_text(f"ind_{k}", lang) for k in order}
    data = indicators[indicators["unit"].isin(units["unit"])].copy()
    rank = dict(zip(units["unit"], units["rank"], strict=True))
    score = dict(zip(units["unit"], units["score"], strict=True))
    data["label"] = data["indicator"].map(labels)
    data["stack"] = data["indicator"].map({k: i for i, k in enumerate(order)})
    data["rank"] = data["unit"].map(rank)
    data["score_text"] = data["unit"].map(lambda u: f"{score[u]:.1f}")
    data["points_text"] = data["points"].map(lambda v: f"{v:.1f}")
    data["attainment_text"] = data["attainment"].map(lambda v: fmt_pct(v))
    percent = {"participation_rate", "phase_progress", "submission_rate"}
    data["actual_text"] = [
        fmt_pct(a) if k in percent else f"{a:,.1f}" for k, a in zip(data["indicator"], data["actual"], strict=True)
    ]
    data["target_text"] = [
        fmt_pct(t) if k in percent else f"{t:,.1f}" for k, t in zip(data["indicator"], data["target"], strict=True)
    ]
    unit_order = units["unit"].tolist()
    sel = _unit_selection()
    y = alt.Y("unit:N", sort=unit_order, title=None)
    tooltip = [
        alt.Tooltip("rank:Q", title=_t("rank", lang)),
        alt.Tooltip("unit:N", title=_t("unit", lang)),
        alt.Tooltip("score_text:N", title=evaluation_text("col_score", lang)),
        alt.Tooltip("label:N", title=evaluation_text("page_indicator", lang)),
        alt.Tooltip("actual_text:N", title=evaluation_text("page_actual", lang)),
        alt.Tooltip("target_text:N", title=_t("target", lang)),
        alt.Tooltip("attainment_text:N", title=evaluation_text("page_attainment", lang)),
        alt.Tooltip("points_text:N", title=evaluation_text("page_points", lang)),
    ]
    bars = (
        alt.Chart(data)
        .mark_bar(height={"band": 0.75})
        .encode(
            x=alt.X(
                "sum(points):Q",
                title=evaluation_text("col_score", lang),
                scale=alt.Scale(domain=[0, SCORE_AXIS_MAX]),  # room after 100 for the score and its note
                axis=alt.Axis(values=[0, 20, 40, 60, 80, 100]),
            ),
            y=y,
            color=alt.Color(
                "label:N",
                scale=alt.Scale(domain=[labels[k] for k in order], range=list(INDICATOR_COLORS[: len(order)])),
                title=evaluation_text("page_indicator", lang),
            ),
            order=alt.Order("stack:Q", sort="ascending"),
            opacity=alt.condition(sel, alt.value(1.0), alt.value(0.45)),
            tooltip=tooltip,
        )
        .add_params(sel)
    )
    ends = units[["unit", "score"]].copy()
    ends["text"] = [
        f"{s:.1f}" + (f"  {notes[u]}" if notes.get(u) else "") for u, s in zip(ends["unit"], ends["score"], strict=True)
    ]
    text = (
        alt.Chart(ends)
        .mark_text(align="left", dx=4, fontSize=MIN_TEXT_PX, color=INK)
        .encode(x="score:Q", y=alt.Y("unit:N", sort=unit_order, title=None), text="text:N")
    )
    return _style(
        alt.layer(bars, text).properties(
            height=max(160, ROW_PX * len(units)),
            width="container",
            title=evaluation_text("page_chart_title", lang),
        )
    )
