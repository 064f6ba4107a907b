"""Who is using the app (``data_sources.access``): the session of this browser (a sign-in in this
tab, or the cookie of an earlier one), the sign-in form or OIDC (``st.login``), the first
administrator of a fresh install, the account box in the sidebar, and the pages each role may
open (``may_open``, ``require_page``, ``access_denied``).

Every run re-reads the session from the store (``access.account_for_session``): a session ended
by 退出登录, ``user passwd`` or ``user remove`` signs the open tab out at its next run. The cookie
``cz_session`` is set HttpOnly by ``dashboard.server`` (the page redeems a one-time ticket);
before an administrator exists visitors only read, and every page offers to create one.

Imports ``session``, ``site`` and ``database``; ``dashboard.server`` for the cookie's ticket.
"""

from __future__ import annotations

import json
import time
from typing import NoReturn

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from dashboard import server
from dashboard.i18n import account_error_text
from dashboard.ui.database import SHOW_DETAILS, store
from dashboard.ui.session import lang, settings, t, tm
from dashboard.ui.site import PAGE_SPECS, hidden_navigation
from data_sources import access
from data_sources.access import Account

SESSION_COOKIE = server.SESSION_COOKIE
TOKEN = "_session_token"  # session_state: the token of this browser session's sign-in
_ENDED = "_ended_tokens"  # tokens that ended in this browser session (the cookie read at connect may hold one)
_COOKIE_TO_SET = "_cookie_to_set"  # the token of a sign-in in this run, or "" to clear the cookie
_RUN_ACCOUNT = "_run_account"
_OIDC_TRIED = "_oidc_tried"  # an OIDC identity is mapped to an account once per browser session
_OIDC_REFUSED = "_oidc_refused"  # (reason, e-mail) of a refused OIDC identity
ANONYMOUS = Account(name="", role="viewer")  # not signed in: reads, never writes
# The pages each role may open; the rest are left out of its navigation and refuse to render.
# 数据管理 is for the roles the server lets upload (dashboard.server.UPLOAD_ROLES).
ROLE_PAGES: dict[str, frozenset[str]] = {
    role: frozenset(PAGE_SPECS)
    - ({"settings"} if role != "admin" else set())
    - ({"data"} if role not in server.UPLOAD_ROLES else set())
    for role in access.ROLES
}


def oidc_configured() -> bool:
    """``[auth]`` in .streamlit/secrets.toml: sign-in through the organisation's OIDC provider."""
    try:
        return bool(st.secrets.load_if_toml_exists()) and "auth" in st.secrets
    except Exception:  # a broken secrets.toml: fall back to the built-in accounts
        return False


def account() -> Account:
    """The account of this run (``sign_in`` decided it); ANONYMOUS before that or when nobody
    is signed in."""
    acc = st.session_state.get(_RUN_ACCOUNT)
    return acc if acc is not None else ANONYMOUS


def role_label(role: str) -> str:
    return t(f"role_{role}")


def sign_in() -> Account:
    """Decide who uses the app in this run. Draws the sign-in form (and stops) when nobody is
    signed in and the visitor may not read anonymously; with no account at all, a notice and
    the form that creates the administrator. Call once per run from the entry script."""
    st.session_state.pop(_RUN_ACCOUNT, None)
    _cookie_script()
    acc, ended = _session_account()
    if acc is None:
        if not access.has_accounts(store()):
            acc = _before_first_admin()
        elif oidc_configured():
            acc = _oidc_sign_in(ended)
        else:
            acc = _password_sign_in(ended)
    st.session_state[_RUN_ACCOUNT] = acc
    st.session_state[SHOW_DETAILS] = acc.is_admin and bool(acc.name)  # an outage's details
    return acc


def _session_account() -> tuple[Account | None, bool]:
    """The account of this browser session's sign-in (made in this tab, or the cookie of an
    earlier one), re-read from the store; and whether a session held here has ended since
    (signed out elsewhere, new password, account removed, timed out): then the token is
    dropped and the cookie cleared."""
    ended_here: list[str] = st.session_state.setdefault(_ENDED, [])
    token = st.session_state.get(TOKEN)
    if not token:
        cookie = st.context.cookies.get(SESSION_COOKIE)
        token = cookie if isinstance(cookie, str) and cookie and cookie not in ended_here else None
    if not token:
        return None, False
    acc = access.account_for_session(store(), token)
    if acc is not None:
        st.session_state[TOKEN] = token
        return acc, False
    st.session_state.pop(TOKEN, None)
    ended_here.append(token)
    _set_cookie("")
    _cookie_script()
    return None, True


