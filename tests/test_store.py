"""The store: upsert by key, no-op re-imports, batches, undo, all-or-nothing, the schema."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from hypothesis import given
from hypothesis import strategies as st

from data_sources import importer
from data_sources import store as db
from data_sources.schema import ImportRejected, Kind, Problem, StoreTooNew, StoreUnavailable, UndoRefused
from data_sources.store import Store, _alembic_config, known_revisions, metadata
from data_sources.store import rows as db_rows
from tests import builders as b

ROSTER = [b.roster("一车间", "生产部", 10, "车间", True), b.roster("办公室", "机关", 5, "科室")]
LEDGER = [
    b.ledger("E01", "张一", "一车间", "2024-01", 4, 10),
    b.ledger("E02", "张二", "一车间", "2024-01", 3, 8),
    b.ledger("E03", "张三", "一车间", "2024-01", 0, 0),
]
SUMMARY = [b.summary("一车间", "2024-01", 10, 6, 20, certificates=1, sessions=2, person_times=12, suggestions=3)]


def dump(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, sorted, for before/after comparisons."""
    out = {}
    with store.engine.connect() as conn:
        for name, t in metadata.tables.items():
            out[name] = sorted((tuple(r) for r in conn.execute(sa.select(t))), key=repr)
        out["alembic_version"] = [tuple(r) for r in conn.execute(sa.text("SELECT version_num FROM alembic_version"))]
    return out


def unit_month(store: Store, unit: str, month: str) -> dict[str, Any] | None:
    from data_sources.store import unit_months as um

    with store.engine.connect() as conn:
        r = conn.execute(sa.select(um).where(um.c.unit == unit, um.c.month == month)).first()
    return None if r is None else dict(r._mapping)


def first_import(store: Store):
    return store.commit(b.parsed("2024-01.xlsx", roster=ROSTER, summary=SUMMARY, ledger=LEDGER), "alice")


def test_commit_inserts_rows_and_records_a_batch(store: Store) -> None:
    res = first_import(store)
    assert res.batch_id is not None
    assert (res.added, res.replaced, res.unchanged) == (2 + 1 + 3, 0, 0)
    assert res.plan.kinds[Kind.LEDGER].added == 3
    assert res.warnings == []
    d = dump(store)
    assert len(d["ledger_rows"]) == 3 and len(d["summary_rows"]) == 1 and len(d["units"]) == 2
    um = unit_month(store, "一车间", "2024-01")
    assert um is not None
    # the ledger wins over the summary: hours 4 + 3 + 0, participants E01 and E02 (E03 has 0 hours)
    assert um["has_ledger"] and um["has_summary"] and not um["has_cert_rows"]
    assert (um["hours"], um["participants"], um["ledger_rows"]) == (7.0, 2, 3)
    assert (um["summary_hours"], um["summary_participants"]) == (20.0, 6)
    assert um["certificates"] == 1  # no certificate rows: the summary's 取证人数
    assert not store.is_empty()


def test_reimport_is_a_no_op(store: Store) -> None:
    first_import(store)
    before = dump(store)
    res = first_import(store)
    assert res.batch_id is None
    assert (res.added, res.replaced, res.unchanged) == (0, 0, 6)
    assert dump(store) == before
    assert len(store.batches()) == 1


def test_correction_replaces_only_the_changed_rows(store: Store) -> None:
    first_import(store)
    fixed = [dict(LEDGER[0], hours=6), *LEDGER[1:]]
    res = store.commit(b.parsed("2024-01-fix.xlsx", ledger=fixed), "bob")
    assert res.batch_id is not None
    kp = res.plan.kinds[Kind.LEDGER]
    assert (kp.added, kp.replaced, kp.unchanged) == (0, 1, 2)
    assert kp.changed_keys == [("E01", "2024-01")]
    assert kp.changes[0].before["hours"] == 4.0 and kp.changes[0].after["hours"] == 6.0
    assert unit_month(store, "一车间", "2024-01")["hours"] == 6 + 3 + 0


