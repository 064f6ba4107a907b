"""``python -m dashboard bench`` builds its organisation by bulk loads in the stored shape, so a
new key column (a 阶段进度 row's campaign year, revision 0011) must be filled there too: these
build a small organisation on each backend and run the whole benchmark once, small. Times are
printed, never asserted."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from dashboard import bench
from dashboard import metrics as m
from dashboard.config import Settings
from data_sources.store import Store, learner_years


def test_the_bench_organisation_loads_with_each_milestone_in_its_year(store: Store, settings: Settings) -> None:
    org = bench.Org(40, 400, bench._months(settings.year, 3))
    counts = bench.build(store, org, settings)
    items = [ms for ph in settings.phases for ms in ph.milestones]
    assert counts["milestones"] == org.units * len(items)
    generated = list(bench._milestones(org, settings))
    with store.engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT unit, milestone, year, done_date FROM milestone_rows")).all()
    expected = {
        (r["unit"], r["milestone"], r["done_date"].year if r["done_date"] else settings.year) for r in generated
    }
    assert {(u, ms, int(y)) for u, ms, y, _ in stored} == expected
    matrix = m.milestone_matrix(store, settings, m.Selection())
    done = sum(1 for r in generated if r["done_date"] is not None)
    assert len(matrix) == len(generated)
    assert 0 < int(matrix["done_date"].notna().sum()) == done < len(generated)  # both states on 阶段进度
    assert m.overview(store, settings, m.Selection(), date(settings.year, 12, 31)).summary.units == org.units


def test_the_benchmark_runs_end_to_end_and_prints_its_goal_lines(settings: Settings, tmp_path: Path) -> None:
    out, log = io.StringIO(), io.StringIO()
    rc = bench.run(
        settings,
        out,
        log,
        units=40,
        staff=400,
        months=3,
        pg_url="",
        sqlite_path=str(tmp_path / "bench.db"),
        repeat=1,
        import_rows=300,
    )
    text = out.getvalue()
    assert rc == 0
    assert "benchmark: 40 units, 400 staff, 3 months" in text
    for page in bench.PAGES:
        assert page in text
    assert "import of a 300-row ledger .xlsx (s)" in text
    assert "- SQLite: import ≤ 0.35× the openpyxl read:" in text
    assert "- SQLite: undo of that batch no slower than its store (commit):" in text
    assert "note: PostgreSQL skipped" in text
    # the writes alone are timed in a transaction rolled back: the store holds what was built
    assert "  the writes alone (rolled back)" in text
    built = int(text.split(" ledger rows; median")[0].rsplit(", ", 1)[1].replace(",", ""))
    store = Store.open(f"sqlite:///{tmp_path / 'bench.db'}")
    try:
        assert bench._count_ledger(store) == built > 0
        with store.engine.connect() as conn:
            assert conn.execute(sa.select(sa.func.max(learner_years.c.year))).scalar() == str(settings.year)
    finally:
        store.close()
