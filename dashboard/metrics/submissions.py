"""Who reported what (DESIGN §4, §5 报送情况): the units × months submission matrix and the data
quality check of unit-months that have both a ledger and a summary.

Owns ``submission_matrix`` and ``data_quality``. Imports ``selection``, ``lateness``, ``plain`` and
the store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from dashboard.metrics.lateness import due_date, first_received, state_of
from dashboard.metrics.plain import fetch_plain, tidy
from dashboard.metrics.selection import (
    Selection,
    in_period,
    load_units,
    months_between,
    period_of,
    units_subquery,
)
from dashboard.names import pinyin_key
from data_sources import store as db
from data_sources.store import _aware

if TYPE_CHECKING:  # pragma: no cover
    from datetime import date

    import pandas as pd

    from dashboard.config import Settings
    from data_sources.store import Store


def submission_matrix(
    store: Store, settings: Settings, selection: Selection, today: date | None = None
) -> pd.DataFrame:
    """Units × months of P: reported (a summary or ledger rows) or missing, and when updated.

    Months after ``today``'s month are left out (they cannot be missing yet), and so are the
    months a unit did not report from its ``retired_from`` month on (it no longer reports). A
    month with only certificate rows is not a report: certificates are dated by when they were
    gained. ``state`` tells late reports apart (``lateness``): ``on_time``, ``late``, ``missing``
    (its due day has passed), ``not_due``; ``first_received`` is the day a unit-month was first
    received (None when missing, or stored without a batch), ``due`` its due day. ``status`` stays
    reported or missing: what every other figure counts.
    """
    import pandas as pd

    sel, first, last = period_of(store, selection)
    if today is not None:
        now = f"{today.year:04d}-{today.month:02d}"
        last = min(last, max(now, first))
    um = db.unit_months
    with store.engine.connect() as conn:
        us = load_units(conn, sel)
        # the driver's tuples; updated_at converted once per distinct value below (SQLite stores
        # text that SQLAlchemy would parse row by row: most of this page's time)
        got = {
            (r[0], r[1]): r
            for r in fetch_plain(
                conn,
                # IN U even without a filter: SQLite reads by the primary key, unit by unit
                sa.select(um.c.unit, um.c.month, um.c.has_summary, um.c.has_ledger, um.c.updated_at).where(
                    um.c.unit.in_(units_subquery(sel)), in_period(um.c.month, first, last)
                ),
            )
        }
        to_datetime = um.c.updated_at.type.dialect_impl(conn.dialect).result_processor(conn.dialect, None)
        received = first_received(conn, sel, first, last, settings.report_due_day)
    months = months_between(first, last)
    dues = {m: due_date(m, settings.report_due_day) for m in months}
    aware: dict[Any, Any] = {}  # one conversion per distinct time (an import writes one)
    # (has summary, has ledger) → status, source
    kinds = {
        (False, False): ("missing", ""),
        (True, False): ("reported", "summary"),
        (False, True): ("reported", "ledger"),
        (True, True): ("reported", "both"),
    }
    rows = []
    for u in us:
        name, dept = u.name, u.department
        for m in months:
            r = got.get((name, m))
            if r is None and u.retired_from is not None and m >= u.retired_from:
                continue  # retired: no longer reports
            due = dues[m]
            if r is None:
                rows.append((name, dept, m, "missing", "", None, state_of(False, None, due, today), None, due))
                continue
            if r[4] not in aware:
                aware[r[4]] = _aware(to_datetime(r[4]) if to_datetime else r[4])
            status, source = kinds[(bool(r[2]), bool(r[3]))]
            got_on = received.get((name, m)) if status == "reported" else None
            state = state_of(status == "reported", got_on, due, today)
            rows.append((name, dept, m, status, source, aware[r[4]], state, got_on[0] if got_on else None, due))
    return pd.DataFrame(rows, columns=MATRIX_COLUMNS)


MATRIX_COLUMNS = [
    "unit",
    "department",
    "month",
    "status",
    "source",
    "last_updated",
    "state",
    "first_received",
    "due",
]


QUALITY_COLUMNS = [
    "unit",
    "month",
    "ledger_participants",
    "summary_participants",
    "ledger_hours",
    "summary_hours",
    "participants_diff",
    "hours_diff",
]


def data_quality(store: Store, settings: Settings, selection: Selection) -> pd.DataFrame:
    """Unit-months with both ledger and summary whose participants or hours differ by more than
    the tolerance relative to the summary (the ledger is what the figures use).

    ``participants_diff``/``hours_diff`` are (ledger − summary) / summary, None when the summary
    figure is 0.
    """
    import pandas as pd

    sel, first, last = period_of(store, selection)
    tol = float(settings.quality_tolerance)
    um = db.unit_months
    eps = 1e-9  # float noise in Σ hours must not flag an exact match
    lp, sp = um.c.ledger_participants, um.c.summary_participants
    lh, sh = um.c.ledger_hours, um.c.summary_hours
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(um.c.unit, um.c.month, lp, sp, lh, sh).where(
                um.c.unit.in_(units_subquery(sel)),
                in_period(um.c.month, first, last),
                um.c.has_ledger,
                um.c.has_summary,
                sa.or_(sa.func.abs(lp - sp) > tol * sp + eps, sa.func.abs(lh - sh) > tol * sh + eps),
            )
        ).all()
    rows = sorted(rows, key=lambda r: (pinyin_key(r.unit), r.month))
    out = [
        {
            "unit": r.unit,
            "month": r.month,
            "ledger_participants": int(r.ledger_participants),
            "summary_participants": int(r.summary_participants),
            "ledger_hours": tidy(r.ledger_hours),
            "summary_hours": tidy(r.summary_hours),
            "participants_diff": tidy((r.ledger_participants - r.summary_participants) / r.summary_participants)
            if r.summary_participants
            else None,
            "hours_diff": tidy((r.ledger_hours - r.summary_hours) / r.summary_hours) if r.summary_hours else None,
        }
        for r in rows
    ]
    return pd.DataFrame(out, columns=QUALITY_COLUMNS)
