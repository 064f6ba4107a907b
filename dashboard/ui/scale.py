"""A view at scale (DESIGN §5, a city federation's 1,000 units): above ``SCALE_UNITS`` units in the
selection a chart or matrix that lists units shows departments (a click sets the department
filter) and the 10 lowest and 10 highest units; every long unit list gets a search and pages.

Imports ``session``, ``filters`` and ``widgets``; ``dashboard.metrics`` for the threshold.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import charts
from dashboard.metrics import SCALE_ENDS, Selection, at_scale
from dashboard.metrics.departments import NO_DEPARTMENT
from dashboard.names import pinyin_key
from dashboard.ui.session import lang, settings, t
from dashboard.ui.widgets import chart, download_xlsx, labelled, rows_height, table

PAGE_SIZES = (20, 50, 100)
LAGGARD_PAGE_SIZES = (10, 20, 50, 100)  # 总览 holds more than this list: its first page is short

# The views of a page at scale (view → the text key of its name), the first shown by default
OVERVIEW_VIEWS = {"departments": "chart_participation_dept_title", "ends": "scale_view_rate_ends"}
PHASES_VIEWS = {"departments": "phases_departments", "ends": "phases_units", "table": "phases_table"}
SUBMISSIONS_VIEWS = {"departments": "subs_departments", "ends": "subs_units", "table": "subs_last_update"}
EVALUATION_VIEWS = {"chart": "page_chart_title", "vetoes": "page_vetoes", "table": "page_table"}  # evaluation_text


def view(key: str, labels: Mapping[str, str], text: Callable[[str], str] = t) -> str:
    """At scale a page shows one of its long views at a time — the departments, the ends, the
    whole list — chosen above them (``labels``: view → text key, read by ``text``), so that at
    1,000 units no page is more than a few screens tall. The first view is the default; the
    choice lasts the session."""
    return st.radio(
        t("scale_view"),
        list(labels),
        key=key,
        horizontal=True,
        format_func=lambda v: text(labels[v]),
        label_visibility="collapsed",  # the choices name themselves
    )


def shows_departments(units: pd.DataFrame) -> bool:
    """More units than a screen holds, in more than one department: the department view."""
    return at_scale(len(units)) and units["department"].fillna(NO_DEPARTMENT).nunique() > 1


def named(departments: pd.DataFrame) -> pd.DataFrame:
    """Departments as shown: units without one under （未分部门）."""
    return departments.assign(department=departments["department"].replace(NO_DEPARTMENT, t("no_department")))


def end_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """An ordered table's rows: all up to ``SCALE_UNITS``, else the first and last ``SCALE_ENDS``."""
    if not at_scale(len(frame)):
        return frame
    return pd.concat([frame.head(SCALE_ENDS), frame.tail(SCALE_ENDS)], ignore_index=True)


def ends_caption(shown: int, total: int, key: str = "scale_ends") -> None:
    """Says that the chart shows only the ends (nothing when it shows every unit)."""
    if shown < total:
        st.caption(t(key, n=SCALE_ENDS, total=total))


def rate_ends(units: pd.DataFrame) -> pd.DataFrame:
    """The units the participation chart lists: in its order (rate, then name), all of them up
    to ``SCALE_UNITS`` (the table as it is), else the 10 highest and the 10 lowest."""
    if not at_scale(len(units)):
        return units
    data = units[(units["headcount"].fillna(0) > 0) & units["participation_rate"].notna()]
    return end_rows(data.sort_values(["participation_rate", "unit"], ascending=[False, True]))


def department_participation(departments: pd.DataFrame, target: float, sel: Selection, key: str) -> None:
    """各部门参学率: one bar per department, each against its own target; a click sets the
    department filter."""
    tg = settings().targets
    data = named(departments).assign(
        target=[tg.for_scope("participation_rate", d or None, None) for d in departments["department"]]
    )
    chart(
        charts.participation_by_unit,
        data,
        target,
        tg.amber_ratio,
        lang(),
        by="department",
        key=f"{key}_{'|'.join(sel.departments)}",
        departments=sel,
    )
    st.caption(t("click_department"))


def department_order(frame: pd.DataFrame, count: str) -> list[str]:
    """Departments with the largest share of their cells' units in status ``count`` first (a
    department of 80 units is not first for being large), then by name."""
    sums = frame.groupby("department")[[count, "total"]].sum()
    share = {d: (int(r[count]) / int(r["total"]) if int(r["total"]) else 0.0) for d, r in sums.iterrows()}
    return sorted(share, key=lambda d: (-share[d], pinyin_key(str(d))))


def department_matrix(build: Callable[..., Any], *args: Any, sel: Selection, key: str, **kwargs: Any) -> None:
    """A departments × milestones or months grid (``build(*args, by="department", **kwargs)``); a
    click on a row sets the department filter."""
    chart(build, *args, by="department", key=f"{key}_{'|'.join(sel.departments)}", departments=sel, **kwargs)
    st.caption(t("click_department"))


def search_and_page(
    frame: pd.DataFrame,
    key: str,
    columns: Sequence[str] = ("unit", "department"),
    sizes: Sequence[int] = PAGE_SIZES,
) -> pd.DataFrame:
    """Above ``SCALE_UNITS`` rows, a search box (any of ``columns`` contains the text) and pages
    of ``sizes`` rows (20/50/100): the rows of the current page. Fewer rows: the table unchanged."""
    if not at_scale(len(frame)):
        return frame
    left, mid, right = st.columns([3, 1, 1], vertical_alignment="bottom")
    with left:
        text = st.text_input(t("scale_search"), key=f"{key}_search", placeholder=t("scale_search_ph")).strip()
    found = frame
    if text:
        hit = pd.Series(False, index=frame.index)
        for c in columns:
            if c in frame:
                hit |= frame[c].fillna("").astype(str).str.contains(text, case=False, regex=False)
        found = frame[hit]
    with mid:
        size = st.selectbox(t("scale_page_size"), sizes, key=f"{key}_size")
    pages = max(1, -(-len(found) // size))
    pk, ss = f"{key}_page", st.session_state
    if ss.get(f"{key}_seen") != (text, size) or int(ss.get(pk) or 1) > pages:
        ss[pk] = 1  # a new search or page size starts on the first page (set before the widget)
    ss[f"{key}_seen"] = (text, size)
    with right:
        page = st.number_input(t("scale_page"), min_value=1, max_value=pages, step=1, key=pk)
    page = min(int(page), pages)
    st.caption(t("scale_found", n=len(found), total=len(frame), page=page, pages=pages))
    return found.iloc[(page - 1) * size : page * size]


def paged_table(
    frame: pd.DataFrame,
    key: str,
    columns: Sequence[str],
    download: str,
    most: int | None,
    sizes: Sequence[int] = PAGE_SIZES,
    **options: Any,
) -> None:
    """``widgets.table`` with ``search_and_page`` above it when the list is long; the download is
    always the whole table (every unit, not the page). ``most``: the height in pixels the rows may
    take (None: Streamlit's own)."""
    page = search_and_page(frame, key, sizes=sizes)
    whole = page is frame
    table(
        page,
        key=key,
        columns=columns,
        height=rows_height(len(page), most) if most else "auto",
        download=download if whole else None,
        **options,
    )
    if not whole:
        download_xlsx(labelled(frame, columns).reset_index(drop=True), download, key=f"{key}_xlsx")
