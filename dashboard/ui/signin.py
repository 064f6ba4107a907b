"""Who is using the app (``data_sources.access``): the sign-in form or OIDC (``st.login``), the
cookie that keeps a sign-in across reloads, the account box in the sidebar, the pages each role
may open (``may_open``, ``require_page``, ``access_denied``) and the name an import is recorded
under.

Imports ``session``, ``site`` and ``database``; ``data_sources.access`` inside the functions.
"""

from __future__ import annotations

import json
from typing import Any, NoReturn

import streamlit as st

from dashboard.ui.database import store
from dashboard.ui.session import settings, t, tm
from dashboard.ui.site import PAGE_SPECS, hidden_navigation

_ACCOUNT = "_account_name"  # the signed-in account's name (password sign-in)
_LOGIN_RECORDED = "_login_recorded"  # an OIDC sign-in is recorded once per session
# The pages each role may open; the rest are left out of its navigation and refuse to render.
ROLE_PAGES: dict[str, frozenset[str]] = {
    "viewer": frozenset(PAGE_SPECS) - {"data"},
    "reporter": frozenset(PAGE_SPECS),
    "admin": frozenset(PAGE_SPECS),
}


def _open_account() -> Any:
    """Everyone, when no account exists and config.toml does not require sign-in (today's
    behaviour: a fresh install and the demo open straight into the app as an administrator)."""
    from data_sources.access import Account

    return Account(name="", role="admin")


def oidc_configured() -> bool:
    """``[auth]`` in .streamlit/secrets.toml: sign-in through the organisation's OIDC provider."""
    try:
        return bool(st.secrets.load_if_toml_exists()) and "auth" in st.secrets
    except Exception:  # a broken secrets.toml: fall back to the built-in accounts
        return False


def login_required() -> bool:
    from data_sources.access import has_accounts

    return settings().access.require_login or oidc_configured() or has_accounts(store())


def is_open_access() -> bool:
    """No sign-in at all: the open mode of a fresh install (the data page asks for a name)."""
    return not login_required()


def account() -> Any:
    """The account of this session (``data_sources.access.Account``); in open mode an admin with
    an empty name; an anonymous viewer when [access] anonymous_viewer lets visitors read."""
    acc = st.session_state.get("_run_account")
    if acc is not None:
        return acc
    if is_open_access():
        return _open_account()
    from data_sources.access import Account

    return Account(name="", role="viewer")  # sign_in() has not decided yet: the least rights


def role_label(role: str) -> str:
    return t(f"role_{role}")


def sign_in() -> Any:
    """Decide who uses the app in this run; draws the sign-in form (and stops) when nobody is
    signed in and sign-in is required. Call once per run from the entry script."""
    from data_sources import access

    st.session_state.pop("_run_account", None)
    _session_cookie()
    if not login_required():
        acc = _open_account()
    elif oidc_configured():
        acc = _oidc_account()
    else:
        acc = None
        name = st.session_state.get(_ACCOUNT)
        if not name:  # a reload or a new tab: the signed cookie of an earlier sign-in
            resumed = access.account_from_token(store(), st.context.cookies.get(SESSION_COOKIE))
            name = resumed.name if resumed else None
            if name:
                st.session_state[_ACCOUNT] = name
        if name:
            acc = access.get_user(store(), name)  # removed meanwhile: signed out
            if acc is None:
                st.session_state.pop(_ACCOUNT, None)
        if acc is None:
            if settings().access.anonymous_viewer:
                acc = access.Account(name="", role="viewer")
                with st.sidebar.expander(t("login_title"), icon=":material/login:"):
                    _login_form("sidebar_login")
            else:
                _login_page()
    st.session_state["_run_account"] = acc
    st.session_state["_anonymous"] = not acc.name and not is_open_access_of(acc)
    return acc


SESSION_COOKIE = "cz_session"
_COOKIE_TO_SET = "_cookie_to_set"  # the token of a sign-in in this run, or "" to clear it


def _session_cookie() -> None:
    """Set (after a sign-in) or clear (after a sign-out) the browser cookie that keeps the
    sign-in across reloads (``access.session_token``); Streamlit only reads cookies, so a
    script in the page writes it."""
    from data_sources.access import SESSION_HOURS

    token = st.session_state.pop(_COOKIE_TO_SET, None)
    if token is None:
        return
    max_age = SESSION_HOURS * 3600 if token else 0
    st.html(
        "<script>document.cookie = "
        f"{json.dumps(SESSION_COOKIE + '=' + token)} + '; path=/; max-age={max_age}; SameSite=Strict'"
        " + (location.protocol === 'https:' ? '; Secure' : '');</script>",
        unsafe_allow_javascript=True,
    )


