"""Columns as wide as what counties write; a resent file is a new submission

PostgreSQL enforces lengths and integer ranges that SQLite ignores, so a long phone cell, a long
header or an inbox folder named after a bureau stopped intake there and not on SQLite. A file sent
again later (same name and content, new modification time) is now judged again: the identity of a
submission includes its received time.

The downgrade fails once the data no longer fits the old schema (a long phone or folder name, a
file sent twice); that is deliberate: it would otherwise have to drop what counties sent.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("submission") as batch:
        batch.alter_column("unit_code", type_=sa.String(255), existing_type=sa.String(12))
        batch.drop_constraint("uq_submission_unit_content", type_="unique")
        batch.create_unique_constraint(
            "uq_submission_unit_content", ["unit_code", "sha256", "file_name", "received_at"]
        )
    with op.batch_alter_table("finding") as batch:
        batch.alter_column("column", type_=sa.Text(), existing_type=sa.String(128))
    with op.batch_alter_table("project") as batch:
        batch.alter_column("seq", type_=sa.BigInteger(), existing_type=sa.Integer())
        batch.alter_column("smart_equipment_units", type_=sa.BigInteger(), existing_type=sa.Integer())
        batch.alter_column("phone", type_=sa.Text(), existing_type=sa.String(64))


def downgrade() -> None:
    with op.batch_alter_table("project") as batch:
        batch.alter_column("phone", type_=sa.String(64), existing_type=sa.Text())
        batch.alter_column("smart_equipment_units", type_=sa.Integer(), existing_type=sa.BigInteger())
        batch.alter_column("seq", type_=sa.Integer(), existing_type=sa.BigInteger())
    with op.batch_alter_table("finding") as batch:
        batch.alter_column("column", type_=sa.String(128), existing_type=sa.Text())
    with op.batch_alter_table("submission") as batch:
        batch.drop_constraint("uq_submission_unit_content", type_="unique")
        batch.create_unique_constraint("uq_submission_unit_content", ["unit_code", "sha256", "file_name"])
        batch.alter_column("unit_code", type_=sa.String(12), existing_type=sa.String(255))
