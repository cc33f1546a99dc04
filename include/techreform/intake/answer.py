"""Step 3 of intake: receipts for every decided file, and every period's CSV files."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, selectinload

from techreform import outputs
from techreform import warehouse as wh
from techreform.fanout import RECEIPT_SECONDS, RECEIPT_SECONDS_PER_BYTE
from techreform.intake.inbox import SETTLE_SECONDS, receive
from techreform.intake.judge import accepted_before, process
from techreform.intake.lock import workspace_lock
from techreform.reference.periods import Period
from techreform.reference.profiles import Profile
from techreform.returns import READABLE_SUFFIXES
from techreform.rules.findings import Finding
from techreform.workbooks.receipt import receipt_file_name, write_receipt
from techreform.workbooks.receipt_pool import PROCESSES, Pool, ReceiptJob
from techreform.workspace import Workspace

log = logging.getLogger(__name__)


def publish(
    ws: Workspace, engine: Engine, profile: Profile, *, run_period: Period | None = None
) -> list[Path]:
    """Receipts for every decided file that has none yet, then the periods' CSV files (the whole
    step in one go, on every core; the DAG may spread the receipts over units, ``publish_units``)."""
    with workspace_lock(ws, engine):
        written = _write_receipts(ws, engine, profile, None, PROCESSES)
        write_reports(ws, engine, run_period=run_period, locked=True)
    return written


def pending_receipts(engine: Engine) -> dict[str, float]:
    """Units with decided files still without a receipt, with the receipts' estimated seconds
    (``fanout``): what the step's batches are cut from."""
    with Session(engine) as session:
        rows = session.execute(
            select(wh.Submission.unit_code, wh.Submission.size).where(
                wh.Submission.status != wh.RECEIVED, wh.Submission.receipt_path.is_(None)
            )
        ).all()
    work: dict[str, float] = {}
    for unit, size in rows:
        work[unit] = work.get(unit, 0.0) + RECEIPT_SECONDS + RECEIPT_SECONDS_PER_BYTE * (size or 0)
    return work


def publish_units(
    ws: Workspace, engine: Engine, profile: Profile, units: Iterable[str], *, processes: int = 1
) -> list[Path]:
    """Receipts for these units' decided files that have none yet (one task of a spread step, or
    the step's only one), written by ``processes`` processes (``receipt_pool``).

    Several such tasks run at once for different units; each holds the intake lock shared (no
    receive or judging meanwhile) and its units' own locks (a second run's task for the same unit
    waits, then finds the receipts written). The CSVs follow, once, with ``write_reports``."""
    wanted = sorted(set(units))
    if not wanted:
        return []
    with workspace_lock(ws, engine, shared=True, units=wanted):
        return _write_receipts(ws, engine, profile, wanted, processes)


def write_reports(
    ws: Workspace, engine: Engine, *, run_period: Period | None = None, locked: bool = False
) -> list[str]:
    """Every period's submissions.csv and findings.csv from the warehouse; returns the periods.
    Beside receipt tasks (the intake lock shared), never beside receive or judging."""
    if not locked:
        with workspace_lock(ws, engine, shared=True):
            return write_reports(ws, engine, run_period=run_period, locked=True)
    with Session(engine) as session:
        # Every period's CSVs, not only those of this run's receipts: after a crash between the
        # receipts and the CSVs, the rerun has no receipts left to write but must still mend them.
        periods = set(
            session.scalars(
                select(wh.Submission.report_period).where(wh.Submission.status != wh.RECEIVED).distinct()
            )
        )
        periods |= {str(run_period)} if run_period else set()
        for period in sorted(periods):
            outputs.write_intake_csvs(session, ws.reports_for(period), period)
    return sorted(periods)


