"""What the uploaded bytes are, whatever their name says: an OOXML workbook (.xlsx/.xlsm, its
workbook part found through the package relationships), .xlsb, .ods, a legacy .xls, an encrypted
workbook, a web page or an Excel 2003 XML file saved with a spreadsheet's name, or text (CSV).

Only the first bytes and the package's small index parts are looked at; the guards and the
parsers come after.
"""

from __future__ import annotations

import io
import re
import zipfile
from enum import Enum
from posixpath import dirname, normpath

__all__ = ["OLE_MAGIC", "ZIP_MAGIC", "Format", "is_encrypted_ole", "member", "resolve", "sniff", "sniff_zip"]

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OFFICE_DOCUMENT = re.compile(
    rb"<(?:[\w.-]+:)?Relationship\b(?=[^>]*\bType=[\"'][^\"']*/relationships/officeDocument[\"'])[^>]*\bTarget=[\"']([^\"']+)[\"']"
)
_SMALL_PART = 4 * 1048576  # index parts (.rels, mimetype) larger than this are no real package's


class Format(Enum):
    OOXML = "xlsx"  # .xlsx, .xlsm, .xltx: SpreadsheetML in a zip
    XLSB = "xlsb"
    ODS = "ods"
    OLE = "xls"  # a compound file: .xls, or an encrypted workbook
    HTML = "html"
    XML2003 = "xml2003"
    OTHER_ZIP = "zip"  # a zip that is none of the above (.docx, a folder of files …)
    OTHER_XML = "xml"
    TEXT = "text"  # CSV or anything else the CSV reader decides about


def sniff(data: bytes) -> Format:
    if data[:4] == ZIP_MAGIC:
        return Format.OOXML  # refined by sniff_zip once the archive is open
    if data[:8] == OLE_MAGIC:
        return Format.OLE
    head = _text_head(data)
    if head.startswith("mime-version:") or head.startswith("<!doctype html") or head.startswith("<html"):
        return Format.HTML
    if head.startswith("<"):
        if re.search(r"<(?:[\w.-]+:)?workbook\b", head) and "urn:schemas-microsoft-com:office:spreadsheet" in head:
            return Format.XML2003
        if "<html" in head or "<table" in head or "<body" in head or head.startswith("<meta"):
            return Format.HTML
        return Format.OTHER_XML
    return Format.TEXT


def _text_head(data: bytes) -> str:
    """The first 8 KB as lower-case text without BOM or leading white space."""
    raw = data[:8192]
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        text = raw.decode("utf-16", errors="ignore")
    else:
        text = raw.decode("utf-8", errors="ignore")
    return text.lstrip("\ufeff \t\r\n").lower()


def member(names: dict[str, zipfile.ZipInfo], path: str) -> zipfile.ZipInfo | None:
    """The member at ``path``, looked up without case as calamine does."""
    return names.get(path.lower())


def resolve(base_dir: str, target: str) -> str:
    """A relationship target as a member path: absolute (``/xl/…``) or relative to ``base_dir``."""
    path = target[1:] if target.startswith("/") else normpath(f"{base_dir}/{target}" if base_dir else target)
    return path[2:] if path.startswith("./") else path


def _read_small(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    if info.file_size > _SMALL_PART:
        return b""
    with z.open(info) as f:
        return f.read(_SMALL_PART)


def sniff_zip(z: zipfile.ZipFile) -> tuple[Format, str]:
    """The kind of package and, for OOXML, the folder of its workbook part (``xl/`` usually): the
    folder of the officeDocument relationship's target in ``_rels/.rels``, where calamine looks for
    ``workbook.xml``."""
    names = {i.filename.lower(): i for i in z.infolist()}
    mimetype = member(names, "mimetype")
    if mimetype is not None and _read_small(z, mimetype).startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
        return Format.ODS, ""
    if member(names, "xl/workbook.bin") is not None:
        return Format.XLSB, "xl/"
    rels = member(names, "_rels/.rels")
    if rels is not None:
        found = _OFFICE_DOCUMENT.search(_read_small(z, rels))
        if found:
            target = resolve("", found.group(1).decode("utf-8", "replace"))
            folder = dirname(target)
            folder = f"{folder}/" if folder else ""
            if member(names, f"{folder}workbook.xml") is not None:
                return Format.OOXML, folder
    return Format.OTHER_ZIP, ""


def is_encrypted_ole(data: bytes) -> bool:
    """An OLE compound file holding an encrypted OOXML package (what Excel and WPS write when a
    workbook is saved with a password to open)."""
    try:
        import olefile

        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            return bool(ole.exists("EncryptedPackage") or ole.exists("EncryptionInfo"))
    except Exception:
        return False
