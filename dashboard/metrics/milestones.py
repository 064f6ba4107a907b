"""Milestones (DESIGN §4): each unit's milestones, their status as of the end of P, progress per
unit and the units × milestones matrix.

A milestone is ``done`` when its 完成日期 ≤ the end of P, else ``overdue`` when it is due by then,
else ``pending`` (the rule is written out in the loops below: thousands of milestones per call).
Owns ``milestone_matrix``, ``unit_progress`` and ``Progress``. Imports ``selection`` and ``plain``.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

import sqlalchemy as sa

from dashboard.metrics.plain import fetch_plain, ratio
from dashboard.metrics.selection import Selection, Unit, in_units, load_units, month_end, period_of
from data_sources import store as db
from data_sources.store.rows import as_date

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from dashboard.config import Settings
    from data_sources.store import Store


def of_the_year(mr: sa.Table, settings: Settings) -> sa.ColumnElement[bool]:
    """The 阶段进度 rows of the campaign year of ``settings``: a row's year is part of its key
    (``schema.milestone_year``: the year it was done, else planned, else reported), so 2024's
    自查自检 done says nothing of 2025's and each year's progress is its own (issue 15)."""
    return mr.c.year == settings.year


class Milestone(NamedTuple):  # a NamedTuple: thousands are made per call, a dataclass is slower
    phase: str | None
    name: str
    due: date | None
    done_date: date | None


def unit_milestones(
    conn: sa.Connection, settings: Settings, sel: Selection, us: list[Unit]
) -> dict[str, list[Milestone]]:
    """Each unit's milestones: the campaign's (with the unit's own planned date if it gave one)
    plus the extra ones its 阶段进度 rows add. The rows come as the driver's tuples and each
    distinct date is converted once (thousands of rows, a few dates): Row objects and SQLite's
    per-value date parsing were most of the time of every page that shows progress."""
    mr = db.milestone_rows
    days: dict[Any, date | None] = {None: None}
    rows: dict[str, dict[str, tuple[str | None, date | None, date | None]]] = defaultdict(dict)
    q = sa.select(mr.c.unit, mr.c.milestone, mr.c.phase, mr.c.planned_date, mr.c.done_date).where(
        in_units(mr.c.unit, sel), of_the_year(mr, settings)
    )
    for unit, name, phase, planned, done in fetch_plain(conn, q):
        for v in (planned, done):
            if v not in days:
                days[v] = as_date(v)
        rows[unit][name] = (phase, days[planned], days[done])
    config = [(m.phase, m.name, m.due) for m in settings.milestones]  # a property: read it once
    config_names = {c[1] for c in config}
    plain = [Milestone(*c, None) for c in config]  # a unit without rows
    make = functools.partial(tuple.__new__, Milestone)  # skips the NamedTuple's Python __new__
    out: dict[str, list[Milestone]] = {}
    for u in us:
        own = rows.get(u.name)
        if not own:
            out[u.name] = plain
            continue
        items = []
        for phase, name, due in config:
            r = own.get(name)
            items.append(make((phase, name, due, None) if r is None else (phase, name, r[1] or due, r[2])))
        if len(own) > len(config) or not own.keys() <= config_names:
            for name in sorted(own.keys() - config_names):
                phase, planned, done = own[name]
                items.append(Milestone(phase, name, planned, done))
        out[u.name] = items
    return out


@dataclass
class Progress:
    """A unit's milestones as of the end of P: done, all of them, and whether it is behind."""

    done: int
    total: int
    behind: bool

    @property
    def progress(self) -> float:
        return ratio(self.done, self.total)

    @property
    def launched(self) -> bool:
        return self.done > 0


def _progress(ms: dict[str, list[Milestone]], end: date) -> dict[str, Progress]:
    out = {}
    for unit, items in ms.items():
        done = overdue = 0
        for m in items:  # the status rule inlined: thousands of milestones per call
            if m.done_date is not None and m.done_date <= end:
                done += 1
            elif m.due is not None and m.due <= end:
                overdue += 1
        out[unit] = Progress(done, len(items), overdue > 0)
    return out


def unit_progress(
    conn: sa.Connection, settings: Settings, sel: Selection, us: list[Unit], end: date
) -> dict[str, Progress]:
    """The progress of ``unit_milestones`` as of ``end``, counted per unit in SQL (a row per unit,
    not per milestone): done = rows done by ``end``; total = the campaign's milestones plus the
    unit's extra ones; behind = a row overdue (its planned date, else the campaign's due, ≤ end and
    not done) or a campaign milestone due by ``end`` that the unit has no row for."""
    config = settings.milestones
    names = [m.name for m in config]
    if len(set(names)) != len(names):  # the same name twice: each counts, as unit_milestones does
        return _progress(unit_milestones(conn, settings, sel, us), end)
    mr = db.milestone_rows
    dues = {m.name: m.due for m in config if m.due is not None}
    config_due = (
        sa.case({n: sa.literal(d, sa.Date) for n, d in dues.items()}, value=mr.c.milestone, else_=sa.null())
        if dues
        else sa.null()
    )
    is_config = mr.c.milestone.in_(names)
    due = sa.case((is_config, sa.func.coalesce(mr.c.planned_date, config_due)), else_=mr.c.planned_date)
    last = sa.literal(end, sa.Date)
    past = [n for n, d in dues.items() if d <= end]  # campaign milestones due by the end of P
    q = (
        sa.select(
            mr.c.unit,
            sa.func.sum(sa.case((mr.c.done_date <= last, 1), else_=0)),
            sa.func.sum(sa.case((is_config, 0), else_=1)),
            sa.func.sum(sa.case((mr.c.done_date <= last, 0), (due <= last, 1), else_=0)),
            sa.func.sum(sa.case((mr.c.milestone.in_(past), 1), else_=0)),
        )
        .where(in_units(mr.c.unit, sel), of_the_year(mr, settings))
        .group_by(mr.c.unit)
    )
    got = {r[0]: r for r in conn.execute(q).all()}
    out = {}
    for u in us:
        r = got.get(u.name)
        if r is None:
            out[u.name] = Progress(0, len(config), bool(past))
        else:
            overdue, present = int(r[3] or 0), int(r[4] or 0)
            out[u.name] = Progress(int(r[1] or 0), len(config) + int(r[2] or 0), overdue > 0 or present < len(past))
    return out


def milestone_matrix(store: Store, settings: Settings, selection: Selection) -> pd.DataFrame:
    """Units × milestones, long form, status as of the end of P."""
    import pandas as pd

    sel, _first, last = period_of(store, selection)
    end = month_end(last)
    with store.engine.connect() as conn:
        us = load_units(conn, sel)
        ms = unit_milestones(conn, settings, sel, us)
    rows = []
    for u in us:
        for m in ms[u.name]:  # the status rule inlined: thousands of cells
            status = (
                "done"
                if m.done_date is not None and m.done_date <= end
                else "overdue"
                if m.due is not None and m.due <= end
                else "pending"
            )
            rows.append((u.name, u.department, m.phase, m.name, m.due, m.done_date, status))
    return pd.DataFrame(rows, columns=["unit", "department", "phase", "milestone", "due", "done_date", "status"])
