"""数据管理 Data: upload the units' reports with a preview (what was found, what would change, every
error with file/sheet/row/column/value) before anything is written; confirm to import; the import
history with undo; the template; the roster and the targets; the users and the audit log.

Who may do what (data_sources.access): a viewer never gets here; a reporter uploads for their own
units and sees and undoes their own batches; an administrator sees everything."""

from __future__ import annotations

import streamlit as st

from dashboard import ui
from dashboard.i18n import fmt_month

account = ui.require_page("data")  # viewers: a refusal, even when the URL is typed in
is_admin = account.is_admin
allowed_units = account.allowed_units()  # None: any unit (admin); a reporter's own units
sel = ui.selection() if not ui.is_empty() else None
lang = ui.lang()
settings = ui.settings()
ui.page_header("page_data", sel)

if ui.is_empty() and is_admin:
    with st.container(border=True):
        st.write(ui.t("empty_body"))
        if st.button(ui.t("load_demo"), key="data_load_demo", icon=":material/play_arrow:"):
            ui.load_demo()

# ---- template -------------------------------------------------------------------------------
template = ui.template_bytes()
if template is not None:
    st.download_button(
        ui.t("data_template"),
        data=template,
        file_name=ui.t("data_template_file") + ".xlsx",
        mime=ui.XLSX_MIME,
        icon=":material/download:",
        key="data_template",
        on_click="ignore",
    )

# ---- upload and preview ---------------------------------------------------------------------
st.subheader(ui.t("data_upload"))
if allowed_units is not None:
    ui.st_caption_scope(allowed_units)
uploader_key = f"uploader_{st.session_state.get('_upload_round', 0)}"
files = st.file_uploader(
    ui.t("data_upload_help", mb=settings.max_upload_mb),
    type=["xlsx", "xlsm", "xls", "csv"],
    accept_multiple_files=True,
    key=uploader_key,
)
c1, c2 = st.columns(2)
with c1:
    months = ui.period_options(ui.filter_options().get("months", []) if not ui.is_empty() else [])
    period = st.selectbox(
        ui.t("data_period"),
        [None, *months],
        format_func=lambda m: ui.t("data_period_none") if m is None else fmt_month(m, lang),
        key="data_period",
    )
with c2:
    if ui.is_open_access():  # no accounts: who imports is typed in, as before sign-in existed
        st.text_input(ui.t("data_user"), value=ui.t("data_user_default"), key="data_user", max_chars=40)
    else:
        st.text_input(ui.t("data_user"), value=account.name, disabled=True, key="data_user_signed_in")
user = ui.acting_user()

if files:
    st.subheader(ui.t("data_preview"))
    previews = [ui.preview_upload(f.name, f.getvalue(), period, allowed_units) for f in files]
    for i, pv in enumerate(previews):
        ui.render_preview(pv, i)
    blocked = any(pv.errors for pv in previews)
    if blocked:
        st.error(ui.t("data_blocked"), icon=":material/block:")
    if st.button(ui.t("data_confirm"), type="primary", disabled=blocked, key="data_confirm", icon=":material/check:"):
        ui.commit_uploads([(f.name, f.getvalue()) for f in files], period, user, allowed_units)

# ---- history and undo -----------------------------------------------------------------------
st.subheader(ui.t("data_history"))
ui.batch_history()

# ---- roster, targets, users and the audit log: administrators only ---------------------------
if not is_admin:
    st.stop()

if not ui.is_empty():
    st.subheader(ui.t("data_roster"))
    roster = ui.metric("unit_table", ui.whole_period())
    ui.table(
        roster.sort_values(["department", "unit"]),
        key="data_roster",
        columns=["unit", "department", "unit_type", "is_pilot", "headcount", "months_reported"],
        column_config={"is_pilot": ui.col_bool(), "headcount": ui.col_int()},
        height=min(38 * (len(roster) + 1) + 4, 520),
        download=ui.t("data_roster"),
    )

st.subheader(ui.t("data_targets"))
targets = ui.targets_table()
st.dataframe(targets, hide_index=True, key="data_targets")

st.subheader(ui.t("data_users"))
ui.users_table()

st.subheader(ui.t("data_audit"))
ui.audit_table()
