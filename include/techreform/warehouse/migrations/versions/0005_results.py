"""Statistics, reconciliation, indicators and deliveries

Tables for what the later steps make (techreform.warehouse.results): every statistics extract loaded
(stats_load, with its projects and unit totals), the reconciliation in force per period (recon_run,
recon_item), the bureau's match decisions, every indicator run and its values, and every delivery
of a workbook. New tables only: nothing existing changes, and the downgrade drops them.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 16:01:46.419275
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=6), nullable=False),
        sa.Column("file", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("recipients", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.create_index("ix_delivery_sha", ["sha256"], unique=False)

    op.create_table(
        "indicator_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=6), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.Column("in_force", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("indicator_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_indicator_run_period"), ["period"], unique=False)

    op.create_table(
        "match_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("library_key", sa.Text(), nullable=False),
        sa.Column("stats_project_id", sa.String(length=64), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "library_key", "stats_project_id", "source", name="uq_decision"),
    )
    op.create_table(
        "stats_load",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=6), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("loaded_at", sa.DateTime(), nullable=False),
        sa.Column("projects_count", sa.Integer(), nullable=False),
        sa.Column("totals_count", sa.Integer(), nullable=False),
        sa.Column("warnings", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("period", "sha256", name="uq_stats_load_period_sha"),
    )
    with op.batch_alter_table("stats_load", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stats_load_period"), ["period"], unique=False)

    op.create_table(
        "indicator_value",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.String(length=12), nullable=False),
        sa.Column("indicator_id", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Numeric(24, 6), nullable=True),
        sa.Column("target", sa.Numeric(24, 6), nullable=True),
        sa.Column("completion_rate", sa.Numeric(24, 6), nullable=True),
        sa.Column("time_progress", sa.Numeric(24, 6), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["indicator_run.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("indicator_value", schema=None) as batch_op:
        batch_op.create_index("ix_indicator_value_run_unit", ["run_id", "unit_code"], unique=False)

    op.create_table(
        "recon_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=6), nullable=False),
        sa.Column("load_id", sa.Integer(), nullable=False),
        sa.Column("run_at", sa.DateTime(), nullable=False),
        sa.Column("decisions_applied", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["load_id"],
            ["stats_load.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("period"),
    )
    op.create_table(
        "stats_project",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("load_id", sa.Integer(), nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("stats_project_id", sa.String(length=64), nullable=False),
        sa.Column("unit_code", sa.String(length=12), nullable=False),
        sa.Column("project_code", sa.String(length=64), nullable=True),
        sa.Column("uscc", sa.String(length=32), nullable=True),
        sa.Column("enterprise_name", sa.Text(), nullable=True),
        sa.Column("project_name", sa.Text(), nullable=True),
        sa.Column("construction_nature", sa.String(length=32), nullable=True),
        sa.Column("total_investment", sa.Numeric(18, 4), nullable=True),
        sa.Column("ytd_completed", sa.Numeric(18, 4), nullable=True),
        sa.ForeignKeyConstraint(
            ["load_id"],
            ["stats_load.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("stats_project", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stats_project_load_id"), ["load_id"], unique=False)

    op.create_table(
        "stats_unit_total",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("load_id", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.String(length=12), nullable=False),
        sa.Column("industrial_ytd", sa.Numeric(18, 4), nullable=True),
        sa.Column("tech_ytd", sa.Numeric(18, 4), nullable=True),
        sa.Column("industrial_prev", sa.Numeric(18, 4), nullable=True),
        sa.Column("tech_prev", sa.Numeric(18, 4), nullable=True),
        sa.ForeignKeyConstraint(
            ["load_id"],
            ["stats_load.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("stats_unit_total", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stats_unit_total_load_id"), ["load_id"], unique=False)

    op.create_table(
        "recon_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=6), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("unit_code", sa.String(length=12), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("stats_project_id", sa.String(length=64), nullable=True),
        sa.Column("category", sa.String(length=24), nullable=False),
        sa.Column("qualifying", sa.Boolean(), nullable=False),
        sa.Column("tier", sa.String(length=24), nullable=True),
        sa.Column("project_score", sa.Float(), nullable=True),
        sa.Column("company_score", sa.Float(), nullable=True),
        sa.Column("library_ytd", sa.Numeric(18, 4), nullable=True),
        sa.Column("stats_ytd", sa.Numeric(18, 4), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["recon_run.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("recon_item", schema=None) as batch_op:
        batch_op.create_index("ix_recon_item_period_unit", ["period", "unit_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_recon_item_run_id"), ["run_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("recon_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recon_item_run_id"))
        batch_op.drop_index("ix_recon_item_period_unit")

    op.drop_table("recon_item")
    with op.batch_alter_table("stats_unit_total", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stats_unit_total_load_id"))

    op.drop_table("stats_unit_total")
    with op.batch_alter_table("stats_project", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stats_project_load_id"))

    op.drop_table("stats_project")
    op.drop_table("recon_run")
    with op.batch_alter_table("indicator_value", schema=None) as batch_op:
        batch_op.drop_index("ix_indicator_value_run_unit")

    op.drop_table("indicator_value")
    with op.batch_alter_table("stats_load", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stats_load_period"))

    op.drop_table("stats_load")
    op.drop_table("match_decision")
    with op.batch_alter_table("indicator_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_indicator_run_period"))

    op.drop_table("indicator_run")
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_index("ix_delivery_sha")

    op.drop_table("delivery")