def test_plan_previews_without_writing(store: Store) -> None:
    first_import(store)
    before = dump(store)
    plan = store.plan(
        b.parsed("x.xlsx", ledger=[dict(LEDGER[0], points=99), b.ledger("E09", "新人", "办公室", "2024-01", 1, 1)])
    )
    assert (plan.added, plan.replaced, plan.unchanged) == (1, 1, 0)
    assert (plan.units_added, plan.errors) == ([], [])
    assert dump(store) == before


def test_undo_restores_replaced_rows_and_removes_added_ones(store: Store) -> None:
    first = first_import(store)
    initial = dump(store)
    second = store.commit(
        b.parsed(
            "fix.xlsx",
            ledger=[dict(LEDGER[0], hours=6, unit="办公室"), b.ledger("E04", "赵四", "办公室", "2024-02", 2, 2)],
            summary=[dict(SUMMARY[0], participants=7)],
        ),
        "bob",
    )
    assert second.batch_id is not None
    # E01 moved unit: both unit-months were recomputed
    assert unit_month(store, "一车间", "2024-01")["hours"] == 3
    assert unit_month(store, "办公室", "2024-01")["hours"] == 6
    store.undo(second.batch_id, "carol")
    after = dump(store)
    for t in ("units", "summary_rows", "ledger_rows", "certificate_rows", "milestone_rows"):
        assert after[t] == initial[t], t
    assert unit_month(store, "一车间", "2024-01")["hours"] == 7
    assert unit_month(store, "办公室", "2024-01") is None
    assert unit_month(store, "办公室", "2024-02") is None
    batches = store.batches()
    assert batches[0].id == second.batch_id and batches[0].undone_by == "carol" and batches[0].undone_at
    with pytest.raises(UndoRefused) as e:
        store.undo(second.batch_id, "carol")
    assert e.value.reason == "already_undone"
    store.undo(first.batch_id, "carol")
    assert store.is_empty()
    d = dump(store)
    assert all(d[t] == [] for t in ("units", "summary_rows", "ledger_rows", "unit_months"))


def test_undo_refused_while_a_later_batch_changed_the_same_rows(store: Store) -> None:
    first = first_import(store)
    second = store.commit(b.parsed("fix.xlsx", ledger=[dict(LEDGER[1], points=9)]), "bob")
    unrelated = store.commit(b.parsed("feb.xlsx", ledger=[b.ledger("E01", "张一", "一车间", "2024-02", 1, 1)]), "bob")
    with pytest.raises(UndoRefused) as e:
        store.undo(first.batch_id, "carol")
    assert (e.value.reason, e.value.later_batch) == ("later_batch", second.batch_id)
    with pytest.raises(UndoRefused) as e:
        store.undo(12345, "carol")
    assert e.value.reason == "unknown"
    store.undo(second.batch_id, "carol")
    store.undo(first.batch_id, "carol")  # the later batch is undone now
    # the unrelated February batch stays, and keeps the unit it needs
    d = dump(store)
    assert [r[:2] for r in d["ledger_rows"]] == [("E01", "2024-02")]
    assert [r[0] for r in d["units"]] == ["一车间"]
    assert unrelated.batch_id is not None


# 工号 plain and with what JSON escapes (a quote, a backslash, a control character): a later
# batch's image keys them as JSON text, which undo reads in SQL
ODD_IDS = ["E01", "工号02", "E 03", 'E"04', "E\\05", "E\t06", "E\u000107"]


