"""``python -m dashboard``: the command line that mirrors the app, so IT staff can automate monthly
loads and check the figures (DESIGN.md section 6).

Exit codes: 0 done; 1 a file (or a synced row) was rejected (nothing written), an undo or a roster change refused;
2 wrong usage (also ``sync`` with no [external] source, a ``--received`` that is no date); 3 the store, the external source or the
configuration cannot be used, also when the store goes away in the middle of a command. No
traceback reaches the user for any of these.
"""

from __future__ import annotations

import argparse
import getpass
import json
import re
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TextIO

import sqlalchemy as sa

from dashboard.config import Settings, SettingsError, load_settings
from dashboard.i18n import (
    KIND_LABELS,
    account_error_text,
    cli_text,
    format_problem,
    roster_changes_text,
    roster_error_text,
)
from data_sources.schema import ImportRejected, Problem, StoreTooNew, StoreUnavailable, UndoRefused
from data_sources.store import lost_error

MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _month(value: str) -> str:
    if not MONTH_RE.match(value):
        raise argparse.ArgumentTypeError(f"YYYY-MM: {value!r}")
    return value


def _year(value: str) -> int:
    if not re.fullmatch(r"\d{4}", value):
        raise argparse.ArgumentTypeError(f"YYYY: {value!r}")
    return int(value)


RECEIVED_HELP = "the day the reports came in (default today): a month first received after its due day is late"


