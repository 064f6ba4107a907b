"""Rules that look across rows of one upload, after every cell has been typed by the reader.

They live apart from reading because they need the whole file: the same unit-month twice in two
sheets is as much a mistake as twice in one, and the store must never have to choose between them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from data_sources.schema import DERIVED_KEY_FIELDS, KEYS, Kind, ParsedFile, Problem, milestone_year, report_year

__all__ = ["validate"]

_CODES = ("duplicate_key", "participants_over_headcount")


def _key_text(values: tuple[Any, ...]) -> str:
    return " ".join(v.isoformat() if isinstance(v, date) else str(v) for v in values)


def validate(parsed: ParsedFile) -> ParsedFile:
    """Append duplicate-key and participants > headcount problems to each sheet; return ``parsed``."""
    seen: dict[Kind, dict[tuple[Any, ...], int]] = {}
    for sheet in parsed.sheets:
        # Idempotent: a second call (preview, then commit) must not report everything twice.
        sheet.problems[:] = [p for p in sheet.problems if p.code not in _CODES]
        key_fields = KEYS.get(sheet.kind, ())
        visible = [i for i, f in enumerate(key_fields) if f not in DERIVED_KEY_FIELDS]  # the sheet's columns
        first_rows = seen.setdefault(sheet.kind, {})
        year = report_year(sheet.period, sheet.rows) if sheet.kind is Kind.MILESTONES else None
        for row in sheet.rows:
            if key_fields:
                if year is not None:  # a 阶段进度 row's year is derived, not a column
                    row = {**row, "year": milestone_year(row.get("done_date"), row.get("planned_date"), year)}
                key = tuple(row.get(f) for f in key_fields)
                if all(v is not None for v in key):
                    first = first_rows.get(key)
                    if first is None:
                        first_rows[key] = row["_row"]
                    else:
                        sheet.problems.append(
                            Problem(
                                "duplicate_key",
                                parsed.file,
                                sheet.sheet,
                                row["_row"],
                                params={"key": _key_text(tuple(key[i] for i in visible)), "first_row": first},
                            )
                        )
            if sheet.kind is Kind.SUMMARY:
                participants, headcount = row.get("participants"), row.get("headcount")
                if participants is not None and headcount is not None and participants > headcount:
                    sheet.problems.append(
                        Problem(
                            "participants_over_headcount",
                            parsed.file,
                            sheet.sheet,
                            row["_row"],
                            sheet.columns.get("participants"),
                            str(participants),
                            params={"participants": participants, "headcount": headcount},
                            column_letter=sheet.letters.get("participants"),
                        )
                    )
    return parsed
