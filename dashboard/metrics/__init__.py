"""The figures of DESIGN.md section 4, computed with SQL in the database.

Every function takes a ``Store`` (data_sources.store), the ``Settings`` and a ``Selection`` and
returns plain Python objects or small DataFrames built from aggregated query results — never from
every raw row. Pages and the CLI call these (``from dashboard import metrics``, then
``metrics.overview(...)``) and add no metric logic of their own.

Where each public name lives (imports run down this list, never up; ``plain`` serves them all):

- ``selection``: ``Selection``, ``resolve_period``, ``month_end``, ``add_months``,
  ``months_between``, ``filter_options``, ``unit_names`` — U and P as SQL conditions
  (``Selection.previous()`` 环比, ``Selection.same_period_last_year()`` 同比);
  ``SCALE_UNITS``, ``at_scale``, ``ends`` — when a view lists departments (DESIGN §5).
- ``milestones``: ``milestone_matrix`` — milestone statuses and each unit's progress.
- ``units``: ``unit_table``, ``monthly``, ``over_headcount``, ``UNIT_COLUMNS`` — per-unit figures over P (``UnitData``).
- ``departments``: ``department_table``, ``department_milestones``, ``department_submissions`` —
  the figures and matrices per department (DESIGN §5 "at scale").
- ``learners``: ``top_learners``, ``TOP_COLUMNS`` — the leaderboard over learner_years.
- ``lateness``: ``due_date``, ``units_to_chase``, ``Chase``, ``SUBMISSION_STATES`` — late reports
  (迟报): when a unit-month was first received, on time / late / missing / not yet due.
- ``submissions``: ``submission_matrix``, ``data_quality`` — who reported, ledger vs summary.
- ``results``: ``summary``, ``overview``, ``Summary``, ``Overview`` — a page's figures in one call;
  ``earlier_kpis`` — the KPIs of the previous period (环比) or last year's (同比), None without data.
- ``plain``: driver tuples, floats without noise, ratios (no public name).
"""

from dashboard.metrics.departments import department_milestones, department_submissions, department_table
from dashboard.metrics.lateness import STATES as SUBMISSION_STATES
from dashboard.metrics.lateness import Chase, due_date, units_to_chase
from dashboard.metrics.learners import TOP_COLUMNS, top_learners
from dashboard.metrics.milestones import milestone_matrix
from dashboard.metrics.results import Overview, Summary, earlier_kpis, overview, summary
from dashboard.metrics.selection import (
    SCALE_ENDS,
    SCALE_UNITS,
    Selection,
    add_months,
    at_scale,
    ends,
    filter_options,
    month_end,
    months_between,
    resolve_period,
    unit_names,
)
from dashboard.metrics.submissions import data_quality, submission_matrix
from dashboard.metrics.units import UNIT_COLUMNS, monthly, over_headcount, unit_table

__all__ = [
    "SCALE_ENDS",
    "SCALE_UNITS",
    "SUBMISSION_STATES",
    "TOP_COLUMNS",
    "UNIT_COLUMNS",
    "Chase",
    "Overview",
    "Selection",
    "Summary",
    "add_months",
    "at_scale",
    "data_quality",
    "department_milestones",
    "department_submissions",
    "department_table",
    "due_date",
    "earlier_kpis",
    "ends",
    "filter_options",
    "milestone_matrix",
    "month_end",
    "monthly",
    "months_between",
    "over_headcount",
    "overview",
    "resolve_period",
    "submission_matrix",
    "summary",
    "top_learners",
    "unit_names",
    "unit_table",
    "units_to_chase",
]
