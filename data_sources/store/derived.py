"""The derived tables: what the store computes from its rows so that a page reads a few rows per
unit instead of the raw ledger, and how each is kept in step with those rows, always inside the
transaction that changes them (an import, an undo, a bulk load):

  table              computed from        an import or undo keeps it by … / a bulk load by …
  unit_months        summary_rows,        recompute_unit_months: the unit-months of each changed
  (unit × month)     ledger_rows,         row, before and after / the same, for the loaded rows
                     certificate_rows
  learner_years      ledger_rows          a row added in a month its person had no row in:
  (year × unit ×                          fold.add_learner_months folds it in from the import's
   person)                                stage, and an undo of that import folds it out
                                          (fold.remove_learner_months); a replaced row, or one
                                          whose person's names vary: recompute_learner_years
                                          rebuilds its (工号, year) / rebuild_learner_years: years
  unit_active_masks  learner_years        rebuilt for the (year, unit)s learner_years changed in
  (year × unit ×                          (the whole year above MASKS_BY_UNIT people) / whole years
   active_mask)
  learner_tops       learner_years        recomputed for the blocks (month, quarter, year) of the
  (year × block ×                         months learner_years changed in / every block
   person)

Why unit_months: DESIGN §4 decides per unit-month whether the ledger or the summary counts.
Deciding that once, at import time, for the unit-months the import touched keeps every page
query a small GROUP BY over (units × months) instead of a scan of the raw ledger. learner_years
holds a person's year in one row (12× fewer rows than the ledger): participants over several
months are bit tests on its masks, top learners sums of its month columns.

Imports: ``tables`` and ``bulk``.
"""

from __future__ import annotations

import functools
import operator
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_sources.store.bulk import CHUNK, chunks, delete_keys, insert_rows
from data_sources.store.tables import (
    BLOCKS,
    MONTHS,
    certificate_rows,
    learner_tops,
    learner_years,
    ledger_rows,
    summary_rows,
    unit_active_masks,
    unit_months,
)

TOP_KEEP = 1000  # learner_tops holds whoever can rank in a top TOP_KEEP of the whole organisation
MASKS_BY_UNIT = 2000  # people of a year above which a recompute rebuilds all its unit masks
# the tables whose rows are counted in unit_months
UNIT_MONTH_TABLES = ("summary_rows", "ledger_rows", "certificate_rows")


def add_unit_months(
    touched: set[tuple[str, str]], pairs: Iterable[tuple[dict[str, Any] | None, dict[str, Any]]]
) -> None:
    """Add to ``touched`` the unit-months that changes of detail rows (``before`` None when
    added, ``after``) touch: the row's unit and month after and, for a replaced row, before."""
    for before, after in pairs:
        touched.add((after["unit"], after["month"]))
        if before is not None:
            touched.add((before["unit"], before["month"]))


def keep_in_step(conn: Connection, touched: set[tuple[str, str]], people: set[tuple[str, str]], now: datetime) -> None:
    """After rows were replaced, removed or restored: recompute these unit-months and rebuild
    these (工号, year)s of learner_years with their unit masks and leaderboards."""
    recompute_unit_months(conn, touched, now)
    recompute_learner_years(conn, people)


_SUMMARY_FIGURES = (
    "unit",
    "month",
    "headcount",
    "participants",
    "sessions",
    "person_times",
    "hours",
    "certificates",
    "suggestions",
)


