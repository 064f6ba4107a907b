"""Finding the table in one sheet of a messy monthly report: the header row (skipping title and
填报 lines, joining two-level merged headers), what kind of report the columns make, and the
month the title, sheet name or file name gives.

A sheet whose columns fit no kind (instructions, a 汇总 of 部门/参学率 for a chart) is skipped
with a warning rather than blocking the report, whatever its name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from dashboard.config import Settings
from data_sources.reading.grids import Grid, Merge
from data_sources.reading.money import money_scales
from data_sources.reading.rows import read_rows
from data_sources.schema import FIELDS, Kind, ParsedSheet, Problem, column_letter
from data_sources.values import (
    CellError,
    display_value,
    is_blank,
    month_from_text,
    normalise_header,
    parse_number,
)

__all__ = ["SheetReader", "Skipped", "sheet_kind_from_name"]

HEADER_SEARCH_ROWS = 20  # title, 填报 and blank lines above the header
MONTH_KINDS = (Kind.SUMMARY, Kind.LEDGER)
_ROW_NUMBER_HEADERS = {"序号", "no", "no.", "#", "行号"}
_FILED_DATE_RE = re.compile(r"(?:填报|填表|报送|制表|上报|打印)(?:日期|时间)")


@dataclass
class Skipped:
    """A sheet whose columns fit no kind: a warning, and — when its name announces a kind — the
    error listing what it lacks, reported instead when the file holds no table at all."""

    warning: Problem
    named: Problem | None


@dataclass
class _Column:
    index: int
    written: str  # header as written in the file (the child header of a two-level one)
    field: str | None


def sheet_kind_from_name(name: str, sheet_aliases: dict[str, tuple[str, ...]]) -> Kind | None:
    """The kind a sheet (or CSV file) name announces: ``学习台账`` → ledger; None when unclear."""
    norm = normalise_header(name)
    if not norm:
        return None
    for kind, aliases in sheet_aliases.items():
        if any(norm == normalise_header(a) for a in aliases):
            return Kind(kind)
    best: dict[Kind, int] = {}
    for kind, aliases in sheet_aliases.items():
        for a in aliases:
            na = normalise_header(a)
            if len(na) >= 2 and na in norm:
                best[Kind(kind)] = max(best.get(Kind(kind), 0), len(na))
    if not best:
        return None
    top = max(best.values())
    winners = [k for k, n in best.items() if n == top]
    return winners[0] if len(winners) == 1 else None


def _cell_text(value: Any) -> str | None:
    if type(value) is str:
        s = value.strip()
        return s or None
    return None


def _written(text: str) -> str:
    """A header as the user wrote it, on one line."""
    return " ".join(unicodedata.normalize("NFC", text).split())


class SheetReader:
    def __init__(self, settings: Settings, file_name: str, arg_period: str | None):
        self.settings = settings
        self.file = file_name
        self.arg_period = arg_period
        self.file_period = month_from_text(PurePath(file_name).name)
        self.lookup: dict[str, str] = {}
        for field_name, aliases in settings.column_aliases.items():
            for alias in aliases:
                self.lookup.setdefault(normalise_header(alias), field_name)

    # -- header ----------------------------------------------------------------------------

    def _field(self, value: Any) -> str | None:
        if type(value) is not str:
            return None
        return self.lookup.get(normalise_header(value))

    def _hits(self, row: list[Any]) -> int:
        return sum(1 for c in row if self._field(c))

    def _is_second_level(self, parent: list[Any], child: list[Any]) -> bool:
        """The row under the header is a second header level when it is all text, holds at least one
        known header, and those sit under a blank (merged) or group parent such as 培训情况."""
        hits = 0
        filled = _ffill(parent)
        for j, c in enumerate(child):
            if is_blank(c):
                continue
            if type(c) is not str:
                return False
            try:
                if parse_number(c) is not None:
                    return False
            except CellError:
                pass
            if self._field(parent[j]):
                # A known header with text under it is a group only if the two read as one
                # (取证 over 人数); 单位： over 单位 is a 填报 line above the real header.
                if not self._field(str(parent[j]).strip() + c.strip()):
                    return False
                continue
            p = _cell_text(filled[j]) or ""
            if self._field(c) or (p and self._field(p + c.strip())):
                hits += 1
        return hits >= 1

    def _find_header(self, grid: list[list[Any]]) -> tuple[int, bool] | None:
        """The row (and whether the next one is a second level) naming the most distinct fields:
        a 填报 line such as ``单位：… 月份：…`` above the real header names fewer."""
        limit = min(HEADER_SEARCH_ROWS, len(grid))
        best: tuple[int, int, bool] | None = None  # (fields named, row, two-level)
        for i in range(limit):
            if not self._hits(grid[i]):
                continue
            two = i + 1 < len(grid) and self._is_second_level(grid[i], grid[i + 1])
            named = len({c.field for c in self._columns(grid, i, two) if c.field})
            if named >= 2 and (best is None or named > best[0]):
                best = (named, i, two)
        return None if best is None else (best[1], best[2])

    def _columns(self, grid: list[list[Any]], at: int, two_level: bool) -> list[_Column]:
        parent = grid[at]
        cols: list[_Column] = []
        if not two_level:
            for j, c in enumerate(parent):
                text = _cell_text(c) if type(c) is str else (None if is_blank(c) else display_value(c))
                if text:
                    cols.append(_Column(j, _written(text), self._field(text)))
            return cols
        child = grid[at + 1]
        filled = _ffill(parent)
        for j in range(len(parent)):
            c = _cell_text(child[j])
            p_own = _cell_text(parent[j])
            p = _cell_text(filled[j])
            if c:
                fld = self._field(c) or (self._field(p + c) if p else None)
                cols.append(_Column(j, _written(c), fld))
            elif p_own:
                cols.append(_Column(j, _written(p_own), self._field(p_own)))
        return cols

    # -- kind --------------------------------------------------------------------------------

    def _choose_kind(self, found: set[str], name_kind: Kind | None) -> tuple[Kind, float]:
        """The kind that explains most of the found columns; the sheet name breaks ties."""
        best: tuple[tuple[int, bool, float], Kind] | None = None
        for kind in Kind:
            specs = FIELDS[kind]
            required = [f.name for f in specs if f.required]
            matched = sum(1 for f in specs if f.name in found)
            coverage = sum(1 for f in required if f in found) / len(required)
            score = (matched, kind == name_kind, coverage)
            if best is None or score > best[0]:
                best = (score, kind)
        assert best is not None
        return best[1], best[0][2]

    # -- period ------------------------------------------------------------------------------

    def _title_period(self, grid: list[list[Any]], header_at: int) -> str | None:
        for row in grid[:header_at]:
            for c in row:
                if type(c) is str and not _FILED_DATE_RE.search(c):
                    m = month_from_text(c)
                    if m:
                        return m
        return None

    # -- rows --------------------------------------------------------------------------------

    def read(self, grid: Grid) -> ParsedSheet | Skipped | None:
        """The table of one sheet; ``Skipped`` when its columns fit no kind of report; None when
        it holds no table at all (an instructions sheet, an empty one)."""
        rows, sheet_name = grid.rows, grid.name
        if not rows:
            return None
        name_kind = sheet_kind_from_name(grid.name_hint, self.settings.sheet_aliases)
        header = self._find_header(rows)
        if header is None:
            return self._without_header(sheet_name, rows, name_kind)
        at, two_level = header
        header_row = at + 1  # Excel row number
        cols = self._columns(rows, at, two_level)
        found = {c.field for c in cols if c.field}
        kind, coverage = self._choose_kind(found, name_kind)
        if coverage < 0.5:  # a table of something else (a chart's data, a 汇总 of 部门/参学率)
            written = [c.written for c in cols]
            named = None
            if name_kind is not None:
                missing = [f.name for f in FIELDS[name_kind] if f.required and f.name not in found]
                named = self._missing(sheet_name, header_row, name_kind, missing, written)
            return Skipped(self._skipped(sheet_name, written), named)
        title_period = self._title_period(rows, at)
        period = title_period or month_from_text(sheet_name) or self.file_period or self.arg_period
        sheet = ParsedSheet(file=self.file, sheet=sheet_name, kind=kind, period=period, columns={}, rows=[])
        specs = {f.name: f for f in FIELDS[kind]}
        used: dict[str, _Column] = {}
        marker: int | None = None
        for col in cols:
            if col.field in specs and col.field not in used:
                used[col.field] = col
            elif normalise_header(col.written) in _ROW_NUMBER_HEADERS:
                marker = col.index if marker is None else marker
            else:
                sheet.problems.append(
                    Problem(
                        "column_ignored",
                        self.file,
                        sheet_name,
                        header_row,
                        col.written,
                        severity="warning",
                        column_letter=column_letter(col.index),
                    )
                )
        missing = [f.name for f in FIELDS[kind] if f.required and f.name not in used]
        if missing:
            sheet.problems.insert(0, self._missing(sheet_name, header_row, kind, missing, [c.written for c in cols]))
            return sheet
        sheet.columns = {f: c.written for f, c in used.items()}
        sheet.letters = {f: column_letter(c.index) for f, c in used.items()}
        start = at + (2 if two_level else 1)
        while start < len(rows) and _is_units_row(rows[start]):
            start += 1  # a line of units under the header: （人） （小时） …
        _fill_merged_down(rows, grid.merges, start)
        scales = money_scales(
            rows, at, start, _ffill(rows[at]) if two_level else [], [(f, c.index) for f, c in used.items()]
        )
        read_rows(
            sheet,
            rows,
            start,
            [(f, c.index, c.written) for f, c in used.items()],
            default_year=int(sheet.period[:4]) if sheet.period else self.settings.year,
            marker=marker,
            formula_cells=grid.formula_cells,
            scales=scales,
        )
        if sheet.period is None and kind in MONTH_KINDS:
            months = {r.get("month") for r in sheet.rows} - {None}
            if len(months) == 1:
                sheet.period = months.pop()
        return sheet

    def _skipped(self, sheet: str, found: list[str]) -> Problem:
        return Problem("sheet_skipped", self.file, sheet, params={"found": found}, severity="warning")

    def _missing(self, sheet: str, row: int | None, kind: Kind, missing: list[str], found: list[str]) -> Problem:
        names = [(self.settings.column_aliases.get(f) or (f,))[0] for f in missing]
        return Problem(
            "missing_columns",
            self.file,
            sheet,
            row,
            params={"kind": kind.value, "missing": names, "found": found},
        )

    def _without_header(self, sheet_name: str, rows: list[list[Any]], kind: Kind | None) -> Skipped | None:
        """No row names two fields: skip the sheet when it looks like a table (its name announces
        a kind, or a row holds a known header) and list what its likeliest header row holds."""
        limit = min(HEADER_SEARCH_ROWS, len(rows))
        best_i, best_hits = None, 0
        for i in range(limit):
            h = self._hits(rows[i])
            if h > best_hits:
                best_i, best_hits = i, h
        if best_i is None and kind is None:
            return None  # instructions, notes: no table at all
        if best_i is None:
            best_i = next((i for i in range(limit) if any(not is_blank(c) for c in rows[i])), None)
        if best_i is None:
            return None
        cols = self._columns(rows, best_i, False)
        written = [c.written for c in cols]
        named = None
        if kind is not None:
            found_fields = {c.field for c in cols if c.field}
            missing = [f.name for f in FIELDS[kind] if f.required and f.name not in found_fields]
            named = self._missing(sheet_name, best_i + 1, kind, missing, written)
        return Skipped(self._skipped(sheet_name, written), named)


def _fill_merged_down(grid: list[list[Any]], merges: Sequence[Merge], start: int) -> None:
    """A cell merged down over several data rows (a unit's name beside its people, one month for
    a block of rows) holds its value in its top row only, yet Excel shows it on every row it
    covers: give each of those rows the value. Merges in the header and title rows (above
    ``start``) are left to the header logic."""
    for (r0, c0), (r1, _c1) in merges:
        if r1 <= r0 or r0 < start or r0 >= len(grid) or c0 >= len(grid[r0]):
            continue
        value = grid[r0][c0]
        if is_blank(value):
            continue
        for row in grid[r0 + 1 : r1 + 1]:
            if c0 < len(row) and is_blank(row[c0]):
                row[c0] = value


def _ffill(row: list[Any]) -> list[Any]:
    """Merged header cells come as one value then blanks: carry it right."""
    out: list[Any] = []
    last = None
    for c in row:
        if not is_blank(c):
            last = c
        out.append(last)
    return out


def _is_units_row(row: list[Any]) -> bool:
    """Only bracketed units such as ``（人）`` ``(小时)``: part of the header, not data."""
    texts = [c for c in row if not is_blank(c)]
    return bool(texts) and all(type(c) is str and not normalise_header(c) for c in texts)