def _received(value: str | None, lang: str, err: TextIO) -> date | bool | None:
    """``--received`` as a date; False (after saying why) when it is no date or after today."""
    if value is None:
        return None
    try:
        day = date.fromisoformat(value) if DATE_RE.match(value) else None
    except ValueError:
        day = None
    if day is None:
        err.write(cli_text("bad_received", lang, value=value) + "\n")
        return False
    if day > date.today():
        err.write(cli_text("future_received", lang, value=value) + "\n")
        return False
    return day


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", help="database URL (default: DASHBOARD_DB_URL or config.toml)")
    common.add_argument("--lang", choices=("zh", "en"), default=None, help="message language (default zh)")
    common.add_argument("--config", help="path to config.toml")

    p = argparse.ArgumentParser(prog="python -m dashboard", description="创争活动监测看板 command line")
    sub = p.add_subparsers(dest="command", required=True)

    imp = sub.add_parser("import", parents=[common], help="import monthly report files")
    imp.add_argument("files", nargs="+", metavar="FILE")
    imp.add_argument("--period", type=_month, help="month of reports that name none (YYYY-MM)")
    imp.add_argument("--dry-run", action="store_true", help="check and show what would change, write nothing")
    imp.add_argument("--user", default=None, help="who imports (default: the login name)")
    imp.add_argument("--received", default=None, metavar="YYYY-MM-DD", help=RECEIVED_HELP)

    filters = argparse.ArgumentParser(add_help=False)  # the selection: summary, units, evaluate
    filters.add_argument("--year", type=_year, help="the campaign year: its months, and its plan (YYYY)")
    filters.add_argument("--from", dest="month_from", type=_month)
    filters.add_argument("--to", dest="month_to", type=_month)
    filters.add_argument("--department", action="append", default=[])
    filters.add_argument("--unit", action="append", default=[])
    filters.add_argument("--type", dest="unit_type", action="append", default=[])
    filters.add_argument("--pilot", action="store_true", help="pilot units only")

    summ = sub.add_parser("summary", parents=[common, filters], help="the metrics of a selection")
    summ.add_argument("--json", action="store_true", help="print one JSON object")

    units = sub.add_parser("units", parents=[common, filters], help="the unit ranking (score, every metric)")
    units.add_argument("--json", action="store_true", help="print the ranking as a JSON list")

    evaluate = sub.add_parser("evaluate", parents=[common, filters], help="考核评比: scores, vetoes, shortlists")
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")

    template = sub.add_parser("template", parents=[common], help="write the upload template (.xlsx)")
    template.add_argument("out", metavar="OUT.xlsx")

    brief = sub.add_parser("briefing", parents=[common, filters], help="write the meeting briefing (.xlsx)")
    brief.add_argument("out", metavar="OUT.xlsx")

    demo = sub.add_parser("demo", parents=[common], help="load the built-in demo organisation")
    demo.add_argument("--if-empty", action="store_true", help="only when the store holds no data")
    demo.add_argument(
        "--today",
        type=date.fromisoformat,
        default=None,
        help="the day the demo is made on (default today; tests pin it)",
    )

    sync = sub.add_parser("sync", parents=[common], help="pull the external database of config.toml [external]")
    sync.add_argument("--dry-run", action="store_true", help="check and show what would change, write nothing")
    sync.add_argument("--user", default=None, help="who syncs (default: the login name)")
    sync.add_argument("--received", default=None, metavar="YYYY-MM-DD", help=RECEIVED_HELP)

    camp = sub.add_parser("campaign", help="the campaign plan of a year (phases, milestones, targets, rules)")
    csub = camp.add_subparsers(dest="campaign_command", required=True)
    cexp = csub.add_parser("export", parents=[common], help="write a year's plan as TOML")
    cexp.add_argument("file", metavar="FILE.toml", help="- for standard output")
    cexp.add_argument("--year", type=_year, default=None, help="default: the year the app opens on")
    cimp = csub.add_parser("import", parents=[common], help="store the plan of a TOML file for its year")
    cimp.add_argument("file", metavar="FILE.toml")
    cimp.add_argument("--user", default=None, help="who (default: the login name)")
    ccopy = csub.add_parser("copy", parents=[common], help="start a year with the plan of the year before")
    ccopy.add_argument("year", type=_year)
    ccopy.add_argument("--user", default=None, help="who (default: the login name)")
    csub.add_parser("list", parents=[common], help="the years and where their plans come from")

    sub.add_parser("batches", parents=[common], help="list import batches")
    undo = sub.add_parser("undo", parents=[common], help="undo an import batch")
    undo.add_argument("batch", type=int)
    undo.add_argument("--user", default=None)

    user = sub.add_parser("user", help="manage the accounts (viewer, reporter, admin)")
    usub = user.add_subparsers(dest="user_command", required=True)
    uadd = usub.add_parser("add", parents=[common], help="add an account")
    uadd.add_argument("name")
    uadd.add_argument("--role", choices=("viewer", "reporter", "admin"), required=True)
    uadd.add_argument("--units", default="", help="reporter: the units they report for, comma-separated")
    uadd.add_argument("--email", default=None, help="the identity of OIDC sign-in (st.login)")
    uadd.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    uadd.add_argument("--no-password", action="store_true", help="OIDC sign-in only (needs --email)")
    upw = usub.add_parser("passwd", parents=[common], help="set an account's password")
    upw.add_argument("name")
    upw.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    urm = usub.add_parser("remove", parents=[common], help="remove an account")
    urm.add_argument("name")
    uun = usub.add_parser("unlock", parents=[common], help="lift the sign-in lock of a name (too many failures)")
    uun.add_argument("name")
    usub.add_parser("list", parents=[common], help="list the accounts")

    unit = sub.add_parser("unit", help="maintain the roster: add, set, rename, merge, retire a unit")
    unsub = unit.add_subparsers(dest="unit_command", required=True)
    who = argparse.ArgumentParser(add_help=False)
    who.add_argument("--user", default=None, help="who changes the roster (default: the login name)")
    uadd = unsub.add_parser("add", parents=[common, who], help="put a unit on the roster")
    uadd.add_argument("name")
    uset = unsub.add_parser("set", parents=[common, who], help="change a unit's department, type, pilot, headcount")
    uset.add_argument("name")
    for part in (uadd, uset):
        part.add_argument("--department", default=None)
        part.add_argument("--type", dest="unit_type", default=None)
        part.add_argument("--pilot", choices=("yes", "no"), default=None)
        part.add_argument("--headcount", default=None, metavar="N")
    uren = unsub.add_parser("rename", parents=[common, who], help="rename a unit; its history follows")
    uren.add_argument("old", metavar="OLD")
    uren.add_argument("new", metavar="NEW")
    umer = unsub.add_parser("merge", parents=[common, who], help="merge unit FROM into unit INTO")
    umer.add_argument("source", metavar="FROM")
    umer.add_argument("into", metavar="INTO")
    uret = unsub.add_parser("retire", parents=[common, who], help="a unit no longer reports from a month on")
    uret.add_argument("name")
    when = uret.add_mutually_exclusive_group(required=True)
    when.add_argument("--from", dest="month_from", type=_month, help="the first month it no longer reports")
    when.add_argument("--cancel", action="store_true", help="it reports again")

    bench = sub.add_parser("bench", help="time the pages' figures and an import on a large generated organisation")
    bench.add_argument("--lang", choices=("zh", "en"), default=None, help=argparse.SUPPRESS)
    bench.add_argument("--config", help="path to config.toml")
    bench.add_argument("--units", type=int, default=1000)
    bench.add_argument("--staff", type=int, default=100_000)
    bench.add_argument("--months", type=int, default=24, help="months of ledger, ending December of the campaign year")
    bench.add_argument(
        "--pg-url",
        default=None,
        help="PostgreSQL server (default DASHBOARD_BENCH_PG_URL or DASHBOARD_TEST_PG_URL; '' skips)",
    )
    bench.add_argument("--sqlite-path", default=None, help="SQLite file to build in and keep (reused if it holds data)")
    bench.add_argument(
        "--repeat", type=int, default=None, help="runs per page figure, the median is shown (default 5; --browser 3)"
    )
    bench.add_argument("--import-rows", type=int, default=100_000, help="rows of the ledger .xlsx to import")
    bench.add_argument("--skip-import", action="store_true", help="only the page figures")
    bench.add_argument("--keep", action="store_true", help="keep (and reuse) the PostgreSQL database dashboard_bench")
    bench.add_argument("--browser", action="store_true", help="time the pages in Chromium, with the app running")
    bench.add_argument("--demo", action="store_true", help="with --browser: on the demo instead of the generated one")
    bench.add_argument(
        "--chromium", default=None, help="Chromium for --browser (default DASHBOARD_TEST_CHROMIUM or chromium)"
    )
    return p


