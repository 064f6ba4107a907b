"""Every user-facing string in Chinese and English, and the formats a Chinese office expects.

Problems from the importer arrive as codes (data_sources.schema.Problem) and become sentences only
here, at the edge, so tests can assert them word for word in either language.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from data_sources.schema import Problem

LANGS = ("zh", "en")

FIELD_LABELS: dict[str, dict[str, str]] = {
    "unit": {"zh": "单位", "en": "Unit"},
    "department": {"zh": "部门", "en": "Department"},
    "headcount": {"zh": "职工人数", "en": "Headcount"},
    "unit_type": {"zh": "类型", "en": "Unit type"},
    "is_pilot": {"zh": "试点单位", "en": "Pilot unit"},
    "month": {"zh": "月份", "en": "Month"},
    "participants": {"zh": "参学人数", "en": "Participants"},
    "sessions": {"zh": "培训场次", "en": "Sessions"},
    "person_times": {"zh": "培训人次", "en": "Person-times"},
    "hours": {"zh": "培训学时", "en": "Training hours"},
    "certificates": {"zh": "取证人数", "en": "Certificates"},
    "suggestions": {"zh": "合理化建议", "en": "Suggestions"},
    "employee_id": {"zh": "工号", "en": "Employee ID"},
    "name": {"zh": "姓名", "en": "Name"},
    "points": {"zh": "学习积分", "en": "Learning points"},
    "attendance": {"zh": "出勤次数", "en": "Attendance"},
    "cert_name": {"zh": "证书名称", "en": "Certificate"},
    "level": {"zh": "等级", "en": "Level"},
    "cert_date": {"zh": "取证日期", "en": "Date obtained"},
    "phase": {"zh": "阶段", "en": "Phase"},
    "milestone": {"zh": "工作事项", "en": "Milestone"},
    "planned_date": {"zh": "计划完成日期", "en": "Planned date"},
    "done_date": {"zh": "完成日期", "en": "Date done"},
}

KIND_LABELS: dict[str, dict[str, str]] = {
    "roster": {"zh": "单位名册", "en": "roster"},
    "summary": {"zh": "月报汇总", "en": "monthly summary"},
    "ledger": {"zh": "学习台账", "en": "learning ledger"},
    "certificates": {"zh": "证书", "en": "certificates"},
    "milestones": {"zh": "阶段进度", "en": "milestones"},
}

# Reason templates for Problem codes; {placeholders} come from Problem.params and value.
PROBLEM_REASONS: dict[str, dict[str, str]] = {
    "not_spreadsheet": {
        "zh": "不是电子表格文件（支持 .xlsx、.xlsm、.xls、.csv）",
        "en": "not a spreadsheet (.xlsx, .xlsm, .xls or .csv expected)",
    },
    "too_large": {
        "zh": "文件大小 {size_mb} MB，超过上限 {limit_mb} MB",
        "en": "file is {size_mb} MB, over the limit of {limit_mb} MB",
    },
    "no_table": {
        "zh": "没有找到可识别的表格（单位名册、月报、学习台账、证书或阶段进度）",
        "en": "no recognisable table (roster, summary, ledger, certificates or milestones)",
    },
    "missing_columns": {
        "zh": "{kind}缺少必填列：{missing}；找到的列：{found}",
        "en": "{kind} is missing required columns: {missing}; columns found: {found}",
    },
    "not_a_number": {"zh": "不是数字", "en": "not a number"},
    "negative": {"zh": "不能为负数", "en": "must not be negative"},
    "not_integer": {"zh": "应为整数", "en": "must be a whole number"},
    "bad_month": {"zh": "无法识别的月份", "en": "not a month that can be read"},
    "bad_date": {"zh": "无法识别的日期", "en": "not a date that can be read"},
    "bad_bool": {"zh": "应填“是”或“否”", "en": "must be 是 (yes) or 否 (no)"},
    "required": {"zh": "必填项为空", "en": "required value is empty"},
    "no_period": {
        "zh": "无法确定月份：表中没有月份列，标题和文件名中也没有年月，请用 --period YYYY-MM 指定",
        "en": "cannot tell the month: no month column, no year and month in the title or file name; give --period YYYY-MM",
    },
    "participants_over_headcount": {
        "zh": "参学人数 {participants} 大于职工人数 {headcount}",
        "en": "participants {participants} exceed headcount {headcount}",
    },
    "duplicate_key": {
        "zh": "与第{first_row}行重复（{key}）",
        "en": "duplicates row {first_row} ({key})",
    },
    "unknown_level": {"zh": "未知的证书等级，按“其他”计", "en": "unknown certificate level, counted as 其他"},
    "unit_added": {
        "zh": "单位不在名册中，已自动添加",
        "en": "unit not in the roster, added automatically",
    },
    "column_ignored": {"zh": "未识别的列，已忽略", "en": "unrecognised column, ignored"},
    "file_not_found": {"zh": "文件不存在", "en": "file not found"},
}


def _list(values: Any, lang: str) -> str:
    if isinstance(values, (list, tuple)):
        return ("、" if lang == "zh" else ", ").join(str(v) for v in values) or ("（无）" if lang == "zh" else "(none)")
    return str(values)


def format_problem(problem: Problem, lang: str = "zh") -> str:
    """One line naming file, sheet, Excel row, column and value, then the reason.

    zh: ``月报.xlsx · 工作表「月报」第7行 · 列「参学人数」值「-3」：不能为负数``
    en: ``月报.xlsx, sheet "月报", row 7, column "参学人数", value "-3": must not be negative``
    """
    lang = lang if lang in LANGS else "zh"
    params = dict(problem.params)
    if "kind" in params:
        params["kind"] = KIND_LABELS.get(params["kind"], {}).get(lang, params["kind"])
    for k in ("missing", "found"):
        if k in params:
            params[k] = _list(params[k], lang)
    template = PROBLEM_REASONS.get(problem.code, {}).get(lang, problem.code)
    try:
        reason = template.format(**params)
    except (KeyError, IndexError):
        reason = template
    parts: list[str] = [problem.file]
    if lang == "zh":
        where = ""
        if problem.sheet is not None:
            where += f"工作表「{problem.sheet}」"
        if problem.row is not None:
            where += f"第{problem.row}行"
        if where:
            parts.append(where)
        cell = ""
        if problem.column is not None:
            cell += f"列「{problem.column}」"
        if problem.value is not None:
            cell += f"值「{problem.value}」"
        if cell:
            parts.append(cell)
        return " · ".join(parts) + "：" + reason
    if problem.sheet is not None:
        parts.append(f'sheet "{problem.sheet}"')
    if problem.row is not None:
        parts.append(f"row {problem.row}")
    if problem.column is not None:
        parts.append(f'column "{problem.column}"')
    if problem.value is not None:
        parts.append(f'value "{problem.value}"')
    return ", ".join(parts) + ": " + reason


# ---- number and date formats -------------------------------------------------------------


def fmt_int(n: float | int | None) -> str:
    """``12,345`` — thousands separators as Chinese offices print them."""
    return "—" if n is None else f"{round(n):,}"


def fmt_num(x: float | None, digits: int = 1) -> str:
    return "—" if x is None else f"{x:,.{digits}f}"


def fmt_pct(x: float | None, digits: int = 1) -> str:
    """A fraction 0..1 as ``98.5%``."""
    return "—" if x is None else f"{x * 100:.{digits}f}%"


def fmt_month(month: str | None, lang: str = "zh") -> str:
    """``2024-03`` → ``2024年3月`` (zh) / ``2024-03`` (en)."""
    if not month:
        return "—"
    if lang == "zh":
        return f"{int(month[:4])}年{int(month[5:7])}月"
    return month


def fmt_date(d: date | datetime | None, lang: str = "zh") -> str:
    """``2024年3月5日`` (zh) / ``2024-03-05`` (en); datetimes add ``HH:MM``."""
    if d is None:
        return "—"
    if isinstance(d, datetime):
        day = fmt_date(d.date(), lang)
        return f"{day} {d:%H:%M}"
    return f"{d.year}年{d.month}月{d.day}日" if lang == "zh" else d.isoformat()


# ---- command line ------------------------------------------------------------------------

CLI_TEXT: dict[str, dict[str, str]] = {
    "rows_of_kind": {"zh": "{kind} {n} 行", "en": "{kind} {n} rows"},
    "import_line": {
        "zh": "{file}：已导入（批次 #{batch}）{counts}；新增 {added}，更新 {replaced}，未变 {unchanged}",
        "en": "{file}: imported (batch #{batch}) {counts}; {added} added, {replaced} replaced, {unchanged} unchanged",
    },
    "unchanged_line": {
        "zh": "{file}：与已存数据相同，未作改动（{counts}）",
        "en": "{file}: same as the stored data, nothing changed ({counts})",
    },
    "dry_run_line": {
        "zh": "{file}：检查通过（试运行，未写入）{counts}；将新增 {added}，更新 {replaced}，未变 {unchanged}",
        "en": "{file}: checked (dry run, nothing written) {counts}; would add {added}, replace {replaced}, keep {unchanged}",
    },
    "rejected": {
        "zh": "导入被拒绝：共 {n} 个错误，未写入任何数据。",
        "en": "Import rejected: {n} error(s); nothing was written.",
    },
    "bad_period": {
        "zh": "起始月份 {month_from} 晚于截止月份 {month_to}",
        "en": "--from {month_from} is after --to {month_to}",
    },
    "summary_head": {"zh": "统计期间 {month_from} 至 {month_to}", "en": "Period {month_from} to {month_to}"},
    "k_units": {"zh": "单位数", "en": "Units"},
    "k_headcount": {"zh": "职工人数", "en": "Headcount"},
    "k_participants": {"zh": "参学人数", "en": "Participants"},
    "k_participation_rate": {"zh": "参学率", "en": "Participation rate"},
    "k_training_hours": {"zh": "培训学时", "en": "Training hours"},
    "k_hours_per_capita": {"zh": "人均学时", "en": "Hours per capita"},
    "k_certificates": {"zh": "取证数", "en": "Certificates"},
    "k_launch_rate": {"zh": "开展率", "en": "Launch rate"},
    "k_phase_progress": {"zh": "阶段进度", "en": "Phase progress"},
    "k_units_behind": {"zh": "进度滞后单位", "en": "Units behind schedule"},
    "lower_bound": {"zh": "多月无台账，为下限值", "en": "a lower bound: several months without ledger"},
    "demo_loaded": {
        "zh": "演示单位已加载：{files} 个文件，共 {rows} 行。",
        "en": "Demo organisation loaded: {files} files, {rows} rows.",
    },
    "demo_skipped": {"zh": "数据库中已有数据，未加载演示数据。", "en": "The store holds data; demo not loaded."},
    "undone": {"zh": "已撤销", "en": "undone"},
    "undo_done": {"zh": "批次 #{batch} 已撤销。", "en": "Batch #{batch} undone."},
    "undo_unknown": {"zh": "没有批次 #{batch}。", "en": "There is no batch #{batch}."},
    "undo_already_undone": {"zh": "批次 #{batch} 已经撤销过。", "en": "Batch #{batch} is already undone."},
    "undo_later_batch": {
        "zh": "批次 #{batch} 的数据已被后来的批次 #{later} 修改，请先撤销批次 #{later}。",
        "en": "Batch #{later} changed rows of batch #{batch} since; undo batch #{later} first.",
    },
    "bad_config": {"zh": "配置文件错误：{key}：{problem}", "en": "Configuration error: {key}: {problem}"},
    "store_unavailable": {
        "zh": "无法连接数据库 {url}：{detail}",
        "en": "Cannot reach the database {url}: {detail}",
    },
    "store_too_new": {
        "zh": "数据库版本（{revision}）比本程序新，请升级本程序后再使用。",
        "en": "The database (revision {revision}) is newer than this program; upgrade the program first.",
    },
}


def cli_text(key: str, lang: str = "zh", **params: object) -> str:
    """A command-line message in the chosen language, filled with ``params``."""
    template = CLI_TEXT[key].get(lang if lang in LANGS else "zh", CLI_TEXT[key]["zh"])
    return template.format(**params)
