"""Roster maintenance by an administrator: add a unit, change its department / type / pilot /
headcount, rename it, merge it into another, retire it from a month on. Each function runs inside
the caller's locked transaction and writes its audit entry there, so a change and its entry are
all or nothing.

Rename: every stored row follows the unit (its rows, the derived tables, reporters' unit scopes,
the undo images of the batches), so its history stays under the new name and its batches can
still be undone. A new name that is already a unit is refused (``UnitExists``): that is a merge.

Merge A into B (two 班组 joined): A's history becomes B's and A leaves the roster. A month both
reported has one summary row: the figures summed (职工人数, 参学人数, 场次, 人次, 学时, 取证人数,
合理化建议; 培训经费 and 工资总额 summed over the rows that give both, as the funds ratio reads
them); ledger and certificate rows move as they are (a 工号 is in one unit a month); a milestone
both have keeps B's row, with A's 完成日期 when B has none; B's roster headcount is the sum. The
organisation's totals for a period stay as they were, except where a unit's own bounds act: a
person who trained in both units within the period counts once, and the merged unit's
participants are capped at its headcount. A merge cannot be undone, and the batches imported
before it can no longer be undone (their images describe two units that are now one:
``batches.undo_batch`` refuses them, reason ``merged``).

Retire from a month (撤销/停止报送): ``units.retired_from``; the unit stays in its history and in
every period starting before that month and is left out of U from it on
(``dashboard.metrics.selection``).

Imports ``tables``, ``rows``, ``bulk``, ``derived`` and ``batches``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_sources.store.batches import write_audit
from data_sources.store.bulk import delete_keys, insert_rows
from data_sources.store.derived import recompute_learner_years, recompute_unit_months
from data_sources.store.rows import image_json, key_json, utcnow
from data_sources.store.tables import (
    UNIT,
    accounts,
    batch_changes,
    batch_ledger_adds,
    certificate_rows,
    import_batches,
    learner_years,
    ledger_rows,
    milestone_rows,
    summary_rows,
    unit_active_masks,
    unit_months,
    units,
)
from data_sources.values import unit_name

MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
# every table that names a unit in its ``unit`` column (the roster's own is ``units.name``)
UNIT_TABLES = (
    summary_rows,
    ledger_rows,
    certificate_rows,
    milestone_rows,
    unit_months,
    learner_years,
    unit_active_masks,
)
# the summary figures a month both units reported is the sum of
SUMMED = ("headcount", "participants", "sessions", "person_times", "hours", "certificates", "suggestions")
SETTABLE = ("department", "unit_type", "is_pilot", "headcount")


# ---- errors: a code and its parameters, turned into words at the edge (dashboard.i18n) --------


class RosterError(Exception):
    """A roster change refused; ``code`` names the message (``roster_<code>`` in i18n)."""

    code = "error"

    def __init__(self, name: str = "", **params: Any):
        super().__init__(f"{self.code}: {name}")
        self.name = name
        self.params = params


class UnknownUnit(RosterError):
    code = "unknown"


class UnitExists(RosterError):
    code = "exists"


class SameUnit(RosterError):
    code = "same"


class EmptyName(RosterError):
    code = "empty_name"


class NameTooLong(RosterError):
    code = "too_long"


class BadHeadcount(RosterError):
    code = "bad_headcount"


class BadMonth(RosterError):
    code = "bad_month"


class NothingToChange(RosterError):
    code = "nothing"


@dataclass(frozen=True)
class MergeResult:
    """What a merge did: the months whose summary rows were summed, the rows that moved."""

    source: str
    into: str
    months_summed: tuple[str, ...]
    rows_moved: int


# ---- reading ----------------------------------------------------------------------------------


def roster_rows(conn: Connection) -> list[dict[str, Any]]:
    """Every unit of the roster with its columns (retired ones too), by name."""
    cols = [units.c[c] for c in ("name", "department", "unit_type", "is_pilot", "headcount", "auto_added")]
    rows = conn.execute(sa.select(*cols, units.c.retired_from).order_by(units.c.name)).mappings()
    return [{**r, "is_pilot": bool(r["is_pilot"]), "auto_added": bool(r["auto_added"])} for r in rows]


def _unit(conn: Connection, name: str) -> dict[str, Any]:
    row = conn.execute(sa.select(units).where(units.c.name == name)).mappings().first()
    if row is None:
        raise UnknownUnit(name)
    return dict(row)


def _name(text: str | None) -> str:
    name = unit_name(text or "")
    if not name:
        raise EmptyName()
    if len(name) > UNIT:
        raise NameTooLong(name, limit=UNIT)
    return name


def _headcount(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise BadHeadcount(str(value)) from None
    if n < 0 or n != float(value):
        raise BadHeadcount(str(value))
    return n


def _text(value: str | None) -> str | None:
    text = (value or "").strip()
    return text or None


# ---- add, set, retire -------------------------------------------------------------------------


def add_unit(
    conn: Connection,
    user: str,
    name: str,
    department: str | None = None,
    headcount: Any = None,
    unit_type: str | None = None,
    pilot: bool = False,
) -> str:
    """Put a unit on the roster; a unit only brought along by data rows (``auto_added``) is taken
    onto it with these values. Returns the name as stored."""
    name = _name(name)
    rec = {
        "name": name,
        "department": _text(department),
        "unit_type": _text(unit_type),
        "is_pilot": bool(pilot),
        "headcount": _headcount(headcount),
        "auto_added": False,
    }
    old = conn.execute(sa.select(units.c.auto_added).where(units.c.name == name)).first()
    if old is not None and not old.auto_added:
        raise UnitExists(name)
    if old is not None:
        conn.execute(units.update().where(units.c.name == name).values(**rec))
    else:
        conn.execute(units.insert().values(**rec))
    detail = {k: rec[k] for k in ("name", "department", "unit_type", "is_pilot", "headcount")}
    write_audit(conn, user, "unit_add", **detail)
    return name


def set_unit(conn: Connection, user: str, name: str, **changes: Any) -> dict[str, list[Any]]:
    """Change some of ``SETTABLE`` of a unit (a key left out keeps its value); returns
    {field: [before, after]} of what changed. NothingToChange when nothing would."""
    unknown = set(changes) - set(SETTABLE)
    if unknown:
        raise TypeError(f"not settable: {sorted(unknown)}")
    row = _unit(conn, name)
    new: dict[str, Any] = {}
    for field, value in changes.items():
        if field == "headcount":
            new[field] = _headcount(value)
        elif field == "is_pilot":
            new[field] = bool(value)
        else:
            new[field] = _text(value)
    diff = {f: [row[f] if f != "is_pilot" else bool(row[f]), v] for f, v in new.items() if v != row[f]}
    if not diff:
        raise NothingToChange(name)
    conn.execute(units.update().where(units.c.name == name).values(**{f: v[1] for f, v in diff.items()}))
    write_audit(conn, user, "unit_set", name=name, changes=diff)
    return diff


def retire_unit(conn: Connection, user: str, name: str, month: str | None) -> None:
    """Retire a unit from ``month`` (YYYY-MM) on; None makes it report again."""
    if month is not None and not MONTH_RE.match(month):
        raise BadMonth(name, month=month)
    row = _unit(conn, name)
    if row["retired_from"] == month:
        raise NothingToChange(name)
    conn.execute(units.update().where(units.c.name == name).values(retired_from=month))
    write_audit(conn, user, "unit_retire", name=name, **{"from": month})


# ---- rename -----------------------------------------------------------------------------------


def rename_unit(conn: Connection, user: str, old: str, new: str) -> str:
    """Rename a unit everywhere it is stored; returns the new name as stored."""
    new = _name(new)
    _unit(conn, old)
    if new == old:
        raise SameUnit(old)
    if conn.execute(sa.select(units.c.name).where(units.c.name == new)).first() is not None:
        raise UnitExists(new)
    conn.execute(units.update().where(units.c.name == old).values(name=new))
    for t in UNIT_TABLES:
        conn.execute(t.update().where(t.c.unit == old).values(unit=new))
    _rename_in_accounts(conn, old, new)
    _rename_in_images(conn, old, new)
    write_audit(conn, user, "unit_rename", old=old, new=new)
    return new


def _rename_in_accounts(conn: Connection, old: str, new: str) -> None:
    """A reporter of the old unit reports for it under its new name (or, after a merge, for the
    unit it became part of)."""
    for name, text in conn.execute(sa.select(accounts.c.name, accounts.c.units)).all():
        listed = json.loads(text or "[]")
        if old not in listed:
            continue
        moved = list(dict.fromkeys(new if u == old else u for u in listed))
        conn.execute(
            accounts.update().where(accounts.c.name == name).values(units=json.dumps(moved, ensure_ascii=False))
        )


def _rename_in_images(conn: Connection, old: str, new: str) -> None:
    """The undo images (keys and rows) that name the unit name the new one, so an earlier batch
    undone after the rename deletes and restores rows under the name they now have."""
    adds = batch_ledger_adds
    conn.execute(adds.update().where(adds.c.unit == old).values(unit=new))
    bc = batch_changes
    quoted = json.dumps(old, ensure_ascii=False)  # as the images write it
    found = conn.execute(
        sa.select(bc).where(
            sa.or_(
                bc.c.key.contains(quoted, autoescape=True),
                bc.c.before.contains(quoted, autoescape=True),
                bc.c.after.contains(quoted, autoescape=True),
            )
        )
    ).all()
    field = {"units": "name"}
    keyed = {"units", "summary_rows", "milestone_rows"}  # tables whose key starts with the unit
    gone, rewritten = [], []
    for r in found:
        f = field.get(r.tbl, "unit")
        key = json.loads(r.key)
        if r.tbl in keyed and key and key[0] == old:
            key[0] = new
        images = []
        for text in (r.before, r.after):
            image = json.loads(text) if text is not None else None
            if image is not None and image.get(f) == old:
                image[f] = new
            images.append(image)
        new_key = key_json(tuple(key))
        new_row = {"tbl": r.tbl, "key": new_key, "batch_id": r.batch_id}
        new_row |= {"before": image_json(images[0]), "after": image_json(images[1])}
        if (new_key, new_row["before"], new_row["after"]) == (r.key, r.before, r.after):
            continue  # the name was only some other column's value (a person's name)
        gone.append((r.tbl, r.key, r.batch_id))
        rewritten.append(new_row)
    delete_keys(conn, bc, gone)
    insert_rows(conn, bc, rewritten)


# ---- merge ------------------------------------------------------------------------------------


def merge_units(conn: Connection, user: str, source: str, into: str) -> MergeResult:
    """Merge unit ``source`` into unit ``into`` (the rules are the module's docstring)."""
    a, b = _unit(conn, source), _unit(conn, into)
    if source == into:
        raise SameUnit(source)
    now = utcnow()
    ly = learner_years
    people = {(e, y) for y, e in conn.execute(sa.select(ly.c.year, ly.c.employee_id).where(ly.c.unit == source))}
    um = unit_months
    months = set(conn.execute(sa.select(um.c.month).where(um.c.unit == source)).scalars())
    summed = _merge_summary(conn, source, into)
    _merge_milestones(conn, source, into)
    moved = 0
    for t in (summary_rows, ledger_rows, certificate_rows, milestone_rows):
        moved += conn.execute(t.update().where(t.c.unit == source).values(unit=into)).rowcount or 0
    moved += len(summed)
    recompute_unit_months(conn, {(u, m) for m in months for u in (source, into)}, now)
    recompute_learner_years(conn, people)
    heads = [h for h in (a["headcount"], b["headcount"]) if h is not None]
    conn.execute(units.update().where(units.c.name == into).values(headcount=sum(heads) if heads else None))
    conn.execute(units.delete().where(units.c.name == source))
    _rename_in_accounts(conn, source, into)
    last_batch = conn.execute(sa.select(sa.func.max(import_batches.c.id))).scalar() or 0
    write_audit(conn, user, "unit_merge", source=source, into=into, months=sorted(summed), last_batch=last_batch)
    return MergeResult(source, into, tuple(sorted(summed)), moved)


def _merge_summary(conn: Connection, source: str, into: str) -> list[str]:
    """Sum the summary rows of the months both units reported into ``into``'s row and delete
    ``source``'s; returns those months (the others move with an UPDATE afterwards)."""
    s = summary_rows
    mine = {r["month"]: dict(r) for r in conn.execute(sa.select(s).where(s.c.unit == source)).mappings()}
    if not mine:
        return []
    theirs = {
        r["month"]: dict(r)
        for r in conn.execute(sa.select(s).where(s.c.unit == into, s.c.month.in_(sorted(mine)))).mappings()
    }
    for month, b in theirs.items():
        a = mine[month]
        values = {}
        for c in SUMMED:
            given = [r[c] for r in (a, b) if r[c] is not None]
            values[c] = sum(given) if given else None
        values |= _funds(a, b)
        conn.execute(s.update().where(s.c.unit == into, s.c.month == month).values(**values))
        conn.execute(s.delete().where(s.c.unit == source, s.c.month == month))
    return sorted(theirs)


def _funds(a: dict[str, Any], b: dict[str, Any]) -> dict[str, float | None]:
    """培训经费 / 工资总额 of a merged month: summed over the rows that give both (the funds ratio
    leaves the others out of both sums); with no such row, a column only one side fills alone."""
    both = [r for r in (a, b) if r["training_funds"] is not None and r["payroll"] is not None]
    if both:
        return {c: sum(r[c] for r in both) for c in ("training_funds", "payroll")}
    funds = [r["training_funds"] for r in (a, b) if r["training_funds"] is not None]
    pay = [r["payroll"] for r in (a, b) if r["payroll"] is not None]
    if funds and pay:  # one row gives only the funds, the other only the payroll: neither counts
        return {"training_funds": None, "payroll": None}
    return {"training_funds": sum(funds) if funds else None, "payroll": sum(pay) if pay else None}


def _merge_milestones(conn: Connection, source: str, into: str) -> None:
    """A milestone both units have in a year keeps ``into``'s row, with ``source``'s 完成日期 when it
    has none."""
    m = milestone_rows
    mine = {(r.milestone, r.year): r for r in conn.execute(sa.select(m).where(m.c.unit == source))}
    if not mine:
        return
    names = sorted({name for name, _ in mine})
    for r in conn.execute(sa.select(m).where(m.c.unit == into, m.c.milestone.in_(names))).all():
        a = mine.get((r.milestone, r.year))
        if a is None:
            continue
        same = (m.c.milestone == r.milestone, m.c.year == r.year)
        if r.done_date is None and a.done_date is not None:
            conn.execute(m.update().where(m.c.unit == into, *same).values(done_date=a.done_date))
        conn.execute(m.delete().where(m.c.unit == source, *same))