def recompute_unit_months(conn: Connection, touched: set[tuple[str, str]], now: datetime) -> None:
    """Rebuild the unit_months rows of exactly these unit-months from the detail tables."""
    if not touched:
        return
    by_month: dict[str, set[str]] = defaultdict(set)
    for u, m in touched:
        by_month[m].add(u)
    summ: dict[tuple[str, str], Any] = {}
    led: dict[tuple[str, str], Any] = {}
    cer: dict[tuple[str, str], int] = {}
    pos = sa.case((ledger_rows.c.hours > 0, 1), else_=0)
    for month, unit_set in by_month.items():
        for chunk in chunks(sorted(unit_set)):
            for r in conn.execute(
                # the columns unit_months holds (not the funds of revision 0007: a store being
                # upgraded recomputes before it has them)
                sa.select(*[summary_rows.c[c] for c in _SUMMARY_FIGURES]).where(
                    summary_rows.c.month == month, summary_rows.c.unit.in_(chunk)
                )
            ):
                summ[(r.unit, r.month)] = r
            # one ledger row per 工号 and month, so Σ(hours > 0) is the distinct count
            for r in conn.execute(
                sa.select(
                    ledger_rows.c.unit,
                    sa.func.sum(ledger_rows.c.hours).label("hours"),
                    sa.func.sum(ledger_rows.c.points).label("points"),
                    sa.func.sum(pos).label("participants"),
                    sa.func.count().label("n"),
                )
                .where(ledger_rows.c.month == month, ledger_rows.c.unit.in_(chunk))
                .group_by(ledger_rows.c.unit)
            ):
                led[(r.unit, month)] = r
            for r in conn.execute(
                sa.select(certificate_rows.c.unit, sa.func.count().label("n"))
                .where(certificate_rows.c.month == month, certificate_rows.c.unit.in_(chunk))
                .group_by(certificate_rows.c.unit)
            ):
                cer[(r.unit, month)] = int(r.n)
    rows: list[dict[str, Any]] = []
    for key in sorted(touched):
        s, lg, c = summ.get(key), led.get(key), cer.get(key, 0)
        if s is None and lg is None and not c:
            continue
        l_hours = float(lg.hours or 0) if lg else 0.0
        l_part = int(lg.participants or 0) if lg else 0
        rows.append(
            {
                "unit": key[0],
                "month": key[1],
                "has_summary": s is not None,
                "has_ledger": lg is not None,
                "has_cert_rows": c > 0,
                "summary_headcount": s.headcount if s else None,
                "summary_participants": s.participants if s else None,
                "summary_sessions": s.sessions if s else None,
                "summary_person_times": s.person_times if s else None,
                "summary_hours": float(s.hours) if s else None,
                "summary_certificates": s.certificates if s else None,
                "summary_suggestions": s.suggestions if s else None,
                "ledger_hours": l_hours,
                "ledger_points": float(lg.points or 0) if lg else 0.0,
                "ledger_participants": l_part,
                "ledger_rows": int(lg.n) if lg else 0,
                "cert_rows": c,
                "hours": l_hours if lg else (float(s.hours) if s else 0.0),
                "participants": l_part if lg else (s.participants if s else 0),
                "certificates": c if c else (s.certificates if s else 0),
                "updated_at": now,
            }
        )
    delete_keys(conn, unit_months, sorted(touched))
    insert_rows(conn, unit_months, rows)


def learner_years_select(year: str) -> sa.Select[Any]:
    """The learner_years rows of one calendar year, aggregated from ledger_rows in SQL (the
    caller adds a WHERE on ledger_rows.employee_id to rebuild only some people)."""
    lr = ledger_rows
    months = [f"{year}-{m}" for m in MONTHS]
    bit = sa.case({mo: 1 << i for i, mo in enumerate(months)}, value=lr.c.month, else_=0)
    cols: list[Any] = [
        sa.literal(year, sa.String(4)).label("year"),
        lr.c.unit,
        lr.c.employee_id,
        sa.func.max(lr.c.name).label("name"),
        (sa.func.min(lr.c.name) != sa.func.max(lr.c.name)).label("names_vary"),
        # one ledger row per 工号 and month, so Σ of the month bits is their OR
        sa.func.sum(bit).label("row_mask"),
        sa.func.sum(sa.case((lr.c.hours > 0, bit), else_=0)).label("active_mask"),
        sa.func.count().over(partition_by=lr.c.employee_id).label("person_rows"),
    ]
    for m, mo in zip(MONTHS, months, strict=True):
        cols.append(sa.func.sum(sa.case((lr.c.month == mo, lr.c.points), else_=0.0)).label(f"points_{m}"))
    for m, mo in zip(MONTHS, months, strict=True):
        cols.append(sa.func.sum(sa.case((lr.c.month == mo, lr.c.hours), else_=0.0)).label(f"hours_{m}"))
    return (
        sa.select(*cols).where(lr.c.month >= months[0], lr.c.month <= months[-1]).group_by(lr.c.employee_id, lr.c.unit)
    )


LEARNER_YEAR_COLUMNS = [c.name for c in learner_years.columns]


def recompute_learner_years(conn: Connection, people: set[tuple[str, str]]) -> None:
    """Rebuild the learner_years rows of exactly these (工号, year) pairs, every unit of each, by
    INSERT … SELECT from ledger_rows (the rows never travel through Python)."""
    if not people:
        return
    ly, lr = learner_years, ledger_rows
    by_year: dict[str, set[str]] = defaultdict(set)
    for emp, year in people:
        by_year[year].add(emp)
    size = CHUNK if conn.dialect.name == "sqlite" else 10000
    touched: set[tuple[str, str]] = set()  # (year, unit) before and after, for unit_active_masks
    whole: set[str] = set()  # years with so many people that all their units are recomputed
    for year, emps in sorted(by_year.items()):
        select = learner_years_select(year)
        few = len(emps) <= MASKS_BY_UNIT
        if not few:
            whole.add(year)
        for chunk in chunks(sorted(emps), size):
            units_of = sa.select(ly.c.unit).where(ly.c.year == year, ly.c.employee_id.in_(chunk)).distinct()
            if few:
                touched.update((year, u) for u in conn.execute(units_of).scalars())
            conn.execute(ly.delete().where(ly.c.year == year, ly.c.employee_id.in_(chunk)))
            conn.execute(ly.insert().from_select(LEARNER_YEAR_COLUMNS, select.where(lr.c.employee_id.in_(chunk))))
            if few:
                touched.update((year, u) for u in conn.execute(units_of).scalars())
    recompute_unit_masks(conn, touched)
    for year in sorted(whole):
        _rebuild_unit_masks(conn, year)
    recompute_learner_tops(conn, {year: set(BLOCKS) for year in by_year})


