"""Top learners (DESIGN §4): U's people ranked by Σ points desc, Σ hours desc, 工号 over P.

Owns ``top_learners``, ``top_rows`` (the summary's top learners too) and ``TOP_COLUMNS``. Summed
from ``learner_years`` (one row per person, unit and year; see docs/ARCHITECTURE.md), in the
steps ``top_rows`` names:

1. ``LearnerYearSql``: the SQL of P over a learner_years row (Σ points and Σ hours of P's month
   columns, months with a row, the last of them, the rows of U in P).
2. ``person_sums``: one row per person; inside one year a person with one learner_years row is
   read as it is and only the people who moved units are grouped, and a leaderboard of n first
   finds its floor (``leaderboard_floor``) so the costly sort sees only the people above it.
3. ``ranked``: ordered on rounded sums (the same ties on every database); LIMIT n, or every
   person ranked and then the search applied, so a match keeps its overall rank.
4. ``months_from_masks``, ``names_from_ledger``, ``with_departments``: what the sums leave open.

Imports ``selection``, ``plain`` and the store's tables (read as ``db.TOP_KEEP`` at call time).
"""

from __future__ import annotations

import functools
import operator
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from dashboard.metrics.plain import fetch_plain, tidy
from dashboard.metrics.selection import (
    Selection,
    any_bit,
    in_units,
    month_mask,
    period_of,
    unit_conditions,
    year_months,
)
from data_sources import store as db

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from dashboard.config import Settings
    from data_sources.store import Store

TOP_COLUMNS = ["rank", "employee_id", "name", "unit", "department", "points", "hours", "months"]
TIE_MARGIN = 2000  # people past the n-th in the first pass of the leaderboard

# a person's row while it is made (lists, one per person: no objects), in the order of the
# columns of person_sums, then the rank
EMPLOYEE, POINTS, HOURS, MONTHS, LAST_MONTH, N_ROWS, UNIT, NAME, VARY, ROW_MASK, RANK = range(11)


def top_learners(
    store: Store, settings: Settings, selection: Selection, n: int | None = None, search: str | None = None
) -> pd.DataFrame:
    """The leaderboard (rank over the whole selection); ``search`` filters by 工号/姓名 and keeps
    each person's overall rank, and then returns every match unless ``n`` is given."""
    import pandas as pd

    sel, first, last = period_of(store, selection)
    if n is None and not search:
        n = settings.top_learners
    with store.engine.connect() as conn:
        rows = top_rows(conn, sel, first, last, n, search)
    return pd.DataFrame(rows, columns=TOP_COLUMNS)


def top_rows(
    conn: sa.Connection, sel: Selection, first: str, last: str, n: int | None, search: str | None
) -> list[tuple[Any, ...]]:
    """Σ points desc, Σ hours desc, 工号 asc over U's ledger rows in P; name/unit of the latest row.

    The name and unit of a person's latest row in P are the row's own when the person has one
    learner_years row in P that carries one name; otherwise (moved units, changed name, P across
    years) they are looked up in ledger_rows by (工号, last month) — a primary-key read for the few
    people who need it. Tuples in ``TOP_COLUMNS`` order.
    """
    p = LearnerYearSql.of(sel, first, last)
    per = person_sums(conn, p, n, search)
    rows = ranked(conn, per, n, search)
    months_from_masks(rows, p)
    rows = names_from_ledger(conn, rows, search)
    if search and n is not None:
        rows = rows[:n]
    return with_departments(conn, rows)


# ---- 1. the SQL of P over learner_years ---------------------------------------------------


