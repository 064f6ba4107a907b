"""Late reports (迟报, DESIGN §3 and §5): when each unit-month was first received, robust to undo and
to corrected re-imports, on SQLite, PostgreSQL and MariaDB; revision 0009 fills batch_months from
the stored batches; ``import --received``; ``[campaign] report_due_day``."""

from __future__ import annotations

import io
import tomllib
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from dashboard import metrics as m
from dashboard.cli import main
from dashboard.config import Settings, SettingsError, load_settings, parse_settings
from data_sources import store as db
from data_sources.store import Store, _alembic_config
from tests import builders as b

ROOT = Path(__file__).resolve().parent.parent
ROSTER = [b.roster("一车间", "生产部", 10), b.roster("二车间", "生产部", 8), b.roster("办公室", "机关", 5)]
P = m.Selection(month_from="2024-01", month_to="2024-02")
TODAY = date(2024, 3, 5)  # January is due (10 February), February not yet (10 March)


def summ(unit: str, participants: int = 5) -> list[dict[str, Any]]:
    return [b.summary(unit, "2024-01", 10, participants, 20)]


def led(emp: str, unit: str) -> list[dict[str, Any]]:
    return [b.ledger(emp, "张" + emp, unit, "2024-01", 3, 3)]


# a step: ("import", {kind: rows}, received) or ("undo", index of the step that imported)
# expected: the January cells that are reported, (state, first received); every other January
# cell is missing and every February cell not yet due
SCENARIOS: list[tuple[str, int, list[tuple[Any, ...]], dict[str, tuple[str, date | None]]]] = [
    (
        "on the due day is on time, the day after late",
        10,
        [
            ("import", {"summary": summ("一车间")}, date(2024, 2, 10)),
            ("import", {"ledger": led("E2", "二车间")}, date(2024, 2, 11)),
        ],
        {"一车间": ("on_time", date(2024, 2, 10)), "二车间": ("late", date(2024, 2, 11))},
    ),
    (
        "the due day is report_due_day",
        5,
        [
            ("import", {"summary": summ("一车间")}, date(2024, 2, 5)),
            ("import", {"ledger": led("E2", "二车间")}, date(2024, 2, 6)),
        ],
        {"一车间": ("on_time", date(2024, 2, 5)), "二车间": ("late", date(2024, 2, 6))},
    ),
    (
        "a corrected report later leaves an on-time month on time",
        10,
        [
            ("import", {"summary": summ("一车间")}, date(2024, 2, 3)),
            ("import", {"summary": summ("一车间", participants=7)}, date(2024, 4, 1)),
        ],
        {"一车间": ("on_time", date(2024, 2, 3))},
    ),
    (
        "a batch dated before an earlier batch counts from its day",
        10,
        [
            ("import", {"ledger": led("E1", "一车间")}, date(2024, 3, 1)),
            ("import", {"ledger": led("E2", "一车间")}, date(2024, 2, 2)),
        ],
        {"一车间": ("on_time", date(2024, 2, 2))},
    ),
    (
        "undoing the first batch makes the next live batch first",
        10,
        [
            ("import", {"ledger": led("E1", "一车间")}, date(2024, 2, 5)),
            ("import", {"ledger": led("E2", "一车间")}, date(2024, 2, 20)),
            ("undo", 1),
        ],
        {"一车间": ("late", date(2024, 2, 20))},
    ),
    (
        "undoing the later batch keeps the first",
        10,
        [
            ("import", {"ledger": led("E1", "一车间")}, date(2024, 2, 5)),
            ("import", {"ledger": led("E2", "一车间")}, date(2024, 2, 20)),
            ("undo", 2),
        ],
        {"一车间": ("on_time", date(2024, 2, 5))},
    ),
    (
        "undoing every batch of a month leaves it missing",
        10,
        [("import", {"summary": summ("一车间")}, date(2024, 2, 5)), ("undo", 1)],
        {},
    ),
    (
        "a month with only certificate rows is no report",
        10,
        [
            (
                "import",
                {"certificates": [b.cert("E1", "张一", "一车间", "电工", "中级", date(2024, 1, 9))]},
                date(2024, 2, 1),
            )
        ],
        {},
    ),
]


