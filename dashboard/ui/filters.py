"""The sidebar filters (department, unit type, pilot, period) and the language switch, mirrored
in the URL so a copied link restores the view; the run's ``Selection`` and the selections and
texts derived from it (scope, one unit, the previous period, the same period last year, the whole
stored span).

Imports ``session``, ``database``, ``cache`` and ``periods``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import streamlit as st

from dashboard.campaigns import default_year
from dashboard.i18n import fmt_month, ui_text
from dashboard.metrics import Selection
from dashboard.ui.cache import filter_options, year_settings, years
from dashboard.ui.database import is_empty
from dashboard.ui.periods import anchor_month, month_of, period_options, quick_label, quick_picks
from dashboard.ui.session import K_LANG, YEAR_SETTINGS, get_settings, lang, list_sep, settings, t

# Query parameters that carry the filters (a copied URL restores the view).
QP_DEPT, QP_TYPE, QP_PILOT, QP_FROM, QP_TO, QP_LANG, QP_UNIT = "dept", "type", "pilot", "from", "to", "lang", "unit"
QP_YEAR = "year"
FILTER_PARAMS = (QP_YEAR, QP_DEPT, QP_TYPE, QP_PILOT, QP_FROM, QP_TO, QP_LANG)

# session_state keys of the sidebar widgets
K_DEPT, K_TYPE, K_PILOT, K_QUICK, K_RANGE = "f_dept", "f_type", "f_pilot", "f_quick", "f_range"
K_YEAR = "f_year"
_INIT = "_filters_from_url"
_RANGE, _RANGE_V = "_period", "_period_version"  # the period lives here; the slider is keyed by version
_SELECTION = "_selection"
DRILL_DEPT = "_drill_department"  # a click on a department (DESIGN §5 "at scale"), applied next run
_NEXT_YEAR = "_next_year"  # a year to switch to (活动设置's "start next year"), applied next run


def _qp_list(key: str) -> list[str]:
    """Repeated (?dept=a&dept=b) or comma-separated (?dept=a,b) values."""
    values: list[str] = []
    for v in st.query_params.get_all(key):
        values.extend(x.strip() for x in v.split(",") if x.strip())
    return values


def _load_from_url(opts: dict[str, list[Any]], options: list[str], default: tuple[str, str]) -> None:
    """First run of a session: the URL (a bookmark, a shared link) sets the widgets."""
    qp = st.query_params
    ss = st.session_state
    ss[K_DEPT] = [d for d in _qp_list(QP_DEPT) if d in opts.get("departments", [])]
    ss[K_TYPE] = [d for d in _qp_list(QP_TYPE) if d in opts.get("unit_types", [])]
    ss[K_PILOT] = qp.get(QP_PILOT, "").lower() in ("1", "true", "yes", "是")
    a, b = qp.get(QP_FROM), qp.get(QP_TO)
    a = a if a in options else None
    b = b if b in options else None
    if a is None and b is None:
        a, b = default
    a, b = a or b, b or a
    ss[_RANGE] = (min(a, b), max(a, b))  # type: ignore[type-var]


def _sync_url(sel: Selection, language: str, year: int) -> None:
    """Write the filters into the URL (only what changed), keeping other parameters (?unit=)."""
    want: dict[str, list[str]] = {
        QP_YEAR: [str(year)],
        QP_DEPT: list(sel.departments),
        QP_TYPE: list(sel.unit_types),
        QP_PILOT: ["1"] if sel.pilot_only else [],
        QP_FROM: [sel.month_from] if sel.month_from else [],
        QP_TO: [sel.month_to] if sel.month_to else [],
        QP_LANG: [language] if language != settings().default_language else [],
    }
    for key, values in want.items():
        if st.query_params.get_all(key) == values:
            continue
        if values:
            st.query_params[key] = values if len(values) > 1 else values[0]
        elif key in st.query_params:
            del st.query_params[key]


def filter_query_params(sel: Selection | None = None) -> dict[str, str | list[str]]:
    """The current filters as query parameters (for links and page switches)."""
    sel = sel or selection()
    out: dict[str, str | list[str]] = {}
    if st.session_state.get(K_YEAR):
        out[QP_YEAR] = str(st.session_state[K_YEAR])
    if sel.departments:
        out[QP_DEPT] = list(sel.departments)
    if sel.unit_types:
        out[QP_TYPE] = list(sel.unit_types)
    if sel.pilot_only:
        out[QP_PILOT] = "1"
    if sel.month_from:
        out[QP_FROM] = sel.month_from
    if sel.month_to:
        out[QP_TO] = sel.month_to
    if lang() != settings().default_language:
        out[QP_LANG] = lang()
    return out


def language_switch() -> str:
    """The 中文/English switch at the bottom of the sidebar; returns the language."""
    if K_LANG not in st.session_state:
        url_lang = st.query_params.get(QP_LANG)
        st.session_state[K_LANG] = url_lang if url_lang in ("zh", "en") else settings().default_language
    st.sidebar.segmented_control(
        ui_text("language", "zh"),
        ["zh", "en"],
        key=K_LANG,
        format_func=lambda v: "中文" if v == "zh" else "English",
        required=True,
    )
    return lang()


def _range_key() -> str:
    return f"{K_RANGE}_{st.session_state.get(_RANGE_V, 0)}"


def _on_quick() -> None:
    """A quick pick sets the period; a new slider key makes the slider show it (a range slider
    cannot be driven through session_state without losing its range-ness)."""
    key = st.session_state.get(K_QUICK)
    picks = st.session_state.get("_quick_picks", {})
    if key in picks:
        st.session_state[_RANGE] = tuple(picks[key])
        st.session_state[_RANGE_V] = st.session_state.get(_RANGE_V, 0) + 1


def _on_range() -> None:
    rng = tuple(st.session_state.get(_range_key()) or ())
    if len(rng) == 2:
        st.session_state[_RANGE] = rng
    picks = st.session_state.get("_quick_picks", {})
    st.session_state[K_QUICK] = next((k for k, v in picks.items() if tuple(v) == rng), None)


def sidebar_filters(container: Any = None) -> Selection:
    """Campaign year, department, unit type, pilot toggle and period in the sidebar, mirrored in the
    URL (?year=YYYY&dept=..&type=..&pilot=1&from=YYYY-MM&to=YYYY-MM&lang=en); the period lies in
    the year, whose plan every page's ``settings()`` then carries. Returns the Selection every page
    uses; call once per run from the entry script (pages call ``selection()``)."""
    opts = filter_options() if not is_empty() else {"departments": [], "unit_types": [], "units": [], "months": []}
    offered = years() if not is_empty() else [get_settings().year]
    year = _chosen_year(offered, opts)
    st.session_state[YEAR_SETTINGS] = year_settings(year)  # every page's settings() from here on
    months = [m for m in opts.get("months") or [] if m[:4] == str(year)]
    options = period_options(months)
    anchor = anchor_month(months)
    picks = quick_picks(options, anchor)
    st.session_state["_quick_picks"] = picks
    if not st.session_state.get(_INIT):
        _load_from_url(opts, options, picks["ytd"])
        st.session_state[_INIT] = True
    ss = st.session_state
    if DRILL_DEPT in ss:  # set before the widget is drawn: a widget's value cannot change after
        ss[K_DEPT] = [ss.pop(DRILL_DEPT)]
    # options can change after an import: keep only values that still exist
    ss[K_DEPT] = [d for d in ss.get(K_DEPT, []) if d in opts.get("departments", [])]
    ss[K_TYPE] = [d for d in ss.get(K_TYPE, []) if d in opts.get("unit_types", [])]
    rng = tuple(ss.get(_RANGE) or picks["ytd"])
    if len(rng) != 2 or rng[0] not in options or rng[1] not in options:
        rng = tuple(picks["ytd"])
        ss[_RANGE_V] = ss.get(_RANGE_V, 0) + 1
    ss[_RANGE] = rng
    if ss.get(K_QUICK) is None or tuple(picks.get(ss.get(K_QUICK), ())) != tuple(rng):
        ss[K_QUICK] = next((k for k, v in picks.items() if tuple(v) == tuple(rng)), None)

    with container if container is not None else st.sidebar:
        st.markdown(f"#### {t('filters')}")
        labels = {y: year_label(y) for y in offered}  # fixed now: the widget formats its value again later
        st.selectbox(t("f_year"), offered, key=K_YEAR, format_func=labels.__getitem__)
        st.multiselect(t("f_department"), opts.get("departments", []), key=K_DEPT, placeholder=t("f_all"))
        st.multiselect(t("f_unit_type"), opts.get("unit_types", []), key=K_TYPE, placeholder=t("f_all"))
        st.toggle(t("f_pilot"), key=K_PILOT)
        st.pills(
            t("f_period"),
            list(picks),
            key=K_QUICK,
            format_func=quick_label,
            on_change=_on_quick,
        )
        st.select_slider(
            t("f_period"),
            options=options,
            value=rng,
            key=_range_key(),
            format_func=lambda m: fmt_month(m, lang()),
            on_change=_on_range,
            label_visibility="collapsed",
        )
        if anchor != month_of(date.today()):
            st.caption(t("q_anchor_note", month=fmt_month(anchor, lang())))
    month_from, month_to = ss[_RANGE]
    sel = Selection(
        departments=tuple(ss[K_DEPT]),
        unit_types=tuple(ss[K_TYPE]),
        pilot_only=bool(ss.get(K_PILOT)),
        month_from=month_from,
        month_to=month_to,
    )
    _sync_url(sel, lang(), year)
    ss[_SELECTION] = sel
    return sel


def _chosen_year(offered: list[int], opts: dict[str, list[Any]]) -> int:
    """The campaign year: the switch's, else (a session's first run) the URL's ``year``, else the
    year of the URL's ``to`` month, else ``campaigns.default_year`` (this year, or the latest
    before it). A year no longer offered falls back the same way."""
    ss = st.session_state
    if ss.get(_NEXT_YEAR) in offered:  # set before the widget is drawn: its value cannot change after
        ss[K_YEAR] = ss.pop(_NEXT_YEAR)
    year = ss.get(K_YEAR)
    if year not in offered:
        wanted = [st.query_params.get(QP_YEAR) or "", (st.query_params.get(QP_TO) or "")[:4]]
        from_url = [int(y) for y in wanted if y.isdigit() and int(y) in offered]
        year = from_url[0] if from_url else default_year(offered)
        ss[K_YEAR] = year
    return int(year)


def switch_year(year: int) -> None:
    """Show ``year`` from the next run on (the caller reruns)."""
    st.session_state[_NEXT_YEAR] = year


def year_label(year: int) -> str:
    return t("year_label", year=year)


def selection() -> Selection:
    """The Selection the sidebar made in this run (the entry script draws it before the page)."""
    sel = st.session_state.get(_SELECTION)
    return sel if isinstance(sel, Selection) else sidebar_filters()


def scope_text(sel: Selection) -> str:
    parts = [*sel.departments, *sel.unit_types]
    if sel.pilot_only:
        parts.append(t("pilot_units"))
    if sel.units:
        parts = list(sel.units)
    return list_sep().join(parts) if parts else t("scope_all")


def target_scope(sel: Selection) -> tuple[str | None, str | None]:
    """(department, unit) whose target overrides apply: only when the selection is exactly one."""
    dept = sel.departments[0] if len(sel.departments) == 1 else None
    unit = sel.units[0] if len(sel.units) == 1 else None
    return dept, unit


def unit_selection(sel: Selection, unit: str) -> Selection:
    """One unit over the period of ``sel``, under the sidebar's department/type/pilot filters: a
    unit outside them selects nothing (单位详情 honours the filter, issue 10.8)."""
    return replace(sel, units=(unit,))


def previous_or_none(sel: Selection) -> Selection | None:
    """The period of the same length just before ``sel``'s (the KPI tiles' comparison)."""
    return sel.previous() if sel.month_from and sel.month_to else None


def last_year_or_none(sel: Selection) -> Selection | None:
    """The same months a year before ``sel``'s (the KPI tiles' 同比)."""
    return sel.same_period_last_year() if sel.month_from and sel.month_to else None


def whole_period() -> Selection:
    """Every unit over every stored month (the roster view)."""
    months = filter_options().get("months") or []
    if not months:
        return Selection()
    return Selection(month_from=months[0], month_to=months[-1])


def reset() -> None:
    """Forget the period and the quick pick (after loading the demo): the next run takes them from
    the URL, or this year's span of the new data."""
    for k in (_INIT, _RANGE, K_QUICK):
        st.session_state.pop(k, None)
