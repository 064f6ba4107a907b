"""学习标兵 Top learners: the leaderboard of the selection (points, then hours, then 工号) and a
search by 工号 or 姓名 that keeps each person's overall rank."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, metrics
from dashboard.ui import filters, frame, session, widgets
from dashboard.ui.cache import cached
from dashboard.ui.session import t

LEADERBOARD_ROWS = 500  # a leaderboard, not a staff list: anyone else is found by the search above

sel = filters.selection()
lang = session.lang()
settings = session.settings()
frame.page_header("page_learners", sel)
st.caption(t("learners_rule"))

query = st.text_input(
    t("learners_search"), key="learner_search", placeholder=t("learners_search_ph"), max_chars=50
).strip()

if query:
    found = cached(metrics.top_learners)(sel, search=query)
    st.caption(t("learners_found", n=len(found)))
    frame = found
else:
    top = cached(metrics.top_learners)(sel, settings.top_learners)
    widgets.chart(charts.top_learners, top, lang, key="learners_chart")
    st.caption(t("click_to_drill"))
    st.subheader(t("learners_all", n=LEADERBOARD_ROWS))
    frame = cached(metrics.top_learners)(sel, LEADERBOARD_ROWS)

widgets.learner_table(
    frame,
    "learners_table",
    ["rank", "employee_id", "name", "unit", "department", "points", "hours", "months"],
    most=640,
    download=widgets.download_name("page_learners", sel),
    column_config={"rank": st.column_config.NumberColumn(width="small")},
)