def _write_receipts(
    ws: Workspace, engine: Engine, profile: Profile, units: list[str] | None, processes: int = 1
) -> list[Path]:
    """The receipts still missing, of these units (None: all), in order of arrival, written by
    ``processes`` processes (``receipt_pool``); the caller holds the lock. A receipt is recorded
    once its file is in place."""
    recorded = 0
    with Session(engine, expire_on_commit=False) as session:
        query = (
            select(wh.Submission)
            .options(selectinload(wh.Submission.findings))
            .where(wh.Submission.status != wh.RECEIVED, wh.Submission.receipt_path.is_(None))
            .order_by(wh.Submission.received_at, wh.Submission.id)
        )
        if units is not None:
            query = query.where(wh.Submission.unit_code.in_(units))
        subs = session.scalars(query).all()
        # the helpers start (and import) while this process gathers what the receipts say
        with Pool(processes, len(subs)) as pool:
            planned: set[Path] = set()
            jobs = [_receipt_job(ws, session, profile, sub, planned) for sub in subs]
            by_path = {job.path: sub for job, sub in zip(jobs, subs, strict=True)}

            def done(job: ReceiptJob) -> None:
                nonlocal recorded
                by_path[job.path].receipt_path = str(job.path.relative_to(ws.root))
                recorded += 1
                if recorded % 50 == 0:  # a crash rewrites at most these receipts, under the same names
                    session.commit()

            pool.write_all(jobs, done, write=write_receipt)
        session.commit()
    return [job.path for job in jobs]


def _receipt_job(
    ws: Workspace, session: Session, profile: Profile, sub: wh.Submission, planned: set[Path]
) -> ReceiptJob:
    """What a submission's receipt says and where it goes (``planned``: the paths of this run's
    receipts before it, not yet recorded)."""
    unit = profile.unit(sub.unit_code)
    status = wh.REJECTED if sub.errors else wh.ACCEPTED
    path = ws.outbox / sub.unit_code / receipt_file_name(sub.file_name, sub.received_at)
    taken = path in planned or session.scalar(
        select(wh.Submission.id).where(wh.Submission.receipt_path == str(path.relative_to(ws.root)))
    )
    if taken:  # two files of the same name within a minute: keep both receipts
        path = path.with_name(f"{path.stem}_{sub.id}{path.suffix}")
    planned.add(path)
    source = ws.root / sub.archive_path
    findings = [Finding(**{k: getattr(f, k) for k in Finding.__dataclass_fields__}) for f in sub.findings]
    fields = {
        "unit_code": sub.unit_code,
        "unit_name": unit.name if unit else sub.unit_code,
        "file_name": sub.file_name,
        "period": sub.period,
        "status": status,
        "received_at": sub.received_at,
        "deadline": sub.deadline,
        "summary": sub.summary or "",
        "findings": findings,
        "source": source if _safe_to_copy(sub) and source.suffix.lower() in READABLE_SUFFIXES else None,
        "superseded": sub.status == wh.SUPERSEDED,
        "timeliness_settled": sub.period is not None and accepted_before(session, sub),
    }
    return ReceiptJob(path, fields)


@dataclass
class IntakeResult:
    received: list[int]
    decided: list[int]
    receipts: list[Path]


# Files refused before or while reading: the receipt does not open them again (in this process).
_NOT_COPIED = {"file_too_large", "file_too_slow", "file_protected", "not_regular_file", "file_unreadable"}


def _safe_to_copy(sub: wh.Submission) -> bool:
    """Whether the receipt may copy the county's sheets back: the file was read without harm."""
    return bool(sub.archive_path) and not any(f.rule_id in _NOT_COPIED for f in sub.findings)


def run_intake(
    ws: Workspace,
    engine: Engine,
    *,
    run_period: Period | None = None,
    settle_seconds: float = SETTLE_SECONDS,
    validator: Any = None,
) -> IntakeResult:
    """The steps in one go (what the intake DAG runs as receive, validate_and_load, the receipts'
    batches and publish_reports)."""
    profile = ws.profile
    received = receive(ws, engine, run_period=run_period, settle_seconds=settle_seconds)
    decided = process(ws, engine, profile, validator=validator)
    receipts = publish(ws, engine, profile, run_period=run_period)
    return IntakeResult(received, decided, receipts)