@dataclass(frozen=True)
class LearnerYearSql:
    """What one learner_years row adds to a person's figures in P, as SQL expressions."""

    sel: Selection
    years: dict[str, list[str]]  # P as {year: its months "01".."12"}
    points: Any  # Σ of P's points_MM columns (of the row's year)
    hours: Any
    months: Any  # the months of P in which the row has a ledger row
    last_month: Any  # the last of them, "YYYY-MM"
    in_selection: Any  # the row is in U and has a ledger row in P
    alone: Any  # the person has one learner_years row in the year

    @property
    def one_year(self) -> bool:
        return len(self.years) == 1

    @classmethod
    def of(cls, sel: Selection, first: str, last: str) -> LearnerYearSql:
        ly = db.learner_years
        years = year_months(first, last)
        one_year = len(years) == 1

        def by_year(expr: Any) -> Any:
            """expr(year, months) for the row's year (a CASE when P spans years)."""
            if one_year:
                y, ms = next(iter(years.items()))
                return expr(y, ms)
            return sa.case(*[(ly.c.year == y, expr(y, ms)) for y, ms in years.items()], else_=None)

        def month_sum(prefix: str) -> Any:
            return by_year(lambda _y, ms: functools.reduce(operator.add, [ly.c[f"{prefix}_{m}"] for m in ms]))

        def row_months(_y: str, ms: list[str]) -> Any:
            return functools.reduce(operator.add, [sa.case((any_bit(ly.c.row_mask, [m]), 1), else_=0) for m in ms])

        latest = [(y, m) for y, ms in years.items() for m in ms][::-1]
        last_month = sa.case(
            *[
                (
                    any_bit(ly.c.row_mask, [m]) if one_year else sa.and_(ly.c.year == y, any_bit(ly.c.row_mask, [m])),
                    f"{y}-{m}",
                )
                for y, m in latest
            ],
            else_=None,
        )
        in_selection = sa.and_(
            in_units(ly.c.unit, sel),
            sa.or_(*[sa.and_(ly.c.year == y, any_bit(ly.c.row_mask, ms)) for y, ms in years.items()]),
        )
        # "+ 0": one learner_years row is most of the year, read in key order, never through the
        # (year, person_rows) index that finds the few people who moved
        alone = (ly.c.person_rows + 0) == 1
        return cls(
            sel, years, month_sum("points"), month_sum("hours"), by_year(row_months), last_month, in_selection, alone
        )


# ---- 2. one row per person ----------------------------------------------------------------


def person_sums(conn: sa.Connection, p: LearnerYearSql, n: int | None, search: str | None) -> sa.Subquery:
    """One row per person of U with a ledger row in P: 工号, Σ points, Σ hours, months, last month,
    learner_years rows, unit, name, whether the names vary, and the row mask (of a person with one
    row, whose months and last month are then read from the mask in Python)."""
    ly = db.learner_years
    no_int, no_text = sa.cast(sa.null(), sa.Integer), sa.cast(sa.null(), sa.String)
    grouped = sa.select(
        ly.c.employee_id,
        sa.func.sum(p.points).label("points"),
        sa.func.sum(p.hours).label("hours"),
        sa.func.sum(p.months).label("months"),
        sa.func.max(p.last_month).label("last_month"),
        sa.func.count().label("n_rows"),
        sa.func.max(ly.c.unit).label("unit"),
        sa.func.max(ly.c.name).label("name"),
        sa.func.max(sa.case((ly.c.names_vary, 1), else_=0)).label("vary"),
        no_int.label("row_mask"),
    ).group_by(ly.c.employee_id)
    if not p.one_year:
        return grouped.where(p.in_selection).subquery()
    # inside one year most people have one learner_years row (they stayed in one unit): their
    # figures are that row's (months and last month from its mask, in Python), no GROUP BY;
    # only the people who moved are grouped
    single = sa.select(
        ly.c.employee_id,
        p.points.label("points"),
        p.hours.label("hours"),
        no_int.label("months"),
        no_text.label("last_month"),
        sa.literal(1, sa.Integer).label("n_rows"),
        ly.c.unit,
        ly.c.name,
        sa.case((ly.c.names_vary, 1), else_=0).label("vary"),
        ly.c.row_mask,
    )
    multi = grouped.where(p.in_selection, ly.c.person_rows > 1)
    if n is not None and n <= db.TOP_KEEP and not search:
        floor, cands = leaderboard_floor(conn, p, n)
        if cands is not None:
            # only these people, by 工号: "year || ''" keeps SQLite (no statistics) on
            # (employee_id, year) instead of the primary key's whole year
            ((y, ms),) = p.years.items()
            year = ly.c.year.concat("") if conn.dialect.name == "sqlite" else ly.c.year
            in_year = sa.and_(year == y, any_bit(ly.c.row_mask, ms))
            single = single.where(in_units(ly.c.unit, p.sel), in_year, p.alone, ly.c.employee_id.in_(cands))
        else:
            single = single.where(p.in_selection, p.alone, *([p.points >= floor] if floor is not None else []))
        if floor is not None:
            multi = multi.having(sa.func.sum(p.points) >= floor)
    else:
        single = single.where(p.in_selection, p.alone)
    return sa.union_all(single, multi).subquery()


