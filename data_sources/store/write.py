"""The import write path: a parsed file is diffed against the stored rows (the plan: added,
replaced, unchanged per kind) and applied in the caller's locked transaction: rows inserted or
replaced in bulk, the ledger rows an import adds staged once in a temporary table and written
from it in SQL, the batch and its undo images recorded, the derived tables kept in step. Also
the bulk load that builds large stores (no diff, no batch).

Imports: ``tables``, ``rows``, ``bulk``, ``derived``, ``fold``, ``batches`` and ``results``.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import replace as dc_replace
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_sources.schema import Kind, ParsedFile, ParsedSheet, Problem
from data_sources.store.batches import (
    change_images,
    month_images,
    new_batch,
    stage_ledger_adds,
    unit_images,
)
from data_sources.store.bulk import chunks, drop_temp, fetch_existing, insert_rows, replace_rows
from data_sources.store.derived import (
    UNIT_MONTH_TABLES,
    add_unit_months,
    keep_in_step,
    rebuild_learner_years,
    recompute_unit_months,
)
from data_sources.store.fold import add_learner_months, add_ledger_rows, ledger_stage
from data_sources.store.results import BatchResult, Change, ImportPlan, KindPlan
from data_sources.store.rows import as_month, row_key, stored_row, utcnow
from data_sources.store.tables import (
    KIND_ORDER,
    KIND_TABLE,
    batch_changes,
    batch_months,
    unit_months,
    units,
)
from data_sources.suggest import nearest_names
from data_sources.values import unit_name


def commit_file(
    conn: Connection,
    parsed: ParsedFile,
    user: str,
    record: bool,
    allowed_units: Collection[str] | None = None,
    received: date | None = None,
) -> BatchResult:
    """Diff one file against the store as it is now in ``conn``'s transaction and write what
    changed; ``record`` False (a dry run) gives out no batch id. A plan with errors (``plan.errors``:
    an unknown unit, another unit's person for a reporter) writes nothing: the caller refuses.
    ``received``: the day the file's reports came in (default today)."""
    now = utcnow()
    plan, new_units = diff(conn, parsed, allowed_units)
    batch_id = None
    if plan.has_changes and not plan.errors:
        batch_id = apply_plan(conn, parsed, plan, new_units, user, now, record=record, received=received)
    return BatchResult(batch_id, plan)


# ---- the plan ---------------------------------------------------------------------------------

# the kinds whose key leaves out the unit: a row may name another unit than the stored one
_PERSON_KINDS = (Kind.LEDGER, Kind.CERTIFICATES)


def diff(
    conn: Connection, parsed: ParsedFile, allowed_units: Collection[str] | None = None
) -> tuple[ImportPlan, list[dict[str, Any]]]:
    """Compare a file's rows with the stored ones: added / replaced / unchanged, per kind.

    Returns the plan and the unit rows to add automatically (only while the store has no roster).
    The stored data's rules (DESIGN §3) become problems of the plan: a unit outside the roster is
    an error naming the nearest roster names; a ledger or certificate row stored under another
    unit is a move (a warning) for an administrator, an error for a reporter (``allowed_units``
    not None) unless the stored unit is theirs too. A column the sheet lacks keeps its stored value.
    """
    incoming: dict[Kind, dict[tuple, dict[str, Any]]] = {k: {} for k in KIND_ORDER}
    places: dict[Kind, dict[tuple, tuple[ParsedSheet, int | None]]] = {k: {} for k in _PERSON_KINDS}
    rows_seen: dict[Kind, int] = defaultdict(int)
    first_mention: dict[str, Problem] = {}
    for sheet in parsed.sheets:
        table = KIND_TABLE[sheet.kind]
        where = places.get(sheet.kind)
        for row in sheet.rows:
            rec = stored_row(sheet.kind, row, sheet)
            rows_seen[sheet.kind] += 1
            key = row_key(table.name, rec)
            incoming[sheet.kind][key] = rec  # a repeated key: the last one wins
            if where is not None:
                where[key] = (sheet, row.get("_row"))
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
                    column_letter=sheet.letters.get("unit"),
                )
    kinds: dict[Kind, KindPlan] = {}
    # units: the roster rows, then every unit a row mentions
    roster = incoming[Kind.ROSTER]
    names = set(n for (n,) in roster) | set(first_mention)
    stored_units = fetch_existing(conn, units, [(n,) for n in names])
    kp = KindPlan(rows=rows_seen[Kind.ROSTER])
    for key, rec in roster.items():
        old = stored_units.get(key)
        base = old or {"name": key[0], "department": None, "unit_type": None, "is_pilot": False, "headcount": None}
        new = {**base, **rec, "auto_added": False}
        _compare(kp, key, old, new)
    kinds[Kind.ROSTER] = kp
    new_units: list[dict[str, Any]] = []
    warnings: list[Problem] = []
    errors: list[Problem] = []
    unknown = {n: p for n, p in first_mention.items() if (n,) not in stored_units and (n,) not in roster}
    if unknown and (roster or _has_roster(conn)):
        errors += _unknown_units(conn, unknown, [n for (n,) in roster])
        unknown = {}
    for name, problem in unknown.items():
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
    allowed = None if allowed_units is None else {unit_name(u) for u in allowed_units}
    for kind in KIND_ORDER[1:]:
        table = KIND_TABLE[kind]
        keys: Iterable[tuple[Any, ...]] = incoming[kind].keys()
        if kind is Kind.LEDGER:
            # a month with no ledger row in any unit (unit_months says so in one small query)
            # holds none of these keys: a new month's import looks nothing up
            stored = _months_with_ledger(conn, {k[1] for k in keys})
            keys = [k for k in keys if k[1] in stored]
        existing = fetch_existing(conn, table, keys)
        blank = dict.fromkeys(c.name for c in table.columns)
        kp = KindPlan(rows=rows_seen[kind])
        for key, rec in incoming[kind].items():
            old = existing.get(key)
            if len(rec) < len(blank):  # a column the sheet lacks keeps its value (a new row: NULL)
                rec = incoming[kind][key] = {**(old or blank), **rec}
            if old is not None and kind in _PERSON_KINDS and old["unit"] != rec["unit"]:
                sheet, at = places[kind][key]
                problem = _moved(kind, sheet, at, old, rec, allowed)
                (errors if problem.severity == "error" else warnings).append(problem)
            _compare(kp, key, old, rec)
        kinds[kind] = kp
    plan = ImportPlan(
        file=parsed.file,
        kinds={k: kinds[k] for k in KIND_ORDER if rows_seen[k] or k in {s.kind for s in parsed.sheets}},
        warnings=warnings,
        units_added=[u["name"] for u in new_units],
        errors=errors,
    )
    return plan, new_units


