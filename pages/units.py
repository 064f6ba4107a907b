"""单位排名 Unit ranking: every unit of the selection with every metric, sortable, downloadable;
a click on a row opens the unit."""

from __future__ import annotations

import streamlit as st

from dashboard import ui

sel = ui.selection()
ui.page_header("page_units", sel)

units = ui.metric("unit_table", sel)
if units.empty:
    st.info(ui.t("no_units"))
    st.stop()
units = units.sort_values(["participation_rate", "training_hours"], ascending=[False, False]).reset_index(drop=True)
units.insert(0, "rank", range(1, len(units) + 1))
st.caption(ui.t("units_caption"))
ui.table(
    units,
    key="units_table",
    columns=[
        "rank",
        "unit",
        "department",
        "unit_type",
        "is_pilot",
        "headcount",
        "participants",
        "participation_rate",
        "training_hours",
        "hours_per_capita",
        "certificates",
        "suggestions",
        "sessions",
        "person_times",
        "points",
        "milestones_done",
        "milestones_total",
        "phase_progress",
        "behind",
        "launched",
        "months_reported",
        "participants_is_lower_bound",
    ],
    column_config={
        "rank": st.column_config.NumberColumn(width="small"),
        "is_pilot": ui.col_bool(),
        "headcount": ui.col_int(),
        "participants": ui.col_int(),
        "participation_rate": ui.PCT_BAR,
        "training_hours": st.column_config.NumberColumn(format="localized"),
        "hours_per_capita": ui.col_num(),
        "certificates": ui.col_int(),
        "suggestions": ui.col_int(),
        "sessions": ui.col_int(),
        "person_times": ui.col_int(),
        "points": st.column_config.NumberColumn(format="localized"),
        "phase_progress": ui.PCT_BAR,
        "behind": ui.col_bool(),
        "launched": ui.col_bool(),
        "participants_is_lower_bound": ui.col_bool(),
    },
    height=min(38 * (len(units) + 1) + 4, 900),
    download=f"{ui.t('page_units')}_{ui.period_text(sel)}",
)
if units["participants_is_lower_bound"].any():
    st.caption(ui.t("lower_bound_note"))
