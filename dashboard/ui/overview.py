"""What only the 总览 page draws: where the phase timeline marks "now", the current phase, each
unit's own participation target, the units that lag behind, and the meeting briefing download.

Imports ``session``, ``database``, ``cache`` (the laggards worked out once), ``periods``, ``widgets`` and
``scale`` (a long list paged);
``dashboard.briefing`` (the laggards) and ``dashboard.exports`` (the workbook, the same as the CLI's).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from dashboard import briefing, exports
from dashboard.config import Settings
from dashboard.i18n import fmt_date, ui_text
from dashboard.metrics import Selection
from dashboard.ui.cache import derived
from dashboard.ui.database import store
from dashboard.ui.periods import month_end, period_text
from dashboard.ui.scale import LAGGARD_PAGE_SIZES, paged_table
from dashboard.ui.session import lang, settings, t
from dashboard.ui.widgets import PCT, PCT_BAR, XLSX_MIME


def timeline_marker(sel: Selection, today: date | None = None) -> tuple[date, str]:
    """Where the phase timeline draws its rule: today inside the campaign year, else the end of the
    period (a 2024 campaign reviewed in 2026 still shows where the period stands)."""
    s = settings()
    today = today or date.today()
    if s.phases and min(p.start for p in s.phases) <= today <= max(p.end for p in s.phases):
        return today, t("today")
    end = month_end(sel.month_to) if sel.month_to else today
    return end, f"{t('end_of_period')} {fmt_date(end, lang())}"


def current_phase_text(today: date | None = None) -> str:
    phase = settings().phase_of(today or date.today())
    if phase is None:
        return t("no_current_phase")
    return t("current_phase", phase=phase.name if lang() == "zh" else phase.name_en)


def with_targets(units: pd.DataFrame) -> pd.DataFrame:
    """The unit table with each unit's participation target (config.toml overrides per unit or
    department), so every bar is coloured against its own target."""
    tg = settings().targets
    targets = [
        tg.for_scope("participation_rate", d, u) for d, u in zip(units["department"], units["unit"], strict=True)
    ]
    return units.assign(target=targets)


def _laggard_rows(settings: Settings, units: pd.DataFrame, matrix: pd.DataFrame, lang: str) -> pd.DataFrame:
    lag = briefing.laggards(settings, units, matrix, lang).rename(columns={"overdue": "overdue_milestones"})
    status = {s: ui_text(f"status_{s}", lang) for s in lag["rate_status"].dropna().unique()}
    return lag.assign(rate_status=lag["rate_status"].map(lambda s: status.get(s, "—")))


def laggards_table(sel: Selection, units: pd.DataFrame, matrix: pd.DataFrame, key: str) -> None:
    """Units below their participation target or with an overdue milestone (``briefing.laggards``,
    the same list as the meeting briefing), worst first, clickable; worked out once per figures
    (``units`` and ``matrix`` are ``sel``'s overview today)."""
    lag = derived(_laggard_rows, sel, (lang(), date.today()), settings(), units, matrix, lang())
    if lag.empty:
        st.success(t("overview_behind_none"))
        return
    paged_table(  # above 30 laggards: a search and pages
        lag,
        key,
        # the reasons first, next to the unit: a long list of milestones is never off-screen at 1366
        ["unit", "overdue_milestones", "rate_status", "participation_rate", "target", "department"],
        t("overview_behind"),
        None,
        sizes=LAGGARD_PAGE_SIZES,
        column_config={
            "participation_rate": PCT_BAR,
            "target": PCT,
            "overdue_milestones": st.column_config.TextColumn(width="large"),
        },
    )


def briefing_button(sel: Selection) -> None:
    """The meeting briefing (.xlsx: KPIs, the ranking by score, the shortlists, laggards, top
    learners, submissions) for the current filters, built only when clicked by
    ``exports.briefing_xlsx`` — the file ``python -m dashboard briefing`` writes, ranked as 单位排名
    and ``units --json`` are (the evaluation and the submissions grid are not queried on every view)."""
    s = settings()
    language = lang()
    the_store, today = store(), date.today()
    st.download_button(
        t("briefing_download"),
        data=lambda: exports.briefing_xlsx(the_store, s, sel, language, today),
        file_name=t("briefing_file", period=period_text(sel)) + ".xlsx",
        mime=XLSX_MIME,
        icon=":material/description:",
        type="primary",
        on_click="ignore",
        help=t("briefing_help"),
        key="briefing",
    )
