"""同比 and 环比 on the pages (Streamlit's AppTest): the KPI tiles of 总览 and 单位详情 in Chinese and
English, on the two-year organisation of tests/test_yoy.py, for a period with last year's data
and none before it (2024 Q1) and one without last year's data (2024-05..06). The changes are
the formatter's, of the oracle's figures (tests/oracle.py); a missing comparison says so.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard.config import ENV_DB_URL
from dashboard.formatting import COUNT, DECIMAL, RATE, delta
from dashboard.i18n import ui_text
from dashboard.metrics import Selection
from data_sources.store import Store
from tests import test_pages
from tests.test_pages import app, no_exceptions, open_page
from tests.test_yoy import A, expected, load

# the tiles in their order: the oracle's figure and its kind (rates change in percentage points)
TILES = (
    ("participation_rate", RATE),
    ("launch_rate", RATE),
    ("phase_progress", RATE),
    ("training_hours", COUNT),
    ("hours_per_capita", DECIMAL),
    ("certificates", COUNT),
)
PERIODS = {"last_year_only": ("2024-01", "2024-03"), "no_last_year": ("2024-05", "2024-06")}


@pytest.fixture(scope="module")
def two_years(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("two_years") / "two_years.db"
    store = Store.open(f"sqlite:///{path}")
    try:
        load(store)
    finally:
        store.close()
    return path


@pytest.fixture
def two_years_url(two_years: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The app reads the two-year store (no account: an anonymous viewer may read every page)."""
    url = f"sqlite:///{two_years}"
    monkeypatch.setenv(ENV_DB_URL, url)
    monkeypatch.setattr(test_pages, "ADMIN_TOKEN", None)
    yield url


def changes(now: dict, before: dict | None, lang: str) -> list[str] | None:
    """The tiles' changes as the formatter writes them (compact, as on a tile), None without data."""
    if before is None:
        return None
    out = []
    for key, kind in TILES:
        d = delta(now[key], before[key], kind, lang, compact=True)
        assert d is not None
        out.append(d.text)
    return out


@pytest.mark.usefixtures("two_years_url")
@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("period", list(PERIODS))
@pytest.mark.parametrize("page", ["overview", "unit"])
def test_the_tiles_show_the_change_on_the_previous_period_and_on_last_year(page, period, lang) -> None:
    first, last = PERIODS[period]
    units = (A,) if page == "unit" else ()
    query = {"from": first, "to": last, "lang": lang, **({"unit": A} if units else {})}
    at = open_page(app(**query), page)
    no_exceptions(at)

    sel = Selection(units=units, month_from=first, month_to=last)
    prev, year = sel.previous(), sel.same_period_last_year()
    now = expected(first, last, units=units)
    assert now is not None
    mom = changes(now, expected(prev.month_from or "", prev.month_to or "", units=units), lang)
    yoy = changes(now, expected(year.month_from or "", year.month_to or "", units=units), lang)
    assert (mom is None, yoy is None) == {"last_year_only": (True, False), "no_last_year": (False, True)}[period]

    tiles = list(at.metric)
    assert len(tiles) == len(TILES)
    captions = [c.value for c in at.caption]
    yoy_lines = [h.proto.body for h in at.get("html") if 'class="kpi-yoy"' in h.proto.body]
    if mom is None:
        assert [t.proto.delta for t in tiles] == [""] * len(TILES)
        assert captions.count(ui_text("kpi_no_previous", lang)) == len(TILES)
    else:
        assert [t.proto.delta for t in tiles] == mom
        assert {t.proto.delta_description for t in tiles} == {ui_text("kpi_mom", lang)}
        assert ui_text("kpi_no_previous", lang) not in captions
    if yoy is None:
        assert yoy_lines == []
        assert captions.count(ui_text("kpi_no_last_year", lang)) == len(TILES)
    else:
        assert len(yoy_lines) == len(TILES)
        for line, text in zip(yoy_lines, yoy, strict=True):
            assert f">{text}</span>" in line and f">{ui_text('kpi_yoy', lang)}</span>" in line
        assert ui_text("kpi_no_last_year", lang) not in captions
