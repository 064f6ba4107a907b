"""Hostile workbooks never reach calamine: what a zip package would cost to read is worked out
from its central directory and a streamed scan of its parts, and a package that would cost far
more than any report is refused (``limits.Refused``).

- the archive: unpacked size against the upload limit and the packed size (zip bombs);
- each sheet: the dense grid calamine builds (rows × columns, counting cells with and without
  ``r=`` references, since calamine places a cell without one after the previous cell) and the
  number of cells it holds;
- the text the cells expand to: a shared string is copied into every cell that points to it, so
  Σ (length of the string referenced) over the ``t="s"`` cells, plus inline strings;
- .xlsb sheets (binary records) and .ods content (repeated rows and cells) the same way.

The scan also notes formula cells with no saved value, which calamine reads as empty.
"""

from __future__ import annotations

import re
import struct
import zipfile
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import pairwise, repeat
from operator import add

from data_sources.reading import limits
from data_sources.reading.limits import Refused
from data_sources.reading.sniff import member, resolve

__all__ = ["Cell", "WorkbookScan", "check_archive", "scan_ods", "scan_ooxml", "scan_xlsb"]

Cell = tuple[int, int]  # (row, column), 0-based
MB = 1048576


@dataclass
class WorkbookScan:
    """What the scan learnt that the reader needs: formula cells without a saved value, by sheet."""

    formula_cells: dict[str, set[Cell]] = field(default_factory=dict)


