"""Row shapes: a parsed row → the stored columns of its table, a fetched row → the same plain
values (so a diff is an exact comparison), undo images as JSON text and back, and times as they
are stored (naive UTC to the millisecond) and shown (UTC-aware).

Imports: ``tables``, ``data_sources.schema`` and ``data_sources.values``.
"""

from __future__ import annotations

import functools
import json
import operator
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import sqlalchemy as sa

from data_sources.schema import FIELDS, Kind, ParsedSheet, milestone_year, report_year
from data_sources.store.tables import TABLE_KEY
from data_sources.values import unit_name

T = TypeVar("T")

ROSTER_FIELDS = ("department", "unit_type", "is_pilot", "headcount")


def _text(v: Any) -> str | None:
    if v is None:
        return None
    s = str(v).strip()
    return s or None


def _unit(v: Any) -> str | None:
    return _unit_text(v) if type(v) is str else _unit_text(_text(v) or "")


@functools.lru_cache(maxsize=4096)  # a file names a few hundred units in 100,000 rows
def _unit_text(v: str) -> str | None:
    s = _text(v)
    return unit_name(s) if s else None


def _int(v: Any) -> int | None:
    return None if v is None or v == "" else int(v)


def _float(v: Any) -> float | None:
    return None if v is None or v == "" else float(v)


def as_date(v: Any) -> date | None:
    if v is None or v == "":
        return None
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    return date.fromisoformat(str(v)[:10])


def as_month(v: Any) -> str | None:
    if v is None or v == "":
        return None
    if isinstance(v, date):
        return f"{v.year:04d}-{v.month:02d}"
    return _month_text(str(v))


@functools.lru_cache(maxsize=4096)
def _month_text(v: str) -> str:
    s = v.strip()
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", s)
    return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}" if m else s


# The optional columns of each kind (DESIGN §3: a sheet without one leaves the stored values of that
# column as they are): the record holds such a field only when the sheet has its column, and
# write.diff fills the rest from the stored row (or with NULL for a new row). The month is a key
# (it may come from the title), never kept.
KEPT_WHEN_ABSENT: dict[Kind, frozenset[str]] = {
    kind: frozenset(f.name for f in specs if not f.required and f.name != "month") for kind, specs in FIELDS.items()
}


def _drop_absent(kind: Kind, rec: dict[str, Any], row: dict[str, Any], sheet: ParsedSheet) -> dict[str, Any]:
    for f in _absent(kind, sheet):
        if f not in row:
            rec.pop(f, None)
    return rec


def _absent(kind: Kind, sheet: ParsedSheet) -> frozenset[str]:
    """The optional fields of ``kind`` the sheet has no column for."""
    return _per_sheet(kind, sheet, lambda: KEPT_WHEN_ABSENT[kind].difference(sheet.columns))


_PER_SHEET: dict[tuple[Any, int], tuple[ParsedSheet, Any]] = {}  # (what, id(sheet)) → (sheet, value)


def _per_sheet(what: Any, sheet: ParsedSheet, compute: Callable[[], T]) -> T:
    """``compute()`` once for a sheet, though each of its rows asks (100,000 rows: 100,000 times);
    kept by the sheet's id and checked against the sheet itself (an id is reused once it is gone)."""
    got = _PER_SHEET.get((what, id(sheet)))
    if got is None or got[0] is not sheet:
        if len(_PER_SHEET) > 64:
            _PER_SHEET.clear()
        got = _PER_SHEET[(what, id(sheet))] = (sheet, compute())
    return got[1]


def stored_row(kind: Kind, row: dict[str, Any], sheet: ParsedSheet) -> dict[str, Any]:
    """A parsed row → the stored columns of its table (roster: only the fields the sheet has)."""
    if kind is Kind.ROSTER:
        rec: dict[str, Any] = {"name": _unit(row.get("unit"))}
        present = set(sheet.columns) | set(row)
        for f in ROSTER_FIELDS:
            if f in present:
                v = row.get(f)
                if f == "is_pilot":
                    rec[f] = bool(v) if v is not None else False
                elif f == "headcount":
                    rec[f] = _int(v)
                else:
                    rec[f] = _text(v)
        return rec
    if kind is Kind.SUMMARY:
        rec = {
            "unit": _unit(row.get("unit")),
            "month": as_month(row.get("month") or sheet.period),
            "headcount": _int(row.get("headcount")) or 0,
            "participants": _int(row.get("participants")) or 0,
            "sessions": _int(row.get("sessions")) or 0,
            "person_times": _int(row.get("person_times")) or 0,
            "hours": _float(row.get("hours")) or 0.0,
            "certificates": _int(row.get("certificates")) or 0,
            "suggestions": _int(row.get("suggestions")),
            "training_funds": _float(row.get("training_funds")),
            "payroll": _float(row.get("payroll")),
        }
        return _drop_absent(kind, rec, row, sheet)
    if kind is Kind.LEDGER:
        rec = {
            "employee_id": _text(row.get("employee_id")),
            "month": as_month(row.get("month") or sheet.period),
            "name": _text(row.get("name")) or "",
            "unit": _unit(row.get("unit")),
            "hours": _float(row.get("hours")) or 0.0,
            "points": _float(row.get("points")) or 0.0,
            "attendance": _int(row.get("attendance")),
        }
        return _drop_absent(kind, rec, row, sheet)
    if kind is Kind.CERTIFICATES:
        d = as_date(row.get("cert_date"))
        return {
            "employee_id": _text(row.get("employee_id")),
            "cert_name": _text(row.get("cert_name")),
            "cert_date": d,
            "name": _text(row.get("name")) or "",
            "unit": _unit(row.get("unit")),
            "level": _text(row.get("level")) or "其他",
            "month": as_month(d),
        }
    planned, done = as_date(row.get("planned_date")), as_date(row.get("done_date"))
    rec = {
        "unit": _unit(row.get("unit")),
        "milestone": _text(row.get("milestone")),
        "year": milestone_year(done, planned, _report_year(sheet)),
        "phase": _text(row.get("phase")),
        "planned_date": planned,
        "done_date": done,
    }
    return _drop_absent(kind, rec, row, sheet)


