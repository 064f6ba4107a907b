"""活动设置's roster section for administrators: the roster as a table and the forms that add,
change, rename, merge and retire units. Each form is one store operation
(``Store.add_unit`` … ``retire_unit``: one transaction with its audit entry); a refusal
(``data_sources.store.RosterError``) is shown in the page's words, a success says what changed
and survives the rerun that redraws the table.

Imports ``session``, ``database``, ``cache`` (cleared after a change), ``signin`` and ``widgets``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.i18n import FIELD_LABELS, roster_changes_text, roster_error_text
from dashboard.names import in_pinyin_order, pinyin_key
from dashboard.ui.cache import clear_caches
from dashboard.ui.database import store
from dashboard.ui.session import lang, t
from dashboard.ui.signin import account, acting_user
from dashboard.ui.widgets import rows_height

_DONE = "_roster_done"  # session_state: the success message of the change before the rerun
_COLUMNS = ("name", "department", "unit_type", "is_pilot", "headcount", "retired_from", "auto_added")


def roster_section() -> None:
    """The roster table and its forms (administrators only; anyone else gets a notice)."""
    st.subheader(t("roster_title"))
    if not account().is_admin:
        st.info(t("roster_admin_only"))
        return
    st.caption(t("roster_caption"))
    done = st.session_state.pop(_DONE, None)
    if done:
        st.success(done)
    rows = store().roster()
    _table(rows)
    names = in_pinyin_order([r["name"] for r in rows])
    add, edit, rename, merge, retire = st.tabs(
        [
            t(k)
            for k in ("roster_tab_add", "roster_tab_edit", "roster_tab_rename", "roster_tab_merge", "roster_tab_retire")
        ]
    )
    with add:
        _add_form()
    if not names:
        return
    by_name = {r["name"]: r for r in rows}
    with edit:
        _edit_form(names, by_name)
    with rename:
        _rename_form(names)
    with merge:
        _merge_form(names)
    with retire:
        _retire_form(names)


def _label(column: str) -> str:
    """A column's header: the roster sheet's own (单位, 部门, …), else the editor's."""
    if column == "name":
        return FIELD_LABELS["unit"][lang()]
    if column in FIELD_LABELS:
        return FIELD_LABELS[column][lang()]
    return t({"retired_from": "roster_retired_from", "auto_added": "roster_auto_added"}[column])


def _table(rows: list[dict[str, Any]]) -> None:
    if not rows:
        st.info(t("roster_empty"))
        return
    ordered = sorted(rows, key=lambda r: (pinyin_key(r["department"] or ""), pinyin_key(r["name"])))
    df = pd.DataFrame([[r[c] for c in _COLUMNS] for r in ordered], columns=[_label(c) for c in _COLUMNS])
    st.dataframe(df, hide_index=True, key="roster_table", height=rows_height(len(df), 420))


def _run(action: Callable[[], str]) -> None:
    """Do one change: its success message for the next run, or the refusal now."""
    from data_sources.store import RosterError

    try:
        message = action()
    except RosterError as e:
        st.error(roster_error_text(e, lang()))
        return
    st.session_state[_DONE] = message
    clear_caches()
    st.rerun()


def _pilot_options() -> list[bool]:
    return [False, True]


def _yes_no(value: bool) -> str:
    return t("yes" if value else "no")


def _add_form() -> None:
    with st.form("roster_add", clear_on_submit=False):
        name = st.text_input(t("roster_name"), key="roster_add_name")
        c1, c2 = st.columns(2)
        department = c1.text_input(_label("department"), key="roster_add_department")
        unit_type = c2.text_input(_label("unit_type"), key="roster_add_type")
        c3, c4 = st.columns(2)
        headcount = c3.text_input(_label("headcount"), key="roster_add_headcount")
        pilot = c4.selectbox(_label("is_pilot"), _pilot_options(), format_func=_yes_no, key="roster_add_pilot")
        if st.form_submit_button(t("roster_go_add"), type="primary"):

            def add() -> str:
                stored = store().add_unit(name, acting_user(), department, headcount.strip() or None, unit_type, pilot)
                return t("roster_added", name=stored)

            _run(add)


def _edit_form(names: list[str], by_name: dict[str, dict[str, Any]]) -> None:
    # the unit is picked outside the form so the fields show its stored values
    unit = st.selectbox(t("roster_pick"), names, key="roster_edit_unit")
    row = by_name[unit]
    with st.form("roster_edit"):
        c1, c2 = st.columns(2)
        department = c1.text_input(_label("department"), value=row["department"] or "", key=f"roster_edit_dep_{unit}")
        unit_type = c2.text_input(_label("unit_type"), value=row["unit_type"] or "", key=f"roster_edit_type_{unit}")
        c3, c4 = st.columns(2)
        head = "" if row["headcount"] is None else str(row["headcount"])
        headcount = c3.text_input(_label("headcount"), value=head, key=f"roster_edit_head_{unit}")
        pilot = c4.selectbox(
            _label("is_pilot"),
            _pilot_options(),
            index=int(row["is_pilot"]),
            format_func=_yes_no,
            key=f"roster_edit_pilot_{unit}",
        )
        if st.form_submit_button(t("roster_go_edit"), type="primary"):

            def edit() -> str:
                changes = store().set_unit(
                    unit,
                    acting_user(),
                    department=department,
                    unit_type=unit_type,
                    headcount=headcount.strip() or None,
                    is_pilot=pilot,
                )
                return t("roster_set_done", name=unit, changes=roster_changes_text(changes, lang()))

            _run(edit)


def _rename_form(names: list[str]) -> None:
    with st.form("roster_rename"):
        old = st.selectbox(t("roster_pick"), names, key="roster_rename_unit")
        new = st.text_input(t("roster_new_name"), key="roster_rename_new")
        if st.form_submit_button(t("roster_go_rename"), type="primary"):

            def rename() -> str:
                stored = store().rename_unit(old, new, acting_user())
                return t("roster_renamed", old=old, new=stored)

            _run(rename)


def _merge_form(names: list[str]) -> None:
    st.warning(t("roster_merge_note"))
    with st.form("roster_merge"):
        c1, c2 = st.columns(2)
        source = c1.selectbox(t("roster_merge_source"), names, key="roster_merge_source")
        into = c2.selectbox(t("roster_merge_into"), names, index=min(1, len(names) - 1), key="roster_merge_into")
        sure = st.checkbox(t("roster_merge_confirm"), key="roster_merge_sure")
        if st.form_submit_button(t("roster_go_merge"), type="primary"):
            if not sure:
                st.error(t("roster_merge_unconfirmed"))
                return

            def merge() -> str:
                r = store().merge_units(source, into, acting_user())
                return t("roster_merged", source=r.source, into=r.into, rows=r.rows_moved, months=len(r.months_summed))

            _run(merge)


def _retire_form(names: list[str]) -> None:
    with st.form("roster_retire"):
        unit = st.selectbox(t("roster_pick"), names, key="roster_retire_unit")
        month = st.text_input(t("roster_month"), placeholder="2024-07", key="roster_retire_month")
        again = st.checkbox(t("roster_reinstate"), key="roster_retire_again")
        if st.form_submit_button(t("roster_go_retire"), type="primary"):

            def retire() -> str:
                if again:
                    store().retire_unit(unit, None, acting_user())
                    return t("roster_reinstated", name=unit)
                store().retire_unit(unit, month.strip(), acting_user())
                return t("roster_retired", name=unit, month=month.strip())

            _run(retire)