def run_steps(store: Store, steps: list[tuple[Any, ...]]) -> list[int | None]:
    """Import the roster (undated: it stores no report), then each step; the batch id of each."""
    ids: list[int | None] = [store.commit(b.parsed("roster.xlsx", roster=ROSTER), "t").batch_id]
    for i, step in enumerate(steps, start=1):
        if step[0] == "undo":
            store.undo(ids[step[1]], "t")  # type: ignore[arg-type]
            ids.append(None)
        else:
            (result,) = store.commit_many([b.parsed(f"s{i}.xlsx", **step[1])], "t", received=step[2])
            ids.append(result.batch_id)
    return ids


def cells(sub: Any) -> dict[tuple[str, str], tuple[str, date | None]]:
    return {(r.unit, r.month): (r.state, r.first_received) for r in sub.itertuples()}


@pytest.mark.parametrize(("name", "due_day", "steps", "reported"), SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_first_received_decides_late_through_corrections_and_undo(
    store: Store, settings: Settings, name: str, due_day: int, steps: list[tuple[Any, ...]], reported: dict
) -> None:
    run_steps(store, steps)
    sub = m.submission_matrix(store, replace(settings, report_due_day=due_day), P, today=TODAY)
    expected = {(u["unit"], "2024-01"): reported.get(u["unit"], ("missing", None)) for u in ROSTER}
    expected |= {(u["unit"], "2024-02"): ("not_due", None) for u in ROSTER}
    assert cells(sub) == expected
    # status (what 报送率 and every other figure count) is untouched by lateness
    assert {(r.unit, r.month) for r in sub.itertuples() if r.status == "reported"} == {(u, "2024-01") for u in reported}
    assert set(sub["due"]) == {date(2024, 2, due_day), date(2024, 3, due_day)}
    chase = m.units_to_chase(sub, TODAY)
    assert chase == m.Chase(
        "2024-01",
        sorted((u for (u, mo), (s, _) in expected.items() if s == "missing"), key=m_pinyin),
        sorted((u for (u, mo), (s, _) in expected.items() if s == "late"), key=m_pinyin),
    )


def m_pinyin(name: str) -> str:
    from dashboard.names import pinyin_key

    return pinyin_key(name)


@pytest.mark.parametrize(
    ("today", "month", "state"),
    [
        (date(2024, 2, 10), None, "not_due"),  # January's due day: not yet missing
        (date(2024, 2, 11), "2024-01", "missing"),
    ],
)
def test_a_month_is_missing_only_after_its_due_day(
    store: Store, settings: Settings, today: date, month: str | None, state: str
) -> None:
    run_steps(store, [])
    sub = m.submission_matrix(store, settings, m.Selection(month_from="2024-01", month_to="2024-01"), today=today)
    assert set(sub["state"]) == {state}
    assert m.units_to_chase(sub, today).month == month


def test_an_undated_batch_is_received_today(store: Store, settings: Settings) -> None:
    """Without --received a batch is dated the day it is imported (the server's local date)."""
    run_steps(store, [])
    store.commit(b.parsed("jan.xlsx", summary=summ("一车间")), "t")
    assert store.batches()[0].received_on == date.today()
    sub = m.submission_matrix(store, settings, P, today=date.today())
    assert cells(sub)[("一车间", "2024-01")] == ("late", date.today())


def test_a_dry_run_and_an_unchanged_reimport_record_nothing(store: Store) -> None:
    run_steps(store, [("import", {"summary": summ("一车间")}, date(2024, 2, 1))])
    before = _batch_months(store)
    store.commit_many([b.parsed("again.xlsx", summary=summ("一车间"))], "t", received=date(2024, 1, 31))
    store.commit_many([b.parsed("dry.xlsx", summary=summ("二车间"))], "t", dry_run=True, received=date(2024, 1, 1))
    assert _batch_months(store) == before


def _batch_months(store: Store) -> list[tuple[Any, ...]]:
    with store.engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(sa.select(db.batch_months)))