@dataclass
class _Extent:
    """Running totals of one sheet part."""

    rows_r: int = 0  # largest row number given by an r= reference
    cols_r: int = 0  # largest column number given by an r= reference
    rows_without_r: int = 0  # row elements without r= (each is the previous row + 1)
    widest_row: int = 0  # most cells without r= in one row (they go right of the previous cell)
    open_row: int = 0  # such cells counted so far in the row a piece ended in
    cells: int = 0
    unplaced: int = 0  # cells not written as <c r="…": the widest row has at most these

    def grid(self) -> tuple[int, int]:
        return max(self.rows_r + self.rows_without_r, 1), max(self.cols_r + self.widest_row, 1)

    def check(self) -> None:
        rows, cols = self.grid()
        if rows * cols < self.cells:  # refused on the count while streaming: rows of average width
            cols = -(-self.cells // rows)
        if self.cells > limits.MAX_SHEET_CELLS or rows * cols > limits.MAX_SHEET_CELLS:
            raise Refused("too_many_cells", {"rows": rows, "cols": cols, "limit": limits.MAX_SHEET_CELLS})


def check_archive(z: zipfile.ZipFile, max_upload_bytes: int) -> None:
    """Zip bombs, from the central directory alone."""
    infos = z.infolist()
    unpacked = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    limit = limits.UNZIP_PER_UPLOAD * max_upload_bytes
    if unpacked > limit or (unpacked > limits.UNZIP_RATIO_FLOOR and unpacked > limits.UNZIP_RATIO_LIMIT * packed):
        raise Refused(
            "zip_bomb",
            {"unpacked_mb": f"{unpacked / MB:.1f}", "ratio": f"{unpacked / packed:.0f}", "limit_mb": limit // MB},
        )


def _text_check(total: int) -> None:
    if total > limits.MAX_TEXT_BYTES:
        raise Refused("text_too_large", {"expanded_mb": f"{total / MB:.1f}", "limit_mb": limits.MAX_TEXT_BYTES // MB})


def _pieces(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[tuple[int, bytes]]:
    """(offset, piece) of a member's bytes, each piece ending after a ``>`` so no tag is cut.
    zipfile stops at the declared size and checks the CRC, so a member whose sizes lie fails."""
    carry = b""
    offset = 0
    with z.open(info) as f:
        while True:
            chunk = f.read(limits.SCAN_CHUNK)
            if not chunk:
                break
            data = carry + chunk
            cut = data.rfind(b">") + 1
            if cut == 0:
                carry = data
                continue
            yield offset, data[:cut]
            offset += cut
            carry = data[cut:]
    if carry:
        yield offset, carry


# ---- SpreadsheetML (.xlsx/.xlsm) ---------------------------------------------------------------

# White space is folded to " " and ' to ", so an attribute reads ` r="…"` as Excel writes it; the
# few writers that put spaces around "=" are folded too.
_FOLD = bytes.maketrans(b"\t\n\r'", b'   "')
_SPACED_EQ = re.compile(rb' *= *"')
_WIDE_OR_LONG = re.compile(rb' r="(?:[A-Z]{2}|[A-Z]?[0-9]{7})')  # column AA or beyond, row 1,000,000 or beyond
_ROW_NUMBERS = re.compile(rb' r="[A-Z]*([0-9]+)"')
_SST_ROOT = re.compile(rb"<(?:[\w.-]+:)?sst[\s>]")
_SI = re.compile(rb"<(?:[\w.-]+:)?si[\s>/]")
_ROW_SPLIT = re.compile(rb"<(?:[\w.-]+:)?row[\s>/]")
_BARE_TAG = re.compile(rb"<(?:c|row)[>/]")
_PREFIXED = re.compile(rb":(?:c|row)[\s>/]")  # <x:c …>, or text such as "a:c b" (then only slower)
_CELL_ATTRS = re.compile(rb"<(?:[\w.-]+:)?c(?=[\s>/])([^>]*)>")
_FORMULA = re.compile(rb"<(?:[\w.-]+:)?f[\s>/]")
_CELL_END = re.compile(rb"</(?:[\w.-]+:)?c>|<(?:[\w.-]+:)?c[\s>/]|</(?:[\w.-]+:)?row>")
_VALUE = re.compile(rb"<(?:[\w.-]+:)?v>\s*[^<\s]|<(?:[\w.-]+:)?is[\s>]")
_CELL_REF = re.compile(rb' r="([A-Z]{1,3})([0-9]{1,7})"')
_SHARED_CELL = re.compile(rb'<(?:[\w.-]+:)?c [^>]*?t="s"[^>]*>\s*<(?:[\w.-]+:)?v>\s*([0-9]+)')
_INLINE_TEXT = re.compile(rb"<(?:[\w.-]+:)?t(?:\s[^>]*)?>([^<]*)")  # the text of <t> elements
_SHEET = re.compile(rb"<(?:[\w.-]+:)?sheet\b([^>]*)>")
_ATTR_NAME = re.compile(rb'\bname="([^"]*)"')
_ATTR_RID = re.compile(rb'\b[\w.-]+:id="([^"]*)"')
_RELATIONSHIP = re.compile(rb"<(?:[\w.-]+:)?Relationship\b([^>]*)>")
_ATTR_ID = re.compile(rb'\bId="([^"]*)"')
_ATTR_TARGET = re.compile(rb'\bTarget="([^"]*)"')


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _r_extent(xml: bytes, exact_rows: bool) -> tuple[int, int]:
    """(largest row, largest column) named by r= references, or a bound at least as large. An
    ordinary sheet costs a few scans for literal text (0.15 s for 100,000 rows); the exact maximum
    is searched for only when that bound is too large or cells without r= need it."""
    if b' r="' not in xml:
        return 0, 0
    if not exact_rows and not _WIDE_OR_LONG.search(xml):
        return 999_999, 26  # columns A-Z, rows below 1,000,000: within MAX_SHEET_CELLS
    cols = 0
    for pattern in (rb' r="([A-Z]{4,})[0-9]', rb' r="([A-Z]{3})[0-9]', rb' r="([A-Z]{2})[0-9]'):
        found = re.findall(pattern, xml)
        if found:
            cols = max(_column_number(f) for f in found)
            break
    if exact_rows:
        rows = max((int(r) for r in _ROW_NUMBERS.findall(xml)), default=0)
    else:
        huge = [int(r) for r in re.findall(rb' r="[A-Z]*([0-9]{8,})', xml)]
        if huge:
            rows = max(huge)
        else:
            rows = 1
            for d in range(7, 0, -1):
                if re.search(rb' r="[A-Z]*[0-9]{%d}"' % d, xml):
                    rows = 10**d - 1
                    if rows * max(cols, 26) > limits.MAX_SHEET_CELLS:
                        rows = max(int(r) for r in re.findall(rb' r="[A-Z]*([0-9]{%d})"' % d, xml))
                    break
    if not cols:
        cols = max((_column_number(f) for f in re.findall(rb' r="([A-Z])[0-9]', xml)), default=0)
    return rows, cols


def _count(xml: bytes, *needles: bytes) -> int:
    return sum(xml.count(n) for n in needles)


def _fold(xml: bytes) -> bytes:
    xml = xml.translate(_FOLD)
    if b" =" in xml or b"= " in xml:
        xml = _SPACED_EQ.sub(b'="', xml)
    return xml


def _scan_piece(xml: bytes, ext: _Extent) -> tuple[int, int, list[Cell]]:
    """Add one piece of (folded) sheet XML to ``ext`` with a few scans for literal text; returns
    (cells pointing to a shared string, a bound of its inline strings' bytes, formula cells without
    a saved value)."""
    bare = _BARE_TAG.search(xml) is not None  # <c>, <c/>, <row>, <row/>: counted when there
    cells = _count(xml, b"<c ", b"<c>", b"<c/") if bare else xml.count(b"<c ")
    cells_r = xml.count(b'<c r="')
    rows = _count(xml, b"<row ", b"<row>", b"<row/") if bare else xml.count(b"<row ")
    rows_r = xml.count(b'<row r="')
    if _PREFIXED.search(xml):  # <x:c …>: count with the prefix (text such as "a:c b" only makes it larger)
        cells += _count(xml, b":c ", b":c>", b":c/")
        cells_r += xml.count(b':c r="')
        rows += _count(xml, b":row ", b":row>", b":row/")
        rows_r += xml.count(b':row r="')
    ext.cells += cells
    ext.rows_without_r += rows - rows_r
    if not cells:
        return 0, 0, []  # no cell, no grid (themes and drawings carry r= attributes of their own)
    hidden_markup = b"<!" in xml  # a comment or CDATA could hide tags from the counts
    all_placed = cells_r == cells and rows_r == rows and not hidden_markup
    ext.unplaced += cells if hidden_markup else cells - cells_r
    r_rows, r_cols = _r_extent(xml, exact_rows=not all_placed)
    ext.rows_r = max(ext.rows_r, r_rows)
    ext.cols_r = max(ext.cols_r, r_cols)
    # Inline strings are text of the XML itself: the piece's size bounds them (counted exactly only
    # when the bounds add up past the limit).
    inline = len(xml) if b"inlineStr" in xml else 0
    formulas = _uncached_formulas(xml) if (b"<f" in xml or b":f" in xml) else []
    return xml.count(b' t="s"'), inline, formulas


def _row_widths(xml: bytes, ext: _Extent) -> None:
    """The most cells without r= in one row of a piece (a second pass over a sheet, only when
    the cells without r= could widen the grid past the limit)."""
    if b"<!" in xml or _PREFIXED.search(xml) or b'<c r="' in xml:
        counts = [sum(1 for a in _CELL_ATTRS.findall(s) if b' r="' not in a) for s in _ROW_SPLIT.split(xml)]
    else:  # no cell placed by r=: count them all, at C speed
        segments = xml.split(b"<row")
        counts = list(map(bytes.count, segments, repeat(b"<c ")))
        for needle in (b"<c>", b"<c/") if _BARE_TAG.search(xml) else ():
            counts = list(map(add, counts, map(bytes.count, segments, repeat(needle))))
    counts[0] += ext.open_row
    ext.widest_row = max(ext.widest_row, max(counts))
    ext.open_row = counts[-1]


def _shared_text(xml: bytes, lengths: array) -> int:
    """Exact bytes the shared-string cells of one piece expand to."""
    n = len(lengths)
    return sum(lengths[i] for i in map(int, _SHARED_CELL.findall(xml)) if i < n)


def _uncached_formulas(xml: bytes) -> list[Cell]:
    """Cells holding a formula and no value: calamine reads them as empty."""
    out: list[Cell] = []
    for m in _FORMULA.finditer(xml):
        start = max(xml.rfind(b"<c ", 0, m.start()), xml.rfind(b"<c>", 0, m.start()), xml.rfind(b":c ", 0, m.start()))
        if start < 0:
            continue
        end_m = _CELL_END.search(xml, m.end())
        end = end_m.start() if end_m else len(xml)
        if _VALUE.search(xml, m.end(), end):
            continue
        tag_end = xml.find(b">", start)
        ref = _CELL_REF.search(xml, start, tag_end if tag_end > 0 else end)
        if ref is None:
            continue
        out.append((int(ref.group(2)) - 1, _column_number(ref.group(1)) - 1))
        if len(out) >= limits.MAX_FORMULA_CELLS:
            break
    return out


def _shared_string_lengths(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> array:
    """Bytes of each shared string's XML (an upper bound of its text), by index."""
    starts = array("q")
    end = 0
    for offset, piece in _pieces(z, info):
        starts.extend(offset + m.start() for m in _SI.finditer(piece))
        end = offset + len(piece)
    lengths = array("q", (b - a for a, b in pairwise(starts)))
    if starts:
        lengths.append(end - starts[-1])
    return lengths


def _sheet_parts(z: zipfile.ZipFile, names: dict[str, zipfile.ZipInfo], folder: str) -> dict[str, str]:
    """Member path (lower case) → sheet name, from workbook.xml and its relationships."""
    wb = member(names, f"{folder}workbook.xml")
    rels = member(names, f"{folder}_rels/workbook.xml.rels")
    if wb is None or rels is None or wb.file_size > 64 * MB or rels.file_size > 64 * MB:
        return {}
    targets: dict[bytes, str] = {}
    for m in _RELATIONSHIP.finditer(z.read(rels)):
        rid, target = _ATTR_ID.search(m.group(1)), _ATTR_TARGET.search(m.group(1))
        if rid and target:
            targets[rid.group(1)] = resolve(folder.rstrip("/"), target.group(1).decode("utf-8", "replace")).lower()
    out: dict[str, str] = {}
    for m in _SHEET.finditer(z.read(wb).translate(_FOLD)):
        name, rid = _ATTR_NAME.search(m.group(1)), _ATTR_RID.search(m.group(1))
        if name and rid and rid.group(1) in targets:
            out[targets[rid.group(1)]] = _unescape(name.group(1).decode("utf-8", "replace"))
    return out


def _unescape(text: str) -> str:
    from html import unescape

    return unescape(text)


def _is_xml(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    with z.open(info) as f:
        head = f.read(512)
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<"


def scan_ooxml(z: zipfile.ZipFile, folder: str) -> WorkbookScan:
    """Every XML member is scanned, not only xl/worksheets/*: calamine reads a sheet wherever the
    workbook's relationships point."""
    names = {i.filename.lower(): i for i in z.infolist()}
    infos = [i for i in z.infolist() if not i.is_dir() and i.file_size and _is_xml(z, i)]
    lengths = array("q")
    sst_members = set()
    for info in infos:
        with z.open(info) as f:
            head = f.read(2048)
        if _SST_ROOT.search(head):
            sst_members.add(info.filename)
            found = _shared_string_lengths(z, info)
            if len(found) > len(lengths):
                found, lengths = lengths, found
            for i, n in enumerate(found):  # several tables: assume the longest string at each index
                lengths[i] = max(lengths[i], n)
    longest = max(lengths, default=0)
    parts = _sheet_parts(z, names, folder)
    sheets = [i for i in infos if i.filename not in sst_members]
    scan = WorkbookScan()
    bound = 0  # text the cells expand to, with every shared string as long as the longest
    for info in sheets:
        ext = _Extent()
        formulas: list[Cell] = []
        for _offset, piece in _pieces(z, info):
            shared, inline, piece_formulas = _scan_piece(_fold(piece), ext)
            bound += shared * longest + inline
            formulas.extend(piece_formulas)
            if ext.cells > limits.MAX_SHEET_CELLS:
                ext.check()  # refused while streaming: the rest is never inflated
        if ext.unplaced:
            ext.widest_row = ext.unplaced  # a bound; counted row by row only when it matters
            rows, cols = ext.grid()
            if rows * cols > limits.MAX_SHEET_CELLS:
                ext.widest_row = 0
                for _offset, piece in _pieces(z, info):
                    _row_widths(_fold(piece), ext)
        ext.check()
        sheet = parts.get(info.filename.lower())
        if formulas and sheet is not None:
            scan.formula_cells[sheet] = set(formulas[: limits.MAX_FORMULA_CELLS])
    if bound > limits.MAX_TEXT_BYTES:  # the bound is loose: count exactly before refusing
        text = 0
        for info in sheets:
            for _offset, piece in _pieces(z, info):
                piece = _fold(piece)
                text += _shared_text(piece, lengths)
                if b"inlineStr" in piece:
                    text += sum(map(len, _INLINE_TEXT.findall(piece)))
                _text_check(text)
    return scan


# ---- .xlsb (binary records) --------------------------------------------------------------------

_CELL_RECORDS = frozenset(range(2, 12))  # BrtCellRk … BrtFmlaError (BrtCellBlank, 1, is skipped)
_ROW_HEADER, _SST_ITEM, _CELL_ISST, _CELL_ST, _FMLA_STRING = 0x00, 0x13, 0x07, 0x06, 0x08


def _varint(buf: bytes, pos: int, most: int) -> tuple[int, int] | None:
    """(value, next position) of a 7-bit little-endian number of at most ``most`` bytes, or None
    when ``buf`` ends inside it."""
    value = shift = 0
    for _ in range(most):
        if pos >= len(buf):
            return None
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            break
    return value, pos


def _records(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[tuple[int, bytes]]:
    """(type, body) of each BIFF12 record of a member, streamed."""
    buf = b""
    with z.open(info) as f:
        while True:
            chunk = f.read(limits.SCAN_CHUNK)
            buf += chunk
            pos = 0
            while True:
                head = _varint(buf, pos, 2)
                size = _varint(buf, head[1], 4) if head else None
                if head is None or size is None or size[1] + size[0] > len(buf):
                    break
                yield head[0], buf[size[1] : size[1] + size[0]]
                pos = size[1] + size[0]
            buf = buf[pos:]
            if not chunk:
                return  # a truncated last record is left to calamine, which refuses the file


def scan_xlsb(z: zipfile.ZipFile) -> WorkbookScan:
    names = {i.filename.lower(): i for i in z.infolist()}
    lengths: list[int] = []
    sst = member(names, "xl/sharedStrings.bin")
    if sst is not None:
        for rtype, body in _records(z, sst):
            if rtype == _SST_ITEM and len(body) >= 5:
                lengths.append(2 * struct.unpack_from("<I", body, 1)[0])
    rels = member(names, "xl/_rels/workbook.bin.rels")
    targets = []
    if rels is not None and rels.file_size < 64 * MB:
        for m in _RELATIONSHIP.finditer(z.read(rels)):
            target = _ATTR_TARGET.search(m.group(1))
            if target:
                targets.append(resolve("xl", target.group(1).decode("utf-8", "replace")))
    text = 0
    n_strings = len(lengths)
    for path in dict.fromkeys(targets):
        info = member(names, path)
        if info is None or not path.lower().endswith(".bin") or "sharedstrings" in path.lower():
            continue
        with z.open(info) as f:
            if f.read(8).startswith(b"\xd0\xcf\x11\xe0"):
                continue  # a VBA project, not records
        ext = _Extent()
        row = 0
        for rtype, body in _records(z, info):
            if rtype == _ROW_HEADER and len(body) >= 4:
                row = struct.unpack_from("<I", body)[0] + 1
                ext.rows_r = max(ext.rows_r, row)
            elif rtype in _CELL_RECORDS and len(body) >= 8:
                ext.cells += 1
                ext.cols_r = max(ext.cols_r, struct.unpack_from("<I", body)[0] + 1)
                if rtype == _CELL_ISST and len(body) >= 12:
                    i = struct.unpack_from("<I", body, 8)[0]
                    text += lengths[i] if i < n_strings else 0
                elif rtype in (_CELL_ST, _FMLA_STRING) and len(body) >= 12:
                    text += 2 * struct.unpack_from("<I", body, 8)[0]
                if ext.cells & 0xFFFF == 0:
                    _text_check(text)
                    if ext.cells > limits.MAX_SHEET_CELLS:
                        ext.check()
        ext.check()
        _text_check(text)
    return WorkbookScan()


# ---- .ods (content.xml with repeated rows and cells) -------------------------------------------

_ODS_TOKEN = re.compile(rb"<(/?)table:(table-row|table-cell|covered-table-cell|table)(?=[\s/>])([^>]*?)(/?)>")
_ODS_REPEAT_COLS = re.compile(rb'number-columns-repeated="([0-9]+)"')
_ODS_REPEAT_ROWS = re.compile(rb'number-rows-repeated="([0-9]+)"')
_ODS_NAME = re.compile(rb'table:name="([^"]*)"')


def scan_ods(z: zipfile.ZipFile) -> WorkbookScan:
    """calamine repeats a non-empty cell ``number-columns-repeated`` times and a non-empty row
    ``number-rows-repeated`` times (empty ones only up to the last value), so the grid and the text
    are counted with the repeats."""
    names = {i.filename.lower(): i for i in z.infolist()}
    info = member(names, "content.xml")
    scan = WorkbookScan()
    if info is None:
        return scan
    text = 0
    sheet: str | None = None
    ext = _Extent()
    row = col = 0  # 0-based position of the next row / cell
    row_repeat = 1
    row_filled = False
    cell_open: tuple[int, int] | None = None  # (offset where its content starts, repeats)
    formulas: list[Cell] = []
    for offset, piece in _pieces(z, info):
        piece = piece.translate(_FOLD)
        for m in _ODS_TOKEN.finditer(piece):
            closing, tag, attrs, empty = m.group(1), m.group(2), m.group(3), m.group(4)
            if tag == b"table":
                if not closing:
                    name = _ODS_NAME.search(attrs)
                    sheet = _unescape(name.group(1).decode("utf-8", "replace")) if name else None
                    ext, row, formulas = _Extent(), 0, []
                else:
                    ext.check()
                    if formulas and sheet is not None:
                        scan.formula_cells[sheet] = set(formulas)
                continue
            if tag == b"table-row":
                if not closing:
                    rep = _ODS_REPEAT_ROWS.search(attrs)
                    row_repeat = int(rep.group(1)) if rep else 1
                    col, row_filled = 0, False
                if closing or empty:
                    if row_filled:
                        ext.rows_r = row + row_repeat
                        ext.check()
                    row += row_repeat
                continue
            # a cell
            if closing:
                if cell_open is not None:
                    start, repeats = cell_open
                    text += (offset + m.start() - start) * repeats * row_repeat
                    _text_check(text)
                    cell_open = None
                continue
            rep = _ODS_REPEAT_COLS.search(attrs)
            repeats = int(rep.group(1)) if rep else 1
            valued = b"value-type=" in attrs
            if valued or b"table:formula=" in attrs:
                row_filled = True
                text += len(attrs) * repeats * row_repeat  # office:string-value="…" holds text too
                ext.cells += repeats * row_repeat
                ext.cols_r = max(ext.cols_r, col + repeats)
                if not valued and len(formulas) < limits.MAX_FORMULA_CELLS:
                    formulas.append((row, col))
                if not empty:
                    cell_open = (offset + m.end(), repeats)
            col += repeats
    return scan
