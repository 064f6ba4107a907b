"""The store: one organisation's rows in a SQL database (SQLite, PostgreSQL, MySQL/MariaDB) and
``Store``, the one entry the rest of the code uses. Each method of ``Store`` that writes is one
transaction: it opens it, takes the writers' lock, calls the modules below, and commits.

    tables   the SQLAlchemy Core tables, ``metadata``, each table's kind and key
    rows     parsed row → stored row, fetched row → plain values, undo images as JSON
    bulk     bulk SQL per dialect: COPY, executemany on tuples, delete/fetch by key
    results  ImportPlan, KindPlan, Change, BatchResult, Batch
    engine   URL → Engine, schema upgrade (Alembic), outage detection, the writers' lock
    derived  unit_months, learner_years, unit_active_masks, learner_tops: how each is kept
    fold     the ledger rows an import adds / an undo removes, staged, folded in / out in SQL
    plans    the campaign plan of each year (a JSON document), saved with a revision
    batches  batch rows, undo images, undo, the audit log
    write    the import write path: diff → plan, staging, apply; the bulk load
    roster   an administrator's roster changes: add, set, rename, merge, retire a unit

A module imports only those above it in this list (``tables``, ``results`` and ``engine`` none
of them), never a name from this ``__init__``.

The API other code may import from ``data_sources.store``: ``Store``; the result types
``ImportPlan, KindPlan, Change, BatchResult, Batch, MergeResult``; the roster's errors
``RosterError`` and its kinds ``UnknownUnit, UnitExists, SameUnit, EmptyName, NameTooLong,
BadHeadcount, BadMonth, NothingToChange``; the tables ``metadata, units,
summary_rows, ledger_rows, certificate_rows, milestone_rows, import_batches, batch_changes, batch_ledger_adds,
batch_months,
unit_months, learner_years, unit_active_masks, learner_tops, accounts, audit_log, login_sessions,
login_locks, campaign_plans`` and the
constants ``MONTHS, BLOCKS, TOP_KEEP, CHUNK`` that the metrics' SQL uses; ``write_audit``
(access.py writes its entries with it); ``known_revisions`` and ``TEST_PAUSE_ENV`` (tests);
and, kept under their old names for the code that imports them today, ``_aware``
(= ``rows.aware``), ``_chunks`` (= ``bulk.chunks``) and ``_alembic_config``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from data_sources.schema import ImportRejected, Kind, ParsedFile, StoreUnavailable
from data_sources.store import plans, roster, write
from data_sources.store.batches import data_version, last_change, list_batches, undo_batch, write_audit
from data_sources.store.bulk import CHUNK
from data_sources.store.bulk import chunks as _chunks
from data_sources.store.derived import TOP_KEEP
from data_sources.store.engine import (
    TEST_PAUSE_ENV,
    _alembic_config,
    known_revisions,
    lock,
    lost_error,
    open_engine,
    pause_before_commit,
    reachable,
)
from data_sources.store.results import Batch, BatchResult, Change, ImportPlan, KindPlan
from data_sources.store.roster import (
    BadHeadcount,
    BadMonth,
    EmptyName,
    MergeResult,
    NameTooLong,
    NothingToChange,
    RosterError,
    SameUnit,
    UnitExists,
    UnknownUnit,
)
from data_sources.store.rows import aware as _aware
from data_sources.store.tables import (
    BLOCKS,
    MONTHS,
    accounts,
    audit_log,
    batch_changes,
    batch_ledger_adds,
    batch_months,
    campaign_plans,
    certificate_rows,
    import_batches,
    learner_tops,
    learner_years,
    ledger_rows,
    login_locks,
    login_sessions,
    metadata,
    milestone_rows,
    summary_rows,
    unit_active_masks,
    unit_months,
    units,
)

__all__ = [
    "BLOCKS",
    "CHUNK",
    "MONTHS",
    "TEST_PAUSE_ENV",
    "TOP_KEEP",
    "BadHeadcount",
    "BadMonth",
    "Batch",
    "BatchResult",
    "Change",
    "EmptyName",
    "ImportPlan",
    "KindPlan",
    "MergeResult",
    "NameTooLong",
    "NothingToChange",
    "RosterError",
    "SameUnit",
    "Store",
    "UnitExists",
    "UnknownUnit",
    "_alembic_config",
    "_aware",
    "_chunks",
    "accounts",
    "audit_log",
    "batch_changes",
    "batch_ledger_adds",
    "batch_months",
    "campaign_plans",
    "certificate_rows",
    "import_batches",
    "known_revisions",
    "learner_tops",
    "learner_years",
    "ledger_rows",
    "login_locks",
    "login_sessions",
    "metadata",
    "milestone_rows",
    "summary_rows",
    "unit_active_masks",
    "unit_months",
    "units",
    "write_audit",
]


class Store:
    """One organisation's data in a SQL database (SQLite file, PostgreSQL or MySQL)."""

    def __init__(self, engine: Engine, url: str):
        self.engine = engine
        self.url = url

    # -- opening ------------------------------------------------------------------------

    @classmethod
    def open(cls, url: str) -> Store:
        """Connect, create or upgrade the schema, and refuse a schema newer than this code."""
        return cls(open_engine(url), url)

    def close(self) -> None:
        """Release the connections (tests drop their database after this)."""
        self.engine.dispose()

    def lost(self, error: BaseException) -> StoreUnavailable | None:
        """``error`` as a StoreUnavailable when it says the database went away under a running
        app (server stopped, network down), so the app shows a message and waits for it; None
        for any other error (a bug is not to be passed off as an outage)."""
        return lost_error(self.url, error)

    def reachable(self) -> bool:
        """Whether a query gets through now (the pool replaces connections the outage broke)."""
        return reachable(self.engine)

    # -- reading ------------------------------------------------------------------------

    def batches(self) -> list[Batch]:
        """Every import batch, newest first."""
        with self.engine.connect() as conn:
            return list_batches(conn)

    def data_as_of(self) -> datetime | None:
        """When the data last changed (the last commit or undo), UTC."""
        with self.engine.connect() as conn:
            return last_change(conn)

    def data_version(self) -> str:
        """Changes with every commit and undo (``batches.data_version``): the figures' cache key."""
        with self.engine.connect() as conn:
            return data_version(conn)

    # -- the campaign plan of each year ---------------------------------------------------

    def campaign_plans(self) -> dict[int, dict[str, Any]]:
        """Every stored year's campaign plan document (``dashboard.campaigns`` reads them)."""
        with self.engine.connect() as conn:
            return plans.stored_plans(conn)

    def save_campaign_plan(self, year: int, document: dict[str, Any], user: str, **audit: Any) -> int:
        """Store ``year``'s plan (replacing the one stored) with its audit log entry, in one
        transaction; returns the year's revision. ``audit``: what the entry says besides the year."""
        with self.engine.begin() as conn:
            lock(conn)
            revision = plans.save_plan(conn, year, document, user)
            write_audit(conn, user, "campaign_plan", year=year, revision=revision, **audit)
        return revision

    def is_empty(self) -> bool:
        """No unit and no row at all (every data row brings its unit along)."""
        with self.engine.connect() as conn:
            for t in (units, milestone_rows, unit_months):
                if conn.execute(sa.select(sa.literal(1)).select_from(t).limit(1)).first():
                    return False
        return True

    # -- importing ----------------------------------------------------------------------

    def plan(self, parsed: ParsedFile, allowed_units: Collection[str] | None = None) -> ImportPlan:
        """What ``commit`` would do, against the stored data, without writing anything; what the
        stored data refuses is in ``plan.errors`` (``allowed_units``: a reporter's units)."""
        with self.engine.connect() as conn:
            plan, _ = write.diff(conn, parsed, allowed_units)
        return plan

    def commit(self, parsed: ParsedFile, user: str) -> BatchResult:
        """Write one file as one batch, in one transaction; nothing at all if it has errors."""
        return self.commit_many([parsed], user)[0]

    def commit_many(
        self,
        files: Sequence[ParsedFile],
        user: str,
        dry_run: bool = False,
        audit: str | None = None,
        allowed_units: Collection[str] | None = None,
        received: date | Sequence[date | None] | None = None,
    ) -> list[BatchResult]:
        """Write several files in ONE transaction, one batch each, all or nothing.

        Each file is diffed against the store as the files before it left it; a file the stored
        data refuses (an unknown unit; for a reporter, whose ``allowed_units`` are given, another
        unit's person) rolls everything back and raises ImportRejected with every problem of
        every file (errors and warnings). ``received`` dates the files' batches (one day for all,
        or one per file; None = today): when their reports came in, for late reports. With ``dry_run``
        the transaction is rolled back and no batch id is given out. ``audit`` (an action such
        as "import" or "sync") adds an audit log entry in the same transaction when data changed:
        there is never an import without its entry, nor an entry without its import.
        """
        errors = [p for f in files for p in f.errors]
        if errors:
            raise ImportRejected(errors)
        days = list(received) if isinstance(received, Sequence) else [received] * len(files)
        results: list[BatchResult] = []
        conn = self.engine.connect()
        try:
            trans = conn.begin()
            lock(conn)
            for parsed, day in zip(files, days, strict=True):
                results.append(
                    write.commit_file(conn, parsed, user, record=not dry_run, allowed_units=allowed_units, received=day)
                )
            if any(r.plan.errors for r in results):
                trans.rollback()
                raise ImportRejected(
                    [
                        p
                        for f, r in zip(files, results, strict=True)
                        for p in [*f.all_problems, *r.plan.warnings, *r.plan.errors]
                    ]
                )
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
                pause_before_commit()
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
        with self.engine.begin() as conn:
            lock(conn)
            n = write.bulk_load(conn, kind, rows, chunk)
        return n

    def undo(self, batch_id: int, user: str, audit: bool = False) -> None:
        """Put back what a batch replaced and remove what it added, in one transaction (with
        its audit log entry when ``audit``)."""
        with self.engine.begin() as conn:
            lock(conn)
            undo_batch(conn, batch_id, user)
            if audit:
                write_audit(conn, user, "undo", batch=batch_id)

    # -- the roster (an administrator's changes; roster.py has the rules) -------------------

    def roster(self) -> list[dict[str, Any]]:
        """Every unit with its columns, retired ones too (the roster editor's table)."""
        with self.engine.connect() as conn:
            return roster.roster_rows(conn)

    def add_unit(
        self,
        name: str,
        user: str,
        department: str | None = None,
        headcount: int | str | None = None,
        unit_type: str | None = None,
        pilot: bool = False,
    ) -> str:
        """Put a unit on the roster (audit ``unit_add``); returns its name as stored."""
        with self.engine.begin() as conn:
            lock(conn)
            return roster.add_unit(conn, user, name, department, headcount, unit_type, pilot)

    def set_unit(self, name: str, user: str, **changes: Any) -> dict[str, list[Any]]:
        """Change department / unit_type / is_pilot / headcount (audit ``unit_set``); returns
        {field: [before, after]}."""
        with self.engine.begin() as conn:
            lock(conn)
            return roster.set_unit(conn, user, name, **changes)

    def rename_unit(self, old: str, new: str, user: str) -> str:
        """Rename a unit and everything stored under it (audit ``unit_rename``)."""
        with self.engine.begin() as conn:
            lock(conn)
            return roster.rename_unit(conn, user, old, new)

    def merge_units(self, source: str, into: str, user: str) -> MergeResult:
        """Merge unit ``source`` into ``into``: its history becomes ``into``'s (audit ``unit_merge``)."""
        with self.engine.begin() as conn:
            lock(conn)
            return roster.merge_units(conn, user, source, into)

    def retire_unit(self, name: str, month: str | None, user: str) -> None:
        """Retire a unit from ``month`` on (None: it reports again; audit ``unit_retire``)."""
        with self.engine.begin() as conn:
            lock(conn)
            roster.retire_unit(conn, user, name, month)
