"""The one ranking of units (DESIGN §4): wherever units are ranked — 单位排名, the briefing, the
考核评比 page and its downloads, ``python -m dashboard units`` — they are in this order, so a leader
quoting 第1名 from the screen never contradicts the handout.

Kept apart from the scoring (and free of its imports) so the briefing can use it without pulling
the evaluation in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

# score desc, then participation rate desc, then hours per capita desc, then the unit's name
RANKING_ORDER: tuple[tuple[str, bool], ...] = (
    ("score", False),
    ("participation_rate", False),
    ("hours_per_capita", False),
    ("unit", True),
)
_DIGITS = 6  # figures are compared as shown (6 decimals), so float noise never breaks a tie


def rank_units(units: pd.DataFrame) -> pd.DataFrame:
    """``units`` sorted in the one ranking order, with ``rank`` 1..n as the first column (one
    number per unit: a tie on every key is broken by the name, in code-point order).

    A frame without ``score`` (a plain ``metrics.unit_table``) is ordered by the keys it has."""
    df = units.drop(columns=["rank"], errors="ignore").copy()
    keys = [(c, asc) for c, asc in RANKING_ORDER if c in df.columns]
    if df.empty or not keys:
        df.insert(0, "rank", range(1, len(df) + 1))
        return df.reset_index(drop=True)
    sort_frame = df[[c for c, _ in keys]].copy()
    for c, _ in keys:
        if c != "unit":
            sort_frame[c] = sort_frame[c].astype(float).round(_DIGITS).fillna(float("-inf"))
    order = sort_frame.sort_values([c for c, _ in keys], ascending=[asc for _, asc in keys], kind="stable").index
    df = df.loc[order].reset_index(drop=True)
    df.insert(0, "rank", range(1, len(df) + 1))
    return df
