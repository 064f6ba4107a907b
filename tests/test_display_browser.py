"""Charts and Streamlit's own widgets as a leader sees them: Chromium at 1366×768 and 1920×1080,
in Chinese and in English (issue 10).

- every milestone of the 阶段进度 matrix and every certificate level is drawn and visible (Vega's
  overlap removal hides labels by setting their opacity to 0; the SVG is read, not the spec), and
  level labels never overlap;
- every chart text (axes, legends, titles) and the tooltip is at least 14 px with a contrast of
  at least 4.5:1 against the chart's background, as the browser computes it;
- in Chinese no English word of Streamlit's own (file uploader, multiselect, dataframe toolbar,
  forms) is left on 数据管理, 单位排名, 学习标兵 and the sign-in form; in English they stay English.

Servers, the browser and the demo database come from tests/test_browser.py.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard import metrics
from dashboard.config import load_settings
from dashboard.i18n import level_label
from data_sources.schema import LEVELS
from data_sources.store import Store
from tests import test_browser
from tests.test_browser import Server, _accounts_db, _demo_db, _need_browser, admin_session, new_page, settle

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = load_settings(ROOT / "config.toml")
SIZES = [(1366, 768), (1920, 1080)]
PERIOD = "from=2024-01&to=2024-12"
SHOTS = Path("/tmp") / "dashboard-display-shots"  # for a person to look at; the README's live in docs/


browser = test_browser.browser  # the module-scoped Chromium of tests/test_browser.py (a fixture)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Iterator[tuple[Server, str]]:
    _need_browser()
    tmp = tmp_path_factory.mktemp("display")
    url = _demo_db(tmp / "demo.db")
    token = admin_session(url)  # the data page's uploader is for a signed-in administrator (issue 11.4)
    server = Server(url, tmp / "streamlit.log")
    server.token = token
    yield server, url
    server.stop()


def open_page(browser, server: Server, path: str, size: tuple[int, int]):
    page = new_page(browser, server, *size)
    page.goto(f"{server.url}/{path}")
    settle(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    return page


# ---- what the SVG of a chart shows ---------------------------------------------------------------

# Axis labels of one chart as the reader sees them: the lines of a wrapped label joined from top to
# bottom, whether it is visible (Vega hides an overlapping label with opacity 0), its box and angle.
AXIS_LABELS_JS = """chart => Array.from(chart.querySelectorAll('g[class*="role-axis-label"] text')).map(t => {
  const spans = Array.from(t.querySelectorAll('tspan'));
  const lines = spans.length ? spans.map(s => [s.getBoundingClientRect().top, s.textContent]) : [[0, t.textContent]];
  lines.sort((a, b) => a[0] - b[0]);
  const r = t.getBoundingClientRect();
  let hidden = false;
  for (let e = t; e && e !== chart; e = e.parentElement) {
    if (e.getAttribute('opacity') === '0' || getComputedStyle(e).opacity === '0' || getComputedStyle(e).visibility === 'hidden') hidden = true;
  }
  return {text: lines.map(l => l[1]).join(''), visible: !hidden && r.width > 0 && r.height > 0,
          box: [r.left, r.top, r.right, r.bottom], rotated: /rotate\\((?!0[,)])/.test(t.getAttribute('transform') || '')};
})"""

# Every text of the chart's axes, legends and title with its computed size and colour.
CHART_TEXT_JS = """chart => Array.from(chart.querySelectorAll(
    'g[class*="role-axis-label"] text, g[class*="role-axis-title"] text, g[class*="role-legend"] text, g[class*="role-title"] text'
  )).filter(t => t.textContent.trim()).map(t => {
    const cs = getComputedStyle(t);
    return {text: t.textContent, size: parseFloat(cs.fontSize), fill: cs.fill, opacity: parseFloat(cs.opacity)};
})"""


TITLES_JS = """c => Array.from(c.querySelectorAll('g[class*="role-title"] text')).map(t => t.textContent)"""


def chart_titled(page, title: str):
    """The chart whose Vega title is ``title`` (the matrix has none: then the first chart)."""
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    if not title:
        return charts.first
    titles = []
    for i in range(charts.count()):
        chart = charts.nth(i)
        titles += chart.evaluate(TITLES_JS)
        if title in titles:
            return chart
    raise AssertionError(f"no chart titled {title!r}; titles: {titles}")


def axis_labels(chart) -> list[dict]:
    chart.scroll_into_view_if_needed()
    return chart.evaluate(AXIS_LABELS_JS)


def overlapping(labels: list[dict]) -> list[tuple[str, str]]:
    """Pairs of level (unrotated) labels whose boxes intersect by more than a pixel."""
    flat = [lb for lb in labels if lb["visible"] and not lb["rotated"]]
    out = []
    for i, a in enumerate(flat):
        for b in flat[i + 1 :]:
            ax0, ay0, ax1, ay1 = a["box"]
            bx0, by0, bx1, by1 = b["box"]
            if min(ax1, bx1) - max(ax0, bx0) > 1 and min(ay1, by1) - max(ay0, by0) > 1:
                out.append((a["text"], b["text"]))
    return out


def rgb(css: str) -> tuple[float, float, float]:
    parts = [float(x) for x in re.findall(r"[\d.]+", css)[:3]]
    return parts[0], parts[1], parts[2]


def luminance(colour: tuple[float, float, float]) -> float:
    """WCAG 2 relative luminance."""

    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def expected_milestones(db_url: str, lang: str) -> set[str]:
    """The milestone names of the demo's matrix, straight from the store and config.toml."""
    store = Store.open(db_url)
    try:
        sel = metrics.Selection(month_from="2024-01", month_to="2024-12")
        names = set(metrics.milestone_matrix(store, SETTINGS, sel)["milestone"])
    finally:
        store.close()
    english = {m.name: m.name_en for m in SETTINGS.milestones}
    return {english.get(n, n) for n in names} if lang == "en" else names


