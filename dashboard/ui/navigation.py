"""Getting around: the menu of the pages the account may use (the others registered hidden), a
click on a unit anywhere opening its page with the filters kept, and the unit page's picker.

Imports ``session``, ``site``, ``signin``, ``cache`` and ``filters``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, NoReturn

import streamlit as st

from dashboard import metrics
from dashboard.metrics import Selection
from dashboard.ui.cache import cached, filter_options
from dashboard.ui.filters import DRILL_DEPT, QP_UNIT, filter_query_params, scope_text
from dashboard.ui.session import t, tm
from dashboard.ui.signin import account, may_open
from dashboard.ui.site import ADMIN_PAGES, PAGE_SPECS, build_pages, page


def menu() -> Any:
    """st.navigation over the pages this account may use; the others stay registered but hidden,
    so their URL opens to a refusal instead of Streamlit's "page not found"."""
    acc = account()
    visible = [k for k in PAGE_SPECS if may_open(k, acc)]
    hidden = [k for k in PAGE_SPECS if k not in visible]
    pages = build_pages(hidden=hidden)
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


def go_to_unit(unit: str) -> NoReturn:
    """Open the unit page for ``unit``, keeping the current filters in the URL."""
    params: dict[str, str | list[str]] = {**filter_query_params(), QP_UNIT: unit}
    st.switch_page(page("unit"), query_params=params)


def go_to_department(department: str, sel: Selection) -> None:
    """Set the sidebar's department filter to ``department`` and run the page again (全单位 → 部门:
    the page then shows that department's units). Nothing when it is the filter already, or no
    department the filter offers (（未分部门）: the click would run the page again and again)."""
    known = department in filter_options().get("departments", [])
    if known and tuple(sel.departments) != (department,):
        st.session_state[DRILL_DEPT] = department
        st.rerun()


def _on_unit_pick() -> None:
    picked = st.session_state.get("unit_pick")
    if picked:
        st.query_params[QP_UNIT] = picked


def _searched(names: list[str]) -> list[str]:
    """Above ``SCALE_UNITS`` units a search box narrows the picker to the names that contain its
    text; the unit shown becomes the first match when the current one is not among them."""
    if not metrics.at_scale(len(names)):
        return names
    text = st.text_input(t("unit_search"), key="unit_search", placeholder=t("unit_search_ph")).strip()
    if not text:
        return names
    shown = [n for n in names if text.casefold() in n.casefold()]
    if not shown:
        st.info(tm("unit_search_none", text=text))
        return names
    st.caption(t("unit_search_found", n=len(shown), total=len(names)))
    if st.session_state.get("unit_pick") not in shown:
        st.session_state["unit_pick"] = shown[0]
    return shown


def unit_picker(sel: Selection) -> str | None:
    """The unit of the unit page, one of the units of the sidebar's filters (``sel``): ?unit= (a
    click elsewhere or a shared link) wins, else the unit seen last in this session; the picker
    writes its choice back to the URL. A unit outside the filters is named, not opened. Above 30
    units a search box narrows the list (``_searched``)."""
    names = cached(metrics.unit_names)(replace(sel, month_from=None, month_to=None))
    url_unit = st.query_params.get(QP_UNIT)
    outside = bool(url_unit) and url_unit not in names
    if st.session_state.get("unit_pick") not in names:
        st.session_state.pop("unit_pick", None)  # picked before the filter changed
    if url_unit in names:
        st.session_state["unit_pick"] = url_unit
    elif url_unit and url_unit in filter_options().get("units", []):
        st.warning(tm("unit_outside_filter", unit=url_unit, scope=scope_text(sel)))
    elif url_unit:
        st.warning(tm("unit_unknown", unit=url_unit))
    elif st.session_state.get("_last_unit") in names:
        st.session_state["unit_pick"] = st.session_state["_last_unit"]
    # above 30 units the search box and the picker side by side (one row less on a laptop)
    search_box, picker = st.columns(2) if metrics.at_scale(len(names)) else (st.container(), st.container())
    with search_box:
        shown = _searched(names)
    with picker:
        unit = st.selectbox(
            t("unit_pick"),
            shown,
            index=None if outside else 0,
            key="unit_pick",
            on_change=_on_unit_pick,
            placeholder=t("unit_none"),
        )
    if unit:
        if st.query_params.get(QP_UNIT) != unit:  # the picker's choice replaces a unit outside
            st.query_params[QP_UNIT] = unit
        st.session_state["_last_unit"] = unit
    return unit
