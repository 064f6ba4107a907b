"""File bytes → ParsedFile: find the table in each sheet of a messy monthly report, map its headers,
type every cell, and say exactly what could not be understood.

Nothing here raises for bad content: a report that is not a spreadsheet, too large, hostile, or
full of typos comes back as Problems naming the file, sheet, Excel row, column and value, so the
user can fix everything in one go instead of one error per upload.

The package, by concern: ``sniff`` (what the bytes are), ``guards`` and ``limits`` (hostile
files refused before a parser builds anything), ``grids`` (workbooks through calamine) and
``csvfile`` (text), ``tables`` (the table of a sheet), ``rows`` (typed rows), ``money``
(money columns written in 万元 converted to 元).
"""

from __future__ import annotations

import hashlib
import io
import logging
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import PurePath
from typing import Any, BinaryIO

from dashboard.config import Settings
from data_sources.reading import guards
from data_sources.reading.csvfile import csv_grid
from data_sources.reading.grids import Grid, calamine_grids
from data_sources.reading.limits import Refused
from data_sources.reading.sniff import Format, is_encrypted_ole, sniff, sniff_zip
from data_sources.reading.tables import SheetReader, Skipped, sheet_kind_from_name
from data_sources.schema import ParsedFile, Problem
from data_sources.values import CellError, parse_month

__all__ = ["read_file", "sheet_kind_from_name"]

log = logging.getLogger(__name__)

_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, ValueError, zlib.error)


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
    try:
        grids, hidden = _grids(data, file_name, settings)
    except Refused as refused:
        parsed.problems.append(
            Problem(
                refused.code,
                file_name,
                refused.sheet,
                refused.row,
                params=refused.params,
                column_letter=refused.column_letter,
            )
        )
        return
    if grids is None:
        parsed.problems.append(Problem("not_spreadsheet", file_name))
        return
    for name in hidden:
        parsed.problems.append(Problem("hidden_sheet", file_name, name, severity="warning"))
    reader = SheetReader(settings, file_name, arg_period)
    skipped: list[Skipped] = []
    for grid in grids:
        outcome = reader.read(grid)
        if isinstance(outcome, Skipped):
            skipped.append(outcome)
        elif outcome is not None:
            parsed.sheets.append(outcome)
    named = [s.named for s in skipped if s.named is not None]
    if not parsed.sheets and named:
        # Nothing else to import: the sheets whose names say what they should be say what they lack.
        parsed.problems.extend(named)
        return
    parsed.problems.extend(s.warning for s in skipped)
    if not parsed.sheets:
        parsed.problems.append(Problem("no_table", file_name))


def _grids(data: bytes, file_name: str, settings: Settings) -> tuple[list[Grid] | None, list[str]]:
    """(visible sheets as grids, hidden sheet names); grids None when the bytes are no
    spreadsheet. Raises ``Refused`` for a file that says what it is and what to do instead."""
    fmt = sniff(data)
    if fmt is Format.HTML:
        raise Refused("html_as_xls")
    if fmt is Format.XML2003:
        raise Refused("xml2003_as_xls")
    if fmt is Format.OTHER_XML:
        return None, []
    if fmt is Format.TEXT:
        rows = csv_grid(data)
        stem = PurePath(file_name).stem or "CSV"
        return (None if rows is None else [Grid(stem, rows, stem)]), []
    formula_cells: dict[str, set[tuple[int, int]]] = {}
    if fmt is Format.OOXML:  # any zip
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                guards.check_archive(z, settings.max_upload_bytes)
                kind, folder = sniff_zip(z)
                if kind is Format.OTHER_ZIP:
                    return None, []
                if kind is Format.XLSB:
                    scan = guards.scan_xlsb(z)
                elif kind is Format.ODS:
                    scan = guards.scan_ods(z)
                else:
                    scan = guards.scan_ooxml(z, folder)
                formula_cells = scan.formula_cells
        except _ZIP_ERRORS:
            return None, []
    try:
        return calamine_grids(data, formula_cells)
    except Refused:
        raise
    except (KeyboardInterrupt, SystemExit, MemoryError):
        raise
    except BaseException:  # calamine's Rust panics arrive as pyo3 PanicException (a BaseException)
        if fmt is Format.OLE and is_encrypted_ole(data):
            raise Refused("encrypted") from None
        return None, []
