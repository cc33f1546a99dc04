"""The warehouse's tables: every submission, its findings, and the projects of accepted returns.

Nothing is ever deleted: a newer accepted return for the same unit and period supersedes the older
one (``queries.settle_in_force``). Amounts and percentages are exact decimals (``decimals``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from techreform.warehouse.decimals import Amount, Percent

RECEIVED = "received"  # archived and registered; not judged yet
ACCEPTED = "accepted"
REJECTED = "rejected"
SUPERSEDED = "superseded"


# The number columns of a project, each a finite number of sensible size or NULL (migration 0006).
FINITE_COLUMNS = (
    "total_investment",
    "equipment_investment",
    "annual_plan",
    "ytd_completed",
    "cumulative_completed",
    "staff_reduction_pct",
    "energy_reduction_pct",
    "efficiency_gain_pct",
)


def finite_check(column: str) -> str:
    return f"{column} IS NULL OR ({column} >= -1e15 AND {column} <= 1e15)"


class Base(DeclarativeBase):
    pass


class Submission(Base):
    """One file a county dropped, as received (the original is kept in archive/)."""

    __tablename__ = "submission"
    __table_args__ = (
        # the same file seen again is no new submission; sent again later (a new time), it is
        UniqueConstraint(
            "unit_code", "sha256", "file_name", "received_at", name="uq_submission_unit_content"
        ),
        Index("ix_submission_unit_period", "unit_code", "period"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(255))  # the inbox folder's name, a unit code or not
    file_name: Mapped[str] = mapped_column(String(255))
    inbox_path: Mapped[str] = mapped_column(Text)
    archive_path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime)
    # The period the return is for; None when the file names none (then report_period files it).
    period: Mapped[str | None] = mapped_column(String(6))
    report_period: Mapped[str] = mapped_column(String(6), index=True)
    status: Mapped[str] = mapped_column(String(12), default=RECEIVED, index=True)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    warnings: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[str | None] = mapped_column(Text)
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    on_time: Mapped[bool | None] = mapped_column(Boolean)
    projects_count: Mapped[int] = mapped_column(Integer, default=0)
    recognitions_count: Mapped[int] = mapped_column(Integer, default=0)
    processed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    receipt_path: Mapped[str | None] = mapped_column(Text)

    findings: Mapped[list[Finding]] = relationship(back_populates="submission", cascade="all, delete-orphan")
    projects: Mapped[list[Project]] = relationship(back_populates="submission", cascade="all, delete-orphan")
    recognitions: Mapped[list[Recognition]] = relationship(
        back_populates="submission", cascade="all, delete-orphan"
    )


class Finding(Base):
    __tablename__ = "finding"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    sheet: Mapped[str | None] = mapped_column(String(64))
    row: Mapped[int | None] = mapped_column(Integer)
    field: Mapped[str | None] = mapped_column(String(64))
    column: Mapped[str | None] = mapped_column(Text)  # the header as the county wrote it
    col_index: Mapped[int | None] = mapped_column(Integer)
    value: Mapped[str | None] = mapped_column(Text)
    rule_id: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(8))
    message: Mapped[str] = mapped_column(Text)
    explained: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    submission: Mapped[Submission] = relationship(back_populates="findings")


class Project(Base):
    """One row of 项目表 of an accepted return, amounts in 万元, months as YYYY-MM."""

    __tablename__ = "project"
    __table_args__ = (
        Index("ix_project_unit_period", "unit_code", "period"),
        # never NaN or infinity (PostgreSQL orders NaN above every number; SQLite stores it as NULL)
        *(CheckConstraint(finite_check(c), name=f"ck_project_{c}_finite") for c in FINITE_COLUMNS),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    unit_code: Mapped[str] = mapped_column(String(12))
    period: Mapped[str] = mapped_column(String(6))
    row: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int | None] = mapped_column(BigInteger)
    uscc: Mapped[str | None] = mapped_column(String(32), index=True)
    enterprise_name: Mapped[str | None] = mapped_column(Text)
    above_scale: Mapped[str | None] = mapped_column(String(4))
    industry_code: Mapped[str | None] = mapped_column(String(8))
    project_name: Mapped[str | None] = mapped_column(Text)
    project_code: Mapped[str | None] = mapped_column(String(40), index=True)
    reform_type: Mapped[str | None] = mapped_column(String(32))
    construction_nature: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str | None] = mapped_column(String(8))
    start_month: Mapped[str | None] = mapped_column(String(7))
    planned_completion: Mapped[str | None] = mapped_column(String(7))
    total_investment: Mapped[Decimal | None] = mapped_column(Amount())
    equipment_investment: Mapped[Decimal | None] = mapped_column(Amount())
    annual_plan: Mapped[Decimal | None] = mapped_column(Amount())
    ytd_completed: Mapped[Decimal | None] = mapped_column(Amount())
    cumulative_completed: Mapped[Decimal | None] = mapped_column(Amount())
    in_statistics: Mapped[str | None] = mapped_column(String(4))
    smart_equipment_units: Mapped[int | None] = mapped_column(BigInteger)
    staff_reduction_pct: Mapped[Decimal | None] = mapped_column(Percent())
    energy_reduction_pct: Mapped[Decimal | None] = mapped_column(Percent())
    efficiency_gain_pct: Mapped[Decimal | None] = mapped_column(Percent())
    contact: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(Text)  # personal data: never in leadership outputs
    note: Mapped[str | None] = mapped_column(Text)

    submission: Mapped[Submission] = relationship(back_populates="projects")


class Recognition(Base):
    """One row of 认定表 of an accepted return."""

    __tablename__ = "recognition"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    unit_code: Mapped[str] = mapped_column(String(12))
    period: Mapped[str] = mapped_column(String(6))
    row: Mapped[int] = mapped_column(Integer)
    uscc: Mapped[str | None] = mapped_column(String(32))
    enterprise_name: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(32))
    level: Mapped[str | None] = mapped_column(String(8))
    year: Mapped[int | None] = mapped_column(Integer)
    document_no: Mapped[str | None] = mapped_column(Text)

    submission: Mapped[Submission] = relationship(back_populates="recognitions")


PROJECT_COLUMNS = tuple(
    c.name
    for c in Project.__table__.columns
    if c.name not in ("id", "submission_id", "unit_code", "period", "row")
)
RECOGNITION_COLUMNS = tuple(
    c.name
    for c in Recognition.__table__.columns
    if c.name not in ("id", "submission_id", "unit_code", "period", "row")
)
