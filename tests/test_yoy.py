"""同比 next to 环比: the same months a year earlier (``Selection.same_period_last_year``), their KPIs
by the same SQL as the current period's (``metrics.earlier_kpis``, the overview's third summary),
None when no month of that period is stored, and the briefing's 环比 / 同比 columns — on SQLite,
PostgreSQL and MariaDB, against the oracle (tests/oracle.py).

The organisation spans two campaign years: 2023-01..03 and 2024-01..06 are stored, 2023-04..12
are not, so a selection can have last year's data and no previous period (2024 Q1), both (March
2024), or no last year's data (2024-05..06).
"""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date

import pytest
from openpyxl import load_workbook

from dashboard import campaigns, exports
from dashboard import metrics as m
from dashboard.briefing import KPI_LABELS, build_briefing
from dashboard.config import load_settings
from dashboard.formatting import DECIMAL, RATE, delta, delta_excel
from dashboard.i18n import ui_text
from data_sources.schema import Kind
from data_sources.store import Store
from tests import builders as b
from tests import oracle

SETTINGS = load_settings()


def campaign(month_to: str) -> list[tuple[str, date]]:
    """The milestones of the campaign year a period ends in: config.toml's plan, moved to that year
    (the store holds no plan, so every year inherits it)."""
    return [(ms.name, ms.due) for ms in campaigns.moved_to(SETTINGS.plan, int(month_to[:4])).milestones]


A, B, C = "一车间", "二车间", "办公室"

ROSTER = [b.roster(A, "生产部", 10, "车间", True), b.roster(B, "生产部", 8, "车间"), b.roster(C, "机关", 5, "科室")]
SUMMARY = [
    b.summary(A, "2023-01", 10, 6, 20, certificates=1),
    b.summary(A, "2023-02", 10, 7, 22),
    b.summary(A, "2023-03", 11, 8, 25, certificates=2),
    b.summary(B, "2023-01", 8, 3, 12),
    b.summary(B, "2023-03", 8, 5, 15, certificates=1),
    b.summary(A, "2024-01", 10, 7, 24, certificates=1),
    b.summary(A, "2024-02", 11, 9, 30, certificates=2),
    b.summary(A, "2024-03", 12, 9, 25),
    b.summary(A, "2024-06", 12, 10, 30, certificates=1),
    b.summary(B, "2024-01", 8, 4, 16),
    b.summary(B, "2024-02", 9, 6, 18, certificates=2),
    b.summary(B, "2024-04", 9, 7, 20),
]
LEDGER = [
    b.ledger("E10", "李一", C, "2023-02", 3, 5),
    b.ledger("E11", "李二", C, "2023-02", 0, 0),
    b.ledger("E10", "李一", C, "2023-03", 2, 4),
    b.ledger("E01", "张一", A, "2024-02", 10, 8),
    b.ledger("E02", "张二", A, "2024-02", 6, 3),
    b.ledger("E03", "张三", A, "2024-02", 0, 0),
    b.ledger("E10", "李一", C, "2024-01", 2, 2),
    b.ledger("E11", "李二", C, "2024-01", 4, 6),
    b.ledger("E10", "李一", C, "2024-03", 3, 1),
    b.ledger("E11", "李二", C, "2024-05", 5, 7),
]
CERTS = [
    b.cert("E10", "李一", C, "叉车", "初级", date(2023, 3, 5)),
    b.cert("E01", "张一", A, "电工", "中级", date(2024, 1, 15)),
    b.cert("E11", "李二", C, "电工", "高级", date(2024, 5, 2)),
]
MILESTONES = [
    b.milestone(A, "成立领导小组", done=date(2023, 3, 20)),
    b.milestone(A, "制定活动方案", done=date(2024, 2, 25)),
    b.milestone(B, "成立领导小组", done=date(2024, 1, 31)),
    b.milestone(C, "成立领导小组", done=date(2024, 1, 10)),
]
PARSED = b.parsed(
    "two_years.xlsx", roster=ROSTER, summary=SUMMARY, ledger=LEDGER, certificates=CERTS, milestones=MILESTONES
)
ROWS = oracle.stored_rows([PARSED])
TODAY = date(2024, 6, 30)

# (from, to, departments, units)
SELECTIONS = [
    ("2024-01", "2024-03", (), ()),  # last year's data, no previous period
    ("2024-03", "2024-03", (), ()),  # both
    ("2024-01", "2024-12", (), ()),  # the year: last year's first quarter only
    ("2024-02", "2024-03", ("生产部",), ()),
    ("2024-01", "2024-03", (), (C,)),
    ("2024-05", "2024-06", (), ()),  # no month of 2023-05..06 stored
]
KPI_FIELDS = (
    "units",
    "headcount",
    "participants",
    "participation_rate",
    "training_hours",
    "hours_per_capita",
    "certificates",
    "launch_rate",
    "phase_progress",
    "units_behind",
)