def _has_roster(conn: Connection) -> bool:
    """Whether the store has a roster (a unit an import of a 单位 sheet stored, not one that a data
    row brought along before there was any)."""
    q = sa.select(sa.literal(1)).select_from(units).where(units.c.auto_added == sa.false()).limit(1)
    return conn.execute(q).first() is not None


def _unknown_units(conn: Connection, unknown: dict[str, Problem], upload_roster: list[str]) -> list[Problem]:
    """One error per unit outside the roster, at its first row, with the nearest roster names
    (by characters and by pinyin; the first SUGGESTED units only: a file of thousands of new
    units is refused all the same)."""
    roster = set(conn.execute(sa.select(units.c.name)).scalars()) | set(upload_roster)
    out = []
    for i, (name, first) in enumerate(unknown.items()):
        near = nearest_names(name, roster) if i < SUGGESTED else []
        out.append(
            dc_replace(
                first,
                code="unit_unknown" if near else "unit_unknown_no_match",
                params={"unit": name, "suggestions": near},
                severity="error",
            )
        )
    return out


SUGGESTED = 200  # unknown units given suggestions in one file


def _moved(
    kind: Kind,
    sheet: ParsedSheet,
    row: int | None,
    old: dict[str, Any],
    new: dict[str, Any],
    allowed: set[str] | None,
) -> Problem:
    """A ledger or certificate row stored under another unit: a move (调动) for an administrator
    or a reporter of both units, refused for a reporter of the new unit only."""
    refused = allowed is not None and old["unit"] not in allowed
    params: dict[str, Any] = {"employee_id": new["employee_id"], "unit": old["unit"], "to_unit": new["unit"]}
    if kind is Kind.LEDGER:
        params["month"] = new["month"]
        code = "unit_taken" if refused else "unit_moved"
    else:
        params.update(cert_name=new["cert_name"], cert_date=new["cert_date"].isoformat())
        code = "cert_unit_taken" if refused else "cert_unit_moved"
    return Problem(
        code=code,
        file=sheet.file,
        sheet=sheet.sheet,
        row=row,
        column=sheet.columns.get("unit", "单位"),
        value=new["unit"],
        params=params,
        severity="error" if refused else "warning",
        column_letter=sheet.letters.get("unit"),
    )


