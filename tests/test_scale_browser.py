"""DESIGN §5 "at scale" in Chromium (issue 13): on 300 units in 12 departments 总览 draws one bar
per department and the 20 end units; a click on a department sets the department filter (in the
sidebar and the URL) and the chart then lists that department's units; 单位详情's search narrows
the unit picker.

The store is built through tests/builders.py (a few seconds); servers and the browser come from
tests/test_browser.py. The screenshot docs/screenshots/overview_departments.png is the README's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from data_sources.store import Store
from tests import builders as b
from tests import test_browser
from tests.test_browser import SHOTS, Server, _need_browser, admin_session, new_page, query, settle

pytestmark = pytest.mark.browser
browser = test_browser.browser  # the module-scoped Chromium of tests/test_browser.py (a fixture)

UNITS, MONTHS = 300, ("2024-01", "2024-02", "2024-03")
DEPARTMENTS = [
    f"{d}区总工会"
    for d in ["东城", "西城", "朝阳", "海淀", "丰台", "石景山", "门头沟", "房山", "通州", "顺义", "昌平", "大兴"]
]
# Vega names a bar by its fields: "参学率: 50.4%; department: 海淀区总工会; …" or "…; unit: 基层122; …"
DEPT_BAR = "[aria-roledescription='bar'][aria-label*='; department: ']"
UNIT_BAR = "[aria-roledescription='bar'][aria-label*='; unit: ']"


def unit_name(i: int) -> str:
    return f"基层{i:03d}"


def department_of(i: int) -> str:
    return DEPARTMENTS[i % len(DEPARTMENTS)]


def _federation_db(path: Path) -> str:
    """300 units, 25 in each of 12 departments; unit i trains (i * 7) % 19 + 1 of its 20 staff."""
    url = f"sqlite:///{path}"
    store = Store.open(url)
    try:
        roster = [b.roster(unit_name(i), department_of(i), 20, "车间") for i in range(UNITS)]
        summary = [b.summary(unit_name(i), m, 20, (i * 7) % 19 + 1, 10.0) for i in range(UNITS) for m in MONTHS]
        res = store.commit(b.parsed("federation.xlsx", roster=roster, summary=summary), "test")
        assert not res.warnings
    finally:
        store.close()
    return url


@pytest.fixture(scope="module")
def federation(tmp_path_factory) -> Iterator[Server]:
    _need_browser()
    tmp = tmp_path_factory.mktemp("federation")
    url = _federation_db(tmp / "federation.db")
    server = Server(url, tmp / "streamlit.log")
    server.token = admin_session(url)
    yield server
    server.stop()


def names(pg, selector: str, field: str) -> set[str]:
    """The ``field`` of every bar ``selector`` finds (its aria-label)."""
    bars = pg.locator(selector)
    out = set()
    for i in range(bars.count()):
        found = re.search(f"; {field}: ([^;]+)", bars.nth(i).get_attribute("aria-label") or "")
        out.add(found.group(1) if found else "")
    return out


def test_the_overview_shows_departments_and_a_click_drills_into_one(browser, federation) -> None:
    pg = new_page(browser, federation, 1600, 1000)
    try:
        pg.goto(f"{federation.url}/overview?from={MONTHS[0]}&to={MONTHS[-1]}")
        pg.wait_for_selector(DEPT_BAR)
        settle(pg)
        assert pg.locator('[data-testid="stException"]').count() == 0
        assert names(pg, DEPT_BAR, "department") == set(DEPARTMENTS)
        assert pg.locator(UNIT_BAR).count() == 0  # one view at a time: the departments first
        views = pg.locator('[data-testid="stMain"] [data-testid="stRadio"]').first  # the choice above the chart
        views.evaluate("e => e.scrollIntoView({block: 'start'})")
        pg.screenshot(path=str(SHOTS / "overview_departments.png"))  # the README's department view

        pg.get_by_text("参学率最高与最低的单位", exact=True).click()
        pg.wait_for_selector(UNIT_BAR)
        settle(pg)
        assert pg.locator(UNIT_BAR).count() == 20  # the 10 highest and the 10 lowest of 300
        assert pg.locator(DEPT_BAR).count() == 0
        pg.get_by_text("各部门参学率", exact=True).first.click()
        pg.wait_for_selector(DEPT_BAR)
        settle(pg)

        target = DEPARTMENTS[3]
        pg.locator(f"[aria-roledescription='bar'][aria-label*='; department: {target};']").first.click()
        pg.wait_for_url("**dept=**")
        pg.wait_for_selector(UNIT_BAR)
        settle(pg)
        assert query(pg)["dept"] == [target]
        sidebar = pg.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').first.inner_text()
        assert target in sidebar
        assert pg.locator(DEPT_BAR).count() == 0  # 25 units: every unit, no departments
        assert names(pg, UNIT_BAR, "unit") == {unit_name(i) for i in range(UNITS) if department_of(i) == target}
    finally:
        pg.context.close()


def test_the_unit_picker_search_narrows_the_list(browser, federation) -> None:
    pg = new_page(browser, federation, 1600, 1000)
    try:
        pg.goto(f"{federation.url}/unit?from={MONTHS[0]}&to={MONTHS[-1]}")
        settle(pg)
        search = pg.get_by_label("搜索单位", exact=True)
        search.fill("基层12")
        search.press("Enter")
        pg.wait_for_selector("text=找到 10 个单位（共 300 个）")
        settle(pg)
        assert query(pg)["unit"] == [unit_name(120)]
        pg.locator('[data-testid="stSelectbox"]').filter(has_text="选择单位").locator("input").click()
        options = [o.strip() for o in pg.locator('[role="option"]').all_inner_texts()]
        assert options == [unit_name(i) for i in range(120, 130)]
    finally:
        pg.context.close()


# the height of the page's scrolling main section (a table's own scroller is not the page)
PAGE_HEIGHT = """() => document.querySelector('[data-testid="stMain"]').scrollHeight"""


@pytest.mark.parametrize("page", ["overview", "units", "learners", "phases", "submissions", "evaluation"])
def test_no_page_is_taller_than_four_laptop_screens(browser, federation, page: str) -> None:
    """Issue 13's goal at scale: a leader scrolls a page at most four screens at 1366×768."""
    pg = new_page(browser, federation, 1366, 768)
    try:
        pg.goto(f"{federation.url}/{page}?from={MONTHS[0]}&to={MONTHS[-1]}")
        settle(pg)
        pg.wait_for_timeout(1000)  # charts take their height after the script has run
        assert pg.locator('[data-testid="stException"]').count() == 0
        assert pg.evaluate(PAGE_HEIGHT) <= 4 * 768
    finally:
        pg.context.close()
