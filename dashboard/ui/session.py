"""This run's settings and language: config.toml parsed once per process, the UI language of the
session, and the strings of ``dashboard.i18n`` in it (escaped for Markdown where data goes in).

The bottom of ``dashboard.ui``: it imports Streamlit, ``dashboard.config`` and ``dashboard.i18n``
only, and every other ui module may import it.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from dashboard.config import Settings, SettingsError, load_settings
from dashboard.i18n import ui_text

K_LANG = "lang"  # session_state key of the language switch (``filters.language_switch``)
# session_state: this run's settings with the campaign year's plan (``filters.sidebar_filters``
# puts them here before the page runs; config.toml's until then)
YEAR_SETTINGS = "_year_settings"
MD_SPECIAL = set("\\`*_{}[]()#+-.!|<>~:$&")


@st.cache_resource(show_spinner=False)
def get_settings() -> Settings:
    """config.toml, parsed once per process (restart the app after editing it)."""
    return load_settings()


def settings() -> Settings:
    """The settings of the campaign year the sidebar chose (its phases, milestones, targets and
    rules), or a clear message and a stop (never a traceback) when config.toml is wrong."""
    try:
        base = get_settings()
    except SettingsError as e:
        st.error(ui_text("bad_config", "zh", key=md(e.key), problem=md(e.problem)))
        st.stop()
    chosen = st.session_state.get(YEAR_SETTINGS)
    return chosen if isinstance(chosen, Settings) else base


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


def list_sep() -> str:
    """How a list of names is joined in running text: 、 in Chinese, a comma in English."""
    return "、" if lang() == "zh" else ", "
