"""``python -m dashboard bench``: how fast the pages' figures and an import are on a large
organisation, on SQLite and on PostgreSQL, in one run.

It builds the organisation straight into the store tables (``Store.bulk_load``: rows generated in
chunks, the derived tables recomputed in bulk), times the metric calls each page makes (the median
of ``repeat`` runs after one warm-up, for a month, a quarter and the campaign year), imports a real
ledger .xlsx written with openpyxl end to end (read, validate, commit) next to
``pandas.read_excel(engine="openpyxl")`` reading the same file, and reports the peak memory of the
process. Nothing here is asserted in a test: speed depends on the machine.
"""

from __future__ import annotations

import dataclasses
import os
import resource
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TextIO

import sqlalchemy as sa

from dashboard import metrics as m
from dashboard.config import Settings
from dashboard.evaluation import evaluate
from data_sources.schema import LEVELS, Kind, milestone_year

PG_ENVS = ("DASHBOARD_BENCH_PG_URL", "DASHBOARD_TEST_PG_URL")
PG_DATABASE = "dashboard_bench"
PAGE_GOAL_MS = 300.0
# issue 13: the import (read + validate + store) at most this share of the openpyxl read, per store
IMPORT_GOALS = {"SQLite": 0.35, "PostgreSQL": 0.30}
MEMORY_GOAL_MB = 1024.0

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
UNIT_TYPES = ("车间", "科室", "班组", "机关")


