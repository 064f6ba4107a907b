"""Schema upgrades: a store written at revision 0001 opens at head with nothing lost, and the
derived learner_years table (revision 0002) is filled from the ledger so that every figure is the
one DESIGN §4 defines; imports, corrections and undo keep it equal to a rebuild from scratch."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.runtime.migration import MigrationContext
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from dashboard import metrics as m
from data_sources import store as db
from data_sources.schema import Kind
from data_sources.store import Store, _alembic_config, known_revisions
from data_sources.store import derived as db_derived
from tests import builders as b
from tests.oracle import expected_summary

UNITS = [("一车间", "生产部", 10), ("二车间", "生产部", 8), ("办公室", "机关", 5)]
LEDGER = [
    # employee_id, name, unit, month, hours, points
    ("E01", "张一", "一车间", "2023-12", 4, 10),
    ("E01", "张一", "一车间", "2024-01", 4, 10),
    ("E02", "张二", "一车间", "2024-01", 3, 8),
    ("E03", "张三", "一车间", "2024-01", 0, 0),  # a row without hours: not a participant
    ("E01", "张一", "一车间", "2024-02", 10, 5),
    ("E02", "张二", "一车间", "2024-02", 10, 15),
    ("E04", "赵六", "一车间", "2024-02", 7.5, 0),
    ("E04", "赵六六", "办公室", "2024-03", 1, 2),  # moved and renamed
    ("E10", "李一", "办公室", "2024-01", 2, 18),
    ("E10", "李一", "办公室", "2024-03", 3, 5),
    ("E11", "李二", "办公室", "2024-01", 4, 15),
    ("E11", "李二新", "办公室", "2024-04", 1, 1),  # renamed in the same unit
    ("E20", "王一", "二车间", "2024-04", 50, 100),
    ("E20", "王一", "二车间", "2025-01", 1, 1),
]
SUMMARY = [("一车间", "2024-01", 10, 6, 20.0), ("二车间", "2024-02", 9, 6, 18.0), ("办公室", "2024-03", 6, 2, 0.0)]
CERTS = [
    ("E01", "张一", "一车间", "电工", "中级", date(2024, 1, 15)),
    ("E10", "李一", "办公室", "叉车", "高级", date(2024, 3, 5)),
]
MILESTONES = [
    ("一车间", "宣传发动", "成立领导小组", date(2024, 1, 20)),
    ("办公室", "宣传发动", "成立领导小组", date(2024, 1, 10)),
]
PERIODS = [
    ("2024-01", "2024-12"),
    ("2024-02", "2024-02"),
    ("2024-01", "2024-03"),
    ("2023-12", "2024-02"),
    ("2023-01", "2025-12"),
    ("2024-04", "2025-01"),
]


def _dump(conn: sa.Connection, names: list[str]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables, in the columns the database has now (a later revision may add some)."""
    out = {}
    for n in names:
        have = {c["name"] for c in sa.inspect(conn).get_columns(n)}
        cols = [c for c in db.metadata.tables[n].columns if c.name in have]
        out[n] = sorted((tuple(r) for r in conn.execute(sa.select(*cols))), key=repr)
    return out


def _seed_0001(url: str) -> list[str]:
    """A store at revision 0001 with rows written by SQL; returns the tables 0001 has."""
    u = sa.make_url(url)
    if u.get_backend_name() == "sqlite":
        Path(u.database or "").parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            command.upgrade(_alembic_config(conn), "0001")
        with engine.begin() as conn:
            conn.execute(
                db.units.insert(),
                [
                    {
                        "name": n,
                        "department": d,
                        "unit_type": None,
                        "is_pilot": False,
                        "headcount": h,
                        "auto_added": False,
                    }
                    for n, d, h in UNITS
                ],
            )
            conn.execute(
                db.ledger_rows.insert(),
                [
                    {
                        "employee_id": e,
                        "name": nm,
                        "unit": u,
                        "month": mo,
                        "hours": float(h),
                        "points": float(p),
                        "attendance": None,
                    }
                    for e, nm, u, mo, h, p in LEDGER
                ],
            )
            conn.execute(
                db.summary_rows.insert(),
                [
                    {
                        "unit": u,
                        "month": mo,
                        "headcount": hc,
                        "participants": pa,
                        "sessions": 1,
                        "person_times": pa,
                        "hours": h,
                        "certificates": 0,
                        "suggestions": None,
                    }
                    for u, mo, hc, pa, h in SUMMARY
                ],
            )
            conn.execute(
                db.certificate_rows.insert(),
                [
                    {
                        "employee_id": e,
                        "name": nm,
                        "unit": u,
                        "cert_name": c,
                        "level": lv,
                        "cert_date": d,
                        "month": f"{d:%Y-%m}",
                    }
                    for e, nm, u, c, lv, d in CERTS
                ],
            )
            conn.execute(
                db.milestone_rows.insert(),
                [
                    {"unit": u, "phase": ph, "milestone": ms, "planned_date": None, "done_date": d}
                    for u, ph, ms, d in MILESTONES
                ],
            )
            touched = {(u, mo) for _e, _n, u, mo, _h, _p in LEDGER} | {(u, mo) for u, mo, *_ in SUMMARY}
            touched |= {(u, f"{d:%Y-%m}") for _e, _n, u, _c, _l, d in CERTS}
            db_derived.recompute_unit_months(conn, touched, datetime(2024, 5, 1, tzinfo=UTC).replace(tzinfo=None))
            tables = [t for t in sa.inspect(conn).get_table_names() if t in db.metadata.tables]
            assert MigrationContext.configure(conn).get_current_revision() == "0001"
            assert "learner_years" not in tables
    finally:
        engine.dispose()
    return tables


