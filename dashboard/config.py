"""Typed settings read from ``config.toml``.

This is the only module that parses the configuration file, so a wrong value is reported once,
naming the key, instead of failing somewhere deep in a page.
"""

from __future__ import annotations

import calendar
import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = ROOT / "config.toml"
ENV_DB_URL = "DASHBOARD_DB_URL"
ENV_CONFIG = "DASHBOARD_CONFIG"
ENV_EXTERNAL_URL = "DASHBOARD_EXTERNAL_URL"

KINDS = ("roster", "summary", "ledger", "certificates", "milestones")
TARGET_KEYS = (
    "participation_rate",
    "launch_rate",
    "hours_per_capita_month",
    "certificates_per_100",
    "phase_progress",
)
# The indicators of 考核评比 (DESIGN §4b) and their default weights (they need not add up to 100).
EVALUATION_INDICATORS = (
    "participation_rate",
    "hours_per_capita",
    "certificates_per_100",
    "phase_progress",
    "submission_rate",
)
DEFAULT_WEIGHTS = (30.0, 25.0, 15.0, 20.0, 10.0)


class SettingsError(Exception):
    """A value in config.toml is missing or wrong; ``key`` names it (dotted path)."""

    def __init__(self, key: str, problem: str):
        super().__init__(f"config.toml: {key}: {problem}")
        self.key = key
        self.problem = problem


@dataclass(frozen=True)
class Milestone:
    name: str
    name_en: str
    phase: str
    due: date


@dataclass(frozen=True)
class Phase:
    name: str
    name_en: str
    start: date
    end: date
    milestones: tuple[Milestone, ...]


@dataclass(frozen=True)
class Targets:
    participation_rate: float
    launch_rate: float
    hours_per_capita_month: float
    certificates_per_100: float
    phase_progress: float
    amber_ratio: float
    departments: dict[str, dict[str, float]] = field(default_factory=dict)
    units: dict[str, dict[str, float]] = field(default_factory=dict)

    def for_scope(self, key: str, department: str | None = None, unit: str | None = None) -> float:
        """The target of ``key``: a unit override wins over a department one over the default."""
        if unit is not None and key in self.units.get(unit, {}):
            return self.units[unit][key]
        if department is not None and key in self.departments.get(department, {}):
            return self.departments[department][key]
        return float(getattr(self, key))


@dataclass(frozen=True)
class EvaluationRules:
    """[evaluation]: how units are scored and who may be commended (DESIGN §4b).

    ``weights`` are (indicator, weight) pairs in ``EVALUATION_INDICATORS`` order: a tuple, so the
    rules are hashable and a page can cache a "what if" evaluation by them."""

    weights: tuple[tuple[str, float], ...] = tuple(zip(EVALUATION_INDICATORS, DEFAULT_WEIGHTS, strict=True))
    veto_participation_rate: float = 0.90
    min_training_funds_ratio: float = 0.015
    award_min_score: float = 90.0
    award_share: float = 0.2
    min_hours_per_month: float = 4.0
    require_certificate: bool = False
    individual_awards: int = 10

    def weight(self, indicator: str) -> float:
        return dict(self.weights)[indicator]

    def with_weights(self, weights: dict[str, float]) -> EvaluationRules:
        """The same rules with other weights (the page's "what if"); indicators not given keep
        theirs. Raises SettingsError as config.toml would for a wrong one."""
        table = {**dict(self.weights), **weights}
        return replace(self, weights=_weights(table, "evaluation.weights"))


@dataclass(frozen=True)
class CampaignPlan:
    """One campaign year's plan: its phases and milestones, targets, 考核评比 rules and the day of
    the following month a report is due. config.toml seeds the first year; the store keeps one per
    year after that (``dashboard.campaigns``)."""

    year: int
    phases: tuple[Phase, ...]
    targets: Targets
    evaluation: EvaluationRules = field(default_factory=EvaluationRules)
    report_due_day: int = 10

    @property
    def milestones(self) -> tuple[Milestone, ...]:
        return tuple(m for p in self.phases for m in p.milestones)


# What each kind needs mapped in [external.<kind>].columns: its required fields, plus the month of
# summary/ledger rows (a database has no title or file name to take the month from).
_EXTERNAL_FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "roster": (("unit", "department", "headcount"), ("unit_type", "is_pilot")),
    "summary": (
        ("unit", "month", "headcount", "participants", "sessions", "person_times", "hours", "certificates"),
        ("suggestions", "training_funds", "payroll"),
    ),
    "ledger": (("employee_id", "name", "unit", "month", "hours", "points"), ("attendance",)),
    "certificates": (("employee_id", "name", "unit", "cert_name", "level", "cert_date"), ()),
    "milestones": (("unit", "phase", "milestone"), ("planned_date", "done_date")),
}
_TABLE_NAME_RE = re.compile(r"[^\W\d][\w$]*(?:\.[^\W\d][\w$]*)?")
_SQL_COMMENT_RE = re.compile(r"--[^\n]*|/\*.*?\*/", re.S)


