"""阶段进度 Phase progress: units × milestones at the end of the period, the units with the most
overdue milestones first; a click on a unit's row opens it."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, metrics
from dashboard.i18n import fmt_date
from dashboard.ui import filters, frame, matrices, session, widgets
from dashboard.ui.cache import cached
from dashboard.ui.periods import month_end
from dashboard.ui.session import t

sel = filters.selection()
lang = session.lang()
frame.page_header("page_phases", sel)

matrix = cached(metrics.milestone_matrix)(sel)
frame.stop_if_empty(matrix.empty)

order = matrices.units_by_status(matrix, "overdue")
st.caption(t("phases_caption", end=fmt_date(month_end(sel.month_to), lang)))
widgets.chart(charts.milestone_matrix(matrix, order, lang, matrices.milestone_labels()), key="phases_matrix")
st.caption(t("click_to_drill"))

matrices.matrix_table(matrices.milestone_wide(matrix, order), "phases_table", "phases_table", "page_phases", sel)