def load(store: Store) -> Store:
    """The two-year organisation committed to ``store``."""
    res = store.commit(PARSED, "test")
    assert not res.warnings
    return store


@pytest.fixture
def org(store: Store) -> Store:
    return load(store)


def stored_months() -> set[str]:
    """The months the oracle's rows give a unit-month for (summary, ledger, certificates)."""
    months = {r["month"] for kind in (Kind.SUMMARY, Kind.LEDGER) for r in ROWS[kind]}
    return months | {r["cert_date"].strftime("%Y-%m") for r in ROWS[Kind.CERTIFICATES]}


def expected(month_from: str, month_to: str, departments=(), units=()) -> dict | None:
    """The oracle's figures of a period, None when no month of it is stored (nothing to compare)."""
    if not any(month_from <= mo <= month_to for mo in stored_months()):
        return None
    return oracle.expected_summary(ROWS, campaign(month_to), month_from, month_to, departments, units)


def selection(month_from: str, month_to: str, departments=(), units=()) -> m.Selection:
    return m.Selection(departments=departments, units=units, month_from=month_from, month_to=month_to)


# ---- the selection ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("month_from", "month_to", "last_from", "last_to"),
    [
        ("2024-01", "2024-03", "2023-01", "2023-03"),
        ("2024-12", "2024-12", "2023-12", "2023-12"),
        ("2023-11", "2024-02", "2022-11", "2023-02"),
        ("2024-01", "2024-12", "2023-01", "2023-12"),
    ],
)
def test_same_period_last_year_shifts_both_ends_by_twelve_months(month_from, month_to, last_from, last_to) -> None:
    sel = m.Selection(departments=("机关",), pilot_only=True, month_from=month_from, month_to=month_to)
    assert sel.same_period_last_year() == m.Selection(
        departments=("机关",), pilot_only=True, month_from=last_from, month_to=last_to
    )


# ---- the figures: the same SQL for another Selection ----------------------------------------------


@pytest.mark.parametrize(("month_from", "month_to", "departments", "units"), SELECTIONS)
def test_last_years_kpis_follow_the_oracle(org: Store, settings, month_from, month_to, departments, units) -> None:
    last = selection(month_from, month_to, departments, units).same_period_last_year()
    assert last.month_from and last.month_to
    want = expected(last.month_from, last.month_to, departments, units)
    settings = campaigns.settings_for(org, settings, last)  # last year's plan
    got = m.earlier_kpis(org, settings, last, TODAY)
    if want is None:
        assert got is None
        return
    assert got is not None
    assert (got.month_from, got.month_to) == (last.month_from, last.month_to)
    for key in KPI_FIELDS:
        assert getattr(got, key) == pytest.approx(want[key]), key
    # the summary of those months, as the current period's is made, less the top learners and levels
    full = m.summary(org, settings, last, TODAY)
    assert replace(got, top_learners=full.top_learners, certificates_by_level=full.certificates_by_level) == full


@pytest.mark.parametrize(("month_from", "month_to", "departments", "units"), SELECTIONS)
def test_the_overview_compares_with_the_previous_period_and_last_year(
    org: Store, settings, month_from, month_to, departments, units
) -> None:
    sel = selection(month_from, month_to, departments, units)
    prev, last = sel.previous(), sel.same_period_last_year()
    previous, last_year = (
        m.earlier_kpis(org, campaigns.settings_for(org, settings, e), e, TODAY) for e in (prev, last)
    )
    assert prev.month_from and prev.month_to and last.month_from and last.month_to
    assert (previous is None) == (expected(prev.month_from, prev.month_to) is None)
    assert (last_year is None) == (expected(last.month_from, last.month_to) is None)


# ---- the meeting briefing -------------------------------------------------------------------------


def oracle_kpis(fig: dict | None) -> dict[str, float | None]:
    """The briefing's five KPI values (``briefing.kpis``) from the oracle's figures."""
    if fig is None:
        return {}
    hc = fig["headcount"]
    return {
        "participation_rate": fig["participation_rate"] if hc else None,
        "launch_rate": fig["launch_rate"] if fig["units"] else None,
        "hours_per_capita": fig["hours_per_capita"] if hc else None,
        "certificates_per_100": fig["certificates"] / hc * 100 if hc else None,
        "phase_progress": fig["phase_progress"] if fig["units"] else None,
    }


