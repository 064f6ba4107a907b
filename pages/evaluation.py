"""考核评比 Evaluation (DESIGN §4b): every unit's score split by indicator, the vetoes and why, the
先进集体 and 知识型职工标兵 shortlists with their papers, and the rules in force; an administrator
tries other weights ("what if") before setting them in config.toml."""

from __future__ import annotations

import streamlit as st

from dashboard.ui import evaluation, filters, frame

sel = filters.selection()
frame.page_header("page_evaluation", sel)

rules, what_if = evaluation.rules_in_force()
ev = evaluation.evaluation(sel, rules)
frame.stop_if_empty(ev.units.empty, "no_units")

st.caption(evaluation.e("page_caption"))
shown = evaluation.page_view(ev)  # above 30 units one of chart / vetoes / table at a time
if shown in ("chart", "all"):
    evaluation.ranking_chart(ev)
if shown in ("vetoes", "all"):
    evaluation.vetoes(ev)
if shown == "table":
    evaluation.score_table(ev)
evaluation.shortlists(ev)
evaluation.downloads(ev, sel)
if shown == "all":
    st.subheader(evaluation.e("page_table"))
    evaluation.score_table(ev)
evaluation.rules_note(ev, what_if)
