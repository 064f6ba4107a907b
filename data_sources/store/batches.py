"""Import batches and their undo: the batch row an import records, the undo images of the rows it
changed (``batch_changes``), the batch history, undoing a batch, and the audit log entries written
inside the transaction of what they record.

An added row's image is its key, unit and month (undo deletes it by key and recomputes from the
unit and month; an added ledger row is staged by its key and folded out of learner_years, the
reverse of the import's fold, ``fold.remove_learner_months``); a replaced row's image is the whole
row before and after. Keys and images are JSON text (``rows.key_json``/``rows.image_json``): undo
compares keys of different batches as text. The images of added ledger rows, most of all, are
rows of ``batch_ledger_adds`` instead (工号, month, unit: no JSON).

Imports: ``tables``, ``rows``, ``bulk``, ``derived``, ``fold`` and ``results``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_sources.schema import Kind, ParsedFile, UndoRefused
from data_sources.store.bulk import chunks, delete_keys, drop_temp, insert_rows, replace_rows
from data_sources.store.derived import UNIT_MONTH_TABLES, add_unit_months, keep_in_step
from data_sources.store.fold import remove_learner_months, remove_ledger_rows, stage_unit_months, undo_stage
from data_sources.store.results import Batch, Change, ImportPlan
from data_sources.store.rows import aware, image_json, image_load, json_column, key_json, row_key, utcnow
from data_sources.store.tables import (
    TABLE_KEY,
    audit_log,
    batch_changes,
    batch_ledger_adds,
    certificate_rows,
    import_batches,
    ledger_rows,
    metadata,
    milestone_rows,
    summary_rows,
    units,
)

# ---- recording --------------------------------------------------------------------------------


def new_batch(
    conn: Connection, parsed: ParsedFile, plan: ImportPlan, user: str, now: datetime, received: date | None = None
) -> int:
    """Record the batch of one file; its id goes with every undo image. ``received`` dates
    reports that came in before they were imported (else the server's local date of ``now``)."""
    return conn.execute(
        import_batches.insert().values(
            file_name=parsed.file,
            sha256=parsed.sha256,
            user_name=user,
            created_at=now,
            counts=json.dumps(plan.counts(), ensure_ascii=False),
            received_on=received or now.replace(tzinfo=UTC).astimezone().date(),
        )
    ).inserted_primary_key[0]


def month_images(batch_id: int, plan: ImportPlan) -> list[dict[str, Any]]:
    """The batch_months rows of a batch: every unit-month whose summary or ledger rows it
    stored (added or replaced), for when each unit-month was first received (迟报)."""
    pairs = {
        (c.after["month"], c.after["unit"])
        for kind in (Kind.SUMMARY, Kind.LEDGER)
        if kind in plan.kinds
        for c in plan.kinds[kind].changes
    }
    return [{"month": m, "unit": u, "batch_id": batch_id} for m, u in sorted(pairs)]


def unit_images(batch_id: int | None, new_units: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The undo images of the units an import adds because a row mentions them."""
    return [
        {
            "batch_id": batch_id,
            "tbl": "units",
            "key": key_json((u["name"],)),
            "before": None,
            "after": image_json(u),
        }
        for u in new_units
    ]


def _slim(table: sa.Table) -> list[str]:
    """The columns of an added row's image: undo deletes it by its key and recomputes from its
    unit and month, so that is all its image holds, not the whole row."""
    return list(dict.fromkeys(c for c in (*TABLE_KEY[table.name], "unit", "month") if c in table.c))


def change_images(batch_id: int | None, table: sa.Table, changes: list[Change]) -> list[dict[str, Any]]:
    """The undo images of the rows an import adds or replaces in ``table``."""
    slim = _slim(table)
    return [
        {
            "batch_id": batch_id,
            "tbl": table.name,
            "key": key_json(c.key),
            "before": image_json(c.before),
            "after": image_json(c.after if c.before is not None else {k: c.after[k] for k in slim}),
        }
        for c in changes
    ]


def stage_ledger_adds(conn: Connection, batch_id: int, stage: sa.Table) -> None:
    """The undo images of the staged ledger rows an import adds: their key and unit, written into
    batch_ledger_adds by the database in one INSERT … SELECT (as JSON in batch_changes, 100,000 of
    them cost 0.35 s to encode and 0.8 s to send on SQLite, and went between earlier batches')."""
    k, adds = stage.c, batch_ledger_adds
    cols = ["batch_id", "employee_id", "month", "unit"]
    added = sa.select(sa.literal(batch_id, sa.Integer()), k.employee_id, k.month, k.unit).order_by(
        k.employee_id, k.month
    )
    conn.execute(adds.insert().from_select(cols, added))


def write_audit(conn: Connection, user: str, action: str, **detail: Any) -> None:
    """Append one audit log entry inside the caller's transaction."""
    conn.execute(
        audit_log.insert().values(
            at=utcnow().replace(tzinfo=None),
            user_name=(user or "")[:200],
            action=action[:32],
            detail=json.dumps(detail, ensure_ascii=False, default=str),
        )
    )


# ---- reading ----------------------------------------------------------------------------------


def list_batches(conn: Connection) -> list[Batch]:
    """Every import batch, newest first."""
    rows = conn.execute(sa.select(import_batches).order_by(import_batches.c.id.desc())).all()
    return [
        Batch(
            id=r.id,
            file_name=r.file_name,
            sha256=r.sha256,
            user=r.user_name,
            created_at=aware(r.created_at),  # type: ignore[arg-type]
            counts=json.loads(r.counts),
            undone_at=aware(r.undone_at),
            undone_by=r.undone_by,
            received_on=_as_date(r.received_on),
        )
        for r in rows
    ]


# the audit actions of the roster changes (``roster``): they change the data without a batch
ROSTER_ACTIONS = ("unit_add", "unit_set", "unit_rename", "unit_merge", "unit_retire")
VERSION_ACTIONS = (*ROSTER_ACTIONS, "campaign_plan")  # the audited changes the figures depend on


def _roster_changes(conn: Connection) -> tuple[int | None, datetime | None]:
    """The id and time of the newest roster change (index ``ix_audit_action_id``)."""
    last, at = conn.execute(
        sa.select(sa.func.max(audit_log.c.id), sa.func.max(audit_log.c.at)).where(
            audit_log.c.action.in_(ROSTER_ACTIONS)
        )
    ).one()
    return last, at


def _as_date(value: Any) -> date | None:
    """A stored DATE as a date (MySQL drivers may give a datetime for it)."""
    return value.date() if isinstance(value, datetime) else value


def last_change(conn: Connection) -> datetime | None:
    """When the data last changed (the last commit, undo or roster change), UTC."""
    a = conn.execute(sa.select(sa.func.max(import_batches.c.created_at))).scalar()
    b = conn.execute(sa.select(sa.func.max(import_batches.c.undone_at))).scalar()
    values = [v for v in (a, b, _roster_changes(conn)[1]) if v is not None]
    return aware(max(values)) if values else None


def data_version(conn: Connection) -> str:
    """Which commits, undos, roster changes and saved campaign plans the data has seen, as "last
    batch id.undos" and, once the roster was changed or a plan saved, ".newest such change": it
    grows with every commit (the database numbers the batches), every undo (never reversed) and
    every rename, merge, retire or edit of a unit and every plan saved (numbered by the audit
    log), whatever the clocks of the machines that ran them say — the cache key of several app
    processes."""
    last, undone = conn.execute(
        sa.select(sa.func.max(import_batches.c.id), sa.func.count(import_batches.c.undone_at))
    ).one()
    changed = conn.execute(
        sa.select(sa.func.max(audit_log.c.id)).where(audit_log.c.action.in_(VERSION_ACTIONS))
    ).scalar()
    return f"{last or 0}.{undone}" + (f".{changed}" if changed is not None else "")


# ---- undoing ----------------------------------------------------------------------------------


def undo_batch(conn: Connection, batch_id: int, user: str) -> None:
    """Put back what a batch replaced and remove what it added, inside the caller's locked
    transaction; refuse a batch that is unknown, undone, or whose rows a later batch changed."""
    batch = conn.execute(sa.select(import_batches).where(import_batches.c.id == batch_id)).first()
    if batch is None:
        raise UndoRefused(batch_id, "unknown")
    if batch.undone_at is not None:
        raise UndoRefused(batch_id, "already_undone")
    later = _later_batch(conn, batch_id)
    if later is not None:
        raise UndoRefused(batch_id, "later_batch", later_batch=later)
    if _merged_since(conn, batch_id):
        raise UndoRefused(batch_id, "merged")
    # the ledger rows the batch changed are staged by their keys in SQL, those it added folded
    # out of learner_years (fold.py); only the other images are read here
    stage, months = undo_stage(conn, batch_id)
    bc = batch_changes  # the added ledger rows have no image here (batch_ledger_adds)
    changes = conn.execute(sa.select(bc).where(bc.c.batch_id == batch_id)).all()
    now = utcnow()
    touched: set[tuple[str, str]] = set()
    people: set[tuple[str, str]] = set()
    added_units: list[str] = []
    by_table: dict[str, list[tuple[dict[str, Any] | None, dict[str, Any]]]] = defaultdict(list)
    for ch in changes:
        t = metadata.tables[ch.tbl]
        before, after = image_load(t, ch.before), image_load(t, ch.after)
        assert after is not None
        by_table[ch.tbl].append((before, after))
    # a replaced ledger row's (工号, year) is rebuilt from the ledger once it is restored; an
    # added row is folded out of learner_years, then deleted (when the batch also replaced rows
    # of its person-year, the rebuild after gives the same)
    people.update((a["employee_id"], a["month"][:4]) for _, a in by_table.get("ledger_rows", []))
    if months:
        touched |= stage_unit_months(conn, stage)
        people |= remove_learner_months(conn, stage, months)
        remove_ledger_rows(conn, stage)
    drop_temp(conn, stage)
    # rows first, units last (a unit the batch added goes only when no row mentions it)
    for tname in ("summary_rows", "ledger_rows", "certificate_rows", "milestone_rows", "units"):
        pairs = by_table.get(tname, [])
        if not pairs:
            continue
        t = metadata.tables[tname]
        if tname == "units":
            added_units = [a["name"] for b, a in pairs if b is None]
            replace_rows(conn, t, [b for b, _ in pairs if b is not None])
            continue
        delete_keys(conn, t, [row_key(tname, a) for _, a in pairs])
        insert_rows(conn, t, [b for b, _ in pairs if b is not None])
        if tname in UNIT_MONTH_TABLES:
            add_unit_months(touched, pairs)
    if added_units:
        still = units_referenced(conn, added_units)
        delete_keys(conn, units, [(n,) for n in added_units if n not in still])
    keep_in_step(conn, touched, people, now)
    conn.execute(import_batches.update().where(import_batches.c.id == batch_id).values(undone_at=now, undone_by=user))


def _later_batch(conn: Connection, batch_id: int) -> int | None:
    """The newest batch after this one, not undone, that changed one of its rows again: an image
    of the same key in ``batch_changes``, or, of a ledger row it added (``batch_ledger_adds``), a
    later image of that 工号 and month (the JSON key read in SQL)."""
    live = sa.select(import_batches.c.id).where(import_batches.c.id > batch_id, import_batches.c.undone_at.is_(None))
    if conn.execute(live.limit(1)).first() is None:  # undoing the last import: no key to look up
        return None
    ib = import_batches
    c1, c2 = batch_changes.alias("c1"), batch_changes.alias("c2")
    later_live = (c2.c.batch_id > batch_id, ib.c.undone_at.is_(None))
    changed = (
        sa.select(sa.func.max(c2.c.batch_id))
        .select_from(
            c1.join(c2, sa.and_(c1.c.tbl == c2.c.tbl, c1.c.key == c2.c.key)).join(ib, ib.c.id == c2.c.batch_id)
        )
        .where(c1.c.batch_id == batch_id, *later_live)
    )
    adds, key = batch_ledger_adds, json_column(conn, c2.c.key)
    at = TABLE_KEY[ledger_rows.name]
    same_row = sa.and_(
        adds.c.batch_id == batch_id,
        adds.c.employee_id == key[at.index("employee_id")].as_string(),
        adds.c.month == key[at.index("month")].as_string(),
    )
    added = (
        sa.select(sa.func.max(c2.c.batch_id))
        .select_from(c2.join(ib, ib.c.id == c2.c.batch_id).join(adds, same_row))
        .where(c2.c.tbl == ledger_rows.name, *later_live)
    )
    found = [v for v in (conn.execute(changed).scalar(), conn.execute(added).scalar()) if v is not None]
    return int(max(found)) if found else None


def _merged_since(conn: Connection, batch_id: int) -> bool:
    """Whether two units were merged after this batch (``roster.merge_units`` notes the last
    batch before it): its undo images describe units that are now one."""
    details = conn.execute(sa.select(audit_log.c.detail).where(audit_log.c.action == "unit_merge")).scalars()
    return any((json.loads(d).get("last_batch") or 0) >= batch_id for d in details)


def units_referenced(conn: Connection, names: list[str]) -> set[str]:
    """Which of these units a stored row still mentions."""
    found: set[str] = set()
    for t in (summary_rows, ledger_rows, certificate_rows, milestone_rows):
        for chunk in chunks(sorted(names)):
            found.update(conn.execute(sa.select(t.c.unit).where(t.c.unit.in_(chunk)).distinct()).scalars())
    return found
