"""总览 Overview: the KPIs against their targets, the campaign timeline, participation by unit,
hours by month, certificates by level, the top learners and the units that lag behind."""

from __future__ import annotations

from datetime import date

import streamlit as st

from dashboard import charts, ui

sel = ui.selection()
lang = ui.lang()
settings = ui.settings()
ui.page_header("page_overview", sel)

ov = ui.metric("overview", sel, date.today(), ui.previous_or_none(sel))
summary, matrix = ov.summary, ov.matrix
if summary.units == 0:
    st.info(ui.t("no_units"))
    st.stop()
ui.kpi_tiles(sel, summary, ov.previous)
if summary.participants_is_lower_bound:
    st.caption(ui.t("lower_bound_note"))

marker, marker_label = ui.timeline_marker(sel)
ui.chart(
    charts.phase_timeline(settings.phases, matrix, marker, marker_label, settings.targets.amber_ratio, lang),
    key="ov_timeline",
    drill=False,
)
st.caption(ui.current_phase_text())

units = ui.with_targets(ov.units)
dept, unit = ui.target_scope(sel)
target = settings.targets.for_scope("participation_rate", dept, unit)
left, right = st.columns([3, 2], gap="large")
with left:
    ui.chart(charts.participation_by_unit(units, target, settings.targets.amber_ratio, lang), key="ov_participation")
    st.caption(ui.t("click_to_drill"))
with right:
    ui.chart(charts.hours_by_month(ov.monthly, lang), key="ov_hours", drill=False)
    ui.chart(charts.certificates_by_level(summary.certificates_by_level, lang), key="ov_certs", drill=False)

top = ov.top
left, right = st.columns([3, 2], gap="large")
with left:
    st.subheader(ui.t("overview_behind"), help=ui.t("overview_behind_help"))
    ui.laggards_table(units, matrix, key="ov_laggards")
with right:
    st.subheader(ui.t("overview_top"))
    ui.chart(charts.top_learners(top, lang, title=False), key="ov_top")

ui.briefing_button(sel, summary, units, matrix, top)
