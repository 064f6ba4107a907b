"""What stands around every page's content: the title with the scope, the period and "数据截至",
a message flashed across a rerun, the stop when there is nothing to show, and the guide of an
empty store (upload, or load the demo organisation).

Imports ``session``, ``site``, ``database``, ``signin``, ``cache`` (cleared after the demo
loads), ``periods`` and ``filters``.
"""

from __future__ import annotations

import streamlit as st

from dashboard.i18n import fmt_date
from dashboard.metrics import Selection
from dashboard.ui.cache import clear_caches
from dashboard.ui.database import data_as_of, local_time, store
from dashboard.ui.filters import reset as reset_filters
from dashboard.ui.filters import scope_text
from dashboard.ui.periods import period_text
from dashboard.ui.session import lang, settings, t, tm
from dashboard.ui.signin import account, may_open
from dashboard.ui.site import page

_FLASH = "_flash"


def page_header(title_key: str, sel: Selection | None = None) -> None:
    """Page title, the scope and period, and "数据截至 …" (every page shows how fresh the data is)."""
    st.title(t(title_key))
    parts = []
    if sel is not None and sel.month_from:
        parts.append(tm("scope_line", scope=scope_text(sel), period=period_text(sel)))
    as_of = data_as_of()
    parts.append(t("data_as_of", when=fmt_date(local_time(as_of), lang())) if as_of else t("data_as_of_none"))
    st.caption(" · ".join(parts))
    pending = st.session_state.pop(_FLASH, None)
    if pending:
        kind, message = pending
        (st.error if kind == "error" else st.success)(message)


def flash(message: str, kind: str = "success") -> None:
    """A message shown once on the next run (after st.rerun): success or error."""
    st.session_state[_FLASH] = (kind, message)


def empty_store_guide() -> None:
    """What a first-time user sees: upload, or load the demo organisation."""
    st.title(t("app_title"))
    st.caption(t("app_subtitle"))
    with st.container(border=True):
        st.subheader(t("empty_title"))
        st.write(t("empty_body"))
        c1, c2 = st.columns(2)
        if may_open("data"):
            with c1:
                st.page_link(page("data"), label=t("go_upload"), icon=":material/upload_file:")
        if account().is_admin:
            with c2:
                if st.button(t("load_demo"), key="load_demo", type="primary", icon=":material/play_arrow:"):
                    load_demo()


def stop_if_empty(empty: bool, message_key: str = "no_data") -> None:
    """When the page has nothing to show: say so (暂无数据) and end the page here."""
    if empty:
        st.info(t(message_key))
        st.stop()


def load_demo() -> None:
    """Load the demo organisation into the store (an administrator's button on an empty store),
    then start the filters afresh on its data."""
    try:
        from dashboard.demo import load_demo as _load_demo
    except ImportError as e:  # pragma: no cover - the demo ships with the app
        st.error(tm("demo_unavailable", detail=str(e)))
        return
    with st.spinner(t("demo_loading")):
        _load_demo(store(), settings())
    clear_caches()
    reset_filters()
    flash(t("demo_done"))
    st.rerun()
