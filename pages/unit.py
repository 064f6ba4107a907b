"""单位详情 Unit detail: one unit — its KPIs, monthly trend, milestones, learners, certificates and
data-quality rows. Reached by a click on a bar or row anywhere, or by a shared link ?unit=…"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from dashboard import charts, ui
from dashboard.i18n import fmt_int, fmt_month, fmt_pct

sel = ui.selection()
lang = ui.lang()
settings = ui.settings()
ui.page_header("page_unit", None)

unit = ui.unit_picker()
if not unit:
    st.info(ui.t("unit_none"))
    st.stop()

one = ui.unit_selection(sel, unit)
st.caption(ui.tm("scope_line", scope=unit, period=ui.period_text(one)))
table = ui.metric("unit_table", one)
if table.empty:
    st.info(ui.t("no_data"))
    st.stop()
row = table.iloc[0]
st.markdown(
    "##### "
    + ui.tm(
        "unit_info",
        department=row["department"] or "—",
        unit_type=row["unit_type"] or "—",
        headcount=fmt_int(row["headcount"]),
        pilot=ui.t("unit_pilot_tag") if row["is_pilot"] else "",
    )
)

summary = ui.metric("summary", one, date.today())
prev = ui.previous_or_none(one)
ui.kpi_tiles(one, summary, ui.metric("summary", prev, date.today(), True) if prev else None)  # kpis_only
if summary.participants_is_lower_bound:
    st.caption(ui.t("lower_bound_note"))

target = settings.targets.for_scope("participation_rate", row["department"], unit)
st.subheader(ui.t("unit_trend"))
monthly = ui.metric("monthly", one)
left, right = st.columns(2, gap="large")
with left:
    ui.chart(
        charts.participation_by_month(monthly, target, settings.targets.amber_ratio, lang), key="u_rate", drill=False
    )
with right:
    ui.chart(charts.hours_by_month(monthly, lang), key="u_hours", drill=False)

left, right = st.columns([3, 2], gap="large")
with left:
    st.subheader(ui.t("unit_milestones"))
    ms = ui.metric("milestone_matrix", one)
    if ms.empty:
        st.info(ui.t("no_data"))
    else:
        ms = ms.sort_values(["due", "milestone"]).assign(
            status=lambda d: d["status"].map(lambda s: f"{charts.MILESTONE_SYMBOLS.get(s, '')} {ui.t('ms_' + s)}"),
            due=lambda d: pd.to_datetime(d["due"]),
            done_date=lambda d: pd.to_datetime(d["done_date"]),
        )
        ui.table(
            ms,
            key="u_ms",
            columns=["phase", "milestone", "due", "done_date", "status"],
            column_config={
                "due": ui.col_date(),
                "done_date": ui.col_date(),
            },
            drill=False,
            download=f"{unit}_{ui.t('unit_milestones')}",
        )
with right:
    st.subheader(ui.t("unit_certs"))
    ui.chart(charts.certificates_by_level(summary.certificates_by_level, lang), key="u_certs", drill=False)

st.subheader(ui.t("unit_learners"))
learners = ui.metric("top_learners", one, 100000)
if learners.empty:
    st.info(ui.t("no_data"))
else:
    ui.table(
        learners,
        key="u_learners",
        columns=["rank", "employee_id", "name", "points", "hours", "months"],
        column_config={
            "points": st.column_config.NumberColumn(format="localized"),
            "hours": st.column_config.NumberColumn(format="localized"),
        },
        drill=False,
        height=min(38 * (len(learners) + 1) + 4, 420),
        download=f"{unit}_{ui.t('unit_learners')}",
    )

st.subheader(ui.t("unit_quality"))
dq = ui.metric("data_quality", one)
tolerance = fmt_pct(settings.quality_tolerance, 0)
if dq.empty:
    st.success(ui.t("unit_quality_none", tolerance=tolerance))
else:
    st.warning(ui.t("unit_quality_note", tolerance=tolerance))
    ui.table(
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
            "participants_diff": ui.PCT,
            "hours_diff": ui.PCT,
        },
        drill=False,
        download=f"{unit}_{ui.t('unit_quality')}",
    )
