"""Every user-facing string in Chinese and English, and the formats a Chinese office expects.

Problems from the importer arrive as codes (data_sources.schema.Problem) and become sentences only
here, at the edge, so tests can assert them word for word in either language.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# The number and date formats live in dashboard.formatting; re-exported for the callers of i18n.
from dashboard.formatting import fmt_date as fmt_date
from dashboard.formatting import fmt_int as fmt_int
from dashboard.formatting import fmt_month as fmt_month
from dashboard.formatting import fmt_num as fmt_num
from dashboard.formatting import fmt_pct as fmt_pct
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
        "zh": "不是电子表格文件（支持 .xlsx、.xlsm、.xlsb、.xls、.ods、.csv）",
        "en": "not a spreadsheet (.xlsx, .xlsm, .xlsb, .xls, .ods or .csv expected)",
    },
    "too_large": {
        "zh": "文件大小 {size_mb} MB，超过上限 {limit_mb} MB",
        "en": "file is {size_mb} MB, over the limit of {limit_mb} MB",
    },
    "zip_bomb": {
        "zh": "文件解压后达 {unpacked_mb} MB（压缩比 {ratio}:1），超过安全上限 {limit_mb} MB，疑似压缩炸弹，未读取",
        "en": "unpacks to {unpacked_mb} MB (compression ratio {ratio}:1), over the safe limit of {limit_mb} MB; "
        "looks like a zip bomb, not read",
    },
    "too_many_cells": {
        "zh": "工作表的单元格范围达 {rows} 行 × {cols} 列，超过安全上限 {limit} 个单元格，未读取",
        "en": "a sheet's cells span {rows} rows × {cols} columns, over the safe limit of {limit} cells; not read",
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
    "unit_unknown": {
        "zh": "单位不在名册中，您是否要填：{suggestions}",
        "en": "unit not in the roster; did you mean: {suggestions}",
    },
    "unit_unknown_no_match": {
        "zh": "单位不在名册中：请填写名册中的单位；新单位须由管理员先导入单位名册",
        "en": "unit not in the roster: write a unit of the roster; a new unit must first be imported in the roster "
        "by an administrator",
    },
    "unit_taken": {
        "zh": "工号 {employee_id} 在{month}属于{unit}：只有该单位的填报人或管理员可以修改",
        "en": "employee {employee_id} belongs to {unit} in {month}: only that unit's reporter or an administrator "
        "may change it",
    },
    "unit_moved": {
        "zh": "工号 {employee_id} 在{month}由{unit}调到{to_unit}（调动）",
        "en": "employee {employee_id} moves from {unit} to {to_unit} in {month} (transfer)",
    },
    "cert_unit_taken": {
        "zh": "工号 {employee_id} 的证书「{cert_name}」（{cert_date}）登记在{unit}：只有该单位的填报人或管理员可以修改",
        "en": "the certificate “{cert_name}” ({cert_date}) of employee {employee_id} is registered under {unit}: "
        "only that unit's reporter or an administrator may change it",
    },
    "cert_unit_moved": {
        "zh": "工号 {employee_id} 的证书「{cert_name}」（{cert_date}）由{unit}移到{to_unit}（调动）",
        "en": "the certificate “{cert_name}” ({cert_date}) of employee {employee_id} moves from {unit} to "
        "{to_unit} (transfer)",
    },
    "column_ignored": {"zh": "未识别的列，已忽略", "en": "unrecognised column, ignored"},
    "file_not_found": {"zh": "文件不存在", "en": "file not found"},
    "unit_not_allowed": {
        "zh": "无权为该单位填报（您可填报：{units}）",
        "en": "you may not report for this unit (yours: {units})",
    },
    "roster_not_allowed": {
        "zh": "单位名册只能由管理员导入",
        "en": "only an administrator may import the unit roster",
    },
    # ---- files from other software and hostile files (issues 10, 11) ----
    "encrypted": {
        "zh": "文件已加密，请取消密码后另存为 .xlsx",
        "en": "the workbook is encrypted: remove its password and save it again as .xlsx",
    },
    "html_as_xls": {
        "zh": "这是网页（HTML）文件，只是扩展名为表格：请在 Excel/WPS 中打开，另存为 .xlsx 后再上传",
        "en": "this is a web page (HTML) with a spreadsheet's name: open it in Excel/WPS, save it as .xlsx and upload that",
    },
    "xml2003_as_xls": {
        "zh": "这是 Excel 2003 XML 表格（SpreadsheetML），不是真正的 .xls：请在 Excel/WPS 中打开，另存为 .xlsx 后再上传",
        "en": "this is an Excel 2003 XML spreadsheet (SpreadsheetML), not a real .xls: open it in Excel/WPS, "
        "save it as .xlsx and upload that",
    },
    "formula_not_cached": {
        "zh": "公式没有保存计算结果：请在 Excel/WPS 中打开并保存后再上传",
        "en": "the formula has no saved result: open the file in Excel/WPS, save it and upload it again",
    },
    "hidden_sheet": {
        "zh": "隐藏的工作表（通常是旧月份的副本），已跳过；如需导入请先取消隐藏",
        "en": "hidden sheet (usually an old month's copy), skipped; unhide it to import it",
    },
    "sheet_skipped": {
        "zh": "工作表的列不属于任何一种报表（找到的列：{found}），已跳过",
        "en": "the sheet's columns fit no kind of report (columns found: {found}), skipped",
    },
    "example_row": {
        "zh": "模板示例行（序号为“示例”），已跳过；如果这是本单位的数据，请删除“示例”二字后重新上传",
        "en": "the template's example row (序号 says 示例), skipped; if it holds your own data, clear 示例 and upload again",
    },
    "text_too_large": {
        "zh": "工作簿中的文字展开后达 {expanded_mb} MB，超过安全上限 {limit_mb} MB（同一段长文字被大量单元格引用），未读取",
        "en": "the workbook's text expands to {expanded_mb} MB, over the safe limit of {limit_mb} MB "
        "(one long text referenced by many cells); not read",
    },
    "too_many_rows": {
        "zh": "共有 {rows} 行以上，超过每次上传的上限 {limit} 行：请按月份或单位拆成几个文件上传",
        "en": "{rows} rows or more, over the limit of {limit} rows per upload: split it by month or unit into several files",
    },
    "too_many_columns": {
        "zh": "这一行有 {cols} 列，超过上限 {limit} 列：请检查分隔符，或删除多余的列",
        "en": "this line has {cols} columns, over the limit of {limit}: check the delimiter or remove the extra columns",
    },
    "cell_too_long": {
        "zh": "单元格超过 {limit} 个字符（Excel 单元格的上限），不是报表数据：请检查文件",
        "en": "a cell holds more than {limit} characters (Excel's limit for a cell); this is no report data, check the file",
    },
    "csv_nul": {
        "zh": "文本文件中含有空字符（NUL），文件可能已损坏：请在 Excel/WPS 中打开，另存为 .xlsx 后再上传",
        "en": "the text file holds NUL characters and may be damaged: open it in Excel/WPS, save it as .xlsx and upload that",
    },
    "mixed_encoding": {
        "zh": "文件混用了两种文字编码：本行之前是 UTF-8，本行不是（可能是 GBK）；请在 Excel/WPS 中打开，统一另存为 .xlsx 或 UTF-8 CSV 后再上传",
        "en": "the file mixes two text encodings: UTF-8 before this line, something else (likely GBK) from here; "
        "open it in Excel/WPS and save it as .xlsx or UTF-8 CSV",
    },
}


# The same problems as the web page says them, where the command line's words would mislead: the
# page has a 报表月份 box, not a --period option.
PROBLEM_REASONS_WEB: dict[str, dict[str, str]] = {
    "no_period": {
        "zh": "无法确定月份：表中没有月份列，标题和文件名中也没有年月，请在上方“报表月份”中选择月份",
        "en": "cannot tell the month: no month column, no year and month in the title or file name; choose it in "
        "“Report month” above",
    },
}


def _list(values: Any, lang: str) -> str:
    if isinstance(values, (list, tuple)):
        return ("、" if lang == "zh" else ", ").join(str(v) for v in values) or ("（无）" if lang == "zh" else "(none)")
    return str(values)


def format_problem(problem: Problem, lang: str = "zh", web: bool = False) -> str:
    """One line naming file, sheet, Excel row, column and value, then the reason (``web``: as the
    upload page says it, PROBLEM_REASONS_WEB).

    zh: ``月报.xlsx · 工作表「月报」第7行 · 列「参学人数」值「-3」：不能为负数``
    en: ``月报.xlsx, sheet "月报", row 7, column "参学人数", value "-3": must not be negative``
    """
    lang = lang if lang in LANGS else "zh"
    params = dict(problem.params)
    if "kind" in params:
        params["kind"] = KIND_LABELS.get(params["kind"], {}).get(lang, params["kind"])
    for k in ("missing", "found", "units", "suggestions"):
        if k in params:
            params[k] = _list(params[k], lang)
    if params.get("month"):
        params["month"] = fmt_month(params["month"], lang)
    reasons = PROBLEM_REASONS_WEB if web and problem.code in PROBLEM_REASONS_WEB else PROBLEM_REASONS
    template = reasons.get(problem.code, {}).get(lang, problem.code)
    try:
        reason = template.format(**params)
    except (KeyError, IndexError):
        reason = template
    parts: list[str] = [problem.file]
    column = format_column(problem, lang)
    if lang == "zh":
        where = ""
        if problem.sheet is not None:
            where += f"工作表「{problem.sheet}」"
        if problem.row is not None:
            where += f"第{problem.row}行"
        if where:
            parts.append(where)
        cell = column
        if problem.value is not None:
            cell += f"值「{problem.value}」"
        if cell:
            parts.append(cell)
        return " · ".join(parts) + "：" + reason
    if problem.sheet is not None:
        parts.append(f'sheet "{problem.sheet}"')
    if problem.row is not None:
        parts.append(f"row {problem.row}")
    if column:
        parts.append(column)
    if problem.value is not None:
        parts.append(f'value "{problem.value}"')
    return ", ".join(parts) + ": " + reason


def format_column(problem: Problem, lang: str = "zh") -> str:
    """The column of a problem as a spreadsheet user finds it: ``F 列「培训学时」`` /
    ``column F "培训学时"``; the header alone when the letter is unknown, the letter alone when the
    header is unknown but the row is (a CSV cell), "" otherwise — so a problem whose place was
    blanked out to show its reason alone (file, sheet, row, column None) shows no letter either."""
    letter, header = problem.column_letter, problem.column
    if header is None and problem.row is None:
        letter = None
    if lang == "zh":
        if letter and header is not None:
            return f"{letter} 列「{header}」"
        if letter:
            return f"{letter} 列"
        return f"列「{header}」" if header is not None else ""
    if letter and header is not None:
        return f'column {letter} "{header}"'
    if letter:
        return f"column {letter}"
    return f'column "{header}"' if header is not None else ""


def problem_fields(problem: Problem, lang: str = "zh", web: bool = False) -> dict[str, str]:
    """A problem cut into the texts of a table of problems (file, sheet, row, column, value,
    reason, message): a problem of the whole file has an empty row, never "None"."""
    from dataclasses import replace

    lang = lang if lang in LANGS else "zh"
    bare = format_problem(
        replace(problem, file="", sheet=None, row=None, column=None, column_letter=None, value=None), lang, web
    )
    return {
        "file": problem.file,
        "sheet": problem.sheet or "",
        "row": "" if problem.row is None else str(problem.row),
        "column": format_column(problem, lang),
        "value": "" if problem.value is None else str(problem.value),
        "reason": bare.lstrip("：:").strip(),
        "message": format_problem(problem, lang, web),
    }


# ---- command line ------------------------------------------------------------------------

CLI_TEXT: dict[str, dict[str, str]] = {
    "file_written": {"zh": "已写入 {file}", "en": "Written: {file}"},
    "cannot_write": {"zh": "无法写入 {file}：{detail}", "en": "Cannot write {file}: {detail}"},
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
    "period_spans_years": {
        "zh": "提示：{month_from} 至 {month_to} 跨越两个活动年度，工作事项、目标值和考核规则按{year}年度计划计算",
        "en": "Note: {month_from} to {month_to} spans two campaign years; milestones, targets and rules are {year}'s plan",
    },
    "plan_stored": {"zh": "{year}年度：活动计划已保存在数据库中", "en": "{year}: plan stored in the database"},
    "plan_config": {"zh": "{year}年度：活动计划来自 config.toml", "en": "{year}: plan from config.toml"},
    "plan_inherited": {
        "zh": "{year}年度：尚未设置活动计划，沿用{from_year}年度计划",
        "en": "{year}: no plan yet, {from_year}'s plan applies",
    },
    "plan_saved": {
        "zh": "已保存{year}年度活动计划（第 {revision} 版）",
        "en": "Saved the {year} plan (revision {revision})",
    },
    "plan_copied": {
        "zh": "已按{from_year}年度计划建立{year}年度活动计划（第 {revision} 版）",
        "en": "Started the {year} plan from {from_year}'s (revision {revision})",
    },
    "bad_plan": {"zh": "{file}：{key}：{problem}", "en": "{file}: {key}: {problem}"},
    "cannot_read": {"zh": "无法读取 {file}：{detail}", "en": "Cannot read {file}: {detail}"},
    "bad_period": {
        "zh": "起始月份 {month_from} 晚于截止月份 {month_to}",
        "en": "--from {month_from} is after --to {month_to}",
    },
    "bad_received": {
        "zh": "收到日期「{value}」无法识别：请写成 年-月-日，例如 2025-02-08",
        "en": '--received "{value}" is not a date: write it as YYYY-MM-DD, e.g. 2025-02-08',
    },
    "future_received": {
        "zh": "收到日期 {value} 晚于今天",
        "en": "--received {value} is after today",
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
    "sync_line": {
        "zh": "{file}：已同步（批次 #{batch}）{counts}；新增 {added}，更新 {replaced}，未变 {unchanged}",
        "en": "{file}: synced (batch #{batch}) {counts}; {added} added, {replaced} replaced, {unchanged} unchanged",
    },
    "sync_unchanged_line": {
        "zh": "{file}：与已存数据相同，未作改动（{counts}）",
        "en": "{file}: same as the stored data, nothing changed ({counts})",
    },
    "sync_dry_run_line": {
        "zh": "{file}：检查通过（试运行，未写入）{counts}；将新增 {added}，更新 {replaced}，未变 {unchanged}",
        "en": "{file}: checked (dry run, nothing written) {counts}; would add {added}, replace {replaced}, keep {unchanged}",
    },
    "sync_rejected": {
        "zh": "同步被拒绝：共 {n} 个错误，未写入任何数据。",
        "en": "Sync rejected: {n} error(s); nothing was written.",
    },
    "sync_not_configured": {
        "zh": "没有配置外部数据源：请在 config.toml 中添加 [external] 一节（文件末尾有示例）。",
        "en": "No external source is configured: add an [external] section to config.toml (see the example at its end).",
    },
    "sync_source_error": {
        "zh": "无法读取外部数据源（配置项 {key}）：{detail}",
        "en": "Cannot read the external source (setting {key}): {detail}",
    },
    "external_unavailable": {
        "zh": "无法连接外部数据库 {url}：{detail}",
        "en": "Cannot reach the external database {url}: {detail}",
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
    "undo_not_yours": {
        "zh": "批次 #{batch} 不是您导入的，只有管理员可以撤销。",
        "en": "Batch #{batch} is not yours; only an administrator may undo it.",
    },
    "user_added": {"zh": "已添加用户 {name}（{role}）。", "en": "User {name} ({role}) added."},
    "user_passwd": {"zh": "已更改用户 {name} 的密码。", "en": "Password of {name} changed."},
    "user_removed": {"zh": "已删除用户 {name}。", "en": "User {name} removed."},
    "user_none": {
        "zh": "还没有用户：访问者只能查看，不能导入或撤销。请先添加管理员（--role admin）。",
        "en": "No users yet: visitors can only look, not import or undo. Add the administrator first (--role admin).",
    },
    "user_no_admin": {
        "zh": "注意：还没有管理员账号，网页上没有人能管理数据。请再添加一个 --role admin 的用户。",
        "en": "Note: there is no administrator yet, so nobody can manage the data in the app. Add a user with --role admin.",
    },
    "user_exists": {"zh": "用户 {name} 已存在。", "en": "User {name} already exists."},
    "user_unknown": {"zh": "没有用户 {name}。", "en": "There is no user {name}."},
    "user_bad_role": {"zh": "未知的角色 {name}。", "en": "Unknown role {name}."},
    "user_no_units": {
        "zh": "填报员 {name} 需要 --units 指定可填报的单位。",
        "en": "Reporter {name} needs --units with the units they report for.",
    },
    "user_empty_password": {"zh": "密码不能为空。", "en": "The password must not be empty."},
    "user_empty_name": {"zh": "用户名不能为空。", "en": "The user name must not be empty."},
    "password_prompt": {"zh": "密码：", "en": "Password: "},
    "password_again": {"zh": "再次输入密码：", "en": "Password again: "},
    "password_mismatch": {"zh": "两次输入的密码不一致。", "en": "The passwords do not match."},
}


def cli_text(message: str, lang: str = "zh", **params: object) -> str:
    """A command-line message in the chosen language, filled with ``params``."""
    template = CLI_TEXT[message].get(lang if lang in LANGS else "zh", CLI_TEXT[message]["zh"])
    return template.format(**params)


# ---- web app (dashboard/ui/, dashboard/charts.py, pages/) --------------------------------

UI_TEXT: dict[str, dict[str, str]] = {
    # app frame and navigation
    "app_title": {"zh": "创争活动监测看板", "en": "创争 Campaign Dashboard"},
    "app_subtitle": {
        "zh": "创建学习型组织，争做知识型职工",
        "en": "Build a learning organisation, become knowledge workers",
    },
    "page_overview": {"zh": "总览", "en": "Overview"},
    "page_units": {"zh": "单位排名", "en": "Unit ranking"},
    "page_unit": {"zh": "单位详情", "en": "Unit detail"},
    "page_learners": {"zh": "学习标兵", "en": "Top learners"},
    "page_phases": {"zh": "阶段进度", "en": "Phase progress"},
    "page_submissions": {"zh": "报送情况", "en": "Submissions"},
    "page_data": {"zh": "数据管理", "en": "Data management"},
    "page_settings": {"zh": "活动设置", "en": "Campaign settings"},
    "page_evaluation": {"zh": "考核评比", "en": "Evaluation"},
    "score": {"zh": "考核得分", "en": "Score"},
    "nav_dashboards": {"zh": "看板", "en": "Dashboards"},
    "nav_admin": {"zh": "管理", "en": "Administration"},
    "language": {"zh": "语言 / Language", "en": "语言 / Language"},
    # sidebar filters
    "filters": {"zh": "筛选条件", "en": "Filters"},
    "f_year": {"zh": "活动年度", "en": "Campaign year"},
    # ---- 活动设置 Campaign settings (dashboard/ui/campaign_editor.py, dashboard/campaign_edit.py)
    "plan_tab_phases": {"zh": "阶段与工作事项", "en": "Phases and milestones"},
    "plan_tab_targets": {"zh": "目标值", "en": "Targets"},
    "plan_tab_rules": {"zh": "考核规则", "en": "Evaluation rules"},
    "plan_tab_roster": {"zh": "单位名册", "en": "Unit roster"},
    "plan_source_stored": {
        "zh": "{year}年度活动计划已保存，下方修改后点「保存」即生效，每次修改记入操作日志。",
        "en": "The {year} plan is saved; changes below apply when you click Save, and each is in the audit log.",
    },
    "plan_source_config": {
        "zh": "{year}年度活动计划来自 config.toml；在此保存后以本页为准。",
        "en": "The {year} plan comes from config.toml; once saved here, this page is what counts.",
    },
    "plan_source_inherited": {
        "zh": "{year}年度尚未设置活动计划，目前沿用{from_year}年度计划（日期移到{year}年）。保存或复制后生效。",
        "en": "No plan for {year} yet: {from_year}'s plan applies, its dates moved to {year}. Save or copy to set it.",
    },
    "plan_copy_last": {"zh": "复制{from_year}年度计划到{year}年度", "en": "Copy {from_year}'s plan to {year}"},
    "plan_new_year": {
        "zh": "新建{year}年度（复制{from_year}年度计划）",
        "en": "Start {year} (copy {from_year}'s plan)",
    },
    "plan_copied_msg": {
        "zh": "已建立{year}年度活动计划（第 {revision} 版）：阶段、工作事项、目标值和考核规则与上年相同，日期移到{year}年。",
        "en": "Started the {year} plan (revision {revision}): last year's phases, milestones, targets and rules, dates moved to {year}.",
    },
    "plan_saved_msg": {
        "zh": "已保存{year}年度活动计划（第 {revision} 版）。",
        "en": "Saved the {year} plan (revision {revision}).",
    },
    "plan_bad_config": {"zh": "计划未保存：{key}：{problem}", "en": "Plan not saved: {key}: {problem}"},
    "plan_row": {"zh": "「{table}」第 {row} 行：", "en": "{table}, row {row}: "},
    "plan_phases": {"zh": "阶段", "en": "Phases"},
    "plan_milestones": {"zh": "工作事项", "en": "Milestones"},
    "plan_phase": {"zh": "所属阶段", "en": "Phase"},
    "plan_phase_name": {"zh": "阶段名称", "en": "Phase"},
    "plan_milestone_name": {"zh": "工作事项", "en": "Milestone"},
    "plan_name_en": {"zh": "英文名称", "en": "English name"},
    "plan_start": {"zh": "开始日期", "en": "Starts"},
    "plan_end": {"zh": "结束日期", "en": "Ends"},
    "plan_due": {"zh": "截止日期", "en": "Due"},
    "plan_due_day": {"zh": "月报截止日（次月几号前报送）", "en": "Report due day (of the following month)"},
    "plan_phases_help": {
        "zh": "在表格末行添加阶段或工作事项，选中行后按 Delete 删除；日期须在本年度内。改名的工作事项按新事项统计；单位在阶段进度表中自填的计划完成日期优先于这里的截止日期。",
        "en": "Add a phase or milestone in the table's last row, select rows and press Delete to remove them; dates lie in the year. A renamed milestone counts as a new one; a planned date a unit gave in its 阶段进度 sheet wins over the due date here.",
    },
    "plan_save": {"zh": "保存", "en": "Save"},
    "plan_overrides": {"zh": "部门、单位的目标值", "en": "Targets of departments and units"},
    "plan_overrides_help": {
        "zh": "单位的目标优先于部门的，部门的优先于全部单位的；比率类目标按百分数填写（如 95）。",
        "en": "A unit's target wins over its department's, which wins over the default; rates in percent (e.g. 95).",
    },
    "plan_scope_department": {"zh": "部门", "en": "Department"},
    "plan_scope_unit": {"zh": "单位", "en": "Unit"},
    "plan_scope_name": {"zh": "部门或单位名称", "en": "Department or unit"},
    "plan_override_value": {"zh": "目标值", "en": "Target value"},
    "plan_weights": {"zh": "考核指标权重", "en": "Indicator weights"},
    "plan_amber": {"zh": "黄色预警线（占目标的 %）", "en": "Amber threshold (% of target)"},
    "plan_veto_rate": {"zh": "一票否决：参学率低于（%）", "en": "Veto: participation below (%)"},
    "plan_min_funds": {
        "zh": "一票否决：培训经费占工资总额低于（%）",
        "en": "Veto: training funds below (% of payroll)",
    },
    "plan_award_score": {"zh": "先进集体最低得分", "en": "Commendation: minimum score"},
    "plan_award_share": {"zh": "先进集体名额（占单位数 %）", "en": "Commendation: share of units (%)"},
    "plan_min_hours": {"zh": "知识型职工标兵：每月至少学时", "en": "Top learners: hours a month at least"},
    "plan_awards": {"zh": "知识型职工标兵名额", "en": "Top learners: number commended"},
    "plan_require_cert": {"zh": "知识型职工标兵须在期间内取证", "en": "Top learners need a certificate in the period"},
    "plan_export": {"zh": "下载本年度计划（TOML）", "en": "Download the year's plan (TOML)"},
    "plan_export_file": {"zh": "{year}年度活动计划", "en": "campaign-plan-{year}"},
    "plan_export_help": {
        "zh": "信息部门可用 python -m dashboard campaign import 文件名 导入修改后的计划。",
        "en": "IT staff can import an edited plan with python -m dashboard campaign import FILE.",
    },
    "plan_no_phase": {"zh": "至少需要一个阶段。", "en": "At least one phase is needed."},
    "plan_phase_name_missing": {"zh": "阶段名称为空。", "en": "the phase has no name."},
    "plan_phase_twice": {"zh": "阶段「{value}」重复。", "en": 'phase "{value}" is listed twice.'},
    "plan_phase_start_missing": {"zh": "缺少开始日期。", "en": "no start date."},
    "plan_phase_end_missing": {"zh": "缺少结束日期。", "en": "no end date."},
    "plan_phase_start_outside_year": {
        "zh": "开始日期 {value} 不在{year}年内。",
        "en": "start {value} is not in {year}.",
    },
    "plan_phase_end_outside_year": {"zh": "结束日期 {value} 不在{year}年内。", "en": "end {value} is not in {year}."},
    "plan_phase_ends_before_start": {
        "zh": "阶段「{value}」结束日期早于开始日期。",
        "en": 'phase "{value}" ends before it starts.',
    },
    "plan_milestone_name_missing": {"zh": "工作事项名称为空。", "en": "the milestone has no name."},
    "plan_milestone_twice": {"zh": "工作事项「{value}」重复。", "en": 'milestone "{value}" is listed twice.'},
    "plan_milestone_phase_unknown": {
        "zh": "所属阶段「{value}」不在阶段表中。",
        "en": 'phase "{value}" is not in the phases table.',
    },
    "plan_milestone_due_missing": {"zh": "缺少截止日期。", "en": "no due date."},
    "plan_milestone_due_outside_year": {
        "zh": "截止日期 {value} 不在{year}年内。",
        "en": "due {value} is not in {year}.",
    },
    "plan_override_scope_missing": {
        "zh": "请选择适用范围（部门或单位）。",
        "en": "choose the scope (department or unit).",
    },
    "plan_override_name_missing": {"zh": "请填写部门或单位名称。", "en": "name the department or unit."},
    "plan_override_target_missing": {"zh": "请选择目标。", "en": "choose the target."},
    "plan_override_value_bad": {
        "zh": "目标值「{value}」须为不小于 0 的数。",
        "en": 'target value "{value}" must be a number of at least 0.',
    },
    "plan_due_day_bad": {"zh": "月报截止日须在 1 至 28 之间。", "en": "The report due day lies between 1 and 28."},
    "plan_weights_zero": {"zh": "至少一项指标的权重须大于 0。", "en": "At least one weight must be above 0."},
    "audit_campaign_plan": {"zh": "活动计划", "en": "campaign plan"},
    "audit_s_campaign_plan": {
        "zh": "{year}年度活动计划{how}（第 {revision} 版）",
        "en": "{year} campaign plan {how} (revision {revision})",
    },
    "audit_how_edit": {"zh": "修改", "en": "edited"},
    "audit_how_copy": {"zh": "按上年复制", "en": "copied from the year before"},
    "audit_how_import": {"zh": "导入", "en": "imported"},
    "audit_how_config": {"zh": "按 config.toml 存入", "en": "stored from config.toml"},
    "audit_how_demo": {"zh": "随演示数据载入", "en": "loaded with the demo"},
    "year_label": {"zh": "{year}年", "en": "{year}"},
    "f_department": {"zh": "部门", "en": "Department"},
    "f_unit_type": {"zh": "单位类型", "en": "Unit type"},
    "f_pilot": {"zh": "只看试点单位", "en": "Pilot units only"},
    "f_all": {"zh": "全部", "en": "All"},
    "f_period": {"zh": "统计期间", "en": "Period"},
    "f_quick": {"zh": "快捷选择", "en": "Quick pick"},
    "f_from": {"zh": "起始月份", "en": "From"},
    "f_to": {"zh": "截止月份", "en": "To"},
    "q_month": {"zh": "本月", "en": "This month"},
    "q_quarter": {"zh": "本季度", "en": "This quarter"},
    "q_ytd": {"zh": "本年累计", "en": "Year to date"},
    "q_custom": {"zh": "自定义", "en": "Custom"},
    "q_anchor_note": {
        "zh": "“本月”按最近有数据的月份 {month} 计",
        "en": "“This month” is the latest month with data, {month}",
    },
    "period_label": {"zh": "{start}至{end}", "en": "{start} to {end}"},
    "period_one": {"zh": "{start}", "en": "{start}"},
    "share_link": {"zh": "复制浏览器地址栏即可分享当前视图", "en": "Copy the address bar to share this view"},
    "reset_filters": {"zh": "清除筛选", "en": "Clear filters"},
    "scope_all": {"zh": "全部单位", "en": "All units"},
    "scope_line": {"zh": "范围：{scope} · 期间：{period}", "en": "Scope: {scope} · Period: {period}"},
    "pilot_units": {"zh": "试点单位", "en": "pilot units"},
    # store / state
    "data_as_of": {"zh": "数据截至 {when}", "en": "Data as of {when}"},
    "data_as_of_none": {"zh": "尚无数据", "en": "No data yet"},
    "store_unavailable": {
        "zh": "无法连接数据库（{url}）：{detail}。请检查配置文件 config.toml 中的 [database] url 或环境变量 DASHBOARD_DB_URL。",
        "en": "Cannot reach the database ({url}): {detail}. Check [database] url in config.toml or DASHBOARD_DB_URL.",
    },
    "store_lost": {
        "zh": "与数据库的连接中断（{url}）：{detail}。已导入的数据不会因此丢失；数据库恢复后本页会自动刷新，也可点「重试」。",
        "en": "Lost the connection to the database ({url}): {detail}. No imported data is lost by this; the page "
        "reloads by itself when the database is back, or press Retry.",
    },
    "retry": {"zh": "重试", "en": "Retry"},
    "store_too_new": {
        "zh": "数据库由更新版本的看板升级过（版本 {revision}），请升级本程序后再打开。",
        "en": "The database was upgraded by a newer version (revision {revision}); upgrade this program first.",
    },
    "bad_config": {"zh": "配置文件有误：{key}：{problem}", "en": "Configuration error: {key}: {problem}"},
    "empty_title": {"zh": "还没有数据", "en": "No data yet"},
    "empty_body": {
        "zh": "请在「数据管理」页上传各单位的月报、学习台账、证书或阶段进度表（.xlsx / .xls / .csv），或先加载演示数据看看效果。",
        "en": "Upload the units' monthly reports, ledgers, certificates or milestones (.xlsx / .xls / .csv) on "
        "the Data page, or load the demo organisation to look around.",
    },
    "go_upload": {"zh": "去上传数据", "en": "Upload data"},
    "load_demo": {"zh": "加载演示数据", "en": "Load the demo data"},
    "demo_loading": {"zh": "正在加载演示数据…", "en": "Loading the demo data…"},
    "demo_done": {"zh": "演示数据已加载。", "en": "Demo data loaded."},
    "demo_unavailable": {"zh": "演示数据模块不可用：{detail}", "en": "The demo module is not available: {detail}"},
    "no_data": {"zh": "所选范围内没有数据", "en": "No data in the selection"},
    "no_units": {"zh": "筛选后没有单位，请放宽筛选条件。", "en": "No unit matches the filters; widen them."},
    # KPI tiles
    "kpi_participation_rate": {"zh": "参学率", "en": "Participation rate"},
    "kpi_launch_rate": {"zh": "开展率", "en": "Launch rate"},
    "kpi_phase_progress": {"zh": "阶段进度", "en": "Phase progress"},
    "kpi_training_hours": {"zh": "培训学时", "en": "Training hours"},
    "kpi_hours_per_capita": {"zh": "人均学时", "en": "Hours per capita"},
    "kpi_certificates": {"zh": "取证数", "en": "Certificates"},
    "kpi_target": {"zh": "目标 {value}", "en": "Target {value}"},
    "kpi_no_target": {"zh": "未设目标", "en": "No target"},
    "kpi_no_previous": {"zh": "上期无数据", "en": "no data last period"},
    "kpi_no_last_year": {"zh": "去年同期无数据", "en": "no data same period last year"},
    "kpi_mom": {"zh": "环比", "en": "vs last period"},
    "kpi_yoy": {"zh": "同比", "en": "vs last year"},
    "kpi_help": {
        "zh": "环比：与上一个等长期间（{period}）相比；同比：与去年同期（{last_year}）相比；"
        "颜色：达标 / 接近目标（≥目标的{amber}） / 未达标",
        "en": "vs last period: the previous period of the same length ({period}); vs last year: the same "
        "months a year earlier ({last_year}); status: met / near (≥{amber} of target) / below",
    },
    "lower_bound_note": {
        "zh": "部分单位多月只有月报没有台账，参学人数为下限值（取各月最大值）。",
        "en": "Some units sent only summaries for several months: participants is a lower bound (largest month).",
    },
    "units_count": {"zh": "{n} 个单位，职工 {headcount} 人", "en": "{n} units, {headcount} staff"},
    "current_phase": {"zh": "当前阶段：{phase}", "en": "Current phase: {phase}"},
    "no_current_phase": {"zh": "今天不在活动年度内", "en": "Today is outside the campaign year"},
    # statuses
    "status_green": {"zh": "达标", "en": "On target"},
    "status_amber": {"zh": "接近目标", "en": "Near target"},
    "status_red": {"zh": "未达标", "en": "Below target"},
    "status_neutral": {"zh": "无目标", "en": "No target"},
    "status_none": {"zh": "无数据", "en": "No data"},
    "ms_done": {"zh": "已完成", "en": "Done"},
    "ms_overdue": {"zh": "逾期未完成", "en": "Overdue"},
    "ms_pending": {"zh": "未到期", "en": "Not yet due"},
    "ms_not_due": {"zh": "未到期", "en": "Not yet due"},
    "sub_reported": {"zh": "已报送", "en": "Reported"},
    "sub_missing": {"zh": "未报送", "en": "Missing"},
    "sub_on_time": {"zh": "报送及时", "en": "On time"},
    "sub_late": {"zh": "迟报", "en": "Late"},
    "sub_not_due": {"zh": "未到期", "en": "Not yet due"},
    "source_ledger": {"zh": "学习台账", "en": "Ledger"},
    "source_summary": {"zh": "月报", "en": "Summary"},
    "source_both": {"zh": "台账＋月报", "en": "Ledger + summary"},
    "source_none": {"zh": "—", "en": "—"},
    "phase_past": {"zh": "已结束", "en": "Finished"},
    "phase_current": {"zh": "进行中", "en": "Under way"},
    "phase_future": {"zh": "未开始", "en": "Not started"},
    "yes": {"zh": "是", "en": "Yes"},
    "no": {"zh": "否", "en": "No"},
    # field / column labels
    "unit": {"zh": "单位", "en": "Unit"},
    "department": {"zh": "部门", "en": "Department"},
    "unit_type": {"zh": "类型", "en": "Type"},
    "is_pilot": {"zh": "试点", "en": "Pilot"},
    "headcount": {"zh": "职工人数", "en": "Headcount"},
    "participants": {"zh": "参学人数", "en": "Participants"},
    "participation_rate": {"zh": "参学率", "en": "Participation rate"},
    "training_hours": {"zh": "培训学时", "en": "Training hours"},
    "training_hours_axis": {"zh": "培训学时（小时）", "en": "Training hours"},
    "hours_per_capita": {"zh": "人均学时", "en": "Hours per capita"},
    "certificates": {"zh": "取证数", "en": "Certificates"},
    "suggestions": {"zh": "合理化建议", "en": "Suggestions"},
    "sessions": {"zh": "培训场次", "en": "Sessions"},
    "person_times": {"zh": "培训人次", "en": "Person-times"},
    "points": {"zh": "学习积分", "en": "Learning points"},
    "milestones_done": {"zh": "完成事项", "en": "Milestones done"},
    "milestones_total": {"zh": "事项总数", "en": "Milestones"},
    "phase_progress": {"zh": "阶段进度", "en": "Phase progress"},
    "behind": {"zh": "进度滞后", "en": "Behind"},
    "launched": {"zh": "已开展", "en": "Launched"},
    "months_reported": {"zh": "报送月数", "en": "Months reported"},
    "participants_is_lower_bound": {"zh": "参学人数为下限", "en": "Participants lower bound"},
    "month": {"zh": "月份", "en": "Month"},
    "units_reported": {"zh": "报送单位数", "en": "Units reported"},
    "rank": {"zh": "名次", "en": "Rank"},
    "employee_id": {"zh": "工号", "en": "Employee ID"},
    "name": {"zh": "姓名", "en": "Name"},
    "hours": {"zh": "培训学时", "en": "Training hours"},
    "months": {"zh": "参学月数", "en": "Months"},
    "phase": {"zh": "阶段", "en": "Phase"},
    "milestone": {"zh": "工作事项", "en": "Milestone"},
    "due": {"zh": "截止日期", "en": "Due"},
    "done_date": {"zh": "完成日期", "en": "Date done"},
    "status": {"zh": "状态", "en": "Status"},
    "source": {"zh": "数据来源", "en": "Source"},
    "last_updated": {"zh": "最近更新", "en": "Last updated"},
    "target": {"zh": "目标", "en": "Target"},
    "target_line": {"zh": "目标 {value}", "en": "Target {value}"},
    "dates": {"zh": "起止日期", "en": "Dates"},
    "units_done": {"zh": "完成单位", "en": "Units done"},
    "share_done": {"zh": "完成比例", "en": "Share done"},
    "cert_level": {"zh": "证书等级", "en": "Certificate level"},
    "ledger_participants": {"zh": "台账参学人数", "en": "Ledger participants"},
    "summary_participants": {"zh": "月报参学人数", "en": "Summary participants"},
    "ledger_hours": {"zh": "台账学时", "en": "Ledger hours"},
    "summary_hours": {"zh": "月报学时", "en": "Summary hours"},
    "participants_diff": {"zh": "参学人数差异", "en": "Participants diff."},
    "hours_diff": {"zh": "学时差异", "en": "Hours diff."},
    "counted_participants": {"zh": "统计参学人数", "en": "Participants counted"},
    "excess": {"zh": "超出人数", "en": "Excess"},
    "overdue_count": {"zh": "逾期事项", "en": "Overdue"},
    "missing_count": {"zh": "未报送月数", "en": "Months missing"},
    "late_count": {"zh": "迟报月数", "en": "Months late"},
    "first_received": {"zh": "首次报送日期", "en": "First received"},
    "report_due": {"zh": "报送截止日期", "en": "Due"},
    "chase_state": {"zh": "催报原因", "en": "Why"},
    # chart titles
    "chart_participation_title": {"zh": "各单位参学率", "en": "Participation rate by unit"},
    "chart_participation_month_title": {"zh": "各月参学率", "en": "Participation rate by month"},
    "chart_hours_title": {"zh": "各月培训学时", "en": "Training hours by month"},
    "chart_cert_title": {"zh": "取证数（按等级）", "en": "Certificates by level"},
    "chart_top_title": {"zh": "知识型职工标兵（学习积分）", "en": "Top learners (learning points)"},
    "chart_phase_title": {"zh": "活动阶段与工作节点", "en": "Campaign phases and milestones"},
    "today": {"zh": "今天", "en": "Today"},
    "end_of_period": {"zh": "统计截止", "en": "End of period"},
    "click_to_drill": {
        "zh": "点击图中单位或表格中的一行，查看该单位详情。",
        "en": "Click a unit in a chart or a row in a table to open that unit.",
    },
    # page: overview
    "overview_behind": {"zh": "落后单位", "en": "Lagging units"},
    "overview_behind_help": {
        "zh": "参学率低于目标，或有到期工作事项未完成的单位。",
        "en": "Units below their participation target or with a milestone overdue.",
    },
    "overview_behind_none": {
        "zh": "本期没有落后单位：参学率均达标，到期工作事项均已完成。",
        "en": "No lagging unit: every unit meets its participation target and its milestones due.",
    },
    "overview_top": {"zh": "知识型职工标兵", "en": "Top learners"},
    "overview_laggards": {
        "zh": "参学率未达标单位：{units}",
        "en": "Units below the participation target: {units}",
    },
    "overdue_milestones": {"zh": "逾期工作事项", "en": "Overdue milestones"},
    "rate_status": {"zh": "参学率状态", "en": "Participation status"},
    "briefing_download": {"zh": "下载会议简报（Excel）", "en": "Download the meeting briefing (Excel)"},
    "briefing_file": {"zh": "创争活动会议简报_{period}", "en": "campaign_briefing_{period}"},
    "briefing_help": {
        "zh": "关键指标、单位排名、落后单位、学习标兵和报送情况，按当前筛选条件生成。",
        "en": "KPIs, ranking, laggards, top learners and submissions for the current filters.",
    },
    # page: units
    "units_caption": {
        "zh": "点击列标题排序；点击一行查看单位详情。",
        "en": "Click a column header to sort; click a row to open the unit.",
    },
    "download_xlsx": {"zh": "下载 Excel", "en": "Download Excel"},
    # page: unit
    "unit_pick": {"zh": "选择单位", "en": "Choose a unit"},
    "unit_none": {"zh": "请选择一个单位。", "en": "Choose a unit."},
    "unit_unknown": {"zh": "没有名为「{unit}」的单位。", "en": "There is no unit named “{unit}”."},
    "unit_outside_filter": {
        "zh": "「{unit}」不在当前筛选范围（{scope}）内；请选择范围内的单位，或在左侧清除筛选。",
        "en": "“{unit}” is outside the current filter ({scope}); choose a unit within it, or clear the filter on the left.",
    },
    "unit_info": {
        "zh": "部门：{department} · 类型：{unit_type} · 职工 {headcount} 人{pilot}",
        "en": "Department: {department} · Type: {unit_type} · {headcount} staff{pilot}",
    },
    "unit_pilot_tag": {"zh": " · 试点单位", "en": " · pilot unit"},
    "unit_trend": {"zh": "月度趋势", "en": "Monthly trend"},
    "unit_milestones": {"zh": "工作节点", "en": "Milestones"},
    "unit_learners": {"zh": "学习情况（按积分排名）", "en": "Learners (by points)"},
    "unit_certs": {"zh": "取证情况", "en": "Certificates"},
    "unit_quality": {"zh": "数据质量", "en": "Data quality"},
    "unit_quality_none": {
        "zh": "台账与月报一致（差异均在 {tolerance} 以内）。",
        "en": "Ledger and summary agree (every difference within {tolerance}).",
    },
    "unit_quality_note": {
        "zh": "以下月份台账与月报差异超过 {tolerance}，统计时以台账为准。",
        "en": "These months differ by more than {tolerance} between ledger and summary; the ledger is used.",
    },
    "unit_quality_months": {"zh": "查看这 {n} 个月的台账与月报", "en": "The {n} months, ledger against summary"},
    "over_head_unit": {
        "zh": "本期统计到 {counted} 名参学职工，多于职工人数 {headcount} 人（期间离职人员或花名册未更新）；参学人数按 {headcount} 人计，参学率不超过 100%。",
        "en": "{counted} participants were counted this period, more than the {headcount} staff (people who left, or a roster not updated); participants count as {headcount}, so the rate stays at most 100%.",
    },
    "over_head_title": {"zh": "参学人数超过职工人数的单位", "en": "Units with more participants than staff"},
    "over_head_note": {
        "zh": "以下单位统计到的参学人数多于职工人数，参学人数按职工人数计（参学率不超过 100%）；请核对花名册。",
        "en": "These units counted more participants than staff; participants count as the headcount (no rate above 100%). Please check the roster.",
    },
    "unit_back": {"zh": "← 返回总览", "en": "← Back to the overview"},
    # page: learners
    "learners_search": {"zh": "按工号或姓名搜索", "en": "Search by employee ID or name"},
    "learners_search_ph": {"zh": "例如 SJ00012 或 王伟", "en": "e.g. SJ00012 or 王伟"},
    "learners_found": {"zh": "找到 {n} 人", "en": "{n} found"},
    "learners_all": {"zh": "排行榜前 {n} 名（其他人请用上方搜索）", "en": "Top {n} (search above for anyone else)"},
    "learners_rule": {
        "zh": "按学习积分从高到低排名，积分相同按培训学时，再按工号。",
        "en": "Ranked by learning points, then training hours, then employee ID.",
    },
    # page: phases
    "phases_caption": {
        "zh": "截至 {end}：逾期事项多的单位排在前面。✓ 已完成 ✗ 逾期未完成 ○ 未到期",
        "en": "At {end}: units with the most overdue milestones first. ✓ done ✗ overdue ○ not yet due",
    },
    "phases_table": {"zh": "节点明细", "en": "Milestone details"},
    # page: submissions
    "subs_caption": {
        "zh": "✓ 报送及时　! 迟报（次月{day}日后才首次报送）　✗ 未报送　○ 未到期（截止日期未到）",
        "en": "✓ on time  ! late (first received after day {day} of the next month)  ✗ missing  ○ not yet due",
    },
    "subs_late_now": {
        "zh": "{month}迟报的单位（{n} 个）：{units}",
        "en": "Units that reported {month} late ({n}): {units}",
    },
    "subs_none_due": {
        "zh": "所选期间还没有到报送截止日期的月份（每月报表截止于次月{day}日）。",
        "en": "No month of the period is due yet (a month's report is due on day {day} of the next month).",
    },
    "subs_chase": {"zh": "本月待催报单位（{month}）", "en": "Units to chase ({month})"},
    "subs_chase_file": {"zh": "待催报单位", "en": "Units to chase"},
    "subs_chase_more": {
        "zh": "共 {n} 个单位待催报，此处列出前 {shown} 个；「各单位最近更新」中它们排在最前，下载含全部名单。",
        "en": "{n} units to chase, the first {shown} listed here; “Last update per unit” lists them first, "
        "and the download holds them all.",
    },
    "subs_chase_none": {
        "zh": "{month}没有需要催报的单位。",
        "en": "No unit to chase for {month}.",
    },
    "subs_missing_now": {
        "zh": "{month}未报送的单位（{n} 个）：{units}",
        "en": "Units missing for {month} ({n}): {units}",
    },
    "subs_all_in": {"zh": "{month}所有单位均已报送。", "en": "Every unit has reported for {month}."},
    "subs_last_update": {"zh": "各单位最近更新", "en": "Last update per unit"},
    # page: data
    "data_upload": {"zh": "上传报表", "en": "Upload reports"},
    "data_upload_help": {
        "zh": "可一次选择多个文件（.xlsx、.xlsm、.xlsb、.xls、.ods、.csv），单个文件不超过 {mb} MB。先预览，确认无误后再导入。",
        "en": "Choose one or more files (.xlsx, .xlsm, .xlsb, .xls, .ods, .csv), at most {mb} MB each. Preview first, "
        "then import.",
    },
    "data_period": {
        "zh": "报表月份（表中和文件名里都没有月份时使用）",
        "en": "Report month (when neither the table nor the file name has one)",
    },
    "data_period_none": {"zh": "（自动识别）", "en": "(detect)"},
    "data_preview": {"zh": "导入预览", "en": "Preview"},
    "data_file_ok": {"zh": "{file}：可以导入", "en": "{file}: ready to import"},
    "data_file_bad": {"zh": "{file}：有 {n} 个错误，不能导入", "en": "{file}: {n} error(s), cannot be imported"},
    "data_sheet_line": {
        "zh": "工作表「{sheet}」· {kind} · 月份 {period} · {rows} 行",
        "en": "Sheet “{sheet}” · {kind} · period {period} · {rows} rows",
    },
    "data_added": {"zh": "新增", "en": "Added"},
    "data_replaced": {"zh": "更新", "en": "Replaced"},
    "data_unchanged": {"zh": "未变", "en": "Unchanged"},
    "data_kind": {"zh": "表类型", "en": "Kind"},
    "data_rows": {"zh": "行数", "en": "Rows"},
    "data_errors": {"zh": "错误", "en": "Errors"},
    "data_warnings": {"zh": "提示", "en": "Warnings"},
    "data_col_file": {"zh": "文件", "en": "File"},
    "data_col_sheet": {"zh": "工作表", "en": "Sheet"},
    "data_col_row": {"zh": "行号", "en": "Row"},
    "data_col_column": {"zh": "列", "en": "Column"},
    "data_col_value": {"zh": "值", "en": "Value"},
    "data_col_reason": {"zh": "原因", "en": "Reason"},
    "data_col_message": {"zh": "说明", "en": "Message"},
    "data_confirm": {"zh": "确认导入", "en": "Confirm import"},
    "data_blocked": {
        "zh": "有错误的文件不能导入；整批导入要么全部成功，要么不写入任何数据。请修改后重新上传。",
        "en": "Files with errors cannot be imported; an import is all or nothing. Fix them and upload again.",
    },
    "data_imported": {
        "zh": "导入完成：{file} → 批次 #{batch}，新增 {added}，更新 {replaced}，未变 {unchanged}",
        "en": "Imported {file} → batch #{batch}: {added} added, {replaced} replaced, {unchanged} unchanged",
    },
    "data_nothing_new": {
        "zh": "{file}：与已存数据相同，未作改动。",
        "en": "{file}: same as the stored data, nothing changed.",
    },
    "data_rejected": {
        "zh": "导入被拒绝：共 {n} 个错误，未写入任何数据。",
        "en": "Import rejected: {n} error(s); nothing was written.",
    },
    "data_history": {"zh": "导入记录", "en": "Import history"},
    "data_history_none": {"zh": "还没有导入记录。", "en": "No imports yet."},
    "data_batch": {"zh": "批次", "en": "Batch"},
    "data_when": {"zh": "时间", "en": "When"},
    "data_who": {"zh": "操作人", "en": "By"},
    "data_files": {"zh": "文件", "en": "File"},
    "data_counts": {"zh": "行数", "en": "Rows"},
    "data_state": {"zh": "状态", "en": "State"},
    "data_state_active": {"zh": "有效", "en": "Active"},
    "data_state_undone": {"zh": "已撤销 {when}", "en": "Undone {when}"},
    "data_undo": {"zh": "撤销批次 #{batch}", "en": "Undo batch #{batch}"},
    "data_undo_pick": {"zh": "选择要撤销的批次", "en": "Batch to undo"},
    "data_undo_confirm": {
        "zh": "撤销后，该批次新增的数据将被删除，被它更新的数据恢复为导入前的值。",
        "en": "Undoing removes the rows this batch added and restores the rows it replaced.",
    },
    "data_undo_yes": {"zh": "确认撤销批次 #{batch}", "en": "Yes, undo batch #{batch}"},
    "data_undone": {"zh": "批次 #{batch} 已撤销。", "en": "Batch #{batch} undone."},
    "undo_unknown": {"zh": "没有批次 #{batch}。", "en": "There is no batch #{batch}."},
    "undo_already_undone": {"zh": "批次 #{batch} 已经撤销过。", "en": "Batch #{batch} is already undone."},
    "undo_later_batch": {
        "zh": "批次 #{batch} 的数据已被后来的批次 #{later} 修改，请先撤销批次 #{later}。",
        "en": "Batch #{later} changed rows of batch #{batch} since; undo batch #{later} first.",
    },
    "data_template_file": {"zh": "创争活动填报模板", "en": "campaign_upload_template"},
    "data_units_added": {
        "zh": "以下单位不在名册中，将自动添加：{units}",
        "en": "These units are not in the roster and will be added: {units}",
    },
    "data_diff": {"zh": "查看将被更新的数据（{n} 处改动）", "en": "Show what would change ({n} values)"},
    "data_key": {"zh": "记录", "en": "Row"},
    "data_before": {"zh": "现有值", "en": "Stored"},
    "data_after": {"zh": "新值", "en": "New"},
    "data_counts_line": {
        "zh": "{kind} {rows} 行（新增 {added}，更新 {replaced}）",
        "en": "{kind} {rows} rows ({added} added, {replaced} replaced)",
    },
    "data_history_more": {"zh": "更早的 {n} 个批次", "en": "{n} older batches"},
    "data_template": {"zh": "下载填报模板", "en": "Download the template"},
    "data_template_none": {"zh": "填报模板暂不可用。", "en": "The template is not available yet."},
    "data_roster": {"zh": "单位名册", "en": "Unit roster"},
    "data_targets": {"zh": "目标值（在「活动设置」中修改）", "en": "Targets (edit under Campaign settings)"},
    "data_demo": {"zh": "演示数据", "en": "Demo data"},
    "t_participation_rate": {"zh": "参学率", "en": "Participation rate"},
    "t_launch_rate": {"zh": "开展率", "en": "Launch rate"},
    "t_hours_per_capita_month": {"zh": "人均学时（每月）", "en": "Hours per capita per month"},
    "t_certificates_per_100": {"zh": "每百名职工取证数", "en": "Certificates per 100 staff"},
    "t_phase_progress": {"zh": "阶段进度", "en": "Phase progress"},
    "t_amber_ratio": {"zh": "黄色预警线（占目标比例）", "en": "Amber threshold (share of target)"},
    "t_scope": {"zh": "适用范围", "en": "Scope"},
    "t_default": {"zh": "全部单位", "en": "All units"},
    "t_value": {"zh": "目标值", "en": "Target value"},  # not "Target": that is the KPI column's name
    # ---- access: sign-in, roles, audit log
    "role_viewer": {"zh": "查看", "en": "Viewer"},
    "role_reporter": {"zh": "填报", "en": "Reporter"},
    "role_admin": {"zh": "管理", "en": "Administrator"},
    "login_title": {"zh": "登录", "en": "Sign in"},
    "login_body": {
        "zh": "请使用管理员分配的账号登录。",
        "en": "Sign in with the account your administrator gave you.",
    },
    "login_name": {"zh": "用户名", "en": "User name"},
    "login_password": {"zh": "密码", "en": "Password"},
    "login_submit": {"zh": "登录", "en": "Sign in"},
    "login_failed": {"zh": "用户名或密码错误。", "en": "Wrong user name or password."},
    "login_sso": {"zh": "使用单位账号登录", "en": "Sign in with the organisation's account"},
    "login_sso_unknown": {
        "zh": "账号 {email} 尚未开通，请联系管理员。",
        "en": "The account {email} has no access yet; ask an administrator.",
    },
    "login_no_accounts": {
        "zh": "已配置单位账号登录，但还没有任何账号。请先在服务器上添加管理员："
        "python -m dashboard user add 用户名 --role admin --email 邮箱 --no-password",
        "en": "Sign-in with the organisation's account is set up but there is no account yet. First add the "
        "administrator on the server: python -m dashboard user add NAME --role admin --email E --no-password",
    },
    "signed_in_as": {"zh": "已登录：{name}（{role}）", "en": "Signed in: {name} ({role})"},
    "anonymous_as": {"zh": "未登录（只读）", "en": "Not signed in (read only)"},
    "logout": {"zh": "退出登录", "en": "Sign out"},
    "access_denied": {
        "zh": "您的角色（{role}）无权使用“{page}”页面。",
        "en": "Your role ({role}) may not use the page “{page}”.",
    },
    "data_scope": {
        "zh": "您可以为以下单位填报：{units}。其他单位的数据行将被拒绝。",
        "en": "You report for: {units}. Rows of other units are refused.",
    },
    "data_users": {"zh": "用户", "en": "Users"},
    "data_users_help": {
        "zh": "用户在服务器上管理：python -m dashboard user add|passwd|remove|list",
        "en": "Users are managed on the server: python -m dashboard user add|passwd|remove|list",
    },
    "data_audit": {"zh": "操作日志", "en": "Audit log"},
    "audit_at": {"zh": "时间", "en": "When"},
    "audit_user": {"zh": "用户", "en": "User"},
    "audit_action": {"zh": "操作", "en": "Action"},
    "audit_detail": {"zh": "详情", "en": "Detail"},
    "audit_import": {"zh": "导入", "en": "import"},
    "audit_import_rejected": {"zh": "导入被拒", "en": "import rejected"},
    "audit_sync": {"zh": "同步", "en": "sync"},
    "audit_sync_rejected": {"zh": "同步被拒", "en": "sync rejected"},
    "audit_undo": {"zh": "撤销", "en": "undo"},
    "audit_undo_refused": {"zh": "撤销被拒", "en": "undo refused"},
    "audit_login": {"zh": "登录", "en": "sign-in"},
    "audit_login_failed": {"zh": "登录失败", "en": "sign-in failed"},
    "audit_logout": {"zh": "退出登录", "en": "sign-out"},
    "audit_user_add": {"zh": "添加用户", "en": "user added"},
    "audit_user_passwd": {"zh": "更改密码", "en": "password changed"},
    "audit_user_remove": {"zh": "删除用户", "en": "user removed"},
    "user_name": {"zh": "用户名", "en": "Name"},
    "user_role": {"zh": "角色", "en": "Role"},
    "user_units": {"zh": "可填报单位", "en": "Units"},
    "user_email": {"zh": "邮箱", "en": "Email"},
    "undo_not_yours": {
        "zh": "批次 #{batch} 不是您导入的，只有管理员可以撤销。",
        "en": "Batch #{batch} is not yours; only an administrator may undo it.",
    },
}

LEVEL_LABELS_EN: dict[str, str] = {
    "初级": "Junior (5)",
    "中级": "Intermediate (4)",
    "高级": "Senior (3)",
    "技师": "Technician (2)",
    "高级技师": "Senior technician (1)",
    "其他": "Other",
    "未分级": "Ungraded",
}


def ui_text(key: str, lang: str = "zh", **params: object) -> str:
    """A web-app string in the chosen language, filled with ``params`` (the key itself if unknown,
    so a missing string shows up on screen instead of crashing a meeting)."""
    entry = UI_TEXT.get(key)
    if entry is None:
        return key
    template = entry.get(lang if lang in LANGS else "zh", entry["zh"])
    return template.format(**params) if params else template


def level_label(level: str, lang: str = "zh") -> str:
    """A certificate level as shown on a chart axis."""
    return level if lang == "zh" else LEVEL_LABELS_EN.get(level, level)


def campaign_names(phases: Iterable[Any], lang: str = "zh") -> dict[str, str]:
    """The English names (config.toml ``name_en``) of the campaign's phases and milestones by their
    Chinese names; empty in Chinese. Names a unit added itself (a 阶段进度 row) have none and stay
    as written."""
    if lang == "zh":
        return {}
    names: dict[str, str] = {}
    for phase in phases:
        names[phase.name] = phase.name_en
        for milestone in phase.milestones:
            names[milestone.name] = milestone.name_en
    return names


def status_label(status: str, lang: str = "zh") -> str:
    """green/amber/red/neutral/none → 达标/接近目标/未达标/无目标/无数据."""
    return ui_text(f"status_{status}", lang)


# ---- access: accounts, sign-in lockout, sessions, OIDC, the first administrator ------------
# (data_sources/access/; one block so that other changes to the tables above do not meet it)

ACCESS_CLI_TEXT: dict[str, dict[str, str]] = {
    "user_short_password": {
        "zh": "密码至少需要 {min} 个字符。",
        "en": "The password must have at least {min} characters.",
    },
    "user_unknown_units": {
        "zh": "以下单位不在单位名册中：{units}。请按名册中的名称填写 --units。",
        "en": "Not in the unit roster: {units}. Give --units as the roster names them.",
    },
    "user_not_first": {
        "zh": "已经有账号了，不能再创建首位管理员；请登录。",
        "en": "Accounts exist already, so the first administrator cannot be created; please sign in.",
    },
    "user_unlocked": {"zh": "已解除用户名 {name} 的登录锁定。", "en": "The sign-in lock of {name} is lifted."},
    "user_not_locked": {"zh": "用户名 {name} 没有被锁定。", "en": "{name} is not locked."},
}

ACCESS_UI_TEXT: dict[str, dict[str, str]] = {
    "login_locked": {
        "zh": "登录失败次数过多，该用户名已被锁定，请 {minutes} 分钟后再试，或请管理员解除锁定。",
        "en": "Too many failed sign-ins: this name is locked. Try again in {minutes} min, or ask an administrator.",
    },
    "login_session_ended": {
        "zh": "您的登录已结束（已退出、密码已更改、账号已删除或已超时），请重新登录。",
        "en": "Your sign-in has ended (signed out, password changed, account removed or timed out). Please sign in again.",
    },
    "login_sso_no_email": {
        "zh": "单位账号没有提供邮箱，不能登录。",
        "en": "The organisation's account gave no e-mail address; sign-in refused.",
    },
    "login_sso_unverified": {
        "zh": "邮箱 {email} 未经单位身份认证系统验证，不能登录。",
        "en": "The e-mail {email} is not verified by the organisation's sign-in provider; sign-in refused.",
    },
    "login_sso_domain": {
        "zh": "邮箱 {email} 不属于允许登录的域名。",
        "en": "The e-mail {email} is not of a domain allowed to sign in.",
    },
    "audit_login_locked": {"zh": "登录被锁定", "en": "sign-in locked"},
    "audit_user_unlock": {"zh": "解除登录锁定", "en": "sign-in lock lifted"},
    "audit_unknown_name": {"zh": "（未知用户名）", "en": "(unknown name)"},
    # the audit log in words (dashboard/audit_text.py): one line per event, never raw JSON
    "audit_s_file": {"zh": "{file}（批次 #{batch}）", "en": "{file} (batch #{batch})"},
    "audit_s_import": {
        "zh": "{files}：新增 {added} 行，更新 {replaced} 行，未变 {unchanged} 行",
        "en": "{files}: {added} added, {replaced} replaced, {unchanged} unchanged",
    },
    "audit_s_undo": {"zh": "撤销批次 #{batch}", "en": "undid batch #{batch}"},
    "audit_s_undo_refused": {
        "zh": "撤销批次 #{batch} 被拒：{reason}",
        "en": "undo of batch #{batch} refused: {reason}",
    },
    "audit_r_not_yours": {"zh": "不是本人导入的批次", "en": "someone else imported it"},
    "audit_r_later_batch": {
        "zh": "其数据已被批次 #{later_batch} 再次修改，须先撤销该批次",
        "en": "batch #{later_batch} changed its rows since; undo that first",
    },
    "audit_s_login": {"zh": "{method}登录，角色：{role}", "en": "signed in with {method}, role: {role}"},
    "audit_s_login_failed": {"zh": "{method}登录失败：{reason}", "en": "sign-in with {method} failed: {reason}"},
    "audit_s_login_locked": {
        "zh": "多次登录失败，锁定至 {until}",
        "en": "too many failed sign-ins, locked until {until}",
    },
    "audit_s_logout": {"zh": "退出登录", "en": "signed out"},
    "audit_s_user_add": {"zh": "添加用户 {name}，角色：{role}", "en": "added user {name}, role: {role}"},
    "audit_s_units": {"zh": "，单位：{units}", "en": ", units: {units}"},
    "audit_s_first_admin": {"zh": "（首个管理员）", "en": " (the first administrator)"},
    "audit_s_user_passwd": {"zh": "更改用户 {name} 的密码", "en": "changed the password of {name}"},
    "audit_s_user_remove": {"zh": "删除用户 {name}", "en": "removed user {name}"},
    "audit_s_user_unlock": {"zh": "解除用户 {name} 的登录锁定", "en": "lifted the sign-in lock of {name}"},
    "audit_s_identity": {"zh": "；身份：{email}（{iss}）", "en": "; identity: {email} ({iss})"},
    "audit_m_password": {"zh": "密码", "en": "a password"},
    "audit_m_oidc": {"zh": "统一身份认证", "en": "single sign-on"},
    "audit_r_wrong_password": {"zh": "密码错误", "en": "wrong password"},
    "audit_r_unknown_name": {"zh": "用户名不存在", "en": "no such user"},
    "audit_r_password_changed": {"zh": "密码已更改，原会话失效", "en": "the password was changed"},
    "audit_r_no_email": {"zh": "身份信息中没有邮箱", "en": "no e-mail in the identity"},
    "audit_r_unverified": {"zh": "邮箱未经验证", "en": "e-mail not verified"},
    "audit_r_domain": {"zh": "邮箱域名不在允许范围内", "en": "e-mail domain not allowed"},
    "audit_r_unknown": {"zh": "没有对应的账户", "en": "no matching account"},
    "first_admin_title": {"zh": "创建管理员", "en": "Create the administrator"},
    "first_admin_body": {
        "zh": "管理员可以导入、撤销数据并查看操作日志；其他账号在服务器上用 python -m dashboard user add 添加。",
        "en": "The administrator imports and undoes data and reads the audit log; further accounts are added on the "
        "server with python -m dashboard user add.",
    },
    "first_admin_name": {"zh": "管理员用户名", "en": "Administrator's name"},
    "first_admin_password": {"zh": "密码（至少 {min} 个字符）", "en": "Password (at least {min} characters)"},
    "first_admin_password_again": {"zh": "再次输入密码", "en": "Password again"},
    "first_admin_submit": {"zh": "创建管理员并登录", "en": "Create and sign in"},
    "first_admin_mismatch": {"zh": "两次输入的密码不一致。", "en": "The passwords do not match."},
}

CLI_TEXT.update(ACCESS_CLI_TEXT)
UI_TEXT.update(ACCESS_UI_TEXT)

# ---- access in the app and the CLI: the fresh install, outages, the server (issue 11) ------

SECURITY_CLI_TEXT: dict[str, dict[str, str]] = {
    "store_lost": {
        "zh": "与数据库的连接中断（{url}）：{detail}。导入、同步、撤销都是一个整体，要么全部写入、要么什么也没写；"
        "数据库恢复后请用 batches 查看，再重做一次（重复导入相同的数据不会改变数据）。",
        "en": "Lost the connection to the database ({url}): {detail}. An import, sync or undo is all or nothing: "
        "either all of it was written or none of it; when the database is back, check with batches and do it "
        "again (importing the same rows again changes nothing).",
    },
}

SECURITY_UI_TEXT: dict[str, dict[str, str]] = {
    "first_admin_notice": {
        "zh": "尚未设置管理员：现在任何访问者都只能查看，不能导入、撤销或加载演示数据。请先创建管理员账号，之后导入和撤销都要登录。",
        "en": "No administrator yet: every visitor can only look; nobody can import, undo or load the demo. "
        "Create the administrator first; after that importing and undoing need a sign-in.",
    },
    "store_unavailable_public": {
        "zh": "暂时无法连接数据库，请稍后再试或联系管理员。数据库恢复后本页会自动刷新。",
        "en": "The database cannot be reached at the moment; try again later or tell the administrator. "
        "The page reloads by itself when it is back.",
    },
    "store_lost_public": {
        "zh": "与数据库的连接中断。已导入的数据不会因此丢失；数据库恢复后本页会自动刷新，也可点「重试」。",
        "en": "Lost the connection to the database. No imported data is lost by this; the page reloads by "
        "itself when the database is back, or press Retry.",
    },
    "serve_unguarded": {
        "zh": "本看板不是用 make run（streamlit run serve.py）启动的：上传接口没有登录保护，刷新页面后需要重新登录。",
        "en": "This dashboard was not started with make run (streamlit run serve.py): the upload endpoint is not "
        "guarded by sign-in, and a reload signs you out.",
    },
}

CLI_TEXT.update(SECURITY_CLI_TEXT)
UI_TEXT.update(SECURITY_UI_TEXT)

# At scale (DESIGN §5): above 30 units the views list departments and the ends, lists get pages.
SCALE_UI_TEXT: dict[str, dict[str, str]] = {
    "units_n": {"zh": "单位数", "en": "Units"},
    "units_overdue": {"zh": "逾期单位", "en": "Units overdue"},
    "units_reported": {"zh": "已报送单位", "en": "Units reported"},
    "no_department": {"zh": "（未分部门）", "en": "(no department)"},
    "chart_participation_dept_title": {"zh": "各部门参学率", "en": "Participation rate by department"},
    "click_department": {
        "zh": "点击一个部门：左侧部门筛选即设为该部门，各图表改为列出其下属单位。",
        "en": "Click a department: the department filter on the left is set to it and the charts list its units.",
    },
    "scale_ends": {
        "zh": "单位较多：上图只列出参学率最高与最低各 {n} 个单位（共 {total} 个）；完整名单见单位排名。",
        "en": "Many units: the chart lists the {n} highest and the {n} lowest participation rates ({total} units); "
        "the Unit ranking lists them all.",
    },
    "scale_ends_phases": {
        "zh": "单位较多：上图只列出逾期事项最多与最少各 {n} 个单位（共 {total} 个）；全部单位见「节点明细」。",
        "en": "Many units: the grid lists the {n} units with the most and the {n} with the fewest overdue "
        "milestones ({total} units); “Milestone details” lists them all.",
    },
    "scale_ends_subs": {
        "zh": "单位较多：上图只列出未报送最多与最少各 {n} 个单位（共 {total} 个）；全部单位见「各单位最近更新」。",
        "en": "Many units: the grid lists the {n} units missing the most and the {n} missing the fewest "
        "months ({total} units); “Last update per unit” lists them all.",
    },
    "phases_departments": {"zh": "各部门节点完成情况", "en": "Milestones by department"},
    "phases_departments_caption": {
        "zh": "每格为「已完成单位数/单位数」；有单位逾期即标红。",
        "en": "Each cell reads units done/units; red when any unit is overdue.",
    },
    "phases_units": {"zh": "逾期最多与最少的单位", "en": "Units with the most and the fewest overdue"},
    "subs_departments": {"zh": "各部门报送情况", "en": "Submissions by department"},
    "subs_departments_caption": {
        "zh": "每格为「已报送单位数/单位数」；有单位未报送即标红。",
        "en": "Each cell reads units reported/units; red when any unit is missing.",
    },
    "subs_units": {"zh": "未报送最多与最少的单位", "en": "Units missing the most and the fewest months"},
    "subs_missing_many": {
        "zh": "{month}未报送的单位（{n} 个）：{units} 等，完整名单见「各单位最近更新」。",
        "en": "Units missing for {month} ({n}): {units} and more; “Last update per unit” lists them all.",
    },
    "scale_view": {"zh": "查看", "en": "Show"},
    "veto_score": {"zh": "考核得分", "en": "Score"},
    "veto_reason": {"zh": "否决原因", "en": "Why vetoed"},
    "scale_view_rate_ends": {"zh": "参学率最高与最低的单位", "en": "Highest and lowest units"},
    "scale_search": {"zh": "搜索单位或部门", "en": "Search units or departments"},
    "scale_search_ph": {"zh": "输入名称中的字，例如 机械", "en": "Part of a name, e.g. 机械"},
    "scale_page_size": {"zh": "每页行数", "en": "Rows per page"},
    "scale_page": {"zh": "页码", "en": "Page"},
    "scale_found": {
        "zh": "共 {n} 个（全部 {total} 个）· 第 {page}/{pages} 页",
        "en": "{n} found (of {total}) · page {page} of {pages}",
    },
    "unit_search": {"zh": "搜索单位", "en": "Search units"},
    "unit_search_ph": {"zh": "输入单位名称中的字", "en": "Part of the unit's name"},
    "unit_search_found": {"zh": "找到 {n} 个单位（共 {total} 个）", "en": "{n} units found (of {total})"},
    "unit_search_none": {"zh": "没有名称含「{text}」的单位。", "en": "No unit's name contains “{text}”."},
}
UI_TEXT.update(SCALE_UI_TEXT)


def account_error_text(error: Any, lang: str = "zh") -> str:
    """The message of a ``data_sources.access.AccountError`` (CLI and pages alike): a list
    parameter (the units not in the roster) is joined as the language writes lists."""
    params = {k: _list(v, lang) if isinstance(v, (list, tuple)) else v for k, v in error.params.items()}
    return cli_text(f"user_{error.code}", lang, name=error.name, **params)


# ---- the roster editor (dashboard/ui/roster_editor.py, `python -m dashboard unit …`) -------------

ROSTER_TEXT: dict[str, dict[str, str]] = {
    # refusals (data_sources.store.RosterError: roster_<code>)
    "roster_unknown": {"zh": "名册中没有单位「{name}」。", "en": "There is no unit “{name}” in the roster."},
    "roster_exists": {
        "zh": "单位「{name}」已在名册中；要把两个单位合为一个，请使用“合并”。",
        "en": "Unit “{name}” is already in the roster; to make two units one, merge them.",
    },
    "roster_same": {"zh": "「{name}」是同一个单位。", "en": "“{name}” is the same unit."},
    "roster_empty_name": {"zh": "单位名称不能为空。", "en": "The unit's name must not be empty."},
    "roster_too_long": {
        "zh": "单位名称不能超过 {limit} 个字符。",
        "en": "The unit's name must not be longer than {limit} characters.",
    },
    "roster_bad_headcount": {
        "zh": "职工人数「{name}」应为不小于 0 的整数。",
        "en": "The headcount “{name}” must be a whole number of 0 or more.",
    },
    "roster_bad_month": {
        "zh": "月份「{month}」应写作 YYYY-MM，例如 2024-07。",
        "en": "The month “{month}” must read YYYY-MM, e.g. 2024-07.",
    },
    "roster_nothing": {"zh": "单位「{name}」没有要修改的内容。", "en": "Nothing to change for unit “{name}”."},
    # what was done (command line and page)
    "roster_added": {"zh": "已添加单位「{name}」。", "en": "Unit “{name}” added."},
    "roster_set_done": {"zh": "已修改单位「{name}」：{changes}。", "en": "Unit “{name}” changed: {changes}."},
    "roster_change": {"zh": "{field} {before} → {after}", "en": "{field} {before} → {after}"},
    "roster_renamed": {
        "zh": "已将单位「{old}」改名为「{new}」，其历史数据随之改名。",
        "en": "Unit “{old}” renamed to “{new}”; its history follows the new name.",
    },
    "roster_merged": {
        "zh": "已将单位「{source}」并入「{into}」：{rows} 行数据归入「{into}」，{months} 个月两者都有月报，已相加。",
        "en": "Unit “{source}” merged into “{into}”: {rows} rows now belong to “{into}”; "
        "{months} months both reported were summed.",
    },
    "roster_retired": {
        "zh": "单位「{name}」自 {month} 起停止报送，此前的数据保留。",
        "en": "Unit “{name}” no longer reports from {month}; its data before then stays.",
    },
    "roster_reinstated": {"zh": "单位「{name}」恢复报送。", "en": "Unit “{name}” reports again."},
    "roster_none_value": {"zh": "（空）", "en": "(empty)"},
    # the page section
    "roster_title": {"zh": "单位名册", "en": "Roster"},
    "roster_caption": {
        "zh": "添加、修改、改名、合并或撤销单位；每项操作都记入操作日志。",
        "en": "Add, change, rename, merge or retire units; every change is recorded in the audit log.",
    },
    "roster_admin_only": {"zh": "只有管理员可以维护单位名册。", "en": "Only administrators can maintain the roster."},
    "roster_empty": {"zh": "名册中还没有单位。", "en": "The roster has no units yet."},
    "roster_retired_from": {"zh": "停止报送月份", "en": "Retired from"},
    "roster_auto_added": {"zh": "随数据自动添加", "en": "Added from data"},
    "roster_tab_add": {"zh": "添加单位", "en": "Add a unit"},
    "roster_tab_edit": {"zh": "修改", "en": "Change"},
    "roster_tab_rename": {"zh": "改名", "en": "Rename"},
    "roster_tab_merge": {"zh": "合并", "en": "Merge"},
    "roster_tab_retire": {"zh": "撤销（停止报送）", "en": "Retire"},
    "roster_name": {"zh": "单位名称", "en": "Unit name"},
    "roster_pick": {"zh": "单位", "en": "Unit"},
    "roster_new_name": {"zh": "新名称", "en": "New name"},
    "roster_merge_source": {"zh": "被合并的单位（将从名册中消失）", "en": "Unit merged away (leaves the roster)"},
    "roster_merge_into": {"zh": "并入单位（保留）", "en": "Into unit (stays)"},
    "roster_merge_note": {
        "zh": "合并后，两个单位同一月份的月报相加，职工人数相加；合并不能撤销，合并前导入的批次也不能再撤销。",
        "en": "After a merge, both units' reports of the same month are summed and so are their headcounts; "
        "a merge cannot be undone, nor can the batches imported before it.",
    },
    "roster_merge_confirm": {"zh": "我已了解，确认合并", "en": "I understand; merge"},
    "roster_merge_unconfirmed": {"zh": "请先勾选确认合并。", "en": "Please tick the box to confirm the merge."},
    "roster_month": {"zh": "停止报送的起始月份（YYYY-MM）", "en": "First month it no longer reports (YYYY-MM)"},
    "roster_reinstate": {"zh": "恢复报送", "en": "Reports again"},
    "roster_go_add": {"zh": "添加", "en": "Add"},
    "roster_go_edit": {"zh": "保存修改", "en": "Save changes"},
    "roster_go_rename": {"zh": "改名", "en": "Rename"},
    "roster_go_merge": {"zh": "合并", "en": "Merge"},
    "roster_go_retire": {"zh": "保存", "en": "Save"},
    # the audit log in words (dashboard/audit_text.py)
    "audit_s_unit_add": {
        "zh": "添加单位「{name}」（部门：{department}，类型：{unit_type}，试点单位：{pilot}，职工人数：{headcount}）",
        "en": "added unit “{name}” (department: {department}, unit type: {unit_type}, pilot unit: {pilot}, "
        "headcount: {headcount})",
    },
    "audit_s_unit_set": {"zh": "修改单位「{name}」：{changes}", "en": "changed unit “{name}”: {changes}"},
    "audit_s_unit_rename": {"zh": "单位「{old}」改名为「{new}」", "en": "renamed unit “{old}” to “{new}”"},
    "audit_s_unit_merge": {"zh": "单位「{source}」并入「{into}」", "en": "merged unit “{source}” into “{into}”"},
    "audit_s_unit_merge_months": {"zh": "，月报相加的月份：{months}", "en": ", reports summed for {months}"},
    "audit_s_unit_merge_batches": {
        "zh": "（批次 #{batch} 及以前的批次不能再撤销）",
        "en": " (batch #{batch} and earlier can no longer be undone)",
    },
    "audit_s_unit_retire": {
        "zh": "单位「{name}」自 {month} 起停止报送",
        "en": "unit “{name}” no longer reports from {month}",
    },
    "audit_s_unit_reinstate": {"zh": "单位「{name}」恢复报送", "en": "unit “{name}” reports again"},
    "audit_r_merged": {"zh": "此后合并过单位", "en": "units were merged since"},
    "undo_merged": {
        "zh": "批次 #{batch} 导入后合并过单位，不能再撤销。",
        "en": "Units were merged after batch #{batch}; it can no longer be undone.",
    },
}
CLI_TEXT.update(ROSTER_TEXT)
UI_TEXT.update(ROSTER_TEXT)


def roster_error_text(error: Any, lang: str = "zh") -> str:
    """The message of a ``data_sources.store.RosterError`` (CLI and page alike)."""
    return cli_text(f"roster_{error.code}", lang, name=error.name, **error.params)


def roster_value(value: Any, lang: str = "zh") -> str:
    """A roster value as a sentence writes it: 是/否, a number, （空）."""
    if value is None or value == "":
        return cli_text("roster_none_value", lang)
    if isinstance(value, bool):
        return ui_text("yes" if value else "no", lang)
    return str(value)


def roster_changes_text(changes: dict[str, Any], lang: str = "zh") -> str:
    """{field: [before, after]} of a unit change as "部门 A → B，职工人数 10 → 12"."""
    parts = [
        cli_text(
            "roster_change",
            lang,
            field=FIELD_LABELS.get(f, {}).get(lang, f),
            before=roster_value(v[0], lang),
            after=roster_value(v[1], lang),
        )
        for f, v in changes.items()
        if isinstance(v, (list, tuple)) and len(v) == 2
    ]
    return ("，" if lang == "zh" else ", ").join(parts)


# ---- 考核评比 (evaluation, DESIGN §4b): indicators, vetoes, shortlists, downloads, command line ------

FIELD_LABELS.update(
    {
        "training_funds": {"zh": "培训经费（元）", "en": "Training funds (yuan)"},
        "payroll": {"zh": "工资总额（元）", "en": "Payroll (yuan)"},
    }
)

EVALUATION_TEXT: dict[str, dict[str, str]] = {
    # the indicators of [evaluation] (config.EVALUATION_INDICATORS)
    "ind_participation_rate": {"zh": "参学率", "en": "Participation rate"},
    "ind_hours_per_capita": {"zh": "人均学时", "en": "Hours per capita"},
    "ind_certificates_per_100": {"zh": "每百人取证", "en": "Certificates per 100 staff"},
    "ind_phase_progress": {"zh": "阶段进度", "en": "Phase progress"},
    "ind_submission_rate": {"zh": "报送率", "en": "Submission rate"},
    # why a unit or a person is not on a shortlist
    "why_participation_rate": {
        "zh": "一票否决：参学率 {actual} 低于 {threshold}",
        "en": "vetoed: participation {actual} below {threshold}",
    },
    "why_training_funds": {
        "zh": "一票否决：培训经费占工资总额 {actual}，低于 {threshold}",
        "en": "vetoed: training funds {actual} of payroll, below {threshold}",
    },
    "why_below_min_score": {
        "zh": "得分 {score} 低于 {min_score} 分",
        "en": "score {score} below {min_score}",
    },
    "why_beyond_award_share": {
        "zh": "超出推荐名额（{quota} 个）",
        "en": "beyond the {quota} place(s) to award",
    },
    "why_hours_below_minimum": {
        "zh": "学时 {hours} 少于 {min_hours}",
        "en": "{hours} hours, fewer than {min_hours}",
    },
    "why_no_certificate": {"zh": "期内未取得证书", "en": "no certificate in the period"},
    "funds_not_reported": {"zh": "未报送", "en": "not reported"},
    "candidate_yes": {"zh": "推荐", "en": "nominated"},
    # the rules, written out on the shortlist and the page
    "rule_score": {
        "zh": "考核得分：各指标达成度（实际值 ÷ 目标值，最高为 1；目标为 0 时为 1）乘以权重，折算为百分制，保留一位小数。权重：{weights}。",
        "en": "Score: each indicator's attainment (actual ÷ target, at most 1; 1 when the target is 0) times its weight, scaled to 100, one decimal. Weights: {weights}.",
    },
    "rule_vetoes": {
        "zh": "一票否决：参学率低于 {rate}；或已报送培训经费且占工资总额低于 {ratio}。被否决的单位保留得分，但不能推荐。",
        "en": "Vetoes: participation below {rate}; or training funds reported and below {ratio} of payroll. A vetoed unit keeps its score but cannot be nominated.",
    },
    "rule_units": {
        "zh": "先进集体：在未被否决、得分不低于 {min_score} 分的单位中，按排名（得分、参学率、人均学时、单位名称）取前 {quota} 个（{share} × {n} 个单位，向上取整）。",
        "en": "Advanced collectives: of the units not vetoed and scoring at least {min_score}, the first {quota} in ranking order (score, participation, hours per capita, name) ({share} × {n} units, rounded up).",
    },
    "rule_individuals": {
        "zh": "知识型职工标兵：按学习积分、培训学时、工号排序，期内学时不少于 {min_hours}（每月 {per_month} 学时 × {months} 个月）{certificate}，取前 {k} 名。",
        "en": "Top learners: ranked by points, hours, employee ID; at least {min_hours} hours in the period ({per_month} a month × {months} month(s)){certificate}; the first {k}.",
    },
    "rule_certificate": {"zh": "、期内取得证书", "en": ", a certificate gained in the period"},
    "rule_submission": {
        "zh": "报送率：期内已报送月份 ÷ 应报月份（截至全单位最近报送的月份）。",
        "en": "Submission rate: months reported ÷ months due (up to the latest month any unit reported).",
    },
    # downloads
    "file_shortlist": {"zh": "推荐名单.xlsx", "en": "shortlists.xlsx"},
    "file_zip": {"zh": "推荐材料.zip", "en": "nominations.zip"},
    "file_unit_form": {"zh": "先进集体推荐表_{n:02d}_{name}.docx", "en": "collective_form_{n:02d}_{name}.docx"},
    "file_person_form": {
        "zh": "知识型职工标兵推荐表_{n:02d}_{name}_{employee_id}.docx",
        "en": "top_learner_form_{n:02d}_{name}_{employee_id}.docx",
    },
    "folder_units": {"zh": "先进集体推荐表", "en": "collective forms"},
    "folder_people": {"zh": "知识型职工标兵推荐表", "en": "top learner forms"},
    "sheet_units": {"zh": "先进集体", "en": "Collectives"},
    "sheet_people": {"zh": "知识型职工标兵", "en": "Top learners"},
    "sheet_scores": {"zh": "单位考核得分", "en": "Unit scores"},
    "sheet_rules": {"zh": "评选规则", "en": "Rules"},
    "title_units": {"zh": "{org}创争活动先进集体推荐名单", "en": "{org} — advanced collectives shortlist"},
    "title_people": {"zh": "{org}创争活动知识型职工标兵推荐名单", "en": "{org} — top learners shortlist"},
    "title_scores": {"zh": "{org}创争活动单位考核得分", "en": "{org} — unit scores"},
    "title_rules": {"zh": "评选规则", "en": "Rules"},
    "subtitle": {"zh": "统计期间：{period}；范围：{scope}", "en": "Period: {period}; scope: {scope}"},
    "as_of": {"zh": "数据截至 {as_of}；生成于 {generated}", "en": "Data as of {as_of}; generated {generated}"},
    "rule_label": {"zh": "评选规则", "en": "Rule"},
    "none_selected": {"zh": "（本期无符合条件的推荐对象）", "en": "(nobody qualifies in this period)"},
    "all_units": {"zh": "全部单位", "en": "all units"},
    "col_no": {"zh": "序号", "en": "No."},
    "col_rank": {"zh": "排名", "en": "Rank"},
    "col_board_rank": {"zh": "积分排名", "en": "Leaderboard rank"},
    "col_score": {"zh": "考核得分", "en": "Score"},
    "col_points": {"zh": "{indicator}得分", "en": "{indicator} points"},
    "col_funds_ratio": {"zh": "培训经费占比", "en": "Training funds ÷ payroll"},
    "col_submitted": {"zh": "已报月数", "en": "Months reported"},
    "col_due": {"zh": "应报月数", "en": "Months due"},
    "col_vetoed": {"zh": "一票否决", "en": "Vetoed"},
    "col_candidate": {"zh": "是否推荐", "en": "Nominated"},
    "col_note": {"zh": "说明", "en": "Note"},
    "col_certificates_in_p": {"zh": "期内取证", "en": "Certificates in period"},
    "col_training_hours": {"zh": "培训学时", "en": "Training hours"},
    "col_months": {"zh": "学习月数", "en": "Months with study"},
    "col_item": {"zh": "项目", "en": "Item"},
    "col_value": {"zh": "内容", "en": "Value"},
    "item_period": {"zh": "统计期间", "en": "Period"},
    "item_scope": {"zh": "范围", "en": "Scope"},
    "item_weights": {"zh": "指标权重", "en": "Weights"},
    "item_quota": {"zh": "先进集体名额", "en": "Collective places"},
    "item_min_hours": {"zh": "标兵最低学时", "en": "Least hours for a top learner"},
    # the 推荐表 (.docx)
    "form_unit_title": {
        "zh": "{year}年度创争活动先进集体推荐表",
        "en": "{year} campaign: nomination of an advanced collective",
    },
    "form_person_title": {
        "zh": "{year}年度创争活动知识型职工标兵推荐表",
        "en": "{year} campaign: nomination of a top learner",
    },
    "form_filed_by": {"zh": "填报单位（盖章）：", "en": "Nominating unit (seal): "},
    "form_filed_on": {"zh": "填报日期：　　年　　月　　日", "en": "Date:"},
    "form_unit": {"zh": "单位名称", "en": "Unit"},
    "form_department": {"zh": "所属部门", "en": "Department"},
    "form_unit_type": {"zh": "单位类型", "en": "Unit type"},
    "form_headcount": {"zh": "职工人数", "en": "Headcount"},
    "form_participants": {"zh": "参学人数", "en": "Participants"},
    "form_training_hours": {"zh": "培训学时", "en": "Training hours"},
    "form_certificates": {"zh": "取证人数", "en": "Certificates"},
    "form_funds": {"zh": "培训经费占工资总额", "en": "Training funds ÷ payroll"},
    "form_score": {"zh": "考核得分", "en": "Score"},
    "form_rank": {"zh": "排名", "en": "Rank"},
    "form_rank_value": {"zh": "第 {rank} 名（共 {n} 个单位）", "en": "{rank} of {n} units"},
    "form_board_rank_value": {"zh": "第 {rank} 名", "en": "No. {rank}"},
    "form_period": {"zh": "统计期间", "en": "Period"},
    "form_name": {"zh": "姓名", "en": "Name"},
    "form_employee_id": {"zh": "工号", "en": "Employee ID"},
    "form_gender": {"zh": "性别", "en": "Gender"},
    "form_birth": {"zh": "出生年月", "en": "Date of birth"},
    "form_politics": {"zh": "政治面貌", "en": "Political status"},
    "form_education": {"zh": "文化程度", "en": "Education"},
    "form_post": {"zh": "岗位（职务）", "en": "Post"},
    "form_skill": {"zh": "技能等级", "en": "Skill level"},
    "form_points": {"zh": "学习积分", "en": "Learning points"},
    "form_hours": {"zh": "培训学时", "en": "Training hours"},
    "form_months": {"zh": "学习月数", "en": "Months with study"},
    "form_certs": {"zh": "期内取证", "en": "Certificates in period"},
    "form_deeds": {"zh": "主\n要\n事\n迹", "en": "Main achievements"},
    "form_deeds_hint": {
        "zh": "（主要事迹，不超过1500字，可另附页）",
        "en": "(main achievements, up to 1,500 characters; attach pages if needed)",
    },
    "form_unit_opinion": {"zh": "推荐单位意见", "en": "Opinion of the nominating unit"},
    "form_group_opinion": {"zh": "领导小组意见", "en": "Opinion of the leading group"},
    "form_seal": {"zh": "签章：", "en": "Signature / seal:"},
    "form_date": {"zh": "年　　月　　日", "en": "Date:"},
    "form_footer": {
        "zh": "表中数据由创争活动监测看板按 {period} 的统计生成，考核得分满分 100 分。",
        "en": "Figures from the campaign dashboard for {period}; scores out of 100.",
    },
    # the 考核评比 page (dashboard/ui/evaluation.py)
    "page_caption": {
        "zh": "各单位考核得分按指标分段显示，依排名（得分、参学率、人均学时、单位名称）排列；点击单位查看单位详情。",
        "en": "Each unit's score split by indicator, in ranking order (score, participation, hours per capita, name); click a unit to open it.",
    },
    "page_chart_title": {"zh": "考核得分（按指标）", "en": "Score by indicator"},
    "page_chart_ends": {
        "zh": "单位较多，图中只显示得分最高和最低各 {n} 个单位（共 {total} 个）；完整排名见下表。",
        "en": "Many units: the chart shows the {n} highest and the {n} lowest of {total}; the table below has them all.",
    },
    "page_indicator": {"zh": "指标", "en": "Indicator"},
    "page_actual": {"zh": "实际值", "en": "Actual"},
    "page_attainment": {"zh": "达成度", "en": "Attainment"},
    "page_points": {"zh": "得分", "en": "Points"},
    "page_veto_line": {"zh": "**{unit}**（{score} 分）：{why}", "en": "**{unit}** (score {score}): {why}"},
    "page_person_line": {
        "zh": "{name}（{employee_id}）未入选：{why}",
        "en": "{name} ({employee_id}) not nominated: {why}",
    },
    "page_vetoed_short": {"zh": "否决", "en": "vetoed"},
    "page_table": {"zh": "各单位得分明细", "en": "Scores of every unit"},
    "page_vetoes": {"zh": "一票否决", "en": "Vetoes"},
    "page_no_vetoes": {"zh": "本期没有被一票否决的单位。", "en": "No unit is vetoed this period."},
    "page_downloads": {"zh": "推荐材料下载", "en": "Downloads"},
    "page_download_xlsx": {"zh": "下载推荐名单（Excel）", "en": "Download the shortlists (Excel)"},
    "page_download_zip": {"zh": "下载全部推荐材料（zip）", "en": "Download all papers (zip)"},
    "page_forms": {"zh": "推荐表（Word，{n} 份）", "en": "Nomination forms (Word, {n})"},
    "page_rules": {"zh": "评选规则", "en": "Rules in force"},
    "page_rules_where": {
        "zh": "权重和阈值在 config.toml 的 [evaluation] 中设置（修改后重启看板生效）。",
        "en": "Weights and thresholds are set in [evaluation] of config.toml (restart the dashboard after editing it).",
    },
    "page_whatif_title": {"zh": "假设分析：调整指标权重", "en": "What if: try other weights"},
    "page_whatif_note": {
        "zh": "调整权重后排名立即重新计算，仅在本页生效、不会保存；要长期使用，请在「活动设置」的考核规则中保存。",
        "en": "The ranking recomputes with the weights at once; they apply on this page only and are not saved — save them under Campaign settings → Evaluation rules to keep them.",
    },
    "page_whatif_reset": {"zh": "恢复配置的权重", "en": "Back to the configured weights"},
    "page_whatif_zero": {
        "zh": "至少一个权重须大于 0；仍按配置的权重计算。",
        "en": "At least one weight must be above 0; the configured weights are used.",
    },
    "page_whatif_active": {
        "zh": "当前为假设分析：排名按调整后的权重计算，未保存。",
        "en": "What if: the ranking uses the weights tried here, not saved.",
    },
    "page_whatif_badge": {"zh": "假设分析（未保存）", "en": "what if (not saved)"},
    # command line
    "cli_units_head": {
        "zh": "单位排名 {month_from} 至 {month_to}（{n} 个单位；得分、参学率、人均学时、单位名称）",
        "en": "Unit ranking {month_from} to {month_to} ({n} units; score, participation, hours per capita, name)",
    },
    "cli_eval_head": {
        "zh": "考核评比 {month_from} 至 {month_to}：{n} 个单位，先进集体名额 {quota} 个",
        "en": "Evaluation {month_from} to {month_to}: {n} units, {quota} collective place(s)",
    },
    "cli_units_cands": {"zh": "先进集体候选：{names}", "en": "Advanced collective candidates: {names}"},
    "cli_people_cands": {"zh": "知识型职工标兵候选：{names}", "en": "Top learner candidates: {names}"},
    "cli_none": {"zh": "无", "en": "none"},
}


def evaluation_text(key: str, lang: str = "zh", **params: object) -> str:
    """A string of the evaluation (page, downloads, CLI) in the chosen language."""
    entry = EVALUATION_TEXT[key]
    template = entry.get(lang if lang in LANGS else "zh", entry["zh"])
    return template.format(**params) if params else template


def indicator_label(indicator: str, lang: str = "zh") -> str:
    """参学率, 人均学时, 每百人取证, 阶段进度, 报送率 (the indicators of [evaluation])."""
    return evaluation_text(f"ind_{indicator}", lang)
