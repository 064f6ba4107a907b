"""The campaign year after year in Chromium (issue 15): an administrator starts 2025 from 2024's plan
on 活动设置, moves a due date in the milestone table, and 阶段进度 shows it; a link with ?year=
opens that year for a new visitor. Screenshots of 活动设置 for the README. Servers and the browser
come from tests/test_browser.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests import test_browser
from tests.test_browser import SHOTS, heading, new_page, settle

pytestmark = pytest.mark.browser
browser = test_browser.browser  # the module-scoped Chromium of tests/test_browser.py (a fixture)
demo_server = test_browser.demo_server


def edit_cell(pg, table: int, row: int, column: int, text: str) -> None:
    """Type ``text`` into a cell of the page's ``table``-th data editor, as a user does: click a
    cell of its second row, go to the top-left cell with the arrow keys, then down and right to
    the cell; Enter opens its editor. (The keys, not the click's place, pick the cell.)"""
    grid = pg.locator("[data-testid='stDataFrame']").nth(table)
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    pg.mouse.click(box["x"] + 80, box["y"] + 38 + 37 * 1.5)  # below the header, in the data rows
    for key, times in (("ArrowUp", 50), ("ArrowLeft", 10), ("ArrowDown", row), ("ArrowRight", column)):
        for _ in range(times):
            pg.keyboard.press(key)
    pg.keyboard.press("Enter")
    editor = pg.locator("input[type=date], #portal input, #portal textarea").first
    editor.fill(text)
    pg.keyboard.press("Enter")


def cell_texts(pg, table: int) -> list[str]:
    """The texts of a data editor's cells (its accessible grid)."""
    grid = pg.locator("[data-testid='stDataFrame']").nth(table)
    return grid.locator("[role='gridcell']").all_inner_texts()


def overdue_marks(pg) -> int:
    """The ✗ (overdue) cells the phase matrix draws."""
    return pg.locator("[data-testid='stVegaLiteChart'] svg text", has_text="✗").count()


def test_an_administrator_starts_next_year_moves_a_due_date_and_the_phases_show_it(
    browser, demo_server, tmp_path: Path
) -> None:
    pg = new_page(browser, demo_server, 1366, 768)
    pg.goto(f"{demo_server.url}/settings")
    settle(pg)
    assert heading(pg) == "活动设置"
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SHOTS / "settings_1366_zh.png"))
    pg.get_by_role("button", name="新建2025年度（复制2024年度计划）").click()
    pg.get_by_text("已建立2025年度活动计划（第 1 版）").wait_for()
    settle(pg)
    assert "year=2025" in pg.url
    assert "2025-01-31" in cell_texts(pg, 1)  # 成立领导小组, moved to 2025

    pg.goto(f"{demo_server.url}/phases?year=2025&from=2025-01&to=2025-01")
    settle(pg)
    before = overdue_marks(pg)
    assert before == 10  # every unit: 成立领导小组 due 2025-01-31, not done in January

    pg.goto(f"{demo_server.url}/settings?year=2025")
    settle(pg)
    edit_cell(pg, 1, 0, 3, "2025-02-15")
    grid_cell = pg.locator("[data-testid='stDataFrame']").nth(1).locator("[role='gridcell']").nth(3)
    expect(grid_cell).to_have_text("2025-02-15")  # the edit is in the table (成立领导小组's row) before 保存
    pg.get_by_role("button", name="保存").first.click()
    pg.get_by_text("已保存2025年度活动计划（第 2 版）").wait_for()
    settle(pg)
    assert "2025-02-15" in cell_texts(pg, 1)

    pg.goto(f"{demo_server.url}/phases?year=2025&from=2025-01&to=2025-01")
    settle(pg)
    assert overdue_marks(pg) == 0  # now due in February: not yet due at the end of January
    year_box = pg.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").first
    assert year_box.locator("input").input_value() == "2025年"


def test_a_shared_link_opens_its_year_for_a_new_visitor(browser, demo_server) -> None:
    pg = new_page(browser, demo_server, 1920, 1080)
    pg.goto(f"{demo_server.url}/settings?lang=en")
    settle(pg)
    pg.get_by_role("tab", name="Phases and milestones").wait_for()
    pg.screenshot(path=str(SHOTS / "settings_1920_en.png"))
    other = new_page(browser, demo_server, 1366, 768)
    other.goto(f"{demo_server.url}/overview?year=2024&from=2024-03&to=2024-03")
    settle(other)
    year_box = other.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").first
    assert year_box.locator("input").input_value() == "2024年"  # 2025 exists, the link says 2024
    assert "year=2024" in other.url and "from=2024-03" in other.url
    tiles = other.locator("[data-testid='stMetric']")
    expect(tiles.first).to_contain_text("环比")  # February 2024 is stored
    # 同比: nothing of March 2023 is stored, each of the six tiles says so
    expect(other.get_by_text("去年同期无数据")).to_have_count(6)