def is_open_access_of(acc: Any) -> bool:
    return acc.role == "admin" and not acc.name


def _login_page() -> NoReturn:
    """The sign-in form in the main area; nothing else is drawn until it succeeds."""
    from data_sources.access import has_accounts

    hidden_navigation()
    st.title(t("app_title"))
    if not has_accounts(store()):
        st.warning(t("login_no_accounts"), icon=":material/lock:")
        st.stop()
    st.subheader(t("login_title"))
    st.caption(t("login_body"))
    _login_form("login")
    st.stop()


def _login_form(key: str) -> None:
    import time

    from data_sources import access

    with st.form(key, clear_on_submit=False, border=True):
        name = st.text_input(t("login_name"), key=f"{key}_name", max_chars=200)
        password = st.text_input(t("login_password"), type="password", key=f"{key}_password", max_chars=200)
        submitted = st.form_submit_button(t("login_submit"), type="primary", icon=":material/login:")
    if not submitted:
        return
    acc = access.authenticate(store(), name, password)
    if acc is None:
        access.record(store(), (name or "").strip(), "login_failed", method="password")
        time.sleep(0.5)  # a guessing script gets two tries a second, not thousands
        st.error(t("login_failed"), icon=":material/error:")
        return
    access.record(store(), acc.name, "login", method="password", role=acc.role)
    st.session_state[_ACCOUNT] = acc.name
    st.session_state[_COOKIE_TO_SET] = access.session_token(store(), acc.name) or ""
    st.session_state.pop(f"{key}_password", None)
    st.rerun()


def _oidc_account() -> Any:
    """Sign-in through st.login (OIDC): the identity's email picks the account and its role
    (tests/test_oidc.py runs it against a real provider)."""
    from data_sources import access

    user = st.user
    if not user.is_logged_in:
        if settings().access.anonymous_viewer:
            st.sidebar.button(t("login_sso"), on_click=st.login, icon=":material/login:", key="sso_login")
            return access.Account(name="", role="viewer")
        hidden_navigation()
        st.title(t("app_title"))
        st.button(t("login_sso"), on_click=st.login, type="primary", icon=":material/login:", key="sso_login")
        st.stop()
    email = str(user.get("email") or "")
    acc = access.user_by_email(store(), email)
    if acc is None:
        if not st.session_state.get(_LOGIN_RECORDED):
            access.record(store(), email, "login_failed", method="oidc")
            st.session_state[_LOGIN_RECORDED] = True
        if settings().access.anonymous_viewer:
            return access.Account(name=email, role="viewer")
        hidden_navigation()
        st.error(tm("login_sso_unknown", email=email), icon=":material/lock:")
        st.button(t("logout"), on_click=st.logout, key="sso_logout")
        st.stop()
    if not st.session_state.get(_LOGIN_RECORDED):
        access.record(store(), acc.name, "login", method="oidc", role=acc.role)
        st.session_state[_LOGIN_RECORDED] = True
    return acc


def _logout() -> None:
    from data_sources import access

    acc = account()
    access.record(store(), acc.name, "logout")
    st.session_state.pop(_ACCOUNT, None)
    st.session_state[_COOKIE_TO_SET] = ""
    if oidc_configured():
        st.logout()


def account_box() -> None:
    """Who is signed in, with the sign-out button (sidebar); nothing in open mode."""
    if is_open_access():
        return
    acc = account()
    if st.session_state.get("_anonymous"):
        st.sidebar.caption(t("anonymous_as"))
        return
    st.sidebar.caption(tm("signed_in_as", name=acc.name, role=role_label(acc.role)))
    st.sidebar.button(t("logout"), on_click=_logout, key="logout", icon=":material/logout:")


def may_open(url_path: str, acc: Any = None) -> bool:
    acc = acc or account()
    if url_path not in PAGE_SPECS:  # "" or "home": the default page that redirects to /overview
        return True
    return url_path in ROLE_PAGES.get(acc.role, frozenset())


def require_page(url_path: str) -> Any:
    """A page script's guard: the account, or a refusal and a stop when its role may not use
    the page (also when its URL is typed in directly)."""
    acc = account()
    if not may_open(url_path, acc):
        access_denied(url_path)
    return acc


def access_denied(url_path: str) -> NoReturn:
    title_key = PAGE_SPECS.get(url_path, ("", url_path, ""))[1]
    st.title(t(title_key))
    st.error(t("access_denied", role=role_label(account().role), page=t(title_key)), icon=":material/lock:")
    st.stop()


def acting_user() -> str:
    """Who an import or undo is recorded under: the signed-in account, or in open mode the name
    typed on the data page."""
    acc = account()
    if acc.name:
        return acc.name
    return str(st.session_state.get("data_user") or t("data_user_default")).strip() or t("data_user_default")
