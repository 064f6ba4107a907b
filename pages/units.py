"""单位排名 Unit ranking: every unit of the selection with every metric, sortable, downloadable;
a click on a row opens the unit."""

from __future__ import annotations

import streamlit as st

from dashboard import evaluation, metrics
from dashboard.ui import filters, frame, scale, widgets
from dashboard.ui.cache import cached
from dashboard.ui.session import t

sel = filters.selection()
frame.page_header("page_units", sel)

units = cached(evaluation.ranking)(sel)  # the one ranking order (DESIGN §4): score, participation, hours
frame.stop_if_empty(units.empty, "no_units")
st.caption(t("units_caption"))
scale.paged_table(  # above 30 units: a search and pages (the download has every unit)
    units,
    "units_table",
    ["rank", "unit", "score", *metrics.UNIT_COLUMNS[1:]],
    widgets.download_name("page_units", sel),
    900,
    column_config={
        "rank": st.column_config.NumberColumn(width="small"),
        "score": widgets.col_num(),
        "is_pilot": widgets.col_bool(),
        "headcount": widgets.col_int(),
        "participants": widgets.col_int(),
        "participation_rate": widgets.PCT_BAR,
        "training_hours": widgets.col_figure(),
        "hours_per_capita": widgets.col_num(),
        "certificates": widgets.col_int(),
        "suggestions": widgets.col_int(),
        "sessions": widgets.col_int(),
        "person_times": widgets.col_int(),
        "points": widgets.col_figure(),
        "phase_progress": widgets.PCT_BAR,
        "behind": widgets.col_bool(),
        "launched": widgets.col_bool(),
        "participants_is_lower_bound": widgets.col_bool(),
    },
)
if units["participants_is_lower_bound"].any():
    st.caption(t("lower_bound_note"))