def test_revision_0009_fills_batch_months_from_the_stored_batches(store: Store, db_url: str, settings) -> None:
    """A store at 0007 with batches opens at 0009 with every unit-month each batch stored (from
    its undo images) and no received date: the day each batch was created counts."""
    steps = [
        ("import", {"summary": summ("一车间"), "ledger": led("E1", "一车间") + led("E2", "二车间")}, date(2024, 2, 1)),
        ("import", {"summary": summ("一车间", participants=7)}, date(2024, 2, 2)),
        ("import", {"ledger": [b.ledger("E3", "张三", "办公室", "2024-02", 1, 1)]}, date(2024, 3, 1)),
    ]
    run_steps(store, steps)
    written = _batch_months(store)
    assert [r[:2] for r in written] == [
        ("2024-01", "一车间"),
        ("2024-01", "一车间"),
        ("2024-01", "二车间"),
        ("2024-02", "办公室"),
    ]
    store.close()
    engine = sa.create_engine(db_url)
    try:
        with engine.begin() as conn:
            command.downgrade(_alembic_config(conn), "0007")
        with engine.connect() as conn:
            assert "batch_months" not in sa.inspect(conn).get_table_names()
            assert "received_on" not in {c["name"] for c in sa.inspect(conn).get_columns("import_batches")}
    finally:
        engine.dispose()
    again = Store.open(db_url)
    try:
        assert _batch_months(again) == written
        created = {bt.id: bt.created_at.date() for bt in again.batches()}
        assert all(bt.received_on is None for bt in again.batches())
        sub = m.submission_matrix(again, settings, P, today=TODAY)
        first = created[min(r[2] for r in written if r[1] == "一车间")]
        assert cells(sub)[("一车间", "2024-01")] == ("late" if first > date(2024, 2, 10) else "on_time", first)
    finally:
        again.close()


# ---- the command line -------------------------------------------------------------------------


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def _csv(path: Path) -> Path:
    path.write_text(
        "单位,月份,职工人数,参学人数,培训场次,培训人次,培训学时,取证人数\n一车间,2024-01,10,5,1,5,20,0\n", "utf-8"
    )
    return path


def test_import_received_dates_the_batch(tmp_path: Path, settings: Settings) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    code, _, err = run("import", str(_csv(tmp_path / "jan.csv")), "--db", url, "--received", "2024-02-12")
    assert code == 0, err
    store = Store.open(url)
    try:
        assert store.batches()[0].received_on == date(2024, 2, 12)
        sub = m.submission_matrix(store, settings, m.Selection(month_from="2024-01", month_to="2024-01"), TODAY)
        assert cells(sub) == {("一车间", "2024-01"): ("late", date(2024, 2, 12))}
    finally:
        store.close()


TOMORROW = (date.today() + timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("value", "lang", "message"),
    [
        ("2024-02-30", "zh", "收到日期「2024-02-30」无法识别：请写成 年-月-日，例如 2025-02-08"),
        ("20240212", "zh", "收到日期「20240212」无法识别：请写成 年-月-日，例如 2025-02-08"),
        ("2024/2/12", "en", '--received "2024/2/12" is not a date: write it as YYYY-MM-DD, e.g. 2025-02-08'),
        (TOMORROW, "zh", f"收到日期 {TOMORROW} 晚于今天"),
        (TOMORROW, "en", f"--received {TOMORROW} is after today"),
    ],
)
def test_a_bad_received_date_is_refused_before_anything_is_read(
    tmp_path: Path, value: str, lang: str, message: str
) -> None:
    db_path = tmp_path / "cli.db"
    code, out, err = run(
        "import", str(_csv(tmp_path / "jan.csv")), "--db", f"sqlite:///{db_path}", "--received", value, "--lang", lang
    )
    assert (code, out, err) == (2, "", message + "\n")
    assert not db_path.exists()


def test_sync_takes_received_too() -> None:
    from dashboard.cli import build_parser

    args = build_parser().parse_args(["sync", "--received", "2024-02-01"])
    assert args.received == "2024-02-01"


# ---- settings ---------------------------------------------------------------------------------


def _raw() -> dict[str, Any]:
    return tomllib.loads((ROOT / "config.toml").read_text("utf-8"))


@pytest.mark.parametrize(("value", "problem"), [(None, None), (1, None), (28, None), (0, "0"), (29, "29")])
def test_report_due_day_is_a_day_every_month_has(value: int | None, problem: str | None) -> None:
    raw = _raw()
    if value is None:
        raw["campaign"].pop("report_due_day", None)
    else:
        raw["campaign"]["report_due_day"] = value
    if problem is None:
        assert parse_settings(raw).report_due_day == (10 if value is None else value)
        return
    with pytest.raises(SettingsError) as e:
        parse_settings(raw)
    assert (e.value.key, e.value.problem) == ("campaign.report_due_day", f"expected a day from 1 to 28, got {problem}")


def test_report_due_day_must_be_a_whole_number() -> None:
    raw = _raw()
    raw["campaign"]["report_due_day"] = "10"
    with pytest.raises(SettingsError) as e:
        parse_settings(raw)
    assert (e.value.key, e.value.problem) == ("campaign.report_due_day", "expected int, got '10'")


def test_the_shipped_config_says_10() -> None:
    assert load_settings(ROOT / "config.toml").report_due_day == 10
