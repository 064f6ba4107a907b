"""Units in the order a Chinese office lists them: by the pinyin of their names (办公室, 成型车间,
一车间 …), not by Unicode code point (which puts 一 before 办 and scatters 车间 by stroke-less
accident). Every list of units that is not a ranking uses this order: the pickers, the tables,
the matrices and charts whose order is not a ranking (issue 10.10).

Imports only pypinyin.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=65_536)
def pinyin_key(name: str) -> str:
    """A text key that sorts names by pinyin (toneless syllables, lower case), ties by the name
    itself: "yi che jian\\x00一车间". Text, so pandas can sort a column by it."""
    syllables = lazy_pinyin(str(name), style=Style.NORMAL, errors="default")
    return " ".join(s.lower() for s in syllables) + "\x00" + str(name)


def in_pinyin_order(names: Iterable[str]) -> list[str]:
    """``names`` sorted by ``pinyin_key``."""
    return sorted(names, key=pinyin_key)
