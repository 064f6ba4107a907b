"""The selection (DESIGN §4): the units U a page's filters pick and the period P, as SQL.

Owns ``Selection``, the month helpers (``month_end``, ``add_months``, ``months_between``),
``resolve_period`` and the conditions every metric puts on units and months (of ``units``,
``unit_months`` and the month bits of ``learner_years``; a unit retired from P's first month or
earlier is not in U), and ``filter_options`` (what the filters
can offer). Imports ``plain`` and the store's tables; no other metrics module.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

import sqlalchemy as sa

from dashboard.metrics.plain import fetch_plain
from dashboard.names import in_pinyin_order, pinyin_key
from data_sources import store as db

if TYPE_CHECKING:  # pragma: no cover
    from dashboard.config import Settings
    from data_sources.store import Store


# ---- months -------------------------------------------------------------------------------


def month_end(month: str) -> date:
    """The last day of a ``YYYY-MM`` month (the "end of P")."""
    y, m = int(month[:4]), int(month[5:7])
    return date(y, m, calendar.monthrange(y, m)[1])


def add_months(month: str, n: int) -> str:
    y, m = int(month[:4]), int(month[5:7])
    i = y * 12 + (m - 1) + n
    return f"{i // 12:04d}-{i % 12 + 1:02d}"


def months_between(first: str, last: str) -> list[str]:
    out, m = [], first
    while m <= last:
        out.append(m)
        m = add_months(m, 1)
    return out


# ---- at scale (DESIGN §5): above SCALE_UNITS units a view lists departments and the ends ----

SCALE_UNITS = 30  # a view never lists more units than this (a screen of bars or rows)
SCALE_ENDS = 10  # above it: the 10 lowest and the 10 highest units


def at_scale(units: int) -> bool:
    """A list of this many units is too long for one screen: show departments and the ends."""
    return units > SCALE_UNITS


def ends(items: list[Any]) -> list[Any]:
    """All items up to ``SCALE_UNITS``, else the first and the last ``SCALE_ENDS`` of them (an
    ordered list: the highest and the lowest)."""
    if not at_scale(len(items)):
        return list(items)
    return [*items[:SCALE_ENDS], *items[-SCALE_ENDS:]]


# ---- the selection and its period ---------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """A set of units U (the filters) and a period P = month_from..month_to (inclusive).

    Empty filter tuples mean "no restriction". A missing month_from/month_to is filled by
    ``resolve_period`` with the first/last month that has data (today's month on an empty store).
    """

    departments: tuple[str, ...] = ()
    unit_types: tuple[str, ...] = ()
    pilot_only: bool = False
    units: tuple[str, ...] = ()
    month_from: str | None = None
    month_to: str | None = None

    def with_period(self, month_from: str, month_to: str) -> Selection:
        return replace(self, month_from=month_from, month_to=month_to)

    def previous(self) -> Selection:
        """The period of the same length just before this one (for month-over-month change)."""
        assert self.month_from and self.month_to
        n = len(months_between(self.month_from, self.month_to))
        return self.with_period(add_months(self.month_from, -n), add_months(self.month_from, -1))

    def same_period_last_year(self) -> Selection:
        """The same months a year earlier (for the change against last year, 同比)."""
        assert self.month_from and self.month_to
        return self.with_period(add_months(self.month_from, -12), add_months(self.month_to, -12))


def resolve_period(store: Store, selection: Selection, today: date | None = None) -> Selection:
    """Fill a missing end of P with the first/last month that has data (today's month if none)."""
    if selection.month_from and selection.month_to:
        return selection
    um = db.unit_months
    with store.engine.connect() as conn:
        lo, hi = conn.execute(sa.select(sa.func.min(um.c.month), sa.func.max(um.c.month))).one()
    if lo is None:
        t = today or date.today()
        lo = hi = f"{t.year:04d}-{t.month:02d}"
    first, last = selection.month_from, selection.month_to
    if first is None and last is None:
        first, last = lo, hi
    elif first is None:
        assert last is not None
        first = lo if lo <= last else last
    elif last is None:
        last = hi if hi >= first else first
    assert first is not None and last is not None
    return selection.with_period(first, last)


def period_of(store: Store, sel: Selection) -> tuple[Selection, str, str]:
    """The selection with its period resolved, and P's first and last month."""
    if not (sel.month_from and sel.month_to):
        sel = resolve_period(store, sel)
    assert sel.month_from and sel.month_to
    return sel, sel.month_from, sel.month_to


# ---- U: the units of the selection --------------------------------------------------------


def unit_conditions(sel: Selection) -> list[Any]:
    """The filters as conditions on ``units`` (none without a filter)."""
    u = db.units
    cond: list[Any] = []
    if sel.departments:
        cond.append(u.c.department.in_(sel.departments))
    if sel.unit_types:
        cond.append(u.c.unit_type.in_(sel.unit_types))
    if sel.pilot_only:
        cond.append(u.c.is_pilot == sa.true())
    if sel.units:
        cond.append(u.c.name.in_(sel.units))
    return cond


def retired_conditions(sel: Selection) -> list[Any]:
    """A unit retired (撤销/停止报送) from P's first month or earlier is not in U; it stays in
    every period that starts before its ``retired_from`` month (none without a period)."""
    if not sel.month_from:
        return []
    u = db.units
    return [sa.or_(u.c.retired_from.is_(None), u.c.retired_from > sel.month_from)]


def roster_conditions(sel: Selection) -> list[Any]:
    """U as conditions on ``units``: the filters and the retired units."""
    return [*unit_conditions(sel), *retired_conditions(sel)]


def units_subquery(sel: Selection) -> sa.Select[Any]:
    """U as a subquery, so U is never sent to the database as a long list of names."""
    return sa.select(db.units.c.name).where(*roster_conditions(sel))


def in_units(col: Any, sel: Selection) -> Any:
    """``col`` names a unit of U. Without a filter: not a unit retired by P's start (a subquery
    that is empty unless some unit is retired), no condition at all without a period (every
    row's unit is in the roster: an import adds the units its rows mention)."""
    if unit_conditions(sel):
        return col.in_(units_subquery(sel))
    if sel.month_from:
        u = db.units
        return col.not_in(sa.select(u.c.name).where(u.c.retired_from <= sel.month_from))
    return sa.true()


class Unit(NamedTuple):  # a NamedTuple: a thousand per call, a frozen dataclass is slower
    name: str
    department: str | None
    unit_type: str | None
    is_pilot: bool
    headcount: int | None
    retired_from: str | None = None  # the first month it no longer reports


def load_units(conn: sa.Connection, sel: Selection) -> list[Unit]:
    """The units of U from the roster, in pinyin order of their names (``dashboard.names``)."""
    u = db.units
    rows = fetch_plain(
        conn,
        sa.select(u.c.name, u.c.department, u.c.unit_type, u.c.is_pilot, u.c.headcount, u.c.retired_from).where(
            *roster_conditions(sel)
        ),
    )
    # sorted in Python: the database's collation would order Chinese names differently per server
    units = [Unit(r[0], r[1], r[2], bool(r[3]), r[4], r[5]) for r in rows]
    return sorted(units, key=lambda x: pinyin_key(x.name))


# ---- P: months as conditions and as learner_years bits ------------------------------------


def in_period(col: Any, first: str, last: str) -> Any:
    return sa.and_(col >= first, col <= last)


def has_stored_month(conn: sa.Connection, first: str, last: str) -> bool:
    """Some unit has a stored month in first..last (any unit: the rule of the tiles' 上期无数据 /
    去年同期无数据, the months the period filter offers)."""
    um = db.unit_months
    return conn.execute(sa.select(um.c.month).where(in_period(um.c.month, first, last)).limit(1)).first() is not None


def year_months(first: str, last: str) -> dict[str, list[str]]:
    """P as {year: [its months "01".."12" in P]} (the columns and bits of learner_years)."""
    out: dict[str, list[str]] = defaultdict(list)
    for m in months_between(first, last):
        out[m[:4]].append(m[5:7])
    return dict(out)


def month_mask(months: list[str]) -> int:
    """The bits of these months ("01".."12") in a learner_years mask (bit m−1 for month m)."""
    return sum(1 << (int(m) - 1) for m in months)


def any_bit(col: Any, months: list[str]) -> Any:
    """A learner_years mask has a bit of these months set (bitwise & on every database)."""
    return col.op("&")(sa.literal(month_mask(months), sa.Integer)) != 0


# ---- what the filters can offer -----------------------------------------------------------


def unit_names(store: Store, settings: Settings, selection: Selection) -> list[str]:
    """The names of U (the department, type, pilot and unit filters; the period plays no part):
    what 单位详情 may open under the sidebar's filters."""
    with store.engine.connect() as conn:
        return [u.name for u in load_units(conn, selection)]


def filter_options(store: Store) -> dict[str, list[Any]]:
    """What the sidebar filters can offer: departments, unit types, units and months with data."""
    u, um = db.units, db.unit_months
    with store.engine.connect() as conn:
        deps = conn.execute(sa.select(u.c.department).where(u.c.department.is_not(None)).distinct()).scalars().all()
        types = conn.execute(sa.select(u.c.unit_type).where(u.c.unit_type.is_not(None)).distinct()).scalars().all()
        names = conn.execute(sa.select(u.c.name)).scalars().all()
        months = conn.execute(sa.select(um.c.month).distinct().order_by(um.c.month)).scalars().all()
    return {
        "departments": in_pinyin_order(deps),
        "unit_types": in_pinyin_order(types),
        "units": in_pinyin_order(names),
        "months": list(months),
    }
