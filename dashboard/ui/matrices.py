"""The milestone (units × milestones) and submission (units × months) matrices as wide tables:
the order of their rows (overdue or missing first), the symbols and dates of their cells, the
units to chase for a late or missing report, and the clickable table with its download.

Imports ``session``, ``database`` (times shown local), ``widgets`` and ``scale`` (long lists
paged); ``dashboard.charts`` for the cell symbols.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import charts
from dashboard.i18n import campaign_names, fmt_date, fmt_month
from dashboard.metrics import Chase, Selection
from dashboard.names import pinyin_key
from dashboard.ui.database import local_time
from dashboard.ui.scale import paged_table
from dashboard.ui.session import lang, settings, t
from dashboard.ui.widgets import download_name


def units_by_status(df: pd.DataFrame, status: str) -> list[str]:
    """Units ordered by how many cells have ``status`` (most first), then by name: overdue first
    on the phase page, missing first on the submission page."""
    counts = df.assign(hit=df["status"] == status).groupby("unit", sort=False)["hit"].sum()
    return sorted(counts.index, key=lambda u: (-int(counts[u]), pinyin_key(str(u))))


def milestone_wide(matrix: pd.DataFrame, order: Sequence[str]) -> pd.DataFrame:
    """The units × milestones matrix as a table: ✓ with the date done, ✗ overdue, ○ not yet due."""
    language = lang()
    names = {m.name: (m.name if language == "zh" else m.name_en) for m in settings().milestones}

    def cell(r: Any) -> str:
        symbol = charts.MILESTONE_SYMBOLS.get(r["status"], "")
        if r["status"] == "done" and r["done_date"] is not None and not pd.isna(r["done_date"]):
            return f"{symbol} {fmt_date(charts._as_date(r['done_date']), language)}"
        return f"{symbol} {t('ms_' + r['status'])}"

    data = matrix.assign(cell=matrix.apply(cell, axis=1))
    ms_order = data.sort_values(["due", "milestone"])["milestone"].drop_duplicates().tolist()
    wide = data.pivot_table(index="unit", columns="milestone", values="cell", aggfunc="first").reindex(
        index=list(order), columns=ms_order
    )
    wide = wide.fillna("").rename(columns=lambda m: names.get(m, m))
    wide.columns = [str(c) for c in wide.columns]
    overdue = (matrix["status"] == "overdue").groupby(matrix["unit"]).sum()
    dept = matrix.groupby("unit")["department"].first()
    wide.insert(0, "overdue_count", [int(overdue.get(u, 0)) for u in wide.index])
    wide.insert(0, "department", [dept.get(u, "") for u in wide.index])
    return wide.reset_index().rename(columns={"index": "unit"})


def submission_order(sub: pd.DataFrame, chase: Chase) -> list[str]:
    """Units missing the month to chase first (``metrics.units_to_chase``), then by months
    missing (their due day passed), then by name."""
    missing_now = set(chase.missing)
    return sorted(units_by_status(sub.assign(status=sub["state"]), "missing"), key=lambda u: u not in missing_now)


def chase_table(sub: pd.DataFrame, chase: Chase) -> pd.DataFrame:
    """The units to chase (本月待催报单位) as a table: missing ones first, then late ones, with
    the day first received and each unit's months late over the period."""
    language = lang()
    late = (sub["state"] == "late").groupby(sub["unit"]).sum()
    now = sub[sub["month"] == chase.month].set_index("unit")
    rows = [
        {
            "unit": u,
            "department": now.at[u, "department"],
            "chase_state": t(f"sub_{state}"),
            "first_received": fmt_date(charts._as_date(now.at[u, "first_received"]), language),
            "report_due": fmt_date(charts._as_date(now.at[u, "due"]), language),
            "late_count": int(late.get(u, 0)),
        }
        for state, units in (("missing", chase.missing), ("late", chase.late))
        for u in units
    ]
    return pd.DataFrame(rows, columns=CHASE_COLUMNS)


CHASE_COLUMNS = ["unit", "department", "chase_state", "first_received", "report_due", "late_count"]


def milestone_labels() -> dict[str, str]:
    """The configured phases' and milestones' names in the UI language (i18n.campaign_names)."""
    return campaign_names(settings().phases, lang())


def submission_wide(sub: pd.DataFrame, order: Sequence[str]) -> pd.DataFrame:
    """The units × months matrix as a table (✓ on time, ! late with the day first received, ✗
    missing, ○ not yet due) with the months missing, the months late and each unit's last update."""
    language = lang()

    def cell(r: Any) -> str:
        symbol = charts.STATE_SYMBOLS.get(r["state"], "")
        if r["state"] == "late":
            return f"{symbol} {t('sub_late')} {fmt_date(charts._as_date(r['first_received']), language)}"
        return symbol

    data = sub.assign(cell=sub.apply(cell, axis=1) if len(sub) else "")
    months = sorted(data["month"].unique())
    wide = data.pivot_table(index="unit", columns="month", values="cell", aggfunc="first").reindex(
        index=list(order), columns=months
    )
    wide = wide.fillna("").rename(columns=lambda m: fmt_month(m, language))
    wide.columns = [str(c) for c in wide.columns]
    missing = (sub["state"] == "missing").groupby(sub["unit"]).sum()
    late = (sub["state"] == "late").groupby(sub["unit"]).sum()
    last = sub.groupby("unit")["last_updated"].max()
    dept = sub.groupby("unit")["department"].first()
    wide.insert(
        0, "last_updated", [fmt_date(local_time(charts._as_datetime(last.get(u))), language) for u in wide.index]
    )
    wide.insert(0, "late_count", [int(late.get(u, 0)) for u in wide.index])
    wide.insert(0, "missing_count", [int(missing.get(u, 0)) for u in wide.index])
    wide.insert(0, "department", [dept.get(u, "") for u in wide.index])
    return wide.reset_index().rename(columns={"index": "unit"})


def matrix_table(wide: pd.DataFrame, key: str, heading_key: str, title_key: str, sel: Selection) -> None:
    """A wide matrix under its heading: every column, a click on a row opens the unit, and an
    .xlsx download named after the page (``title_key``) and the period; above 30 units a search
    and pages (``scale.paged_table``)."""
    st.subheader(t(heading_key))
    paged_table(wide, key, list(wide.columns), download_name(title_key, sel), 640)