def leaderboard_floor(conn: sa.Connection, p: LearnerYearSql, n: int) -> tuple[float | None, Any]:
    """The floor of a one-year leaderboard of n and who can reach it: from learner_tops when P is
    a month, a quarter or the year and U the whole organisation, else in one pass."""
    ((y, ms),) = p.years.items()
    block = next((b for b, bm in db.BLOCKS.items() if list(bm) == ms), None)
    if block is not None and not unit_conditions(p.sel):
        return kept_candidates(conn, y, block, n)
    return top_candidates(conn, p.points, p.in_selection, p.alone, n)


def kept_candidates(conn: sa.Connection, year: str, block: str, n: int) -> tuple[float | None, Any]:
    """What ``top_candidates`` finds, from learner_tops: P is a month, a quarter or the year and U
    the whole organisation, so the people who can rank are kept there already. The 工号 come as a
    subquery (a list of a thousand binds costs more to send than the query takes)."""
    lt = db.learner_tops
    kept = sa.and_(lt.c.year == year, lt.c.block == block)
    floor = conn.execute(
        sa.select(lt.c.points).where(kept).order_by(lt.c.points.desc()).limit(1).offset(n - 1)
    ).scalar()
    floor = None if floor is None else float(floor) - 1e-5
    return floor, sa.select(lt.c.employee_id).where(kept, *([lt.c.points >= floor] if floor is not None else []))


def top_candidates(
    conn: sa.Connection, pts: Any, in_sel: Any, alone: Any, n: int
) -> tuple[float | None, list[str] | None]:
    """The floor of a one-year leaderboard of n, and the people with one row who reach it.

    The n-th largest raw Σ points bounds the leaderboard from below: whoever ranks in the top n on
    the rounded sums has at least that minus the rounding (the floor), so the costly sort only
    sees the people above it. One pass over the year finds it: a top-n heap of the raw sums of the
    people with one row (工号 and sum only, ``n + TIE_MARGIN`` of them: points tie a lot) plus the
    sums of the few who moved (through the (year, person_rows) index). The 工号 list is returned
    when the heap holds everyone with one row at or above the floor (None: filter by the floor).
    """
    ly = db.learner_years
    limit = n + TIE_MARGIN
    tops = fetch_plain(
        conn, sa.select(ly.c.employee_id, pts.label("p")).where(in_sel, alone).order_by(pts.desc()).limit(limit)
    )
    moved = fetch_plain(
        conn,
        sa.select(sa.func.sum(pts)).where(in_sel, ly.c.person_rows > 1).group_by(ly.c.employee_id),
    )
    sums = sorted([float(t[1]) for t in tops[:n]] + [float(t[0]) for t in moved], reverse=True)
    floor = sums[n - 1] - 1e-5 if len(sums) >= n else None
    if len(tops) < limit or (floor is not None and float(tops[-1][1]) < floor):
        cands = [t[0] for t in tops if floor is None or float(t[1]) >= floor]
        if len(cands) <= max_binds(conn):
            return floor, cands
    return floor, None


def max_binds(conn: sa.Connection) -> int:
    """How many values one IN list may bind: SQLite before 3.32 allows 999 in a statement."""
    if conn.dialect.name == "sqlite":
        import sqlite3

        return 30000 if sqlite3.sqlite_version_info >= (3, 32) else db.CHUNK
    return 30000


# ---- 3. ranked ----------------------------------------------------------------------------


def ranked(conn: sa.Connection, per: sa.Subquery, n: int | None, search: str | None) -> list[list[Any]]:
    """The people of ``per`` in rank order, each a list ending with its rank: the first n, or
    everyone who matches ``search`` (or may match: the name of a person whose latest row
    learner_years cannot tell is looked up afterwards)."""
    # rank on rounded sums so float noise cannot break a tie differently per database
    rp, rh = rounded(per.c.points, conn), rounded(per.c.hours, conn)
    order = (rp.desc(), rh.desc(), code_point_order(per.c.employee_id, conn).asc())
    if n is not None and not search:
        # the leaderboard: ORDER BY … LIMIT n lets the database keep a top-n heap instead of a sort
        q = sa.select(per).order_by(*order).limit(n)
        return [[*r, i] for i, r in enumerate(fetch_plain(conn, q), start=1)]
    # every person ranked, then filtered: a match keeps its overall rank
    rank = sa.select(per, sa.func.row_number().over(order_by=order).label("rank")).subquery()
    q = sa.select(rank).order_by(rank.c.rank)
    if search:
        # contains(autoescape=True): a % or _ typed in the search box is a character, not a wildcard
        term = search.strip()
        exact = sa.and_(rank.c.n_rows == 1, rank.c.vary == 0)
        # the people whose name is not known yet stay candidates until looked up below
        q = q.where(
            sa.or_(
                rank.c.employee_id.contains(term, autoescape=True),
                sa.not_(exact),
                rank.c.name.contains(term, autoescape=True),
            )
        )
    return [list(r) for r in fetch_plain(conn, q)]


