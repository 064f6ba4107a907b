"""The ledger rows an import adds, and an undo of that import removes, folded into and out of
learner_years in SQL, month by month, the one the mirror of the other:

  import  ledger_stage: the added rows, sent once   undo  undo_stage: the keys and units of the
          (COPY on PostgreSQL, executemany else)         rows, taken from batch_ledger_adds by
                                                         the database (INSERT … SELECT)
          keep_in_step first (replaced rows)             remove_learner_months: per month the
          add_ledger_rows: INSERT … SELECT               month's columns zeroed and bits cleared
          add_learner_months: per month the month's      by UPDATE … FROM, a row holding only
          columns and bits set by UPDATE … FROM, new     that month deleted (DELETE … USING)
          rows by INSERT … SELECT … WHERE NOT EXISTS     remove_ledger_rows: DELETE … USING
                                                         keep_in_step after (restored rows)
          both: person_rows recounted for the people with a row of the year in another unit,
          the unit masks and leaderboards of the units and months folded recomputed

A row an import adds is a month its person had no row in (the ledger's key is (工号, month)), so
folding it in or out changes that month's columns and bits only: exactly what a rebuild gives,
but for the name of a person-year whose rows carry several (MAX(name) may fall when a month
goes). Undo folds out every row the batch added and then leaves to
``derived.recompute_learner_years`` those person-years and those of the rows it restores (a
rebuild after the fold gives the same as one instead of it). On PostgreSQL the fold statements
run with the stage ANALYZEd and ``enable_nestloop`` off: the planner's statistics know neither
the temporary table nor a year's rows added a moment ago, and a nested loop over them turns
100,000 rows into 10^10 probes; hash joins are right for any size.

Imports: ``tables``, ``bulk`` and ``derived``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_sources.store.bulk import chunks, insert_rows, temp_name
from data_sources.store.derived import LEARNER_YEAR_COLUMNS, recompute_learner_tops, recompute_unit_masks
from data_sources.store.tables import (
    BLOCKS,
    MONTHS,
    MYSQL_TABLE,
    batch_ledger_adds,
    learner_years,
    ledger_rows,
)

# ---- the stage --------------------------------------------------------------------------------


def _stage_table(conn: Connection, prefix: str, columns: Iterable[str] | None = None) -> sa.Table:
    """A temporary table of ledger_rows' columns (all nullable; or only ``columns``) and ``fold``:
    1 when the row is folded into or out of learner_years, 0 when not (an import: its person-year
    is rebuilt anyway)."""
    stage = sa.Table(
        temp_name(prefix),
        sa.MetaData(),
        *[sa.Column(c.name, c.type) for c in ledger_rows.columns if columns is None or c.name in columns],
        sa.Column("fold", sa.Integer()),
        prefixes=["TEMPORARY"],
        postgresql_on_commit="DROP",
        **MYSQL_TABLE,
    )
    stage.create(conn)
    return stage


def ledger_stage(conn: Connection, recs: list[dict[str, Any]], fold: list[bool]) -> sa.Table:
    """A temporary table holding the ledger rows an import adds, sent once from Python (COPY on
    PostgreSQL, executemany elsewhere); ledger_rows, learner_years and the undo images
    (``batches.stage_ledger_adds``) are then written from it by INSERT … SELECT and UPDATE … FROM
    in the database. ``fold``, per row: whether it is folded into learner_years incrementally (not
    when its person-year is rebuilt anyway)."""
    stage = _stage_table(conn, "_dash_stage")
    insert_rows(conn, stage, [{**r, "fold": int(f)} for r, f in zip(recs, fold, strict=True)])
    return stage


def undo_stage(conn: Connection, batch_id: int) -> tuple[sa.Table, set[str]]:
    """A temporary table holding the ledger rows a batch added, taken from ``batch_ledger_adds`` by
    the database (100,000 of them never travel through Python): 工号, month, the unit the row is
    stored under (a later batch did not change it: undo would be refused), fold = 1. Returns it
    and their months. (The rows it replaced are restored from their images and their
    person-years rebuilt: ``batches.undo_batch``.)"""
    stage = _stage_table(conn, "_dash_unstage", ("employee_id", "month", "unit"))
    adds = batch_ledger_adds
    added = sa.select(adds.c.employee_id, adds.c.month, adds.c.unit, sa.literal(1, sa.Integer())).where(
        adds.c.batch_id == batch_id
    )
    conn.execute(stage.insert().from_select(["employee_id", "month", "unit", "fold"], added))
    months = conn.execute(sa.select(stage.c.month).distinct()).scalars()
    return stage, set(months)


def stage_unit_months(conn: Connection, stage: sa.Table) -> set[tuple[str, str]]:
    """The (unit, month)s of the staged rows folded that are stored (what unit_months recomputes)."""
    q = sa.select(stage.c.unit, stage.c.month).where(stage.c.fold == 1, stage.c.unit.is_not(None)).distinct()
    return {(u, m) for u, m in conn.execute(q)}


def add_ledger_rows(conn: Connection, stage: sa.Table) -> None:
    """Insert the staged rows into ledger_rows, in key order (each B-tree page visited once)."""
    cols = [c.name for c in ledger_rows.columns]
    select = sa.select(*[stage.c[c] for c in cols]).order_by(stage.c.employee_id, stage.c.month)
    conn.execute(ledger_rows.insert().from_select(cols, select))


def remove_ledger_rows(conn: Connection, stage: sa.Table) -> None:
    """Delete the staged rows folded (fold = 1) from ledger_rows in one statement."""
    on = {"employee_id": stage.c.employee_id, "month": stage.c.month}
    _delete_joined(conn, ledger_rows, on, [], [stage.c.fold == 1])


def _delete_joined(
    conn: Connection, table: sa.Table, on: dict[str, Any], table_where: list[Any], stage_where: list[Any]
) -> None:
    """DELETE the rows of ``table`` (``table_where``) whose columns named in ``on`` equal a stage
    row's (``stage_where``): DELETE … USING on PostgreSQL and MySQL (a join: MariaDB before 11.1
    plans no IN subquery of a one-table DELETE as one), a row-value IN on SQLite (no DELETE …
    USING; it probes the table's key for each staged row)."""
    cols = [table.c[c] for c in on]
    if conn.dialect.name == "sqlite":
        sub = sa.select(*on.values()).where(*stage_where)
        conn.execute(table.delete().where(*table_where, sa.tuple_(*cols).in_(sub)))
    else:
        eq = [c == s for c, s in zip(cols, on.values(), strict=True)]
        conn.execute(table.delete().where(*eq, *table_where, *stage_where))


@contextmanager
def _steered(conn: Connection, stage: sa.Table) -> Iterator[None]:
    """PostgreSQL: the stage ANALYZEd and nested loops off for the fold statements inside."""
    steer = conn.dialect.name == "postgresql"
    if steer:
        conn.exec_driver_sql(f"ANALYZE {conn.dialect.identifier_preparer.format_table(stage)}")
        conn.exec_driver_sql("SET LOCAL enable_nestloop = off")
    yield
    if steer:  # not in a finally: after an error the transaction takes no more statements
        conn.exec_driver_sql("SET LOCAL enable_nestloop = on")


def _month_bit(month: str) -> tuple[str, str, int]:
    year, mm = month[:4], month[5:7]
    if mm not in MONTHS:  # it names a column: only "01".."12", never data
        raise ValueError(f"not a month: {month!r}")
    return year, mm, 1 << (int(mm) - 1)


# ---- folding in (an import) -------------------------------------------------------------------


def add_learner_months(conn: Connection, stage: sa.Table, months: Iterable[str]) -> None:
    """Fold the staged ledger rows (each a month its person had no row in) into learner_years
    without reading the ledger again, all in SQL: the month's columns and bits set on a stored
    (year, unit, 工号) row, or a new row. Exactly what a rebuild gives: the months' bits are new,
    MAX(name) and "names vary" only grow."""
    ly, k = learner_years, stage
    touched: set[tuple[str, str]] = set()
    blocks: dict[str, set[str]] = defaultdict(set)
    movers: dict[str, set[str]] = defaultdict(set)
    with _steered(conn, stage):
        for month in sorted(set(months)):
            year, mm, bit = _month_bit(month)
            here = sa.and_(k.c.month == month, k.c.fold == 1)
            same = sa.and_(ly.c.year == year, ly.c.unit == k.c.unit, ly.c.employee_id == k.c.employee_id)
            active = sa.case((k.c.hours > 0, bit), else_=0)
            # names_vary before name: MySQL evaluates SET left to right, each against the values
            # already set (SQLite and PostgreSQL use the old row throughout)
            conn.execute(
                ly.update()
                .where(same, here)
                .ordered_values(
                    (ly.c.names_vary, sa.or_(ly.c.names_vary, ly.c.name != k.c.name)),
                    (ly.c.name, sa.case((k.c.name > ly.c.name, k.c.name), else_=ly.c.name)),
                    (ly.c[f"points_{mm}"], k.c.points),
                    (ly.c[f"hours_{mm}"], k.c.hours),
                    (ly.c.row_mask, ly.c.row_mask + bit),
                    (ly.c.active_mask, ly.c.active_mask + active),
                )
            )
            zero = sa.literal(0.0, sa.Double())
            values: dict[str, Any] = {
                "year": sa.literal(year, sa.String(4)),
                "unit": k.c.unit,
                "employee_id": k.c.employee_id,
                "name": k.c.name,
                "names_vary": sa.false(),
                "row_mask": sa.literal(bit, sa.Integer()),
                "active_mask": active,
                "person_rows": sa.literal(1, sa.Integer()),
                **{f"points_{m}": (k.c.points if m == mm else zero) for m in MONTHS},
                **{f"hours_{m}": (k.c.hours if m == mm else zero) for m in MONTHS},
            }
            new = sa.select(*[values[c] for c in LEARNER_YEAR_COLUMNS]).where(here, ~sa.exists().where(same))
            conn.execute(ly.insert().from_select(LEARNER_YEAR_COLUMNS, new))
            _note_month(conn, stage, month, touched, blocks, movers)
    _finish(conn, touched, blocks, movers)


# ---- folding out (an undo) --------------------------------------------------------------------


def remove_learner_months(conn: Connection, stage: sa.Table, months: Iterable[str]) -> set[tuple[str, str]]:
    """Fold the staged ledger rows out of learner_years, the reverse of ``add_learner_months``
    and all in SQL: the month's columns zeroed and its bits cleared on the (year, unit, 工号) row
    holding it, a row left with no month deleted. Exactly what a rebuild gives, but for the name
    of a row whose names vary: returns those (工号, year)s, for the caller to rebuild once the
    ledger rows are gone."""
    ly, k = learner_years, stage
    touched: set[tuple[str, str]] = set()
    blocks: dict[str, set[str]] = defaultdict(set)
    movers: dict[str, set[str]] = defaultdict(set)
    rebuild: set[tuple[str, str]] = set()
    with _steered(conn, stage):
        for month in sorted(set(months)):
            year, mm, bit = _month_bit(month)
            here = sa.and_(k.c.month == month, k.c.fold == 1)
            same = sa.and_(ly.c.year == year, ly.c.unit == k.c.unit, ly.c.employee_id == k.c.employee_id)
            vary = sa.select(k.c.employee_id).where(here, same, ly.c.names_vary == sa.true()).distinct()
            rebuild.update((e, year) for e in conn.execute(vary).scalars())
            _note_month(conn, stage, month, touched, blocks, movers)
            # a row holding only this month goes; the others lose the month's columns and bit
            _delete_joined(
                conn,
                ly,
                {"unit": k.c.unit, "employee_id": k.c.employee_id},
                [ly.c.year == year, ly.c.row_mask == bit],
                [here],
            )
            has = ly.c.row_mask.op("&")(sa.literal(bit, sa.Integer())) != 0
            conn.execute(
                ly.update()
                .where(same, here, has)
                .values(
                    {
                        ly.c[f"points_{mm}"]: sa.literal(0.0, sa.Double()),
                        ly.c[f"hours_{mm}"]: sa.literal(0.0, sa.Double()),
                        ly.c.row_mask: ly.c.row_mask - bit,
                        ly.c.active_mask: ly.c.active_mask - ly.c.active_mask.op("&")(sa.literal(bit, sa.Integer())),
                    }
                )
            )
    _finish(conn, touched, blocks, movers)
    return rebuild


# ---- both -------------------------------------------------------------------------------------


def _note_month(
    conn: Connection,
    stage: sa.Table,
    month: str,
    touched: set[tuple[str, str]],
    blocks: dict[str, set[str]],
    movers: dict[str, set[str]],
) -> None:
    """Note what folding one month's staged rows changes besides their learner_years rows: the
    (year, unit)s of the unit masks, the leaderboards' blocks, and the people with a row of the
    year in another unit (their person_rows may have grown or fallen)."""
    ly, k = learner_years, stage
    year, mm, _bit = _month_bit(month)
    here = sa.and_(k.c.month == month, k.c.fold == 1)
    touched.update((year, u) for u in conn.execute(sa.select(k.c.unit).where(here).distinct()).scalars() if u)
    blocks[year].update(b for b, ms in BLOCKS.items() if mm in ms)
    other = sa.select(k.c.employee_id).where(
        here, ly.c.year == year, ly.c.employee_id == k.c.employee_id, ly.c.unit != k.c.unit
    )
    movers[year].update(conn.execute(other.distinct()).scalars())


def _finish(
    conn: Connection, touched: set[tuple[str, str]], blocks: dict[str, set[str]], movers: dict[str, set[str]]
) -> None:
    """After a fold: the movers' person_rows recounted, the unit masks and leaderboards recomputed."""
    ly = learner_years
    for year, emps in sorted(movers.items()):
        counts: list[dict[str, Any]] = []
        for chunk in chunks(sorted(emps)):
            q = (
                sa.select(ly.c.employee_id, sa.func.count())
                .where(ly.c.year == year, ly.c.employee_id.in_(chunk))
                .group_by(ly.c.employee_id)
            )
            counts += [{"k_n": int(n), "k_year": year, "k_emp": e} for e, n in conn.execute(q)]
        if counts:
            stmt = (
                ly.update()
                .where(ly.c.year == sa.bindparam("k_year"), ly.c.employee_id == sa.bindparam("k_emp"))
                .values(person_rows=sa.bindparam("k_n"))
            )
            conn.execute(stmt, counts)
    recompute_unit_masks(conn, touched)
    recompute_learner_tops(conn, blocks)
