"""The Streamlit helpers every page shares: settings and store, sidebar filters mirrored in the URL,
cached metric calls, KPI tiles, tables and charts that drill down to a unit, and downloads.

This is the only dashboard module that imports Streamlit besides the page scripts, so the metrics,
charts and exports stay testable without a browser. Pages stay thin: they read ``selection()``,
call ``metric(...)`` and render with the helpers below.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import astuple, dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pandas as pd
import streamlit as st

from dashboard import briefing, charts, metrics
from dashboard.config import Settings, SettingsError, load_settings
from dashboard.i18n import UI_TEXT, fmt_date, fmt_int, fmt_month, fmt_num, fmt_pct, ui_text
from dashboard.metrics import Selection, months_between
from data_sources.schema import StoreTooNew, StoreUnavailable

if TYPE_CHECKING:  # pragma: no cover
    from data_sources.store import Store

ROOT = Path(__file__).resolve().parent.parent
PAGES_DIR = ROOT / "pages"

# url_path → (script, title key, material icon); the order is the menu order.
PAGE_SPECS: dict[str, tuple[str, str, str]] = {
    "overview": ("overview.py", "page_overview", ":material/dashboard:"),
    "units": ("units.py", "page_units", ":material/leaderboard:"),
    "unit": ("unit.py", "page_unit", ":material/apartment:"),
    "learners": ("learners.py", "page_learners", ":material/school:"),
    "phases": ("phases.py", "page_phases", ":material/flag:"),
    "submissions": ("submissions.py", "page_submissions", ":material/fact_check:"),
    "data": ("data.py", "page_data", ":material/upload_file:"),
}
ADMIN_PAGES = ("data",)

# Query parameters that carry the filters (a copied URL restores the view).
QP_DEPT, QP_TYPE, QP_PILOT, QP_FROM, QP_TO, QP_LANG, QP_UNIT = "dept", "type", "pilot", "from", "to", "lang", "unit"
FILTER_PARAMS = (QP_DEPT, QP_TYPE, QP_PILOT, QP_FROM, QP_TO, QP_LANG)

# session_state keys of the sidebar widgets
K_LANG, K_DEPT, K_TYPE, K_PILOT, K_QUICK, K_RANGE = "lang", "f_dept", "f_type", "f_pilot", "f_quick", "f_range"
_INIT = "_filters_from_url"
_RANGE, _RANGE_V = "_period", "_period_version"  # the period lives here; the slider is keyed by version
_SELECTION = "_selection"
_PAGES = "_pages"
_FLASH = "_flash"

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BADGE_COLORS = {"green": charts.GREEN, "amber": charts.AMBER, "red": charts.RED, "neutral": charts.NEUTRAL}
BADGE_ICONS = {"green": "✔", "amber": "▲", "red": "✖", "neutral": "•"}


# ---- language ----------------------------------------------------------------------------


def lang() -> str:
    """The chosen UI language (the sidebar switch; the configured default until it is drawn)."""
    value = st.session_state.get(K_LANG)
    if value in ("zh", "en"):
        return value
    try:
        return get_settings().default_language
    except SettingsError:
        return "zh"


def t(key: str, **params: Any) -> str:
    """A UI string in the current language."""
    return ui_text(key, lang(), **params)


def tm(key: str, **params: Any) -> str:
    """``t`` for Markdown elements (captions, alerts): values from data or the URL are escaped, so
    a unit called ``*A*`` or ``[x](…)`` shows as typed and never as formatting or a link."""
    return ui_text(key, lang(), **{k: md(v) if isinstance(v, str) else v for k, v in params.items()})


def md(text: str) -> str:
    """Escape Markdown in a value shown inside a Markdown element."""
    return "".join("\\" + c if c in MD_SPECIAL else c for c in str(text))


MD_SPECIAL = set("\\`*_{}[]()#+-.!|<>~:$&")


# ---- settings and store ------------------------------------------------------------------


@st.cache_resource(show_spinner=False)
def get_settings() -> Settings:
    """config.toml, parsed once per process (restart the app after editing it)."""
    return load_settings()


def settings() -> Settings:
    """The settings, or a clear message and a stop (never a traceback) when config.toml is wrong."""
    try:
        return get_settings()
    except SettingsError as e:
        st.error(ui_text("bad_config", "zh", key=md(e.key), problem=md(e.problem)))
        st.stop()


@st.cache_resource(show_spinner=False)
def _open_store(url: str) -> Store:
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
        return _open_store(url)
    except StoreUnavailable as e:
        _wait_for_database("store_unavailable", e)
    except StoreTooNew as e:
        st.error(t("store_too_new", revision=e.revision), icon=":material/error:")
        st.stop()


RETRY_SECONDS = 5  # how often a page that lost its database checks whether it is back


def database_lost(error: Exception, navigated: bool) -> NoReturn:
    """The database went away in the middle of a session: say so (no traceback), and rerun the
    page as soon as a query gets through again — by itself every few seconds, or on 重试.
    Any other error is re-raised: a bug must not pass for an outage. ``navigated``: whether
    st.navigation ran in this run; if not, every page is registered hidden (none is run), so
    the page in the URL stays the one the rerun opens."""
    url = database_url()
    try:
        lost = _open_store(url).lost(error)
    except (StoreUnavailable, StoreTooNew):
        lost = None
    if lost is None:
        raise error
    if not navigated:
        st.navigation(list(build_pages().values()), position="hidden")
    _wait_for_database("store_lost", lost)


def _wait_for_database(message: str, e: StoreUnavailable) -> NoReturn:
    """The message, a 重试 button and a probe that reruns the app once the database answers
    (at start: once it opens; mid-session: once a query gets through)."""
    st.error(tm(message, url=e.url, detail=e.detail), icon=":material/cloud_off:")
    if st.button(t("retry"), key="store_retry", icon=":material/refresh:"):
        st.rerun()

    @st.fragment(run_every=RETRY_SECONDS)
    def probe() -> None:
        try:
            back = _open_store(database_url()).reachable()
        except (StoreUnavailable, StoreTooNew):
            back = False
        if back:
            st.rerun(scope="app")

    probe()
    st.stop()


def data_as_of() -> datetime | None:
    return store().data_as_of()


def _as_of_key() -> str:
    as_of = data_as_of()
    return as_of.isoformat() if as_of else ""


# ---- who is using the app (data_sources.access) -------------------------------------------

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

    _hidden_navigation()
    st.title(t("app_title"))
    if not has_accounts(store()):
        st.warning(t("login_no_accounts"), icon=":material/lock:")
        st.stop()
    st.subheader(t("login_title"))
    st.caption(t("login_body"))
    _login_form("login")
    st.stop()


def _hidden_navigation() -> None:
    """Register the pages without a menu and without running one, so the URL a visitor typed
    (/data, /unit?unit=…) survives the sign-in form and opens once they are signed in."""
    st.navigation(list(build_pages().values()), position="hidden")


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
        _hidden_navigation()
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
        _hidden_navigation()
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


def navigation() -> Any:
    """st.navigation over the pages this account may use; the others stay registered but hidden,
    so their URL opens to a refusal instead of Streamlit's "page not found"."""
    acc = account()
    pages = build_pages()
    visible = [k for k in PAGE_SPECS if may_open(k, acc)]
    hidden = [k for k in PAGE_SPECS if k not in visible]
    for k in hidden:
        script, title_key, icon = PAGE_SPECS[k]
        pages[k] = st.Page(str(PAGES_DIR / script), title=t(title_key), icon=icon, url_path=k, visibility="hidden")
    st.session_state[_PAGES] = pages
    st.session_state["_nav_visible"] = visible
    sections: dict[str, list[Any]] = {
        t("nav_dashboards"): [pages[k] for k in visible if k not in ADMIN_PAGES]
        + [pages["home"]]
        + [pages[k] for k in hidden],
    }
    admin = [pages[k] for k in ADMIN_PAGES if k in visible]
    if admin:
        sections[t("nav_admin")] = admin
    return st.navigation(sections, position="sidebar", expanded=True)