def rounded(col: Any, conn: sa.Connection) -> Any:
    """A sum rounded to 6 decimals in SQL, the cheapest way each database does it exactly alike:
    SQLite round(x, 6) (a CAST to NUMERIC would change nothing), PostgreSQL a cast to
    NUMERIC(18, 6) (which rounds by itself), elsewhere ROUND(CAST(x AS NUMERIC(18, 6)), 6)."""
    name = conn.dialect.name
    if name == "sqlite":
        return sa.func.round(col, 6)
    if name == "postgresql":
        return sa.cast(col, sa.Numeric(18, 6))
    return sa.func.round(sa.cast(col, sa.Numeric(18, 6)), 6)


def code_point_order(col: Any, conn: sa.Connection) -> Any:
    """Order 工号 by code point on every database (PostgreSQL/MySQL collations would not)."""
    name = conn.dialect.name
    if name == "postgresql":
        return sa.collate(col, "C")
    if name in ("mysql", "mariadb"):
        return sa.collate(col, "utf8mb4_bin")
    return col


# ---- 4. what the sums leave open ----------------------------------------------------------


def months_from_masks(rows: list[list[Any]], p: LearnerYearSql) -> None:
    """Months and last month of the people read from one learner_years row, from its mask."""
    if not p.one_year:
        return
    ((y, ms),) = p.years.items()
    pmask = month_mask(ms)
    for r in rows:
        if r[MONTHS] is None:
            bits = int(r[ROW_MASK]) & pmask
            r[MONTHS] = bits.bit_count()
            r[LAST_MONTH] = f"{y}-{bits.bit_length():02d}"


def names_from_ledger(conn: sa.Connection, rows: list[list[Any]], search: str | None) -> list[list[Any]]:
    """Name and unit of the latest row for the people learner_years cannot tell exactly (several
    rows in P, or names that vary), by (工号, last month) from ledger_rows; with ``search``, the
    people whose looked-up row does not match are dropped."""
    unsure = [r for r in rows if r[N_ROWS] != 1 or r[VARY]]
    if not unsure:
        return rows
    lr = db.ledger_rows
    match = sa.true()
    if search:
        term = search.strip()
        match = sa.or_(lr.c.employee_id.contains(term, autoescape=True), lr.c.name.contains(term, autoescape=True))
    found: dict[tuple[str, str], Any] = {}
    by_month: dict[str, list[str]] = defaultdict(list)
    for r in unsure:
        by_month[r[LAST_MONTH]].append(r[EMPLOYEE])
    for month, emps in by_month.items():
        for chunk in db._chunks(sorted(emps)):
            q = sa.select(lr.c.employee_id, lr.c.name, lr.c.unit, sa.case((match, 1), else_=0)).where(
                lr.c.month == month, lr.c.employee_id.in_(chunk)
            )
            for x in conn.execute(q).all():
                found[(x[0], month)] = x
    missed = set()
    for r in unsure:
        x = found[(r[EMPLOYEE], r[LAST_MONTH])]
        r[NAME], r[UNIT] = x[1], x[2]
        if not x[3]:
            missed.add(r[EMPLOYEE])
    if search and missed:
        return [r for r in rows if r[EMPLOYEE] not in missed]
    return rows


def with_departments(conn: sa.Connection, rows: list[list[Any]]) -> list[tuple[Any, ...]]:
    """The rows in ``TOP_COLUMNS`` order, with the department of each person's unit."""
    u = db.units
    depts: dict[str, str | None] = {}
    for chunk in db._chunks(sorted({r[UNIT] for r in rows})):
        depts.update(conn.execute(sa.select(u.c.name, u.c.department).where(u.c.name.in_(chunk))).all())
    return [
        (
            int(r[RANK]),
            r[EMPLOYEE],
            r[NAME],
            r[UNIT],
            depts.get(r[UNIT]),
            tidy(r[POINTS]),
            tidy(r[HOURS]),
            int(r[MONTHS]),
        )
        for r in rows
    ]
