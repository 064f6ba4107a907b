"""数据管理 below the upload: the import history with undo (a reporter's own batches only), and
for administrators the accounts, the targets of config.toml and the audit log.

Imports ``session``, ``database``, ``cache`` (cleared after an undo), ``signin``, ``widgets`` and
``upload`` (the kinds' names); ``data_sources.access`` inside the functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.audit_text import audit_line
from dashboard.i18n import UI_TEXT, fmt_date, fmt_num, fmt_pct
from dashboard.ui.cache import clear_caches
from dashboard.ui.database import local_time, store
from dashboard.ui.frame import flash
from dashboard.ui.session import lang, settings, t
from dashboard.ui.signin import account, acting_user, role_label
from dashboard.ui.upload import kind_label
from dashboard.ui.widgets import download_xlsx, rows_height


def _counts_text(counts: dict[str, Any]) -> str:
    parts = []
    for kind, c in counts.items():
        if not isinstance(c, dict):
            continue
        parts.append(
            t(
                "data_counts_line",
                kind=kind_label(kind),
                rows=c.get("rows", 0),
                added=c.get("added", 0),
                replaced=c.get("replaced", 0),
            )
        )
    return "；".join(parts) if lang() == "zh" else "; ".join(parts)


def batch_history(shown: int = 8) -> None:
    """The import batches, newest first, each with its undo button (older ones folded away).
    A reporter sees (and may undo) only the batches they imported themselves."""
    batches = store().batches()
    acc = account()
    if not acc.is_admin:
        batches = [b for b in batches if b.user == acc.name]
    if not batches:
        st.caption(t("data_history_none"))
        return
    _batch_rows(batches[:shown])
    if len(batches) > shown:
        with st.expander(t("data_history_more", n=len(batches) - shown)):
            _batch_rows(batches[shown:])


def _batch_rows(batches: Sequence[Any]) -> None:
    language = lang()
    widths = [1, 2, 3, 2, 4, 2]
    head = st.columns(widths)
    for col, key in zip(
        head, ["data_batch", "data_when", "data_files", "data_who", "data_counts", "data_state"], strict=True
    ):
        col.markdown(f"**{t(key)}**")
    for b in batches:
        c = st.columns(widths, vertical_alignment="center")
        c[0].text(f"#{b.id}")
        c[1].text(fmt_date(local_time(b.created_at), language))
        c[2].text(b.file_name)
        c[3].text(b.user)
        c[4].text(_counts_text(b.counts))
        if b.undone:
            c[5].text(t("data_state_undone", when=fmt_date(local_time(b.undone_at), language)))
        else:
            # a popover asks once more: an undo in a meeting must not be one slip of the mouse
            with c[5].popover(t("data_undo", batch=b.id), icon=":material/undo:"):
                st.write(t("data_undo_confirm"))
                if st.button(t("data_undo_yes", batch=b.id), key=f"undo_{b.id}", type="primary"):
                    _undo(b.id)


def _undo(batch_id: int) -> None:
    from data_sources.access import undo_batch
    from data_sources.schema import UndoRefused

    try:
        undo_batch(store(), batch_id, acting_user(), account())
    except UndoRefused as e:
        flash(t(f"undo_{e.reason}", batch=e.batch_id, later=e.later_batch), kind="error")
    else:
        flash(t("data_undone", batch=batch_id))
    clear_caches()
    st.session_state.pop("_previews", None)
    st.rerun()


def audit_table(limit: int = 2000) -> None:
    """The audit log (imports, undos, sign-ins), newest first, with an .xlsx download."""
    from data_sources.access import UNKNOWN_NAME, audit_entries

    language = lang()
    rows = [
        {
            t("audit_at"): fmt_date(local_time(e.at), language),
            t("audit_user"): t("audit_unknown_name") if e.user == UNKNOWN_NAME else e.user,
            t("audit_action"): t(f"audit_{e.action}") if f"audit_{e.action}" in UI_TEXT else e.action,
            t("audit_detail"): audit_line(e.action, e.detail, language),
        }
        for e in audit_entries(store(), limit)
    ]
    df = pd.DataFrame(rows, columns=[t("audit_at"), t("audit_user"), t("audit_action"), t("audit_detail")])
    st.dataframe(df, hide_index=True, key="data_audit", height=rows_height(len(df), 420))
    download_xlsx(df, t("data_audit"), key="data_audit_download")


def users_table() -> None:
    from data_sources.access import list_users

    rows = [
        {
            t("user_name"): u.name,
            t("user_role"): role_label(u.role),
            t("user_units"): "、".join(u.units),
            t("user_email"): u.email or "",
        }
        for u in list_users(store())
    ]
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, key="data_users")
    st.caption(t("data_users_help"))


def targets_table() -> pd.DataFrame:
    """The targets of config.toml as a read-only table (defaults, then department and unit overrides)."""
    tg = settings().targets
    pct_keys = {"participation_rate", "launch_rate", "phase_progress", "amber_ratio"}

    def shown(key: str, value: float) -> str:
        return fmt_pct(value, 0) if key in pct_keys else fmt_num(value)

    rows = []
    for key in (
        "participation_rate",
        "launch_rate",
        "hours_per_capita_month",
        "certificates_per_100",
        "phase_progress",
        "amber_ratio",
    ):
        rows.append(
            {t("t_scope"): t("t_default"), t("target"): t(f"t_{key}"), t("t_value"): shown(key, getattr(tg, key))}
        )
    for scope_map in (tg.departments, tg.units):
        for scope, values in scope_map.items():
            for key, value in values.items():
                rows.append({t("t_scope"): scope, t("target"): t(f"t_{key}"), t("t_value"): shown(key, value)})
    return pd.DataFrame(rows)