# ---- cached metrics ----------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=512)
def _cached_metric(name: str, url: str, as_of: str, sel_key: tuple, args: tuple, _sel: Selection | None) -> Any:
    fn = getattr(metrics, name)
    if _sel is None:
        return fn(_open_store(url), *args)
    return fn(_open_store(url), get_settings(), _sel, *args)


def metric(name: str, sel: Selection | None, *args: Any) -> Any:
    """``metrics.<name>(store, settings, sel, *args)``, cached by the selection and the time of
    the last import, so a meeting's clicks are instant and an import shows at once."""
    key = astuple(sel) if sel is not None else ()
    return _cached_metric(name, database_url(), _as_of_key(), key, tuple(args), sel)


def filter_options() -> dict[str, list[Any]]:
    return metric("filter_options", None)


def clear_caches() -> None:
    """After an import or an undo: forget every cached figure."""
    _cached_metric.clear()


def is_empty() -> bool:
    return store().is_empty()


# ---- period helpers ----------------------------------------------------------------------


def _month_of(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def period_options(months: Sequence[str]) -> list[str]:
    """The months the period slider offers: the stored months and the whole campaign year."""
    year = settings().year
    first = min([*months, f"{year}-01"])
    last = max([*months, f"{year}-12"])
    return months_between(first, last)


def anchor_month(months: Sequence[str], today: date | None = None) -> str:
    """What "this month" means: today's month while data reaches it, else the latest month with
    data (the demo is 2024; a meeting in 2026 still wants a sensible 本月)."""
    current = _month_of(today or date.today())
    if not months:
        return current if current[:4] == str(settings().year) else f"{settings().year}-12"
    if months[0] <= current <= months[-1]:
        return current
    return months[-1] if current > months[-1] else months[0]


def quick_picks(options: Sequence[str], anchor: str) -> dict[str, tuple[str, str]]:
    """Quick period picks → (from, to): 本月, 本季度, 本年累计 and each campaign phase."""

    def clamp(m: str) -> str:
        return min(max(m, options[0]), options[-1])

    q_start = f"{anchor[:4]}-{((int(anchor[5:7]) - 1) // 3) * 3 + 1:02d}"
    picks = {
        "month": (anchor, anchor),
        "quarter": (clamp(q_start), anchor),
        "ytd": (clamp(f"{anchor[:4]}-01"), anchor),
    }
    for i, p in enumerate(settings().phases):
        picks[f"phase{i}"] = (clamp(_month_of(p.start)), clamp(_month_of(p.end)))
    return picks


def quick_label(key: str) -> str:
    if key.startswith("phase"):
        p = settings().phases[int(key[5:])]
        return p.name if lang() == "zh" else p.name_en
    return t(f"q_{key}")


def period_text(sel: Selection) -> str:
    a, b = fmt_month(sel.month_from, lang()), fmt_month(sel.month_to, lang())
    return t("period_one", start=a) if a == b else t("period_label", start=a, end=b)


# ---- sidebar filters mirrored in the URL -------------------------------------------------


def _qp_list(key: str) -> list[str]:
    """Repeated (?dept=a&dept=b) or comma-separated (?dept=a,b) values."""
    values: list[str] = []
    for v in st.query_params.get_all(key):
        values.extend(x.strip() for x in v.split(",") if x.strip())
    return values


def _load_from_url(opts: dict[str, list[Any]], options: list[str], default: tuple[str, str]) -> None:
    """First run of a session: the URL (a bookmark, a shared link) sets the widgets."""
    qp = st.query_params
    ss = st.session_state
    ss[K_DEPT] = [d for d in _qp_list(QP_DEPT) if d in opts.get("departments", [])]
    ss[K_TYPE] = [d for d in _qp_list(QP_TYPE) if d in opts.get("unit_types", [])]
    ss[K_PILOT] = qp.get(QP_PILOT, "").lower() in ("1", "true", "yes", "是")
    a, b = qp.get(QP_FROM), qp.get(QP_TO)
    a = a if a in options else None
    b = b if b in options else None
    if a is None and b is None:
        a, b = default
    a, b = a or b, b or a
    ss[_RANGE] = (min(a, b), max(a, b))  # type: ignore[type-var]


def _sync_url(sel: Selection, language: str) -> None:
    """Write the filters into the URL (only what changed), keeping other parameters (?unit=)."""
    want: dict[str, list[str]] = {
        QP_DEPT: list(sel.departments),
        QP_TYPE: list(sel.unit_types),
        QP_PILOT: ["1"] if sel.pilot_only else [],
        QP_FROM: [sel.month_from] if sel.month_from else [],
        QP_TO: [sel.month_to] if sel.month_to else [],
        QP_LANG: [language] if language != settings().default_language else [],
    }
    for key, values in want.items():
        if st.query_params.get_all(key) == values:
            continue
        if values:
            st.query_params[key] = values if len(values) > 1 else values[0]
        elif key in st.query_params:
            del st.query_params[key]


def filter_query_params(sel: Selection | None = None) -> dict[str, str | list[str]]:
    """The current filters as query parameters (for links and page switches)."""
    sel = sel or selection()
    out: dict[str, str | list[str]] = {}
    if sel.departments:
        out[QP_DEPT] = list(sel.departments)
    if sel.unit_types:
        out[QP_TYPE] = list(sel.unit_types)
    if sel.pilot_only:
        out[QP_PILOT] = "1"
    if sel.month_from:
        out[QP_FROM] = sel.month_from
    if sel.month_to:
        out[QP_TO] = sel.month_to
    if lang() != settings().default_language:
        out[QP_LANG] = lang()
    return out


def language_switch() -> str:
    """The 中文/English switch at the bottom of the sidebar; returns the language."""
    if K_LANG not in st.session_state:
        url_lang = st.query_params.get(QP_LANG)
        st.session_state[K_LANG] = url_lang if url_lang in ("zh", "en") else settings().default_language
    st.sidebar.segmented_control(
        ui_text("language", "zh"),
        ["zh", "en"],
        key=K_LANG,
        format_func=lambda v: "中文" if v == "zh" else "English",
        required=True,
    )
    return lang()


def _range_key() -> str:
    return f"{K_RANGE}_{st.session_state.get(_RANGE_V, 0)}"


def _on_quick() -> None:
    """A quick pick sets the period; a new slider key makes the slider show it (a range slider
    cannot be driven through session_state without losing its range-ness)."""
    key = st.session_state.get(K_QUICK)
    picks = st.session_state.get("_quick_picks", {})
    if key in picks:
        st.session_state[_RANGE] = tuple(picks[key])
        st.session_state[_RANGE_V] = st.session_state.get(_RANGE_V, 0) + 1


def _on_range() -> None:
    rng = tuple(st.session_state.get(_range_key()) or ())
    if len(rng) == 2:
        st.session_state[_RANGE] = rng
    picks = st.session_state.get("_quick_picks", {})
    st.session_state[K_QUICK] = next((k for k, v in picks.items() if tuple(v) == rng), None)


def sidebar_filters(container: Any = None) -> Selection:
    """Department, unit type, pilot toggle and period in the sidebar, mirrored in the URL
    (?dept=..&type=..&pilot=1&from=YYYY-MM&to=YYYY-MM&lang=en). Returns the Selection every page
    uses; call once per run from the entry script (pages call ``selection()``)."""
    opts = filter_options() if not is_empty() else {"departments": [], "unit_types": [], "units": [], "months": []}
    months = list(opts.get("months") or [])
    options = period_options(months)
    anchor = anchor_month(months)
    picks = quick_picks(options, anchor)
    st.session_state["_quick_picks"] = picks
    if not st.session_state.get(_INIT):
        _load_from_url(opts, options, picks["ytd"])
        st.session_state[_INIT] = True
    ss = st.session_state
    # options can change after an import: keep only values that still exist
    ss[K_DEPT] = [d for d in ss.get(K_DEPT, []) if d in opts.get("departments", [])]
    ss[K_TYPE] = [d for d in ss.get(K_TYPE, []) if d in opts.get("unit_types", [])]
    rng = tuple(ss.get(_RANGE) or picks["ytd"])
    if len(rng) != 2 or rng[0] not in options or rng[1] not in options:
        rng = tuple(picks["ytd"])
        ss[_RANGE_V] = ss.get(_RANGE_V, 0) + 1
    ss[_RANGE] = rng
    if ss.get(K_QUICK) is None or tuple(picks.get(ss.get(K_QUICK), ())) != tuple(rng):
        ss[K_QUICK] = next((k for k, v in picks.items() if tuple(v) == tuple(rng)), None)

    with container if container is not None else st.sidebar:
        st.markdown(f"#### {t('filters')}")
        st.multiselect(t("f_department"), opts.get("departments", []), key=K_DEPT, placeholder=t("f_all"))
        st.multiselect(t("f_unit_type"), opts.get("unit_types", []), key=K_TYPE, placeholder=t("f_all"))
        st.toggle(t("f_pilot"), key=K_PILOT)
        st.pills(
            t("f_period"),
            list(picks),
            key=K_QUICK,
            format_func=quick_label,
            on_change=_on_quick,
        )
        st.select_slider(
            t("f_period"),
            options=options,
            value=rng,
            key=_range_key(),
            format_func=lambda m: fmt_month(m, lang()),
            on_change=_on_range,
            label_visibility="collapsed",
        )
        if anchor != _month_of(date.today()):
            st.caption(t("q_anchor_note", month=fmt_month(anchor, lang())))
    month_from, month_to = ss[_RANGE]
    sel = Selection(
        departments=tuple(ss[K_DEPT]),
        unit_types=tuple(ss[K_TYPE]),
        pilot_only=bool(ss.get(K_PILOT)),
        month_from=month_from,
        month_to=month_to,
    )
    _sync_url(sel, lang())
    ss[_SELECTION] = sel
    return sel


def selection() -> Selection:
    """The Selection the sidebar made in this run (the entry script draws it before the page)."""
    sel = st.session_state.get(_SELECTION)
    return sel if isinstance(sel, Selection) else sidebar_filters()


def scope_text(sel: Selection) -> str:
    parts = [*sel.departments, *sel.unit_types]
    if sel.pilot_only:
        parts.append(t("pilot_units"))
    if sel.units:
        parts = list(sel.units)
    sep = "、" if lang() == "zh" else ", "
    return sep.join(parts) if parts else t("scope_all")


def target_scope(sel: Selection) -> tuple[str | None, str | None]:
    """(department, unit) whose target overrides apply: only when the selection is exactly one."""
    dept = sel.departments[0] if len(sel.departments) == 1 else None
    unit = sel.units[0] if len(sel.units) == 1 else None
    return dept, unit


# ---- navigation and drill-down -----------------------------------------------------------


def _home() -> None:
    """The app root redirects to /overview (with the URL's parameters), so every page, the
    overview included, has an ASCII path that can be bookmarked (Streamlit always serves the
    default page at ``/`` and would answer /overview with "page not found")."""
    params = {k: st.query_params.get_all(k) for k in st.query_params}
    st.switch_page(page("overview"), query_params={k: v if len(v) > 1 else v[0] for k, v in params.items()})


def build_pages() -> dict[str, Any]:
    """st.Page objects for the pages (absolute paths, ASCII url paths, titles in the language),
    plus the hidden default page ``home`` at ``/`` that redirects to the overview."""
    pages: dict[str, Any] = {}
    for url_path, (script, title_key, icon) in PAGE_SPECS.items():
        pages[url_path] = st.Page(str(PAGES_DIR / script), title=t(title_key), icon=icon, url_path=url_path)
    pages["home"] = st.Page(_home, title=t("page_overview"), url_path="home", default=True, visibility="hidden")
    st.session_state[_PAGES] = pages
    return pages


def page(name: str) -> Any:
    pages = st.session_state.get(_PAGES) or build_pages()
    return pages[name]


def go_to_unit(unit: str) -> NoReturn:
    """Open the unit page for ``unit``, keeping the current filters in the URL."""
    params: dict[str, str | list[str]] = {**filter_query_params(), QP_UNIT: unit}
    st.switch_page(page("unit"), query_params=params)


def _on_unit_pick() -> None:
    picked = st.session_state.get("unit_pick")
    if picked:
        st.query_params[QP_UNIT] = picked


def unit_picker() -> str | None:
    """The unit of the unit page: ?unit= (a click elsewhere or a shared link) wins, else the unit
    seen last in this session; the picker writes its choice back to the URL."""
    names = filter_options().get("units", [])
    url_unit = st.query_params.get(QP_UNIT)
    if url_unit in names:
        st.session_state["unit_pick"] = url_unit
    elif url_unit:
        st.warning(tm("unit_unknown", unit=url_unit))
    elif st.session_state.get("_last_unit") in names:
        st.session_state["unit_pick"] = st.session_state["_last_unit"]
    unit = st.selectbox(t("unit_pick"), names, key="unit_pick", on_change=_on_unit_pick, placeholder=t("unit_none"))
    if unit:
        if st.query_params.get(QP_UNIT) != unit:
            st.query_params[QP_UNIT] = unit
        st.session_state["_last_unit"] = unit
    return unit


def _picked_unit(event: Any) -> str | None:
    try:
        picked = event.selection.get(charts.UNIT_SELECTION) if event is not None else None
    except AttributeError:
        picked = None
    if isinstance(picked, dict):
        picked = picked.get("unit")
        return picked[0] if isinstance(picked, list) and picked else picked
    if isinstance(picked, list) and picked:
        first = picked[0]
        return first.get("unit") if isinstance(first, dict) else None
    return None


def chart(spec: Any, key: str, drill: bool = True) -> None:
    """Draw an Altair chart; with ``drill`` a click on a unit opens that unit's page."""
    if not drill:
        st.altair_chart(spec, key=key, width="stretch")
        return
    try:
        event = st.altair_chart(spec, key=key, width="stretch", on_select="rerun", selection_mode=charts.UNIT_SELECTION)
    except Exception:  # a chart without the unit selection (e.g. "no data")
        st.altair_chart(spec, key=key, width="stretch")
        return
    unit = _picked_unit(event)
    if unit:
        go_to_unit(str(unit))


def labelled(df: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """The listed columns of ``df`` with their headers in the current language."""
    out = df.loc[:, [c for c in columns if c in df.columns]].copy()
    out.columns = [t(c) for c in out.columns]
    return out


PCT = "pct"  # column_config sentinel: a fraction shown as 98.5%
PCT_BAR = "pct_bar"  # the same with a progress bar


def _display_config(df: pd.DataFrame, config: dict[str, Any]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Fractions become percentages for the screen (98.5%, one decimal like every other figure);
    the download keeps the fractions so Excel formats them itself."""
    shown = df.copy()
    out: dict[str, Any] = {}
    for col, cfg in config.items():
        if cfg in (PCT, PCT_BAR) and col in shown.columns:
            shown[col] = pd.to_numeric(shown[col], errors="coerce") * 100
            out[col] = (
                st.column_config.ProgressColumn(format="%.1f%%", min_value=0.0, max_value=100.0)
                if cfg == PCT_BAR
                else st.column_config.NumberColumn(format="%.1f%%")
            )
        else:
            out[col] = cfg
    return shown, out


def table(
    df: pd.DataFrame,
    key: str,
    columns: Sequence[str],
    column_config: dict[str, Any] | None = None,
    drill: bool = True,
    height: int | str = "auto",
    download: str | None = None,
) -> None:
    """A sortable table of ``columns`` (headers translated); a click on a row opens its unit;
    ``download`` adds an .xlsx download of the same table under that file name."""
    data = labelled(df, columns).reset_index(drop=True)
    shown, config = _display_config(data, {t(k): v for k, v in (column_config or {}).items()})
    if drill and "unit" in df.columns:
        event = st.dataframe(
            shown,
            key=key,
            hide_index=True,
            column_config=config,
            on_select="rerun",
            selection_mode="single-row",
            height=height,
            placeholder="—",
        )
        rows = list(getattr(getattr(event, "selection", None), "rows", []) or [])
        if rows:
            go_to_unit(str(df.iloc[rows[0]]["unit"]))
    else:
        st.dataframe(shown, key=key, hide_index=True, column_config=config, height=height, placeholder="—")
    if download:
        download_xlsx(data, download, key=f"{key}_xlsx")


def dataframe_to_xlsx(df: pd.DataFrame, sheet_name: str = "数据", language: str = "zh") -> bytes:
    """A table as a styled .xlsx (bold header, number formats, formula-injection guard)."""
    return briefing.table_to_xlsx(df, sheet_name=sheet_name, lang=language)


def download_xlsx(df: pd.DataFrame, file_stem: str, key: str, label: str | None = None) -> None:
    """An .xlsx download of ``df``; the workbook is built only when the button is clicked."""
    language = lang()
    frame = df.copy()
    st.download_button(
        label or t("download_xlsx"),
        data=lambda: dataframe_to_xlsx(frame, sheet_name=file_stem, language=language),
        file_name=f"{file_stem}.xlsx",
        mime=XLSX_MIME,
        key=key,
        icon=":material/download:",
        on_click="ignore",
    )


# column configs for figures: thousands separators, percentages
def col_int() -> Any:
    return st.column_config.NumberColumn(format="localized", step=1)


def col_num() -> Any:
    return st.column_config.NumberColumn(format="%.1f")


def col_date() -> Any:
    """Dates as 2024年3月5日 (zh) / 2024-03-05 (en), like ``i18n.fmt_date``."""
    return st.column_config.DateColumn(format="YYYY年M月D日" if lang() == "zh" else "YYYY-MM-DD")


def col_bool() -> Any:
    return st.column_config.CheckboxColumn()


# ---- page frame --------------------------------------------------------------------------


def page_header(title_key: str, sel: Selection | None = None) -> None:
    """Page title, the scope and period, and "数据截至 …" (every page shows how fresh the data is)."""
    st.title(t(title_key))
    parts = []
    if sel is not None and sel.month_from:
        parts.append(tm("scope_line", scope=scope_text(sel), period=period_text(sel)))
    as_of = data_as_of()
    parts.append(t("data_as_of", when=fmt_date(_local(as_of), lang())) if as_of else t("data_as_of_none"))
    st.caption(" · ".join(parts))
    pending = st.session_state.pop(_FLASH, None)
    if pending:
        kind, message = pending
        (st.error if kind == "error" else st.success)(message)


def _local(when: datetime | None) -> datetime | None:
    """Stored times are UTC; show the server's wall-clock time."""
    if when is None or when.tzinfo is None:
        return when
    return when.astimezone().replace(tzinfo=None)


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


def load_demo() -> None:
    try:
        from dashboard.demo import load_demo as _load_demo
    except ImportError as e:  # pragma: no cover - the demo ships with the app
        st.error(tm("demo_unavailable", detail=str(e)))
        return
    with st.spinner(t("demo_loading")):
        _load_demo(store(), settings())
    clear_caches()
    for k in (_INIT, _RANGE, K_QUICK):
        st.session_state.pop(k, None)
    flash(t("demo_done"))
    st.rerun()


# ---- KPI tiles ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Tile:
    label: str
    value: str
    target: str | None
    status: str  # green / amber / red / neutral
    delta: str | None
    note: str = ""


def _delta_pp(now: float | None, before: float | None) -> str | None:
    if now is None or before is None:
        return None
    d = (now - before) * 100
    return f"{d:+.1f} 个百分点" if lang() == "zh" else f"{d:+.1f} pp"


def _delta_num(now: float | None, before: float | None, digits: int = 0) -> str | None:
    if now is None or before is None:
        return None
    return f"{now - before:+,.{digits}f}"


def kpi_tiles_for(sel: Selection, summary: metrics.Summary, previous: metrics.Summary | None) -> list[Tile]:
    """The six tiles (参学率, 开展率, 阶段进度, 培训学时, 人均学时, 取证数) with target, status and the
    change against the previous period of the same length; targets and statuses come from
    ``briefing.kpis`` so the screen and the meeting briefing agree."""
    s = settings()
    language = lang()
    dept, unit = target_scope(sel)
    k = {row["key"]: row for row in briefing.kpis(s, summary, language, dept, unit)}
    stored = set(filter_options().get("months") or [])
    has_prev = previous is not None and any(m in stored for m in months_between(previous.month_from, previous.month_to))

    def prev(attr: str) -> float | None:
        return getattr(previous, attr) if has_prev else None

    hc = summary.headcount
    hours_target = k["hours_per_capita"]["target"] * hc if hc else None
    cert_target = k["certificates_per_100"]["target"] * hc / 100 if hc else None
    hours_status = charts.status_of(summary.training_hours, hours_target, s.targets.amber_ratio)
    tiles = [
        Tile(
            t("kpi_participation_rate"),
            fmt_pct(summary.participation_rate) if hc else "—",
            k["participation_rate"]["target_text"],
            k["participation_rate"]["status"],
            _delta_pp(summary.participation_rate, prev("participation_rate")),
            k["participation_rate"]["note"],
        ),
        Tile(
            t("kpi_launch_rate"),
            fmt_pct(summary.launch_rate) if summary.units else "—",
            k["launch_rate"]["target_text"],
            k["launch_rate"]["status"],
            _delta_pp(summary.launch_rate, prev("launch_rate")),
            k["launch_rate"]["note"],
        ),
        Tile(
            t("kpi_phase_progress"),
            fmt_pct(summary.phase_progress) if summary.units else "—",
            k["phase_progress"]["target_text"],
            k["phase_progress"]["status"],
            _delta_pp(summary.phase_progress, prev("phase_progress")),
            k["phase_progress"]["note"],
        ),
        Tile(
            t("kpi_training_hours"),
            fmt_num(summary.training_hours, 0),
            fmt_num(hours_target, 0) if hours_target is not None else None,
            hours_status if hc else "red",
            _delta_num(summary.training_hours, prev("training_hours")),
            k["hours_per_capita"]["note"],
        ),
        Tile(
            t("kpi_hours_per_capita"),
            fmt_num(summary.hours_per_capita) if hc else "—",
            k["hours_per_capita"]["target_text"],
            k["hours_per_capita"]["status"],
            _delta_num(summary.hours_per_capita, prev("hours_per_capita"), 1),
            k["hours_per_capita"]["note"],
        ),
        Tile(
            t("kpi_certificates"),
            fmt_int(summary.certificates),
            fmt_num(cert_target, 0) if cert_target is not None else None,
            k["certificates_per_100"]["status"],
            _delta_num(summary.certificates, prev("certificates")),
            k["certificates_per_100"]["note"],
        ),
    ]
    return tiles


def kpi_tiles(sel: Selection, summary: metrics.Summary, previous: metrics.Summary | None) -> None:
    """Draw the KPI tiles in one row (two rows of three on a narrow screen)."""
    tiles = kpi_tiles_for(sel, summary, previous)
    prev_period = period_text(sel.previous()) if sel.month_from and sel.month_to else ""
    amber = fmt_pct(settings().targets.amber_ratio, 0)
    cols = st.columns(len(tiles))
    for col, tile in zip(cols, tiles, strict=True):
        with col, st.container(border=True):
            st.metric(
                tile.label,
                tile.value,
                delta=tile.delta if tile.delta is not None else None,
                delta_color="normal",
                help=f"{tile.note}\n\n{t('kpi_help', period=prev_period, amber=amber)}",
            )
            if tile.delta is None:
                st.caption(t("kpi_no_previous"))
            badge(tile.status, t("kpi_target", value=tile.target) if tile.target else t("kpi_no_target"))


def badge(status: str, text: str = "") -> None:
    """A status badge in the shared palette, with an icon and a word so colour is not the only cue.
    Only our own strings and formatted numbers go into this HTML, never uploaded data."""
    color = BADGE_COLORS.get(status, charts.GREY)
    label = t(f"status_{status}")
    icon = BADGE_ICONS.get(status, "•")
    st.html(
        f'<div style="font-size:1rem;line-height:1.5">'
        f'<span style="background:{color};color:#fff;border-radius:0.4rem;padding:0.1rem 0.5rem;'
        f'font-weight:600;white-space:nowrap">{icon} {label}</span>'
        f'<div style="color:#444;margin-top:0.3rem;white-space:nowrap">{text}</div></div>'
    )


month_end = metrics.month_end  # the "end of P" of a YYYY-MM month, for page captions


def unit_selection(sel: Selection, unit: str) -> Selection:
    """One unit over the period of ``sel`` (the department/type/pilot filters do not hide it)."""
    return replace(Selection(), units=(unit,), month_from=sel.month_from, month_to=sel.month_to)


def previous_or_none(sel: Selection) -> Selection | None:
    return sel.previous() if sel.month_from and sel.month_to else None


# ---- matrix tables -----------------------------------------------------------------------


def units_by_status(df: pd.DataFrame, status: str) -> list[str]:
    """Units ordered by how many cells have ``status`` (most first), then by name: overdue first
    on the phase page, missing first on the submission page."""
    counts = df.assign(hit=df["status"] == status).groupby("unit", sort=False)["hit"].sum()
    return sorted(counts.index, key=lambda u: (-int(counts[u]), str(u)))


def milestone_wide(matrix: pd.DataFrame, order: Sequence[str]) -> pd.DataFrame:
    """The units × milestones matrix as a table: ✓ with the date done, ✗ overdue, ○ not yet due."""
    language = lang()
    names = {m.name: (m.name if language == "zh" else m.name_en) for m in settings().milestones}

    def cell(r: Any) -> str:
        symbol = charts.MILESTONE_SYMBOLS.get(r["status"], "")
        if r["status"] == "done" and r["done_date"] is not None and not pd.isna(r["done_date"]):
            return f"{symbol} {fmt_date(charts._as_date(r['done_date']), language)}"
        return f"{symbol} {t('ms_' + r['status'])}"

    data = matrix.assign(cell=matrix.apply(cell, axis=1))
    ms_order = data.sort_values(["due", "milestone"])["milestone"].drop_duplicates().tolist()
    wide = data.pivot_table(index="unit", columns="milestone", values="cell", aggfunc="first").reindex(
        index=list(order), columns=ms_order
    )
    wide = wide.fillna("").rename(columns=lambda m: names.get(m, m))
    wide.columns = [str(c) for c in wide.columns]
    overdue = (matrix["status"] == "overdue").groupby(matrix["unit"]).sum()
    dept = matrix.groupby("unit")["department"].first()
    wide.insert(0, "overdue_count", [int(overdue.get(u, 0)) for u in wide.index])
    wide.insert(0, "department", [dept.get(u, "") for u in wide.index])
    return wide.reset_index().rename(columns={"index": "unit"})


def missing_in_last_month(sub: pd.DataFrame) -> tuple[str, list[str]]:
    """The last month of the submission matrix and the units that have not reported it."""
    last = str(sub["month"].max())
    now = sub[sub["month"] == last]
    return last, now.loc[now["status"] == "missing", "unit"].tolist()


def submission_order(sub: pd.DataFrame) -> list[str]:
    """Units missing the last month first, then by months missing, then by name."""
    _, missing_now = missing_in_last_month(sub)
    return sorted(units_by_status(sub, "missing"), key=lambda u: u not in missing_now)


def milestone_labels() -> dict[str, str] | None:
    """English names of the configured milestones (None in Chinese)."""
    return {m.name: m.name_en for m in settings().milestones} if lang() == "en" else None


def submission_wide(sub: pd.DataFrame, order: Sequence[str]) -> pd.DataFrame:
    """The units × months matrix as a table (✓ reported, ✗ missing) with the months missing and
    each unit's last update."""
    language = lang()
    data = sub.assign(cell=sub["status"].map(charts.SUBMISSION_SYMBOLS).fillna(""))
    months = sorted(data["month"].unique())
    wide = data.pivot_table(index="unit", columns="month", values="cell", aggfunc="first").reindex(
        index=list(order), columns=months
    )
    wide = wide.fillna("").rename(columns=lambda m: fmt_month(m, language))
    wide.columns = [str(c) for c in wide.columns]
    missing = (sub["status"] == "missing").groupby(sub["unit"]).sum()
    last = sub.groupby("unit")["last_updated"].max()
    dept = sub.groupby("unit")["department"].first()
    wide.insert(0, "last_updated", [fmt_date(_local(charts._as_datetime(last.get(u))), language) for u in wide.index])
    wide.insert(0, "missing_count", [int(missing.get(u, 0)) for u in wide.index])
    wide.insert(0, "department", [dept.get(u, "") for u in wide.index])
    return wide.reset_index().rename(columns={"index": "unit"})


# ---- data page: upload preview, import, history, undo -------------------------------------


@dataclass
class Preview:
    """One uploaded file as read and validated, with what importing it would change."""

    file: str
    parsed: Any  # data_sources.schema.ParsedFile
    plan: Any  # data_sources.store.ImportPlan | None (None when the file has errors)

    @property
    def errors(self) -> list[Any]:
        return list(self.parsed.errors)

    @property
    def warnings(self) -> list[Any]:
        return [*self.parsed.warnings, *(self.plan.warnings if self.plan is not None else [])]


def template_bytes() -> bytes | None:
    """The upload template, when dashboard.template is there (built once per language)."""
    try:
        from dashboard.template import build_template
    except ImportError:
        return None
    return _template(lang(), build_template)


@st.cache_data(show_spinner=False)
def _template(language: str, _build: Any) -> bytes:
    return _build(get_settings(), language)


def preview_upload(
    name: str, content: bytes, period: str | None, allowed_units: Sequence[str] | None = None
) -> Preview:
    """Read, validate and plan one upload; kept per content, period and data version so a rerun
    does not read the file again. ``allowed_units`` (a reporter's) refuses other units' rows,
    exactly as the import will (``access.scope_problems``)."""
    import hashlib

    from data_sources.access import scope_problems
    from data_sources.importer import read_and_validate

    scope = None if allowed_units is None else tuple(allowed_units)
    key = (hashlib.sha256(content).hexdigest(), name, period, _as_of_key(), scope)
    cache: dict[tuple, Preview] = st.session_state.setdefault("_previews", {})
    if key not in cache:
        parsed = read_and_validate(io.BytesIO(content), name, settings(), period)
        parsed.problems.extend(scope_problems(parsed, scope))
        plan = store().plan(parsed) if not parsed.errors else None
        cache.clear() if len(cache) > 20 else None
        cache[key] = Preview(name, parsed, plan)
    return cache[key]


def _problem_rows(problems: Sequence[Any]) -> pd.DataFrame:
    """Problems as a table: file, sheet, row, column, value and the reason in words."""
    from dataclasses import replace as dc_replace

    from dashboard.i18n import format_problem

    language = lang()
    rows = []
    for p in problems:
        bare = format_problem(dc_replace(p, file="", sheet=None, row=None, column=None, value=None), language)
        rows.append(
            {
                t("data_col_file"): p.file,
                t("data_col_sheet"): p.sheet or "",
                t("data_col_row"): p.row,
                t("data_col_column"): p.column or "",
                t("data_col_value"): "" if p.value is None else str(p.value),
                t("data_col_reason"): bare.lstrip("：:").strip(),
                t("data_col_message"): format_problem(p, language),
            }
        )
    return pd.DataFrame(rows)


def _kind_label(kind: Any) -> str:
    from dashboard.i18n import KIND_LABELS

    value = getattr(kind, "value", kind)
    return KIND_LABELS.get(value, {}).get(lang(), str(value))


def render_preview(pv: Preview, index: int = 0) -> None:
    """One file's preview: a verdict line, the sheets found with what would change, the errors
    and warnings (as text in a table: uploaded names are never rendered as HTML)."""
    errors, warnings = pv.errors, pv.warnings
    with st.container(border=True):
        if errors:
            st.markdown(f"**:red[✖ {t('data_file_bad', file=md(pv.file), n=len(errors))}]**")
        else:
            st.markdown(f"**:green[✔ {t('data_file_ok', file=md(pv.file))}]**")
        if pv.parsed.sheets:
            rows = []
            for sheet in pv.parsed.sheets:
                kp = pv.plan.kinds.get(sheet.kind) if pv.plan is not None else None
                rows.append(
                    {
                        t("data_col_sheet"): sheet.sheet,
                        t("data_kind"): _kind_label(sheet.kind),
                        t("month"): fmt_month(sheet.period, lang()) if sheet.period else "—",
                        t("data_rows"): len(sheet.rows),
                        t("data_added"): kp.added if kp else None,
                        t("data_replaced"): kp.replaced if kp else None,
                        t("data_unchanged"): kp.unchanged if kp else None,
                    }
                )
            st.dataframe(pd.DataFrame(rows), hide_index=True, placeholder="—", key=f"sheets_{index}")
        if pv.plan is not None and pv.plan.units_added:
            sep = "、" if lang() == "zh" else ", "
            st.caption(tm("data_units_added", units=sep.join(pv.plan.units_added)))
        if errors:
            st.markdown(f"**{t('data_errors')}（{len(errors)}）**")
            problems = _problem_rows(errors)
            st.dataframe(problems, hide_index=True, key=f"errors_table_{index}")
            download_xlsx(problems, f"{t('data_errors')}_{pv.file.rsplit('.', 1)[0]}", key=f"errors_{index}")
        if warnings:
            with st.expander(f"{t('data_warnings')}（{len(warnings)}）"):
                st.dataframe(_problem_rows(warnings), hide_index=True, key=f"warnings_{index}")
        if pv.plan is not None:
            diff = _diff_rows(pv.plan)
            if not diff.empty:
                with st.expander(t("data_diff", n=len(diff))):
                    st.dataframe(diff, hide_index=True, key=f"diff_{index}")


def _diff_rows(plan: Any, limit: int = 500) -> pd.DataFrame:
    """Stored value → new value for every field a replaced row would change (a diff before commit)."""
    rows = []
    for kind, kp in plan.kinds.items():
        for change in kp.changes:
            if change.before is None:
                continue
            for field_name, new in change.after.items():
                old = change.before.get(field_name)
                if field_name.startswith("_") or old == new:
                    continue
                rows.append(
                    {
                        t("data_kind"): _kind_label(kind),
                        t("data_key"): " / ".join(str(k) for k in change.key),
                        t("data_col_column"): t(field_name),
                        t("data_before"): "" if old is None else str(old),
                        t("data_after"): "" if new is None else str(new),
                    }
                )
                if len(rows) >= limit:
                    return pd.DataFrame(rows)
    return pd.DataFrame(rows)


def commit_uploads(
    files: Sequence[tuple[str, bytes]], period: str | None, user: str, allowed_units: Sequence[str] | None = None
) -> None:
    """Import every uploaded file as one all-or-nothing unit, then show the outcome."""
    from data_sources.importer import import_files
    from data_sources.schema import ImportRejected

    try:
        outcomes = import_files(
            store(),
            [(name, io.BytesIO(content)) for name, content in files],
            settings(),
            user=user,
            period=period,
            allowed_units=allowed_units,
        )
    except ImportRejected as e:
        errors = [p for p in e.problems if p.severity == "error"]
        st.error(t("data_rejected", n=len(errors)))
        st.dataframe(_problem_rows(errors), hide_index=True)
        return
    clear_caches()
    st.session_state.pop("_previews", None)
    st.session_state["_upload_round"] = st.session_state.get("_upload_round", 0) + 1
    lines = []
    for o in outcomes:
        if o.batch_id is None:
            lines.append(tm("data_nothing_new", file=o.file))
        else:
            lines.append(
                tm(
                    "data_imported",
                    file=o.file,
                    batch=o.batch_id,
                    added=o.added,
                    replaced=o.replaced,
                    unchanged=o.unchanged,
                )
            )
    flash("  \n".join(lines))
    st.rerun()


def _counts_text(counts: dict[str, Any]) -> str:
    parts = []
    for kind, c in counts.items():
        if not isinstance(c, dict):
            continue
        parts.append(
            t(
                "data_counts_line",
                kind=_kind_label(kind),
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
        c[1].text(fmt_date(_local(b.created_at), language))
        c[2].text(b.file_name)
        c[3].text(b.user)
        c[4].text(_counts_text(b.counts))
        if b.undone:
            c[5].text(t("data_state_undone", when=fmt_date(_local(b.undone_at), language)))
        else:
            # a popover asks once more: an undo in a meeting must not be one slip of the mouse
            with c[5].popover(t("data_undo", batch=b.id), icon=":material/undo:"):
                st.write(t("data_undo_confirm"))
                if st.button(t("data_undo_yes", batch=b.id), key=f"undo_{b.id}", type="primary"):
                    _undo(b.id)


def st_caption_scope(units: Sequence[str]) -> None:
    sep = "、" if lang() == "zh" else ", "
    st.info(tm("data_scope", units=sep.join(units) or "—"), icon=":material/lock:")


def acting_user() -> str:
    """Who an import or undo is recorded under: the signed-in account, or in open mode the name
    typed on the data page."""
    acc = account()
    if acc.name:
        return acc.name
    return str(st.session_state.get("data_user") or t("data_user_default")).strip() or t("data_user_default")


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
    from data_sources.access import audit_entries

    language = lang()
    rows = [
        {
            t("audit_at"): fmt_date(_local(e.at), language),
            t("audit_user"): e.user,
            t("audit_action"): t(f"audit_{e.action}") if f"audit_{e.action}" in UI_TEXT else e.action,
            t("audit_detail"): json_text(e.detail),
        }
        for e in audit_entries(store(), limit)
    ]
    df = pd.DataFrame(rows, columns=[t("audit_at"), t("audit_user"), t("audit_action"), t("audit_detail")])
    st.dataframe(df, hide_index=True, key="data_audit", height=min(38 * (len(df) + 1) + 4, 420))
    download_xlsx(df, t("data_audit"), key="data_audit_download")


def json_text(detail: Any) -> str:
    import json

    return json.dumps(detail, ensure_ascii=False, default=str)


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


def whole_period() -> Selection:
    """Every unit over every stored month (the roster view)."""
    months = filter_options().get("months") or []
    if not months:
        return Selection()
    return Selection(month_from=months[0], month_to=months[-1])


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


# ---- overview helpers --------------------------------------------------------------------


def timeline_marker(sel: Selection, today: date | None = None) -> tuple[date, str]:
    """Where the phase timeline draws its rule: today inside the campaign year, else the end of the
    period (a 2024 campaign reviewed in 2026 still shows where the period stands)."""
    s = settings()
    today = today or date.today()
    if s.phases and min(p.start for p in s.phases) <= today <= max(p.end for p in s.phases):
        return today, t("today")
    end = month_end(sel.month_to) if sel.month_to else today
    return end, f"{t('end_of_period')} {fmt_date(end, lang())}"


def current_phase_text(today: date | None = None) -> str:
    phase = settings().phase_of(today or date.today())
    if phase is None:
        return t("no_current_phase")
    return t("current_phase", phase=phase.name if lang() == "zh" else phase.name_en)


def with_targets(units: pd.DataFrame) -> pd.DataFrame:
    """The unit table with each unit's participation target (config.toml overrides per unit or
    department), so every bar is coloured against its own target."""
    tg = settings().targets
    targets = [
        tg.for_scope("participation_rate", d, u) for d, u in zip(units["department"], units["unit"], strict=True)
    ]
    return units.assign(target=targets)


def laggards_table(units: pd.DataFrame, matrix: pd.DataFrame, key: str) -> None:
    """Units below their participation target or with an overdue milestone (``briefing.laggards``,
    the same list as the meeting briefing), worst first, clickable."""
    lag = briefing.laggards(settings(), units, matrix, lang())
    if lag.empty:
        st.success(t("overview_behind_none"))
        return
    lag = lag.rename(columns={"overdue": "overdue_milestones"})
    lag["rate_status"] = lag["rate_status"].map(lambda s: t(f"status_{s}") if isinstance(s, str) else "—")
    table(
        lag,
        key=key,
        columns=["unit", "department", "participation_rate", "target", "rate_status", "overdue_milestones"],
        column_config={"participation_rate": PCT_BAR, "target": PCT},
        download=t("overview_behind"),
    )


def briefing_button(
    sel: Selection, summary: metrics.Summary, units: pd.DataFrame, matrix: pd.DataFrame, top: pd.DataFrame
) -> None:
    """The meeting briefing (.xlsx: KPIs, ranking, laggards, top learners, submissions) for the
    current filters; built only when clicked (the submissions grid too: the page does not show
    it, so it is not queried on every view)."""
    s = settings()
    language = lang()
    dept, unit = target_scope(sel)
    the_store, today = store(), date.today()
    as_of = data_as_of()
    ranking = units.drop(columns=["target"], errors="ignore")
    scope = scope_text(sel)
    st.download_button(
        t("briefing_download"),
        data=lambda: briefing.build_briefing(
            s,
            summary,
            ranking,
            matrix,
            top,
            metrics.submission_matrix(the_store, s, sel, today),
            language,
            scope,
            data_as_of=as_of,
            department=dept,
            unit=unit,
        ),
        file_name=t("briefing_file", period=period_text(sel)) + ".xlsx",
        mime=XLSX_MIME,
        icon=":material/description:",
        type="primary",
        on_click="ignore",
        help=t("briefing_help"),
        key="briefing",
    )