def _report_year(sheet: ParsedSheet) -> int:
    """``schema.report_year`` of a 阶段进度 sheet, worked out once for all its rows."""
    return _per_sheet("report_year", sheet, lambda: report_year(sheet.period, sheet.rows))


def row_key(table: str, rec: dict[str, Any]) -> tuple[Any, ...]:
    return _KEY_GETTERS[table](rec)


# a one-column key is a tuple too
_KEY_GETTERS = {
    t: (operator.itemgetter(*cols) if len(cols) > 1 else (lambda rec, c=cols[0]: (rec[c],)))
    for t, cols in TABLE_KEY.items()
}


# one encoder for every image: json.dumps(..., ensure_ascii=False) would build one per call
ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)


_ESCAPED = re.compile(r'["\\\x00-\x1f]')  # what the encoder escapes (ensure_ascii=False)


def _plain(values: Iterable[Any]) -> bool:
    """Every value a string the encoder writes as it is: the fast paths below give its text."""
    texts = tuple(values)
    return all(type(v) is str for v in texts) and not _ESCAPED.search("".join(texts))


def key_json(key: tuple[Any, ...]) -> str:
    # an import of 100,000 rows encodes 100,000 keys and images: the encoder took 1.3 s of it
    if _plain(key):
        return '["' + '","'.join(key) + '"]'
    return ENCODER.encode([v.isoformat() if isinstance(v, date) else v for v in key])


def image_json(rec: dict[str, Any] | None) -> str | None:
    if rec is None:
        return None
    if _plain(rec.values()):
        return "{" + ",".join(f'"{k}":"{rec[k]}"' for k in sorted(rec)) + "}"
    if any(isinstance(v, date) for v in rec.values()):
        rec = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in rec.items()}
    return ENCODER.encode(rec)


def json_column(conn: sa.Connection, column: Any) -> Any:
    """A text column of JSON (an undo image, a key) read as JSON in SQL: PostgreSQL needs a cast,
    SQLite's and MySQL's JSON functions read the text as it is."""
    return sa.cast(column, sa.JSON) if conn.dialect.name == "postgresql" else sa.type_coerce(column, sa.JSON)


@functools.cache  # asked once per undo image: thousands of times in one undo
def _date_columns(table: sa.Table) -> frozenset[str]:
    return frozenset(c.name for c in table.columns if isinstance(c.type, sa.Date))


def image_load(table: sa.Table, text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    out = json.loads(text)
    for k in _date_columns(table):
        if out.get(k) is not None:
            out[k] = as_date(out[k])
    return out


def _converters(table: sa.Table) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for c in table.columns:
        if isinstance(c.type, sa.Boolean):
            out.append((c.name, bool))
        elif isinstance(c.type, sa.Double | sa.Float):
            out.append((c.name, float))
        elif isinstance(c.type, sa.Integer):
            out.append((c.name, int))
        elif isinstance(c.type, sa.Date):
            out.append((c.name, as_date))
        else:
            out.append((c.name, None))
    return out


def row_dicts(table: sa.Table, rows: Iterable[tuple[Any, ...]]) -> Iterator[dict[str, Any]]:
    """Fetched rows as the same plain values ``stored_row`` builds (for an exact comparison)."""
    conv = _converters(table)
    for row in rows:
        yield {
            name: (v if f is None or v is None or type(v) is f else f(v))
            for (name, f), v in zip(conv, row, strict=True)
        }


def utcnow() -> datetime:
    """Naive UTC to the millisecond: the same value on SQLite, PostgreSQL and MySQL DateTime."""
    now = datetime.now(UTC)
    return now.replace(tzinfo=None, microsecond=now.microsecond // 1000 * 1000)


def aware(d: datetime | None) -> datetime | None:
    return None if d is None else d.replace(tzinfo=UTC) if d.tzinfo is None else d
