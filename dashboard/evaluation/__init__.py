"""考核评比 (DESIGN §4b): unit scores, vetoes, the 先进集体 and 知识型职工标兵 shortlists, and the
papers the year-end meeting needs.

- ``ranking`` — the one ranking order (``rank_units``) with scores: 单位排名, the briefing, ``units``
- ``scoring`` — ``evaluate`` / ``ranking`` in the database
- ``documents`` — 推荐名单.xlsx, one 推荐表 .docx per candidate, and a .zip of them (bytes, no Streamlit)
"""

from dashboard.evaluation.ranking import RANKING_ORDER, rank_units
from dashboard.evaluation.scoring import (
    INDICATORS,
    Evaluation,
    attainment,
    award_quota,
    evaluate,
    ranking,
    score_of,
)

__all__ = [
    "INDICATORS",
    "RANKING_ORDER",
    "Evaluation",
    "attainment",
    "award_quota",
    "evaluate",
    "rank_units",
    "ranking",
    "score_of",
]
