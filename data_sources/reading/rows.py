"""Typed rows: every cell of a found table through its field's parser, skipping what is not data
(合计/小计 rows, 注： notes, signature lines, the header printed again, the template's example
rows) and naming every cell it cannot read by sheet, Excel row, column letter and header.
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from typing import Any

from data_sources.reading.money import in_yuan
from data_sources.schema import FIELDS, Kind, ParsedSheet, Problem, column_letter
from data_sources.values import CellError, display_value, field_parser, is_blank, normalise_header, parse_or_error

__all__ = ["EXAMPLE_MARK", "read_rows"]

MONTH_KINDS = (Kind.SUMMARY, Kind.LEDGER)
_CACHE_LIMIT = 20_000
# What the template writes in the 序号 column of its example rows (DESIGN §3), and what a
# clerk may have typed there for the same meaning.
EXAMPLE_MARK = "示例"
_EXAMPLE_MARKS = {EXAMPLE_MARK, "样例", "示例行", "例", "example", "e.g.", "eg"}
_NOTE_RE = re.compile(r"^(?:注|说明|备注|填表说明|填报说明)(?:$|[:：\d一二三四五六七八九十、.．(])")
_SIGNATURE_RE = re.compile(r"(?:负责人|统计人|填表人|填报人|审核人|制表人|联系人|联系电话|审核|盖章|签字|签名)\s*[:：]")
_TOTAL_MARKERS = ("合计", "小计", "总计", "累计")


def _is_example_mark(value: Any) -> bool:
    return type(value) is str and normalise_header(value).lower() in _EXAMPLE_MARKS


def read_rows(
    sheet: ParsedSheet,
    grid: list[list[Any]],
    start: int,
    columns: list[tuple[str, int, str]],
    default_year: int,
    marker: int | None = None,
    formula_cells: AbstractSet[tuple[int, int]] = frozenset(),
    scales: dict[str, int] | None = None,
) -> None:
    """Type the rows of ``grid`` from ``start`` into ``sheet.rows`` (problems into
    ``sheet.problems``). ``columns`` are (field, 0-based column, header as written); ``marker``
    the 序号 column, where the template marks its example rows; ``formula_cells`` the (row,
    column) cells whose formula has no saved value; ``scales`` the factor to 元 of a money column
    written in 万元/千元 (reading.money)."""
    file, name, problems = sheet.file, sheet.sheet, sheet.problems
    needs_month = sheet.kind in MONTH_KINDS
    where = {f: (j, written) for f, j, written in columns}
    plan = []  # (field, column index, parser, required, written, letter, is_level, cache)
    for spec in FIELDS[sheet.kind]:
        if spec.name not in where:
            continue
        j, written = where[spec.name]
        cache: dict[Any, Any] | None = {} if spec.name not in ("employee_id", "name") else None
        parser = field_parser(spec.type, default_year)
        if scales and spec.name in scales:
            parser = in_yuan(parser, scales[spec.name])
        plan.append(
            (
                spec.name,
                j,
                parser,
                spec.required,
                written,
                column_letter(j),
                spec.type == "level",
                cache,
            )
        )
    unit_idx = where["unit"][0] if "unit" in where else None
    month_col = where.get("month")
    header_norm = {j: normalise_header(written) for _f, j, written in columns}
    first_idx = plan[0][1] if plan else 0
    first_written = plan[0][4] if plan else None
    no_period = False
    rows_out = sheet.rows
    for i in range(start, len(grid)):
        row = grid[i]
        # One pass: the first non-empty cell, and whether any text holds a colon (signatures).
        first = None
        colon = False
        for c in row:
            tc = type(c)
            if c is None or (tc is float and c != c):
                continue
            if tc is str:
                if not c or c.isspace():
                    continue
                if ":" in c or "：" in c:
                    colon = True
            elif tc is not int and tc is not bool and is_blank(c):
                continue
            if first is None:
                first = c
        if first is None:
            continue
        if type(first) is str:
            if ("注" in first or "说明" in first or "备注" in first) and _NOTE_RE.match(
                normalise_header(first) or first.strip()
            ):
                break  # notes end the table
            if "计" in first and _is_total(first):
                continue
        if unit_idx is not None:
            u = row[unit_idx]
            if type(u) is str and "计" in u and _is_total(u):
                continue
        if colon and _is_signature(row):
            continue
        h = row[first_idx]
        if type(h) is str and h.strip() == first_written and _repeats_header(row, header_norm):
            continue  # the header printed again (page break)
        excel_row = i + 1
        if marker is not None and _is_example_mark(row[marker]):
            problems.append(Problem("example_row", file, name, excel_row, severity="warning"))
            continue
        # Only the fields the sheet has (plus the month, which may come from the title): the
        # store can then tell a column left out (keep what is stored) from a cell left empty.
        out: dict[str, Any] = {}
        row_problems: list[Problem] = []
        filled = 0
        for fname, j, parser, required, written, letter, is_level, cache in plan:
            raw = row[j]
            traw = type(raw)
            if raw is None or (traw is float and raw != raw) or (traw is str and (not raw or raw.isspace())):
                if formula_cells and (i, j) in formula_cells:
                    row_problems.append(
                        Problem("formula_not_cached", file, name, excel_row, written, column_letter=letter)
                    )
                elif required:
                    row_problems.append(Problem("required", file, name, excel_row, written, column_letter=letter))
                out[fname] = None
                continue
            filled += 1
            hit = None
            if cache is not None and traw is str:
                hit = cache.get(raw)
            if hit is None:
                hit = parse_or_error(parser, raw, fname)
                if cache is not None and traw is str and len(cache) < _CACHE_LIMIT:
                    cache[raw] = hit
            if type(hit) is CellError:
                row_problems.append(
                    Problem(hit.code, file, name, excel_row, written, _shown(raw), column_letter=letter)
                )
                out[fname] = None
                continue
            if is_level:
                hit, warning = hit
                if warning:
                    row_problems.append(
                        Problem(
                            warning,
                            file,
                            name,
                            excel_row,
                            written,
                            _shown(raw),
                            severity="warning",
                            column_letter=letter,
                        )
                    )
            if hit is None and required:
                row_problems.append(Problem("required", file, name, excel_row, written, column_letter=letter))
            out[fname] = hit
        if not filled:
            continue  # only 序号 or ignored columns filled: a template's empty line
        if row_problems:
            problems.extend(row_problems)
        if needs_month and out.get("month") is None and (month_col is None or is_blank(row[month_col[0]])):
            if sheet.period is not None:
                out["month"] = sheet.period
            else:
                out["month"] = None
                no_period = True
        # A row with errors stays (its bad cells None) so the cross-row rules still see it;
        # ParsedFile.errors is what keeps it out of the store.
        out["_row"] = excel_row
        rows_out.append(out)
    if no_period:
        problems.append(
            Problem(
                "no_period",
                file,
                name,
                column=month_col[1] if month_col else None,
                column_letter=column_letter(month_col[0]) if month_col else None,
            )
        )


def _is_total(text: str) -> bool:
    """合计, 总 计, 全厂合计, 本年累计: a label ending in a total marker (综合计划处 is a unit)."""
    s = normalise_header(text)
    return len(s) <= 8 and s.endswith(_TOTAL_MARKERS)


def _is_signature(row: list[Any]) -> bool:
    return any(type(c) is str and (":" in c or "：" in c) and _SIGNATURE_RE.search(c) for c in row)


def _repeats_header(row: list[Any], header_norm: dict[int, str]) -> bool:
    same = sum(1 for j, h in header_norm.items() if type(row[j]) is str and normalise_header(row[j]) == h)
    return same >= 2


def _shown(raw: Any) -> str:
    """The raw cell as the user sees it in Excel."""
    return display_value(raw).strip() if type(raw) is str else display_value(raw)
