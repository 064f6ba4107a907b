"""阶段进度 Phase progress: units × milestones at the end of the period, the units with the most
overdue milestones first; a click on a unit's row opens it. Above 30 units one view at a time,
chosen above it: departments × milestones (a click sets the department filter), the 10 units with
the most and the 10 with the fewest overdue milestones, or the whole list."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, metrics
from dashboard.i18n import fmt_date
from dashboard.ui import filters, frame, matrices, scale, session, widgets
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
# DESIGN §5 at scale: the departments, the ends or the whole list, one at a time
at_scale = scale.shows_departments(matrix.drop_duplicates("unit"))
shown_view = scale.view("phases_view", scale.PHASES_VIEWS) if at_scale else "all"
if shown_view == "departments":
    st.caption(t("phases_departments_caption"))
    depts = scale.named(metrics.department_milestones(matrix))
    dept_order = scale.department_order(depts, "overdue")
    scale.department_matrix(
        charts.milestone_matrix, depts, dept_order, lang, matrices.milestone_labels(), sel=sel, key="phases_departments"
    )
if shown_view in ("ends", "all"):
    shown = metrics.ends(order)
    widgets.chart(
        charts.milestone_matrix,
        matrix[matrix["unit"].isin(shown)],
        shown,
        lang,
        matrices.milestone_labels(),
        key="phases_matrix",
    )
    scale.ends_caption(len(shown), len(order), "scale_ends_phases")
    st.caption(t("click_to_drill"))
if shown_view in ("table", "all"):
    matrices.matrix_table(matrices.milestone_wide(matrix, order), "phases_table", "phases_table", "page_phases", sel)
