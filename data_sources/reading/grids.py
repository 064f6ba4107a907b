"""Workbook bytes → one grid of Python values per visible worksheet, through python-calamine.

calamine reads .xlsx/.xlsm, .xlsb, .ods and .xls alike; this is what
``pandas.read_excel(engine="calamine", header=None, dtype=object)`` does, minus its per-cell
Python conversion (whole floats → int, empty → NaN) and the DataFrame round trip, which cost more
than all our parsing on a 100,000-row ledger; the parsers take floats and "" as they come.
Formulas are never evaluated (calamine gives the value the file saved; none → an empty cell, which
the guards' scan has noted), the VBA project of an .xlsm is never read.
"""

from __future__ import annotations

import io
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

from data_sources.reading import limits
from data_sources.reading.limits import Refused

__all__ = ["Grid", "Merge", "calamine_grids"]

Merge = tuple[tuple[int, int], tuple[int, int]]  # ((first row, first column), (last row, last column)), 0-based


@dataclass
class Grid:
    """One sheet as rows of values, row i = spreadsheet row i + 1."""

    name: str
    rows: list[list[Any]]
    name_hint: str  # what the kind is guessed from: the sheet name, or a CSV's file name
    merges: list[Merge] = field(default_factory=list)
    formula_cells: AbstractSet[tuple[int, int]] = frozenset()  # (row, column) with no saved value


def calamine_grids(data: bytes, formula_cells: dict[str, set[tuple[int, int]]]) -> tuple[list[Grid], list[str]]:
    """(the visible worksheets, the names of the hidden ones). Raises ``Refused`` for a workbook
    with a password and for more rows than one upload may hold (counted in calamine's ranges,
    before any Python value is made)."""
    from python_calamine import CalamineWorkbook, PasswordError, SheetTypeEnum, SheetVisibleEnum

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except PasswordError:
        raise Refused("encrypted") from None
    hidden: list[str] = []
    sheets = []
    rows = 0
    for meta in book.sheets_metadata:
        if meta.typ != SheetTypeEnum.WorkSheet:
            continue
        if meta.visible != SheetVisibleEnum.Visible:
            hidden.append(str(meta.name))
            continue
        sheet = book.get_sheet_by_name(meta.name)
        end = sheet.end
        rows += end[0] + 1 if end else 0
        if rows > limits.MAX_ROWS:
            raise Refused("too_many_rows", {"rows": f"{rows:,}", "limit": f"{limits.MAX_ROWS:,}"})
        sheets.append(sheet)
    grids = []
    for sheet in sheets:
        name = str(sheet.name)
        grids.append(
            Grid(
                name=name,
                rows=sheet.to_python(skip_empty_area=False),
                name_hint=name,
                merges=list(sheet.merged_cell_ranges or []),
                formula_cells=formula_cells.get(name, frozenset()),
            )
        )
    return grids, hidden
