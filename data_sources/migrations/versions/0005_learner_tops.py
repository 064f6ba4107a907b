"""unit_active_masks and learner_tops, derived from learner_years; an index for people who moved.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29

Participants over several months of a year were a scan of every learner_years row of the year (one
per person); people who trained in the same months share an active_mask, so counting them per
(year, unit, active_mask) leaves a few rows per unit. The table is filled from the stored
learner_years, in SQL. learner_tops keeps, per year and block (each month "01".."12", quarter
"Q1".."Q4", the year "Y"), everyone whose Σ points over the block is at least the 1000th largest
minus 1e-5, so a leaderboard of such a period over the whole organisation reads those few people
instead of every learner_years row of the year. The index (year, person_rows) finds the few people
with rows in several units of a year (top learners group them) without a scan. Written out in full
(not from store.metadata or the store's functions) so that later changes to the models never
change what this revision does.
"""

from __future__ import annotations

import functools
import operator

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

UNIT = 200
EMP = 64
MONTHS = tuple(f"{m:02d}" for m in range(1, 13))
BLOCKS = {
    **{m: (m,) for m in MONTHS},
    **{f"Q{q}": MONTHS[3 * q - 3 : 3 * q] for q in range(1, 5)},
    "Y": MONTHS,
}
TOP_KEEP = 1000


def upgrade() -> None:
    op.create_table(
        "unit_active_masks",
        sa.Column("year", sa.String(4), primary_key=True),
        sa.Column("unit", sa.String(UNIT), primary_key=True),
        sa.Column("active_mask", sa.Integer(), primary_key=True),
        sa.Column("people", sa.Integer(), nullable=False),
        sqlite_with_rowid=False,
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    op.create_index("ix_learner_years_year_rows", "learner_years", ["year", "person_rows"])
    ly = sa.table(
        "learner_years",
        sa.column("year", sa.String),
        sa.column("unit", sa.String),
        sa.column("active_mask", sa.Integer),
    )
    uam = sa.table("unit_active_masks", *[sa.column(n) for n in ("year", "unit", "active_mask", "people")])
    select = sa.select(ly.c.year, ly.c.unit, ly.c.active_mask, sa.func.count()).group_by(
        ly.c.year, ly.c.unit, ly.c.active_mask
    )
    op.get_bind().execute(uam.insert().from_select(["year", "unit", "active_mask", "people"], select))
    op.create_table(
        "learner_tops",
        sa.Column("year", sa.String(4), primary_key=True),
        sa.Column("block", sa.String(2), primary_key=True),
        sa.Column("employee_id", sa.String(EMP), primary_key=True),
        sa.Column("points", sa.Double(), nullable=False),
        sqlite_with_rowid=False,
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    _fill_learner_tops()


def _fill_learner_tops() -> None:
    """Per year and block: a top heap of the raw sums of the people with one row that year, the
    grouped sums of those with several, and everyone at or above the 1000th largest − 1e-5."""
    conn = op.get_bind()
    cols = ["year", "employee_id", "row_mask", "person_rows"] + [f"points_{m}" for m in MONTHS]
    ly = sa.table("learner_years", *[sa.column(c) for c in cols])
    lt = sa.table("learner_tops", *[sa.column(c) for c in ("year", "block", "employee_id", "points")])
    years = sorted(conn.execute(sa.select(ly.c.year).distinct()).scalars())
    for year in years:
        for block, months in BLOCKS.items():
            pts = functools.reduce(operator.add, [ly.c[f"points_{m}"] for m in months])
            bits = sum(1 << (int(m) - 1) for m in months)
            in_block = sa.and_(ly.c.year == year, ly.c.row_mask.op("&")(sa.literal(bits, sa.Integer)) != 0)
            q = sa.select(ly.c.employee_id, pts).where(in_block, (ly.c.person_rows + 0) == 1)
            limit = 2 * TOP_KEEP
            tops = [tuple(r) for r in conn.execute(q.order_by(pts.desc()).limit(limit))]
            moved = [
                tuple(r)
                for r in conn.execute(
                    sa.select(ly.c.employee_id, sa.func.sum(pts))
                    .where(in_block, ly.c.person_rows > 1)
                    .group_by(ly.c.employee_id)
                )
            ]
            sums = sorted([float(t[1]) for t in tops[:TOP_KEEP]] + [float(t[1]) for t in moved], reverse=True)
            floor = sums[TOP_KEEP - 1] - 1e-5 if len(sums) >= TOP_KEEP else None
            if floor is not None and len(tops) == limit and float(tops[-1][1]) >= floor:
                tops = [tuple(r) for r in conn.execute(q.where(pts >= floor))]
            keep = [t for t in tops + moved if floor is None or float(t[1]) >= floor]
            if keep:
                conn.execute(
                    lt.insert(),
                    [{"year": year, "block": block, "employee_id": e, "points": float(p)} for e, p in keep],
                )


def downgrade() -> None:
    op.drop_table("learner_tops")
    op.drop_index("ix_learner_years_year_rows", table_name="learner_years")
    op.drop_table("unit_active_masks")
