"""A minimal .xlsb writer (BIFF12 records, MS-XLSB), so tests can make the binary workbooks Excel
saves: no Python library writes them and LibreOffice only reads them. It writes what calamine
needs: the package parts, the workbook's sheet list (with hidden sheets), a shared-string table
and cells as numbers (BrtCellReal), shared strings (BrtCellIsst) or inline strings (BrtCellSt)."""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

_CT = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/>'
    '<Override PartName="/xl/sharedStrings.bin" ContentType="application/vnd.ms-excel.sharedStrings"/>'
    "{sheets}</Types>"
)
_SHEET_CT = '<Override PartName="/xl/worksheets/sheet{n}.bin" ContentType="application/vnd.ms-excel.worksheet"/>'
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>'
)
_REL = '<Relationship Id="{id}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/{type}" Target="{target}"/>'
_EXCEL_EPOCH = datetime(1899, 12, 30)


def record(rtype: int, body: bytes = b"") -> bytes:
    """One BIFF12 record: 7-bit varint type (1-2 bytes) and size (1-4 bytes), then the body."""
    head = bytes([rtype]) if rtype < 0x80 else bytes([(rtype & 0x7F) | 0x80, rtype >> 7])
    size, n = b"", len(body)
    while True:
        b = n & 0x7F
        n >>= 7
        size += bytes([b | (0x80 if n else 0)])
        if not n:
            break
    return head + size + body


def wide(text: str) -> bytes:
    data = text.encode("utf-16-le")
    return struct.pack("<I", len(data) // 2) + data


def _serial(value: date | datetime) -> float:
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    return (value - _EXCEL_EPOCH).total_seconds() / 86400


def sheet_records(rows: Iterable[list[Any]], strings: dict[str, int], inline: bool = False) -> bytes:
    out = io.BytesIO()
    out.write(record(0x81))  # BrtBeginSheet
    out.write(record(0x94, struct.pack("<IIII", 0, 0, 0, 0)))  # BrtWsDim (calamine reads the cells)
    out.write(record(0x91))  # BrtBeginSheetData
    for r, row in enumerate(rows):
        out.write(record(0x00, struct.pack("<IIHBBI", r, 0, 300, 0, 0, 0)))  # BrtRowHdr
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            cell = struct.pack("<II", c, 0)
            if isinstance(value, bool):
                out.write(record(0x04, cell + bytes([int(value)])))
            elif isinstance(value, (int, float)):
                out.write(record(0x05, cell + struct.pack("<d", float(value))))
            elif isinstance(value, (date, datetime)):
                out.write(record(0x05, cell + struct.pack("<d", _serial(value))))
            elif inline:
                out.write(record(0x06, cell + wide(str(value))))
            else:
                index = strings.setdefault(str(value), len(strings))
                out.write(record(0x07, cell + struct.pack("<I", index)))
    out.write(record(0x92))  # BrtEndSheetData
    out.write(record(0x82))  # BrtEndSheet
    return out.getvalue()


def write_xlsb(
    sheets: dict[str, list[list[Any]]],
    hidden: Iterable[str] = (),
    inline: bool = False,
    raw_sheets: dict[str, bytes] | None = None,
    raw_strings: list[str] | None = None,
) -> bytes:
    """An .xlsb with one worksheet per entry (rows from A1). ``raw_sheets`` replaces a sheet's
    record stream and ``raw_strings`` the shared-string table (hostile files)."""
    hidden = set(hidden)
    strings: dict[str, int] = {}
    parts = {name: sheet_records(rows, strings, inline) for name, rows in sheets.items()}
    parts.update(raw_sheets or {})
    table = raw_strings if raw_strings is not None else list(strings)
    sst = io.BytesIO()
    sst.write(record(0x9F, struct.pack("<II", len(table), len(table))))  # BrtBeginSst
    for s in table:
        sst.write(record(0x13, b"\x00" + wide(s)))  # BrtSSTItem
    sst.write(record(0xA0))  # BrtEndSst
    book = io.BytesIO()
    book.write(record(0x83))  # BrtBeginBook
    book.write(record(0x8F))  # BrtBeginBundleShs
    for n, name in enumerate(parts, start=1):
        state = 1 if name in hidden else 0
        book.write(record(0x9C, struct.pack("<II", state, n) + wide(f"rId{n}") + wide(name)))  # BrtBundleSh
    book.write(record(0x90))  # BrtEndBundleShs
    book.write(record(0x84))  # BrtEndBook
    rels = "".join(
        _REL.format(id=f"rId{n}", type="worksheet", target=f"worksheets/sheet{n}.bin") for n in range(1, len(parts) + 1)
    )
    rels += _REL.format(id=f"rId{len(parts) + 1}", type="sharedStrings", target="sharedStrings.bin")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml", _CT.format(sheets="".join(_SHEET_CT.format(n=n) for n in range(1, len(parts) + 1)))
        )
        z.writestr(
            "_rels/.rels", _RELS.format(rels=_REL.format(id="rId1", type="officeDocument", target="xl/workbook.bin"))
        )
        z.writestr("xl/_rels/workbook.bin.rels", _RELS.format(rels=rels))
        z.writestr("xl/workbook.bin", book.getvalue())
        z.writestr("xl/sharedStrings.bin", sst.getvalue())
        for n, body in enumerate(parts.values(), start=1):
            z.writestr(f"xl/worksheets/sheet{n}.bin", body)
    return out.getvalue()
