"""What the store hands back: the plan of an import (per kind, with the changed rows for a diff
view), the result of a commit, and a recorded batch. Plain dataclasses, no SQL.

Imports: ``data_sources.schema`` only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from data_sources.schema import Kind, Problem


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
    warnings: list[Problem] = field(default_factory=list)  # unit_added, unit_moved
    units_added: list[str] = field(default_factory=list)
    # what the stored data refuses (unit_unknown, unit_taken): the commit raises ImportRejected
    errors: list[Problem] = field(default_factory=list)

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
    received_on: date | None = None  # the day its reports came in (None: a batch older than revision 0009)

    @property
    def undone(self) -> bool:
        return self.undone_at is not None
