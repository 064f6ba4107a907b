"""报送情况 Submissions: units × months of who has reported (月报 or 学习台账) and who is missing,
the units missing for the last month of the period first, and each unit's last update."""

from __future__ import annotations

from datetime import date

import streamlit as st

from dashboard import charts, ui
from dashboard.i18n import fmt_month

sel = ui.selection()
lang = ui.lang()
ui.page_header("page_submissions", sel)

sub = ui.metric("submission_matrix", sel, date.today())
if sub.empty:
    st.info(ui.t("no_data"))
    st.stop()

last_month, missing_now = ui.missing_in_last_month(sub)
if missing_now:
    units = ("、" if lang == "zh" else ", ").join(missing_now)
    st.error(
        ui.tm("subs_missing_now", month=fmt_month(last_month, lang), n=len(missing_now), units=units),
        icon=":material/warning:",
    )
else:
    st.success(ui.t("subs_all_in", month=fmt_month(last_month, lang)))

order = ui.submission_order(sub)
st.caption(ui.t("subs_caption"))
ui.chart(charts.submission_matrix(sub, order, lang), key="subs_matrix")
st.caption(ui.t("click_to_drill"))

st.subheader(ui.t("subs_last_update"))
wide = ui.submission_wide(sub, order)
ui.table(
    wide,
    key="subs_table",
    columns=list(wide.columns),
    height=min(38 * (len(wide) + 1) + 4, 640),
    download=f"{ui.t('page_submissions')}_{ui.period_text(sel)}",
)