@dataclass(frozen=True)
class ExternalKind:
    """Where one kind of row lives in the external database: a table or a read-only query, and
    which source column holds each field (field name → source column)."""

    kind: str
    table: str | None
    query: str | None
    columns: dict[str, str]

    @property
    def source(self) -> str:
        """How problems name this source (their "sheet"): the table, or the config key of the query."""
        return self.table if self.table is not None else f"external.{self.kind}.query"


@dataclass(frozen=True)
class ExternalSource:
    """An existing database (HR, training system) that ``python -m dashboard sync`` pulls from."""

    url: str
    kinds: dict[str, ExternalKind]  # in KINDS order: rosters first, so units get their department

    def resolve_url(self, config_dir: Path = ROOT) -> str:
        """``DASHBOARD_EXTERNAL_URL`` (keeps a password out of config.toml) beats ``external.url``;
        a relative SQLite path is anchored at the config file's folder."""
        return anchor_sqlite_url(os.environ.get(ENV_EXTERNAL_URL) or self.url, config_dir)


@dataclass(frozen=True)
class Access:
    """[access]: who must sign in. With no account at all and ``require_login = false`` everyone
    is an administrator (a fresh install, the demo); as soon as an account exists, or with
    ``require_login = true``, every visitor signs in, except that ``anonymous_viewer = true``
    lets a visitor who has not signed in read (a meeting-room screen). ``oidc_email_domains``
    (e.g. ``["example.org"]``) accepts OIDC identities of those e-mail domains only; empty: any
    domain. It can only narrow who signs in: an unverified e-mail is refused either way."""

    require_login: bool = False
    anonymous_viewer: bool = False
    oidc_email_domains: tuple[str, ...] = ()


@dataclass(frozen=True)
class Settings:
    organisation: str
    database_url: str
    max_upload_mb: int
    quality_tolerance: float
    top_learners: int
    default_language: str
    year: int
    phases: tuple[Phase, ...]
    targets: Targets
    column_aliases: dict[str, tuple[str, ...]]
    sheet_aliases: dict[str, tuple[str, ...]]
    config_dir: Path = ROOT
    external: ExternalSource | None = None  # [external]; None when no external database is set up
    access: Access = field(default_factory=Access)  # [access]
    evaluation: EvaluationRules = field(default_factory=EvaluationRules)  # [evaluation]
    report_due_day: int = 10  # [campaign] report_due_day: a month's report is late after this day of the next

    @property
    def plan(self) -> CampaignPlan:
        """The campaign year's part of these settings (config.toml's seed, or the year chosen)."""
        return CampaignPlan(self.year, self.phases, self.targets, self.evaluation, self.report_due_day)

    def with_plan(self, plan: CampaignPlan) -> Settings:
        """These settings for another campaign year: its plan in place of the configured one."""
        return replace(
            self,
            year=plan.year,
            phases=plan.phases,
            targets=plan.targets,
            evaluation=plan.evaluation,
            report_due_day=plan.report_due_day,
        )

    @property
    def milestones(self) -> tuple[Milestone, ...]:
        return tuple(m for p in self.phases for m in p.milestones)

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    def phase_of(self, day: date) -> Phase | None:
        """The phase whose dates hold ``day`` (the "current phase" when day is today)."""
        for p in self.phases:
            if p.start <= day <= p.end:
                return p
        return None

    def resolve_database_url(self, override: str | None = None) -> str:
        """``--db`` beats ``DASHBOARD_DB_URL`` beats config.toml; relative SQLite paths are
        anchored at the config file's folder so the CLI works from any working directory."""
        url = override or os.environ.get(ENV_DB_URL) or self.database_url
        return anchor_sqlite_url(url, self.config_dir)


def anchor_sqlite_url(url: str, base: Path) -> str:
    m = re.match(r"^(sqlite(?:\+\w+)?):///(?!/)(.+)$", url)
    if not m or m.group(2) == ":memory:":
        return url
    return f"{m.group(1)}:///{(base / m.group(2)).resolve()}"