def rebuild_learner_years(conn: Connection, years: Iterable[str]) -> None:
    """Rebuild whole years of learner_years (bulk loads)."""
    ly = learner_years
    for year in sorted(set(years)):
        conn.execute(ly.delete().where(ly.c.year == year))
        conn.execute(ly.insert().from_select(LEARNER_YEAR_COLUMNS, learner_years_select(year)))
        _rebuild_unit_masks(conn, year)
    recompute_learner_tops(conn, {year: set(BLOCKS) for year in set(years)})


def _rebuild_unit_masks(conn: Connection, year: str) -> None:
    """Rebuild a whole year of unit_active_masks (one GROUP BY over the year's learner_years)."""
    ly, uam = learner_years, unit_active_masks
    conn.execute(uam.delete().where(uam.c.year == year))
    conn.execute(uam.insert().from_select(UNIT_MASK_COLUMNS, unit_masks_select().where(ly.c.year == year)))


UNIT_MASK_COLUMNS = [c.name for c in unit_active_masks.columns]


def unit_masks_select() -> sa.Select[Any]:
    """unit_active_masks rows aggregated from learner_years (the caller narrows it by a WHERE)."""
    ly = learner_years
    return sa.select(ly.c.year, ly.c.unit, ly.c.active_mask, sa.func.count().label("people")).group_by(
        ly.c.year, ly.c.unit, ly.c.active_mask
    )


def recompute_unit_masks(conn: Connection, touched: Iterable[tuple[str, str]]) -> None:
    """Rebuild the unit_active_masks rows of these (year, unit)s from learner_years, in SQL."""
    ly, uam = learner_years, unit_active_masks
    by_year: dict[str, set[str]] = defaultdict(set)
    for year, unit in touched:
        by_year[year].add(unit)
    for year, unit_set in sorted(by_year.items()):
        for chunk in chunks(sorted(unit_set)):
            conn.execute(uam.delete().where(uam.c.year == year, uam.c.unit.in_(chunk)))
            select = unit_masks_select().where(ly.c.year == year, ly.c.unit.in_(chunk))
            conn.execute(uam.insert().from_select(UNIT_MASK_COLUMNS, select))


def block_points(block: str) -> Any:
    """Σ points of a learner_years row over a block's months (the metrics sum them the same way)."""
    return functools.reduce(operator.add, [learner_years.c[f"points_{m}"] for m in BLOCKS[block]])


def block_bits(block: str) -> int:
    return sum(1 << (int(m) - 1) for m in BLOCKS[block])


def recompute_learner_tops(conn: Connection, blocks: dict[str, set[str]]) -> None:
    """Rebuild learner_tops for these years' blocks from learner_years: per block a top-n heap
    of the raw sums of the people with one row that year, plus the grouped sums of the few with
    rows in several units; a second pass by the floor only when ties overflow the heap."""
    ly, lt = learner_years, learner_tops
    for year, names in sorted(blocks.items()):
        for block in sorted(names):
            pts = block_points(block)
            in_block = sa.and_(ly.c.year == year, ly.c.row_mask.op("&")(sa.literal(block_bits(block), sa.Integer)) != 0)
            alone = (ly.c.person_rows + 0) == 1  # "+ 0": the year in key order, not the movers' index
            limit = 2 * TOP_KEEP
            q = sa.select(ly.c.employee_id, pts).where(in_block, alone)
            tops = [tuple(r) for r in conn.execute(q.order_by(pts.desc()).limit(limit))]
            moved = [
                tuple(r)
                for r in conn.execute(
                    sa.select(ly.c.employee_id, sa.func.sum(pts))
                    .where(in_block, ly.c.person_rows > 1)
                    .group_by(ly.c.employee_id)
                )
            ]
            sums = sorted([float(t[1]) for t in tops[:TOP_KEEP]] + [float(t[1]) for t in moved], reverse=True)
            floor = sums[TOP_KEEP - 1] - 1e-5 if len(sums) >= TOP_KEEP else None
            if floor is not None and len(tops) == limit and float(tops[-1][1]) >= floor:
                tops = [tuple(r) for r in conn.execute(q.where(pts >= floor))]  # ties past the heap
            keep = [t for t in tops + moved if floor is None or float(t[1]) >= floor]
            conn.execute(lt.delete().where(lt.c.year == year, lt.c.block == block))
            insert_rows(
                conn, lt, [{"year": year, "block": block, "employee_id": e, "points": float(p)} for e, p in keep]
            )
