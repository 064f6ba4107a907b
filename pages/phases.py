"""阶段进度 Phase progress: units × milestones at the end of the period, the units with the most
overdue milestones first; a click on a unit's row opens it."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, ui
from dashboard.i18n import campaign_names, fmt_date

sel = ui.selection()
lang = ui.lang()
ui.page_header("page_phases", sel)

matrix = ui.metric("milestone_matrix", sel)
if matrix.empty:
    st.info(ui.t("no_data"))
    st.stop()

order = ui.units_by_status(matrix, "overdue")
st.caption(ui.t("phases_caption", end=fmt_date(ui.month_end(sel.month_to), lang)))
ui.chart(charts.milestone_matrix(matrix, order, lang, campaign_names(ui.settings().phases, lang)), key="phases_matrix")
st.caption(ui.t("click_to_drill"))

st.subheader(ui.t("phases_table"))
wide = ui.milestone_wide(matrix, order)
ui.table(
    wide,
    key="phases_table",
    columns=list(wide.columns),
    height=min(38 * (len(wide) + 1) + 4, 640),
    download=f"{ui.t('page_phases')}_{ui.period_text(sel)}",
)