def _get(table: dict[str, Any], key: str, path: str, kind: type | tuple[type, ...], default: Any = ...):
    if key not in table:
        if default is ...:
            raise SettingsError(f"{path}.{key}" if path else key, "missing")
        return default
    value = table[key]
    if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        raise SettingsError(f"{path}.{key}" if path else key, f"expected a number, got {value!r}")
    if not isinstance(value, kind):
        want = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        raise SettingsError(f"{path}.{key}" if path else key, f"expected {want}, got {value!r}")
    return value


def _email_domains(values: list[Any]) -> tuple[str, ...]:
    """[access] oidc_email_domains: plain domain names ("example.org"), lower case."""
    out = []
    for v in values:
        domain = v.strip().lower().lstrip("@") if isinstance(v, str) else ""
        if not re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", domain):
            raise SettingsError("access.oidc_email_domains", f"expected domain names like example.org, got {v!r}")
        out.append(domain)
    return tuple(out)


def _month_day(text: str, year: int, key: str) -> date:
    m = re.fullmatch(r"(\d{1,2})-(\d{1,2})", str(text).strip())
    if not m:
        raise SettingsError(key, f"expected MM-DD, got {text!r}")
    month, day = int(m.group(1)), int(m.group(2))
    if not 1 <= month <= 12:
        raise SettingsError(key, f"no month {month} in {text!r}")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= 31:
        raise SettingsError(key, f"no day {day} in {text!r}")
    return date(year, month, min(day, last))


def _float(table: dict[str, Any], key: str, path: str, default: Any = ...) -> float:
    value = _get(table, key, path, (int, float), default)
    if value < 0:
        raise SettingsError(f"{path}.{key}", f"must not be negative, got {value!r}")
    return float(value)


def _overrides(table: dict[str, Any], path: str) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for scope, values in table.items():
        if not isinstance(values, dict):
            raise SettingsError(f"{path}.{scope}", "expected a table of targets")
        for k in values:
            if k not in TARGET_KEYS:
                raise SettingsError(f"{path}.{scope}.{k}", f"unknown target; known: {', '.join(TARGET_KEYS)}")
        out[scope] = {k: _float(values, k, f"{path}.{scope}") for k in values}
    return out


def _weights(table: dict[str, Any], path: str) -> tuple[tuple[str, float], ...]:
    for k in table:
        if k not in EVALUATION_INDICATORS:
            raise SettingsError(f"{path}.{k}", f"unknown indicator; known: {', '.join(EVALUATION_INDICATORS)}")
    defaults = dict(zip(EVALUATION_INDICATORS, DEFAULT_WEIGHTS, strict=True))
    out = tuple((k, _float(table, k, path, defaults[k])) for k in EVALUATION_INDICATORS)
    if not any(w > 0 for _, w in out):
        raise SettingsError(path, "at least one weight must be above 0")
    return out


def _share(table: dict[str, Any], key: str, path: str, default: float) -> float:
    value = _float(table, key, path, default)
    if value > 1:
        raise SettingsError(f"{path}.{key}", f"expected a share between 0 and 1, got {table[key]!r}")
    return value


_EVALUATION_KEYS = (
    "weights",
    "veto_participation_rate",
    "min_training_funds_ratio",
    "award_min_score",
    "award_share",
    "min_hours_per_month",
    "require_certificate",
    "individual_awards",
)


def _evaluation(raw: dict[str, Any]) -> EvaluationRules:
    path = "evaluation"
    for k in raw:
        if k not in _EVALUATION_KEYS:
            raise SettingsError(f"{path}.{k}", f"unknown key; known: {', '.join(_EVALUATION_KEYS)}")
    d = EvaluationRules()
    score = _float(raw, "award_min_score", path, d.award_min_score)
    if score > 100:
        raise SettingsError(
            f"{path}.award_min_score", f"expected a score between 0 and 100, got {raw['award_min_score']!r}"
        )
    awards = _get(raw, "individual_awards", path, int, d.individual_awards)
    if awards < 0:
        raise SettingsError(f"{path}.individual_awards", f"must not be negative, got {awards!r}")
    return EvaluationRules(
        weights=_weights(_get(raw, "weights", path, dict, {}), f"{path}.weights"),
        veto_participation_rate=_share(raw, "veto_participation_rate", path, d.veto_participation_rate),
        min_training_funds_ratio=_share(raw, "min_training_funds_ratio", path, d.min_training_funds_ratio),
        award_min_score=score,
        award_share=_share(raw, "award_share", path, d.award_share),
        min_hours_per_month=_float(raw, "min_hours_per_month", path, d.min_hours_per_month),
        require_certificate=_get(raw, "require_certificate", path, bool, d.require_certificate),
        individual_awards=awards,
    )


