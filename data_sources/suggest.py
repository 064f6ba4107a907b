"""The roster names nearest to a unit name nobody knows: "电修车问" → 电修车间.

A clerk's misspelling is either a wrong character that looks alike (问/间) or one that sounds alike
typed with a pinyin input method (电秀车间 for 电修车间), so a name is compared with every roster
name twice: by characters and by its toneless pinyin, and the better score counts. The distance is
rapidfuzz's (normalised Indel similarity, 0–100), the pinyin pypinyin's.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from pypinyin import Style, lazy_pinyin
from rapidfuzz import fuzz, process

__all__ = ["MIN_SCORE", "nearest_names"]

MIN_SCORE = 65.0  # below this a name is not offered (电修车问 ↔ 电修车间 scores 75 by characters)
MARGIN = 8.0  # names more than this below the best one are noise next to it


@functools.lru_cache(maxsize=8192)
def _pinyin(name: str) -> str:
    return " ".join(lazy_pinyin(name, style=Style.NORMAL, errors="default"))


def nearest_names(name: str, roster: Iterable[str], limit: int = 3) -> list[str]:
    """Up to ``limit`` names of ``roster`` nearest to ``name``, best first (ties by name), each
    scoring at least MIN_SCORE by characters or by pinyin and within MARGIN of the best."""
    names = sorted(set(roster))
    if not names or not name:
        return []
    best: dict[str, float] = {}
    by_chars = process.extract(name, names, scorer=fuzz.ratio, limit=None, score_cutoff=MIN_SCORE)
    for found, score, _ in by_chars:
        best[found] = max(best.get(found, 0.0), score)
    spoken = [_pinyin(n) for n in names]
    by_sound = process.extract(_pinyin(name), spoken, scorer=fuzz.ratio, limit=None, score_cutoff=MIN_SCORE)
    for _, score, index in by_sound:
        found = names[index]
        # the same sound is a weaker hint than the same characters: 0.9 keeps 电修车间 ahead of 店修车间
        best[found] = max(best.get(found, 0.0), score * 0.9)
    ranked = sorted(((n, s) for n, s in best.items() if s >= MIN_SCORE), key=lambda kv: (-kv[1], kv[0]))
    top = ranked[0][1] if ranked else 0.0
    return [n for n, s in ranked[:limit] if s >= top - MARGIN]