def test_the_ledger_rows_a_batch_added_are_kept_by_key_and_unit_and_a_later_change_of_any_refuses_undo(
    store: Store,
) -> None:
    ledger = [b.ledger(e, "张一", "一车间", "2024-01", 1, 1) for e in ODD_IDS]
    first = store.commit(b.parsed("x.xlsx", roster=ROSTER, ledger=ledger), "t")
    adds, bc = db.batch_ledger_adds, db.batch_changes
    with store.engine.connect() as conn:
        kept = conn.execute(sa.select(adds).where(adds.c.batch_id == first.batch_id)).all()
        as_json = conn.execute(sa.select(bc.c.key).where(bc.c.tbl == "ledger_rows")).all()
    assert sorted(tuple(r) for r in kept) == sorted((first.batch_id, e, "2024-01", "一车间") for e in ODD_IDS)
    assert as_json == []
    # a later batch that corrects any one of them: undo is refused, then allowed once it is undone
    for row in ledger:
        fix = store.commit(b.parsed("fix.xlsx", ledger=[dict(row, hours=5)]), "t")
        with pytest.raises(UndoRefused) as e:
            store.undo(first.batch_id, "t")
        assert (e.value.reason, e.value.later_batch) == ("later_batch", fix.batch_id), row
        store.undo(fix.batch_id, "t")
    store.undo(first.batch_id, "t")
    assert store.is_empty()


def test_revision_0012_moves_the_added_ledger_rows_images_out_of_json_and_back(db_url: str) -> None:
    """A store from before revision 0012 holds the images of added ledger rows as JSON in
    batch_changes: the downgrade writes them as the encoder did, the upgrade moves them back to
    batch_ledger_adds with nothing lost, and undo still refuses and undoes as before."""
    store = Store.open(db_url)
    try:
        ledger = [b.ledger(e, "张一", "一车间", "2024-01", 1, 1) for e in ODD_IDS]
        first = store.commit(b.parsed("x.xlsx", roster=ROSTER, ledger=ledger), "t")
        new_row = b.ledger("E99", "李九", "办公室", "2024-02", 2, 2)
        fix = store.commit(b.parsed("fix.xlsx", ledger=[dict(ledger[3], hours=5), new_row]), "t")
        before = dump(store)
    finally:
        store.close()
    added = [(first.batch_id, e, "2024-01", "一车间") for e in ODD_IDS] + [(fix.batch_id, "E99", "2024-02", "办公室")]
    assert sorted(before["batch_ledger_adds"]) == sorted(added)
    engine = sa.create_engine(db_url)
    try:
        with engine.begin() as conn:
            command.downgrade(_alembic_config(conn), "0011")
        with engine.connect() as conn:
            assert "batch_ledger_adds" not in sa.inspect(conn).get_table_names()
            bc = db.batch_changes
            images = conn.execute(
                sa.select(bc.c.batch_id, bc.c.key, bc.c.after).where(bc.c.tbl == "ledger_rows", bc.c.before.is_(None))
            ).all()
    finally:
        engine.dispose()
    want = [
        (batch, db_rows.key_json((e, m)), db_rows.image_json({"employee_id": e, "month": m, "unit": u}))
        for batch, e, m, u in added
    ]
    assert sorted(tuple(r) for r in images) == sorted(want)
    again = Store.open(db_url)
    try:
        assert dump(again) == before
        with pytest.raises(UndoRefused) as e:
            again.undo(first.batch_id, "t")
        assert (e.value.reason, e.value.later_batch) == ("later_batch", fix.batch_id)
        again.undo(fix.batch_id, "t")
        again.undo(first.batch_id, "t")
        assert again.is_empty()
    finally:
        again.close()


def test_rejected_file_leaves_the_store_byte_for_byte_the_same(store: Store, db_url: str) -> None:
    first_import(store)
    before = dump(store)
    path = Path(sa.make_url(db_url).database or "") if db_url.startswith("sqlite") else None
    raw = path.read_bytes() if path else None
    bad = b.parsed(
        "bad.xlsx",
        problems=[Problem("negative", "bad.xlsx", "学习台账", 5, "培训学时", "-3")],
        roster=[b.roster("新单位", "机关", 3)],
        ledger=[dict(LEDGER[0], hours=99)],
    )
    with pytest.raises(ImportRejected) as e:
        store.commit(bad, "mallory")
    assert [p.code for p in e.value.problems] == ["negative"]
    assert dump(store) == before
    if path:
        assert path.read_bytes() == raw


