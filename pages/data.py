"""数据管理 Data: upload the units' reports with a preview (what was found, what would change, every
error with file/sheet/row/column/value) before anything is written; confirm to import; the import
history with undo; the template; the roster and the targets; the users and the audit log.

Who may do what (data_sources.access): a viewer never gets here; a reporter uploads for their own
units and sees and undoes their own batches; an administrator sees everything."""

from __future__ import annotations

import streamlit as st

from dashboard import metrics
from dashboard.i18n import fmt_month
from dashboard.names import pinyin_key
from dashboard.ui import admin, database, filters, frame, periods, session, signin, upload, widgets
from dashboard.ui.cache import cached, filter_options
from dashboard.ui.session import t

account = signin.require_page("data")  # viewers: a refusal, even when the URL is typed in
is_admin = account.is_admin
allowed_units = account.allowed_units()  # None: any unit (admin); a reporter's own units
sel = filters.selection() if not database.is_empty() else None
lang = session.lang()
settings = session.settings()
frame.page_header("page_data", sel)

if database.is_empty() and is_admin:
    with st.container(border=True):
        st.write(t("empty_body"))
        if st.button(t("load_demo"), key="data_load_demo", icon=":material/play_arrow:"):
            frame.load_demo()

# ---- template -------------------------------------------------------------------------------
template = upload.template_bytes()
if template is not None:
    st.download_button(
        t("data_template"),
        data=template,
        file_name=t("data_template_file") + ".xlsx",
        mime=widgets.XLSX_MIME,
        icon=":material/download:",
        key="data_template",
        on_click="ignore",
    )

# ---- upload and preview ---------------------------------------------------------------------
st.subheader(t("data_upload"))
if allowed_units is not None:
    upload.scope_note(allowed_units)
uploader_key = f"uploader_{st.session_state.get('_upload_round', 0)}"
files = st.file_uploader(
    t("data_upload_help", mb=settings.max_upload_mb),
    type=["xlsx", "xlsm", "xlsb", "xls", "ods", "csv"],  # what data_sources.reading reads
    accept_multiple_files=True,
    key=uploader_key,
)
c1, _ = st.columns(2)
with c1:
    months = periods.period_options(filter_options().get("months", []) if not database.is_empty() else [])
    period = st.selectbox(
        t("data_period"),
        [None, *months],
        format_func=lambda m: t("data_period_none") if m is None else fmt_month(m, lang),
        key="data_period",
    )
user = signin.acting_user()  # the signed-in account: nobody imports anonymously (issue 11.4)

if files:
    st.subheader(t("data_preview"))
    previews = [upload.preview_upload(f.name, f.getvalue(), period, allowed_units) for f in files]
    for i, pv in enumerate(previews):
        upload.render_preview(pv, i)
    blocked = any(pv.errors for pv in previews)
    if blocked:
        st.error(t("data_blocked"), icon=":material/block:")
    if st.button(t("data_confirm"), type="primary", disabled=blocked, key="data_confirm", icon=":material/check:"):
        upload.commit_uploads([(f.name, f.getvalue()) for f in files], period, user, allowed_units)

# ---- history and undo -----------------------------------------------------------------------
st.subheader(t("data_history"))
admin.batch_history()

# ---- roster, targets, users and the audit log: administrators only ---------------------------
if not is_admin:
    st.stop()

if not database.is_empty():
    st.subheader(t("data_roster"))
    roster = cached(metrics.unit_table)(filters.whole_period())
    widgets.table(
        roster.sort_values(["department", "unit"], key=lambda col: col.map(lambda v: pinyin_key(str(v)))),
        key="data_roster",
        columns=["unit", "department", "unit_type", "is_pilot", "headcount", "months_reported"],
        column_config={"is_pilot": widgets.col_bool(), "headcount": widgets.col_int()},
        height=widgets.rows_height(len(roster), 520),
        download=t("data_roster"),
    )

st.subheader(t("data_targets"))
targets = admin.targets_table()
st.dataframe(targets, hide_index=True, key="data_targets")

st.subheader(t("data_users"))
admin.users_table()

st.subheader(t("data_audit"))
admin.audit_table()
