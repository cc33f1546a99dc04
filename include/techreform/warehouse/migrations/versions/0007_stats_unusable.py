"""The last statistics extract of each period the reconciliation could not use

The statistics watcher announces a period whose extract is new or changed; an extract the
reconciliation found unusable (a broken one) is remembered here by its files' hash, so that it is
announced once, not again every half hour until the bureau sends another. A new table only; the
downgrade drops it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 19:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stats_unusable",
        sa.Column("period", sa.String(length=6), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("found_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("period"),
    )


def downgrade() -> None:
    op.drop_table("stats_unusable")