def _external_kind(kind: str, table: Any) -> ExternalKind:
    path = f"external.{kind}"
    if not isinstance(table, dict):
        raise SettingsError(path, "expected a table with `table` or `query`, and `columns`")
    for k in table:
        if k not in ("table", "query", "columns"):
            raise SettingsError(f"{path}.{k}", "unknown key; known: table, query, columns")
    name = _get(table, "table", path, str, None)
    query = _get(table, "query", path, str, None)
    if (name is None) == (query is None):
        raise SettingsError(path, "give either `table` or `query` (exactly one)")
    if name is not None and not _TABLE_NAME_RE.fullmatch(name.strip()):
        raise SettingsError(f"{path}.table", f"expected a table name (or schema.table), got {name!r}")
    if query is not None:
        body = _SQL_COMMENT_RE.sub(" ", query).strip().rstrip(";").strip()
        if not re.match(r"(?i)(select|with)\b", body):
            raise SettingsError(f"{path}.query", "expected one SELECT (or WITH … SELECT) statement")
        if ";" in body:
            raise SettingsError(f"{path}.query", "expected one statement, found `;` inside")
    cols = _get(table, "columns", path, dict)
    required, optional = _EXTERNAL_FIELDS[kind]
    mapping: dict[str, str] = {}
    for field_name, source in cols.items():
        if field_name not in required and field_name not in optional:
            known = ", ".join(required + optional)
            raise SettingsError(f"{path}.columns.{field_name}", f"unknown field for {kind}; known: {known}")
        if not isinstance(source, str) or not source.strip():
            raise SettingsError(f"{path}.columns.{field_name}", f"expected a source column name, got {source!r}")
        mapping[field_name] = source.strip()
    missing = [f for f in required if f not in mapping]
    if missing:
        raise SettingsError(f"{path}.columns", f"no source column for {', '.join(missing)}")
    return ExternalKind(kind, name.strip() if name is not None else None, query, mapping)


def _external(raw: Any) -> ExternalSource | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise SettingsError("external", "expected a table")
    for k in raw:
        if k != "url" and k not in KINDS:
            raise SettingsError(f"external.{k}", f"unknown key; known: url, {', '.join(KINDS)}")
    url = _get(raw, "url", "external", str)
    if not url.strip() or "://" not in url:
        raise SettingsError("external.url", f"expected a database URL, got {url!r}")
    kinds = {k: _external_kind(k, raw[k]) for k in KINDS if k in raw}
    if not kinds:
        raise SettingsError("external", f"no kind to read; add at least one of [external.{']/['.join(KINDS)}]")
    return ExternalSource(url.strip(), kinds)


PLAN_SECTIONS = ("campaign", "targets", "evaluation")  # the tables of config.toml a year's plan is made of
_CAMPAIGN_KEYS = ("year", "report_due_day", "phases")


def parse_plan(raw: dict[str, Any]) -> CampaignPlan:
    """A year's campaign plan from the ``[campaign]``, ``[targets]`` and ``[evaluation]`` tables —
    of config.toml (the first year's seed) or of a plan stored for a year (the same document, so
    one parser checks both), raising SettingsError naming the bad key."""
    camp = _get(raw, "campaign", "", dict)
    for k in camp:
        if k not in _CAMPAIGN_KEYS:
            raise SettingsError(f"campaign.{k}", f"unknown key; known: {', '.join(_CAMPAIGN_KEYS)}")
    year = _get(camp, "year", "campaign", int)
    if not 1990 <= year <= 2100:
        raise SettingsError("campaign.year", f"expected a year, got {year!r}")
    due_day = _get(camp, "report_due_day", "campaign", int, 10)
    if not 1 <= due_day <= 28:  # every month has day 28
        raise SettingsError("campaign.report_due_day", f"expected a day from 1 to 28, got {due_day!r}")
    phases: list[Phase] = []
    raw_phases = _get(camp, "phases", "campaign", list)
    if not raw_phases:
        raise SettingsError("campaign.phases", "at least one phase is needed")
    seen: set[str] = set()
    for i, ph in enumerate(raw_phases):
        path = f"campaign.phases[{i}]"
        if not isinstance(ph, dict):
            raise SettingsError(path, "expected a table")
        name = _get(ph, "name", path, str)
        start = _month_day(_get(ph, "start", path, str), year, f"{path}.start")
        end = _month_day(_get(ph, "end", path, str), year, f"{path}.end")
        if end < start:
            raise SettingsError(f"{path}.end", "ends before it starts")
        ms: list[Milestone] = []
        for j, m in enumerate(_get(ph, "milestones", path, list, [])):
            mpath = f"{path}.milestones[{j}]"
            if not isinstance(m, dict):
                raise SettingsError(mpath, "expected a table")
            mname = _get(m, "name", mpath, str)
            if mname in seen:
                raise SettingsError(f"{mpath}.name", f"milestone {mname!r} is listed twice")
            seen.add(mname)
            due = _month_day(_get(m, "due", mpath, str), year, f"{mpath}.due")
            ms.append(Milestone(mname, _get(m, "name_en", mpath, str, mname), name, due))
        phases.append(Phase(name, _get(ph, "name_en", path, str, name), start, end, tuple(ms)))

    t = _get(raw, "targets", "", dict, {})
    targets = Targets(
        participation_rate=_float(t, "participation_rate", "targets", 0.98),
        launch_rate=_float(t, "launch_rate", "targets", 0.95),
        hours_per_capita_month=_float(t, "hours_per_capita_month", "targets", 4.0),
        certificates_per_100=_float(t, "certificates_per_100", "targets", 2.0),
        phase_progress=_float(t, "phase_progress", "targets", 1.0),
        amber_ratio=_float(t, "amber_ratio", "targets", 0.9),
        departments=_overrides(_get(t, "departments", "targets", dict, {}), "targets.departments"),
        units=_overrides(_get(t, "units", "targets", dict, {}), "targets.units"),
    )

    evaluation = _evaluation(_get(raw, "evaluation", "", dict, {}))
    return CampaignPlan(year, tuple(phases), targets, evaluation, due_day)


