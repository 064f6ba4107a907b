"""What a role may change: a reporter's upload scope (their units, no roster) and whose batches
they may undo."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from data_sources.access.audit import record
from data_sources.access.base import Account
from data_sources.schema import Kind, ParsedFile, Problem, UndoRefused
from data_sources.values import unit_name

if TYPE_CHECKING:  # pragma: no cover
    from data_sources.store import Store


def undo_batch(store: Store, batch_id: int, user: str, account: Account | None = None) -> None:
    """Undo a batch and record it. A reporter may undo only batches they imported themselves
    (``UndoRefused(reason="not_yours")``); a viewer none."""
    if account is not None and not account.is_admin:
        owner = next((b.user for b in store.batches() if b.id == batch_id), None)
        if account.role != "reporter" or owner != account.name:
            record(store, user, "undo_refused", batch=batch_id, reason="not_yours")
            raise UndoRefused(batch_id, "not_yours")
    try:
        store.undo(batch_id, user, audit=True)
    except UndoRefused as e:
        record(store, user, "undo_refused", batch=batch_id, reason=e.reason, later_batch=e.later_batch)
        raise


def scope_problems(parsed: ParsedFile, allowed_units: Iterable[str] | None) -> list[Problem]:
    """Errors for every row of ``parsed`` that names a unit outside ``allowed_units`` (a
    reporter's upload): file, sheet, Excel row, the 单位 column as written and the unit. A roster
    sheet is the administrators' (one error per sheet). ``None`` allows everything."""
    if allowed_units is None:
        return []
    # both sides as the importer writes a unit (机修（二）班 and 机修(二)班 are one unit)
    allowed = {unit_name(u) for u in allowed_units}
    shown = sorted(allowed)
    problems: list[Problem] = []
    for sheet in parsed.sheets:
        if sheet.kind is Kind.ROSTER and sheet.rows:
            problems.append(
                Problem(
                    "roster_not_allowed",
                    file=sheet.file,
                    sheet=sheet.sheet,
                    row=sheet.rows[0].get("_row"),
                    params={"kind": sheet.kind.value},
                )
            )
            continue
        column = sheet.columns.get("unit") or "单位"
        for row in sheet.rows:
            unit = row.get("unit")
            if unit is None or unit_name(str(unit)) in allowed:
                continue
            problems.append(
                Problem(
                    "unit_not_allowed",
                    file=sheet.file,
                    sheet=sheet.sheet,
                    row=row.get("_row"),
                    column=column,
                    value=str(unit),
                    params={"units": list(shown)},
                    column_letter=sheet.letters.get("unit"),
                )
            )
    return problems