def test_a_store_without_a_roster_takes_units_from_the_data_with_a_warning(store: Store) -> None:
    """DESIGN §3: only a store with no roster at all takes units from the data (the refusal once it
    has one: tests/test_trust.py)."""
    rows = [
        b.ledger("E05", "王五", "一车间", "2024-02", 1, 1),
        b.ledger("E06", "王六", "三班组", "2024-02", 2, 2),
        b.ledger("E07", "王七", "三班组", "2024-02", 3, 3),
    ]
    res = store.commit(b.parsed("feb.xlsx", ledger=rows), "bob")
    assert [(w.code, w.severity, w.file, w.sheet, w.row, w.column, w.value) for w in res.warnings] == [
        ("unit_added", "warning", "feb.xlsx", "学习台账", 3, "单位", "一车间"),
        ("unit_added", "warning", "feb.xlsx", "学习台账", 4, "单位", "三班组"),
    ]
    with store.engine.connect() as conn:
        from data_sources.store import units

        r = conn.execute(sa.select(units).where(units.c.name == "三班组")).one()
    assert r.auto_added and r.department is None
    # a unit in the upload's own roster sheet is no warning; the roster row clears auto_added
    res = store.commit(
        b.parsed(
            "roster.xlsx", roster=[b.roster("三班组", "生产部", 6)], summary=[b.summary("三班组", "2024-02", 6, 2, 5)]
        ),
        "bob",
    )
    assert res.warnings == []
    assert res.plan.kinds[Kind.ROSTER].replaced == 1
    with store.engine.connect() as conn:
        r = conn.execute(sa.select(units).where(units.c.name == "三班组")).one()
    assert not r.auto_added and r.department == "生产部" and r.headcount == 6


def test_certificates_and_milestones_upsert(store: Store) -> None:
    first_import(store)
    certs = [b.cert("E01", "张一", "一车间", "电工", "中级", date(2024, 1, 15))]
    ms = [b.milestone("一车间", "成立领导小组", done=date(2024, 1, 20))]
    res = store.commit(b.parsed("c.xlsx", certificates=certs, milestones=ms), "bob")
    assert res.added == 2
    um = unit_month(store, "一车间", "2024-01")
    assert um["has_cert_rows"] and um["cert_rows"] == 1 and um["certificates"] == 1
    res = store.commit(b.parsed("c.xlsx", certificates=certs, milestones=ms), "bob")
    assert res.batch_id is None and res.unchanged == 2
    res = store.commit(
        b.parsed("c2.xlsx", milestones=[b.milestone("一车间", "成立领导小组", done=date(2024, 1, 21))]), "bob"
    )
    assert res.replaced == 1


def test_batches_newest_first_and_data_as_of(store: Store) -> None:
    assert store.batches() == [] and store.data_as_of() is None and store.is_empty()
    first = first_import(store)
    second = store.commit(b.parsed("fix.xlsx", ledger=[dict(LEDGER[1], points=9)]), "bob")
    bs = store.batches()
    assert [x.id for x in bs] == [second.batch_id, first.batch_id]
    assert (bs[1].file_name, bs[1].user, len(bs[1].sha256)) == ("2024-01.xlsx", "alice", 64)
    assert bs[1].counts["ledger"] == {"rows": 3, "added": 3, "replaced": 0, "unchanged": 0}
    assert bs[0].counts["ledger"] == {"rows": 1, "added": 0, "replaced": 1, "unchanged": 0}
    assert store.data_as_of() == bs[0].created_at
    store.undo(second.batch_id, "carol")
    assert store.data_as_of() == store.batches()[0].undone_at