def _user(given: str | None) -> str:
    if given:
        return given
    try:
        return getpass.getuser()
    except Exception:  # no login name in a container: still record something
        return "cli"


def _open_store(settings: Settings, url: str | None):
    from data_sources.store import Store

    return Store.open(settings.resolve_database_url(url))


def _counts_text(outcome, lang: str) -> str:
    parts = []
    for kind, n in outcome.rows.items():
        label = KIND_LABELS.get(str(kind), {}).get(lang, str(kind))
        parts.append(cli_text("rows_of_kind", lang, kind=label, n=n))
    sep = "，" if lang == "zh" else ", "
    return sep.join(parts)


def cmd_import(args, settings: Settings, lang: str, out: TextIO, err: TextIO) -> int:
    from data_sources.importer import import_files

    received = _received(args.received, lang, err)
    if received is False:
        return 2
    files = []
    for name in args.files:
        path = Path(name)
        if not path.is_file():
            err.write(format_problem(Problem("file_not_found", file=name), lang) + "\n")
            return 1
        files.append((path.name, path.open("rb")))
    store = _open_store(settings, args.db)
    try:
        outcomes = import_files(
            store,
            files,
            settings,
            user=_user(args.user),
            period=args.period,
            dry_run=args.dry_run,
            received=received or None,
        )
    except ImportRejected as e:
        return _write_rejection(e, "rejected", lang, err)
    finally:
        for _, f in files:
            f.close()
    for o in outcomes:
        key = "dry_run_line" if args.dry_run else ("import_line" if o.batch_id else "unchanged_line")
        _write_outcome(o, key, lang, out, err)
    return 0


def _write_rejection(e: ImportRejected, message: str, lang: str, err: TextIO) -> int:
    """Every problem on stderr, then the count; exit 1 (nothing was written)."""
    for problem in e.problems:
        err.write(format_problem(problem, lang) + "\n")
    n_err = sum(1 for p in e.problems if p.severity == "error")
    err.write(cli_text(message, lang, n=n_err) + "\n")
    return 1


def _write_outcome(o, message: str, lang: str, out: TextIO, err: TextIO) -> None:
    """The one-line summary of a file (or a sync) on stdout, its warnings on stderr."""
    counts = _counts_text(o, lang)
    line = cli_text(
        message,
        lang,
        file=o.file,
        counts=counts,
        added=o.added,
        replaced=o.replaced,
        unchanged=o.unchanged,
        batch=o.batch_id,
    )
    out.write(line + "\n")
    for w in o.warnings:
        err.write(format_problem(w, lang) + "\n")