RATES = {"participation_rate", "launch_rate", "phase_progress"}


def expected_cell(now: dict, before: dict, key: str, lang: str, missing: str) -> tuple[object, str]:
    """(value, number format) of a 环比 / 同比 cell: the formatter's change as a number in its delta
    format (+7.1 个百分点, 持平), or the words for no earlier data."""
    if not before:
        return ui_text(missing, lang), "General"
    kind = RATE if key in RATES else DECIMAL
    d = delta(now[key], before[key], kind, lang)
    assert d is not None
    return d.amount, delta_excel(kind, lang)


def kpi_table(data: bytes, lang: str) -> tuple[list[str], dict[str, dict[str, object]]]:
    """The KPI sheet's header and its rows by KPI label (header → cell)."""
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    rows = list(ws.iter_rows())
    first = ui_text("kpi_mom", lang)
    i = next(i for i, r in enumerate(rows) if first in [c.value for c in r])
    header = [str(c.value) for c in rows[i] if c.value is not None]
    labels = {KPI_LABELS[k][lang] for k in KPI_LABELS}
    body = {r[0].value: dict(zip(header, r, strict=False)) for r in rows[i + 1 :] if r[0].value in labels}
    return header, body


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(
    ("month_from", "month_to"), [("2024-01", "2024-03"), ("2024-03", "2024-03"), ("2024-05", "2024-06")]
)
def test_the_briefing_has_the_changes_of_the_tiles(org: Store, settings, lang, month_from, month_to) -> None:
    sel = selection(month_from, month_to)
    prev, last = sel.previous(), sel.same_period_last_year()
    now = oracle_kpis(expected(month_from, month_to))
    before = oracle_kpis(expected(prev.month_from or "", prev.month_to or ""))
    year_before = oracle_kpis(expected(last.month_from or "", last.month_to or ""))
    header, body = kpi_table(exports.briefing_xlsx(org, settings, sel, lang, TODAY), lang)
    mom, yoy = ui_text("kpi_mom", lang), ui_text("kpi_yoy", lang)
    assert header.index(yoy) == header.index(mom) + 1 == 6  # after the status, before the note
    assert len(body) == len(KPI_LABELS)
    for key, label in KPI_LABELS.items():
        row = body[label[lang]]
        for cell, want in (
            (row[mom], expected_cell(now, before, key, lang, "kpi_no_previous")),
            (row[yoy], expected_cell(now, year_before, key, lang, "kpi_no_last_year")),
        ):
            assert (cell.value, cell.number_format) == (pytest.approx(want[0]), want[1]), key


def test_the_briefing_without_earlier_figures_says_so_and_stays_readable() -> None:
    """build_briefing on its own (no store): 持平 (a zero in the delta format) and 去年同期无数据 in grey, the columns wide
    enough and wrapped, the note still last, the comparison periods written under the table."""
    now = m.Summary("2024-01", "2024-03", 1, 10, 9, 0.9, 30.0, 3.0, 1, {}, 1.0, 0.5, 0, [])
    same = build_briefing(SETTINGS, now, None, None, None, None, previous=now, last_year=None)
    ws = load_workbook(io.BytesIO(same)).worksheets[0]
    rows = list(ws.iter_rows())
    head = next(r for r in rows if r[5].value == "环比")
    assert [c.value for c in head[:8]] == ["指标", "实际值", "目标", "达成率", "状态", "环比", "同比", "说明"]
    kpi_rows = [r for r in rows if r[0].value in {v["zh"] for v in KPI_LABELS.values()}]
    assert {r[5].value for r in kpi_rows} == {0} and {r[5].number_format for r in kpi_rows} == {
        delta_excel(RATE),
        delta_excel(DECIMAL),
    }
    assert {r[6].value for r in kpi_rows} == {"去年同期无数据"}
    for r in kpi_rows:
        assert r[5].font.color.rgb.endswith("686255") and r[6].font.color.rgb.endswith("686255")  # neutral grey
        assert r[6].alignment.wrap_text and r[7].value  # the note is still there, after the changes
    assert ws.column_dimensions["F"].width >= 14 and ws.column_dimensions["G"].width >= 14
    assert ws.column_dimensions["H"].width >= 40  # the note column keeps its room
    text = " ".join(str(c.value) for r in rows for c in r if c.value)
    assert "与上一个等长期间（2023年10月—2023年12月）相比" in text
    assert "与去年同期（2023年1月—2023年3月）相比" in text
