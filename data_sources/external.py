"""An existing database (the HR or training system) as a source of rows, read like an upload.

IT staff describe it in config.toml ``[external]``: a URL and, per kind, a table or a query with a
column mapping. Every value goes through the same cell parsers as a spreadsheet cell and the same
cross-row validation, so ``python -m dashboard sync`` accepts and rejects exactly what an upload of
the same rows would, and its problems name the source table (or query), result row and column.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from dashboard.config import ExternalKind, ExternalSource, Settings, SettingsError
from data_sources.schema import FIELDS, KEYS, ImportRejected, Kind, ParsedFile, ParsedSheet, Problem, StoreUnavailable
from data_sources.validation import validate
from data_sources.values import (
    CellError,
    display_value,
    field_parser,
    parse_or_error,
)

if TYPE_CHECKING:  # pragma: no cover
    from data_sources.importer import FileOutcome
    from data_sources.store import Batch, Store

__all__ = [
    "EXTERNAL_PREFIX",
    "ExternalSourceError",
    "external_file_name",
    "last_sync",
    "read_external",
    "sync_external",
]

# Batches of a sync are recorded under "外部数据库 <url without password>"; last_sync finds them by it.
EXTERNAL_PREFIX = "外部数据库 "
_CACHE_LIMIT = 20_000


class ExternalSourceError(Exception):
    """The configured table or query cannot be read (no such table, SQL error): a configuration
    problem, not a data one. ``key`` is the config key to fix, ``detail`` the database's message."""

    def __init__(self, key: str, source: str, detail: str):
        super().__init__(f"{key} ({source}): {detail}")
        self.key = key
        self.source = source
        self.detail = detail


def _shown_url(url: str) -> str:
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url


def external_file_name(url: str) -> str:
    """The batch "file name" of a sync: the prefix and the URL without its password."""
    return EXTERNAL_PREFIX + _shown_url(url)


def _clean(detail: str, u: sa.URL | None) -> str:
    """A driver message on one line, without the URL's password."""
    if u is not None and u.password:
        detail = detail.replace(str(u.password), "***")
    lines = [ln.strip() for ln in detail.strip().splitlines() if ln.strip()]
    return lines[0] if lines else detail


# ---- reading ---------------------------------------------------------------------------------


