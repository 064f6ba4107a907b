"""Build ParsedFile/ParsedSheet objects in code, so store and metrics tests need no reader."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from data_sources.schema import Kind, ParsedFile, ParsedSheet, Problem

HEADERS: dict[str, str] = {
    "unit": "单位",
    "department": "部门",
    "headcount": "职工人数",
    "unit_type": "类型",
    "is_pilot": "试点单位",
    "month": "月份",
    "participants": "参学人数",
    "sessions": "培训场次",
    "person_times": "培训人次",
    "hours": "培训学时",
    "certificates": "取证人数",
    "suggestions": "合理化建议",
    "employee_id": "工号",
    "name": "姓名",
    "points": "学习积分",
    "attendance": "出勤次数",
    "cert_name": "证书名称",
    "level": "等级",
    "cert_date": "取证日期",
    "phase": "阶段",
    "milestone": "工作事项",
    "planned_date": "计划完成日期",
    "done_date": "完成日期",
}
SHEET_NAMES = {
    Kind.ROSTER: "单位",
    Kind.SUMMARY: "月报",
    Kind.LEDGER: "学习台账",
    Kind.CERTIFICATES: "证书",
    Kind.MILESTONES: "阶段进度",
}


def roster(unit: str, department: str | None, headcount: int, unit_type: str | None = None, is_pilot: bool = False):
    return {
        "unit": unit,
        "department": department,
        "headcount": headcount,
        "unit_type": unit_type,
        "is_pilot": is_pilot,
    }


def summary(
    unit: str,
    month: str,
    headcount: int,
    participants: int,
    hours: float,
    certificates: int = 0,
    sessions: int = 0,
    person_times: int = 0,
    suggestions: int | None = None,
) -> dict[str, Any]:
    return {
        "unit": unit,
        "month": month,
        "headcount": headcount,
        "participants": participants,
        "sessions": sessions,
        "person_times": person_times,
        "hours": hours,
        "certificates": certificates,
        "suggestions": suggestions,
    }


def ledger(employee_id: str, name: str, unit: str, month: str, hours: float, points: float) -> dict[str, Any]:
    return {"employee_id": employee_id, "name": name, "unit": unit, "month": month, "hours": hours, "points": points}


def cert(employee_id: str, name: str, unit: str, cert_name: str, level: str, cert_date: date) -> dict[str, Any]:
    return {
        "employee_id": employee_id,
        "name": name,
        "unit": unit,
        "cert_name": cert_name,
        "level": level,
        "cert_date": cert_date,
    }


def milestone(
    unit: str, milestone: str, phase: str = "宣传发动", planned: date | None = None, done: date | None = None
) -> dict[str, Any]:
    return {"unit": unit, "phase": phase, "milestone": milestone, "planned_date": planned, "done_date": done}


def sheet(kind: Kind, rows: list[dict[str, Any]], file: str = "test.xlsx", name: str | None = None) -> ParsedSheet:
    """A sheet whose rows sit under a header on Excel row 2 (row 1 is a title)."""
    fields = list(dict.fromkeys(k for r in rows for k in r))
    typed = [{**r, "_row": i + 3} for i, r in enumerate(rows)]
    return ParsedSheet(
        file=file,
        sheet=name or SHEET_NAMES[kind],
        kind=kind,
        period=None,
        columns={f: HEADERS.get(f, f) for f in fields},
        rows=typed,
    )


def parsed(file: str = "test.xlsx", problems: list[Problem] | None = None, **kinds: list[dict[str, Any]]) -> ParsedFile:
    """``parsed("x.xlsx", roster=[...], ledger=[...])`` → a ParsedFile with one sheet per kind."""
    sheets = [sheet(Kind(k), rows, file) for k, rows in kinds.items()]
    digest = hashlib.sha256(repr((file, kinds)).encode()).hexdigest()
    return ParsedFile(file=file, sha256=digest, size=1000, sheets=sheets, problems=list(problems or []))