def cmd_sync(args, settings: Settings, lang: str, out: TextIO, err: TextIO) -> int:
    """One batch from the external source, with the same rules and exit codes as ``import``."""
    from data_sources.external import ExternalSourceError, sync_external

    if settings.external is None:
        err.write(cli_text("sync_not_configured", lang) + "\n")
        return 2
    received = _received(args.received, lang, err)
    if received is False:
        return 2
    store = _open_store(settings, args.db)
    try:
        o = sync_external(store, settings, user=_user(args.user), dry_run=args.dry_run, received=received or None)
    except ImportRejected as e:  # like a refused import, a refused sync writes nothing at all
        return _write_rejection(e, "sync_rejected", lang, err)
    except ExternalSourceError as e:
        err.write(cli_text("sync_source_error", lang, key=e.key, detail=e.detail) + "\n")
        return 3
    except StoreUnavailable as e:  # the external database; the store was opened above
        err.write(cli_text("external_unavailable", lang, url=e.url, detail=e.detail) + "\n")
        return 3
    key = "sync_dry_run_line" if args.dry_run else ("sync_line" if o.batch_id else "sync_unchanged_line")
    _write_outcome(o, key, lang, out, err)
    return 0


def _selection(args, lang: str, err: TextIO):
    """The filters of summary/units/evaluate as a Selection; None (after saying why) when the
    period runs backwards. Exit 2 then."""
    from dashboard.metrics import Selection

    year = getattr(args, "year", None)
    sel = Selection(
        departments=tuple(args.department),
        unit_types=tuple(args.unit_type),
        pilot_only=args.pilot,
        units=tuple(args.unit),
        month_from=args.month_from or (f"{year}-01" if year else None),
        month_to=args.month_to or (f"{year}-12" if year else None),
    )
    if sel.month_from and sel.month_to and sel.month_from > sel.month_to:
        err.write(cli_text("bad_period", lang, month_from=sel.month_from, month_to=sel.month_to) + "\n")
        return None
    return sel


def _settings_of(store, settings: Settings, sel, lang: str, err: TextIO) -> Settings:
    """The settings with the plan of the selection's campaign year; a period over two years says
    whose plan it uses."""
    from dashboard.campaigns import selection_year, settings_for, spans_years

    if spans_years(sel):
        err.write(
            cli_text(
                "period_spans_years",
                lang,
                month_from=sel.month_from,
                month_to=sel.month_to,
                year=selection_year(sel, settings),
            )
            + "\n"
        )
    return settings_for(store, settings, sel)


def cmd_summary(args, settings: Settings, lang: str, out: TextIO, err: TextIO) -> int:
    from dashboard.metrics import resolve_period, summary

    sel = _selection(args, lang, err)
    if sel is None:
        return 2
    store = _open_store(settings, args.db)
    sel = resolve_period(store, sel)
    result = summary(store, _settings_of(store, settings, sel, lang, err), sel)
    data = result.to_json()
    if args.json:
        out.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return 0
    from dashboard.i18n import fmt_int, fmt_num, fmt_pct

    lines = [
        cli_text("summary_head", lang, month_from=data["period"]["from"], month_to=data["period"]["to"]),
        f"  {cli_text('k_units', lang)}: {fmt_int(data['units'])}",
        f"  {cli_text('k_headcount', lang)}: {fmt_int(data['headcount'])}",
        f"  {cli_text('k_participants', lang)}: {fmt_int(data['participants'])}"
        + (f" ({cli_text('lower_bound', lang)})" if data.get("participants_is_lower_bound") else ""),
        f"  {cli_text('k_participation_rate', lang)}: {fmt_pct(data['participation_rate'])}",
        f"  {cli_text('k_training_hours', lang)}: {fmt_num(data['training_hours'])}",
        f"  {cli_text('k_hours_per_capita', lang)}: {fmt_num(data['hours_per_capita'], 2)}",
        f"  {cli_text('k_certificates', lang)}: {fmt_int(data['certificates'])}",
        f"  {cli_text('k_launch_rate', lang)}: {fmt_pct(data['launch_rate'])}",
        f"  {cli_text('k_phase_progress', lang)}: {fmt_pct(data['phase_progress'])}",
        f"  {cli_text('k_units_behind', lang)}: {fmt_int(data['units_behind'])}",
    ]
    out.write("\n".join(lines) + "\n")
    return 0


