"""Late reports (迟报, DESIGN §3 and §5 报送情况): when each unit-month was first received, its due
day, and the state of a unit-month in the submission matrix (on time, late, missing, not yet due).

A unit-month was first received by the earliest batch not undone that stored summary or ledger
rows of it (``batch_months``), on the batch's ``received_on`` (NULL: the day it was created). An
undone batch no longer counts, and a corrected report later never makes an on-time month late.
A unit-month with rows but no batch (a bulk load) counts as on time: nothing says it was late.
Late is shown, not scored: the evaluation's 报送率 reads ``status`` (reported/missing) only.

Owns ``due_date``, ``first_received``, ``state_of``, ``units_to_chase``. Imports ``selection``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from dashboard.metrics.selection import Selection, add_months, in_period, months_between, units_subquery
from dashboard.names import pinyin_key
from data_sources import store as db

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from sqlalchemy.engine import Connection

# the states of a unit-month, in the order of the legend
STATES = ("on_time", "late", "missing", "not_due")


def due_date(month: str, day: int) -> date:
    """The day a ``YYYY-MM`` month's report is due: ``day`` of the following month."""
    nxt = add_months(month, 1)
    return date(int(nxt[:4]), int(nxt[5:7]), day)


def _as_date(value: Any) -> date | None:
    """A DATE from the driver as a date (SQLite gives text, some drivers a datetime)."""
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, datetime):
        return value.date()
    return date.fromisoformat(str(value)[:10])


def first_received(
    conn: Connection, sel: Selection, first: str, last: str, day: int
) -> dict[tuple[str, str], tuple[date, bool]]:
    """(unit, month) → (the day first received, whether after its due day) for the unit-months
    of U × P that a live batch stored: one GROUP BY over ``batch_months`` in the database."""
    bm, ib = db.batch_months, db.import_batches
    received = sa.func.coalesce(ib.c.received_on, sa.func.date(ib.c.created_at))
    firsts = (
        sa.select(bm.c.unit, bm.c.month, sa.func.min(received).label("first"))
        .select_from(bm.join(ib, ib.c.id == bm.c.batch_id))
        .where(ib.c.undone_at.is_(None), in_period(bm.c.month, first, last), bm.c.unit.in_(units_subquery(sel)))
        .group_by(bm.c.unit, bm.c.month)
        .subquery()
    )
    due = sa.case(
        {m: sa.literal(due_date(m, day), sa.Date()) for m in months_between(first, last)}, value=firsts.c.month
    )
    late = sa.case((firsts.c.first > due, 1), else_=0)
    rows = conn.execute(sa.select(firsts.c.unit, firsts.c.month, firsts.c.first, late)).all()
    return {(u, m): (_as_date(f), bool(lt)) for u, m, f, lt in rows}  # type: ignore[misc]


def state_of(reported: bool, received: tuple[date, bool] | None, due: date, today: date | None) -> str:
    """A unit-month's state: ``late`` when first received after its due day, ``on_time`` when
    reported otherwise, ``not_due`` when not reported and its due day has not passed (``today``
    None: every due day has passed), else ``missing``."""
    if reported:
        return "late" if received is not None and received[1] else "on_time"
    return "not_due" if today is not None and today <= due else "missing"


@dataclass(frozen=True)
class Chase:
    """The units to chase (本月待催报单位): those that have not reported ``month``, the latest
    month of the matrix whose due day has passed, and those that reported it late."""

    month: str | None  # None: no month of the period is due yet
    missing: list[str] = field(default_factory=list)
    late: list[str] = field(default_factory=list)


def units_to_chase(sub: pd.DataFrame, today: date | None) -> Chase:
    """The latest month of a submission matrix (``submission_matrix``) whose due day has passed
    by ``today`` (None: the last month), and its missing and late units in pinyin order."""
    if sub.empty:
        return Chase(None)
    due = sub["due"] if today is None else sub.loc[[d < today for d in sub["due"]], "due"]
    if due.empty:
        return Chase(None)
    month = str(sub.loc[due.index, "month"].max())
    now = sub[sub["month"] == month]

    def named(state: str) -> list[str]:
        return sorted(now.loc[now["state"] == state, "unit"].astype(str), key=pinyin_key)

    return Chase(month, named("missing"), named("late"))
