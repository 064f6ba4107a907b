"""DESIGN §5 "at scale" on the pages (Streamlit's AppTest): above 30 units 总览, 阶段进度 and 报送情况
show departments and the 10 highest and lowest units, unit lists get a search and pages; at 30
units or fewer every unit is listed as before.

The stores are built through tests/builders.py: ``n`` units spread over three departments, three
months of summaries whose participation differs by unit, one milestone done by every other unit.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

from dashboard import metrics as m
from dashboard.config import ENV_DB_URL, load_settings
from dashboard.i18n import evaluation_text, ui_text
from dashboard.ui import filters
from data_sources.store import Store
from tests import builders as b
from tests.test_pages import ROOT, app, captions, no_exceptions, open_page

DEPARTMENTS = ("城区总工会", "机械冶金产业工会", "能源化工产业工会")
MONTHS = ("2024-01", "2024-02", "2024-03")
Q1 = m.Selection(month_from=MONTHS[0], month_to=MONTHS[-1])


def unit_name(i: int) -> str:
    return f"基层{i:03d}"


def org_rows(n: int) -> dict[str, list[dict]]:
    """``n`` units in three departments; unit i reports every month but the ones (i + k) % 7 == 0
    and trains (i * 7) % 19 + 1 of its 20 staff; even units have done the first milestone."""
    units = [unit_name(i) for i in range(n)]
    return {
        "roster": [b.roster(u, DEPARTMENTS[i % 3], 20, "车间") for i, u in enumerate(units)],
        "summary": [
            b.summary(u, month, 20, (i * 7) % 19 + 1, 10 + i % 5)
            for i, u in enumerate(units)
            for k, month in enumerate(MONTHS)
            if (i + k) % 7
        ],
        "milestones": [b.milestone(u, "成立领导小组", done=date(2024, 1, 20)) for u in units[::2]],
    }


def build(path: Path, n: int) -> str:
    url = f"sqlite:///{path}"
    store = Store.open(url)
    try:
        res = store.commit(b.parsed(f"org{n}.xlsx", **org_rows(n)), "test")
        assert not res.warnings
    finally:
        store.close()
    return url


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> dict[int, str]:
    root = tmp_path_factory.mktemp("scale")
    return {n: build(root / f"org{n}.db", n) for n in (30, 45)}


@pytest.fixture
def store_of(stores: dict[int, str], monkeypatch: pytest.MonkeyPatch):
    def use(n: int) -> str:
        monkeypatch.setenv(ENV_DB_URL, stores[n])
        return stores[n]

    return use


def chart_frames(at: AppTest) -> list[tuple[str, pd.DataFrame]]:
    """Every chart on the page: its title and its first dataset."""
    out = []
    for el in at.get("vega_lite_chart"):
        spec = json.loads(el.proto.spec)
        title = spec.get("title")
        data = dataframe_util.convert_arrow_bytes_to_pandas_df(el.proto.datasets[0].data.data)
        out.append((title if isinstance(title, str) else "", data))
    return out


def with_column(at: AppTest, column: str) -> list[pd.DataFrame]:
    return [df for _, df in chart_frames(at) if column in df.columns]


def expected_rate_ends(url: str, n: int, sel: m.Selection = Q1) -> set[str]:
    """The units the participation chart should list: all, or the 10 highest and the 10 lowest
    by rate (then name), from the unit table."""
    store = Store.open(url)
    try:
        units = m.unit_table(store, load_settings(ROOT / "config.toml"), sel)
    finally:
        store.close()
    ranked = sorted(zip(units["participation_rate"], units["unit"], strict=True), key=lambda r: (-r[0], r[1]))
    names = [u for _, u in ranked]
    return set(names if len(names) <= 30 else names[:10] + names[-10:])


def url_app(**query: str) -> AppTest:
    return app(**{"from": MONTHS[0], "to": MONTHS[-1], **query})


@pytest.mark.parametrize("n", [30, 45])
def test_overview_lists_departments_and_the_ends_above_30_units(store_of, n: int) -> None:
    """Above 30 units the departments first, the 10 highest and lowest units one click away
    (one view at a time keeps the page short); at 30 every unit and no choice."""
    url = store_of(n)
    at = open_page(url_app(), "overview")
    no_exceptions(at)
    titles = dict(chart_frames(at))
    ends_note = ui_text("scale_ends", n=10, total=n)
    if n > 30:
        depts = titles[ui_text("chart_participation_dept_title")]
        assert sorted(depts["department"]) == sorted(DEPARTMENTS)
        assert sorted(depts["units"]) == sorted([len(range(k, n, 3)) for k in range(3)])
        assert ui_text("click_department") in captions(at)
        assert ui_text("chart_participation_title") not in titles
        at.radio(key="ov_view").set_value("ends").run()
        no_exceptions(at)
        titles = dict(chart_frames(at))
        assert ui_text("chart_participation_dept_title") not in titles
        assert ends_note in captions(at)
    else:
        assert not [r for r in at.radio if r.key == "ov_view"]
        assert ui_text("chart_participation_dept_title") not in titles
        assert ends_note not in captions(at) and ui_text("click_department") not in captions(at)
    units_chart = titles[ui_text("chart_participation_title")]
    assert set(units_chart["unit"]) == expected_rate_ends(url, n)
    laggards = at.dataframe(key="ov_laggards").value  # every unit is below 98 %: all lag
    assert len(laggards) == (10 if n > 30 else n)  # above 30: the first page of 10


def _grids(at: AppTest) -> tuple[list[pd.DataFrame], list[pd.DataFrame]]:
    """The units × columns grids and the departments × columns grids the page draws."""
    unit_grids = [df for df in with_column(at, "unit") if "symbol" in df.columns]
    dept_grids = [df for df in with_column(at, "department") if "symbol" in df.columns and "unit" not in df.columns]
    return unit_grids, dept_grids


@pytest.mark.parametrize(("page", "n"), [(p, n) for p in ("phases", "submissions") for n in (30, 45)])
def test_matrices_list_departments_and_the_ends_above_30_units(store_of, page: str, n: int) -> None:
    """Above 30 units: the department grid, or the 20 end units, or the whole list with a search,
    one at a time; at 30 the grid of every unit and the list, as before."""
    store_of(n)
    at = open_page(url_app(), page)
    no_exceptions(at)
    unit_grids, dept_grids = _grids(at)
    search = [w for w in at.text_input if w.label == ui_text("scale_search")]
    view = "phases_view" if page == "phases" else "subs_view"
    if n > 30:
        assert not unit_grids and not search
        assert len(dept_grids) == 1 and sorted(dept_grids[0]["department"].unique()) == sorted(DEPARTMENTS)
        counts = dept_grids[0]["symbol"].str.split("/").str[1].astype(int)
        sizes = {d: len(range(k, n, 3)) for k, d in enumerate(DEPARTMENTS)}
        assert list(counts) == [sizes[d] for d in dept_grids[0]["department"]]  # "done/units" per cell
        at.radio(key=view).set_value("ends").run()
        unit_grids, dept_grids = _grids(at)
        assert len(unit_grids) == 1 and unit_grids[0]["unit"].nunique() == 20 and not dept_grids
        at.radio(key=view).set_value("table").run()
        no_exceptions(at)
        unit_grids, dept_grids = _grids(at)
        search = [w for w in at.text_input if w.label == ui_text("scale_search")]
        assert not unit_grids and not dept_grids and len(search) == 1
    else:
        assert not [r for r in at.radio if r.key == view]
        assert len(unit_grids) == 1
        assert unit_grids[0]["unit"].nunique() == n and not dept_grids and not search


def test_a_department_click_sets_the_filter_and_lists_its_units(store_of) -> None:
    """What a click on a department bar does (the browser test clicks it): the next run has that
    department in the sidebar filter and the URL, and the chart lists its units."""
    url = store_of(45)
    at = open_page(url_app(), "overview")
    at.session_state[filters.DRILL_DEPT] = DEPARTMENTS[1]
    at.run()
    no_exceptions(at)
    assert at.multiselect(key=filters.K_DEPT).value == [DEPARTMENTS[1]]
    assert at.query_params[filters.QP_DEPT] in (DEPARTMENTS[1], [DEPARTMENTS[1]])
    titles = dict(chart_frames(at))
    assert ui_text("chart_participation_dept_title") not in titles  # 15 units: every unit, no departments
    shown = set(titles[ui_text("chart_participation_title")]["unit"])
    assert shown == expected_rate_ends(url, 15, replace(Q1, departments=(DEPARTMENTS[1],)))


def test_the_unit_picker_searches_above_30_units(store_of) -> None:
    store_of(45)
    at = open_page(url_app(), "unit")
    no_exceptions(at)
    assert len(at.selectbox(key="unit_pick").options) == 45
    at.text_input(key="unit_search").input("基层01").run()
    no_exceptions(at)
    picker = at.selectbox(key="unit_pick")
    assert picker.options == [unit_name(i) for i in range(10, 20)]
    assert picker.value == unit_name(10) and at.query_params[filters.QP_UNIT] in (unit_name(10), [unit_name(10)])
    assert ui_text("unit_search_found", n=10, total=45) in captions(at)


def test_no_unit_search_at_30_units(store_of) -> None:
    store_of(30)
    at = open_page(url_app(), "unit")
    no_exceptions(at)
    assert len(at.selectbox(key="unit_pick").options) == 30
    assert not [w for w in at.text_input if w.key == "unit_search"]


def test_the_unit_ranking_has_pages_and_a_search_above_30_units(store_of) -> None:
    store_of(45)
    at = open_page(url_app(), "units")
    no_exceptions(at)
    table = at.dataframe(key="units_table").value
    assert len(table) == 20
    assert ui_text("scale_found", n=45, total=45, page=1, pages=3) in captions(at)
    at.number_input(key="units_table_page").set_value(3).run()
    assert len(at.dataframe(key="units_table").value) == 5
    at.text_input(key="units_table_search").input(DEPARTMENTS[2]).run()
    no_exceptions(at)
    shown = at.dataframe(key="units_table").value
    assert len(shown) == 15 and set(shown[ui_text("department")]) == {DEPARTMENTS[2]}
    assert ui_text("scale_found", n=15, total=45, page=1, pages=1) in captions(at)


def test_departments_with_the_largest_share_overdue_come_first() -> None:
    from dashboard.ui import scale

    frame = pd.DataFrame(
        {
            "department": ["大", "大", "小", "小", "中", "中"],
            "overdue": [20, 20, 3, 2, 0, 0],
            "total": [80, 80, 5, 5, 30, 30],
        }
    )
    assert scale.department_order(frame, "overdue") == ["小", "大", "中"]  # 50 %, 25 %, 0 %


@pytest.mark.parametrize("n", [30, 45])
def test_the_evaluation_shows_one_long_view_at_a_time_above_30_units(store_of, n: int) -> None:
    """考核评比 at 1,000 units was 48 laptop screens (every veto a line, every unit a row below the
    chart): above 30 units the chart, the vetoes or the score table, one at a time."""
    store_of(n)
    at = open_page(url_app(), "evaluation")
    no_exceptions(at)

    def shown() -> tuple[bool, bool, bool]:
        tables = {d.key for d in at.dataframe}
        vetoes = evaluation_text("page_vetoes") in [h.value for h in at.subheader]
        return bool(chart_frames(at)), vetoes, "eval_table" in tables

    if n > 30:
        assert shown() == (True, False, False)
        at.radio(key="eval_view").set_value("vetoes").run()
        assert shown() == (False, True, False)
        at.radio(key="eval_view").set_value("table").run()
        no_exceptions(at)
        assert shown() == (False, False, True)
    else:
        assert not [r for r in at.radio if r.key == "eval_view"]
        assert shown() == (True, True, True)