def _expected_learner_years() -> dict[tuple[str, str, str], dict[str, Any]]:
    """learner_years worked out in Python from LEDGER (names compared only where they agree)."""
    out: dict[tuple[str, str, str], dict[str, Any]] = {}
    units_of: dict[tuple[str, str], set[str]] = defaultdict(set)
    for e, nm, u, mo, h, p in LEDGER:
        y, k = mo[:4], int(mo[5:7])
        units_of[(e, y)].add(u)
        r = out.setdefault(
            (y, u, e),
            {"names": set(), "row_mask": 0, "active_mask": 0, "points": [0.0] * 12, "hours": [0.0] * 12},
        )
        r["names"].add(nm)
        r["row_mask"] |= 1 << (k - 1)
        if h > 0:
            r["active_mask"] |= 1 << (k - 1)
        r["points"][k - 1] = float(p)
        r["hours"][k - 1] = float(h)
    for (y, _u, e), r in out.items():
        r["person_rows"] = len(units_of[(e, y)])
    return out


def _stored_learner_years(store: Store) -> dict[tuple[str, str, str], dict[str, Any]]:
    ly = db.learner_years
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(ly)).all()
    return {
        (r.year, r.unit, r.employee_id): {
            "name": r.name,
            "names_vary": bool(r.names_vary),
            "row_mask": r.row_mask,
            "active_mask": r.active_mask,
            "person_rows": r.person_rows,
            "points": [r._mapping[f"points_{mm}"] for mm in db.MONTHS],
            "hours": [r._mapping[f"hours_{mm}"] for mm in db.MONTHS],
        }
        for r in rows
    }


def _oracle_rows() -> dict[Kind, list[dict[str, Any]]]:
    return {
        Kind.ROSTER: [{"unit": n, "department": d, "headcount": h} for n, d, h in UNITS],
        Kind.SUMMARY: [
            {"unit": u, "month": mo, "headcount": hc, "participants": pa, "hours": h, "certificates": 0}
            for u, mo, hc, pa, h in SUMMARY
        ],
        Kind.LEDGER: [
            {"employee_id": e, "name": nm, "unit": u, "month": mo, "hours": float(h), "points": float(p)}
            for e, nm, u, mo, h, p in LEDGER
        ],
        Kind.CERTIFICATES: [
            {"employee_id": e, "name": nm, "unit": u, "cert_name": c, "level": lv, "cert_date": d}
            for e, nm, u, c, lv, d in CERTS
        ],
        Kind.MILESTONES: [
            {"unit": u, "phase": ph, "milestone": ms, "planned_date": None, "done_date": d}
            for u, ph, ms, d in MILESTONES
        ],
    }


