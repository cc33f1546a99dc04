"""The warehouse's tables for what the later steps make: every statistics extract loaded, the period's
reconciliation, the bureau's decisions, every indicator run, and every delivery of a workbook."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from techreform.warehouse.decimals import Amount, Exact
from techreform.warehouse.models import Base


def Figure() -> Exact:  # noqa: N802 - used like a type
    """An indicator's value, target or rate: counts, 万元 and percentages alike (6 decimals)."""
    return Exact(24, 6)


class StatsLoad(Base):
    """One statistics extract as read: where from, its hash and when (every load is kept; the same
    content read again is the same load)."""

    __tablename__ = "stats_load"
    __table_args__ = (UniqueConstraint("period", "sha256", name="uq_stats_load_period_sha"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[str] = mapped_column(String(6), index=True)
    source: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[dt.datetime] = mapped_column(DateTime)
    projects_count: Mapped[int] = mapped_column(Integer, default=0)
    totals_count: Mapped[int] = mapped_column(Integer, default=0)
    warnings: Mapped[str | None] = mapped_column(Text)


class StatsUnusable(Base):
    """The last extract of a period the reconciliation could not use (by its files' hash), so that
    the statistics watcher does not announce it again until the bureau sends another."""

    __tablename__ = "stats_unusable"

    period: Mapped[str] = mapped_column(String(6), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    found_at: Mapped[dt.datetime] = mapped_column(DateTime)


class StatsProject(Base):
    __tablename__ = "stats_project"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    load_id: Mapped[int] = mapped_column(ForeignKey("stats_load.id"), index=True)
    row: Mapped[int] = mapped_column(Integer)
    stats_project_id: Mapped[str] = mapped_column(String(64))
    unit_code: Mapped[str] = mapped_column(String(12))
    project_code: Mapped[str | None] = mapped_column(String(64))
    uscc: Mapped[str | None] = mapped_column(String(32))
    enterprise_name: Mapped[str | None] = mapped_column(Text)
    project_name: Mapped[str | None] = mapped_column(Text)
    construction_nature: Mapped[str | None] = mapped_column(String(32))
    total_investment: Mapped[Decimal | None] = mapped_column(Amount())
    ytd_completed: Mapped[Decimal | None] = mapped_column(Amount())


class StatsUnitTotal(Base):
    __tablename__ = "stats_unit_total"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    load_id: Mapped[int] = mapped_column(ForeignKey("stats_load.id"), index=True)
    unit_code: Mapped[str] = mapped_column(String(12))
    industrial_ytd: Mapped[Decimal | None] = mapped_column(Amount())
    tech_ytd: Mapped[Decimal | None] = mapped_column(Amount())
    industrial_prev: Mapped[Decimal | None] = mapped_column(Amount())
    tech_prev: Mapped[Decimal | None] = mapped_column(Amount())


class ReconRun(Base):
    """The period's reconciliation in force (a rerun replaces it and its items)."""

    __tablename__ = "recon_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[str] = mapped_column(String(6), unique=True)
    load_id: Mapped[int] = mapped_column(ForeignKey("stats_load.id"))
    run_at: Mapped[dt.datetime] = mapped_column(DateTime)
    decisions_applied: Mapped[int] = mapped_column(Integer, default=0)


class ReconItem(Base):
    """One project on either side with its category and, when linked, the evidence."""

    __tablename__ = "recon_item"
    __table_args__ = (Index("ix_recon_item_period_unit", "period", "unit_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("recon_run.id"), index=True)
    period: Mapped[str] = mapped_column(String(6))
    side: Mapped[str] = mapped_column(String(8))  # library | stats
    unit_code: Mapped[str] = mapped_column(String(12))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"))  # library side
    stats_project_id: Mapped[str | None] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(24))
    qualifying: Mapped[bool] = mapped_column(Boolean, default=False)
    tier: Mapped[str | None] = mapped_column(String(24))
    project_score: Mapped[float | None] = mapped_column(Float)
    company_score: Mapped[float | None] = mapped_column(Float)
    library_ytd: Mapped[Decimal | None] = mapped_column(Amount())
    stats_ytd: Mapped[Decimal | None] = mapped_column(Amount())
    evidence: Mapped[str | None] = mapped_column(Text)  # the normalised names compared


class MatchDecision(Base):
    """The bureau's decision on a pair, as read from decisions/ (kept across periods)."""

    __tablename__ = "match_decision"
    __table_args__ = (
        UniqueConstraint("kind", "library_key", "stats_project_id", "source", name="uq_decision"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # confirm | reject | link
    library_key: Mapped[str] = mapped_column(Text)
    stats_project_id: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(Text)
    first_seen_at: Mapped[dt.datetime] = mapped_column(DateTime)


class IndicatorRun(Base):
    """Every computation of a period's indicators is kept; the newest is in force."""

    __tablename__ = "indicator_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[str] = mapped_column(String(6), index=True)
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime)
    in_force: Mapped[bool] = mapped_column(Boolean, default=True)


class IndicatorValue(Base):
    __tablename__ = "indicator_value"
    __table_args__ = (Index("ix_indicator_value_run_unit", "run_id", "unit_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("indicator_run.id"))
    unit_code: Mapped[str] = mapped_column(String(12))
    indicator_id: Mapped[str] = mapped_column(String(64))
    value: Mapped[Decimal | None] = mapped_column(Figure())
    target: Mapped[Decimal | None] = mapped_column(Figure())
    completion_rate: Mapped[Decimal | None] = mapped_column(Figure())
    time_progress: Mapped[Decimal | None] = mapped_column(Figure())
    status: Mapped[str] = mapped_column(String(16))
    rank: Mapped[int | None] = mapped_column(Integer)


class Delivery(Base):
    """One workbook sent (or tried) to the leadership office: what, to whom, when, its hash."""

    __tablename__ = "delivery"
    __table_args__ = (Index("ix_delivery_sha", "sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[str] = mapped_column(String(6))
    file: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    recipients: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(8))  # sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
