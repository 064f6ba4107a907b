"""学习标兵 Top learners: the leaderboard of the selection (points, then hours, then 工号) and a
search by 工号 or 姓名 that keeps each person's overall rank."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, ui

LEADERBOARD_ROWS = 500  # a leaderboard, not a staff list: anyone else is found by the search above

sel = ui.selection()
lang = ui.lang()
settings = ui.settings()
ui.page_header("page_learners", sel)
st.caption(ui.t("learners_rule"))

query = st.text_input(
    ui.t("learners_search"), key="learner_search", placeholder=ui.t("learners_search_ph"), max_chars=50
).strip()

if query:
    found = ui.metric("top_learners", sel, None, query)
    st.caption(ui.t("learners_found", n=len(found)))
    frame = found
else:
    top = ui.metric("top_learners", sel, settings.top_learners)
    ui.chart(charts.top_learners(top, lang), key="learners_chart")
    st.caption(ui.t("click_to_drill"))
    st.subheader(ui.t("learners_all", n=LEADERBOARD_ROWS))
    frame = ui.metric("top_learners", sel, LEADERBOARD_ROWS)

if frame.empty:
    st.info(ui.t("no_data"))
else:
    ui.table(
        frame,
        key="learners_table",
        columns=["rank", "employee_id", "name", "unit", "department", "points", "hours", "months"],
        column_config={
            "rank": st.column_config.NumberColumn(width="small"),
            "points": st.column_config.NumberColumn(format="localized"),
            "hours": st.column_config.NumberColumn(format="localized"),
        },
        height=min(38 * (len(frame) + 1) + 4, 640),
        download=f"{ui.t('page_learners')}_{ui.period_text(sel)}",
    )