def _signed_in(token: str) -> None:
    st.session_state[TOKEN] = token
    _set_cookie(token)


def _set_cookie(token: str) -> None:
    st.session_state[_COOKIE_TO_SET] = token


def _cookie_script() -> None:
    """Set (after a sign-in) or clear (after the session ended) the HttpOnly cookie that keeps
    the sign-in across reloads and tabs: the page posts a one-time ticket to the server's
    route (``dashboard.server``), which answers with the cookie. Nothing when the app is not
    served through serve.py (no route: the sign-in lasts as long as the tab)."""
    token = st.session_state.pop(_COOKIE_TO_SET, None)
    if token is None or not server.ACTIVE:
        return
    ticket = server.issue_ticket(token)
    st.html(
        f"<script>fetch({json.dumps(server.base_path() + server.SESSION_ROUTE)}, "
        f"{{method: 'POST', body: {json.dumps(ticket)}, credentials: 'same-origin'}});</script>",
        unsafe_allow_javascript=True,
    )


# ---- a fresh install: no account yet ------------------------------------------------------------


def _before_first_admin() -> Account:
    """No account exists: every page says so and offers the form that creates the
    administrator. Until then a visitor reads every page but 数据管理 and changes nothing
    (no upload, undo or demo). With ``require_login`` or OIDC nobody reads before that."""
    if oidc_configured():
        hidden_navigation()
        st.title(t("app_title"))
        st.warning(t("login_no_accounts"), icon=":material/lock:")
        st.stop()
    if settings().access.require_login:
        hidden_navigation()
        st.title(t("app_title"))
        _first_admin_box(expanded=True)
        st.stop()
    _first_admin_box(expanded=False)
    return ANONYMOUS


def _first_admin_box(expanded: bool) -> None:
    st.warning(t("first_admin_notice"), icon=":material/admin_panel_settings:")
    with st.expander(t("first_admin_title"), expanded=expanded, icon=":material/person_add:"):
        _first_admin_form()


def _first_admin_form() -> None:
    keys = ("first_admin_name", "first_admin_password", "first_admin_password_again")
    with st.form("first_admin", border=False):
        st.caption(t("first_admin_body"))
        name = st.text_input(t("first_admin_name"), key=keys[0], max_chars=200)
        password = st.text_input(
            t("first_admin_password", min=access.MIN_PASSWORD_LENGTH), type="password", key=keys[1], max_chars=200
        )
        again = st.text_input(t("first_admin_password_again"), type="password", key=keys[2], max_chars=200)
        submitted = st.form_submit_button(t("first_admin_submit"), type="primary", icon=":material/person_add:")
    if not submitted:
        return
    if password != again:
        st.error(t("first_admin_mismatch"), icon=":material/error:")
        return
    try:
        acc = access.create_first_admin(store(), name, password)
    except access.AccountError as e:
        st.error(account_error_text(e, lang()), icon=":material/error:")
        return
    _signed_in(access.start_session(store(), acc))
    for key in keys[1:]:
        st.session_state.pop(key, None)
    st.rerun()


# ---- name and password ------------------------------------------------------------------------


def _password_sign_in(ended: bool) -> Account:
    if settings().access.anonymous_viewer:
        with st.sidebar.expander(t("login_title"), icon=":material/login:", expanded=ended):
            if ended:
                st.warning(t("login_session_ended"), icon=":material/timer_off:")
            _login_form("sidebar_login")
        return ANONYMOUS
    _login_page(ended)


def _login_page(ended: bool) -> NoReturn:
    """The sign-in form in the main area; nothing else is drawn until it succeeds."""
    hidden_navigation()
    st.title(t("app_title"))
    if ended:
        st.warning(t("login_session_ended"), icon=":material/timer_off:")
    st.subheader(t("login_title"))
    st.caption(t("login_body"))
    _login_form("login")
    st.stop()


