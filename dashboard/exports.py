"""The downloads the app offers, as bytes for a selection, without Streamlit: the meeting briefing
(会议简报) of 总览 and the upload template of 数据管理. The page and ``python -m dashboard
briefing`` / ``template`` call these, so a script writes the very file a leader downloads.

Imports ``metrics``, ``evaluation`` (the one ranking order, DESIGN §4), ``briefing``, ``template``
and ``i18n``.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from dashboard import metrics
from dashboard.briefing import build_briefing
from dashboard.campaigns import settings_for
from dashboard.i18n import ui_text

if TYPE_CHECKING:  # pragma: no cover
    from dashboard.config import Settings
    from data_sources.store import Store


def scope_words(sel: metrics.Selection, lang: str = "zh") -> str:
    """The filters in words (全部单位, 机关、试点单位 …), as the pages' scope line writes them."""
    parts = [*sel.departments, *sel.unit_types]
    if sel.pilot_only:
        parts.append(ui_text("pilot_units", lang))
    if sel.units:
        parts = list(sel.units)
    return ("、" if lang == "zh" else ", ").join(parts) if parts else ui_text("scope_all", lang)


def briefing_xlsx(
    store: Store, settings: Settings, selection: metrics.Selection, lang: str = "zh", today: date | None = None
) -> bytes:
    """The meeting briefing of ``selection``: the KPI tiles' figures with their 环比 and 同比, the
    ranking in the one ranking order (the evaluation's units: the order of 单位排名 and ``units
    --json``), the shortlists, the laggards, the top learners and the submissions."""
    from dashboard.evaluation import evaluate

    today = today or date.today()
    sel = metrics.resolve_period(store, selection)
    summary = metrics.summary(store, settings, sel, today)
    previous, last_year = (  # 环比, 同比: each under the plan of its own campaign year
        metrics.earlier_kpis(store, settings_for(store, settings, e), e, today)
        for e in (sel.previous(), sel.same_period_last_year())
    )
    ev = evaluate(store, settings, sel)
    return build_briefing(
        settings,
        summary,
        ev.units,
        metrics.milestone_matrix(store, settings, sel),
        metrics.top_learners(store, settings, sel, settings.top_learners),
        metrics.submission_matrix(store, settings, sel, today),
        lang,
        scope_words(sel, lang),
        data_as_of=store.data_as_of(),
        department=sel.departments[0] if len(sel.departments) == 1 else None,
        unit=sel.units[0] if len(sel.units) == 1 else None,
        evaluation=ev,
        previous=previous,
        last_year=last_year,
    )


def template_xlsx(settings: Settings, lang: str = "zh") -> bytes:
    """The upload template (``dashboard.template``), as 数据管理 offers it."""
    from dashboard.template import build_template

    return build_template(settings, lang)