def test_the_data_version_changes_with_every_commit_and_undo_and_nothing_else(store: Store) -> None:
    """The figures' cache key in every app process: a count kept by the database, so an import
    through a process whose clock lags still makes the others' figures stale."""
    seen = [store.data_version()]
    first = first_import(store)
    seen.append(store.data_version())
    store.commit(b.parsed("again.xlsx", ledger=LEDGER), "bob")  # the same rows: nothing changes
    assert store.data_version() == seen[-1]
    second = store.commit(b.parsed("fix.xlsx", ledger=[dict(LEDGER[1], points=9)]), "bob")
    seen.append(store.data_version())
    store.undo(second.batch_id, "carol")
    seen.append(store.data_version())
    store.undo(first.batch_id, "carol")
    seen.append(store.data_version())
    store.batches(), store.is_empty()  # reading changes nothing
    assert store.data_version() == seen[-1]
    assert len(set(seen)) == len(seen)  # every commit and every undo gave a new version


def test_migrations_create_the_schema_and_reopen_is_fine(store: Store, db_url: str) -> None:
    with store.engine.connect() as conn:
        ctx = MigrationContext.configure(conn)
        assert ctx.get_current_revision() == known_revisions()[1]
        assert compare_metadata(ctx, metadata) == []
    first_import(store)
    before = dump(store)
    again = Store.open(db_url)
    try:
        assert dump(again) == before
    finally:
        again.close()


def test_a_newer_schema_is_refused(store: Store, db_url: str) -> None:
    with store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = 'ffff_from_the_future'"))
    with pytest.raises(StoreTooNew) as e:
        Store.open(db_url)
    assert e.value.revision == "ffff_from_the_future"


def test_unreachable_database_hides_the_password() -> None:
    with pytest.raises(StoreUnavailable) as e:
        Store.open("postgresql+psycopg://dash:s3cret@127.0.0.1:1/nowhere")
    assert "s3cret" not in str(e.value) and "s3cret" not in e.value.url
    assert "***" in e.value.url


def test_sqlite_parent_folder_is_created(tmp_path: Path) -> None:
    s = Store.open(f"sqlite:///{tmp_path / 'a' / 'b' / 'x.db'}")
    s.close()
    assert (tmp_path / "a" / "b" / "x.db").is_file()


def test_import_files_is_all_or_nothing_across_files(store: Store, monkeypatch: pytest.MonkeyPatch, settings) -> None:
    files = {
        "roster.xlsx": b.parsed("roster.xlsx", roster=ROSTER),
        "jan.xlsx": b.parsed("jan.xlsx", ledger=LEDGER),
        "bad.xlsx": b.parsed(
            "bad.xlsx",
            problems=[
                Problem("bad_month", "bad.xlsx", "月报", 4, "月份", "13月"),
                Problem("column_ignored", "bad.xlsx", "月报", 2, "参学率", severity="warning"),
            ],
            summary=SUMMARY,
        ),
    }
    monkeypatch.setattr(importer, "read_and_validate", lambda f, name, settings, period=None: files[name])
    empty = dump(store)
    with pytest.raises(ImportRejected) as e:
        importer.import_files(store, [(n, io.BytesIO()) for n in files], settings, "alice")
    assert [p.code for p in e.value.problems] == ["bad_month", "column_ignored"]
    assert dump(store) == empty
    good = [(n, io.BytesIO()) for n in ("roster.xlsx", "jan.xlsx")]
    dry = importer.import_files(store, good, settings, "alice", dry_run=True)
    assert [(o.file, o.rows, o.added, o.batch_id, o.warnings) for o in dry] == [
        ("roster.xlsx", {"roster": 2}, 2, None, []),
        ("jan.xlsx", {"ledger": 3}, 3, None, []),  # sees the roster of the file before it
    ]
    assert dump(store) == empty
    out = importer.import_files(store, good, settings, "alice")
    assert [o.batch_id is not None for o in out] == [True, True]
    assert len(store.batches()) == 2


