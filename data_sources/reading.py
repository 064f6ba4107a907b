"""File bytes → ParsedFile: find the table in each sheet of a messy monthly report, map its headers,
type every cell, and say exactly what could not be understood.

Nothing here raises for bad content: a report that is not a spreadsheet, too large, or full of
typos comes back as Problems naming the file, sheet, Excel row, column and value, so the user can
fix everything in one go instead of one error per upload.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, BinaryIO

from dashboard.config import Settings
from data_sources.schema import FIELDS, Kind, ParsedFile, ParsedSheet, Problem
from data_sources.values import (
    CellError,
    display_value,
    field_parser,
    is_blank,
    month_from_text,
    normalise_header,
    parse_month,
    parse_number,
)

__all__ = ["read_file", "sheet_kind_from_name"]

log = logging.getLogger(__name__)

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
HEADER_SEARCH_ROWS = 20  # title, 填报 and blank lines above the header
MONTH_KINDS = (Kind.SUMMARY, Kind.LEDGER)
_CACHE_LIMIT = 20_000

_ROW_NUMBER_HEADERS = {"序号", "no", "no.", "#", "行号"}
_NOTE_RE = re.compile(r"^(?:注|说明|备注|填表说明|填报说明)(?:$|[:：\d一二三四五六七八九十、.．(])")
_SIGNATURE_RE = re.compile(r"(?:负责人|统计人|填表人|填报人|审核人|制表人|联系人|联系电话|审核|盖章|签字|签名)\s*[:：]")
_TOTAL_MARKERS = ("合计", "小计", "总计", "累计")
_FILED_DATE_RE = re.compile(r"(?:填报|填表|报送|制表|上报|打印)(?:日期|时间)")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# ---- entry point -------------------------------------------------------------------------------


def read_file(fileobj: BinaryIO, file_name: str, settings: Settings, period: str | None = None) -> ParsedFile:
    """Read one uploaded report. Never raises for bad content: every problem is in the result."""
    limit = settings.max_upload_bytes
    data = _read_at_most(fileobj, file_name, limit + 1)
    if len(data) > limit:
        # Over the limit: count (and hash) the rest in chunks, never holding it, never parsing it.
        digest, size = hashlib.sha256(data), len(data)
        del data
        for chunk in _chunks_left(fileobj, file_name):
            digest.update(chunk)
            size += len(chunk)
        parsed = ParsedFile(file=file_name, sha256=digest.hexdigest(), size=size, sheets=[])
        parsed.problems.append(
            Problem(
                "too_large", file_name, params={"size_mb": f"{size / 1048576:.1f}", "limit_mb": settings.max_upload_mb}
            )
        )
        return parsed
    parsed = ParsedFile(file=file_name, sha256=hashlib.sha256(data).hexdigest(), size=len(data), sheets=[])
    arg_period: str | None = None
    if period is not None and str(period).strip():
        try:
            arg_period = parse_month(period)
        except CellError:
            parsed.problems.append(Problem("bad_month", file_name, value=str(period)))
    try:
        _read_content(data, parsed, settings, arg_period)
    except (KeyboardInterrupt, SystemExit, MemoryError):
        raise
    except BaseException:  # a bug or a file calamine chokes on must not become a traceback
        log.exception("unexpected failure reading %s", file_name)
        parsed.sheets = []
        parsed.problems = [p for p in parsed.problems if p.code == "bad_month"]
        parsed.problems.append(Problem("not_spreadsheet", file_name))
    return parsed


def _as_bytes(data: Any) -> bytes:
    if isinstance(data, str):
        return data.encode("utf-8")
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    return b""


def _read_at_most(fileobj: BinaryIO, file_name: str, n: int) -> bytes:
    """Up to ``n`` bytes: a file far over the size limit is never read into memory whole."""
    out = bytearray()
    try:
        while len(out) < n:
            chunk = _as_bytes(fileobj.read(min(n - len(out), 1 << 24)))
            if not chunk:
                break
            out += chunk
    except Exception:
        log.exception("cannot read %s", file_name)
        return b""
    return bytes(out)


def _chunks_left(fileobj: BinaryIO, file_name: str) -> Iterator[bytes]:
    try:
        while chunk := _as_bytes(fileobj.read(1 << 20)):
            yield chunk
    except Exception:
        log.exception("cannot read %s", file_name)


def _read_content(data: bytes, parsed: ParsedFile, settings: Settings, arg_period: str | None) -> None:
    file_name = parsed.file
    if data[:4] == ZIP_MAGIC:
        guard = _zip_guard(data, settings)
        if guard is not None:
            parsed.problems.append(
                Problem(guard[0], file_name, params=guard[1]) if guard[0] else Problem("not_spreadsheet", file_name)
            )
            return
    grids = _grids(data, file_name)
    if grids is None:
        parsed.problems.append(Problem("not_spreadsheet", file_name))
        return
    reader = _SheetReader(settings, file_name, arg_period)
    for sheet_name, grid, name_hint, merges in grids:
        sheet = reader.read(sheet_name, grid, name_hint, merges)
        if sheet is not None:
            parsed.sheets.append(sheet)
    if not parsed.sheets:
        parsed.problems.append(Problem("no_table", file_name))


# ---- hostile workbooks -------------------------------------------------------------------------

# A real workbook's XML deflates 5-20x (a 100,000-row ledger: 30 MB of sheet XML in a 2.4 MB file).
# A zip bomb inflates far more; so does a tiny sheet with one cell at A1 and one at XFD1048576,
# which calamine would expand into a dense grid of billions of cells. Both are refused from the
# zip's central directory and a scan of the sheet XML, before calamine sees the bytes.
UNZIP_RATIO_LIMIT = 100  # unpacked / packed over the whole archive ...
UNZIP_RATIO_FLOOR = 16 * 1048576  # ... once it unpacks to more than this
UNZIP_PER_UPLOAD = 20  # and never more than 20x the upload limit (50 MB → 1,000 MB)
MAX_SHEET_CELLS = 50_000_000  # rows x columns of one sheet's grid (1,000,000 rows x 50 columns)

# White space is folded to " " and ' to ", so an r attribute is ` r="…"` as Excel writes it, or has
# spaces around "=" (then folded too; text in a cell such as "a = b" only makes it slower).
_FOLD = bytes.maketrans(b"\t\n\r'", b'   "')
_SPACED_EQ = re.compile(rb' r *= *"')
_WIDE_OR_LONG = re.compile(rb' r="(?:[A-Z]{2}|[A-Z]?[0-9]{7})')  # column AA or beyond, row 1,000,000 or beyond


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _sheet_extent(xml: bytes) -> tuple[int, int]:
    """(rows, columns) of the grid the sheet's cell and row references span, at least as large as
    the real one. An ordinary sheet costs a few scans for literal text (0.15 s for 100,000 rows);
    the exact maximum is searched for only when that bound is too large."""
    xml = xml.translate(_FOLD)
    if b" =" in xml or b"= " in xml:
        xml = _SPACED_EQ.sub(b' r="', xml)
    if not _WIDE_OR_LONG.search(xml):
        return 999_999, 26  # columns A-Z, rows below 1,000,000: within MAX_SHEET_CELLS
    cols = 0
    for pattern in (rb' r="([A-Z]{4,})[0-9]', rb' r="([A-Z]{3})[0-9]', rb' r="([A-Z]{2})[0-9]'):
        found = re.findall(pattern, xml)
        if found:
            cols = max(_column_number(f) for f in found)
            break
    huge = [int(r) for r in re.findall(rb' r="[A-Z]*([0-9]{8,})', xml)]
    if huge:
        rows = max(huge)
    else:
        rows = 1
        for d in range(7, 0, -1):
            if re.search(rb' r="[A-Z]*[0-9]{%d}"' % d, xml):
                rows = 10**d - 1
                if rows * max(cols, 26) > MAX_SHEET_CELLS:
                    rows = max(int(r) for r in re.findall(rb' r="[A-Z]*([0-9]{%d})"' % d, xml))
                break
    if not cols:
        cols = 26
        if rows * cols > MAX_SHEET_CELLS:  # only to name the right width in the message
            cols = max((_column_number(f) for f in re.findall(rb' r="([A-Z])[0-9]', xml)), default=1)
    return rows, cols


def _zip_guard(data: bytes, settings: Settings) -> tuple[str | None, dict[str, Any]] | None:
    """None when the workbook is safe to hand to calamine; else (code, params) of the problem, code
    None for "not a workbook at all" (a zip without xl/workbook.xml, a damaged or lying archive)."""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
            if not any(i.filename == "xl/workbook.xml" for i in infos):
                return None, {}  # .ods/.xlsb/any other zip: not a format we read
            unpacked = sum(i.file_size for i in infos)
            packed = max(1, sum(i.compress_size for i in infos))
            limit = UNZIP_PER_UPLOAD * settings.max_upload_bytes
            if unpacked > limit or (unpacked > UNZIP_RATIO_FLOOR and unpacked > UNZIP_RATIO_LIMIT * packed):
                return "zip_bomb", {
                    "unpacked_mb": f"{unpacked / 1048576:.1f}",
                    "ratio": f"{unpacked / packed:.0f}",
                    "limit_mb": limit // 1048576,
                }
            for info in infos:
                # Every member, not only xl/worksheets/*: calamine reads a sheet wherever the
                # workbook's relationships point. zipfile stops at the declared size and checks
                # the CRC, so a size that lies fails here.
                rows, cols = _sheet_extent(z.read(info))
                if rows * cols > MAX_SHEET_CELLS:
                    return "too_many_cells", {"rows": rows, "cols": cols, "limit": MAX_SHEET_CELLS}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, ValueError):
        return None, {}
    return None


# ---- bytes → grids ----------------------------------------------------------------------------


Merge = tuple[tuple[int, int], tuple[int, int]]  # ((first row, first column), (last row, last column)), 0-based


def _grids(data: bytes, file_name: str) -> list[tuple[str, list[list[Any]], str, list[Merge]]] | None:
    """[(sheet name, rows as lists, name used to guess the kind, merged ranges)] or None when not
    a spreadsheet."""
    if data[:4] == ZIP_MAGIC or data[:8] == OLE_MAGIC:
        try:
            return [(name, rows, name, merges) for name, rows, merges in _calamine_sheets(data)]
        except (KeyboardInterrupt, SystemExit, MemoryError):
            raise
        except BaseException:  # calamine's Rust panics arrive as pyo3 PanicException (a BaseException)
            return None
    rows = _csv_rows(data)
    if rows is None:
        return None
    stem = PurePath(file_name).stem or "CSV"
    return [(stem, rows, stem, [])]


def _calamine_sheets(data: bytes) -> list[tuple[str, list[list[Any]], list[Merge]]]:
    """Every worksheet as rows of Python values, row i = Excel row i + 1, with its merged ranges.

    This is what ``pandas.read_excel(engine="calamine", header=None, dtype=object)`` does, minus
    its per-cell Python conversion (whole floats → int, empty → NaN) and the DataFrame round trip,
    which cost more than all our parsing on a 100,000-row ledger; the parsers take floats and ""
    as they come.
    """
    from python_calamine import CalamineWorkbook, SheetTypeEnum

    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    names = [m.name for m in book.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
    out = []
    for n in names:
        sheet = book.get_sheet_by_name(n)
        out.append((str(n), sheet.to_python(skip_empty_area=False), list(sheet.merged_cell_ranges or [])))
    return out


def _decode(data: bytes) -> str | None:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # Excel's "Unicode text" export
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    if b"\x00" in data:
        return None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _csv_rows(data: bytes) -> list[list[Any]] | None:
    text = _decode(data)
    if not text or not text.strip() or _CONTROL_RE.search(text):
        return None
    sample = text[:20000].splitlines()[:50]
    hint = re.fullmatch(r"sep=(.)", sample[0].strip()) if sample else None  # Excel's delimiter line
    if hint:
        delimiter = hint.group(1)
    else:
        delimiter = max((",", "\t", ";", "|"), key=lambda d: sum(line.count(d) for line in sample))
    rows: list[list[Any]] = []
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        start_line = 0
        for record in reader:
            # A quoted cell with line breaks spans several lines: keep index = line number - 1.
            rows.extend([] for _ in range(start_line - len(rows)))
            rows.append(record)
            start_line = reader.line_num
    except csv.Error:
        return None
    if not any(len(r) >= 2 for r in rows):
        return None
    width = max(len(r) for r in rows)
    return [r + [None] * (width - len(r)) for r in rows]


# ---- one sheet --------------------------------------------------------------------------------


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


_Parser = Callable[[Any], Any]


class _SheetReader:
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

    def read(
        self, sheet_name: str, grid: list[list[Any]], name_hint: str, merges: Sequence[Merge] = ()
    ) -> ParsedSheet | None:
        if not grid:
            return None
        name_kind = sheet_kind_from_name(name_hint, self.settings.sheet_aliases)
        header = self._find_header(grid)
        if header is None:
            if name_kind is None:
                return None
            return self._named_without_header(sheet_name, grid, name_kind)
        at, two_level = header
        header_row = at + 1  # Excel row number
        cols = self._columns(grid, at, two_level)
        found = {c.field for c in cols if c.field}
        kind, coverage = self._choose_kind(found, name_kind)
        if coverage < 0.5:
            if name_kind is None:
                return None  # a table of something else (instructions, a chart's data)
            kind = name_kind  # the sheet says what it should be: report what it lacks
        title_period = self._title_period(grid, at)
        period = title_period or month_from_text(sheet_name) or self.file_period or self.arg_period
        sheet = ParsedSheet(file=self.file, sheet=sheet_name, kind=kind, period=period, columns={}, rows=[])
        specs = {f.name: f for f in FIELDS[kind]}
        used: dict[str, _Column] = {}
        for col in cols:
            if col.field in specs and col.field not in used:
                used[col.field] = col
            elif normalise_header(col.written) in _ROW_NUMBER_HEADERS:
                continue
            else:
                sheet.problems.append(
                    Problem("column_ignored", self.file, sheet_name, header_row, col.written, severity="warning")
                )
        missing = [f.name for f in FIELDS[kind] if f.required and f.name not in used]
        if missing:
            sheet.problems.insert(0, self._missing(sheet_name, header_row, kind, missing, [c.written for c in cols]))
            return sheet
        sheet.columns = {f: c.written for f, c in used.items()}
        start = at + (2 if two_level else 1)
        while start < len(grid) and _is_units_row(grid[start]):
            start += 1  # a line of units under the header: （人） （小时） …
        _fill_merged_down(grid, merges, start)
        scales = _money_scales(grid, at, start, two_level, used)
        self._read_rows(sheet, grid, start, used, specs, scales)
        if sheet.period is None and kind in MONTH_KINDS:
            months = {r.get("month") for r in sheet.rows} - {None}
            if len(months) == 1:
                sheet.period = months.pop()
        return sheet

    def _missing(self, sheet: str, row: int | None, kind: Kind, missing: list[str], found: list[str]) -> Problem:
        names = [(self.settings.column_aliases.get(f) or (f,))[0] for f in missing]
        return Problem(
            "missing_columns",
            self.file,
            sheet,
            row,
            params={"kind": kind.value, "missing": names, "found": found},
        )

    def _named_without_header(self, sheet_name: str, grid: list[list[Any]], kind: Kind) -> ParsedSheet | None:
        """A sheet called 月报 (etc.) whose header we cannot find: list what its first row holds."""
        limit = min(HEADER_SEARCH_ROWS, len(grid))
        best_i, best_hits = None, 0
        for i in range(limit):
            h = self._hits(grid[i])
            if h > best_hits:
                best_i, best_hits = i, h
        if best_i is None:
            best_i = next((i for i in range(limit) if any(not is_blank(c) for c in grid[i])), None)
        if best_i is None:
            return None
        cols = self._columns(grid, best_i, False)
        found_fields = {c.field for c in cols if c.field}
        missing = [f.name for f in FIELDS[kind] if f.required and f.name not in found_fields]
        sheet = ParsedSheet(file=self.file, sheet=sheet_name, kind=kind, period=None, columns={}, rows=[])
        sheet.problems.append(self._missing(sheet_name, best_i + 1, kind, missing, [c.written for c in cols]))
        return sheet

    def _read_rows(
        self,
        sheet: ParsedSheet,
        grid: list[list[Any]],
        start: int,
        used: dict[str, _Column],
        specs: dict[str, Any],
        scales: dict[str, int] | None = None,
    ) -> None:
        file, name, problems = self.file, sheet.sheet, sheet.problems
        needs_month = sheet.kind in MONTH_KINDS
        default_year = int(sheet.period[:4]) if sheet.period else self.settings.year
        plan = []  # (field, column index, parser, required, written, is_level, cache)
        for fname, spec in specs.items():
            col = used.get(fname)
            if col is None:
                continue
            cache: dict[Any, Any] | None = {} if fname not in ("employee_id", "name") else None
            parser = field_parser(spec.type, default_year)
            if scales and fname in scales:
                parser = _in_yuan(parser, scales[fname])
            plan.append(
                (
                    fname,
                    col.index,
                    parser,
                    spec.required,
                    col.written,
                    spec.type == "level",
                    cache,
                )
            )
        unit_idx = used["unit"].index if "unit" in used else None
        month_col = used.get("month")
        header_norm = {c.index: normalise_header(c.written) for c in used.values()}
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
            # Only the fields the sheet has (plus the month, which may come from the title): the
            # store can then tell a column left out (keep what is stored) from a cell left empty.
            out: dict[str, Any] = {}
            row_problems: list[Problem] = []
            filled = 0
            for fname, j, parser, required, written, is_level, cache in plan:
                raw = row[j]
                traw = type(raw)
                if raw is None or (traw is float and raw != raw) or (traw is str and (not raw or raw.isspace())):
                    if required:
                        row_problems.append(Problem("required", file, name, excel_row, written))
                    out[fname] = None
                    continue
                filled += 1
                hit = None
                if cache is not None and traw is str:
                    hit = cache.get(raw)
                if hit is None:
                    try:
                        hit = parser(raw)
                    except CellError as e:
                        hit = e
                    except Exception:
                        hit = CellError("bad_month" if fname == "month" else "not_a_number", raw)
                    if cache is not None and traw is str and len(cache) < _CACHE_LIMIT:
                        cache[raw] = hit
                if type(hit) is CellError:
                    row_problems.append(Problem(hit.code, file, name, excel_row, written, _shown(raw)))
                    out[fname] = None
                    continue
                if is_level:
                    hit, warning = hit
                    if warning:
                        row_problems.append(
                            Problem(warning, file, name, excel_row, written, _shown(raw), severity="warning")
                        )
                if hit is None and required:
                    row_problems.append(Problem("required", file, name, excel_row, written))
                out[fname] = hit
            if not filled:
                continue  # only 序号 or ignored columns filled: a template's empty line
            if row_problems:
                problems.extend(row_problems)
            if needs_month and out.get("month") is None and (month_col is None or is_blank(row[month_col.index])):
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
            problems.append(Problem("no_period", file, name, column=month_col.written if month_col else None))


# ---- money columns -----------------------------------------------------------------------------

# 培训经费 and 工资总额 are stored in 元. Offices often write them in 万元: in the header
# (工资总额（万元）), in a line of units under it, or in a 金额单位：万元 line above the table. The
# header normaliser drops bracketed units, so the unit is read here, from the header cells as written.
MONEY_FIELDS = ("training_funds", "payroll")
_MONEY_UNITS = (("万元", 10_000), ("千元", 1_000), ("元", 1))
_TABLE_UNIT_RE = re.compile(r"单位\s*[:：]\s*(万元|千元|元)")


def _money_unit(text: Any) -> int | None:
    if type(text) is not str:
        return None
    s = unicodedata.normalize("NFKC", text)
    return next((factor for word, factor in _MONEY_UNITS if word in s), None)


def _money_scales(
    grid: list[list[Any]], at: int, start: int, two_level: bool, used: dict[str, _Column]
) -> dict[str, int]:
    """Field → factor to 元 for the money columns not in 元: the column's own header cells (rows
    ``at``..``start`` - 1, and a merged parent of a two-level header) first, else a 单位：万元 line
    above the table."""
    table_unit = None
    for row in grid[:at]:
        for c in row:
            m = _TABLE_UNIT_RE.search(unicodedata.normalize("NFKC", c)) if type(c) is str else None
            if m:
                table_unit = _money_unit(m.group(1))
    parents = _ffill(grid[at]) if two_level else []
    out: dict[str, int] = {}
    for fname in MONEY_FIELDS:
        col = used.get(fname)
        if col is None:
            continue
        cells = [grid[r][col.index] for r in range(at, start) if col.index < len(grid[r])]
        if col.index < len(parents):
            cells.append(parents[col.index])
        factor = next((f for f in map(_money_unit, cells) if f is not None), table_unit)
        if factor is not None and factor != 1:
            out[fname] = factor
    return out


def _in_yuan(parser: _Parser, factor: int) -> _Parser:
    def parse(raw: Any) -> Any:
        value = parser(raw)
        return None if value is None else round(value * factor, 2)

    return parse


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