def cmd_units(args, settings: Settings, lang: str, out: TextIO, err: TextIO) -> int:
    """The one ranking (DESIGN §4) with every unit metric, the score and the rank."""
    from dashboard.evaluation.report import ranking_json, ranking_lines
    from dashboard.evaluation.scoring import ranking
    from dashboard.metrics import resolve_period

    sel = _selection(args, lang, err)
    if sel is None:
        return 2
    store = _open_store(settings, args.db)
    sel = resolve_period(store, sel)
    table = ranking(store, _settings_of(store, settings, sel, lang, err), sel)
    text = json.dumps(ranking_json(table), ensure_ascii=False, indent=2) if args.json else None
    out.write((text or "\n".join(ranking_lines(table, sel, lang))) + "\n")
    return 0


def cmd_evaluate(args, settings: Settings, lang: str, out: TextIO, err: TextIO) -> int:
    """考核评比 (DESIGN §4b): the keys of DESIGN §6 with --json, a readable report without."""
    from dashboard.evaluation.report import evaluation_lines
    from dashboard.evaluation.scoring import evaluate
    from dashboard.metrics import resolve_period

    sel = _selection(args, lang, err)
    if sel is None:
        return 2
    store = _open_store(settings, args.db)
    sel = resolve_period(store, sel)
    result = evaluate(store, _settings_of(store, settings, sel, lang, err), sel)
    text = json.dumps(result.to_json(), ensure_ascii=False, indent=2) if args.json else None
    out.write((text or "\n".join(evaluation_lines(result, lang))) + "\n")
    return 0


def _write_file(path: str, data: bytes, lang: str, out: TextIO, err: TextIO) -> int:
    try:
        Path(path).write_bytes(data)
    except OSError as e:
        err.write(cli_text("cannot_write", lang, file=path, detail=e.strerror or str(e)) + "\n")
        return 1
    out.write(cli_text("file_written", lang, file=path) + "\n")
    return 0


def cmd_template(args, settings: Settings, lang: str, out: TextIO, err: TextIO) -> int:
    """The upload template, the file 数据管理's 下载填报模板 gives."""
    from dashboard.exports import template_xlsx

    return _write_file(args.out, template_xlsx(settings, lang), lang, out, err)


def cmd_briefing(args, settings: Settings, lang: str, out: TextIO, err: TextIO) -> int:
    """The meeting briefing of the filters, the file 总览's 下载会议简报 gives."""
    from dashboard.exports import briefing_xlsx
    from dashboard.metrics import resolve_period

    sel = _selection(args, lang, err)
    if sel is None:
        return 2
    store = _open_store(settings, args.db)
    sel = resolve_period(store, sel)
    data = briefing_xlsx(store, _settings_of(store, settings, sel, lang, err), sel, lang)
    return _write_file(args.out, data, lang, out, err)


def cmd_campaign(args, settings: Settings, lang: str, out: TextIO, err: TextIO) -> int:
    """``campaign export|import|copy|list``: a year's plan as TOML, for IT staff to script."""
    from dashboard import campaigns

    store = _open_store(settings, args.db)
    sub = args.campaign_command
    if sub == "list":
        for year in campaigns.campaign_years(store, settings):
            found = campaigns.year_plan(store, settings, year)
            out.write(cli_text(f"plan_{found.source}", lang, year=year, from_year=found.from_year) + "\n")
        return 0
    if sub == "export":
        year = args.year or campaigns.default_year(campaigns.campaign_years(store, settings))
        text = campaigns.plan_toml(campaigns.year_plan(store, settings, year).plan)
        if args.file == "-":
            out.write(text)
            return 0
        return _write_file(args.file, text.encode("utf-8"), lang, out, err)
    if sub == "import":
        try:
            text = Path(args.file).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as e:
            err.write(
                cli_text("cannot_read", lang, file=args.file, detail=getattr(e, "strerror", None) or str(e)) + "\n"
            )
            return 1
        try:
            plan = campaigns.read_plan_toml(text)
        except SettingsError as e:
            err.write(cli_text("bad_plan", lang, file=args.file, key=e.key, problem=e.problem) + "\n")
            return 1
        revision = campaigns.save_plan(store, settings, plan, _user(args.user), how="import")
        out.write(cli_text("plan_saved", lang, year=plan.year, revision=revision) + "\n")
        return 0
    before = campaigns.year_plan(store, settings, args.year - 1)
    plan = campaigns.moved_to(before.plan, args.year)
    revision = campaigns.save_plan(store, settings, plan, _user(args.user), how="copy")
    out.write(cli_text("plan_copied", lang, year=args.year, from_year=args.year - 1, revision=revision) + "\n")
    return 0