def expected_levels(db_url: str, lang: str) -> set[str]:
    store = Store.open(db_url)
    try:
        sel = metrics.Selection(month_from="2024-01", month_to="2024-12")
        counted = set(metrics.summary(store, SETTINGS, sel).certificates_by_level)
    finally:
        store.close()
    return {level_label(lv, lang) for lv in set(LEVELS) | counted}


def save(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


# ---- issue 10 item 7: every axis label shows ------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("size", SIZES, ids=["1366", "1920"])
def test_every_milestone_header_of_the_phase_matrix_is_drawn(browser, demo, size, lang) -> None:
    server, db_url = demo
    page = open_page(browser, server, f"phases?{PERIOD}&lang={lang}", size)
    chart = chart_titled(page, "")
    labels = axis_labels(chart)
    shown = {lb["text"] for lb in labels if lb["visible"]}
    want = expected_milestones(db_url, lang)
    assert len(want) >= 9
    assert want <= shown, f"milestones not drawn or hidden: {sorted(want - shown)}"
    hidden = [lb["text"] for lb in labels if not lb["visible"]]
    assert not hidden, f"hidden axis labels: {hidden}"
    assert not overlapping(labels)
    SHOTS.mkdir(parents=True, exist_ok=True)
    chart.screenshot(path=str(SHOTS / f"phases_matrix_{lang}_{size[0]}.png"))
    page.context.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("size", SIZES, ids=["1366", "1920"])
def test_every_certificate_level_and_month_of_the_overview_is_drawn(browser, demo, size, lang) -> None:
    server, db_url = demo
    page = open_page(browser, server, f"overview?{PERIOD}&lang={lang}", size)
    cert_title = "取证数（按等级）" if lang == "zh" else "Certificates by level"
    labels = axis_labels(chart_titled(page, cert_title))
    shown = {lb["text"] for lb in labels if lb["visible"]}
    want = expected_levels(db_url, lang)
    assert want <= shown, f"levels not drawn or hidden: {sorted(want - shown)}"
    assert not overlapping(labels)

    hours_title = "各月培训学时" if lang == "zh" else "Training hours by month"
    months = axis_labels(chart_titled(page, hours_title))
    month_names = [f"{m}月" for m in range(1, 13)] if lang == "zh" else list(calendar.month_abbr)[1:]
    visible = {lb["text"] for lb in months if lb["visible"]}
    assert set(month_names) <= visible, f"months hidden: {sorted(set(month_names) - visible)}"
    assert not [lb["text"] for lb in months if not lb["visible"]]
    assert not overlapping(months)
    page.context.close()


# ---- chart text: ≥ 14 px, contrast ≥ 4.5:1 -----------------------------------------------------------


@pytest.mark.parametrize(("path", "lang"), [("overview", "zh"), ("phases", "en")])
def test_chart_text_is_large_and_dark_enough(browser, demo, path, lang) -> None:
    server, _ = demo
    page = open_page(browser, server, f"{path}?{PERIOD}&lang={lang}", (1366, 768))
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    assert charts.count() >= 1
    checked = 0
    for i in range(charts.count()):
        chart = charts.nth(i)
        chart.scroll_into_view_if_needed()
        background = rgb(chart.evaluate("c => getComputedStyle(c.querySelector('svg')).backgroundColor"))
        for text in chart.evaluate(CHART_TEXT_JS):
            if text["opacity"] == 0:
                continue
            assert text["size"] >= 14, text
            assert contrast(rgb(text["fill"]), background) >= 4.5, text
            checked += 1
    assert checked > 20

    # the tooltip of a bar (vega-tooltip is HTML outside the SVG)
    chart = charts.first if path == "phases" else chart_titled(page, "各单位参学率")
    chart.scroll_into_view_if_needed()
    mark = chart.locator("g.mark-rect path, g.mark-rect rect").first
    box = mark.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("#vg-tooltip-element.visible")
    cells = page.evaluate(
        """() => Array.from(document.querySelectorAll('#vg-tooltip-element td')).map(td => {
            const cs = getComputedStyle(td);
            return {text: td.textContent, size: parseFloat(cs.fontSize), color: cs.color,
                    bg: getComputedStyle(document.querySelector('#vg-tooltip-element')).backgroundColor};
        })"""
    )
    assert len(cells) >= 4
    for cell in cells:
        assert cell["size"] >= 14, cell
        assert contrast(rgb(cell["color"]), rgb(cell["bg"])) >= 4.5, cell
    page.context.close()


# ---- Streamlit's own English in the Chinese UI ------------------------------------------------------------

# Every visible text node and title / aria-label / placeholder of the page with a Latin word, outside
# icon ligatures, charts, canvases (the dataframe's cells are data) and code.
LATIN_TEXT_JS = """() => {
  const skip = "svg, canvas, code, pre, script, style, noscript, [data-testid='stIconMaterial'], [data-testid='stJson']";
  const out = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement, text = n.nodeValue.trim();
    if (!el || el.closest(skip) || !/[A-Za-z]{2,}/.test(text)) continue;
    out.add(text);
  }
  for (const el of document.querySelectorAll('[title], [aria-label], [placeholder]')) {
    if (el.closest(skip)) continue;
    for (const a of ['title', 'aria-label', 'placeholder']) {
      const v = el.getAttribute(a);
      if (v && /[A-Za-z]{2,}/.test(v)) out.add(v);
    }
  }
  return Array.from(out);
}"""

# Latin words our own Chinese pages legitimately show: file names and types, the language switch,
# the command-line hint, units, product names.
ALLOWED_WORDS = {
    "xlsx",
    "xls",
    "xlsm",
    "csv",
    "ods",
    "xlsb",
    "mb",
    "excel",
    "png",
    "english",
    "language",
    "python",
    "dashboard",
    "user",
    "add",
    "passwd",
    "remove",
    "list",
    "config",
    "toml",
    "ctrl",
    "enter",
}


def english_left(page) -> list[str]:
    texts = page.evaluate(LATIN_TEXT_JS)
    words = re.compile(r"[A-Za-z]{2,}(?![A-Za-z\d])")  # not an ID such as SJ00012
    return sorted(t for t in texts if any(w.lower() not in ALLOWED_WORDS for w in words.findall(t)))


def hover_dataframe_toolbar(page) -> list[str]:
    """Hover the first table and each of its toolbar buttons (their tooltips appear on hover);
    open its search box. Returns the English found meanwhile."""
    found: set[str] = set()
    table = page.locator('[data-testid="stDataFrame"]').first
    table.evaluate("e => e.scrollIntoView({block: 'center'})")
    page.wait_for_timeout(300)
    table.hover()
    element = page.locator('[data-testid="stElementContainer"]', has=table).last
    buttons = element.locator('[data-testid="stElementToolbar"] button')
    buttons.first.wait_for()
    assert buttons.count() >= 3
    for i in range(buttons.count()):
        box = buttons.nth(i).bounding_box()  # the pointer itself: the grid lies under the toolbar's edge
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_timeout(400)
        found.update(english_left(page))
    search = element.locator('[data-testid="stElementToolbar"] button[aria-label="搜索"]')
    if search.count():
        box = search.first.bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_timeout(400)
        found.update(english_left(page))
        page.keyboard.press("Escape")
    return sorted(found)


def test_the_data_page_has_no_streamlit_english_in_chinese(browser, demo) -> None:
    server, _ = demo
    page = open_page(browser, server, "data", (1366, 768))
    uploader = page.locator('[data-testid="stFileUploader"]')
    uploader.wait_for()
    text = uploader.inner_text()
    for english in ("Upload", "Drag and drop", "per file", "Browse files", "Limit"):
        assert english not in text, text
    assert "上传" in text and "单个文件不超过" in text
    assert english_left(page) == []
    assert hover_dataframe_toolbar(page) == []
    save(page, "data_zh_1366")
    page.context.close()


def test_a_multiselect_a_text_box_and_a_dataframe_have_no_streamlit_english(browser, demo) -> None:
    server, _ = demo
    page = open_page(browser, server, f"units?{PERIOD}", (1366, 768))
    assert english_left(page) == []
    page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').first.click()
    page.get_by_role("option").first.wait_for()
    assert english_left(page) == [], "the open multiselect"
    assert page.get_by_text("全选").count() >= 1  # Streamlit's "Select all" option, in Chinese
    page.keyboard.press("Escape")
    assert hover_dataframe_toolbar(page) == []
    page.context.close()

    page = open_page(browser, server, f"learners?{PERIOD}", (1366, 768))
    box = page.locator('[data-testid="stTextInput"] input').first
    box.click()
    box.press_sequentially("SJ", delay=50)  # typing shows Streamlit's "Press Enter to apply"
    page.locator('[data-testid="InputInstructions"]').wait_for()
    left = english_left(page)
    assert left == [], left
    assert "按回车键确认" in page.locator('[data-testid="InputInstructions"]').inner_text()
    page.context.close()


def test_the_sign_in_form_has_no_streamlit_english_in_chinese(browser, tmp_path) -> None:
    server = Server(_accounts_db(tmp_path / "accounts.db"), tmp_path / "streamlit.log")
    try:
        page = open_page(browser, server, "overview", (1366, 768))
        name = page.get_by_label("用户名")
        name.click()
        name.press_sequentially("wang", delay=50)  # "Press Enter to submit form" shows while typing
        page.locator('[data-testid="InputInstructions"]').first.wait_for()
        assert english_left(page) == []
        assert "按回车键提交" in page.locator('[data-testid="InputInstructions"]').first.inner_text()
        page.context.close()
    finally:
        server.stop()


def test_in_english_streamlit_keeps_its_own_words_and_gets_them_back(browser, demo) -> None:
    server, _ = demo
    page = open_page(browser, server, "data?lang=en", (1366, 768))
    uploader = page.locator('[data-testid="stFileUploader"]')
    assert "Upload" in uploader.inner_text()
    # switching to Chinese translates, and back to English restores Streamlit's English
    page.locator('[data-testid="stSidebar"] button', has_text="中文").click()
    settle(page)
    page.wait_for_function(
        "() => document.querySelector('[data-testid=\"stFileUploader\"]').innerText.includes('上传')"
    )
    page.locator('[data-testid="stSidebar"] button', has_text="English").click()
    settle(page)
    page.wait_for_function(
        "() => document.querySelector('[data-testid=\"stFileUploader\"]').innerText.includes('Upload')"
    )
    assert "上传" not in uploader.inner_text()
    page.context.close()