def _engine(url: str) -> sa.Engine:
    shown = _shown_url(url)
    try:
        u = sa.make_url(url)
    except Exception as e:
        raise StoreUnavailable(shown, f"not a database URL: {type(e).__name__}") from e
    if u.get_backend_name() == "sqlite":
        db = u.database
        # sqlite3 would create a missing file: an empty source must not pass for a real one.
        if db and db != ":memory:" and not db.startswith("file:") and not Path(db).expanduser().is_file():
            raise StoreUnavailable(shown, f"no such file: {db}")
    try:
        engine = sa.create_engine(u, pool_pre_ping=u.get_backend_name() != "sqlite")
    except Exception as e:  # unknown dialect, driver not installed
        raise StoreUnavailable(shown, _clean(str(e), u)) from e
    if u.get_backend_name() == "sqlite":

        @sa.event.listens_for(engine, "connect")
        def _read_only(dbapi_conn: Any, _rec: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA query_only = ON")
            cur.close()

    return engine


def _read_only(conn: sa.Connection) -> sa.Connection:
    """Make the connection refuse writes where the database can: a sync only ever reads."""
    name = conn.dialect.name
    if name == "postgresql":
        return conn.execution_options(postgresql_readonly=True)
    if name in ("mysql", "mariadb"):
        conn.exec_driver_sql("SET SESSION TRANSACTION READ ONLY")
    return conn


def _statement(spec: ExternalKind, conn: sa.Connection) -> tuple[Any, list[str] | None]:
    """The SELECT to run, and for a table the columns it has (to report missing ones as a file
    upload would, instead of a SQL error)."""
    if spec.query is not None:
        stmt = sa.text(spec.query)
        if stmt.compile().params:
            raise SettingsError(
                f"external.{spec.kind}.query",
                "the query must take no parameters (:name); write \\: for a literal colon",
            )
        return stmt, None
    schema, _, name = spec.table.rpartition(".") if spec.table else ("", "", "")
    try:
        found = [c["name"] for c in sa.inspect(conn).get_columns(name, schema=schema or None)]
    except sa.exc.NoSuchTableError as e:
        raise ExternalSourceError(f"external.{spec.kind}.table", spec.source, f"no table {spec.table!r}") from e
    by_lower = {c.lower(): c for c in found}
    wanted = []
    for source in dict.fromkeys(spec.columns.values()):
        actual = source if source in found else by_lower.get(source.lower())
        if actual is not None:
            wanted.append(actual)
    if len(wanted) < len(set(spec.columns.values())):
        return None, found
    table = sa.table(name, *(sa.column(c) for c in wanted), schema=schema or None)
    # A table has no order of its own: sort by the kind's key, then every other column, so the
    # row numbers in a problem stay put from one sync to the next.
    actual = dict(zip(dict.fromkeys(spec.columns.values()), wanted, strict=True))
    first = [actual[spec.columns[f]] for f in KEYS[Kind(spec.kind)] if f in spec.columns]
    order = list(dict.fromkeys([*first, *wanted]))
    return sa.select(*table.c).order_by(*(table.c[c] for c in order)), found


def _plain(value: Any) -> Any:
    """Database types the cell parsers do not know → the ones they do (NUMERIC arrives as Decimal)."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            return float(value)
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("utf-8", errors="replace")
    return value


def _shown(raw: Any) -> str:
    return display_value(raw).strip() if type(raw) is str else display_value(raw)


def _read_kind(conn: sa.Connection, spec: ExternalKind, file: str, settings: Settings) -> ParsedSheet:
    kind = Kind(spec.kind)
    sheet = ParsedSheet(file=file, sheet=spec.source, kind=kind, period=None, columns=dict(spec.columns), rows=[])
    try:
        stmt, found = _statement(spec, conn)
        if stmt is None:
            result_cols: list[str] = found or []
            rows: list[Any] = []
        else:
            result = conn.execute(stmt)
            result_cols = list(result.keys())
            rows = result.all()
    except sa.exc.DBAPIError as e:
        if e.connection_invalidated:
            raise  # the database went away: read_external reports it as unreachable
        # no such table or column, a syntax error, no permission: the config must change
        raise ExternalSourceError(
            f"external.{spec.kind}.{'query' if spec.query is not None else 'table'}",
            spec.source,
            _clean(str(e.orig or e), conn.engine.url),
        ) from e
    # Match configured source columns to the result's: exactly, else ignoring case
    # (PostgreSQL folds unquoted aliases to lower case).
    index: dict[str, int] = {}
    by_lower: dict[str, int] = {}
    for i, c in enumerate(result_cols):
        index.setdefault(c, i)
        by_lower.setdefault(c.lower(), i)
    at: dict[str, int] = {}
    missing: list[str] = []
    for field_name, source in spec.columns.items():
        i = index.get(source, by_lower.get(source.lower()))
        if i is None:
            missing.append(source)
        else:
            at[field_name] = i
    if missing or stmt is None:
        sheet.problems.append(
            Problem(
                "missing_columns",
                file,
                spec.source,
                params={"kind": kind.value, "missing": list(dict.fromkeys(missing)), "found": result_cols},
            )
        )
        return sheet
    specs = [f for f in FIELDS[kind] if f.name in at]
    plan = [
        (
            f.name,
            at[f.name],
            field_parser(f.type, settings.year),
            f.required or f.name == "month",  # no title or file name to take the month from
            spec.columns[f.name],
            f.type == "level",
            {} if f.name not in ("employee_id", "name") else None,
        )
        for f in specs
    ]
    for n, row in enumerate(rows, start=1):
        out: dict[str, Any] = {}
        for fname, j, parse, required, column, is_level, cache in plan:
            raw = _plain(row[j])
            traw = type(raw)
            if raw is None or (traw is float and raw != raw) or (traw is str and (not raw or raw.isspace())):
                if required:
                    sheet.problems.append(Problem("required", file, spec.source, n, column))
                out[fname] = None
                continue
            hit = cache.get(raw) if cache is not None and traw is str else None
            if hit is None:
                hit = parse_or_error(parse, raw, fname)
                if cache is not None and traw is str and len(cache) < _CACHE_LIMIT:
                    cache[raw] = hit
            if type(hit) is CellError:
                sheet.problems.append(Problem(hit.code, file, spec.source, n, column, _shown(raw)))
                out[fname] = None
                continue
            if is_level:
                hit, warning = hit
                if warning:
                    sheet.problems.append(
                        Problem(warning, file, spec.source, n, column, _shown(raw), severity="warning")
                    )
            if hit is None and required:
                sheet.problems.append(Problem("required", file, spec.source, n, column))
            out[fname] = hit
        out["_row"] = n
        sheet.rows.append(out)
    if kind in (Kind.SUMMARY, Kind.LEDGER):
        months = {r.get("month") for r in sheet.rows} - {None}
        if len(months) == 1:
            sheet.period = months.pop()
    return sheet


def _canonical(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _digest(sheets: list[ParsedSheet]) -> bytes:
    """The rows as canonical JSON, each kind's rows sorted: the same source data gives the same
    bytes (and SHA-256) whatever order the database returns them in."""
    dump = {}
    for s in sheets:
        rows = sorted(
            json.dumps({k: _canonical(v) for k, v in r.items() if k != "_row"}, ensure_ascii=False, sort_keys=True)
            for r in s.rows
        )
        dump[s.kind.value] = {"columns": s.columns, "rows": rows}
    return json.dumps(dump, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def read_external(source: ExternalSource, settings: Settings) -> ParsedFile:
    """Read every configured kind from the external database, typed and validated like an upload.

    Bad values are Problems (sheet = the table or query, row = 1-based row of the result, column =
    the source column), never exceptions. Raises StoreUnavailable when the database cannot be
    reached, ExternalSourceError when a table or query cannot be read, SettingsError for a query
    that takes parameters.
    """
    url = source.resolve_url(settings.config_dir)
    file = external_file_name(url)
    engine = _engine(url)
    sheets: list[ParsedSheet] = []
    try:
        with engine.connect() as raw_conn:
            conn = _read_only(raw_conn)
            try:
                for spec in source.kinds.values():
                    sheets.append(_read_kind(conn, spec, file, settings))
            finally:
                conn.rollback()  # whatever happened, the source is left exactly as it was
    except (SettingsError, ExternalSourceError):
        raise
    except (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.DatabaseError) as e:
        raise StoreUnavailable(_shown_url(url), _clean(str(getattr(e, "orig", None) or e), engine.url)) from e
    finally:
        engine.dispose()
    data = _digest(sheets)
    parsed = ParsedFile(file=file, sha256=hashlib.sha256(data).hexdigest(), size=len(data), sheets=sheets)
    return validate(parsed)


# ---- syncing ---------------------------------------------------------------------------------


def sync_external(
    store: Store, settings: Settings, user: str, dry_run: bool = False, received: date | None = None
) -> FileOutcome:
    """Pull the external source into the store as ONE batch, through the importer's rules
    (``received``: the day its reports came in, default today; for late reports).

    Raises ImportRejected (nothing written) when any row is rejected; an unchanged source writes
    nothing and records no batch (``FileOutcome.batch_id is None``).
    """
    from data_sources.importer import _outcome

    if settings.external is None:
        raise SettingsError("external", "no external database is configured")
    parsed = read_external(settings.external, settings)
    if parsed.errors:
        raise ImportRejected(parsed.all_problems)
    (result,) = store.commit_many([parsed], user, dry_run=dry_run, audit="sync", received=received)
    return _outcome(parsed, result, dry_run)


def last_sync(store: Store) -> Batch | None:
    """The newest batch a sync recorded (undone or not), for the 数据管理 page's "last sync" line.

    A sync that found nothing new records no batch, so this is the last sync that changed data.
    """
    return next((b for b in store.batches() if b.file_name.startswith(EXTERNAL_PREFIX)), None)
