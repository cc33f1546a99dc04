"""The warehouse: every submission, its findings, and the projects of accepted returns.

SQLAlchemy 2 models; the schema is created and upgraded by Alembic (``techreform/warehouse/migrations``).
SQLite in the workspace by default, any SQLAlchemy URL (PostgreSQL) by setting. Nothing is ever
deleted: a newer accepted return for the same unit and period supersedes the older one.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    false,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

RECEIVED = "received"  # archived and registered; not judged yet
ACCEPTED = "accepted"
REJECTED = "rejected"
SUPERSEDED = "superseded"


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


# The number columns of a project, each a finite number of sensible size or NULL (migration 0004).
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
    total_investment: Mapped[float | None] = mapped_column(Float)
    equipment_investment: Mapped[float | None] = mapped_column(Float)
    annual_plan: Mapped[float | None] = mapped_column(Float)
    ytd_completed: Mapped[float | None] = mapped_column(Float)
    cumulative_completed: Mapped[float | None] = mapped_column(Float)
    in_statistics: Mapped[str | None] = mapped_column(String(4))
    smart_equipment_units: Mapped[int | None] = mapped_column(BigInteger)
    staff_reduction_pct: Mapped[float | None] = mapped_column(Float)
    energy_reduction_pct: Mapped[float | None] = mapped_column(Float)
    efficiency_gain_pct: Mapped[float | None] = mapped_column(Float)
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


# --------------------------------------------------------------------------------- engine


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")  # the scheduler and the CLI may meet on one file
    # WAL lets readers (reports, the CLI) work while intake writes; NORMAL sync is durable in WAL
    # against crashes of the process, and spares an fsync on every per-return commit.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def connect(url: str, *, migrate: bool = True) -> Engine:
    """An engine for the warehouse at ``url``, its schema brought to the newest migration."""
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    if migrate:
        upgrade(engine)
    return engine


def alembic_config(engine: Engine):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("techreform.warehouse") / "migrations"))
    # Alembic's config interpolates %: a workspace path with Chinese characters is %-escaped in the URL
    url = engine.url.render_as_string(hide_password=False)
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    cfg = alembic_config(engine)
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        if sqlite:
            # SQLite alters a table by copying and dropping it, which the rows of other tables
            # pointing at it forbid while foreign keys are on; the pragma only works outside a
            # transaction, and the keys are checked before the migration is committed.
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, revision)
                if sqlite and conn.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                    raise RuntimeError("the migration left rows pointing at nothing; not committed")
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()


# ------------------------------------------------------------------------------ queries


def in_force(session: Session, unit_code: str, period: str) -> Submission | None:
    """The return in force for a unit and period: its newest accepted one."""
    return session.scalars(
        select(Submission)
        .where(Submission.unit_code == unit_code, Submission.period == period, Submission.status == ACCEPTED)
        .order_by(Submission.received_at.desc(), Submission.id.desc())
    ).first()


def settle_in_force(session: Session, unit_code: str, period: str) -> None:
    """Keep only the newest accepted return of a unit and period accepted; older ones are superseded."""
    accepted = session.scalars(
        select(Submission)
        .where(
            Submission.unit_code == unit_code,
            Submission.period == period,
            Submission.status.in_((ACCEPTED, SUPERSEDED)),
        )
        .order_by(Submission.received_at.desc(), Submission.id.desc())
    ).all()
    for i, sub in enumerate(accepted):
        sub.status = ACCEPTED if i == 0 else SUPERSEDED
