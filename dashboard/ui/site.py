"""The app's pages: url path, script, title and icon of each, the ``st.Page`` objects built from
them (visible or hidden), and the default page at ``/`` that redirects to /overview.

Imports ``session`` (titles in the session's language) and nothing else of ``dashboard.ui``; who
may open which page is ``signin``'s, the menu ``navigation``'s.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any

import streamlit as st

from dashboard.ui.session import t

ROOT = Path(__file__).resolve().parent.parent.parent
PAGES_DIR = ROOT / "pages"

# url_path → (script, title key, material icon); the order is the menu order.
PAGE_SPECS: dict[str, tuple[str, str, str]] = {
    "overview": ("overview.py", "page_overview", ":material/dashboard:"),
    "units": ("units.py", "page_units", ":material/leaderboard:"),
    "unit": ("unit.py", "page_unit", ":material/apartment:"),
    "learners": ("learners.py", "page_learners", ":material/school:"),
    "phases": ("phases.py", "page_phases", ":material/flag:"),
    "submissions": ("submissions.py", "page_submissions", ":material/fact_check:"),
    "evaluation": ("evaluation.py", "page_evaluation", ":material/military_tech:"),
    "data": ("data.py", "page_data", ":material/upload_file:"),
    "settings": ("settings.py", "page_settings", ":material/tune:"),
}
ADMIN_PAGES = ("data", "settings")

_PAGES = "_pages"  # session_state: this run's st.Page objects by url path


def _home() -> None:
    """The app root redirects to /overview (with the URL's parameters), so every page, the
    overview included, has an ASCII path that can be bookmarked (Streamlit always serves the
    default page at ``/`` and would answer /overview with "page not found")."""
    params = {k: st.query_params.get_all(k) for k in st.query_params}
    st.switch_page(page("overview"), query_params={k: v if len(v) > 1 else v[0] for k, v in params.items()})


def build_pages(hidden: Collection[str] = ()) -> dict[str, Any]:
    """st.Page objects for the pages (absolute paths, ASCII url paths, titles in the language),
    plus the hidden default page ``home`` at ``/`` that redirects to the overview. The pages in
    ``hidden`` are registered without a menu entry (their URL still runs the entry script)."""
    pages: dict[str, Any] = {}
    for url_path, (script, title_key, icon) in PAGE_SPECS.items():
        visibility = "hidden" if url_path in hidden else "visible"
        pages[url_path] = st.Page(
            str(PAGES_DIR / script), title=t(title_key), icon=icon, url_path=url_path, visibility=visibility
        )
    pages["home"] = st.Page(_home, title=t("page_overview"), url_path="home", default=True, visibility="hidden")
    st.session_state[_PAGES] = pages
    return pages


def page(name: str) -> Any:
    """The st.Page of ``name`` (for st.switch_page and st.page_link)."""
    pages = st.session_state.get(_PAGES) or build_pages()
    return pages[name]


def hidden_navigation() -> None:
    """Register the pages without a menu and without running one, so the URL a visitor typed
    (/data, /unit?unit=…) survives what stands in for the page (the sign-in form, a lost
    database) and opens once that is over."""
    st.navigation(list(build_pages().values()), position="hidden")
