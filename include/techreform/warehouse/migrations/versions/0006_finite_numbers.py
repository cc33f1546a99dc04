"""Project numbers are finite: no NaN, no infinity, nothing beyond ±10^15

The rules reject such cells (issue 9); the constraint keeps the warehouse clean whatever path a
value takes.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 16:00:00
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# as in techreform.warehouse (FINITE_COLUMNS, finite_check), spelled out: a migration is frozen
COLUMNS = (
    "total_investment",
    "equipment_investment",
    "annual_plan",
    "ytd_completed",
    "cumulative_completed",
    "staff_reduction_pct",
    "energy_reduction_pct",
    "efficiency_gain_pct",
)


def upgrade() -> None:
    with op.batch_alter_table("project") as batch:
        for c in COLUMNS:
            batch.create_check_constraint(
                f"ck_project_{c}_finite", f"{c} IS NULL OR ({c} >= -1e15 AND {c} <= 1e15)"
            )


def downgrade() -> None:
    with op.batch_alter_table("project") as batch:
        for c in COLUMNS:
            batch.drop_constraint(f"ck_project_{c}_finite", type_="check")
