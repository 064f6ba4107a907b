"""The demo organisation: a plastics factory of ten units in three departments, about 800 staff,
in the second year of its campaign: the whole of last year and this year up to last month (a
fresh install shows a campaign in progress, today on its timeline, and 同比 figures). The tests
pin the day (``TEST_TODAY``: all of 2024, nothing of 2025 yet).

It is written as the monthly workbooks a real factory sends (title rows, a 合计 row, GB-style
headers) and loaded through the same importer as any upload, so the demo exercises the real path.
Deterministic: the same seed gives the same workbooks, byte for byte in content.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from datetime import date, timedelta

from openpyxl import Workbook

from dashboard import campaigns
from dashboard.config import Settings

SEED = 2024
ORG = "塑件化工厂"


@dataclass(frozen=True)
class DemoUnit:
    name: str
    department: str
    unit_type: str
    headcount: int
    pilot: bool = False
    laggard: bool = False
    ledger_from: int | None = 1  # first month that sends a ledger; None = summary only
    funds_ratio: float | None = 0.022  # 培训经费 ÷ 工资总额 reported each month; None = not reported


# 考核评比 shows every case: 水汽车间 spends 1.2% of its payroll on training (below the national 1.5%:
# vetoed), 仪表车间 and 质检科 leave the funds columns blank (not reported), 供销科's participation is
# below 90% (vetoed), and 成型车间 leaves 工资总额 blank in March (that row counts for neither sum).
UNITS: tuple[DemoUnit, ...] = (
    DemoUnit("塑编车间", "生产系统", "车间", 130, pilot=True, funds_ratio=0.031),
    DemoUnit("成型车间", "生产系统", "车间", 160, funds_ratio=0.024),
    DemoUnit("挤出车间", "生产系统", "车间", 120, funds_ratio=0.019),
    DemoUnit("包装车间", "生产系统", "车间", 100, laggard=True, funds_ratio=0.016),
    DemoUnit("电修车间", "辅助系统", "车间", 55, pilot=True, funds_ratio=0.027),
    DemoUnit("水汽车间", "辅助系统", "车间", 70, funds_ratio=0.012),
    DemoUnit("仪表车间", "辅助系统", "班组", 45, funds_ratio=None),
    DemoUnit("机关支部", "机关", "机关", 50, pilot=True, funds_ratio=0.025),
    DemoUnit("质检科", "机关", "科室", 40, ledger_from=4, funds_ratio=None),
    DemoUnit("供销科", "机关", "科室", 30, laggard=True, ledger_from=None, funds_ratio=0.018),
)
WAGE = {"车间": 7_800, "班组": 8_200, "科室": 9_000, "机关": 9_600}  # 元 a person a month

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文斌海燕雪梅琳鹏辉宇浩凯俊峰志永春晓东"
CERTS = ("电工", "焊工", "钳工", "化学检验员", "注塑工", "仪表维修工", "叉车司机", "计算机操作员", "安全员")
LEVELS = ("初级", "中级", "高级", "技师", "高级技师")
HOURS = (2.0, 2.5, 3.0, 4.0, 4.5, 6.0, 8.0, 10.0, 12.0)


@dataclass
class Person:
    employee_id: str
    name: str
    unit: DemoUnit
    joined: int  # first month on the payroll


def _staff(rng: random.Random) -> list[Person]:
    people: list[Person] = []
    n = 0
    for unit in UNITS:
        extra = 10 if unit.name == "成型车间" else 0  # new hires in July: headcount grows
        for i in range(unit.headcount + extra):
            n += 1
            name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
            people.append(Person(f"SJ{n:05d}", name, unit, 7 if i >= unit.headcount else 1))
    return people


def _active_share(unit: DemoUnit, month: int, this_year: bool = False) -> float:
    base = 0.96 if unit.pilot else (0.74 if unit.laggard else 0.9)
    growth = 0.03 if this_year else 0.0  # the campaign takes hold: this year's 同比 shows it
    return min(0.995, base + growth + 0.004 * month)


def _book() -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    return wb


def _bytes(wb: Workbook) -> io.BytesIO:
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    return buf


def _roster_file() -> tuple[str, io.BytesIO]:
    wb = _book()
    ws = wb.create_sheet("单位")
    ws.append(["单位", "部门", "职工人数", "类型", "试点单位"])
    for u in UNITS:
        ws.append([u.name, u.department, u.headcount, u.unit_type, "是" if u.pilot else "否"])
    return f"{ORG}_单位名册.xlsx", _bytes(wb)


def _funds(unit: DemoUnit, month: int, staff: int, this_year: bool = False) -> tuple[float | None, float | None]:
    """(培训经费 in 元, 工资总额 in 万元) of a unit-month, or blanks. Its own generator, so the
    rest of the demo is what it was before the funds columns came."""
    if unit.funds_ratio is None:
        return None, None
    rng = random.Random(f"{SEED}-funds-{unit.name}-{month}" + ("-this" if this_year else ""))
    payroll = staff * WAGE[unit.unit_type] * rng.uniform(0.95, 1.1)
    funds = round(payroll * unit.funds_ratio * rng.uniform(0.8, 1.2), -1)
    if unit.name == "成型车间" and month == 3:
        return funds, None  # 工资总额 left blank: the row counts for neither sum
    return funds, round(payroll / 10_000, 2)


# 报送情况 shows late reports (迟报): these units send these months' reports after the due day, as a
# workbook of their own; every other report comes in a few days into the following month
LATE: dict[str, tuple[int, ...]] = {"包装车间": (3, 8, 11), "供销科": (6, 12)}


@dataclass
class _UnitMonth:
    """One unit's rows of a month's report: what goes into whichever workbook carries it."""

    summary: list
    ledger: list
    certs: list


def _received(year: int, month: int, late: bool) -> date:
    """The day a month's report came in: a few days into the next month, after the due day (the
    10th by default) when late. A fixed rule, not the generator, so no figure changes."""
    year, nxt = (year, month + 1) if month < 12 else (year + 1, 1)
    return date(year, nxt, 12 + month % 9 if late else 3 + month % 6)


def _month_files(
    rng: random.Random, people: list[Person], year: int, month: int, this_year: bool
) -> list[tuple[str, io.BytesIO, date]]:
    """The month's workbook of every unit that reports on time, then one of each late unit
    (``this_year``: the campaign's second year, everyone on the payroll since January)."""
    ym = f"{year}-{month:02d}"
    rows: dict[str, _UnitMonth] = {}
    for unit in UNITS:
        um = rows[unit.name] = _UnitMonth([], [], [])
        ledger, certs = um.ledger, um.certs
        staff = [p for p in people if p.unit is unit and (this_year or p.joined <= month)]
        share = _active_share(unit, month, this_year)
        active_hours: list[float] = []
        attendance_total = 0
        for p in staff:
            hours = rng.choice(HOURS) if rng.random() < share else 0.0
            points = round(hours * 2 + (rng.randint(0, 10) if hours else 0), 1)
            attendance = (1 + int(hours // 3)) if hours else 0
            attendance_total += attendance
            if hours:
                active_hours.append(hours)
            if unit.ledger_from is not None and month >= unit.ledger_from:
                ledger.append([p.employee_id, p.name, unit.name, ym, hours, points, attendance])
        n_certs = rng.choice((0, 1, 1, 2, 2, 3)) if not unit.laggard else rng.choice((0, 0, 1))
        for _ in range(n_certs):
            p = rng.choice(staff)
            day = date(year, month, rng.randint(1, 28))
            certs.append([p.employee_id, p.name, unit.name, rng.choice(CERTS), rng.choice(LEVELS), day])
        participants = len(active_hours)
        hours_total = round(sum(active_hours), 1)
        if unit.name == "成型车间" and month == 6 and not this_year:
            participants = min(len(staff), participants + 12)  # an over-reported summary: data quality
        row = [
            unit.name,
            len(staff),
            participants,
            rng.randint(2, 8),
            attendance_total,
            hours_total,
            n_certs,
            rng.randint(0, 6),
            *_funds(unit, month, len(staff), this_year),
        ]
        um.summary = row
    late = [u.name for u in UNITS if month in LATE.get(u.name, ())]
    on_time = [rows[u.name] for u in UNITS if u.name not in late]
    book = f"{year}年{month}月_创争月报.xlsx"
    files = [(f"{ORG}_{book}", _month_book(year, month, on_time), _received(year, month, False))]
    for name in late:
        files.append((f"{name}_{book}", _month_book(year, month, [rows[name]]), _received(year, month, True)))
    return files


def _month_book(year: int, month: int, units: list[_UnitMonth]) -> io.BytesIO:
    """A month's report workbook of these units: 月报 (title, 填报 line, 合计 row, note), 学习台账, 证书."""
    wb = _book()
    summary = wb.create_sheet("月报")
    summary.append([f"{ORG}{year}年{month}月“创争”活动月报表"])
    summary.append(["填报单位：工会办公室", None, None, None, None, f"填报日期：{year}年{month}月底"])
    summary.append(
        [
            "单位",
            "职工人数（人）",
            "参学人数",
            "培训场次",
            "培训人次",
            "培训学时（小时）",
            "取证人数",
            "合理化建议（条）",
            "职工教育经费（元）",
            "工资总额（万元）",
        ]
    )
    # a sheet only when it has rows (供销科 sends no ledger)
    if any(um.ledger for um in units):
        ledger = wb.create_sheet("学习台账")
        ledger.append(["工号", "姓名", "单位", "月份", "培训学时", "学习积分", "出勤次数"])
        for r in (r for um in units for r in um.ledger):
            ledger.append(r)
    if any(um.certs for um in units):
        certs = wb.create_sheet("证书")
        certs.append(["工号", "姓名", "单位", "证书名称", "等级", "取证日期"])
        for r in (r for um in units for r in um.certs):
            certs.append(r)
    totals = [0, 0, 0, 0, 0.0, 0, 0, 0.0, 0.0]
    for um in units:
        summary.append(um.summary)
        for i, v in enumerate(um.summary[1:]):
            totals[i] += v or 0
    summary.append(["合计", *[round(t, 1) for t in totals[:-2]], round(totals[-2]), round(totals[-1], 2)])
    summary.append(["注：参学人数指本月参加集中学习、岗位练兵、技术培训的职工人数。"])
    return _bytes(wb)


def _milestone_file(rng: random.Random, settings: Settings, year: int, until: date) -> tuple[str, io.BytesIO]:
    """The year's 阶段进度 sheet as it stands on ``until``: what is done by then, dated."""
    wb = _book()
    ws = wb.create_sheet("阶段进度")
    ws.append([f"{ORG}{year}年{until.month}月“创争”活动阶段进度表"])  # its month: the rows' year
    ws.append(["单位", "阶段", "工作事项", "计划完成日期", "完成日期"])
    campaign = [(m.phase, m.name, m.due) for m in campaigns.moved_to(settings.plan, year).milestones]
    for unit in UNITS:
        for i, (phase, name, due) in enumerate(campaign):
            if unit.pilot:
                done: date | None = due - timedelta(days=rng.randint(5, 25))
            elif unit.laggard and i >= (3 if unit.name == "包装车间" else 2):
                done = None  # the two laggards stall in the implementation phase
            else:
                done = min(due + timedelta(days=rng.randint(-12, 6)), date(year, 12, 31))
            ws.append([unit.name, phase, name, None, done if done and done <= until else None])
    # A pilot unit adds a milestone of its own (no own date for the others: the plan's due counts).
    if date(year, 7, 10) <= until:
        ws.append(["塑编车间", "组织实施", "建立职工书屋", date(year, 7, 15), date(year, 7, 10)])
    return f"{ORG}_{year}年阶段进度.xlsx", _bytes(wb)


TEST_TODAY = date(2025, 1, 15)  # the tests' demo: the whole of 2024, nothing of 2025 reported yet


def demo_years(today: date) -> tuple[int, ...]:
    """The campaign years the demo holds on ``today``: last year, and this year once a month of it
    is over (data up to last month)."""
    return (today.year - 1, today.year) if today.month > 1 else (today.year - 1,)


def dated_demo_files(settings: Settings, today: date) -> list[tuple[str, io.BytesIO, date]]:
    """The demo workbooks as (file name, bytes, the day they came in), in the order a factory
    would send them: the roster, last year's twelve months and its 阶段进度, then this year's
    months up to last month and its 阶段进度 as of today. Deterministic for a given ``today``;
    last year's rows do not depend on it (2024's are the same on any day of 2025)."""
    last = today.year - 1
    rng = random.Random(SEED)
    people = _staff(rng)
    files = [(*_roster_file(), date(last, 1, 5))]
    for m in range(1, 13):
        files += _month_files(rng, people, last, m, this_year=False)
    files.append((*_milestone_file(rng, settings, last, date(last, 12, 31)), date(last, 12, 31)))
    if today.year in demo_years(today):
        rng = random.Random(SEED + 1)
        for m in range(1, today.month):
            files += _month_files(rng, people, today.year, m, this_year=True)
        first_of_month = today.replace(day=1)
        until = first_of_month - timedelta(days=1)
        files.append(
            (*_milestone_file(rng, settings, today.year, until), min(today, first_of_month + timedelta(days=4)))
        )
    return files


def demo_files(settings: Settings, today: date) -> list[tuple[str, io.BytesIO]]:
    """The demo workbooks as (file name, bytes), in the order a factory would send them."""
    return [(name, buf) for name, buf, _ in dated_demo_files(settings, today)]


def load_demo(store, settings: Settings, user: str = "演示数据", today: date | None = None):
    """Import the demo workbooks through the normal importer, each dated the day it came in
    (a few reports late: 报送情况 shows them), and store config.toml's plan for each of the demo's
    years: a fresh install shows a campaign in progress, this year up to last month and the whole
    of last year (同比). ``today`` pins the demo (tests: ``TEST_TODAY``); returns its FileOutcomes."""
    from data_sources.importer import import_files

    today = today or date.today()
    files = dated_demo_files(settings, today)
    outcomes = import_files(
        store, [(n, b) for n, b, _ in files], settings, user=user, received=[d for _, _, d in files]
    )
    for year in demo_years(today):
        campaigns.save_plan(store, settings, campaigns.moved_to(settings.plan, year), user, how="demo")
    return outcomes
