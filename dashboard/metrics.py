"""The figures of DESIGN.md section 4, computed with SQL in the database.

Every function takes a ``Store`` (data_sources.store), the ``Settings`` and a ``Selection`` and
returns plain Python objects or small DataFrames built from aggregated query results — never from
every raw row. Pages and the CLI call these and add no metric logic of their own.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from dashboard.config import Settings
    from data_sources.store import Store


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


@dataclass
class Summary:
    """The JSON object of ``python -m dashboard summary --json`` (and the KPI tiles)."""

    month_from: str
    month_to: str
    units: int
    headcount: int
    participants: int
    participation_rate: float
    training_hours: float
    hours_per_capita: float
    certificates: int
    certificates_by_level: dict[str, int]
    launch_rate: float
    phase_progress: float
    units_behind: int
    top_learners: list[dict[str, Any]]
    participants_is_lower_bound: bool = False
    behind_units: list[str] = field(default_factory=list)
    current_phase: str | None = None

    def to_json(self) -> dict[str, Any]:
        raise NotImplementedError


def resolve_period(store: Store, selection: Selection, today: date | None = None) -> Selection:
    raise NotImplementedError


def summary(store: Store, settings: Settings, selection: Selection, today: date | None = None) -> Summary:
    raise NotImplementedError


def unit_table(store: Store, settings: Settings, selection: Selection) -> pd.DataFrame:
    raise NotImplementedError


def monthly(store: Store, settings: Settings, selection: Selection) -> pd.DataFrame:
    raise NotImplementedError


def top_learners(
    store: Store, settings: Settings, selection: Selection, n: int | None = None, search: str | None = None
) -> pd.DataFrame:
    raise NotImplementedError


def milestone_matrix(store: Store, settings: Settings, selection: Selection) -> pd.DataFrame:
    raise NotImplementedError


def submission_matrix(
    store: Store, settings: Settings, selection: Selection, today: date | None = None
) -> pd.DataFrame:
    raise NotImplementedError


def data_quality(store: Store, settings: Settings, selection: Selection) -> pd.DataFrame:
    raise NotImplementedError


def filter_options(store: Store) -> dict[str, list[Any]]:
    raise NotImplementedError
