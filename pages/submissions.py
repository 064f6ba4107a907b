"""报送情况 Submissions: units × months of who has reported (月报 or 学习台账) on time, late (迟报)
or not at all, the units to chase for the latest month whose due day has passed (missing or late)
first, and each unit's last update. Above 30
units one view at a time, chosen above it: departments × months (a click sets the department
filter), the 10 units missing the most and the 10 missing the fewest months, or the whole list."""

from __future__ import annotations

from datetime import date

import streamlit as st

from dashboard import charts, metrics
from dashboard.i18n import fmt_month
from dashboard.ui import filters, frame, matrices, scale, session, widgets
from dashboard.ui.cache import cached
from dashboard.ui.session import t, tm

sel = filters.selection()
lang = session.lang()
frame.page_header("page_submissions", sel)

today = date.today()
sub = cached(metrics.submission_matrix)(sel, today)
frame.stop_if_empty(sub.empty)
due_day = session.settings().report_due_day

chase = metrics.units_to_chase(sub, today)
last_month, missing_now = chase.month, chase.missing
if last_month is None:
    st.info(t("subs_none_due", day=due_day))
elif missing_now:
    many = metrics.at_scale(len(missing_now))  # above 30: the first 30 names; the whole list is a view
    units = session.list_sep().join(missing_now[: metrics.SCALE_UNITS] if many else missing_now)
    st.error(
        tm(
            "subs_missing_many" if many else "subs_missing_now",
            month=fmt_month(last_month, lang),
            n=len(missing_now),
            units=units,
        ),
        icon=":material/warning:",
    )
else:
    st.success(t("subs_all_in", month=fmt_month(last_month, lang)))
if chase.late:
    many = metrics.at_scale(len(chase.late))
    late_names = session.list_sep().join(chase.late[: metrics.SCALE_UNITS] if many else chase.late)
    st.warning(
        t("subs_late_now", month=fmt_month(last_month, lang), n=len(chase.late), units=late_names),
        icon=":material/schedule:",
    )

order = matrices.submission_order(sub, chase)
st.caption(t("subs_caption", day=due_day))
# DESIGN §5 at scale: the departments, the ends or the whole list, one at a time
at_scale = scale.shows_departments(sub.drop_duplicates("unit"))
shown_view = scale.view("subs_view", scale.SUBMISSIONS_VIEWS) if at_scale else "all"
if shown_view == "departments":
    st.caption(t("subs_departments_caption"))
    depts = scale.named(metrics.department_submissions(sub))
    dept_order = scale.department_order(depts, "missing")
    scale.department_matrix(charts.submission_matrix, depts, dept_order, lang, sel=sel, key="subs_departments")
if shown_view in ("ends", "all"):
    shown = metrics.ends(order)
    widgets.chart(charts.submission_matrix, sub[sub["unit"].isin(shown)], shown, lang, key="subs_matrix")
    scale.ends_caption(len(shown), len(order), "scale_ends_subs")
    st.caption(t("click_to_drill"))
if shown_view in ("table", "all"):
    matrices.matrix_table(
        matrices.submission_wide(sub, order), "subs_table", "subs_last_update", "page_submissions", sel
    )

if last_month is not None:
    # 本月待催报单位: the units missing the latest month due, then those that sent it late
    st.subheader(t("subs_chase", month=fmt_month(last_month, lang)))
    chase_rows = matrices.chase_table(sub, chase)
    if chase_rows.empty:
        st.caption(t("subs_chase_none", month=fmt_month(last_month, lang)))
    else:
        # above 30 the first 30 (no second search on the page): the table above lists them all
        # first, and the download holds every one
        many = metrics.at_scale(len(chase_rows))
        name = widgets.download_name("subs_chase_file", sel)
        shown = chase_rows.head(metrics.SCALE_UNITS) if many else chase_rows
        widgets.table(
            shown,
            key="subs_chase",
            columns=matrices.CHASE_COLUMNS,
            height=widgets.rows_height(len(shown), 400),
            download=None if many else name,
        )
        if many:
            st.caption(t("subs_chase_more", shown=len(shown), n=len(chase_rows)))
            widgets.download_xlsx(widgets.labelled(chase_rows, matrices.CHASE_COLUMNS), name, key="subs_chase_xlsx")

over = cached(metrics.over_headcount)(sel)
if not over.empty:
    st.subheader(t("over_head_title"))
    st.warning(t("over_head_note"))
    widgets.table(
        over.rename(columns={"participants": "counted_participants"}),
        key="subs_over_head",
        columns=["unit", "department", "counted_participants", "headcount", "excess"],
        download=t("over_head_title"),
    )
