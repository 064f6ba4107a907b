"""DESIGN §5 "at scale": a department's figures are the figures of the department filter.

On the hand-worked organisation of tests/test_metrics.py (生产部: 一车间, 二车间; 机关: 办公室, 质检科)
plus a unit without a department, on SQLite, PostgreSQL and MariaDB: every row of
``department_table`` equals ``summary`` for that department's filter, and the department
matrices count what ``milestone_matrix`` / ``submission_matrix`` give for that filter.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd
import pytest

from dashboard import metrics as m
from dashboard.metrics.departments import NO_DEPARTMENT
from data_sources.store import Store
from tests import builders as b
from tests.test_metrics import CERTS, LEDGER, MILESTONES, ROSTER, SUMMARY

LOOSE = "独立班组"  # a unit without a department
TODAY = date(2024, 3, 15)
SELECTIONS = [
    m.Selection(month_from="2024-01", month_to="2024-03"),
    m.Selection(month_from="2024-02", month_to="2024-02"),
    m.Selection(month_from="2024-01", month_to="2024-04"),
    m.Selection(unit_types=("车间",), month_from="2024-01", month_to="2024-03"),
]
FIGURES = [
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
    "participants_is_lower_bound",
]


@pytest.fixture
def org(store: Store) -> Store:
    res = store.commit(
        b.parsed(
            "org.xlsx",
            roster=[*ROSTER, b.roster(LOOSE, None, 6, "班组")],
            summary=[*SUMMARY, b.summary(LOOSE, "2024-02", 6, 3, 9)],
            ledger=LEDGER,
            certificates=CERTS,
            milestones=MILESTONES,
        ),
        "test",
    )
    assert not res.warnings
    return store


def department_filter(sel: m.Selection, department: str) -> m.Selection:
    return replace(sel, departments=(department,))


@pytest.mark.parametrize("sel", SELECTIONS)
def test_a_departments_figures_are_its_filters_summary(org: Store, settings, sel) -> None:
    table = m.department_table(org, settings, sel)
    named = [d for d in table["department"] if d != NO_DEPARTMENT]
    units = m.unit_table(org, settings, sel)
    assert sorted(named) == sorted(units["department"].dropna().unique())
    assert int(table["units"].sum()) == len(units)
    for row in table.to_dict("records"):
        if row["department"] == NO_DEPARTMENT:  # no filter picks it: its units' own rows add up
            loose = units[units["department"].isna()]
            assert row["units"] == len(loose) and row["headcount"] == loose["headcount"].sum()
            continue
        expected = m.summary(org, settings, department_filter(sel, row["department"]), TODAY, kpis_only=True)
        want = expected.to_json()
        want["units_behind"], want["units"] = expected.units_behind, expected.units
        assert {k: row[k] for k in FIGURES} == {k: want[k] for k in FIGURES}, row["department"]


@pytest.mark.parametrize("sel", SELECTIONS[:2])
def test_the_overview_carries_the_department_table(org: Store, settings, sel) -> None:
    import pandas.testing as pdt

    ov = m.overview(org, settings, sel, TODAY)
    pdt.assert_frame_equal(ov.departments, m.department_table(org, settings, sel))


@pytest.mark.parametrize("sel", SELECTIONS)
def test_department_milestones_count_the_filters_matrix(org: Store, settings, sel) -> None:
    folded = m.department_milestones(m.milestone_matrix(org, settings, sel))
    assert not folded.empty
    for row in folded.to_dict("records"):
        if row["department"] == NO_DEPARTMENT:
            continue
        own = m.milestone_matrix(org, settings, department_filter(sel, row["department"]))
        cells = own[own["milestone"] == row["milestone"]]
        counts = cells["status"].value_counts()
        assert [row[s] for s in ("done", "overdue", "pending")] == [
            int(counts.get(s, 0)) for s in ("done", "overdue", "pending")
        ]
        assert row["total"] == len(cells)
        want = "overdue" if counts.get("overdue", 0) else ("done" if counts.get("done", 0) == len(cells) else "pending")
        assert row["status"] == want
        due = cells["due"].dropna()
        assert row["due"] == due.min() if len(due) else pd.isna(row["due"])


@pytest.mark.parametrize("sel", SELECTIONS)
def test_department_submissions_count_the_filters_matrix(org: Store, settings, sel) -> None:
    folded = m.department_submissions(m.submission_matrix(org, settings, sel, TODAY))
    assert not folded.empty
    for row in folded.to_dict("records"):
        if row["department"] == NO_DEPARTMENT:
            continue
        own = m.submission_matrix(org, settings, department_filter(sel, row["department"]), TODAY)
        cells = own[own["month"] == row["month"]]
        reported = int((cells["status"] == "reported").sum())
        assert (row["reported"], row["missing"], row["total"]) == (reported, len(cells) - reported, len(cells))
        assert row["status"] == ("missing" if reported < len(cells) else "reported")


@pytest.mark.parametrize(
    ("n", "shown"),
    [(0, 0), (1, 1), (30, 30), (31, 20), (1000, 20)],
)
def test_ends_lists_every_unit_up_to_the_threshold(n: int, shown: int) -> None:
    items = list(range(n))
    got = m.ends(items)
    assert len(got) == shown
    if n > m.SCALE_UNITS:
        assert got == items[: m.SCALE_ENDS] + items[-m.SCALE_ENDS :]
    assert m.at_scale(n) == (n > m.SCALE_UNITS)


@pytest.mark.parametrize(("units", "n"), [(1000, 30), (300, 9), (100, 3), (10, 1)])
def test_the_bench_federation_has_departments_of_realistic_sizes(units: int, n: int) -> None:
    from dashboard import bench

    sizes = bench.department_sizes(units)
    assert (len(sizes), sum(sizes)) == (n, units)
    if units >= 1000:
        assert min(sizes) >= bench.DEPARTMENT_UNITS[0] and max(sizes) <= bench.DEPARTMENT_UNITS[1]
    assert bench.department_sizes(units) == sizes  # seeded: the same organisation every run
    depts = bench.departments(units)
    assert len(depts) == units and len(set(depts)) == n