def test_bulk_paths_for_thousands_of_rows(store: Store) -> None:
    """Above a few thousand keys PostgreSQL fetches and deletes through COPYed temp tables."""
    rows = [b.ledger(f"E{i:05d}", f"N{i}", f"U{i % 7}", "2024-05", i % 3, i % 11) for i in range(2600)]
    first = store.commit(b.parsed("may.xlsx", ledger=rows), "bulk")
    assert (first.added, len(first.plan.units_added)) == (2600, 7)
    again = store.commit(b.parsed("may.xlsx", ledger=rows), "bulk")
    assert (again.batch_id, again.unchanged) == (None, 2600)
    moved = [dict(r, unit="U0", hours=1) for r in rows]
    second = store.commit(b.parsed("may-fix.xlsx", ledger=moved), "bulk")
    same = sum(1 for i in range(2600) if i % 7 == 0 and i % 3 == 1)  # already U0 with 1 hour
    assert (second.replaced, second.unchanged) == (2600 - same, same)
    um = unit_month(store, "U0", "2024-05")
    assert (um["ledger_rows"], um["participants"], um["hours"]) == (2600, 2600, 2600.0)
    assert unit_month(store, "U3", "2024-05") is None
    store.undo(second.batch_id, "bulk")
    # rows i ≡ 3 (mod 7) are back in U3; hours i % 3 → participants are those with i % 3 ≠ 0
    expected = [i for i in range(2600) if i % 7 == 3]
    um = unit_month(store, "U3", "2024-05")
    assert um["ledger_rows"] == len(expected)
    assert um["participants"] == sum(1 for i in expected if i % 3)
    assert um["hours"] == float(sum(i % 3 for i in expected))
    store.undo(first.batch_id, "bulk")
    assert store.is_empty()


def test_names_that_differ_only_in_case_or_accent_are_different_units(store: Store) -> None:
    """Every database compares text code point by code point (MySQL: utf8mb4_bin, revision
    0004), so no two names a file tells apart collide on a key or pass for the same name. (Width
    is not told apart: the reader writes Ａ车间 as A车间, values.unit_name.)"""
    names = ["A车间", "a车间", "Café", "Cafe"]
    ledger = [b.ledger(f"E{i}", "李二", n, "2024-03", 1, 1) for i, n in enumerate(names)]
    ledger += [b.ledger("e0", "李二", "A车间", "2024-03", 2, 2), b.ledger("E0", "李贰", "A车间", "2024-04", 3, 3)]
    res = store.commit(b.parsed("x.xlsx", roster=[b.roster(n, None, 10) for n in names], ledger=ledger), "t")
    assert res.added == len(names) + len(ledger)
    with store.engine.connect() as conn:
        stored = conn.execute(sa.select(db.units.c.name)).scalars().all()
        people = conn.execute(sa.select(db.ledger_rows.c.employee_id, db.ledger_rows.c.month)).all()
    assert sorted(stored) == sorted(names)
    assert sorted(tuple(p) for p in people) == sorted((r["employee_id"], r["month"]) for r in ledger)
    assert (
        store.commit(b.parsed("x.xlsx", roster=[b.roster(n, None, 10) for n in names], ledger=ledger), "t").added == 0
    )


@given(
    key=st.lists(st.one_of(st.text(), st.dates(), st.integers()), min_size=1, max_size=3).map(tuple),
    image=st.dictionaries(st.sampled_from(["employee_id", "month", "unit", "name"]), st.text()),
)
def test_undo_key_and_image_text_is_the_json_encoders(key: tuple[Any, ...], image: dict[str, str]) -> None:
    """The fast paths for plain strings write exactly what the JSON encoder writes: an older
    batch's key and a newer one's must compare equal as text for undo's "later batch" check."""
    assert db_rows.key_json(key) == db_rows.ENCODER.encode([v.isoformat() if isinstance(v, date) else v for v in key])
    assert db_rows.image_json(image) == db_rows.ENCODER.encode(image)
