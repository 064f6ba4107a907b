"""milestone_rows.year: a 阶段进度 row's campaign year joins its key (unit, milestone, year), so a
unit's 2025 自查自检 is another row than its 2024 one and reporting this year never replaces last
year's progress (issue 15).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02

The year of a stored row is the year of its 完成日期, else of its 计划完成日期, else the year of the
latest month the store holds (what the row was most likely reported for). The table is rebuilt
with the new key (SQLite cannot change a primary key in place; the tables are small: a row per
unit and milestone). The undo images of milestone rows in ``batch_changes`` get the year in their
key and images, so a batch from before this revision can still be undone.
"""

from __future__ import annotations

import json
from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_COLUMNS = ("unit", "milestone", "phase", "planned_date", "done_date", "year")


def _year(done: object, planned: object, fallback: int) -> int:
    for day in (done, planned):
        if isinstance(day, date):
            return day.year
        if isinstance(day, str) and len(day) >= 4 and day[:4].isdigit():
            return int(day[:4])
    return fallback


def upgrade() -> None:
    conn = op.get_bind()
    latest = conn.execute(sa.text("SELECT MAX(month) FROM unit_months")).scalar()
    fallback = int(latest[:4]) if latest else date.today().year
    old = sa.table(
        "milestone_rows",
        sa.column("unit"),
        sa.column("milestone"),
        sa.column("phase"),
        sa.column("planned_date", sa.Date()),
        sa.column("done_date", sa.Date()),
    )
    rows = [dict(r._mapping) for r in conn.execute(sa.select(old))]
    op.create_table(
        "milestone_rows_new",
        sa.Column("unit", sa.String(200), primary_key=True),
        sa.Column("milestone", sa.String(200), primary_key=True),
        sa.Column("phase", sa.String(100), nullable=True),
        sa.Column("planned_date", sa.Date(), nullable=True),
        sa.Column("done_date", sa.Date(), nullable=True),
        sa.Column("year", sa.Integer(), primary_key=True, autoincrement=False),
        sqlite_with_rowid=False,
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    new = sa.table("milestone_rows_new", *(sa.column(c) for c in _COLUMNS))
    if rows:
        for r in rows:
            r["year"] = _year(r["done_date"], r["planned_date"], fallback)
        conn.execute(new.insert(), rows)
    op.drop_table("milestone_rows")
    op.rename_table("milestone_rows_new", "milestone_rows")
    # the undo images: the key [unit, milestone] → [unit, milestone, year], the images get "year"
    bc = sa.table(
        "batch_changes",
        sa.column("tbl"),
        sa.column("key"),
        sa.column("batch_id"),
        sa.column("before"),
        sa.column("after"),
    )
    for change in conn.execute(sa.select(bc).where(bc.c.tbl == "milestone_rows")).all():
        before = json.loads(change.before) if change.before else None
        after = json.loads(change.after) if change.after else None
        image = before or after or {}
        year = image.get("year") or _year(image.get("done_date"), image.get("planned_date"), fallback)
        key = json.loads(change.key)
        values = {"key": json.dumps([*key[:2], year], ensure_ascii=False, separators=(",", ":"))}
        for name, img in (("before", before), ("after", after)):
            if img is not None:
                values[name] = json.dumps(
                    {**img, "year": year}, ensure_ascii=False, separators=(",", ":"), sort_keys=True
                )
        same = (bc.c.tbl == change.tbl, bc.c.key == change.key, bc.c.batch_id == change.batch_id)
        conn.execute(bc.update().where(*same).values(**values))


def downgrade() -> None:
    """Back to one row per unit and milestone: the latest year's (earlier years' rows are lost)."""
    conn = op.get_bind()
    cur = sa.table("milestone_rows", *(sa.column(c) for c in _COLUMNS))
    latest: dict[tuple[str, str], dict] = {}
    for r in conn.execute(sa.select(cur).order_by(cur.c.year)):
        latest[(r.unit, r.milestone)] = {c: getattr(r, c) for c in _COLUMNS if c != "year"}
    op.create_table(
        "milestone_rows_old",
        sa.Column("unit", sa.String(200), primary_key=True),
        sa.Column("milestone", sa.String(200), primary_key=True),
        sa.Column("phase", sa.String(100), nullable=True),
        sa.Column("planned_date", sa.Date(), nullable=True),
        sa.Column("done_date", sa.Date(), nullable=True),
        sqlite_with_rowid=False,
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    if latest:
        old = sa.table("milestone_rows_old", *(sa.column(c) for c in _COLUMNS if c != "year"))
        conn.execute(old.insert(), list(latest.values()))
    op.drop_table("milestone_rows")
    op.rename_table("milestone_rows_old", "milestone_rows")