def _login_form(key: str) -> None:
    with st.form(key, clear_on_submit=False, border=True):
        name = st.text_input(t("login_name"), key=f"{key}_name", max_chars=200)
        password = st.text_input(t("login_password"), type="password", key=f"{key}_password", max_chars=200)
        submitted = st.form_submit_button(t("login_submit"), type="primary", icon=":material/login:")
    if not submitted:
        return
    try:
        signed = access.sign_in(store(), name, password)  # lockout, session and audit entry
    except access.SignInRefused as e:
        time.sleep(0.5)  # a guessing script gets two tries a second, not thousands
        message = t("login_locked", minutes=e.minutes) if e.reason == "locked" else t("login_failed")
        st.error(message, icon=":material/error:")
        return
    _signed_in(signed.token)
    st.session_state.pop(f"{key}_password", None)
    st.rerun()


# ---- the organisation's provider (OIDC) --------------------------------------------------------


def _oidc_sign_in(ended: bool) -> Account:
    """Sign-in through st.login: on the first run of a browser session with a signed-in
    identity, ``access.oidc_account`` maps it to an account (verified e-mail only; audited with
    its issuer and subject) and a session starts. tests/test_oidc.py runs it against a real
    provider."""
    user = st.user
    if user.is_logged_in and not st.session_state.get(_OIDC_TRIED):
        st.session_state[_OIDC_TRIED] = True
        try:
            acc = access.oidc_account(store(), user, settings().access.oidc_email_domains)
        except access.OidcRefused as e:
            st.session_state[_OIDC_REFUSED] = (e.reason, e.email)
        else:
            _signed_in(access.start_session(store(), acc))
            _cookie_script()
            return acc
    refused = st.session_state.get(_OIDC_REFUSED) if user.is_logged_in else None
    if settings().access.anonymous_viewer:  # a claimed e-mail is never the viewer's name
        _oidc_box(st.sidebar, ended, refused)
        return ANONYMOUS
    hidden_navigation()
    st.title(t("app_title"))
    _oidc_box(st.container(), ended, refused)
    st.stop()


def _oidc_box(where: DeltaGenerator, ended: bool, refused: tuple[str, str] | None) -> None:
    if ended:
        where.warning(t("login_session_ended"), icon=":material/timer_off:")
    if refused:
        reason, email = refused
        where.error(tm(f"login_sso_{reason}", email=email), icon=":material/lock:")
        where.button(t("logout"), on_click=st.logout, key="sso_logout")
    else:
        where.button(t("login_sso"), on_click=st.login, type="primary", icon=":material/login:", key="sso_login")


# ---- signed in ----------------------------------------------------------------------------------


def _logout() -> None:
    """退出登录: the session ends on the server (``end_session`` writes the audit entry), so a
    copied cookie is worthless; then the cookie is cleared."""
    token = st.session_state.pop(TOKEN, None)
    if token:
        access.end_session(store(), token)
        st.session_state.setdefault(_ENDED, []).append(token)
    st.session_state.pop(_OIDC_REFUSED, None)
    _set_cookie("")
    if oidc_configured():
        st.logout()


def account_box() -> None:
    """Who is signed in, with the sign-out button (sidebar)."""
    acc = account()
    if not acc.name:
        st.sidebar.caption(t("anonymous_as"))
        return
    st.sidebar.caption(tm("signed_in_as", name=acc.name, role=role_label(acc.role)))
    st.sidebar.button(t("logout"), on_click=_logout, key="logout", icon=":material/logout:")
    if acc.is_admin and not server.ACTIVE and st.context.headers.get("host"):  # served, but not by serve.py
        st.sidebar.warning(t("serve_unguarded"), icon=":material/gpp_maybe:")


def may_open(url_path: str, acc: Account | None = None) -> bool:
    acc = acc or account()
    if url_path not in PAGE_SPECS:  # "" or "home": the default page that redirects to /overview
        return True
    return url_path in ROLE_PAGES.get(acc.role, frozenset())


def require_page(url_path: str) -> Account:
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
    """Who an import or undo is recorded under: the signed-in account (only a signed-in reporter
    or administrator reaches an upload or an undo)."""
    return account().name
