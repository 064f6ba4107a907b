"""总览 Overview: the KPIs against their targets, the campaign timeline, participation by unit,
hours by month, certificates by level, the top learners and the units that lag behind."""

from __future__ import annotations

from datetime import date

import streamlit as st

from dashboard import briefing, charts, ui
from dashboard.i18n import fmt_date

sel = ui.selection()
lang = ui.lang()
settings = ui.settings()
ui.page_header("page_overview", sel)

summary = ui.metric("summary", sel, date.today())
if summary.units == 0:
    st.info(ui.t("no_units"))
    st.stop()
prev_sel = ui.previous_or_none(sel)
previous = ui.metric("summary", prev_sel, date.today()) if prev_sel else None
ui.kpi_tiles(sel, summary, previous)
if summary.participants_is_lower_bound:
    st.caption(ui.t("lower_bound_note"))

# the campaign year with today (or the end of the period when today is outside the year)
today = date.today()
in_year = min(p.start for p in settings.phases) <= today <= max(p.end for p in settings.phases)
marker = today if in_year else ui.month_end(sel.month_to)
marker_label = ui.t("today") if in_year else f"{ui.t('end_of_period')} {fmt_date(marker, lang)}"
matrix = ui.metric("milestone_matrix", sel)
ui.chart(
    charts.phase_timeline(settings.phases, matrix, marker, marker_label, settings.targets.amber_ratio, lang),
    key="ov_timeline",
    drill=False,
)
phase = settings.phase_of(today)
st.caption(
    ui.t("current_phase", phase=phase.name if lang == "zh" else phase.name_en) if phase else ui.t("no_current_phase")
)

units = ui.metric("unit_table", sel)
dept, unit = ui.target_scope(sel)
units = units.assign(
    target=[
        settings.targets.for_scope("participation_rate", d, u)
        for d, u in zip(units["department"], units["unit"], strict=True)
    ]
)
left, right = st.columns([3, 2], gap="large")
with left:
    ui.chart(
        charts.participation_by_unit(
            units,
            settings.targets.for_scope("participation_rate", dept, unit),
            settings.targets.amber_ratio,
            lang,
        ),
        key="ov_participation",
    )
    st.caption(ui.t("click_to_drill"))
with right:
    ui.chart(charts.hours_by_month(ui.metric("monthly", sel), lang), key="ov_hours", drill=False)
    ui.chart(charts.certificates_by_level(summary.certificates_by_level, lang), key="ov_certs", drill=False)

left, right = st.columns([3, 2], gap="large")
with left:
    st.subheader(ui.t("overview_behind"), help=ui.t("overview_behind_help"))
    lag = briefing.laggards(settings, units, matrix, lang)
    if lag.empty:
        st.success(ui.t("overview_behind_none"))
    else:
        lag = lag.rename(columns={"overdue": "overdue_milestones"})
        lag["rate_status"] = lag["rate_status"].map(lambda s: ui.t(f"status_{s}") if s else "—")
        ui.table(
            lag,
            key="ov_laggards",
            columns=["unit", "department", "participation_rate", "target", "rate_status", "overdue_milestones"],
            column_config={
                "participation_rate": ui.PCT_BAR,
                "target": ui.PCT,
            },
            download=ui.t("overview_behind"),
        )
with right:
    st.subheader(ui.t("overview_top"))
    top = ui.metric("top_learners", sel)
    ui.chart(charts.top_learners(top, lang, title=False), key="ov_top")

submissions = ui.metric("submission_matrix", sel, today)
data_as_of = ui.data_as_of()
ranking = units.drop(columns=["target"])
scope = ui.scope_text(sel)
st.download_button(
    ui.t("briefing_download"),
    data=lambda: briefing.build_briefing(
        settings,
        summary,
        ranking,
        matrix,
        top,
        submissions,
        lang,
        scope,
        data_as_of=data_as_of,
        department=dept,
        unit=unit,
    ),
    file_name=ui.t("briefing_file", period=ui.period_text(sel)) + ".xlsx",
    mime=ui.XLSX_MIME,
    icon=":material/description:",
    type="primary",
    on_click="ignore",
    help=ui.t("briefing_help"),
)