def cmd_demo(args, settings: Settings, lang: str, out: TextIO, err: TextIO) -> int:
    from dashboard.demo import load_demo

    store = _open_store(settings, args.db)
    if args.if_empty and not store.is_empty():
        out.write(cli_text("demo_skipped", lang) + "\n")
        return 0
    outcomes = load_demo(store, settings, today=args.today)
    rows = sum(sum(o.rows.values()) for o in outcomes)
    out.write(cli_text("demo_loaded", lang, files=len(outcomes), rows=rows) + "\n")
    return 0


def cmd_batches(args, settings: Settings, lang: str, out: TextIO, err: TextIO) -> int:
    store = _open_store(settings, args.db)
    for b in store.batches():
        state = cli_text("undone", lang) if b.undone_at else ""
        out.write(f"#{b.id}\t{b.created_at:%Y-%m-%d %H:%M}\t{b.user}\t{b.file_name}\t{b.sha256[:12]}\t{state}\n")
    return 0


def cmd_undo(args, settings: Settings, lang: str, out: TextIO, err: TextIO) -> int:
    from data_sources.access import undo_batch

    store = _open_store(settings, args.db)
    try:
        undo_batch(store, args.batch, _user(args.user))
    except UndoRefused as e:
        err.write(cli_text(f"undo_{e.reason}", lang, batch=e.batch_id, later=e.later_batch) + "\n")
        return 1
    out.write(cli_text("undo_done", lang, batch=args.batch) + "\n")
    return 0


def _password(args, lang: str, err: TextIO, stdin: TextIO | None) -> str | None:
    """From standard input (one line) with --password-stdin, else asked twice without echo."""
    if args.password_stdin:
        line = (stdin or sys.stdin).readline()
        return line.rstrip("\r\n")
    first = getpass.getpass(cli_text("password_prompt", lang))
    if getpass.getpass(cli_text("password_again", lang)) != first:
        err.write(cli_text("password_mismatch", lang) + "\n")
        return None
    return first


def cmd_user(args, settings: Settings, lang: str, out: TextIO, err: TextIO, stdin: TextIO | None = None) -> int:
    from data_sources import access

    store = _open_store(settings, args.db)
    sub = args.user_command
    try:
        if sub == "list":
            users = access.list_users(store)
            if not users:
                out.write(cli_text("user_none", lang) + "\n")
            for u in users:
                units = ",".join(u.units)
                login = ("password" if u.has_password else "") + (f" {u.email}" if u.email else "")
                out.write(f"{u.name}\t{u.role}\t{units}\t{login.strip()}\n")
            return 0
        if sub == "unlock":
            if not access.unlock(store, args.name):
                out.write(cli_text("user_not_locked", lang, name=args.name) + "\n")
                return 0
            access.record(store, _user(None), "user_unlock", name=args.name)
            out.write(cli_text("user_unlocked", lang, name=args.name) + "\n")
            return 0
        if sub == "remove":
            access.remove_user(store, args.name)
            access.record(store, _user(None), "user_remove", name=args.name)
            out.write(cli_text("user_removed", lang, name=args.name) + "\n")
            return 0
        if sub == "add" and args.no_password:
            password = None
        else:
            password = _password(args, lang, err, stdin)
            if password is None:
                return 1
        if sub == "passwd":
            access.set_password(store, args.name, password or "")
            access.record(store, _user(None), "user_passwd", name=args.name)
            out.write(cli_text("user_passwd", lang, name=args.name) + "\n")
            return 0
        units = [u for u in args.units.split(",") if u.strip()]
        acc = access.add_user(store, args.name, args.role, units, password=password, email=args.email)
        access.record(store, _user(None), "user_add", name=acc.name, role=acc.role, units=list(acc.units))
        out.write(cli_text("user_added", lang, name=acc.name, role=acc.role) + "\n")
        if not any(u.is_admin for u in access.list_users(store)):
            err.write(cli_text("user_no_admin", lang) + "\n")
        return 0
    except access.AccountError as e:
        err.write(account_error_text(e, lang) + "\n")
        return 1


