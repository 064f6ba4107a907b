"""The one import path the page, the CLI and the demo share: read → validate → plan → commit.

Keeping it in one place means an upload in the browser and ``python -m dashboard import`` accept
and reject exactly the same files, and several files sent together are all-or-nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, BinaryIO

from data_sources.schema import ImportRejected, ParsedFile, Problem

if TYPE_CHECKING:  # pragma: no cover
    from dashboard.config import Settings
    from data_sources.store import BatchResult, Store


@dataclass
class FileOutcome:
    """What one file of an import did (or, with dry_run, would do)."""

    file: str
    kinds: list[str]  # the kinds of sheet found, in file order
    rows: dict[str, int]  # kind → rows read
    added: int
    replaced: int
    unchanged: int
    warnings: list[Problem] = field(default_factory=list)
    batch_id: int | None = None  # None: nothing changed, or a dry run
    units_added: list[str] = field(default_factory=list)
    result: BatchResult | None = None  # the per-kind plan with the changed rows (for a diff view)


def read_and_validate(fileobj: BinaryIO, file_name: str, settings: Settings, period: str | None = None) -> ParsedFile:
    """Read one file and add the cross-row checks; never raises for bad content."""
    from data_sources.reading import read_file
    from data_sources.validation import validate

    return validate(read_file(fileobj, file_name, settings, period))


def _outcome(parsed: ParsedFile, result: BatchResult, dry_run: bool) -> FileOutcome:
    kinds: list[str] = []
    rows: dict[str, int] = {}
    for sheet in parsed.sheets:
        k = sheet.kind.value
        if k not in kinds:
            kinds.append(k)
        rows[k] = rows.get(k, 0) + len(sheet.rows)
    return FileOutcome(
        file=parsed.file,
        kinds=kinds,
        rows=rows,
        added=result.added,
        replaced=result.replaced,
        unchanged=result.unchanged,
        warnings=[*parsed.warnings, *result.warnings],
        batch_id=None if dry_run else result.batch_id,
        units_added=list(result.plan.units_added),
        result=result,
    )


def import_files(
    store: Store,
    files: list[tuple[str, BinaryIO]],
    settings: Settings,
    user: str,
    period: str | None = None,
    dry_run: bool = False,
    allowed_units: Iterable[str] | None = None,
    received: date | Sequence[date | None] | None = None,
) -> list[FileOutcome]:
    """Import several files as one all-or-nothing unit (one batch per file that changes data).

        If any file has an error, ImportRejected carries every problem of every file (errors and
        warnings; ``Problem.severity`` tells them apart) and nothing is written. ``dry_run`` runs the
        whole import in a transaction that is rolled back, so its counts are exactly what a real
        import would report. ``allowed_units`` (a reporter's units; None = no restriction) rejects
        every row of another unit (``access.scope_problems``) and every row whose key another unit
        holds (a ledger or certificate row stored under another unit: ``store.write.diff``). ``received``
    dates the batches (one day, or one per file; default today): when the reports came in, which
    decides late reports (迟报). A real import that changed data is
        recorded in the audit log in its own transaction; a refused one writes nothing at all.
    """
    from data_sources.access import scope_problems

    parsed = [read_and_validate(f, name, settings, period) for name, f in files]
    allowed = None if allowed_units is None else list(allowed_units)
    if allowed is not None:
        for p in parsed:
            p.problems.extend(scope_problems(p, allowed))
    if any(p.errors for p in parsed):
        # A refused import writes nothing at all, not even an audit entry: "nothing lost, nothing
        # changed" is checked byte for byte. The refusal is reported to the user instead.
        problems: list[Any] = [pr for p in parsed for pr in p.all_problems]
        raise ImportRejected(problems)
    # Only an import that changed data is audited (re-importing the same rows is a no-op), in
    # the import's own transaction.
    results = store.commit_many(parsed, user, dry_run=dry_run, audit="import", allowed_units=allowed, received=received)
    return [_outcome(p, r, dry_run) for p, r in zip(parsed, results, strict=True)]
