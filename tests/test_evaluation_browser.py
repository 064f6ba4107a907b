"""The 考核评比 page in Chromium at 1366×768 and 1920×1080: it renders, every unit of the stacked bar
is labelled (visible, not overlapping, text ≥ 14 px), and the downloads open — 推荐名单.xlsx with
openpyxl, a 推荐表 .docx with python-docx, the .zip — holding the right names."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from dashboard.config import load_settings
from dashboard.evaluation import evaluate
from dashboard.metrics import Selection
from data_sources.store import Store
from tests import test_browser
from tests.test_browser import SHOTS, Server, _demo_db, _need_browser, admin_session, new_page, settle
from tests.test_display_browser import CHART_TEXT_JS, axis_labels, chart_titled, overlapping

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = load_settings(ROOT / "config.toml")
SIZES = [(1366, 768), (1920, 1080)]
PERIOD = "from=2024-01&to=2024-12"
CHART_TITLE = "考核得分（按指标）"
MARK_TEXT_JS = """c => Array.from(c.querySelectorAll('g[class*="role-mark"] text')).filter(t => t.textContent.trim())
  .map(t => ({text: t.textContent, size: parseFloat(getComputedStyle(t).fontSize)}))"""

browser = test_browser.browser  # the module-scoped Chromium of tests/test_browser.py (a fixture)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Iterator[tuple[Server, str]]:
    _need_browser()
    tmp = tmp_path_factory.mktemp("evaluation")
    url = _demo_db(tmp / "demo.db")
    server = Server(url, tmp / "streamlit.log")
    server.token = admin_session(url)
    yield server, url
    server.stop()


def expected(url: str):
    store = Store.open(url)
    try:
        return evaluate(store, SETTINGS, Selection(month_from="2024-01", month_to="2024-12"))
    finally:
        store.close()


def open_evaluation(browser, server: Server, size: tuple[int, int]):
    page = new_page(browser, server, *size)
    page.goto(f"{server.url}/evaluation?{PERIOD}")
    settle(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "考核评比" in page.locator("h1").first.inner_text()
    assert "数据截至" in page.inner_text("body")
    return page


@pytest.mark.parametrize("size", SIZES, ids=["1366", "1920"])
def test_every_unit_of_the_stacked_bar_is_labelled(browser, demo, size) -> None:
    server, url = demo
    page = open_evaluation(browser, server, size)
    chart = chart_titled(page, CHART_TITLE)
    labels = axis_labels(chart)
    shown = {lb["text"] for lb in labels if lb["visible"]}
    units = set(expected(url).units["unit"])
    assert len(units) == 10
    assert units <= shown, f"units not drawn: {sorted(units - shown)}"
    assert not [lb["text"] for lb in labels if not lb["visible"]]
    assert not overlapping(labels)
    texts = chart.evaluate(CHART_TEXT_JS) + chart.evaluate(MARK_TEXT_JS)
    assert {"参学率", "人均学时", "每百人取证", "阶段进度", "报送率"} <= {t["text"] for t in texts}  # the legend
    small = [(t["text"], t["size"]) for t in texts if t["size"] < 14]
    assert not small, f"chart text under 14 px: {small}"
    ends = [t["text"] for t in chart.evaluate(MARK_TEXT_JS)]
    assert "100.0  ★ 推荐" in ends and "81.0  否决" in ends  # 机关支部 nominated, 供销科 vetoed
    body = page.inner_text("body")
    assert "一票否决：参学率 86.7% 低于 90.0%" in body
    if size == (1920, 1080):
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "evaluation.png"), full_page=True)
    page.context.close()


@pytest.mark.parametrize("size", SIZES, ids=["1366", "1920"])
def test_the_downloads_open_and_hold_the_names(browser, demo, size) -> None:
    server, url = demo
    ev = expected(url)
    units, people = list(ev.unit_candidates["unit"]), list(ev.individual_candidates["name"])
    page = open_evaluation(browser, server, size)

    with page.expect_download() as dl:
        page.get_by_role("button", name="下载推荐名单（Excel）").click()
    assert dl.value.suggested_filename == "推荐名单.xlsx"
    wb = load_workbook(io.BytesIO(Path(dl.value.path()).read_bytes()))
    assert wb.sheetnames == ["先进集体", "知识型职工标兵", "单位考核得分", "评选规则"]

    def cells(sheet: str) -> set[str]:
        return {str(c.value) for row in wb[sheet].iter_rows() for c in row if c.value is not None}

    assert set(units) <= cells("先进集体") and "包装车间" not in cells("先进集体")
    assert set(people) <= cells("知识型职工标兵")
    assert set(ev.units["unit"]) <= cells("单位考核得分")

    page.get_by_text("推荐表（Word，12 份）").click()
    with page.expect_download() as dl:
        page.get_by_role("button", name=f"先进集体推荐表_01_{units[0]}.docx").click()
    assert dl.value.suggested_filename == f"先进集体推荐表_01_{units[0]}.docx"
    doc = Document(io.BytesIO(Path(dl.value.path()).read_bytes()))
    text = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    assert units[0] in text and "主要事迹" in text.replace("\n", "")
    assert "推荐单位意见" in text and "领导小组意见" in text
    person, eid = people[0], ev.individual_candidates["employee_id"].iloc[0]
    with page.expect_download() as dl:
        page.get_by_role("button", name=f"知识型职工标兵推荐表_01_{person}_{eid}.docx").click()
    doc = Document(io.BytesIO(Path(dl.value.path()).read_bytes()))
    text = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    assert person in text and eid in text

    with page.expect_download() as dl:
        page.get_by_role("button", name="下载全部推荐材料（zip）").click()
    assert dl.value.suggested_filename == "推荐材料.zip"
    with zipfile.ZipFile(io.BytesIO(Path(dl.value.path()).read_bytes())) as z:
        names = z.namelist()
        assert "推荐名单.xlsx" in names
        assert len([n for n in names if n.endswith(".docx")]) == len(units) + len(people) == 12
        assert any(units[0] in n for n in names) and any(person in n for n in names)
        load_workbook(io.BytesIO(z.read("推荐名单.xlsx")))
    page.context.close()


def test_a_click_on_a_units_bar_opens_the_unit_with_the_filters(browser, demo) -> None:
    server, _ = demo
    page = new_page(browser, server, 1366, 768)
    page.goto(f"{server.url}/evaluation?{PERIOD}&dept=机关")
    page.wait_for_selector("[aria-roledescription='bar']")
    settle(page)
    page.locator("[aria-roledescription='bar'][aria-label*='单位: 供销科']").first.click()
    page.wait_for_url("**/unit?**")
    settle(page)
    assert page.locator("h1").first.inner_text().strip() == "单位详情"
    assert "unit=%E4%BE%9B%E9%94%80%E7%A7%91" in page.url or "unit=供销科" in page.url
    assert "dept=" in page.url and "from=2024-01" in page.url
    page.context.close()
