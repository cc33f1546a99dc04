"""finding.explained: a warning the county already explained in 备注

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 09:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("finding") as batch:
        batch.add_column(sa.Column("explained", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("finding") as batch:
        batch.drop_column("explained")