def parse_settings(raw: dict[str, Any], config_dir: Path = ROOT) -> Settings:
    """Turn the parsed TOML into Settings, raising SettingsError naming the bad key."""
    org = _get(raw, "organisation", "", dict, {})
    db = _get(raw, "database", "", dict, {})
    imp = _get(raw, "import", "", dict, {})
    disp = _get(raw, "display", "", dict, {})
    plan = parse_plan(raw)

    aliases = _get(raw, "aliases", "", dict, {})
    columns: dict[str, tuple[str, ...]] = {}
    for k, v in _get(aliases, "columns", "aliases", dict, {}).items():
        if not isinstance(v, list) or not v or not all(isinstance(x, str) for x in v):
            raise SettingsError(f"aliases.columns.{k}", "expected a non-empty list of header names")
        columns[k] = tuple(v)
    sheets: dict[str, tuple[str, ...]] = {}
    for k, v in _get(aliases, "sheets", "aliases", dict, {}).items():
        if k not in KINDS:
            raise SettingsError(f"aliases.sheets.{k}", f"unknown sheet kind; known: {', '.join(KINDS)}")
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise SettingsError(f"aliases.sheets.{k}", "expected a list of sheet names")
        sheets[k] = tuple(v)

    lang = _get(disp, "default_language", "display", str, "zh")
    if lang not in ("zh", "en"):
        raise SettingsError("display.default_language", f"expected zh or en, got {lang!r}")
    top = _get(disp, "top_learners", "display", int, 10)
    if top < 1:
        raise SettingsError("display.top_learners", f"must be at least 1, got {top!r}")
    max_mb = _get(imp, "max_upload_mb", "import", int, 50)
    acc = _get(raw, "access", "", dict, {})
    access = Access(
        require_login=_get(acc, "require_login", "access", bool, False),
        anonymous_viewer=_get(acc, "anonymous_viewer", "access", bool, False),
        oidc_email_domains=_email_domains(_get(acc, "oidc_email_domains", "access", list, [])),
    )
    if max_mb < 1:
        raise SettingsError("import.max_upload_mb", f"must be at least 1, got {max_mb!r}")
    return Settings(
        organisation=_get(org, "name", "organisation", str, "本单位"),
        database_url=_get(db, "url", "database", str, "sqlite:///data/dashboard.db"),
        max_upload_mb=max_mb,
        quality_tolerance=_float(imp, "quality_tolerance", "import", 0.05),
        top_learners=top,
        default_language=lang,
        year=plan.year,
        phases=plan.phases,
        targets=plan.targets,
        column_aliases=columns,
        sheet_aliases=sheets,
        config_dir=config_dir,
        external=_external(raw.get("external")),
        access=access,
        evaluation=plan.evaluation,
        report_due_day=plan.report_due_day,
    )


def load_settings(path: str | Path | None = None) -> Settings:
    """Read config.toml (``DASHBOARD_CONFIG`` or the repository's own by default)."""
    p = Path(path or os.environ.get(ENV_CONFIG) or DEFAULT_CONFIG)
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise SettingsError(str(p), "file not found") from e
    except tomllib.TOMLDecodeError as e:
        raise SettingsError(str(p), f"not valid TOML: {e}") from e
    return parse_settings(raw, p.resolve().parent)