@dataclasses.dataclass(frozen=True)
class Org:
    """The generated organisation: units, staff spread evenly over them, consecutive months."""

    units: int
    staff: int
    months: tuple[str, ...]

    def unit(self, i: int) -> str:
        return f"单位{i:04d}"

    def home(self, person: int) -> int:
        return person * self.units // self.staff

    def employee(self, person: int) -> str:
        return f"E{person:06d}"

    def name(self, person: int) -> str:
        return SURNAMES[person % len(SURNAMES)] + GIVEN[(person // 7) % len(GIVEN)] + GIVEN[(person // 3) % len(GIVEN)]

    def ledger_row(self, person: int, k: int, month: str) -> dict[str, Any]:
        """Person ``person`` in month number ``k`` (every person has a row every month, one month
        in nine without hours); one person in 97 moves to the next unit half-way, one in 389
        changes the name late."""
        unit = self.home(person)
        if person % 97 == 0 and k >= len(self.months) // 2:
            unit = (unit + 1) % self.units
        name = self.name(person) + ("新" if person % 389 == 0 and k >= 3 * len(self.months) // 4 else "")
        return {
            "employee_id": self.employee(person),
            "month": month,
            "name": name,
            "unit": self.unit(unit),
            "hours": ((person * 7 + k * 3) % 9) * 0.5,  # 0 in one month of nine
            "points": ((person * 13 + k * 5) % 21) * 0.5 + (person % 5) * 0.25,
            "attendance": (person + k) % 4,
        }


def _months(year: int, n: int) -> tuple[str, ...]:
    """The ``n`` months that end with December of the campaign year."""
    return tuple(m.add_months(f"{year}-12", -i) for i in range(n - 1, -1, -1))


# A city federation's departments: its 区县 and 产业 federations (DESIGN §5 "at scale").
DISTRICTS = "东城 西城 朝阳 海淀 丰台 石景山 门头沟 房山 通州 顺义 昌平 大兴 怀柔 平谷 密云 延庆"
INDUSTRIES = "机械冶金 能源化工 建设 交通运输 邮电 商贸 金融 教育 卫生 农林水 文化体育 科技 旅游 国防"
DEPARTMENTS = (*(f"{d}区总工会" for d in DISTRICTS.split()), *(f"{d}产业工会" for d in INDUSTRIES.split()))
DEPARTMENT_UNITS = (5, 80)  # a department's units: from a few to a large 区县


def department_sizes(units: int, seed: int = 13) -> list[int]:
    """How many units each department has: about 33 units a department (30 at 1,000 units), each
    between 5 and 80 where the total allows, drawn with a fixed seed so every run builds the same
    organisation."""
    import random

    rng = random.Random(seed)
    n = max(1, min(len(DEPARTMENTS), round(units / 33)))
    lo, hi = min(DEPARTMENT_UNITS[0], units // n), max(DEPARTMENT_UNITS[1], -(-units // n))
    sizes = [rng.randint(lo, hi) for _ in range(n)]
    while sum(sizes) != units:  # one unit at a time, to a department that may still take it
        step = 1 if sum(sizes) < units else -1
        k = rng.randrange(n)
        if lo <= sizes[k] + step <= hi:
            sizes[k] += step
    return sizes


def departments(units: int) -> list[str]:
    """Each unit's department (unit i's at index i): consecutive units, ``department_sizes`` each."""
    out: list[str] = []
    for name, size in zip(DEPARTMENTS, department_sizes(units), strict=False):
        out.extend([name] * size)
    return out


def _roster(org: Org) -> Iterator[dict[str, Any]]:
    per = org.staff // org.units
    depts = departments(org.units)
    for i in range(org.units):
        yield {
            "name": org.unit(i),
            "department": depts[i],
            "unit_type": UNIT_TYPES[i % len(UNIT_TYPES)],
            "is_pilot": i % 10 == 0,
            "headcount": per + i % 3,
            "auto_added": False,
        }


def _ledger(org: Org) -> Iterator[dict[str, Any]]:
    for k, month in enumerate(org.months):
        for p in range(org.staff):
            yield org.ledger_row(p, k, month)


def _summary(org: Org) -> Iterator[dict[str, Any]]:
    per = org.staff // org.units
    for k, month in enumerate(org.months):
        for i in range(org.units):
            yield {
                "unit": org.unit(i),
                "month": month,
                "headcount": per + i % 3,
                "participants": per * (85 + (i + k) % 15) // 100,
                "sessions": 1 + (i + k) % 4,
                "person_times": per + (i * k) % 50,
                "hours": float(per * 2 + (i + k) % 40),
                "certificates": (i + k) % 5,
                "suggestions": (i * 3 + k) % 7,
                # 考核评比's funds ratio: one unit in seven leaves them blank
                "training_funds": None if i % 7 == 0 else float(per * 8_000 * (10 + i % 20) // 1000),
                "payroll": None if i % 7 == 0 else float(per * 8_000),
            }


def _certificates(org: Org, n: int) -> Iterator[dict[str, Any]]:
    names = ("电工", "焊工", "钳工", "叉车", "安全员", "质检员")
    step = max(1, org.staff // max(1, n))
    for j, p in enumerate(range(0, org.staff, step)):
        month = org.months[j % len(org.months)]
        yield {
            "employee_id": org.employee(p),
            "cert_name": names[j % len(names)],
            "cert_date": date(int(month[:4]), int(month[5:7]), 1 + j % 28),
            "name": org.name(p),
            "unit": org.unit(org.home(p)),
            "level": LEVELS[j % len(LEVELS)],
        }


def _milestones(org: Org, settings: Settings) -> Iterator[dict[str, Any]]:
    items = [ms for ph in settings.phases for ms in ph.milestones]
    for i in range(org.units):
        for j, ms in enumerate(items):
            done = ms.due - timedelta(days=(i * 7 + j) % 20) if (i + j) % 5 else None
            yield {
                "unit": org.unit(i),
                "milestone": ms.name,
                "phase": ms.phase,
                "planned_date": None,
                "done_date": done,
                "year": milestone_year(done, None, settings.year),
            }


def build(store: Any, org: Org, settings: Settings) -> dict[str, int]:
    """The organisation into an empty store, by bulk loads; rows per kind."""
    return {
        "roster": store.bulk_load(Kind.ROSTER, _roster(org)),
        "summary": store.bulk_load(Kind.SUMMARY, _summary(org)),
        "ledger": store.bulk_load(Kind.LEDGER, _ledger(org)),
        "certificates": store.bulk_load(Kind.CERTIFICATES, _certificates(org, org.staff // 5)),
        "milestones": store.bulk_load(Kind.MILESTONES, _milestones(org, settings)),
    }


# ---- the pages ----------------------------------------------------------------------------

PAGES = ("总览", "单位排名", "单位详情", "学习标兵", "阶段进度", "报送情况", "考核评比")
LEADERBOARD_ROWS = 500  # pages/learners.py: the leaderboard table below the chart


def page_calls(store: Any, settings: Settings, sel: m.Selection, unit: str) -> dict[str, Callable[[], Any]]:
    """The metric calls each page makes (pages/*.py), plus the sidebar's filter options and the
    "data as of" line every page shows."""
    today = date.today()
    one = m.Selection(units=(unit,), month_from=sel.month_from, month_to=sel.month_to)

    def common() -> None:
        m.filter_options(store)
        store.data_as_of()

    def overview() -> None:
        common()
        # summary, unit_table, milestone_matrix, monthly and top_learners in one call, then the KPIs
        # of the previous period (环比) and of last year (同比); the briefing's submissions grid only
        # when it is clicked
        m.overview(store, settings, sel, today)
        m.earlier_kpis(store, settings, sel.previous(), today)
        m.earlier_kpis(store, settings, sel.same_period_last_year(), today)

    def units() -> None:
        common()
        m.unit_table(store, settings, sel)

    def unit_detail() -> None:
        common()
        m.unit_table(store, settings, one)
        m.summary(store, settings, one, today)
        m.earlier_kpis(store, settings, one.previous(), today)
        m.earlier_kpis(store, settings, one.same_period_last_year(), today)
        m.monthly(store, settings, one)
        m.milestone_matrix(store, settings, one)
        m.top_learners(store, settings, one, 100000)
        m.data_quality(store, settings, one)

    def learners() -> None:
        common()
        m.top_learners(store, settings, sel, settings.top_learners)
        m.top_learners(store, settings, sel, LEADERBOARD_ROWS)

    def phases() -> None:
        common()
        m.milestone_matrix(store, settings, sel)

    def submissions() -> None:
        common()
        m.submission_matrix(store, settings, sel, today)

    def evaluation() -> None:
        common()
        evaluate(store, settings, sel)  # scores, vetoes and both shortlists

    fns = (overview, units, unit_detail, learners, phases, submissions, evaluation)
    return dict(zip(PAGES, fns, strict=True))


def _median_ms(fn: Callable[[], Any], repeat: int) -> float:
    fn()  # warm-up: connection pool, database cache, imports
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def time_pages(store: Any, settings: Settings, org: Org, repeat: int) -> dict[tuple[str, str], float]:
    last = org.months[-1]
    periods = {
        "month": (last, last),
        "quarter": (m.add_months(last, -2), last),
        "year": (m.add_months(last, -11), last),
    }
    out = {}
    for pname, (first, to) in periods.items():
        sel = m.Selection(month_from=first, month_to=to)
        for page, fn in page_calls(store, settings, sel, org.unit(org.units // 2)).items():
            out[(page, pname)] = _median_ms(fn, repeat)
    return out


# ---- the import ---------------------------------------------------------------------------


def write_ledger_xlsx(path: Path, org: Org, month: str, rows: int) -> int:
    """A ledger workbook (header + ``rows`` person rows of ``month``) written with openpyxl."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("学习台账")
    ws.append(["工号", "姓名", "单位", "月份", "培训学时", "学习积分", "出勤次数"])
    k = len(org.months)
    n = 0
    for p in range(rows):
        person = p % org.staff
        r = org.ledger_row(person, k, month)
        if p >= org.staff:  # more rows than staff: new people
            r = {**r, "employee_id": f"N{p:07d}"}
        ws.append([r["employee_id"], r["name"], r["unit"], month, r["hours"], r["points"], r["attendance"]])
        n += 1
    wb.save(path)
    return n


def time_import(store: Any, settings: Settings, path: Path, with_pandas: bool) -> dict[str, float]:
    """Seconds: pandas.read_excel(openpyxl) of the file, our read + validate, the commit, the undo."""
    from data_sources.importer import read_and_validate

    out: dict[str, float] = {}
    if with_pandas:
        import pandas as pd

        t0 = time.perf_counter()
        pd.read_excel(path, engine="openpyxl")
        out["openpyxl"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    with path.open("rb") as f:
        parsed = read_and_validate(f, path.name, settings)
    out["read"] = time.perf_counter() - t0
    if parsed.errors:
        raise RuntimeError(f"the benchmark workbook was rejected: {parsed.errors[:3]}")
    t0 = time.perf_counter()
    result = store.commit(parsed, "bench")
    out["commit"] = time.perf_counter() - t0
    out["rows"] = float(result.added + result.replaced + result.unchanged)
    t0 = time.perf_counter()
    store.undo(result.batch_id, "bench")  # leaves the store as built
    out["undo"] = time.perf_counter() - t0
    _vacuum(store)  # PostgreSQL: the rows undone are dead until autovacuum comes by
    out["floor"] = time_write_floor(store, parsed)
    return out


def time_write_floor(store: Any, parsed: Any) -> float:
    """Seconds for the writes any import of the file makes, and nothing else, rolled back: its
    ledger rows sent once to the database, inserted into ledger_rows and folded into learner_years
    (with the unit masks and leaderboards that touches). No diff, no batch, no undo images: a
    store step cannot cost less while the schema keeps learner_years, so an import goal below
    read + this is out of reach on the machine."""
    from data_sources.store.fold import add_learner_months, add_ledger_rows, ledger_stage
    from data_sources.store.rows import stored_row

    recs = [stored_row(s.kind, r, s) for s in parsed.sheets if s.kind is Kind.LEDGER for r in s.rows]
    with store.engine.connect() as conn, conn.begin() as tx:
        t0 = time.perf_counter()
        stage = ledger_stage(conn, recs, [True] * len(recs))
        add_ledger_rows(conn, stage)
        add_learner_months(conn, stage, {r["month"] for r in recs})
        elapsed = time.perf_counter() - t0
        tx.rollback()
    return elapsed


# ---- running it ---------------------------------------------------------------------------


def default_pg_url() -> str | None:
    for env in PG_ENVS:
        if os.environ.get(env):
            return os.environ[env]
    return None


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _count_ledger(store: Any) -> int:
    from data_sources.store import ledger_rows

    with store.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(ledger_rows)).scalar() or 0)


def _analyze(store: Any) -> None:
    """PostgreSQL: gather the planner's statistics after the bulk load, as autovacuum would on a
    production server (test servers often run without it; with no statistics at all the planner
    guesses every table holds a few rows). SQLite keeps none unless told, so it is left as is."""
    if store.engine.dialect.name == "postgresql":
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")


def _vacuum(store: Any) -> None:
    """PostgreSQL: VACUUM the tables an import writes, so the writes alone are timed on a store as
    clean as the import's (autovacuum would soon do it on a server in use)."""
    if store.engine.dialect.name == "postgresql":
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ledger_rows, learner_years")


@dataclasses.dataclass
class BackendResult:
    name: str
    build_s: float
    ledger_rows: int
    pages: dict[tuple[str, str], float]
    imp: dict[str, float] | None


def _run_backend(
    name: str, url: str, org: Org, settings: Settings, repeat: int, xlsx: Path | None, with_pandas: bool, log: TextIO
) -> BackendResult:
    from data_sources.store import Store

    store = Store.open(url)
    try:
        t0 = time.perf_counter()
        n = _count_ledger(store)
        if store.is_empty():
            log.write(f"[{name}] building the organisation …\n")
            log.flush()
            build(store, org, settings)
            n = _count_ledger(store)
        else:
            log.write(f"[{name}] reusing the stored organisation ({n:,} ledger rows)\n")
        _analyze(store)
        build_s = time.perf_counter() - t0
        log.write(f"[{name}] {n:,} ledger rows in {build_s:.1f} s; timing the pages …\n")
        log.flush()
        pages = time_pages(store, settings, org, repeat)
        imp = None
        if xlsx is not None:
            log.write(f"[{name}] importing {xlsx.name} …\n")
            log.flush()
            imp = time_import(store, settings, xlsx, with_pandas)
        return BackendResult(name, build_s, n, pages, imp)
    finally:
        store.close()


def _pg_database(admin_url: str, name: str, fresh: bool) -> str:
    """The URL of database ``name`` on the server of ``admin_url``: dropped and created again when
    ``fresh``, else created only if missing."""
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if fresh:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def _drop_pg_database(admin_url: str, name: str) -> None:
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def run(
    settings: Settings,
    out: TextIO,
    log: TextIO,
    units: int = 1000,
    staff: int = 100_000,
    months: int = 24,
    pg_url: str | None = None,
    sqlite_path: str | None = None,
    repeat: int = 5,
    skip_import: bool = False,
    import_rows: int = 100_000,
    keep: bool = False,
) -> int:
    """Run the benchmark and print its table; 0 when it ran (whether or not the goals are met)."""
    settings = dataclasses.replace(settings, max_upload_mb=max(settings.max_upload_mb, 1024))
    org = Org(units, staff, _months(settings.year, months))
    tmp = Path(tempfile.mkdtemp(prefix="dashboard-bench-"))
    results: list[BackendResult] = []
    notes: list[str] = []
    try:
        xlsx = None
        if not skip_import:
            xlsx = tmp / f"台账_{m.add_months(org.months[-1], 1)}.xlsx"
            log.write(f"writing {xlsx.name} ({import_rows:,} rows) with openpyxl …\n")
            log.flush()
            write_ledger_xlsx(xlsx, org, m.add_months(org.months[-1], 1), import_rows)
        # SQLite: --sqlite-path is kept (and reused when it already holds data), else a temp file
        db_path = Path(sqlite_path) if sqlite_path else tmp / "bench.db"
        results.append(_run_backend("SQLite", f"sqlite:///{db_path}", org, settings, repeat, xlsx, True, log))
        pg = pg_url if pg_url is not None else default_pg_url()
        if pg:
            # PostgreSQL: a database of our own on that server, dropped after (--keep: kept, reused)
            url = _pg_database(pg, PG_DATABASE, fresh=not keep)
            try:
                results.append(_run_backend("PostgreSQL", url, org, settings, repeat, xlsx, False, log))
            finally:
                if not keep:
                    _drop_pg_database(pg, PG_DATABASE)
        else:
            notes.append(f"PostgreSQL skipped: give --pg-url or set {' / '.join(PG_ENVS)}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _print(out, org, repeat, results, notes, import_rows if not skip_import else 0)
    return 0


def _pad(text: str, width: int) -> str:
    """Left-align counting a CJK character as two columns (a terminal's width)."""
    import unicodedata

    shown = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - shown)


def _print(
    out: TextIO, org: Org, repeat: int, results: list[BackendResult], notes: list[str], import_rows: int
) -> None:
    w = out.write
    n_rows = max((r.ledger_rows for r in results), default=0)
    w(
        f"\nbenchmark: {org.units:,} units, {org.staff:,} staff, {len(org.months)} months "
        f"({org.months[0]}..{org.months[-1]}), {n_rows:,} ledger rows; median of {repeat} runs\n\n"
    )
    periods = ("month", "quarter", "year")
    head = f"{'page figures (ms)':<22}" + "".join(f"{r.name + ' ' + p:>20}" for r in results for p in periods)
    w(head + "\n" + "-" * len(head) + "\n")
    for page in PAGES:
        w(_pad(page, 22))
        for r in results:
            for p in periods:
                w(f"{r.pages[(page, p)]:>20.0f}")
        w("\n")
    w("\n")
    for r in results:
        w(f"build ({r.name}, bulk load): {r.build_s:.1f} s\n")
    imps = [r for r in results if r.imp]
    if imps:
        ref = next((r.imp["openpyxl"] for r in imps if r.imp and "openpyxl" in r.imp), None)
        w(f"\nimport of a {import_rows:,}-row ledger .xlsx (s){'':<6}" + "".join(f"{r.name:>14}" for r in imps) + "\n")
        w(f"  {'pandas.read_excel(engine=openpyxl)':<40}" + "".join(f"{ref or 0:>14.2f}" for _ in imps) + "\n")
        rows = (
            ("read", "read + validate"),
            ("commit", "store (commit)"),
            ("undo", "undo of that batch"),
            ("floor", "the writes alone (rolled back)"),
        )
        for key, label in rows:
            w(f"  {label:<40}" + "".join(f"{r.imp[key]:>14.2f}" for r in imps if r.imp) + "\n")
        w(f"  {'import total (read + validate + store)':<40}")
        w("".join(f"{(r.imp['read'] + r.imp['commit']):>14.2f}" for r in imps if r.imp) + "\n")
        w(f"  {'ratio to the openpyxl read':<40}")
        w("".join(f"{(r.imp['read'] + r.imp['commit']) / ref:>13.2f}×" for r in imps if r.imp and ref) + "\n")
        w(f"  {'ratio of read + the writes alone':<40}")
        w("".join(f"{(r.imp['read'] + r.imp['floor']) / ref:>13.2f}×" for r in imps if r.imp and ref) + "\n")
    peak = _peak_mb()
    w(f"\npeak memory of the process (RSS): {peak:,.0f} MB\n")
    for note in notes:
        w(f"note: {note}\n")
    w("\ngoals\n")
    if imps and ref:
        for r in imps:
            ratio, goal = (r.imp["read"] + r.imp["commit"]) / ref, IMPORT_GOALS[r.name]
            floor = (r.imp["read"] + r.imp["floor"]) / ref
            w(
                f"- {r.name}: import ≤ {goal:.2f}× the openpyxl read: {'met' if ratio <= goal else 'not met'} "
                f"({ratio:.2f}×; read + the writes alone {floor:.2f}×)\n"
            )
            ok = r.imp["undo"] <= r.imp["commit"]
            w(
                f"- {r.name}: undo of that batch no slower than its store (commit): {'met' if ok else 'not met'} "
                f"({r.imp['undo']:.2f} s against {r.imp['commit']:.2f} s)\n"
            )
    else:
        w("- import: not measured (--skip-import)\n")
    for r in results:
        worst = max(r.pages.items(), key=lambda kv: kv[1])
        ok = worst[1] < PAGE_GOAL_MS
        w(
            f"- every page < {PAGE_GOAL_MS:.0f} ms median on {r.name} at {r.ledger_rows:,} ledger rows: "
            f"{'met' if ok else 'not met'} (slowest: {worst[0][0]} {worst[0][1]} {worst[1]:.0f} ms)\n"
        )
    w(f"- peak memory < {MEMORY_GOAL_MB:.0f} MB: {'met' if peak < MEMORY_GOAL_MB else 'not met'} ({peak:,.0f} MB)\n")
