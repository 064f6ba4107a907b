"""The schema as SQLAlchemy Core: every table and ``metadata``, the sizes of names, the months and
blocks of the derived tables, and per table its kind, its key and how its stored rows are found.

Why Core and not the ORM: an import writes up to ~100,000 rows at once and the metrics are
GROUP BY queries; both are plain SQL with executemany, which the ORM would only slow down.

Every table names its unit by the unit's name (unique inside the organisation), so a row, its
undo image and the unit it mentions read the same in a dump, on SQLite, PostgreSQL and MySQL.
The migrations (``data_sources/migrations/versions``) write their own copies of these tables, so a
change here is a new revision there. How the derived tables are kept is ``derived``'s docstring.

Imports: sqlalchemy and ``data_sources.schema`` only (every other store module imports this one).
"""

from __future__ import annotations

import sqlalchemy as sa

from data_sources.schema import KEYS, Kind

metadata = sa.MetaData()

UNIT = 200  # length of a unit name
EMP = 64  # length of a 工号
# MySQL/MariaDB: Chinese text, compared code point by code point as SQLite and PostgreSQL do
# (revision 0004 converts stores made before it)
MYSQL_TABLE = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}

units = sa.Table(
    "units",
    metadata,
    sa.Column("name", sa.String(UNIT), primary_key=True),
    sa.Column("department", sa.String(UNIT), nullable=True),
    sa.Column("unit_type", sa.String(100), nullable=True),
    sa.Column("is_pilot", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("headcount", sa.Integer(), nullable=True),
    sa.Column("auto_added", sa.Boolean(), nullable=False, server_default=sa.false()),
    # the first month (YYYY-MM) the unit no longer reports (撤销/停止报送; revision 0010): left out of
    # the selection's units for a period starting from it on; NULL while it reports
    sa.Column("retired_from", sa.String(7), nullable=True),
    sqlite_with_rowid=False,
    **MYSQL_TABLE,
)

summary_rows = sa.Table(
    "summary_rows",
    metadata,
    sa.Column("unit", sa.String(UNIT), primary_key=True),
    sa.Column("month", sa.String(7), primary_key=True),
    sa.Column("headcount", sa.Integer(), nullable=False),
    sa.Column("participants", sa.Integer(), nullable=False),
    sa.Column("sessions", sa.Integer(), nullable=False),
    sa.Column("person_times", sa.Integer(), nullable=False),
    sa.Column("hours", sa.Double(), nullable=False),
    sa.Column("certificates", sa.Integer(), nullable=False),
    sa.Column("suggestions", sa.Integer(), nullable=True),
    # 考核评比's funds ratio (revision 0007): 元, NULL when not reported
    sa.Column("training_funds", sa.Double(), nullable=True),
    sa.Column("payroll", sa.Double(), nullable=True),
    sa.Index("ix_summary_month_unit", "month", "unit"),
    sqlite_with_rowid=False,
    **MYSQL_TABLE,
)

ledger_rows = sa.Table(
    "ledger_rows",
    metadata,
    sa.Column("employee_id", sa.String(EMP), primary_key=True),
    sa.Column("month", sa.String(7), primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("unit", sa.String(UNIT), nullable=False),
    sa.Column("hours", sa.Double(), nullable=False),
    sa.Column("points", sa.Double(), nullable=False),
    sa.Column("attendance", sa.Integer(), nullable=True),
    # covers every ledger query of the metrics (participants over P, top learners) and the
    # unit_months recompute: all filter on unit IN U and a month range
    sa.Index("ix_ledger_unit_month", "unit", "month", "employee_id", "hours", "points"),
    sqlite_with_rowid=False,
    **MYSQL_TABLE,
)

certificate_rows = sa.Table(
    "certificate_rows",
    metadata,
    sa.Column("employee_id", sa.String(EMP), primary_key=True),
    sa.Column("cert_name", sa.String(200), primary_key=True),
    sa.Column("cert_date", sa.Date(), primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("unit", sa.String(UNIT), nullable=False),
    sa.Column("level", sa.String(20), nullable=False),
    sa.Column("month", sa.String(7), nullable=False),  # of cert_date, for the unit-month joins
    sa.Index("ix_cert_unit_month", "unit", "month", "level"),
    sqlite_with_rowid=False,
    **MYSQL_TABLE,
)

milestone_rows = sa.Table(
    "milestone_rows",
    metadata,
    sa.Column("unit", sa.String(UNIT), primary_key=True),
    sa.Column("milestone", sa.String(200), primary_key=True),
    sa.Column("phase", sa.String(100), nullable=True),
    sa.Column("planned_date", sa.Date(), nullable=True),
    sa.Column("done_date", sa.Date(), nullable=True),
    sa.Column("year", sa.Integer(), primary_key=True, autoincrement=False),  # its campaign year (revision 0011)
    sqlite_with_rowid=False,
    **MYSQL_TABLE,
)

import_batches = sa.Table(
    "import_batches",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("file_name", sa.String(500), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("user_name", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("counts", sa.Text(), nullable=False),
    sa.Column("undone_at", sa.DateTime(), nullable=True),
    sa.Column("undone_by", sa.String(200), nullable=True),
    # the day the reports of the batch came in (revision 0009): ``import --received`` dates
    # history loaded afterwards; NULL = the day of created_at (a batch older than the revision)
    sa.Column("received_on", sa.Date(), nullable=True),
)

batch_months = sa.Table(
    "batch_months",
    metadata,
    # (revision 0009) every unit-month a batch stored summary or ledger rows of: a unit-month was
    # first received by the earliest batch of it not undone (DESIGN §3 迟报). Kept like
    # batch_changes: written with the batch, never deleted (an undone batch no longer counts)
    sa.Column("month", sa.String(7), primary_key=True),
    sa.Column("unit", sa.String(UNIT), primary_key=True),
    sa.Column("batch_id", sa.Integer(), primary_key=True),
    sqlite_with_rowid=False,
    **MYSQL_TABLE,
)

batch_changes = sa.Table(
    "batch_changes",
    metadata,
    # (tbl, key) first: "did a later batch change this row?" is a range scan of the primary key
    sa.Column("tbl", sa.String(32), primary_key=True),
    sa.Column("key", sa.String(600), primary_key=True),  # JSON list of the key values
    sa.Column("batch_id", sa.Integer(), primary_key=True),
    sa.Column("before", sa.Text(), nullable=True),  # JSON row image; NULL = the batch added it
    sa.Column("after", sa.Text(), nullable=False),
    sa.Index("ix_changes_batch", "batch_id"),
    sqlite_with_rowid=False,
    **MYSQL_TABLE,
)

batch_ledger_adds = sa.Table(
    "batch_ledger_adds",
    metadata,
    # (revision 0012) the ledger rows a batch added, by key and unit: their undo images, most of
    # all images (a month's ledger is 100,000 rows at a federation). Not JSON in batch_changes:
    # written from the import stage in one INSERT … SELECT in the primary key's order (batch_id
    # first: appended), read back by undo without decoding. Kept like batch_changes.
    sa.Column("batch_id", sa.Integer(), primary_key=True),
    sa.Column("employee_id", sa.String(EMP), primary_key=True),
    sa.Column("month", sa.String(7), primary_key=True),
    sa.Column("unit", sa.String(UNIT), nullable=False),
    sqlite_with_rowid=False,
    **MYSQL_TABLE,
)

unit_months = sa.Table(
    "unit_months",
    metadata,
    sa.Column("unit", sa.String(UNIT), primary_key=True),
    sa.Column("month", sa.String(7), primary_key=True),
    sa.Column("has_summary", sa.Boolean(), nullable=False),
    sa.Column("has_ledger", sa.Boolean(), nullable=False),
    sa.Column("has_cert_rows", sa.Boolean(), nullable=False),
    # the summary row as reported (NULL without one)
    sa.Column("summary_headcount", sa.Integer(), nullable=True),
    sa.Column("summary_participants", sa.Integer(), nullable=True),
    sa.Column("summary_sessions", sa.Integer(), nullable=True),
    sa.Column("summary_person_times", sa.Integer(), nullable=True),
    sa.Column("summary_hours", sa.Double(), nullable=True),
    sa.Column("summary_certificates", sa.Integer(), nullable=True),
    sa.Column("summary_suggestions", sa.Integer(), nullable=True),
    # the ledger rows of the unit-month, aggregated (0 without any)
    sa.Column("ledger_hours", sa.Double(), nullable=False),
    sa.Column("ledger_points", sa.Double(), nullable=False),
    sa.Column("ledger_participants", sa.Integer(), nullable=False),  # distinct 工号 with hours > 0
    sa.Column("ledger_rows", sa.Integer(), nullable=False),
    sa.Column("cert_rows", sa.Integer(), nullable=False),
    # effective figures of the month after DESIGN §4 precedence (detail beats summary)
    sa.Column("hours", sa.Double(), nullable=False),
    sa.Column("participants", sa.Integer(), nullable=False),
    sa.Column("certificates", sa.Integer(), nullable=False),
    sa.Column("updated_at", sa.DateTime(), nullable=False),
    sa.Index("ix_unit_months_month_unit", "month", "unit"),
    sqlite_with_rowid=False,
    **MYSQL_TABLE,
)

MONTHS = tuple(f"{m:02d}" for m in range(1, 13))

learner_years = sa.Table(
    "learner_years",
    metadata,
    # derived: one row per person × unit × calendar year with any ledger row, 12× fewer rows than
    # ledger_rows; the per-person figures over any period P (participants over several months,
    # top learners) are sums of the month columns of P and bit tests on the masks.
    # Clustered on (year, unit, employee_id): the whole organisation's year is one range, a few
    # units' years a few ranges; a recompute deletes by (employee_id, year) through the index.
    sa.Column("year", sa.String(4), primary_key=True),
    sa.Column("unit", sa.String(UNIT), primary_key=True),
    sa.Column("employee_id", sa.String(EMP), primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),  # MAX(name) of the rows
    sa.Column("names_vary", sa.Boolean(), nullable=False),  # the rows carry more than one name
    sa.Column("row_mask", sa.Integer(), nullable=False),  # bit m-1: a ledger row in month m
    sa.Column("active_mask", sa.Integer(), nullable=False),  # bit m-1: hours > 0 in month m
    # rows of this (employee_id, year): 1 for everyone who stayed in one unit all year, so the
    # per-person sums of a period inside the year need no GROUP BY for them
    sa.Column("person_rows", sa.Integer(), nullable=False),
    *[sa.Column(f"points_{m}", sa.Double(), nullable=False) for m in MONTHS],
    *[sa.Column(f"hours_{m}", sa.Double(), nullable=False) for m in MONTHS],
    sa.Index("ix_learner_years_employee_year", "employee_id", "year"),
    # the few people with rows in several units of a year (top learners sums them by a GROUP BY;
    # everyone else is one row): found by this range instead of a scan of the year (revision 0005)
    sa.Index("ix_learner_years_year_rows", "year", "person_rows"),
    sqlite_with_rowid=False,
    **MYSQL_TABLE,
)

unit_active_masks = sa.Table(
    "unit_active_masks",
    metadata,
    # derived from learner_years (revision 0005): how many people of a unit share an active_mask in
    # a year. Participants over several months of one year are Σ people where active_mask & mask(P)
    # ≠ 0: a few rows per unit (people who trained in the same months share a mask) instead of one
    # per person. Kept by the functions that change learner_years, for the (year, unit)s they touch.
    sa.Column("year", sa.String(4), primary_key=True),
    sa.Column("unit", sa.String(UNIT), primary_key=True),
    sa.Column("active_mask", sa.Integer(), primary_key=True),
    sa.Column("people", sa.Integer(), nullable=False),
    sqlite_with_rowid=False,
    **MYSQL_TABLE,
)

# The blocks of a year whose leaderboards learner_tops keeps: each month, each quarter, the year.
BLOCKS: dict[str, tuple[str, ...]] = {
    **{m: (m,) for m in MONTHS},
    **{f"Q{q}": MONTHS[3 * q - 3 : 3 * q] for q in range(1, 5)},
    "Y": MONTHS,
}

learner_tops = sa.Table(
    "learner_tops",
    metadata,
    # derived from learner_years (revision 0005): for each year and block (month "01".."12",
    # quarter "Q1".."Q4", year "Y"), every person of the whole organisation whose Σ points over
    # the block is at least the derived.TOP_KEEP-th largest minus 1e-5 (everyone with a row in the block
    # when fewer). A leaderboard of n ≤ TOP_KEEP over such a period then reads these few people
    # by 工号 instead of scanning every learner_years row of the year, on every page view.
    # Kept by the functions that change learner_years, for the blocks of the months they touch.
    sa.Column("year", sa.String(4), primary_key=True),
    sa.Column("block", sa.String(2), primary_key=True),
    sa.Column("employee_id", sa.String(EMP), primary_key=True),
    sa.Column("points", sa.Double(), nullable=False),  # raw Σ points over the block, every unit
    sqlite_with_rowid=False,
    **MYSQL_TABLE,
)

# Who may do what (revision 0003; the functions that use them are in data_sources/access.py).
accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("role", sa.String(16), nullable=False),  # viewer | reporter | admin
    sa.Column("units", sa.Text(), nullable=False),  # JSON list: the units a reporter may upload for
    sa.Column("password_hash", sa.String(300), nullable=True),  # scrypt$n$r$p$salt$hash; NULL: OIDC only
    sa.Column("email", sa.String(320), nullable=True),  # the OIDC identity (st.user.email), lower case
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Index("ix_accounts_email", "email"),
    **MYSQL_TABLE,
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(), nullable=False),
    sa.Column("user_name", sa.String(200), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),  # import, import_rejected, undo, undo_refused, login, …
    sa.Column("detail", sa.Text(), nullable=False),  # JSON object
    # the newest roster change for Store.data_version, without reading the sign-ins (revision 0010)
    sa.Index("ix_audit_action_id", "action", "id"),
    **MYSQL_TABLE,
)

# ---- sign-in sessions and lockout (revision 0006; used only by data_sources/access/) ----------
login_sessions = sa.Table(
    "login_sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),  # SHA-256 hex of the cookie's token
    sa.Column("account", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("last_seen_at", sa.DateTime(), nullable=False),
    sa.Column("expires_at", sa.DateTime(), nullable=False),  # the absolute end
    sa.Column("revoked_at", sa.DateTime(), nullable=True),  # sign-out, new password, account removed
    sa.Index("ix_login_sessions_account", "account"),
    **MYSQL_TABLE,
)

login_locks = sa.Table(
    "login_locks",
    metadata,
    sa.Column("name_hash", sa.String(64), primary_key=True),  # SHA-256 hex of the name as typed
    sa.Column("failures", sa.Integer(), nullable=False),
    sa.Column("window_start", sa.DateTime(), nullable=False),
    sa.Column("locked_until", sa.DateTime(), nullable=True),
    **MYSQL_TABLE,
)


# ---- the campaign plan of each year (revision 0008; data_sources/store/plans.py) --------------
campaign_plans = sa.Table(
    "campaign_plans",
    metadata,
    sa.Column("year", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("document", sa.Text(), nullable=False),  # JSON: config.toml's [campaign] [targets] [evaluation]
    sa.Column("revision", sa.Integer(), nullable=False),  # 1, 2, … with every save: part of the data version
    sa.Column("updated_at", sa.DateTime(), nullable=False),
    sa.Column("updated_by", sa.String(200), nullable=False),
    **MYSQL_TABLE,
)

# ---- per table: its kind, its key, how stored rows are found ------------------------------

KIND_TABLE: dict[Kind, sa.Table] = {
    Kind.ROSTER: units,
    Kind.SUMMARY: summary_rows,
    Kind.LEDGER: ledger_rows,
    Kind.CERTIFICATES: certificate_rows,
    Kind.MILESTONES: milestone_rows,
}
TABLE_KIND = {t.name: k for k, t in KIND_TABLE.items()}
# primary key columns of each table, in schema.KEYS order
TABLE_KEY: dict[str, tuple[str, ...]] = {
    "units": ("name",),
    "summary_rows": KEYS[Kind.SUMMARY],
    "ledger_rows": KEYS[Kind.LEDGER],
    "certificate_rows": KEYS[Kind.CERTIFICATES],
    "milestone_rows": KEYS[Kind.MILESTONES],
    "unit_months": ("unit", "month"),
    "learner_years": ("year", "unit", "employee_id"),
    "batch_changes": ("tbl", "key", "batch_id"),
}
# How existing rows are fetched for a set of keys: equality on the first columns, IN on the last.
FETCH_PLAN: dict[str, tuple[tuple[str, ...], str]] = {
    "units": ((), "name"),
    "summary_rows": (("month",), "unit"),
    "ledger_rows": (("month",), "employee_id"),
    "certificate_rows": ((), "employee_id"),
    "milestone_rows": ((), "unit"),
}
KIND_ORDER = (Kind.ROSTER, Kind.SUMMARY, Kind.LEDGER, Kind.CERTIFICATES, Kind.MILESTONES)
