"""Streamlit entry: ``streamlit run dashboard/app.py``.

It lives in dashboard/ (not the repository root) on purpose: Streamlit would auto-discover a
``pages/`` folder beside the entry script and serve those scripts around the router. Here the
pages are registered explicitly with ``st.navigation`` under ASCII url paths (/overview, /unit …)
and Chinese titles, after the sidebar filters are drawn, so every page sees the same Selection.
"""

from __future__ import annotations

import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:  # `streamlit run dashboard/app.py` puts dashboard/, not the root, on the path
    sys.path.insert(0, _ROOT)

import sqlalchemy as sa  # noqa: E402
import streamlit as st  # noqa: E402

from dashboard import frontend  # noqa: E402
from dashboard.ui import database, filters, frame, navigation, session, signin  # noqa: E402

st.set_page_config(
    page_title="创争活动监测看板",
    page_icon="🎓",  # drawn by the browser: a :material/…: icon is fetched from fonts.gstatic.com
    layout="wide",
    initial_sidebar_state="expanded",
)

session.settings()  # a wrong config.toml stops here with a message, not a traceback
database.store()  # so does a database that cannot be used (and the page waits for it)
nav = None
try:
    database.read_data_version()  # once per run: every figure of the run is of the same data
    filters_box = st.sidebar.container()  # filters above, the language switch below
    language = filters.language_switch()
    frontend.install(language)  # Streamlit's English widget text in Chinese, chart tooltip size
    signin.sign_in()  # who is this (data_sources.access); the sign-in form stops here when required
    signin.account_box()
    nav = navigation.menu()  # only the pages the role may use are listed ("home" is hidden)
    if not signin.may_open(nav.url_path):  # a forbidden page's URL typed in directly
        signin.access_denied(nav.url_path)
    if database.is_empty() and nav.url_path not in ("data",):
        frame.empty_store_guide()
    else:
        filters.sidebar_filters(filters_box)
        nav.run()
except sa.exc.SQLAlchemyError as e:  # the database went away mid-session: a message, then recovery
    database.database_lost(e, navigated=nav is not None)
