"""Concurrency, on SQLite, PostgreSQL and MariaDB: imports from several processes at once lose no
row and duplicate none, and a reader sees the store either before an import or after it, never
half of one (raw rows and the tables kept at import time flip together)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import sqlalchemy as sa
from openpyxl import Workbook

from data_sources.store import Store
from tests.test_faults import start_import, wait_for_pause
from tests.test_reading import LEDGER_HEADER

UNITS = ("一车间", "二车间", "新车间")  # 新车间 is not in any roster: every import adds it, once


def hours_of(i: int, version: int) -> float:
    return 1 + (i * 7 + version * 3) % 11 / 2


def ledger_file(path: Path, ids: range, version: int) -> Path:
    """A ledger .xlsx of the people ``ids`` in 2024-03; ``version`` changes their hours."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("学习台账")
    ws.append(["2024年3月学习台账"])
    ws.append(LEDGER_HEADER)
    for i in ids:
        ws.append([f"E{i:06d}", f"职工{i}", UNITS[i % 3], "2024-03", hours_of(i, version), 10 + i % 5])
    wb.save(path)
    return path


def stored_ledger(url: str) -> dict[str, float]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return dict(conn.execute(sa.text("SELECT employee_id, hours FROM ledger_rows")).all())
    finally:
        engine.dispose()


def finish(procs: list[subprocess.Popen[str]]) -> list[str]:
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
        outs.append(out)
    return outs


def test_a_second_import_waits_for_the_first_and_both_land(db_url: str, tmp_path: Path) -> None:
    """The first import holds the writer lock (paused before COMMIT); the second, started then,
    waits for it and diffs against what the first wrote: the people both files carry are
    replaced by the second, not duplicated; the unit both add is added once."""
    Store.open(db_url).close()
    a = ledger_file(tmp_path / "a.xlsx", range(0, 3000), version=1)
    b = ledger_file(tmp_path / "b.xlsx", range(2000, 4000), version=2)
    first = start_import(a, db_url, pause=3, user="first")
    wait_for_pause(first)
    second = start_import(b, db_url, pause=None, user="second")
    out_a, out_b = finish([first, second])
    assert out_a.startswith("a.xlsx：已导入（批次 #1）")
    assert out_b.startswith("b.xlsx：已导入（批次 #2）")

    expected = {f"E{i:06d}": hours_of(i, 1) for i in range(0, 3000)}
    expected |= {f"E{i:06d}": hours_of(i, 2) for i in range(2000, 4000)}
    assert stored_ledger(db_url) == expected
    store = Store.open(db_url)
    try:
        second_batch, first_batch = store.batches()
        assert (first_batch.user, second_batch.user) == ("first", "second")
        assert first_batch.counts["ledger"] == {"rows": 3000, "added": 3000, "replaced": 0, "unchanged": 0}
        changed = sum(1 for i in range(2000, 3000) if hours_of(i, 1) != hours_of(i, 2))
        assert second_batch.counts["ledger"] == {
            "rows": 2000,
            "added": 1000,
            "replaced": changed,
            "unchanged": 1000 - changed,
        }
        assert (first_batch.counts["units_added"], second_batch.counts["units_added"]) == (3, 0)
    finally:
        store.close()


def test_four_imports_started_at_once_lose_nothing_and_duplicate_nothing(db_url: str, tmp_path: Path) -> None:
    """Four processes, overlapping files, no pause: whatever order they take the lock in, every
    person is stored once, with the values of the last batch that carried them."""
    Store.open(db_url).close()
    spans = [range(0, 1500), range(1000, 2500), range(2000, 3500), range(500, 3000)]
    files = [ledger_file(tmp_path / f"f{k}.xlsx", ids, version=k) for k, ids in enumerate(spans)]
    procs = [start_import(f, db_url, pause=None, user=f"u{k}") for k, f in enumerate(files)]
    finish(procs)

    store = Store.open(db_url)
    try:
        batches = sorted(store.batches(), key=lambda b: b.id)
    finally:
        store.close()
    assert sorted(b.user for b in batches) == ["u0", "u1", "u2", "u3"]
    expected: dict[str, float] = {}
    for b in batches:  # in commit order
        k = int(b.user[1:])
        expected |= {f"E{i:06d}": hours_of(i, k) for i in spans[k]}
    stored = stored_ledger(db_url)
    assert stored == expected
    assert sum(b.counts["ledger"]["added"] for b in batches) == len(stored) == 3500
    assert sum(b.counts["units_added"] for b in batches) == 3


def _snapshot(url: str) -> tuple[int, float, int]:
    """Raw ledger rows and the unit_months kept from them, read in ONE statement."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            n, hours, participants = conn.execute(
                sa.text(
                    "SELECT (SELECT count(*) FROM ledger_rows), (SELECT sum(hours) FROM ledger_rows), "
                    "(SELECT sum(participants) FROM unit_months)"
                )
            ).one()
            return int(n), round(float(hours or 0), 6), int(participants or 0)
    finally:
        engine.dispose()


def test_a_reader_sees_before_or_after_an_import_never_half(db_url: str, tmp_path: Path) -> None:
    Store.open(db_url).close()
    base = ledger_file(tmp_path / "base.xlsx", range(0, 300), version=0)
    finish([start_import(base, db_url, pause=None, user="base")])
    before = _snapshot(db_url)
    assert before[0] == 300

    # paused inside its transaction, every row written: readers still see the store as it was
    big = ledger_file(tmp_path / "big.xlsx", range(0, 12000), version=5)
    proc = start_import(big, db_url, pause=2, user="big")
    wait_for_pause(proc)
    assert _snapshot(db_url) == before

    # and polled while it commits: only ever the two states
    seen = set()
    while proc.poll() is None:
        seen.add(_snapshot(db_url))
        time.sleep(0.01)
    finish([proc])
    after = _snapshot(db_url)
    assert after[0] == 12000 and after != before
    assert seen <= {before, after}, seen - {before, after}