def cmd_unit(args, settings: Settings, lang: str, out: TextIO, err: TextIO) -> int:
    """The roster's changes (``Store.add_unit`` … ``retire_unit``), each one transaction with
    its audit entry; a refusal is a message and exit code 1."""
    from data_sources.store import RosterError

    store = _open_store(settings, args.db)
    user, sub = _user(args.user), args.unit_command
    pilot = None if getattr(args, "pilot", None) is None else args.pilot == "yes"
    try:
        if sub == "add":
            name = store.add_unit(args.name, user, args.department, args.headcount, args.unit_type, bool(pilot))
            out.write(cli_text("roster_added", lang, name=name) + "\n")
        elif sub == "set":
            given = {"department": args.department, "unit_type": args.unit_type, "headcount": args.headcount}
            changes = {k: v for k, v in given.items() if v is not None}
            if pilot is not None:
                changes["is_pilot"] = pilot
            done = store.set_unit(args.name, user, **changes)
            out.write(cli_text("roster_set_done", lang, name=args.name, changes=roster_changes_text(done, lang)) + "\n")
        elif sub == "rename":
            new = store.rename_unit(args.old, args.new, user)
            out.write(cli_text("roster_renamed", lang, old=args.old, new=new) + "\n")
        elif sub == "merge":
            r = store.merge_units(args.source, args.into, user)
            text = cli_text(
                "roster_merged", lang, source=r.source, into=r.into, rows=r.rows_moved, months=len(r.months_summed)
            )
            out.write(text + "\n")
        elif args.cancel:
            store.retire_unit(args.name, None, user)
            out.write(cli_text("roster_reinstated", lang, name=args.name) + "\n")
        else:
            store.retire_unit(args.name, args.month_from, user)
            out.write(cli_text("roster_retired", lang, name=args.name, month=args.month_from) + "\n")
    except RosterError as e:
        err.write(roster_error_text(e, lang) + "\n")
        return 1
    return 0


def cmd_bench(args, settings: Settings, lang: str, out: TextIO, err: TextIO) -> int:
    if args.browser:
        from dashboard import bench_browser

        return bench_browser.run(
            settings,
            out,
            err,
            demo=args.demo,
            units=args.units,
            staff=args.staff,
            months=args.months,
            pg_url=args.pg_url,
            sqlite_path=args.sqlite_path,
            keep=args.keep,
            repeat=args.repeat or 3,
            chromium=args.chromium,
        )
    from dashboard.bench import run

    return run(
        settings,
        out,
        err,
        units=args.units,
        staff=args.staff,
        months=args.months,
        pg_url=args.pg_url,
        sqlite_path=args.sqlite_path,
        repeat=args.repeat or 5,
        skip_import=args.skip_import,
        import_rows=args.import_rows,
        keep=args.keep,
    )


COMMANDS = {
    "import": cmd_import,
    "summary": cmd_summary,
    "units": cmd_units,
    "evaluate": cmd_evaluate,
    "template": cmd_template,
    "briefing": cmd_briefing,
    "demo": cmd_demo,
    "sync": cmd_sync,
    "batches": cmd_batches,
    "undo": cmd_undo,
    "campaign": cmd_campaign,
    "bench": cmd_bench,
    "user": cmd_user,
    "unit": cmd_unit,
}


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run one command; user errors become a message and an exit code, never a traceback."""
    out = out or sys.stdout
    err = err or sys.stderr
    args = build_parser().parse_args(argv)
    lang = args.lang or "zh"
    settings = None
    try:
        settings = load_settings(args.config)
        lang = args.lang or settings.default_language
        return COMMANDS[args.command](args, settings, lang, out, err)
    except sa.exc.SQLAlchemyError as e:  # the store went away while the command ran
        lost = lost_error(settings.resolve_database_url(getattr(args, "db", None)), e) if settings else None
        if lost is None:  # not an outage: a bug, with its traceback
            raise
        err.write(cli_text("store_lost", lang, url=lost.url, detail=lost.detail) + "\n")
        return 3
    except SettingsError as e:
        err.write(cli_text("bad_config", lang, key=e.key, problem=e.problem) + "\n")
        return 3
    except StoreUnavailable as e:
        err.write(cli_text("store_unavailable", lang, url=e.url, detail=e.detail) + "\n")
        return 3
    except StoreTooNew as e:
        err.write(cli_text("store_too_new", lang, revision=e.revision) + "\n")
        return 3
