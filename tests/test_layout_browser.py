"""The layout a leader reads on a laptop and a projector (issue 10). KPI tiles never cut a figure (10.6): Chromium at 1366×768, 1440, 1600 and 1920×1080, in
Chinese and in English, on the demo and on an organisation with the figures of a 1,000-unit city
federation (2,399,123 training hours → 239.9万, 120,000 staff). No element of a tile is wider
inside than its box (scrollWidth > clientWidth is what the browser cuts to "99.…"), and an
unchanged figure reads 持平 in grey without an arrow. The 同比 line under the 环比 (the federation
has last February's figures) is never cut either. 单位详情 honours the department filter
(10.8): its picker lists the filtered department's units, a unit outside it is not opened.

Servers, the browser and the demo database come from tests/test_browser.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from data_sources.store import Store
from tests import builders as b
from tests import test_browser
from tests.test_browser import Server, _demo_db, _need_browser, admin_session, new_page, settle

pytestmark = pytest.mark.browser

SIZES = [(1366, 768), (1440, 900), (1600, 900), (1920, 1080)]
browser = test_browser.browser  # the module-scoped Chromium of tests/test_browser.py (a fixture)

# every element of a tile whose content is wider than its box: [test id or tag, text, scroll, client]
CUT_JS = """() => Array.from(document.querySelectorAll(
    '[data-testid="stMetric"], [data-testid="stMetric"] *, .st-key-kpi_tiles [data-testid="stHtml"] *'))
  .filter(e => e.scrollWidth > e.clientWidth)
  .map(e => [e.getAttribute('data-testid') || e.tagName, e.textContent.slice(0, 40), e.scrollWidth, e.clientWidth])"""

# the 同比 line in a tile's box ("" without one): up from the metric to the tiles' grid
YOY_JS = """(metric) => {
  let e = metric.parentElement;
  while (e && !e.querySelector('.kpi-yoy') && !e.classList.contains('st-key-kpi_tiles')) e = e.parentElement;
  const line = e && !e.classList.contains('st-key-kpi_tiles') ? e.querySelector('.kpi-yoy') : null;
  return line ? line.innerText : '';
}"""

# three units of 40,000 staff each; February's hours equal January's (an unchanged figure)
BIG_UNITS = ["一分会", "二分会", "三分会"]
BIG_HOURS = [799_708, 799_708, 799_707]  # Σ 2,399,123


def _big_db(path: Path) -> str:
    url = f"sqlite:///{path}"
    store = Store.open(url)
    try:
        rows = [
            b.summary(u, m, 40_000, 39_600, h, certificates=40_000)
            for m in ("2024-01", "2024-02")
            for u, h in zip(BIG_UNITS, BIG_HOURS, strict=True)
        ]
        # last February, smaller: every tile also has a 同比 line of a large change (+120.0万)
        rows += [
            b.summary(u, "2023-02", 30_000, 24_000, h // 2, certificates=10_000)
            for u, h in zip(BIG_UNITS, BIG_HOURS, strict=True)
        ]
        store.commit(
            b.parsed("big.xlsx", roster=[b.roster(u, "市总工会", 40_000) for u in BIG_UNITS], summary=rows), "test"
        )
    finally:
        store.close()
    return url


def _server(tmp: Path, url: str) -> Server:
    server = Server(url, tmp / "streamlit.log")
    server.token = admin_session(url)
    return server


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Iterator[Server]:
    _need_browser()
    tmp = tmp_path_factory.mktemp("tiles_demo")
    server = _server(tmp, _demo_db(tmp / "demo.db"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> Iterator[Server]:
    _need_browser()
    tmp = tmp_path_factory.mktemp("tiles_big")
    server = _server(tmp, _big_db(tmp / "big.db"))
    yield server
    server.stop()


def tiles(browser, server: Server, query: str, size: tuple[int, int]) -> tuple[list, dict[str, tuple[str, str]]]:
    """(the cut elements, label → (value, delta, 同比 line)) of the overview's tiles."""
    page = new_page(browser, server, *size)
    try:
        page.goto(f"{server.url}/overview?{query}")
        settle(page)
        assert page.locator('[data-testid="stException"]').count() == 0
        shown = {}
        for tile in page.locator('[data-testid="stMetric"]').all():
            label = tile.locator('[data-testid="stMetricLabel"]').inner_text().strip()
            value = tile.locator('[data-testid="stMetricValue"]').inner_text().strip()
            d = tile.locator('[data-testid="stMetricDelta"]')
            yoy = tile.evaluate(YOY_JS)
            shown[label] = (value, d.inner_text().strip() if d.count() else "", " ".join(yoy.split()))
        return page.evaluate(CUT_JS), shown
    finally:
        page.context.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_demo_tiles_are_never_cut(browser, demo, size, lang) -> None:
    cut, shown = tiles(browser, demo, f"from=2024-01&to=2024-12&lang={lang}", size)
    assert len(shown) == 6
    assert cut == []
    assert {yoy for _, _, yoy in shown.values()} == {""}  # one year of demo data: no 同比 line


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_city_federation_figures_are_never_cut(browser, big, size, lang) -> None:
    cut, shown = tiles(browser, big, f"from=2024-02&to=2024-02&lang={lang}", size)
    assert cut == []
    hours = "培训学时" if lang == "zh" else "Training hours"
    certs = "取证数" if lang == "zh" else "Certificates"
    if lang == "zh":
        assert shown[hours] == ("239.9万", "持平", "+120.0万 同比")
        assert shown[certs] == ("12.0万", "持平", "+90,000 同比")
    else:
        assert shown[hours] == ("2.40 M", "no change", "+1.20 M vs last year")
        assert shown[certs] == ("120,000", "no change", "+90,000 vs last year")


def test_unit_detail_honours_the_department_filter(browser, demo) -> None:
    page = new_page(browser, demo, 1366, 768)
    try:
        page.goto(f"{demo.url}/unit?dept=机关&unit=仪表车间&from=2024-01&to=2024-12")
        settle(page)
        alert = page.locator('[data-testid="stAlert"]').first.inner_text()
        assert "「仪表车间」不在当前筛选范围（机关）内" in alert
        assert page.locator('[data-testid="stMetric"]').count() == 0
        page.locator('[data-testid="stSelectbox"]').filter(has_text="选择单位").locator("input").click()
        options = page.locator('[role="option"]').all_inner_texts()
        assert sorted(o.strip() for o in options) == sorted(["供销科", "机关支部", "质检科"])
    finally:
        page.context.close()
