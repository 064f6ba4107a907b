"""The store: SQLAlchemy Core tables, upsert by key, import batches with undo, and the derived
``unit_months`` table the metrics read.

Why Core and not the ORM: an import writes up to ~100,000 rows at once and the metrics are
GROUP BY queries; both are plain SQL with executemany, which the ORM would only slow down.

Why a derived ``unit_months`` table: DESIGN §4 decides per unit-month whether the ledger or the
summary counts. Deciding that once, at import time, for the unit-months the import touched keeps
every page query a small GROUP BY over (units × months) instead of a scan of the raw ledger.

Every table names its unit by the unit's name (unique inside the organisation), so a row, its
undo image and the unit it mentions read the same in a dump, on SQLite, PostgreSQL and MySQL.
"""

from __future__ import annotations

import functools
import itertools
import json
import operator
import os
import re
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from data_sources.schema import (
    KEYS,
    ImportRejected,
    Kind,
    ParsedFile,
    ParsedSheet,
    Problem,
    StoreTooNew,
    StoreUnavailable,
    UndoRefused,
)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
CHUNK = 900  # bound parameters per IN (...): stays below old SQLite's 999 limit

metadata = sa.MetaData()

UNIT = 200  # length of a unit name
EMP = 64  # length of a 工号
# MySQL/MariaDB: Chinese text, compared code point by code point as SQLite and PostgreSQL do
# (revision 0004 converts stores made before it)
MYSQL_TABLE = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}

