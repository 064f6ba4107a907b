"""CSV bytes → one grid of rows, row i = the i-th record (what Excel, WPS and LibreOffice show as
row i + 1, also when a quoted cell holds line breaks).

Text from Chinese offices comes as UTF-8 (with or without BOM), GB18030/GBK or UTF-16; a file
that is none of them cleanly says what is wrong with it (NUL characters, two encodings mixed)
instead of "not a spreadsheet". A CSV far larger than any report (a line of millions of commas,
a cell of millions of characters, a million rows) is refused while it is read, before it is
split into Python objects.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from typing import Any

from data_sources.reading import limits
from data_sources.reading.limits import Refused
from data_sources.schema import column_letter

__all__ = ["csv_grid"]

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _line_of(data: bytes, pos: int) -> int:
    return data.count(b"\n", 0, pos) + 1


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text whose BOM was lost: ASCII characters leave a zero in every other byte."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even = sample[0::2].count(0) / max(1, len(sample[0::2]))
    odd = sample[1::2].count(0) / max(1, len(sample[1::2]))
    encoding = "utf-16-le" if odd > 0.2 and even < 0.02 else "utf-16-be" if even > 0.2 and odd < 0.02 else None
    if encoding is None:
        return None
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _utf8_lines_among(data: bytes) -> int | None:
    """The first line (1-based) that is valid UTF-8 holding Chinese, in a file that as a whole is
    not UTF-8: the file mixes encodings. GBK text practically never decodes as UTF-8 Chinese."""
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if _CJK.search(text):
            return number
    return None


def decode(data: bytes) -> str | None:
    """The text of a CSV, or None when the bytes are no text at all; raises ``Refused`` for text
    that is damaged in a way the user can repair (NUL characters, mixed encodings)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # Excel's "Unicode text" export
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    if b"\x00" in data:
        text = _utf16_without_bom(data)
        if text is not None:
            return text
        # Text with a few NULs (padding from an export, a damaged copy) is not binary junk.
        rest = decode(data.replace(b"\x00", b""))
        if rest is not None and rest.strip() and not _CONTROL_RE.search(rest):
            raise Refused("csv_nul", row=_line_of(data, data.index(b"\x00")))
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        before = data[: e.start].decode("utf-8", errors="ignore")
        if _CJK.search(before):
            raise Refused("mixed_encoding", row=_line_of(data, e.start)) from None
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return None
    mixed = _utf8_lines_among(data)
    if mixed is not None:
        raise Refused("mixed_encoding", row=mixed)
    return text


def _delimiter(text: str) -> tuple[str, str]:
    """(delimiter, text): Excel's ``sep=;`` first line names the delimiter and is no row (Excel
    does not show it), so it is cut off; else the likeliest of , tab ; | in the first lines."""
    sample = text[:20000].splitlines()[:50]
    hint = re.fullmatch(r"sep=(.)", sample[0].strip()) if sample else None
    if hint:
        newline = text.find("\n")
        return hint.group(1), text[newline + 1 :] if newline >= 0 else ""
    return max((",", "\t", ";", "|"), key=lambda d: sum(line.count(d) for line in sample)), text


def _long_line(text: str, start: int, end: int, delimiter: str, row: int) -> None:
    """A physical line far longer than a report's (``text[start:end]``, looked at in place): refuse
    it before the CSV parser splits it if it has too many columns or a cell longer than Excel
    allows."""
    cols = text.count(delimiter, start, end) + 1
    if cols > limits.MAX_COLUMNS:
        raise Refused("too_many_columns", {"cols": f"{cols:,}", "limit": f"{limits.MAX_COLUMNS:,}"}, row=row)
    pos = start
    for j in range(cols):
        stop = text.find(delimiter, pos, end)
        stop = end if stop < 0 else stop
        if stop - pos > limits.MAX_CELL_CHARS:
            raise Refused(
                "cell_too_long", {"limit": f"{limits.MAX_CELL_CHARS:,}"}, row=row, column_letter=column_letter(j)
            )
        pos = stop + 1


def _records(text: str, delimiter: str) -> list[list[str]]:
    rows: list[list[str]] = []
    consumed = [0]  # characters handed to the CSV parser so far

    newline = "\n" if "\n" in text or "\r" not in text else "\r"  # "\r" alone: CSV (Macintosh)

    def lines() -> Iterator[str]:
        # Slices of the text, not io.StringIO (which would hold 4 bytes a character).
        pos, n = 0, len(text)
        while pos < n:
            end = text.find(newline, pos)
            end = n if end < 0 else end + 1
            if end - pos > limits.LONG_LINE_CHARS:
                _long_line(text, pos, end, delimiter, len(rows) + 1)
            consumed[0] += end - pos
            line = text[pos:end]
            pos = end
            yield line

    reader = csv.reader(lines(), delimiter=delimiter)
    start = 0
    try:
        for record in reader:
            if len(rows) >= limits.MAX_ROWS:
                # the lines bound the rows from above, unless quoted cells hold line breaks
                found = text.count(newline) + (not text.endswith(newline)) if '"' not in text else len(rows) + 1
                raise Refused("too_many_rows", {"rows": f"{found:,}", "limit": f"{limits.MAX_ROWS:,}"})
            row = len(rows) + 1
            if len(record) > limits.MAX_COLUMNS:
                raise Refused(
                    "too_many_columns", {"cols": f"{len(record):,}", "limit": f"{limits.MAX_COLUMNS:,}"}, row=row
                )
            if consumed[0] - start > limits.MAX_CELL_CHARS:  # a long record: look at its cells
                for j, cell in enumerate(record):
                    if len(cell) > limits.MAX_CELL_CHARS:
                        raise Refused(
                            "cell_too_long",
                            {"limit": f"{limits.MAX_CELL_CHARS:,}"},
                            row=row,
                            column_letter=column_letter(j),
                        )
            start = consumed[0]
            rows.append(record)
    except csv.Error as e:
        if "field limit" in str(e):  # a quoted cell running over many lines
            raise Refused("cell_too_long", {"limit": f"{limits.MAX_CELL_CHARS:,}"}, row=len(rows) + 1) from None
        raise
    return rows


def csv_grid(data: bytes) -> list[list[Any]] | None:
    """The CSV as rows padded to one width, or None when it is no spreadsheet at all."""
    text = decode(data)
    if not text or not text.strip() or _CONTROL_RE.search(text):
        return None
    try:
        rows: list[list[Any]] = _records(*reversed(_delimiter(text)))
    except csv.Error:
        return None
    if not any(len(r) >= 2 for r in rows):
        return None
    width = max(len(r) for r in rows)
    if len(rows) * width > limits.MAX_CSV_CELLS:
        raise Refused("too_many_cells", {"rows": len(rows), "cols": width, "limit": limits.MAX_CSV_CELLS})
    return [r + [None] * (width - len(r)) if len(r) < width else r for r in rows]
