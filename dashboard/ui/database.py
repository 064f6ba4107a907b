"""The store of this app: opened once per database URL, how fresh its data is, and what a page
shows while the database cannot be reached (the message, 重试, and a probe that reruns the app
as soon as it answers).

Imports ``session`` and ``site`` (a lost database keeps the URL's page registered);
``data_sources.store`` only through ``Store.open``.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, NoReturn

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from dashboard.ui.session import settings, t, tm
from dashboard.ui.site import hidden_navigation
from data_sources.schema import StoreTooNew, StoreUnavailable

if TYPE_CHECKING:  # pragma: no cover
    from data_sources.store import Store

RETRY_SECONDS = 5  # how often a page that lost its database checks whether it is back
# session_state: the last run's account was a signed-in administrator (``signin`` sets it), who
# may read an outage's details (the URL with user, host, port and database; the driver's error)
SHOW_DETAILS = "_outage_details"
_LOG = logging.getLogger("dashboard.database")
_RUN_VERSION = "_data_version_of_run"  # session_state: the data version this run read at its start


@st.cache_resource(show_spinner=False)
def open_store(url: str) -> Store:
    from data_sources.store import Store

    return Store.open(url)


def database_url() -> str:
    """DASHBOARD_DB_URL wins over config.toml (resolved on every run so tests can point elsewhere)."""
    return settings().resolve_database_url()


def store() -> Store:
    """The store of this app, opened once per database URL; stops the page with a message in
    Chinese when the database cannot be used."""
    url = database_url()
    try:
        return open_store(url)
    except StoreUnavailable as e:
        _wait_for_database("store_unavailable", e)
    except StoreTooNew as e:
        st.error(t("store_too_new", revision=e.revision), icon=":material/error:")
        st.stop()


def database_lost(error: Exception, navigated: bool) -> NoReturn:
    """The database went away in the middle of a session: say so (no traceback), and rerun the
    page as soon as a query gets through again — by itself every few seconds, or on 重试.
    Any other error is re-raised: a bug must not pass for an outage. ``navigated``: whether
    st.navigation ran in this run; if not, every page is registered hidden (none is run), so
    the page in the URL stays the one the rerun opens."""
    url = database_url()
    try:
        lost = open_store(url).lost(error)
    except (StoreUnavailable, StoreTooNew):
        lost = None
    if lost is None:
        raise error
    if not navigated:
        hidden_navigation()
    _wait_for_database("store_lost", lost)


def _wait_for_database(message: str, e: StoreUnavailable) -> NoReturn:
    """The message, a 重试 button and a probe that reruns the app once the database answers
    (at start: once it opens; mid-session: once a query gets through). The URL and the
    driver's error go to the server log, and on the page only to an administrator who was
    signed in: nobody else learns user, host, port and database name from an outage."""
    _LOG.warning("%s: %s: %s", message, e.url, e.detail)
    if st.session_state.get(SHOW_DETAILS):
        st.error(tm(message, url=e.url, detail=e.detail), icon=":material/cloud_off:")
    else:
        st.error(t(f"{message}_public"), icon=":material/cloud_off:")
    if st.button(t("retry"), key="store_retry", icon=":material/refresh:"):
        st.rerun()

    @st.fragment(run_every=RETRY_SECONDS)
    def probe() -> None:
        try:
            back = open_store(database_url()).reachable()
        except (StoreUnavailable, StoreTooNew):
            back = False
        if back:
            st.rerun(scope="app")

    probe()
    st.stop()


def data_as_of() -> datetime | None:
    """When the data last changed (the last import or undo, UTC)."""
    return store().data_as_of()


def read_data_version() -> None:
    """Read the store's data version once, at the start of a script run (``app.py``): every figure
    of the run is keyed by the same version, so a page never mixes figures from before and after an
    import through another app process, and a run asks the database once, not once per figure (7
    times on 总览, 13 on 单位详情: each two queries, round trips to a shared PostgreSQL). Every
    change of the data in a run (an import, an undo, a roster or plan edit) reruns the app."""
    st.session_state[_RUN_VERSION] = store().data_version()


def data_version() -> str:
    """The store's data version, for cache keys: an import or undo through any app process makes
    every cached figure stale (a count kept by the database, not a clock time). In an app run, the
    version read at its start (``read_data_version``); outside one (a test, a script), now."""
    version = st.session_state.get(_RUN_VERSION) if get_script_run_ctx() is not None else None
    return version if version is not None else store().data_version()


def is_empty() -> bool:
    return store().is_empty()


def local_time(when: datetime | None) -> datetime | None:
    """Stored times are UTC; show the server's wall-clock time."""
    if when is None or when.tzinfo is None:
        return when
    return when.astimezone().replace(tzinfo=None)