units = sa.Table(
    "units",
    metadata,
    sa.Column("name", sa.String(UNIT), primary_key=True),
    sa.Column("department", sa.String(UNIT), nullable=True),
    sa.Column("unit_type", sa.String(100), nullable=True),
    sa.Column("is_pilot", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("headcount", sa.Integer(), nullable=True),
    sa.Column("auto_added", sa.Boolean(), nullable=False, server_default=sa.false()),
    sqlite_with_rowid=False,
    **MYSQL_TABLE,
)

summary_rows = sa.Table(
    "summary_rows",
    metadata,
    sa.Column("unit", sa.String(UNIT), primary_key=True),
    sa.Column("month", sa.String(7), primary_key=True),
    sa.Column("headcount", sa.Integer(), nullable=False),
    sa.Column("participants", sa.Integer(), nullable=False),
    sa.Column("sessions", sa.Integer(), nullable=False),
    sa.Column("person_times", sa.Integer(), nullable=False),
    sa.Column("hours", sa.Double(), nullable=False),
    sa.Column("certificates", sa.Integer(), nullable=False),
    sa.Column("suggestions", sa.Integer(), nullable=True),
    # 考核评比's funds ratio (revision 0007): 元, NULL when not reported
    sa.Column("training_funds", sa.Double(), nullable=True),
    sa.Column("payroll", sa.Double(), nullable=True),
    sa.Index("ix_summary_month_unit", "month", "unit"),
    sqlite_with_rowid=False,
    **MYSQL_TABLE,
)

ledger_rows = sa.Table(
    "ledger_rows",
    metadata,
    sa.Column("employee_id", sa.String(EMP), primary_key=True),
    sa.Column("month", sa.String(7), primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("unit", sa.String(UNIT), nullable=False),
    sa.Column("hours", sa.Double(), nullable=False),
    sa.Column("points", sa.Double(), nullable=False),
    sa.Column("attendance", sa.Integer(), nullable=True),
    # covers every ledger query of the metrics (participants over P, top learners) and the
    # unit_months recompute: all filter on unit IN U and a month range
    sa.Index("ix_ledger_unit_month", "unit", "month", "employee_id", "hours", "points"),
    sqlite_with_rowid=False,
    **MYSQL_TABLE,
)

certificate_rows = sa.Table(
    "certificate_rows",
    metadata,
    sa.Column("employee_id", sa.String(EMP), primary_key=True),
    sa.Column("cert_name", sa.String(200), primary_key=True),
    sa.Column("cert_date", sa.Date(), primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("unit", sa.String(UNIT), nullable=False),
    sa.Column("level", sa.String(20), nullable=False),
    sa.Column("month", sa.String(7), nullable=False),  # of cert_date, for the unit-month joins
    sa.Index("ix_cert_unit_month", "unit", "month", "level"),
    sqlite_with_rowid=False,
    **MYSQL_TABLE,
)

milestone_rows = sa.Table(
    "milestone_rows",
    metadata,
    sa.Column("unit", sa.String(UNIT), primary_key=True),
    sa.Column("milestone", sa.String(200), primary_key=True),
    sa.Column("phase", sa.String(100), nullable=True),
    sa.Column("planned_date", sa.Date(), nullable=True),
    sa.Column("done_date", sa.Date(), nullable=True),
    sqlite_with_rowid=False,
    **MYSQL_TABLE,
)

import_batches = sa.Table(
    "import_batches",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("file_name", sa.String(500), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("user_name", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("counts", sa.Text(), nullable=False),
    sa.Column("undone_at", sa.DateTime(), nullable=True),
    sa.Column("undone_by", sa.String(200), nullable=True),
)

batch_changes = sa.Table(
    "batch_changes",
    metadata,
    # (tbl, key) first: "did a later batch change this row?" is a range scan of the primary key
    sa.Column("tbl", sa.String(32), primary_key=True),
    sa.Column("key", sa.String(600), primary_key=True),  # JSON list of the key values
    sa.Column("batch_id", sa.Integer(), primary_key=True),
    sa.Column("before", sa.Text(), nullable=True),  # JSON row image; NULL = the batch added it
    sa.Column("after", sa.Text(), nullable=False),
    sa.Index("ix_changes_batch", "batch_id"),
    sqlite_with_rowid=False,
    **MYSQL_TABLE,
)

unit_months = sa.Table(
    "unit_months",
    metadata,
    sa.Column("unit", sa.String(UNIT), primary_key=True),
    sa.Column("month", sa.String(7), primary_key=True),
    sa.Column("has_summary", sa.Boolean(), nullable=False),
    sa.Column("has_ledger", sa.Boolean(), nullable=False),
    sa.Column("has_cert_rows", sa.Boolean(), nullable=False),
    # the summary row as reported (NULL without one)
    sa.Column("summary_headcount", sa.Integer(), nullable=True),
    sa.Column("summary_participants", sa.Integer(), nullable=True),
    sa.Column("summary_sessions", sa.Integer(), nullable=True),
    sa.Column("summary_person_times", sa.Integer(), nullable=True),
    sa.Column("summary_hours", sa.Double(), nullable=True),
    sa.Column("summary_certificates", sa.Integer(), nullable=True),
    sa.Column("summary_suggestions", sa.Integer(), nullable=True),
    # the ledger rows of the unit-month, aggregated (0 without any)
    sa.Column("ledger_hours", sa.Double(), nullable=False),
    sa.Column("ledger_points", sa.Double(), nullable=False),
    sa.Column("ledger_participants", sa.Integer(), nullable=False),  # distinct 工号 with hours > 0
    sa.Column("ledger_rows", sa.Integer(), nullable=False),
    sa.Column("cert_rows", sa.Integer(), nullable=False),
    # effective figures of the month after DESIGN §4 precedence (detail beats summary)
    sa.Column("hours", sa.Double(), nullable=False),
    sa.Column("participants", sa.Integer(), nullable=False),
    sa.Column("certificates", sa.Integer(), nullable=False),
    sa.Column("updated_at", sa.DateTime(), nullable=False),
    sa.Index("ix_unit_months_month_unit", "month", "unit"),
    sqlite_with_rowid=False,
    **MYSQL_TABLE,
)

MONTHS = tuple(f"{m:02d}" for m in range(1, 13))

learner_years = sa.Table(
    "learner_years",
    metadata,
    # derived: one row per person × unit × calendar year with any ledger row, 12× fewer rows than
    # ledger_rows; the per-person figures over any period P (participants over several months,
    # top learners) are sums of the month columns of P and bit tests on the masks.
    # Clustered on (year, unit, employee_id): the whole organisation's year is one range, a few
    # units' years a few ranges; a recompute deletes by (employee_id, year) through the index.
    sa.Column("year", sa.String(4), primary_key=True),
    sa.Column("unit", sa.String(UNIT), primary_key=True),
    sa.Column("employee_id", sa.String(EMP), primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),  # MAX(name) of the rows
    sa.Column("names_vary", sa.Boolean(), nullable=False),  # the rows carry more than one name
    sa.Column("row_mask", sa.Integer(), nullable=False),  # bit m-1: a ledger row in month m
    sa.Column("active_mask", sa.Integer(), nullable=False),  # bit m-1: hours > 0 in month m
    # rows of this (employee_id, year): 1 for everyone who stayed in one unit all year, so the
    # per-person sums of a period inside the year need no GROUP BY for them
    sa.Column("person_rows", sa.Integer(), nullable=False),
    *[sa.Column(f"points_{m}", sa.Double(), nullable=False) for m in MONTHS],
    *[sa.Column(f"hours_{m}", sa.Double(), nullable=False) for m in MONTHS],
    sa.Index("ix_learner_years_employee_year", "employee_id", "year"),
    # the few people with rows in several units of a year (top learners sums them by a GROUP BY;
    # everyone else is one row): found by this range instead of a scan of the year (revision 0005)
    sa.Index("ix_learner_years_year_rows", "year", "person_rows"),
    sqlite_with_rowid=False,
    **MYSQL_TABLE,
)

unit_active_masks = sa.Table(
    "unit_active_masks",
    metadata,
    # derived from learner_years (revision 0005): how many people of a unit share an active_mask in
    # a year. Participants over several months of one year are Σ people where active_mask & mask(P)
    # ≠ 0: a few rows per unit (people who trained in the same months share a mask) instead of one
    # per person. Kept by the functions that change learner_years, for the (year, unit)s they touch.
    sa.Column("year", sa.String(4), primary_key=True),
    sa.Column("unit", sa.String(UNIT), primary_key=True),
    sa.Column("active_mask", sa.Integer(), primary_key=True),
    sa.Column("people", sa.Integer(), nullable=False),
    sqlite_with_rowid=False,
    **MYSQL_TABLE,
)

# The blocks of a year whose leaderboards learner_tops keeps: each month, each quarter, the year.
BLOCKS: dict[str, tuple[str, ...]] = {
    **{m: (m,) for m in MONTHS},
    **{f"Q{q}": MONTHS[3 * q - 3 : 3 * q] for q in range(1, 5)},
    "Y": MONTHS,
}
TOP_KEEP = 1000  # learner_tops holds whoever can rank in a top TOP_KEEP of the whole organisation

learner_tops = sa.Table(
    "learner_tops",
    metadata,
    # derived from learner_years (revision 0005): for each year and block (month "01".."12",
    # quarter "Q1".."Q4", year "Y"), every person of the whole organisation whose Σ points over
    # the block is at least the TOP_KEEP-th largest minus 1e-5 (everyone with a row in the block
    # when fewer). A leaderboard of n ≤ TOP_KEEP over such a period then reads these few people
    # by 工号 instead of scanning every learner_years row of the year, on every page view.
    # Kept by the functions that change learner_years, for the blocks of the months they touch.
    sa.Column("year", sa.String(4), primary_key=True),
    sa.Column("block", sa.String(2), primary_key=True),
    sa.Column("employee_id", sa.String(EMP), primary_key=True),
    sa.Column("points", sa.Double(), nullable=False),  # raw Σ points over the block, every unit
    sqlite_with_rowid=False,
    **MYSQL_TABLE,
)

# Who may do what (revision 0003; the functions that use them are in data_sources/access.py).
accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("role", sa.String(16), nullable=False),  # viewer | reporter | admin
    sa.Column("units", sa.Text(), nullable=False),  # JSON list: the units a reporter may upload for
    sa.Column("password_hash", sa.String(300), nullable=True),  # scrypt$n$r$p$salt$hash; NULL: OIDC only
    sa.Column("email", sa.String(320), nullable=True),  # the OIDC identity (st.user.email), lower case
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Index("ix_accounts_email", "email"),
    **MYSQL_TABLE,
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(), nullable=False),
    sa.Column("user_name", sa.String(200), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),  # import, import_rejected, undo, undo_refused, login, …
    sa.Column("detail", sa.Text(), nullable=False),  # JSON object
    **MYSQL_TABLE,
)


# ---- row shapes ---------------------------------------------------------------------------

KIND_TABLE: dict[Kind, sa.Table] = {
    Kind.ROSTER: units,
    Kind.SUMMARY: summary_rows,
    Kind.LEDGER: ledger_rows,
    Kind.CERTIFICATES: certificate_rows,
    Kind.MILESTONES: milestone_rows,
}
TABLE_KIND = {t.name: k for k, t in KIND_TABLE.items()}
# primary key columns of each table, in schema.KEYS order
TABLE_KEY: dict[str, tuple[str, ...]] = {
    "units": ("name",),
    "summary_rows": KEYS[Kind.SUMMARY],
    "ledger_rows": KEYS[Kind.LEDGER],
    "certificate_rows": KEYS[Kind.CERTIFICATES],
    "milestone_rows": KEYS[Kind.MILESTONES],
    "unit_months": ("unit", "month"),
    "learner_years": ("year", "unit", "employee_id"),
    "batch_changes": ("tbl", "key", "batch_id"),
}
# How existing rows are fetched for a set of keys: equality on the first columns, IN on the last.
FETCH_PLAN: dict[str, tuple[tuple[str, ...], str]] = {
    "units": ((), "name"),
    "summary_rows": (("month",), "unit"),
    "ledger_rows": (("month",), "employee_id"),
    "certificate_rows": ((), "employee_id"),
    "milestone_rows": ((), "unit"),
}
ROSTER_FIELDS = ("department", "unit_type", "is_pilot", "headcount")
KIND_ORDER = (Kind.ROSTER, Kind.SUMMARY, Kind.LEDGER, Kind.CERTIFICATES, Kind.MILESTONES)


def _text(v: Any) -> str | None:
    if v is None:
        return None
    s = str(v).strip()
    return s or None


def _int(v: Any) -> int | None:
    return None if v is None or v == "" else int(v)


def _float(v: Any) -> float | None:
    return None if v is None or v == "" else float(v)


def _date(v: Any) -> date | None:
    if v is None or v == "":
        return None
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    return date.fromisoformat(str(v)[:10])


def _month(v: Any) -> str | None:
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


# Optional summary columns a sheet without them leaves as stored (DESIGN §3): the record holds them
# only when the sheet has the column, and _diff fills the rest from the stored row.
SUMMARY_KEPT = ("training_funds", "payroll")


def _kept_when_absent(row: dict[str, Any], sheet: ParsedSheet, fields: tuple[str, ...]) -> dict[str, Any]:
    present = set(sheet.columns) | set(row)
    return {f: _float(row.get(f)) for f in fields if f in present}


def _record(kind: Kind, row: dict[str, Any], sheet: ParsedSheet) -> dict[str, Any]:
    """A parsed row → the stored columns of its table (roster: only the fields the sheet has)."""
    if kind is Kind.ROSTER:
        rec: dict[str, Any] = {"name": _text(row.get("unit"))}
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
        return {
            "unit": _text(row.get("unit")),
            "month": _month(row.get("month") or sheet.period),
            "headcount": _int(row.get("headcount")) or 0,
            "participants": _int(row.get("participants")) or 0,
            "sessions": _int(row.get("sessions")) or 0,
            "person_times": _int(row.get("person_times")) or 0,
            "hours": _float(row.get("hours")) or 0.0,
            "certificates": _int(row.get("certificates")) or 0,
            "suggestions": _int(row.get("suggestions")),
            **_kept_when_absent(row, sheet, SUMMARY_KEPT),
        }
    if kind is Kind.LEDGER:
        return {
            "employee_id": _text(row.get("employee_id")),
            "month": _month(row.get("month") or sheet.period),
            "name": _text(row.get("name")) or "",
            "unit": _text(row.get("unit")),
            "hours": _float(row.get("hours")) or 0.0,
            "points": _float(row.get("points")) or 0.0,
            "attendance": _int(row.get("attendance")),
        }
    if kind is Kind.CERTIFICATES:
        d = _date(row.get("cert_date"))
        return {
            "employee_id": _text(row.get("employee_id")),
            "cert_name": _text(row.get("cert_name")),
            "cert_date": d,
            "name": _text(row.get("name")) or "",
            "unit": _text(row.get("unit")),
            "level": _text(row.get("level")) or "其他",
            "month": _month(d),
        }
    return {
        "unit": _text(row.get("unit")),
        "milestone": _text(row.get("milestone")),
        "phase": _text(row.get("phase")),
        "planned_date": _date(row.get("planned_date")),
        "done_date": _date(row.get("done_date")),
    }


def _key(table: str, rec: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(rec[c] for c in TABLE_KEY[table])


# one encoder for every image: json.dumps(..., ensure_ascii=False) would build one per call
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)


_ESCAPED = re.compile(r'["\\\x00-\x1f]')  # what the encoder escapes (ensure_ascii=False)


def _plain(values: Iterable[Any]) -> bool:
    """Every value a string the encoder writes as it is: the fast paths below give its text."""
    return all(type(v) is str and not _ESCAPED.search(v) for v in values)


def _key_json(key: tuple[Any, ...]) -> str:
    # an import of 100,000 rows encodes 100,000 keys and images: the encoder took 1.3 s of it
    if _plain(key):
        return '["' + '","'.join(key) + '"]'
    return _JSON.encode([v.isoformat() if isinstance(v, date) else v for v in key])


def _image_json(rec: dict[str, Any] | None) -> str | None:
    if rec is None:
        return None
    if _plain(rec.values()):
        return "{" + ",".join(f'"{k}":"{rec[k]}"' for k in sorted(rec)) + "}"
    if any(isinstance(v, date) for v in rec.values()):
        rec = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in rec.items()}
    return _JSON.encode(rec)


@functools.cache  # asked once per undo image: thousands of times in one undo
def _date_columns(table: sa.Table) -> frozenset[str]:
    return frozenset(c.name for c in table.columns if isinstance(c.type, sa.Date))


def _image_load(table: sa.Table, text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    out = json.loads(text)
    for k in _date_columns(table):
        if out.get(k) is not None:
            out[k] = _date(out[k])
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
            out.append((c.name, _date))
        else:
            out.append((c.name, None))
    return out


def _row_dicts(table: sa.Table, rows: Iterable[tuple[Any, ...]]) -> Iterator[dict[str, Any]]:
    """Fetched rows as the same plain values ``_record`` builds (for an exact comparison)."""
    conv = _converters(table)
    for row in rows:
        yield {
            name: (v if f is None or v is None or type(v) is f else f(v))
            for (name, f), v in zip(conv, row, strict=True)
        }


def _chunks(seq: Sequence[Any], n: int = CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(seq), n):
        yield seq[i : i + n]


def _utcnow() -> datetime:
    """Naive UTC to the millisecond: the same value on SQLite, PostgreSQL and MySQL DateTime."""
    now = datetime.now(UTC)
    return now.replace(tzinfo=None, microsecond=now.microsecond // 1000 * 1000)


def _aware(d: datetime | None) -> datetime | None:
    return None if d is None else d.replace(tzinfo=UTC) if d.tzinfo is None else d


# ---- results ------------------------------------------------------------------------------


@dataclass
class Change:
    """One row an import would write: ``before`` is None when it adds the row."""

    key: tuple[Any, ...]
    before: dict[str, Any] | None
    after: dict[str, Any]


@dataclass
class KindPlan:
    rows: int = 0
    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    changes: list[Change] = field(default_factory=list)

    @property
    def changed_keys(self) -> list[tuple[Any, ...]]:
        return [c.key for c in self.changes]


@dataclass
class ImportPlan:
    """What committing a ParsedFile would do, per kind, without writing it."""

    file: str
    kinds: dict[Kind, KindPlan]
    warnings: list[Problem] = field(default_factory=list)  # unit_added
    units_added: list[str] = field(default_factory=list)

    @property
    def added(self) -> int:
        return sum(p.added for p in self.kinds.values())

    @property
    def replaced(self) -> int:
        return sum(p.replaced for p in self.kinds.values())

    @property
    def unchanged(self) -> int:
        return sum(p.unchanged for p in self.kinds.values())

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.replaced or self.units_added)

    def counts(self) -> dict[str, Any]:
        """The JSON stored with the batch: per kind rows/added/replaced/unchanged."""
        out: dict[str, Any] = {
            k.value: {"rows": p.rows, "added": p.added, "replaced": p.replaced, "unchanged": p.unchanged}
            for k, p in self.kinds.items()
        }
        out["units_added"] = len(self.units_added)
        return out


@dataclass
class BatchResult:
    """The outcome of a commit; ``batch_id`` is None when nothing changed (no batch recorded)."""

    batch_id: int | None
    plan: ImportPlan

    @property
    def added(self) -> int:
        return self.plan.added

    @property
    def replaced(self) -> int:
        return self.plan.replaced

    @property
    def unchanged(self) -> int:
        return self.plan.unchanged

    @property
    def warnings(self) -> list[Problem]:
        return self.plan.warnings


@dataclass(frozen=True)
class Batch:
    id: int
    file_name: str
    sha256: str
    user: str
    created_at: datetime  # UTC, timezone-aware
    counts: dict[str, Any]
    undone_at: datetime | None
    undone_by: str | None

    @property
    def undone(self) -> bool:
        return self.undone_at is not None


# ---- the store ----------------------------------------------------------------------------


def _hide_password(url: str) -> str:
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except Exception:  # not even a URL: strip anything that looks like user:password@
        return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)


def _alembic_config(conn: Connection) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = conn
    return cfg


def known_revisions() -> tuple[set[str], str]:
    """Every revision our migrations know, and the head."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    script = ScriptDirectory.from_config(cfg)
    revs = {s.revision for s in script.walk_revisions()}
    head = script.get_current_head()
    assert head is not None
    return revs, head


class Store:
    """One organisation's data in a SQL database (SQLite file, PostgreSQL or MySQL)."""

    def __init__(self, engine: Engine, url: str):
        self.engine = engine
        self.url = url

    # -- opening ------------------------------------------------------------------------

    @classmethod
    def open(cls, url: str) -> Store:
        """Connect, create or upgrade the schema, and refuse a schema newer than this code."""
        from alembic import command
        from alembic.runtime.migration import MigrationContext

        shown = _hide_password(url)
        try:
            u = sa.make_url(url)
        except Exception as e:
            raise StoreUnavailable(shown, f"not a database URL: {type(e).__name__}") from e
        kwargs: dict[str, Any] = {}
        if u.get_backend_name() == "sqlite":
            db = u.database
            if db and db != ":memory:" and not db.startswith("file:"):
                try:
                    Path(db).expanduser().parent.mkdir(parents=True, exist_ok=True)
                except OSError as e:
                    raise StoreUnavailable(shown, str(e)) from e
            kwargs["connect_args"] = {"timeout": 30}
        else:
            kwargs["pool_pre_ping"] = True
        try:
            engine = sa.create_engine(u, **kwargs)
        except Exception as e:  # unknown dialect, driver not installed
            raise StoreUnavailable(shown, _clean(str(e), u)) from e
        if u.get_backend_name() == "sqlite":

            @sa.event.listens_for(engine, "connect")
            def _pragmas(dbapi_conn: Any, _rec: Any) -> None:
                cur = dbapi_conn.cursor()
                # a second writer (another import, the CLI next to the app) waits up to 30 s for
                # the first instead of failing; WAL lets the pages read while an import commits
                cur.execute("PRAGMA busy_timeout = 30000")
                cur.execute("PRAGMA journal_mode = WAL")
                # a 32 MB page cache instead of 2 MB: an import of 100,000 rows touches pages all
                # over a ledger of millions; sorts of a page's queries stay in memory
                cur.execute("PRAGMA cache_size = -32768")
                cur.execute("PRAGMA temp_store = MEMORY")
                cur.close()

        revs, head = known_revisions()
        try:
            with engine.begin() as conn:
                current = MigrationContext.configure(conn).get_current_revision()
                if current is not None and current not in revs:
                    raise StoreTooNew(current)
                if current != head:
                    command.upgrade(_alembic_config(conn), "head")
        except StoreTooNew:
            engine.dispose()
            raise
        except (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.DatabaseError) as e:
            engine.dispose()
            raise StoreUnavailable(shown, _clean(str(getattr(e, "orig", None) or e), u)) from e
        return cls(engine, url)

    def close(self) -> None:
        """Release the connections (tests drop their database after this)."""
        self.engine.dispose()

    def lost(self, error: BaseException) -> StoreUnavailable | None:
        """``error`` as a StoreUnavailable when it says the database went away under a running
        app (server stopped, network down), so the app shows a message and waits for it; None
        for any other error (a bug is not to be passed off as an outage)."""
        if not isinstance(error, sa.exc.DBAPIError):
            return None
        if not isinstance(error, (sa.exc.OperationalError, sa.exc.InterfaceError)) and not error.connection_invalidated:
            return None
        return StoreUnavailable(_hide_password(self.url), _clean(str(error.orig or error), sa.make_url(self.url)))

    def reachable(self) -> bool:
        """Whether a query gets through now (the pool replaces connections the outage broke)."""
        try:
            with self.engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        except sa.exc.SQLAlchemyError:
            return False
        return True

    # -- reading ------------------------------------------------------------------------

    def batches(self) -> list[Batch]:
        """Every import batch, newest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(import_batches).order_by(import_batches.c.id.desc())).all()
        return [
            Batch(
                id=r.id,
                file_name=r.file_name,
                sha256=r.sha256,
                user=r.user_name,
                created_at=_aware(r.created_at),  # type: ignore[arg-type]
                counts=json.loads(r.counts),
                undone_at=_aware(r.undone_at),
                undone_by=r.undone_by,
            )
            for r in rows
        ]

    def data_as_of(self) -> datetime | None:
        """When the data last changed (the last commit or undo), UTC."""
        with self.engine.connect() as conn:
            a = conn.execute(sa.select(sa.func.max(import_batches.c.created_at))).scalar()
            b = conn.execute(sa.select(sa.func.max(import_batches.c.undone_at))).scalar()
        values = [v for v in (a, b) if v is not None]
        return _aware(max(values)) if values else None

    def is_empty(self) -> bool:
        """No unit and no row at all (every data row brings its unit along)."""
        with self.engine.connect() as conn:
            for t in (units, milestone_rows, unit_months):
                if conn.execute(sa.select(sa.literal(1)).select_from(t).limit(1)).first():
                    return False
        return True

    # -- importing ----------------------------------------------------------------------

    def plan(self, parsed: ParsedFile) -> ImportPlan:
        """What ``commit`` would do, against the stored data, without writing anything."""
        with self.engine.connect() as conn:
            plan, _ = _diff(conn, parsed)
        return plan

    def commit(self, parsed: ParsedFile, user: str) -> BatchResult:
        """Write one file as one batch, in one transaction; nothing at all if it has errors."""
        return self.commit_many([parsed], user)[0]

    def commit_many(
        self, files: Sequence[ParsedFile], user: str, dry_run: bool = False, audit: str | None = None
    ) -> list[BatchResult]:
        """Write several files in ONE transaction, one batch each, all or nothing.

        Each file is diffed against the store as the files before it left it. With ``dry_run``
        the transaction is rolled back and no batch id is given out. ``audit`` (an action such
        as "import" or "sync") adds an audit log entry in the same transaction when data changed:
        there is never an import without its entry, nor an entry without its import.
        """
        errors = [p for f in files for p in f.errors]
        if errors:
            raise ImportRejected(errors)
        results: list[BatchResult] = []
        conn = self.engine.connect()
        try:
            trans = conn.begin()
            _lock(conn)
            for parsed in files:
                now = _utcnow()
                plan, new_units = _diff(conn, parsed)
                batch_id = None
                if plan.has_changes:
                    batch_id = _write(conn, parsed, plan, new_units, user, now, record=not dry_run)
                results.append(BatchResult(batch_id, plan))
            if audit and not dry_run and any(r.batch_id is not None for r in results):
                write_audit(
                    conn,
                    user,
                    audit,
                    files=[
                        {"file": f.file, "sha256": f.sha256, "batch": r.batch_id}
                        for f, r in zip(files, results, strict=True)
                    ],
                    added=sum(r.added for r in results),
                    replaced=sum(r.replaced for r in results),
                    unchanged=sum(r.unchanged for r in results),
                )
            if dry_run:
                trans.rollback()
            else:
                _test_pause_in_commit()
                trans.commit()
        finally:
            conn.close()
        return results

    def bulk_load(self, kind: Kind, rows: Iterable[dict[str, Any]], chunk: int = 50_000) -> int:
        """Write rows of one kind straight into its table and recompute the derived tables for
        what they touch, in one transaction; returns the number of rows.

        For building large stores fast (the benchmark, a move from another system): the rows are
        in the stored shape (the roster: ``units`` rows ``name, department, unit_type, is_pilot,
        headcount, auto_added``; certificates may leave out ``month``), streamed in chunks, and not
        validated; no batch and no undo image is recorded, every key must be new and every unit
        a row names must be in the roster (load the roster first).
        """
        table = KIND_TABLE[kind]
        touched: set[tuple[str, str]] = set()
        years: set[str] = set()
        n = 0
        with self.engine.begin() as conn:
            _lock(conn)
            it = iter(rows)
            while batch := list(itertools.islice(it, chunk)):
                if kind is Kind.CERTIFICATES:
                    batch = [r if r.get("month") else {**r, "month": _month(r["cert_date"])} for r in batch]
                if kind in (Kind.SUMMARY, Kind.LEDGER, Kind.CERTIFICATES):
                    touched.update((r["unit"], r["month"]) for r in batch)
                if kind is Kind.LEDGER:
                    years.update(r["month"][:4] for r in batch)
                _insert(conn, table, batch)
                n += len(batch)
            _recompute_unit_months(conn, touched, _utcnow())
            _rebuild_learner_years(conn, years)
        return n

    def undo(self, batch_id: int, user: str, audit: bool = False) -> None:
        """Put back what a batch replaced and remove what it added, in one transaction (with
        its audit log entry when ``audit``)."""
        with self.engine.begin() as conn:
            _lock(conn)
            batch = conn.execute(sa.select(import_batches).where(import_batches.c.id == batch_id)).first()
            if batch is None:
                raise UndoRefused(batch_id, "unknown")
            if batch.undone_at is not None:
                raise UndoRefused(batch_id, "already_undone")
            c1, c2 = batch_changes.alias("c1"), batch_changes.alias("c2")
            later = conn.execute(
                sa.select(sa.func.max(c2.c.batch_id))
                .select_from(
                    c1.join(c2, sa.and_(c1.c.tbl == c2.c.tbl, c1.c.key == c2.c.key)).join(
                        import_batches, import_batches.c.id == c2.c.batch_id
                    )
                )
                .where(c1.c.batch_id == batch_id, c2.c.batch_id > batch_id, import_batches.c.undone_at.is_(None))
            ).scalar()
            if later is not None:
                raise UndoRefused(batch_id, "later_batch", later_batch=int(later))
            changes = conn.execute(sa.select(batch_changes).where(batch_changes.c.batch_id == batch_id)).all()
            now = _utcnow()
            touched: set[tuple[str, str]] = set()
            people: set[tuple[str, str]] = set()
            added_units: list[str] = []
            by_table: dict[str, list[tuple[dict[str, Any] | None, dict[str, Any]]]] = defaultdict(list)
            for ch in changes:
                t = metadata.tables[ch.tbl]
                before, after = _image_load(t, ch.before), _image_load(t, ch.after)
                assert after is not None
                by_table[ch.tbl].append((before, after))
            # rows first, units last (a unit the batch added goes only when no row mentions it)
            for tname in ("summary_rows", "ledger_rows", "certificate_rows", "milestone_rows", "units"):
                pairs = by_table.get(tname, [])
                if not pairs:
                    continue
                t = metadata.tables[tname]
                if tname == "units":
                    restore = [b for b, _ in pairs if b is not None]
                    added_units = [a["name"] for b, a in pairs if b is None]
                    _delete_keys(conn, t, [(b["name"],) for b in restore])
                    _insert(conn, t, restore)
                    continue
                _delete_keys(conn, t, [_key(tname, a) for _, a in pairs])
                _insert(conn, t, [b for b, _ in pairs if b is not None])
                if tname in ("summary_rows", "ledger_rows", "certificate_rows"):
                    for b, a in pairs:
                        touched.add((a["unit"], a["month"]))
                        if b is not None:
                            touched.add((b["unit"], b["month"]))
                if tname == "ledger_rows":
                    people.update((a["employee_id"], a["month"][:4]) for _, a in pairs)
            if added_units:
                still = _units_referenced(conn, added_units)
                _delete_keys(conn, units, [(n,) for n in added_units if n not in still])
            _recompute_unit_months(conn, touched, now)
            _recompute_learner_years(conn, people)
            conn.execute(
                import_batches.update().where(import_batches.c.id == batch_id).values(undone_at=now, undone_by=user)
            )
            if audit:
                write_audit(conn, user, "undo", batch=batch_id)


def write_audit(conn: Connection, user: str, action: str, **detail: Any) -> None:
    """Append one audit log entry inside the caller's transaction."""
    conn.execute(
        audit_log.insert().values(
            at=_utcnow().replace(tzinfo=None),
            user_name=(user or "")[:200],
            action=action[:32],
            detail=json.dumps(detail, ensure_ascii=False, default=str),
        )
    )


def _clean(detail: str, u: sa.URL) -> str:
    """An error message without the URL's password."""
    if u.password:
        detail = detail.replace(str(u.password), "***")
    return detail.strip().splitlines()[0] if detail.strip() else detail


def _lock(conn: Connection) -> None:
    """Serialise writers: an advisory lock on PostgreSQL; on SQLite the write lock is taken up
    front (BEGIN IMMEDIATE), so a second writer waits for the busy timeout instead of reading
    first and then failing with "database is locked" when it wants to write."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(7262001)"))
    elif conn.dialect.name in ("mysql", "mariadb"):
        # a row lock on alembic_version's one row, held to COMMIT/ROLLBACK (GET_LOCK would
        # outlive the transaction on a pooled connection); a locking read takes no snapshot,
        # so the first plain read after it sees what the writer before committed
        # (and waits for as long as an import may take, not InnoDB's default 50 s)
        conn.exec_driver_sql("SET SESSION innodb_lock_wait_timeout = 3600")
        conn.execute(sa.text("SELECT version_num FROM alembic_version FOR UPDATE"))
    elif conn.dialect.name == "sqlite" and not conn.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
        conn.exec_driver_sql("BEGIN IMMEDIATE")


TEST_PAUSE_ENV = "DASHBOARD_TEST_PAUSE_IN_COMMIT"


def _test_pause_in_commit() -> None:
    """Test hook (tests/test_faults.py): with DASHBOARD_TEST_PAUSE_IN_COMMIT=<seconds>, commit_many
    says so on stderr and sleeps right before COMMIT, so a test can kill the process while every
    row is written but not committed. Unset (always, outside that test) it does nothing."""
    seconds = os.environ.get(TEST_PAUSE_ENV)
    if seconds:
        sys.stderr.write(f"{TEST_PAUSE_ENV}: pausing {seconds} s before COMMIT\n")
        sys.stderr.flush()
        time.sleep(float(seconds))


def _fetch_existing(conn: Connection, table: sa.Table, keys: Iterable[tuple[Any, ...]]) -> dict[tuple, dict]:
    """The stored rows for a set of keys, in a few bulk SELECTs (no per-row query)."""
    keycols = TABLE_KEY[table.name]
    eq_cols, in_col = FETCH_PLAN[table.name]
    wanted = set(keys)
    if conn.dialect.name == "postgresql" and len(wanted) > 2000:
        # one join against the keys COPYed to a temp table beats a hundred IN (...) queries
        tmp = _temp_keys(conn, table, list(keycols), wanted)
        ident = conn.dialect.identifier_preparer
        sel = ", ".join(f"t.{ident.quote(c.name)}" for c in table.columns)
        on = " AND ".join(f"t.{ident.quote(c)} = k.{ident.quote(c)}" for c in keycols)
        rows = conn.exec_driver_sql(f"SELECT {sel} FROM {ident.format_table(table)} AS t JOIN {tmp} AS k ON {on}")
        out_pg = {_key(table.name, rec): rec for rec in _row_dicts(table, rows)}
        conn.exec_driver_sql(f"DROP TABLE {tmp}")
        return out_pg
    groups: dict[tuple[Any, ...], set[Any]] = defaultdict(set)
    for k in wanted:
        rec = dict(zip(keycols, k, strict=True))
        groups[tuple(rec[c] for c in eq_cols)].add(rec[in_col])
    out: dict[tuple, dict] = {}
    for eq_vals, in_vals in groups.items():
        vals = sorted(in_vals, key=str)
        for chunk in _chunks(vals):
            cond = [table.c[c] == v for c, v in zip(eq_cols, eq_vals, strict=True)]
            cond.append(table.c[in_col].in_(chunk))
            for rec in _row_dicts(table, conn.execute(sa.select(table).where(*cond))):
                k = _key(table.name, rec)
                if k in wanted:
                    out[k] = rec
    return out


_TEMP_NAMES = itertools.count(1)


def _insert(conn: Connection, table: sa.Table, recs: list[dict[str, Any]]) -> None:
    """Bulk insert: COPY on PostgreSQL (executemany there is one round trip per row in a
    pipeline), the driver's executemany elsewhere (pysqlite loops in C, PyMySQL rewrites it to a
    multi-row INSERT)."""
    if not recs:
        return
    if conn.dialect.name == "postgresql":
        cols = [c.name for c in table.columns]
        ident = conn.dialect.identifier_preparer
        copy_sql = f"COPY {ident.format_table(table)} ({', '.join(ident.quote(c) for c in cols)}) FROM STDIN"
        cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            with cur.copy(copy_sql) as cp:
                for r in recs:
                    cp.write_row([r.get(c) for c in cols])
        finally:
            cur.close()
        return
    if conn.dialect.name in ("sqlite", "mysql", "mariadb"):
        # the DBAPI's executemany on tuples, the values bound as SQLAlchemy would bind them (its
        # per-row parameter handling costs more than SQLite's insert itself; PyMySQL turns
        # positional executemany into multi-row INSERTs and escapes tuples faster than dicts)
        cols, conv = _bind_processors(conn, table)
        ident = conn.dialect.identifier_preparer
        mark = "?" if conn.dialect.name == "sqlite" else "%s"
        sql = (
            f"INSERT INTO {ident.format_table(table)} ({', '.join(ident.quote(c) for c in cols)}) "
            f"VALUES ({', '.join(mark for _ in cols)})"
        )
        get = operator.itemgetter(*cols)
        # in primary-key order: each B-tree page is visited once instead of at random
        keycols = TABLE_KEY.get(table.name) or tuple(c.name for c in table.primary_key.columns)
        if keycols and all(c in recs[0] for c in keycols):
            recs = sorted(recs, key=operator.itemgetter(*keycols))
        for chunk in _chunks(recs, 20000):
            params = []
            for r in chunk:
                try:
                    t = get(r)
                except KeyError:  # a record without some nullable column
                    t = tuple(r.get(c) for c in cols)
                if conv:
                    t = list(t)
                    for i, proc in conv:
                        if t[i] is not None:
                            t[i] = proc(t[i])
                    t = tuple(t)
                params.append(t)
            conn.exec_driver_sql(sql, params)
        return
    for chunk in _chunks(recs, 5000):  # any other database SQLAlchemy knows
        conn.execute(table.insert(), list(chunk))


def _bind_processors(conn: Connection, table: sa.Table) -> tuple[list[str], list[tuple[int, Any]]]:
    """The columns and (position, SQLAlchemy's bind processor) of those that need one — dates,
    times, booleans; not floats: SQLite's REAL affinity stores an int as a float by itself."""
    dialect = conn.dialect
    cols = [c.name for c in table.columns]
    conv = []
    for i, c in enumerate(table.columns):
        proc = c.type.dialect_impl(dialect).bind_processor(dialect)
        if proc is not None and not isinstance(c.type, sa.Float):
            conv.append((i, proc))
    return cols, conv


def _temp_keys(conn: Connection, table: sa.Table, cols: list[str], keys: Iterable[tuple[Any, ...]]) -> str:
    """PostgreSQL: a temp table (dropped at commit at the latest) holding these keys, by COPY."""
    ident = conn.dialect.identifier_preparer
    tmp = f"_dash_keys_{next(_TEMP_NAMES)}"
    qcols = ", ".join(ident.quote(c) for c in cols)
    conn.exec_driver_sql(
        f"CREATE TEMP TABLE {tmp} ON COMMIT DROP AS SELECT {qcols} FROM {ident.format_table(table)} WITH NO DATA"
    )
    cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with cur.copy(f"COPY {tmp} ({qcols}) FROM STDIN") as cp:
            for k in keys:
                cp.write_row(list(k))
    finally:
        cur.close()
    return tmp


def _delete_keys(conn: Connection, table: sa.Table, keys: list[tuple[Any, ...]]) -> None:
    """Delete rows by primary key in bulk (PostgreSQL: COPY the keys to a temp table, one DELETE)."""
    if not keys:
        return
    cols = list(TABLE_KEY.get(table.name) or [c.name for c in table.primary_key.columns])
    if conn.dialect.name == "postgresql" and len(keys) > 50:
        ident = conn.dialect.identifier_preparer
        tmp = _temp_keys(conn, table, cols, keys)
        on = " AND ".join(f"t.{ident.quote(c)} = k.{ident.quote(c)}" for c in cols)
        conn.exec_driver_sql(f"DELETE FROM {ident.format_table(table)} AS t USING {tmp} AS k WHERE {on}")
        conn.exec_driver_sql(f"DROP TABLE {tmp}")
        return
    stmt = table.delete().where(*[table.c[c] == sa.bindparam(f"k_{c}") for c in cols])
    conn.execute(stmt, [{f"k_{c}": v for c, v in zip(cols, k, strict=True)} for k in keys])


def _replace_rows(conn: Connection, table: sa.Table, recs: list[dict[str, Any]]) -> None:
    """Replace whole rows by key: one bulk delete and one bulk insert (faster than executemany
    UPDATE on every backend, and the same code path as undo)."""
    if not recs:
        return
    cols = list(TABLE_KEY.get(table.name) or [c.name for c in table.primary_key.columns])
    _delete_keys(conn, table, [tuple(r[c] for c in cols) for r in recs])
    _insert(conn, table, recs)


def _units_referenced(conn: Connection, names: list[str]) -> set[str]:
    found: set[str] = set()
    for t in (summary_rows, ledger_rows, certificate_rows, milestone_rows):
        for chunk in _chunks(sorted(names)):
            found.update(conn.execute(sa.select(t.c.unit).where(t.c.unit.in_(chunk)).distinct()).scalars())
    return found


def _months_with_ledger(conn: Connection, months: set[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(sorted(m for m in months if m)):
        q = sa.select(unit_months.c.month).where(unit_months.c.month.in_(chunk), unit_months.c.ledger_rows > 0)
        found.update(conn.execute(q.distinct()).scalars())
    return found


def _diff(conn: Connection, parsed: ParsedFile) -> tuple[ImportPlan, list[dict[str, Any]]]:
    """Compare a file's rows with the stored ones: added / replaced / unchanged, per kind.

    Returns the plan and the unit rows to add automatically (units not in any roster).
    """
    incoming: dict[Kind, dict[tuple, dict[str, Any]]] = {k: {} for k in KIND_ORDER}
    rows_seen: dict[Kind, int] = defaultdict(int)
    first_mention: dict[str, Problem] = {}
    for sheet in parsed.sheets:
        table = KIND_TABLE[sheet.kind]
        for row in sheet.rows:
            rec = _record(sheet.kind, row, sheet)
            rows_seen[sheet.kind] += 1
            incoming[sheet.kind][_key(table.name, rec)] = rec  # a repeated key: the last one wins
            if sheet.kind is not Kind.ROSTER and rec.get("unit") and rec["unit"] not in first_mention:
                first_mention[rec["unit"]] = Problem(
                    code="unit_added",
                    file=sheet.file or parsed.file,
                    sheet=sheet.sheet,
                    row=row.get("_row"),
                    column=sheet.columns.get("unit", "单位"),
                    value=rec["unit"],
                    params={"unit": rec["unit"]},
                    severity="warning",
                )
    kinds: dict[Kind, KindPlan] = {}
    # units: the roster rows, then every unit a row mentions
    roster = incoming[Kind.ROSTER]
    names = set(n for (n,) in roster) | set(first_mention)
    stored_units = _fetch_existing(conn, units, [(n,) for n in names])
    kp = KindPlan(rows=rows_seen[Kind.ROSTER])
    for key, rec in roster.items():
        old = stored_units.get(key)
        base = old or {"name": key[0], "department": None, "unit_type": None, "is_pilot": False, "headcount": None}
        new = {**base, **rec, "auto_added": False}
        if old is None:
            kp.added += 1
            kp.changes.append(Change(key, None, new))
        elif new == old:
            kp.unchanged += 1
        else:
            kp.replaced += 1
            kp.changes.append(Change(key, old, new))
    kinds[Kind.ROSTER] = kp
    new_units: list[dict[str, Any]] = []
    warnings: list[Problem] = []
    for name, problem in first_mention.items():
        if (name,) in stored_units or (name,) in roster:
            continue
        new_units.append(
            {
                "name": name,
                "department": None,
                "unit_type": None,
                "is_pilot": False,
                "headcount": None,
                "auto_added": True,
            }
        )
        warnings.append(problem)
    for kind in KIND_ORDER[1:]:
        table = KIND_TABLE[kind]
        keys: Iterable[tuple[Any, ...]] = incoming[kind].keys()
        if kind is Kind.LEDGER:
            # a month with no ledger row in any unit (unit_months says so in one small query)
            # holds none of these keys: a new month's import looks nothing up
            stored = _months_with_ledger(conn, {k[1] for k in keys})
            keys = [k for k in keys if k[1] in stored]
        existing = _fetch_existing(conn, table, keys)
        kp = KindPlan(rows=rows_seen[kind])
        for key, rec in incoming[kind].items():
            old = existing.get(key)
            if old is not None and len(rec) < len(old):  # a column the sheet lacks keeps its value
                rec = incoming[kind][key] = {**old, **rec}
            if old is None:
                kp.added += 1
                kp.changes.append(Change(key, None, rec))
            elif old == rec:
                kp.unchanged += 1
            else:
                kp.replaced += 1
                kp.changes.append(Change(key, old, rec))
        kinds[kind] = kp
    plan = ImportPlan(
        file=parsed.file,
        kinds={k: kinds[k] for k in KIND_ORDER if rows_seen[k] or k in {s.kind for s in parsed.sheets}},
        warnings=warnings,
        units_added=[u["name"] for u in new_units],
    )
    return plan, new_units


def _write(
    conn: Connection,
    parsed: ParsedFile,
    plan: ImportPlan,
    new_units: list[dict[str, Any]],
    user: str,
    now: datetime,
    record: bool,
) -> int | None:
    """Apply a plan: bulk insert/update, the undo images, and the touched unit_months."""
    batch_id: int | None = None
    if record:
        batch_id = conn.execute(
            import_batches.insert().values(
                file_name=parsed.file,
                sha256=parsed.sha256,
                user_name=user,
                created_at=now,
                counts=json.dumps(plan.counts(), ensure_ascii=False),
            )
        ).inserted_primary_key[0]
    images: list[dict[str, Any]] = []
    touched: set[tuple[str, str]] = set()
    people: set[tuple[str, str]] = set()
    stage: sa.Table | None = None  # the ledger rows this import adds
    added_months: set[str] = set()
    if new_units:
        _insert(conn, units, new_units)
        images += [
            {
                "batch_id": batch_id,
                "tbl": "units",
                "key": _key_json((u["name"],)),
                "before": None,
                "after": _image_json(u),
            }
            for u in new_units
        ]
    for kind, kp in plan.kinds.items():
        table = KIND_TABLE[kind]
        adds = [c.after for c in kp.changes if c.before is None]
        repl = [c.after for c in kp.changes if c.before is not None]
        if kind is Kind.LEDGER:
            # the key (工号, month) is the same before and after: one person-year per change; a
            # replaced row's person-year is rebuilt, an added one (a new month) folded in
            people.update((r["employee_id"], r["month"][:4]) for r in repl)
            if adds:
                added_months = {r["month"] for r in adds}
                stage = _ledger_stage(conn, adds, lambda r: (r["employee_id"], r["month"][:4]) not in people)
        else:
            _insert(conn, table, adds)
        _replace_rows(conn, table, repl)
        # undo deletes an added row by its key: its image is the key, unit and month (what undo
        # recomputes from), not the whole row
        slim = [c for c in (*TABLE_KEY[table.name], "unit", "month") if c in table.c]
        images += [
            {
                "batch_id": batch_id,
                "tbl": table.name,
                "key": _key_json(c.key),
                "before": _image_json(c.before),
                "after": _image_json(c.after if c.before is not None else {k: c.after[k] for k in slim}),
            }
            for c in kp.changes
        ]
        if kind in (Kind.SUMMARY, Kind.LEDGER, Kind.CERTIFICATES):
            for c in kp.changes:
                touched.add((c.after["unit"], c.after["month"]))
                if c.before is not None:
                    touched.add((c.before["unit"], c.before["month"]))
    if stage is not None:
        _add_ledger_rows(conn, stage)
    if record:
        _insert(conn, batch_changes, images)
    _recompute_unit_months(conn, touched, now)
    _recompute_learner_years(conn, people)
    if stage is not None:
        _add_learner_months(conn, stage, added_months)
        _drop_temp(conn, stage)
    return batch_id


def _drop_temp(conn: Connection, table: sa.Table) -> None:
    """Drop a temporary table; on MySQL a plain DROP TABLE would commit the transaction."""
    temporary = "TEMPORARY " if conn.dialect.name in ("mysql", "mariadb") else ""
    conn.exec_driver_sql(f"DROP {temporary}TABLE {conn.dialect.identifier_preparer.format_table(table)}")


_SUMMARY_FIGURES = (
    "unit",
    "month",
    "headcount",
    "participants",
    "sessions",
    "person_times",
    "hours",
    "certificates",
    "suggestions",
)


def _recompute_unit_months(conn: Connection, touched: set[tuple[str, str]], now: datetime) -> None:
    """Rebuild the unit_months rows of exactly these unit-months from the detail tables."""
    if not touched:
        return
    by_month: dict[str, set[str]] = defaultdict(set)
    for u, m in touched:
        by_month[m].add(u)
    summ: dict[tuple[str, str], Any] = {}
    led: dict[tuple[str, str], Any] = {}
    cer: dict[tuple[str, str], int] = {}
    pos = sa.case((ledger_rows.c.hours > 0, 1), else_=0)
    for month, unit_set in by_month.items():
        for chunk in _chunks(sorted(unit_set)):
            for r in conn.execute(
                # the columns unit_months holds (not the funds of revision 0007: a store being
                # upgraded recomputes before it has them)
                sa.select(*[summary_rows.c[c] for c in _SUMMARY_FIGURES]).where(
                    summary_rows.c.month == month, summary_rows.c.unit.in_(chunk)
                )
            ):
                summ[(r.unit, r.month)] = r
            # one ledger row per 工号 and month, so Σ(hours > 0) is the distinct count
            for r in conn.execute(
                sa.select(
                    ledger_rows.c.unit,
                    sa.func.sum(ledger_rows.c.hours).label("hours"),
                    sa.func.sum(ledger_rows.c.points).label("points"),
                    sa.func.sum(pos).label("participants"),
                    sa.func.count().label("n"),
                )
                .where(ledger_rows.c.month == month, ledger_rows.c.unit.in_(chunk))
                .group_by(ledger_rows.c.unit)
            ):
                led[(r.unit, month)] = r
            for r in conn.execute(
                sa.select(certificate_rows.c.unit, sa.func.count().label("n"))
                .where(certificate_rows.c.month == month, certificate_rows.c.unit.in_(chunk))
                .group_by(certificate_rows.c.unit)
            ):
                cer[(r.unit, month)] = int(r.n)
    rows: list[dict[str, Any]] = []
    for key in sorted(touched):
        s, lg, c = summ.get(key), led.get(key), cer.get(key, 0)
        if s is None and lg is None and not c:
            continue
        l_hours = float(lg.hours or 0) if lg else 0.0
        l_part = int(lg.participants or 0) if lg else 0
        rows.append(
            {
                "unit": key[0],
                "month": key[1],
                "has_summary": s is not None,
                "has_ledger": lg is not None,
                "has_cert_rows": c > 0,
                "summary_headcount": s.headcount if s else None,
                "summary_participants": s.participants if s else None,
                "summary_sessions": s.sessions if s else None,
                "summary_person_times": s.person_times if s else None,
                "summary_hours": float(s.hours) if s else None,
                "summary_certificates": s.certificates if s else None,
                "summary_suggestions": s.suggestions if s else None,
                "ledger_hours": l_hours,
                "ledger_points": float(lg.points or 0) if lg else 0.0,
                "ledger_participants": l_part,
                "ledger_rows": int(lg.n) if lg else 0,
                "cert_rows": c,
                "hours": l_hours if lg else (float(s.hours) if s else 0.0),
                "participants": l_part if lg else (s.participants if s else 0),
                "certificates": c if c else (s.certificates if s else 0),
                "updated_at": now,
            }
        )
    _delete_keys(conn, unit_months, sorted(touched))
    _insert(conn, unit_months, rows)


def learner_years_select(year: str) -> sa.Select[Any]:
    """The learner_years rows of one calendar year, aggregated from ledger_rows in SQL (the
    caller adds a WHERE on ledger_rows.employee_id to rebuild only some people)."""
    lr = ledger_rows
    months = [f"{year}-{m}" for m in MONTHS]
    bit = sa.case({mo: 1 << i for i, mo in enumerate(months)}, value=lr.c.month, else_=0)
    cols: list[Any] = [
        sa.literal(year, sa.String(4)).label("year"),
        lr.c.unit,
        lr.c.employee_id,
        sa.func.max(lr.c.name).label("name"),
        (sa.func.min(lr.c.name) != sa.func.max(lr.c.name)).label("names_vary"),
        # one ledger row per 工号 and month, so Σ of the month bits is their OR
        sa.func.sum(bit).label("row_mask"),
        sa.func.sum(sa.case((lr.c.hours > 0, bit), else_=0)).label("active_mask"),
        sa.func.count().over(partition_by=lr.c.employee_id).label("person_rows"),
    ]
    for m, mo in zip(MONTHS, months, strict=True):
        cols.append(sa.func.sum(sa.case((lr.c.month == mo, lr.c.points), else_=0.0)).label(f"points_{m}"))
    for m, mo in zip(MONTHS, months, strict=True):
        cols.append(sa.func.sum(sa.case((lr.c.month == mo, lr.c.hours), else_=0.0)).label(f"hours_{m}"))
    return (
        sa.select(*cols).where(lr.c.month >= months[0], lr.c.month <= months[-1]).group_by(lr.c.employee_id, lr.c.unit)
    )


LEARNER_YEAR_COLUMNS = [c.name for c in learner_years.columns]


def _recompute_learner_years(conn: Connection, people: set[tuple[str, str]]) -> None:
    """Rebuild the learner_years rows of exactly these (工号, year) pairs, every unit of each, by
    INSERT … SELECT from ledger_rows (the rows never travel through Python)."""
    if not people:
        return
    ly, lr = learner_years, ledger_rows
    by_year: dict[str, set[str]] = defaultdict(set)
    for emp, year in people:
        by_year[year].add(emp)
    size = CHUNK if conn.dialect.name == "sqlite" else 10000
    touched: set[tuple[str, str]] = set()  # (year, unit) before and after, for unit_active_masks
    whole: set[str] = set()  # years with so many people that all their units are recomputed
    for year, emps in sorted(by_year.items()):
        select = learner_years_select(year)
        few = len(emps) <= MASKS_BY_UNIT
        if not few:
            whole.add(year)
        for chunk in _chunks(sorted(emps), size):
            units_of = sa.select(ly.c.unit).where(ly.c.year == year, ly.c.employee_id.in_(chunk)).distinct()
            if few:
                touched.update((year, u) for u in conn.execute(units_of).scalars())
            conn.execute(ly.delete().where(ly.c.year == year, ly.c.employee_id.in_(chunk)))
            conn.execute(ly.insert().from_select(LEARNER_YEAR_COLUMNS, select.where(lr.c.employee_id.in_(chunk))))
            if few:
                touched.update((year, u) for u in conn.execute(units_of).scalars())
    _recompute_unit_masks(conn, touched)
    for year in sorted(whole):
        _rebuild_unit_masks(conn, year)
    _recompute_learner_tops(conn, {year: set(BLOCKS) for year in by_year})


def _rebuild_learner_years(conn: Connection, years: Iterable[str]) -> None:
    """Rebuild whole years of learner_years (bulk loads)."""
    ly = learner_years
    for year in sorted(set(years)):
        conn.execute(ly.delete().where(ly.c.year == year))
        conn.execute(ly.insert().from_select(LEARNER_YEAR_COLUMNS, learner_years_select(year)))
        _rebuild_unit_masks(conn, year)
    _recompute_learner_tops(conn, {year: set(BLOCKS) for year in set(years)})


MASKS_BY_UNIT = 2000  # people of a year above which a recompute rebuilds all its unit masks


def _rebuild_unit_masks(conn: Connection, year: str) -> None:
    """Rebuild a whole year of unit_active_masks (one GROUP BY over the year's learner_years)."""
    ly, uam = learner_years, unit_active_masks
    conn.execute(uam.delete().where(uam.c.year == year))
    conn.execute(uam.insert().from_select(UNIT_MASK_COLUMNS, unit_masks_select().where(ly.c.year == year)))


UNIT_MASK_COLUMNS = [c.name for c in unit_active_masks.columns]


def unit_masks_select() -> sa.Select[Any]:
    """unit_active_masks rows aggregated from learner_years (the caller narrows it by a WHERE)."""
    ly = learner_years
    return sa.select(ly.c.year, ly.c.unit, ly.c.active_mask, sa.func.count().label("people")).group_by(
        ly.c.year, ly.c.unit, ly.c.active_mask
    )


def _recompute_unit_masks(conn: Connection, touched: Iterable[tuple[str, str]]) -> None:
    """Rebuild the unit_active_masks rows of these (year, unit)s from learner_years, in SQL."""
    ly, uam = learner_years, unit_active_masks
    by_year: dict[str, set[str]] = defaultdict(set)
    for year, unit in touched:
        by_year[year].add(unit)
    for year, unit_set in sorted(by_year.items()):
        for chunk in _chunks(sorted(unit_set)):
            conn.execute(uam.delete().where(uam.c.year == year, uam.c.unit.in_(chunk)))
            select = unit_masks_select().where(ly.c.year == year, ly.c.unit.in_(chunk))
            conn.execute(uam.insert().from_select(UNIT_MASK_COLUMNS, select))


def block_points(block: str) -> Any:
    """Σ points of a learner_years row over a block's months (the metrics sum them the same way)."""
    return functools.reduce(operator.add, [learner_years.c[f"points_{m}"] for m in BLOCKS[block]])


def block_bits(block: str) -> int:
    return sum(1 << (int(m) - 1) for m in BLOCKS[block])


def _recompute_learner_tops(conn: Connection, blocks: dict[str, set[str]]) -> None:
    """Rebuild learner_tops for these years' blocks from learner_years: per block a top-n heap
    of the raw sums of the people with one row that year, plus the grouped sums of the few with
    rows in several units; a second pass by the floor only when ties overflow the heap."""
    ly, lt = learner_years, learner_tops
    for year, names in sorted(blocks.items()):
        for block in sorted(names):
            pts = block_points(block)
            in_block = sa.and_(ly.c.year == year, ly.c.row_mask.op("&")(sa.literal(block_bits(block), sa.Integer)) != 0)
            alone = (ly.c.person_rows + 0) == 1  # "+ 0": the year in key order, not the movers' index
            limit = 2 * TOP_KEEP
            q = sa.select(ly.c.employee_id, pts).where(in_block, alone)
            tops = [tuple(r) for r in conn.execute(q.order_by(pts.desc()).limit(limit))]
            moved = [
                tuple(r)
                for r in conn.execute(
                    sa.select(ly.c.employee_id, sa.func.sum(pts))
                    .where(in_block, ly.c.person_rows > 1)
                    .group_by(ly.c.employee_id)
                )
            ]
            sums = sorted([float(t[1]) for t in tops[:TOP_KEEP]] + [float(t[1]) for t in moved], reverse=True)
            floor = sums[TOP_KEEP - 1] - 1e-5 if len(sums) >= TOP_KEEP else None
            if floor is not None and len(tops) == limit and float(tops[-1][1]) >= floor:
                tops = [tuple(r) for r in conn.execute(q.where(pts >= floor))]  # ties past the heap
            keep = [t for t in tops + moved if floor is None or float(t[1]) >= floor]
            conn.execute(lt.delete().where(lt.c.year == year, lt.c.block == block))
            _insert(conn, lt, [{"year": year, "block": block, "employee_id": e, "points": float(p)} for e, p in keep])


def _ledger_stage(conn: Connection, recs: list[dict[str, Any]], fold: Callable[[dict[str, Any]], bool]) -> sa.Table:
    """A temporary table holding the ledger rows an import adds, sent once from Python (COPY on
    PostgreSQL, executemany elsewhere); ledger_rows and learner_years are then written from it
    by INSERT … SELECT and UPDATE … FROM in the database. ``fold``: whether a row is folded into
    learner_years incrementally (not when its person-year is rebuilt anyway)."""
    stage = sa.Table(
        f"_dash_stage_{next(_TEMP_NAMES)}",
        sa.MetaData(),
        *[sa.Column(c.name, c.type) for c in ledger_rows.columns],
        sa.Column("fold", sa.Integer()),
        prefixes=["TEMPORARY"],
        postgresql_on_commit="DROP",
        **MYSQL_TABLE,
    )
    stage.create(conn)
    _insert(conn, stage, [{**r, "fold": 1 if fold(r) else 0} for r in recs])
    return stage


def _add_ledger_rows(conn: Connection, stage: sa.Table) -> None:
    """Insert the staged rows into ledger_rows, in key order (each B-tree page visited once)."""
    cols = [c.name for c in ledger_rows.columns]
    select = sa.select(*[stage.c[c] for c in cols]).order_by(stage.c.employee_id, stage.c.month)
    conn.execute(ledger_rows.insert().from_select(cols, select))


def _add_learner_months(conn: Connection, stage: sa.Table, months: Iterable[str]) -> None:
    """Fold the staged ledger rows (each a month its person had no row in) into learner_years
    without reading the ledger again, all in SQL: the month's columns and bits set on a stored
    (year, unit, 工号) row, or a new row. Exactly what a rebuild gives: the months' bits are new,
    MAX(name) and "names vary" only grow."""
    ly, k = learner_years, stage
    steer = conn.dialect.name == "postgresql"
    if steer:
        # the planner's statistics know neither the temporary table nor the year's rows added
        # a moment ago (a new year looks empty): a nested loop it would choose over them turns
        # 100,000 rows into 10^10 probes; hash joins are right for any size
        conn.exec_driver_sql(f"ANALYZE {conn.dialect.identifier_preparer.format_table(k)}")
        conn.exec_driver_sql("SET LOCAL enable_nestloop = off")
    touched: set[tuple[str, str]] = set()
    blocks: dict[str, set[str]] = defaultdict(set)
    movers: dict[str, set[str]] = defaultdict(set)
    for month in sorted(set(months)):
        year, mm = month[:4], month[5:7]
        if mm not in MONTHS:  # it names a column below: only "01".."12", never data
            raise ValueError(f"not a month: {month!r}")
        bit = 1 << (int(mm) - 1)
        here = sa.and_(k.c.month == month, k.c.fold == 1)
        same = sa.and_(ly.c.year == year, ly.c.unit == k.c.unit, ly.c.employee_id == k.c.employee_id)
        active = sa.case((k.c.hours > 0, bit), else_=0)
        # names_vary before name: MySQL evaluates SET left to right, each against the values
        # already set (SQLite and PostgreSQL use the old row throughout)
        conn.execute(
            ly.update()
            .where(same, here)
            .ordered_values(
                (ly.c.names_vary, sa.or_(ly.c.names_vary, ly.c.name != k.c.name)),
                (ly.c.name, sa.case((k.c.name > ly.c.name, k.c.name), else_=ly.c.name)),
                (ly.c[f"points_{mm}"], k.c.points),
                (ly.c[f"hours_{mm}"], k.c.hours),
                (ly.c.row_mask, ly.c.row_mask + bit),
                (ly.c.active_mask, ly.c.active_mask + active),
            )
        )
        zero = sa.literal(0.0, sa.Double())
        values: dict[str, Any] = {
            "year": sa.literal(year, sa.String(4)),
            "unit": k.c.unit,
            "employee_id": k.c.employee_id,
            "name": k.c.name,
            "names_vary": sa.false(),
            "row_mask": sa.literal(bit, sa.Integer()),
            "active_mask": active,
            "person_rows": sa.literal(1, sa.Integer()),
            **{f"points_{m}": (k.c.points if m == mm else zero) for m in MONTHS},
            **{f"hours_{m}": (k.c.hours if m == mm else zero) for m in MONTHS},
        }
        new = sa.select(*[values[c] for c in LEARNER_YEAR_COLUMNS]).where(here, ~sa.exists().where(same))
        conn.execute(ly.insert().from_select(LEARNER_YEAR_COLUMNS, new))
        touched.update((year, u) for u in conn.execute(sa.select(k.c.unit).where(here).distinct()).scalars())
        blocks[year].update(b for b, ms in BLOCKS.items() if mm in ms)
        # people with a row of this year in another unit: their person_rows may have grown
        other = sa.select(k.c.employee_id).where(
            here, ly.c.year == year, ly.c.employee_id == k.c.employee_id, ly.c.unit != k.c.unit
        )
        movers[year].update(conn.execute(other.distinct()).scalars())
    for year, emps in sorted(movers.items()):
        counts: list[dict[str, Any]] = []
        for chunk in _chunks(sorted(emps)):
            q = (
                sa.select(ly.c.employee_id, sa.func.count())
                .where(ly.c.year == year, ly.c.employee_id.in_(chunk))
                .group_by(ly.c.employee_id)
            )
            counts += [{"k_n": int(n), "k_year": year, "k_emp": e} for e, n in conn.execute(q)]
        if counts:
            stmt = (
                ly.update()
                .where(ly.c.year == sa.bindparam("k_year"), ly.c.employee_id == sa.bindparam("k_emp"))
                .values(person_rows=sa.bindparam("k_n"))
            )
            conn.execute(stmt, counts)
    if steer:
        conn.exec_driver_sql("SET LOCAL enable_nestloop = on")
    _recompute_unit_masks(conn, touched)
    _recompute_learner_tops(conn, blocks)