def test_a_0001_store_opens_at_head_with_nothing_lost_and_learner_years_filled(db_url: str, settings) -> None:
    tables = _seed_0001(db_url)
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            before = _dump(conn, tables)
    finally:
        engine.dispose()

    store = Store.open(db_url)
    try:
        with store.engine.connect() as conn:
            assert MigrationContext.configure(conn).get_current_revision() == known_revisions()[1]
            after = _dump(conn, tables)
            # nothing lost, nothing changed; the columns later revisions added are empty
            # (0007: summary_rows.training_funds and payroll, "not reported")
            added = {n: len(after[n][0]) - len(before[n][0]) if before[n] else 0 for n in tables}
            assert {n: [r[: len(r) - added[n]] for r in rows] for n, rows in after.items()} == before
            assert added["summary_rows"] == 2
            assert all(r[-2:] == (None, None) for r in after["summary_rows"])
            # 0011: a 阶段进度 row's campaign year, the year it was done (else planned, else reported)
            assert added["milestone_rows"] == 1
            assert [r[-1] for r in after["milestone_rows"]] == [r[4].year for r in before["milestone_rows"]]

        stored, expected = _stored_learner_years(store), _expected_learner_years()
        assert set(stored) == set(expected)
        for key, exp in expected.items():
            got = stored[key]
            assert got["names_vary"] == (len(exp["names"]) > 1), key
            if len(exp["names"]) == 1:
                assert got["name"] in exp["names"], key
            for f in ("row_mask", "active_mask", "person_rows", "points", "hours"):
                assert got[f] == exp[f], (key, f)

        # every figure is the one the definitions give, over periods inside and across years
        rows = _oracle_rows()
        campaign = [(ms.name, ms.due) for ms in settings.milestones]
        for first, last in PERIODS:
            sel = m.Selection(month_from=first, month_to=last)
            actual = m.summary(store, settings, sel).to_json()
            want = expected_summary(rows, campaign, first, last, top_n=settings.top_learners)
            for k in ("units", "headcount", "participants", "certificates", "units_behind"):
                assert actual[k] == want[k], (first, last, k)
            assert actual["training_hours"] == pytest.approx(want["training_hours"])
            assert [(p["employee_id"], p["name"], p["unit"]) for p in actual["top_learners"]] == [
                (p["employee_id"], p["name"], p["unit"]) for p in want["top_learners"]
            ], (first, last)
            assert [p["points"] for p in actual["top_learners"]] == pytest.approx(
                [p["points"] for p in want["top_learners"]]
            )
            # E04 is 赵六 until February and 赵六六 in March (in another unit): the name of the
            # latest row in P decides
            table = m.top_learners(store, settings, sel, search="六六")
            assert list(table["employee_id"]) == (["E04"] if first <= "2024-03" <= last else []), (first, last)
    finally:
        store.close()


def _keep_tops(monkeypatch: pytest.MonkeyPatch, n: int) -> None:
    """learner_tops keeps whoever can rank in a top n (derived.TOP_KEEP), and the leaderboard reads
    it for n ≤ db.TOP_KEEP (dashboard.metrics asks the package): both set to n."""
    monkeypatch.setattr(db_derived, "TOP_KEEP", n)
    monkeypatch.setattr(db, "TOP_KEEP", n)


def _stored_derived(store: Store) -> dict[str, Any]:
    """learner_years and the two tables kept from it (unit_active_masks, learner_tops)."""
    with store.engine.connect() as conn:
        masks = sorted(tuple(r) for r in conn.execute(sa.select(db.unit_active_masks)))
        tops = sorted(tuple(r) for r in conn.execute(sa.select(db.learner_tops)))
    return {"learner_years": _stored_learner_years(store), "masks": masks, "tops": tops}


@pytest.mark.parametrize("keep", [1000, 2])
def test_learner_years_stays_equal_to_a_rebuild_through_imports_corrections_and_undo(
    store: Store, monkeypatch: pytest.MonkeyPatch, keep: int
) -> None:
    """learner_years, unit_active_masks and learner_tops after each step equal a rebuild from
    the ledger; with a cut-off of 2 the kept leaderboards really leave people out."""
    _keep_tops(monkeypatch, keep)

    def rebuilt() -> tuple[dict, dict]:
        derived = _stored_derived(store)
        with store.engine.begin() as conn:
            db_derived.rebuild_learner_years(conn, ["2023", "2024", "2025"])
        again = _stored_derived(store)
        assert derived == again
        return derived["learner_years"], again["learner_years"]

    ledger = [b.ledger(e, nm, u, mo, h, p) for e, nm, u, mo, h, p in LEDGER]
    first = store.commit(b.parsed("jan.xlsx", ledger=ledger), "t")
    now, again = rebuilt()
    assert now == again and len(now) == len(_expected_learner_years())
    # E01 moves to 二车间 for January only, E02 loses its hours, a new person comes in
    fixed = [
        dict(ledger[1], unit="二车间", hours=0),
        dict(ledger[2], hours=0),
        b.ledger("E99", "新人", "办公室", "2024-06", 2, 3),
    ]
    second = store.commit(b.parsed("fix.xlsx", ledger=fixed), "t")
    now, again = rebuilt()
    assert now == again
    assert now[("2024", "二车间", "E01")]["row_mask"] == 0b1 and now[("2024", "一车间", "E01")]["row_mask"] == 0b10
    assert now[("2024", "一车间", "E01")]["person_rows"] == 2 and now[("2024", "一车间", "E02")]["active_mask"] == 0b10
    store.undo(second.batch_id, "t")
    now, again = rebuilt()
    assert now == again and ("2024", "二车间", "E01") not in now
    store.undo(first.batch_id, "t")
    assert _stored_derived(store) == {"learner_years": {}, "masks": [], "tops": []}


