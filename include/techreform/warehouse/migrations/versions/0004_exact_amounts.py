"""Amounts and percentages as exact decimals

Money (万元) becomes NUMERIC(18, 4) and percentages NUMERIC(9, 4) instead of binary floats, so that
123.45 is kept as 123.45 and sums over counties do not drift (see techreform.warehouse.decimals).
The types are spelled out here, not taken from the models: a migration stays what it was.

PostgreSQL converts the double precision values in place (float8 -> numeric reads them as their
15 significant digits, so 123.45 becomes 123.4500). SQLite rebuilds the table in batch mode and
copies the rows; the column keeps storing REALs (NUMERIC affinity), the values are unchanged. The
runner (techreform.warehouse.db.upgrade) turns foreign keys off around the rebuild and checks
them before committing, as for 0003.

The downgrade turns the decimals back into floats (nothing is lost at these sizes).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

AMOUNTS = ("total_investment", "equipment_investment", "annual_plan", "ytd_completed", "cumulative_completed")
PERCENTAGES = ("staff_reduction_pct", "energy_reduction_pct", "efficiency_gain_pct")


def upgrade() -> None:
    with op.batch_alter_table("project") as batch:
        for name in AMOUNTS:
            batch.alter_column(
                name, type_=sa.Numeric(18, 4), existing_type=sa.Float(), existing_nullable=True
            )
        for name in PERCENTAGES:
            batch.alter_column(name, type_=sa.Numeric(9, 4), existing_type=sa.Float(), existing_nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("project") as batch:
        for name in PERCENTAGES:
            batch.alter_column(name, type_=sa.Float(), existing_type=sa.Numeric(9, 4), existing_nullable=True)
        for name in AMOUNTS:
            batch.alter_column(
                name, type_=sa.Float(), existing_type=sa.Numeric(18, 4), existing_nullable=True
            )
