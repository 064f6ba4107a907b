"""Money columns in 元: 培训经费 and 工资总额 of a 月报, which offices often write in 万元.

The unit is in the header (工资总额（万元）), in a line of units under it, in a merged parent
(经费情况（万元）) or in a 金额单位：万元 line above the table. The header normaliser drops bracketed
units, so the unit is read here from the cells as written, and the column's parser multiplies.
May import: data_sources.values only.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["MONEY_FIELDS", "in_yuan", "money_scales"]

MONEY_FIELDS = ("training_funds", "payroll")
_MONEY_UNITS = (("万元", 10_000), ("千元", 1_000), ("元", 1))
_TABLE_UNIT_RE = re.compile(r"单位\s*[:：]\s*(万元|千元|元)")

Parser = Callable[[Any], Any]


def _money_unit(text: Any) -> int | None:
    if type(text) is not str:
        return None
    s = unicodedata.normalize("NFKC", text)
    return next((factor for word, factor in _MONEY_UNITS if word in s), None)


def money_scales(
    grid: list[list[Any]], at: int, start: int, parents: list[Any], columns: Iterable[tuple[str, int]]
) -> dict[str, int]:
    """Field → factor to 元 for the money columns not in 元: the column's own header cells (rows
    ``at``..``start`` - 1, and ``parents``, the merged parent row of a two-level header carried
    right) first, else a 单位：万元 line above the table. ``columns`` are (field, 0-based column)."""
    table_unit = None
    for row in grid[:at]:
        for c in row:
            m = _TABLE_UNIT_RE.search(unicodedata.normalize("NFKC", c)) if type(c) is str else None
            if m:
                table_unit = _money_unit(m.group(1))
    out: dict[str, int] = {}
    for fname, j in columns:
        if fname not in MONEY_FIELDS:
            continue
        cells = [grid[r][j] for r in range(at, start) if j < len(grid[r])]
        if j < len(parents):
            cells.append(parents[j])
        factor = next((f for f in map(_money_unit, cells) if f is not None), table_unit)
        if factor is not None and factor != 1:
            out[fname] = factor
    return out


def in_yuan(parser: Parser, factor: int) -> Parser:
    """``parser`` with its number multiplied by ``factor`` (rounded to the fen)."""

    def parse(raw: Any) -> Any:
        value = parser(raw)
        return None if value is None else round(value * factor, 2)

    return parse
