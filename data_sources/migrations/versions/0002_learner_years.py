"""learner_years: the ledger per person × unit × year, for the per-person figures over a period.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

Creates the table and fills it from the stored ledger_rows, in SQL. Written out in full (not from
store.metadata) so that later changes to the models never change what this revision does.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UNIT = 200
EMP = 64
MONTHS = tuple(f"{m:02d}" for m in range(1, 13))


def upgrade() -> None:
    op.create_table(
        "learner_years",
        sa.Column("year", sa.String(4), primary_key=True),
        sa.Column("unit", sa.String(UNIT), primary_key=True),
        sa.Column("employee_id", sa.String(EMP), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("names_vary", sa.Boolean(), nullable=False),
        sa.Column("row_mask", sa.Integer(), nullable=False),
        sa.Column("active_mask", sa.Integer(), nullable=False),
        sa.Column("person_rows", sa.Integer(), nullable=False),
        *[sa.Column(f"points_{m}", sa.Double(), nullable=False) for m in MONTHS],
        *[sa.Column(f"hours_{m}", sa.Double(), nullable=False) for m in MONTHS],
        sqlite_with_rowid=False,
    )
    op.create_index("ix_learner_years_employee_year", "learner_years", ["employee_id", "year"])
    _backfill()


def _backfill() -> None:
    conn = op.get_bind()
    lr = sa.table(
        "ledger_rows",
        sa.column("employee_id", sa.String),
        sa.column("month", sa.String),
        sa.column("name", sa.String),
        sa.column("unit", sa.String),
        sa.column("hours", sa.Double),
        sa.column("points", sa.Double),
    )
    names = ["year", "unit", "employee_id", "name", "names_vary", "row_mask", "active_mask", "person_rows"]
    names += [f"points_{m}" for m in MONTHS] + [f"hours_{m}" for m in MONTHS]
    ly = sa.table("learner_years", *[sa.column(n) for n in names])
    years = sorted(conn.execute(sa.select(sa.func.substr(lr.c.month, 1, 4)).distinct()).scalars())
    for year in years:
        months = [f"{year}-{m}" for m in MONTHS]
        bit = sa.case({mo: 1 << i for i, mo in enumerate(months)}, value=lr.c.month, else_=0)
        cols = [
            sa.literal(year, sa.String(4)),
            lr.c.unit,
            lr.c.employee_id,
            sa.func.max(lr.c.name),
            sa.func.min(lr.c.name) != sa.func.max(lr.c.name),
            sa.func.sum(bit),
            sa.func.sum(sa.case((lr.c.hours > 0, bit), else_=0)),
            sa.func.count().over(partition_by=lr.c.employee_id),
        ]
        cols += [sa.func.sum(sa.case((lr.c.month == mo, lr.c.points), else_=0.0)) for mo in months]
        cols += [sa.func.sum(sa.case((lr.c.month == mo, lr.c.hours), else_=0.0)) for mo in months]
        select = (
            sa.select(*cols)
            .where(lr.c.month >= months[0], lr.c.month <= months[-1])
            .group_by(lr.c.employee_id, lr.c.unit)
        )
        conn.execute(ly.insert().from_select(names, select))


def downgrade() -> None:
    op.drop_table("learner_years")
