"""总览 Overview: the KPIs against their targets, the campaign timeline, participation by unit
(above 30 units: by department or the 10 highest and lowest units, one at a time), hours by month,
certificates by level, the top learners and the units that lag behind."""

from __future__ import annotations

from datetime import date

import streamlit as st

from dashboard import charts, metrics
from dashboard.ui import filters, frame, overview, scale, session, tiles, widgets
from dashboard.ui.cache import cached
from dashboard.ui.session import t

sel = filters.selection()
lang = session.lang()
settings = session.settings()
frame.page_header("page_overview", sel)

ov = cached(metrics.overview)(sel, date.today())
previous, last_year = tiles.earlier(sel)  # 环比, 同比
summary, matrix = ov.summary, ov.matrix
frame.stop_if_empty(summary.units == 0, "no_units")
tiles.kpi_tiles(sel, summary, previous, last_year)
if summary.participants_is_lower_bound:
    st.caption(t("lower_bound_note"))

marker, marker_label = overview.timeline_marker(sel)
widgets.chart(
    charts.phase_timeline,
    settings.phases,
    matrix,
    marker,
    marker_label,
    settings.targets.amber_ratio,
    lang,
    key="ov_timeline",
    drill=False,
)
st.caption(overview.current_phase_text())

units = overview.with_targets(ov.units)
dept, unit = filters.target_scope(sel)
target = settings.targets.for_scope("participation_rate", dept, unit)
left, right = st.columns([3, 2], gap="large")
with left:
    # DESIGN §5 at scale: the departments, or the 10 highest and lowest units, one at a time
    at_scale = scale.shows_departments(units)
    shown_view = scale.view("ov_view", scale.OVERVIEW_VIEWS) if at_scale else "ends"
    if shown_view == "departments":
        scale.department_participation(ov.departments, target, sel, key="ov_departments")
    else:
        shown = scale.rate_ends(units)
        widgets.chart(
            charts.participation_by_unit, shown, target, settings.targets.amber_ratio, lang, key="ov_participation"
        )
        scale.ends_caption(len(shown), len(units))
        st.caption(t("click_to_drill"))
with right:
    widgets.chart(charts.hours_by_month, ov.monthly, lang, key="ov_hours", drill=False)
    widgets.chart(charts.certificates_by_level, summary.certificates_by_level, lang, key="ov_certs", drill=False)

top = ov.top
left, right = st.columns([3, 2], gap="large")
with left:
    st.subheader(t("overview_behind"), help=t("overview_behind_help"))
    overview.laggards_table(sel, units, matrix, key="ov_laggards")
with right:
    st.subheader(t("overview_top"))
    widgets.chart(charts.top_learners, top, lang, title=False, key="ov_top")

overview.briefing_button(sel)
