"""单位详情 Unit detail: one unit — its KPIs, monthly trend, milestones, learners, certificates and
data-quality rows. Reached by a click on a bar or row anywhere, or by a shared link ?unit=…"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from dashboard import charts, metrics
from dashboard.i18n import campaign_names, fmt_int, fmt_month, fmt_pct
from dashboard.ui import filters, frame, navigation, periods, session, tiles, widgets
from dashboard.ui.cache import cached
from dashboard.ui.session import t, tm

sel = filters.selection()
lang = session.lang()
settings = session.settings()
frame.page_header("page_unit", None)

unit = navigation.unit_picker(sel)
frame.stop_if_empty(not unit, "unit_none")

one = filters.unit_selection(sel, unit)
st.caption(tm("scope_line", scope=unit, period=periods.period_text(one)))
table = cached(metrics.unit_table)(one)
frame.stop_if_empty(table.empty)
row = table.iloc[0]
st.markdown(
    "##### "
    + tm(
        "unit_info",
        department=row["department"] or "—",
        unit_type=row["unit_type"] or "—",
        headcount=fmt_int(row["headcount"]),
        pilot=t("unit_pilot_tag") if row["is_pilot"] else "",
    )
)

summary = cached(metrics.summary)(one, date.today())
previous, last_year = tiles.earlier(one)  # 环比, 同比
tiles.kpi_tiles(one, summary, previous, last_year)
if summary.participants_is_lower_bound:
    st.caption(t("lower_bound_note"))

target = settings.targets.for_scope("participation_rate", row["department"], unit)
st.subheader(t("unit_trend"))
monthly = cached(metrics.monthly)(one)
left, right = st.columns(2, gap="large")
with left:
    widgets.chart(
        charts.participation_by_month, monthly, target, settings.targets.amber_ratio, lang, key="u_rate", drill=False
    )
with right:
    widgets.chart(charts.hours_by_month, monthly, lang, key="u_hours", drill=False)

left, right = st.columns([3, 2], gap="large")
with left:
    st.subheader(t("unit_milestones"))
    ms = cached(metrics.milestone_matrix)(one)
    if ms.empty:
        st.info(t("no_data"))
    else:
        english = campaign_names(settings.phases, lang)  # empty in Chinese
        ms = ms.sort_values(["due", "milestone"]).assign(
            phase=lambda d: d["phase"].map(lambda n: english.get(n, n)),
            milestone=lambda d: d["milestone"].map(lambda n: english.get(n, n)),
            status=lambda d: d["status"].map(lambda s: f"{charts.MILESTONE_SYMBOLS.get(s, '')} {t('ms_' + s)}"),
            due=lambda d: pd.to_datetime(d["due"]),
            done_date=lambda d: pd.to_datetime(d["done_date"]),
        )
        widgets.table(
            ms,
            key="u_ms",
            columns=["milestone", "status", "due", "done_date", "phase"],  # the status never off-screen at 1366
            column_config={
                "due": widgets.col_date(),
                "done_date": widgets.col_date(),
            },
            drill=False,
            download=f"{unit}_{t('unit_milestones')}",
        )
with right:
    st.subheader(t("unit_certs"))
    widgets.chart(charts.certificates_by_level, summary.certificates_by_level, lang, key="u_certs", drill=False)

st.subheader(t("unit_learners"))
learners = cached(metrics.top_learners)(one, 100000)
widgets.learner_table(
    learners,
    "u_learners",
    ["rank", "employee_id", "name", "points", "hours", "months"],
    most=360,  # about ten rows: the page stays within four laptop screens
    download=f"{unit}_{t('unit_learners')}",
    drill=False,
)

st.subheader(t("unit_quality"))
dq = cached(metrics.data_quality)(one)
tolerance = fmt_pct(settings.quality_tolerance, 0)
over = cached(metrics.over_headcount)(one)
if not over.empty:
    st.warning(
        t("over_head_unit", counted=fmt_int(over.iloc[0]["participants"]), headcount=fmt_int(over.iloc[0]["headcount"]))
    )
if dq.empty:
    st.success(t("unit_quality_none", tolerance=tolerance))
else:
    st.warning(t("unit_quality_note", tolerance=tolerance))
    # the months folded away below the warning: the page stays within four laptop screens
    with st.expander(t("unit_quality_months", n=len(dq)), icon=":material/table_rows:"):
        widgets.table(
            dq.assign(month=dq["month"].map(lambda m: fmt_month(m, lang))),
            key="u_dq",
            columns=[
                "month",
                "ledger_participants",
                "summary_participants",
                "participants_diff",
                "ledger_hours",
                "summary_hours",
                "hours_diff",
            ],
            column_config={
                "participants_diff": widgets.PCT,
                "hours_diff": widgets.PCT,
            },
            drill=False,
            height=widgets.rows_height(len(dq), 320),  # a year of months scrolls inside the table
            download=f"{unit}_{t('unit_quality')}",
        )
