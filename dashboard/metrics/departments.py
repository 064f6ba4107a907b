"""Departments (DESIGN §5 "at scale"): above ``SCALE_UNITS`` units a view lists departments, each
with the figures its units would give as a selection of their own (the department filter).

A department's figures are ``results.summarise``'s over its units: sums of the per-unit figures
computed in SQL (``UnitData``), rates as ratios of those sums (participation = Σ participants ÷
Σ headcount, never a mean of rates). The milestone and submission matrices fold per department
into counts of their units' statuses. Owns ``department_table``, ``department_frame``,
``department_milestones`` and ``department_submissions``. Imports ``selection``, ``units`` and
``plain``; ``results`` imports it.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from dashboard.metrics.plain import ratio, tidy
from dashboard.metrics.selection import Selection, Unit, period_of
from dashboard.metrics.units import UnitData
from dashboard.names import pinyin_key

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from dashboard.config import Settings
    from data_sources.store import Store

NO_DEPARTMENT = ""  # units without a department are grouped under this (not a filter value)

DEPARTMENT_COLUMNS = [
    "department",
    "units",
    "headcount",
    "participants",
    "participation_rate",
    "training_hours",
    "hours_per_capita",
    "certificates",
    "launch_rate",
    "phase_progress",
    "units_behind",
    "participants_is_lower_bound",
]


def department_table(store: Store, settings: Settings, selection: Selection) -> pd.DataFrame:
    """One row per department of U with the figures of its units over P (pinyin order)."""
    sel = period_of(store, selection)[0]
    with store.engine.connect() as conn:
        return department_frame(UnitData.load(conn, settings, sel))


def department_frame(data: UnitData) -> pd.DataFrame:
    """``department_table`` of per-unit figures already loaded (the overview loads them once)."""
    import pandas as pd

    groups: dict[str, list[Unit]] = defaultdict(list)
    for u in data.units:
        groups[u.department or NO_DEPARTMENT].append(u)
    rows = []
    for dept in sorted(groups, key=lambda d: (d == NO_DEPARTMENT, pinyin_key(d))):
        us = groups[dept]
        figs = [data.figures[u.name] for u in us]
        prog = [data.progress[u.name] for u in us]
        headcount = sum(f.headcount for f in figs)
        participants = sum(f.participants for f in figs)
        hours = sum(f.hours for f in figs)
        rows.append(
            (
                dept,
                len(us),
                headcount,
                participants,
                tidy(ratio(participants, headcount)),
                tidy(hours),
                tidy(ratio(hours, headcount)),
                sum(f.certificates for f in figs),
                tidy(ratio(sum(p.launched for p in prog), len(us))),
                tidy(ratio(sum(p.progress for p in prog), len(us))),
                sum(1 for p in prog if p.behind),
                any(f.lower_bound for f in figs),
            )
        )
    return pd.DataFrame(rows, columns=DEPARTMENT_COLUMNS)


def department_milestones(matrix: pd.DataFrame) -> pd.DataFrame:
    """The units × milestones matrix (``milestone_matrix``) folded into departments × milestones:
    how many of the department's units have each milestone done, overdue, not yet due. A cell is
    ``overdue`` when any unit is, ``done`` when every unit is, else ``pending``; ``due`` is the
    earliest of its units' due dates."""
    import pandas as pd

    columns = ["department", "phase", "milestone", "due", "done", "overdue", "pending", "total", "status"]
    if matrix.empty:
        return pd.DataFrame(columns=columns)
    data = matrix.assign(department=matrix["department"].fillna(NO_DEPARTMENT))
    counts = data.groupby(["department", "milestone", "status"]).size().unstack("status", fill_value=0)
    for s in ("done", "overdue", "pending"):
        if s not in counts:
            counts[s] = 0
    info = data.groupby(["department", "milestone"]).agg(phase=("phase", "first"), due=("due", "min"))
    out = info.join(counts[["done", "overdue", "pending"]]).reset_index()
    out["total"] = out["done"] + out["overdue"] + out["pending"]
    out["status"] = [
        "overdue" if o else ("done" if d == t else "pending")
        for d, o, t in zip(out["done"], out["overdue"], out["total"], strict=True)
    ]
    return out[columns]


def department_submissions(sub: pd.DataFrame) -> pd.DataFrame:
    """The units × months matrix (``submission_matrix``) folded into departments × months: how
    many of the department's units reported; ``missing`` when any unit did not."""
    import pandas as pd

    columns = ["department", "month", "reported", "missing", "total", "status", "last_updated"]
    if sub.empty:
        return pd.DataFrame(columns=columns)
    data = sub.assign(department=sub["department"].fillna(NO_DEPARTMENT))
    counts = data.groupby(["department", "month", "status"]).size().unstack("status", fill_value=0)
    for s in ("reported", "missing"):
        if s not in counts:
            counts[s] = 0
    last = data.groupby(["department", "month"])["last_updated"].max().rename("last_updated")
    out = counts[["reported", "missing"]].join(last).reset_index()
    out["total"] = out["reported"] + out["missing"]
    out["status"] = ["missing" if m else "reported" for m in out["missing"]]
    return out[columns]