MONTHLY = [
    # one file per month, each adding a month no one had (the incremental fold, not a rebuild)
    [("E01", "张一", "一车间", "2024-01", 4, 10), ("E02", "张二", "一车间", "2024-01", 0, 3)],
    # E01 moves to 二车间, E02 renamed 张二新 (sorts after 张二), E03 new
    [
        ("E01", "张一", "二车间", "2024-02", 2, 1),
        ("E02", "张二新", "一车间", "2024-02", 5, 2),
        ("E03", "张三", "办公室", "2024-02", 1, 1),
    ],
    # E01 back in 一车间 and renamed to a name that sorts first, E02 renamed back; a new year
    [
        ("E01", "一张", "一车间", "2024-03", 1, 9),
        ("E02", "张二", "一车间", "2024-03", 0, 0),
        ("E01", "张一", "一车间", "2025-01", 1, 1),
    ],
]


def test_learner_years_folded_month_by_month_equal_a_rebuild(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each monthly file adds rows for months no one had yet, so learner_years is updated in
    place (new rows, month columns, movers' person_rows, names_vary) rather than rebuilt: after
    each file the derived tables equal a rebuild from the ledger."""
    _keep_tops(monkeypatch, 2)
    for i, month in enumerate(MONTHLY):
        store.commit(b.parsed(f"m{i}.xlsx", ledger=[b.ledger(*r) for r in month]), "t")
        folded = _stored_derived(store)
        with store.engine.begin() as conn:
            db_derived.rebuild_learner_years(conn, ["2024", "2025"])
        assert folded == _stored_derived(store), i
    now = _stored_learner_years(store)
    assert now[("2024", "一车间", "E01")]["person_rows"] == 2 and now[("2024", "二车间", "E01")]["row_mask"] == 0b10
    assert now[("2024", "一车间", "E02")]["names_vary"] and now[("2024", "一车间", "E02")]["name"] == "张二新"


# after MONTHLY: a file that replaces rows of February and adds rows, one of them in the
# person-year of a replaced row; the 工号 E"3\ is written in its undo key with JSON escapes
CORRECTION = [
    ("E01", "张一", "一车间", "2024-02", 0, 1),  # back in 一车间 for February (replaces 二车间)
    ("E03", "张三三", "办公室", "2024-02", 1, 1),  # renamed (replaces)
    ("E03", "张三三", "办公室", "2024-05", 2, 2),  # added to a replaced row's person-year
    ('E"3\\', "王五", "二车间", "2024-03", 3, 3),  # added: a new person
    ("E02", "张二", "二车间", "2024-06", 1, 0),  # added: E02 moves, a row of a second unit
]


def _derived_tables(store: Store) -> dict[str, Any]:
    """Every derived table: learner_years, its masks and tops, and unit_months (not updated_at)."""
    um = db.unit_months
    with store.engine.connect() as conn:
        months = sorted(tuple(r) for r in conn.execute(sa.select(*[c for c in um.columns if c.name != "updated_at"])))
    return {**_stored_derived(store), "unit_months": months}


def _rebuild_derived(store: Store) -> None:
    """Rebuild every derived table from the rows: learner_years by whole years, unit_months for
    every unit-month it holds or the rows have."""
    with store.engine.begin() as conn:
        db_derived.rebuild_learner_years(conn, ["2024", "2025"])
        um, lr = db.unit_months, db.ledger_rows
        keys = {tuple(r) for r in conn.execute(sa.select(um.c.unit, um.c.month))}
        keys |= {tuple(r) for r in conn.execute(sa.select(lr.c.unit, lr.c.month).distinct())}
        db_derived.recompute_unit_months(conn, keys, datetime(2024, 1, 1))


@pytest.mark.parametrize("order", [(3, 2, 1, 0), (0, 2, 3, 1), (2, 0, 3, 1)])
def test_learner_years_folded_out_on_undo_equal_a_rebuild(
    store: Store, monkeypatch: pytest.MonkeyPatch, order: tuple[int, ...]
) -> None:
    """Undo folds the rows a batch added out of learner_years (the month's columns and bits, a
    row left with no month, the movers' person_rows) and rebuilds the person-years whose names
    vary or whose replaced rows it restores: after each undo, in an order the batches allow,
    every derived table equals a rebuild from the rows, and at the end every table is empty."""
    _keep_tops(monkeypatch, 2)
    files = [*MONTHLY, CORRECTION]
    ids = [
        store.commit(b.parsed(f"m{i}.xlsx", ledger=[b.ledger(*r) for r in rows]), "t").batch_id
        for i, rows in enumerate(files)
    ]
    assert all(ids)
    for i in order:
        store.undo(ids[i], "t")
        folded = _derived_tables(store)
        _rebuild_derived(store)
        assert folded == _derived_tables(store), i
    assert _derived_tables(store) == {"learner_years": {}, "masks": [], "tops": [], "unit_months": []}
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(db.ledger_rows)).scalar() == 0


_ROW = st.tuples(
    st.sampled_from(["E1", "E2", "E3", "E4"]),
    st.sampled_from(["张一", "张二", "一张"]),
    st.sampled_from([n for n, _d, _h in UNITS]),
    st.sampled_from(["2024-01", "2024-02", "2024-03", "2024-12", "2025-01"]),
    st.sampled_from([0, 1, 2.5]),
    st.sampled_from([0, 1, 3]),
)


def test_undo_newest_first_keeps_every_derived_table_equal_to_a_rebuild(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Any files (new months, replaced rows, moves, renames, a second year), undone newest first:
    after each undo every derived table equals a rebuild from the rows (SQLite; the
    parametrised test above runs on every backend)."""
    _keep_tops(monkeypatch, 2)
    store = Store.open(f"sqlite:///{tmp_path / 'store.db'}")

    @hyp_settings(max_examples=10, deadline=None)
    @given(files=st.lists(st.lists(_ROW, min_size=1, max_size=6), min_size=1, max_size=4))
    def run(files: list[list[tuple[Any, ...]]]) -> None:
        ids = [store.commit(b.parsed("f.xlsx", ledger=[b.ledger(*r) for r in rows]), "t").batch_id for rows in files]
        for batch_id in reversed([i for i in ids if i is not None]):
            store.undo(batch_id, "t")
            folded = _derived_tables(store)
            _rebuild_derived(store)
            assert folded == _derived_tables(store)
        assert _derived_tables(store) == {"learner_years": {}, "masks": [], "tops": [], "unit_months": []}

    try:
        run()
    finally:
        store.close()


@pytest.mark.parametrize("keep", [1, 2, 3])
def test_kept_leaderboards_give_the_defined_ranking_when_the_cut_off_bites(
    store: Store, settings, monkeypatch: pytest.MonkeyPatch, keep: int
) -> None:
    """A leaderboard of n ≤ TOP_KEEP over a month, a quarter or the year is read from
    learner_tops; with TOP_KEEP as small as n it is still DESIGN's ranking (ties, movers and
    renamed people included), checked against the independent oracle."""
    _keep_tops(monkeypatch, keep)
    rows = _oracle_rows()
    store.commit(b.parsed("all.xlsx", roster=[b.roster(n, d, h) for n, d, h in UNITS], ledger=rows[Kind.LEDGER]), "t")
    campaign = [(ms.name, ms.due) for ms in settings.milestones]
    blocks = [("2024-01", "2024-01"), ("2024-03", "2024-03"), ("2024-01", "2024-03"), ("2024-01", "2024-12")]
    for first, last in blocks:
        for n in range(1, keep + 1):
            sel = m.Selection(month_from=first, month_to=last)
            got = m.top_learners(store, settings, sel, n)
            want = expected_summary(rows, campaign, first, last, top_n=n)["top_learners"]
            assert list(got["employee_id"]) == [p["employee_id"] for p in want], (first, last, n)
            assert list(got["points"]) == pytest.approx([p["points"] for p in want]), (first, last, n)
