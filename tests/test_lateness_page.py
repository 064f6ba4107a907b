"""报送情况 with late reports (迟报), through Streamlit's AppTest on the demo in zh and en: the
matrix tells on time / late / missing apart (colour and mark, labels in the legend), each unit's
months late, and the units to chase for the latest month whose due day has passed."""

from __future__ import annotations

import io
from datetime import date

import pytest

from dashboard import metrics
from dashboard.config import load_settings
from dashboard.demo import LATE, UNITS
from dashboard.formatting import fmt_month
from dashboard.i18n import ui_text
from data_sources.importer import import_files
from data_sources.store import Store
from tests import test_pages as pages
from tests import test_scale_pages as scale_pages
from tests.test_pages import ROOT, _summary_workbook, app, no_exceptions, open_page
from tests.test_scale_pages import with_column

# the demo store of tests/test_pages.py, copied for each test, its administrator signed in
demo_file = pages.demo_file
demo_url = pages.demo_url

YEAR = {"from": "2024-01", "to": "2024-12"}
LATE_CELLS = {(u, f"2024-{mo:02d}") for u, months in LATE.items() for mo in months}


def _unit_grid(at) -> object:
    (grid,) = [df for df in with_column(at, "unit") if "symbol" in df.columns]
    return grid


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_matrix_tells_late_reports_apart(demo_url: str, lang: str) -> None:
    at = open_page(app(**YEAR, lang=lang), "submissions")
    no_exceptions(at)
    grid = _unit_grid(at)
    late = grid[grid["symbol"] == "!"]
    assert set(zip(late["unit"], late["month"], strict=True)) == LATE_CELLS
    assert set(late["status_label"]) == {ui_text("sub_late", lang)}
    on_time = grid[grid["symbol"] == "✓"]
    assert len(on_time) == len(UNITS) * 12 - len(LATE_CELLS)
    assert set(on_time["status_label"]) == {ui_text("sub_on_time", lang)}
    # the tooltip says when it came in and when it was due
    row = late[(late["unit"] == "包装车间") & (late["month"] == "2024-03")].iloc[0]
    assert row["due_text"] == ("2024年4月10日" if lang == "zh" else "2024-04-10")
    assert row["received_text"] == ("2024年4月15日" if lang == "zh" else "2024-04-15")
    # the table: months late per unit, the late cell with its day
    table = at.dataframe[0].value
    late_col, missing_col = ui_text("late_count", lang), ui_text("missing_count", lang)
    counts = dict(zip(table[ui_text("unit", lang)], table[late_col], strict=True))
    assert counts == {u.name: len(LATE.get(u.name, ())) for u in UNITS}
    assert set(table[missing_col]) == {0}
    march = fmt_month("2024-03", lang)
    cell = table.loc[table[ui_text("unit", lang)] == "包装车间", march].iloc[0]
    assert cell == f"! {ui_text('sub_late', lang)} " + ("2024年4月15日" if lang == "zh" else "2024-04-15")
    assert ui_text("subs_caption", lang, day=10) in [c.value for c in at.caption]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_units_to_chase_are_the_late_and_the_missing_of_the_last_month_due(demo_url: str, lang: str) -> None:
    at = open_page(app(**YEAR, lang=lang), "submissions")
    no_exceptions(at)
    december = fmt_month("2024-12", lang)
    late = sorted(u for u, months in LATE.items() if 12 in months)
    assert [s.value for s in at.success] == [ui_text("subs_all_in", lang, month=december)]
    assert [w.value for w in at.warning] == [
        ui_text(
            "subs_late_now",
            lang,
            month=december,
            n=len(late),
            units="、".join(late) if lang == "zh" else ", ".join(late),
        )
    ]
    assert ui_text("subs_chase", lang, month=december) in [h.value for h in at.subheader]
    (chase,) = [d.value for d in at.dataframe if ui_text("chase_state", lang) in d.value.columns]
    assert chase[ui_text("unit", lang)].tolist() == late
    assert set(chase[ui_text("chase_state", lang)]) == {ui_text("sub_late", lang)}
    assert chase[ui_text("late_count", lang)].tolist() == [len(LATE[u]) for u in late]


def test_the_units_missing_come_before_the_late_ones(demo_url: str) -> None:
    """January 2025: 质检科 sends it on 12 February (late), nobody else: nine units missing."""
    store = Store.open(demo_url)
    try:
        import_files(
            store,
            [("质检科_2025年1月.xlsx", io.BytesIO(_summary_workbook()))],
            load_settings(ROOT / "config.toml"),
            user="test",
            received=date(2025, 2, 12),
        )
    finally:
        store.close()
    at = open_page(app(**{"from": "2024-12", "to": "2025-01"}), "submissions")
    no_exceptions(at)
    grid = _unit_grid(at)
    january = grid[grid["month"] == "2025-01"]
    states = dict(zip(january["unit"], january["status_label"], strict=True))
    assert states == {u.name: "迟报" if u.name == "质检科" else "未报送" for u in UNITS}
    assert set(january.loc[january["unit"] != "质检科", "symbol"]) == {"✗"}
    missing = len(UNITS) - 1
    assert at.error and at.error[0].value.startswith(f"2025年1月未报送的单位（{missing} 个）")
    assert [w.value for w in at.warning] == ["2025年1月迟报的单位（1 个）：质检科"]
    (chase,) = [d.value for d in at.dataframe if "催报原因" in d.value.columns]
    assert chase["催报原因"].tolist() == ["未报送"] * missing + ["迟报"]
    assert chase["单位"].tolist()[-1] == "质检科"
    assert chase["首次报送日期"].tolist()[-1] == "2025年2月12日"


# the stores of tests/test_scale_pages.py: n units, three months of summaries, a few missing
stores = scale_pages.stores
store_of = scale_pages.store_of


@pytest.mark.parametrize("n", [30, 45])
def test_above_30_units_to_chase_the_first_30_are_listed(store_of, n: int) -> None:
    url = store_of(n)
    store = Store.open(url)
    try:
        sub = metrics.submission_matrix(store, load_settings(ROOT / "config.toml"), scale_pages.Q1, date.today())
    finally:
        store.close()
    chase = metrics.units_to_chase(sub, date.today())
    to_chase = chase.missing + chase.late
    assert chase.month == scale_pages.MONTHS[-1] and chase.missing and chase.late
    at = open_page(scale_pages.url_app(), "submissions")
    no_exceptions(at)
    (table,) = [d.value for d in at.dataframe if "催报原因" in d.value.columns]
    assert table["单位"].tolist() == to_chase[: metrics.SCALE_UNITS]
    more = ui_text("subs_chase_more", "zh", shown=metrics.SCALE_UNITS, n=len(to_chase))
    assert (more in [c.value for c in at.caption]) == (len(to_chase) > metrics.SCALE_UNITS)