def _compare(kp: KindPlan, key: tuple[Any, ...], old: dict[str, Any] | None, new: dict[str, Any]) -> None:
    """Count one incoming row as added, unchanged or replaced (keeping the changes for a diff)."""
    if old is None:
        kp.added += 1
        kp.changes.append(Change(key, None, new))
    elif old == new:
        kp.unchanged += 1
    else:
        kp.replaced += 1
        kp.changes.append(Change(key, old, new))


def _months_with_ledger(conn: Connection, months: set[str]) -> set[str]:
    found: set[str] = set()
    for chunk in chunks(sorted(m for m in months if m)):
        q = sa.select(unit_months.c.month).where(unit_months.c.month.in_(chunk), unit_months.c.ledger_rows > 0)
        found.update(conn.execute(q.distinct()).scalars())
    return found


# ---- applying it ------------------------------------------------------------------------------


def apply_plan(
    conn: Connection,
    parsed: ParsedFile,
    plan: ImportPlan,
    new_units: list[dict[str, Any]],
    user: str,
    now: datetime,
    record: bool,
    received: date | None = None,
) -> int | None:
    """Apply a plan: bulk insert/update, the undo images, the unit-months the batch stored
    (``batch_months``), and the derived tables it touched."""
    batch_id = new_batch(conn, parsed, plan, user, now, received) if record else None
    images: list[dict[str, Any]] = []
    touched: set[tuple[str, str]] = set()
    people: set[tuple[str, str]] = set()
    stage: sa.Table | None = None  # the ledger rows this import adds
    added_months: set[str] = set()
    if new_units:
        insert_rows(conn, units, new_units)
        images += unit_images(batch_id, new_units)
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
                folds = [(r["employee_id"], r["month"][:4]) not in people for r in adds]
                stage = ledger_stage(conn, adds, folds)
            # the added rows' undo images the database writes from the stage (stage_ledger_adds)
            images += change_images(batch_id, table, [c for c in kp.changes if c.before is not None])
        else:
            insert_rows(conn, table, adds)
            images += change_images(batch_id, table, kp.changes)
        replace_rows(conn, table, repl)
        if table.name in UNIT_MONTH_TABLES:
            add_unit_months(touched, ((c.before, c.after) for c in kp.changes))
    if stage is not None:
        add_ledger_rows(conn, stage)
    if record:
        insert_rows(conn, batch_changes, images)
        if stage is not None and batch_id is not None:
            stage_ledger_adds(conn, batch_id, stage)
        insert_rows(conn, batch_months, month_images(batch_id, plan))
    keep_in_step(conn, touched, people, now)
    if stage is not None:
        add_learner_months(conn, stage, added_months)
        drop_temp(conn, stage)
    return batch_id


# ---- bulk load --------------------------------------------------------------------------------


def bulk_load(conn: Connection, kind: Kind, rows: Iterable[dict[str, Any]], chunk: int) -> int:
    """Write rows of one kind in the stored shape straight into its table, in chunks, and
    recompute the derived tables for what they touch; returns the number of rows."""
    table = KIND_TABLE[kind]
    touched: set[tuple[str, str]] = set()
    years: set[str] = set()
    n = 0
    it = iter(rows)
    while batch := list(itertools.islice(it, chunk)):
        if kind is Kind.CERTIFICATES:
            batch = [r if r.get("month") else {**r, "month": as_month(r["cert_date"])} for r in batch]
        if table.name in UNIT_MONTH_TABLES:
            touched.update((r["unit"], r["month"]) for r in batch)
        if kind is Kind.LEDGER:
            years.update(r["month"][:4] for r in batch)
        insert_rows(conn, table, batch)
        n += len(batch)
    recompute_unit_months(conn, touched, utcnow())
    rebuild_learner_years(conn, years)
    return n
