"""Step 2 of intake: judge every registered file, record the decision and load accepted returns."""

from __future__ import annotations

import datetime as dt
import logging
import os
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session

from techreform import warehouse as wh
from techreform.intake.files import Pending, check_file, to_read, unprocessable
from techreform.intake.history import earlier_returns, rounds, vanished
from techreform.intake.inbox import keep_copy
from techreform.intake.lock import workspace_lock
from techreform.intake.validate import LazyValidator, run_rules
from techreform.reference.periods import month_text
from techreform.reference.profiles import Profile
from techreform.returns.isolation import IsolatedReader
from techreform.returns.visible import shown, visible
from techreform.rules.book import file_finding
from techreform.rules.findings import ERROR, WARNING, MergedFinding, merge_findings
from techreform.warehouse.bulk import insert_dicts
from techreform.workspace import Workspace

log = logging.getLogger(__name__)

# reading processes of a run: two where there are two cores (each holds one return in memory)
READERS = max(1, min(2, os.cpu_count() or 1))


def _summary(p: Pending, status: str) -> str:
    """One sentence whose numbers are those of the receipt's table: its lines (findings of one row
    about one cell are one line, see ``merge_findings``), every notice such as lateness included."""
    lines = merge_findings(p.findings)
    errors = [f for f in lines if f.severity == ERROR]
    warnings = [f for f in lines if f.severity == WARNING]
    late = "（逾期报送）" if any(f.rule_id == "late_submission" for f in p.findings) else ""
    if status == wh.ACCEPTED:
        n = len(p.parsed.projects.rows) if p.parsed and p.parsed.projects else 0
        asked = [f for f in warnings if f.asks_for_explanation]
        open_ = [f for f in asked if not f.explained]
        told = len(warnings) - len(asked)  # notices: lateness, unit conversions and the like
        if open_:
            tail = f"，有{len(open_)}条提示请核实并在备注中说明"
            tail += f"（另有{len(asked) - len(open_)}条已说明）" if len(asked) > len(open_) else ""
        elif asked:
            tail = f"，{len(asked)}条提示均已在备注中说明"
        else:
            tail = ""
        if told:
            tail += f"，另有{told}条提示请阅知" if tail else f"，有{told}条提示请阅知"
        return f"报表已受理{late}：{p.period.label if p.period else ''}共{n}个项目{tail or '，未发现问题'}。"
    first = errors[0]  # the first row of the receipt's table
    where = f"第{first.row}行" if first.row else "整表"
    if first.row and first.column and f"“{first.column}”" not in first.message:
        where += f"“{first.column}”"
    message = first.message
    if isinstance(first, MergedFinding):  # its first line names the cell; the comparisons follow
        message = message.split("\n")[0].rstrip("：:")
    return f"报表被退回：发现{len(errors)}处错误（首处：{where}，{message}），请全部修改后重新报送。"


def accepted_before(session: Session, sub: wh.Submission) -> bool:
    """Whether the unit had a return for the period accepted, received before this one: then
    timeliness was settled by that return."""
    return (
        session.scalar(
            select(wh.Submission.id).where(
                wh.Submission.unit_code == sub.unit_code,
                wh.Submission.period == sub.period,
                wh.Submission.status.in_((wh.ACCEPTED, wh.SUPERSEDED)),
                wh.Submission.id != sub.id,
                wh.Submission.received_at <= sub.received_at,
            )
        )
        is not None
    )


def _decide(session: Session, p: Pending, ws: Workspace, profile: Profile) -> None:
    """Record the decision, the findings and (if accepted) the rows, in the caller's transaction."""
    sub = session.merge(p.sub)
    for f in p.findings:  # what the county wrote, shown as it is: invisible characters visible
        f.message, f.value = shown(f.message, 2000), shown(f.value) if f.value is not None else None
        f.column = visible(f.column) if f.column is not None else None  # (the sheet's name finds the sheet)
    errors = sum(f.severity == ERROR for f in p.findings)
    status = wh.REJECTED if errors else wh.ACCEPTED
    sub.period = str(p.period) if p.period else None
    if p.period:
        sub.report_period = str(p.period)
        sub.deadline = p.period.deadline(profile.deadline_working_days)
        sub.on_time = sub.received_at.date() <= sub.deadline
        # Timeliness is the unit's earliest accepted return's: a later correction does not count.
        if not sub.on_time and not accepted_before(session, sub):
            # only an accepted return counts for timeliness; a rejected one is told to hurry
            p.findings.append(
                file_finding(
                    "late_submission",
                    "accepted" if status == wh.ACCEPTED else "rejected",
                    received=f"{sub.received_at:%Y-%m-%d}",
                    deadline=f"{sub.deadline:%Y-%m-%d}",
                    working_days=profile.deadline_working_days,
                )
            )
    sub.errors = errors
    sub.warnings = len(p.findings) - errors
    sub.summary = _summary(p, status)
    sub.status = status
    sub.processed_at = dt.datetime.now().replace(microsecond=0)
    session.flush()
    # one executemany per table on the session's connection: no ORM bookkeeping (``warehouse.bulk``)
    conn = session.connection()
    if p.findings:
        findings = [{**f.as_dict(), "submission_id": sub.id} for f in p.findings]
        insert_dicts(conn, wh.Finding, findings)
    if status == wh.ACCEPTED and p.parsed is not None:
        period = sub.period
        assert period is not None  # a return without a period is rejected
        common = {"submission_id": sub.id, "unit_code": sub.unit_code, "period": period}
        projects = []
        for row in p.projects.rows:
            values = {k: row.get(k) for k in wh.PROJECT_COLUMNS}
            for m in ("start_month", "planned_completion"):
                values[m] = month_text(int(row[m])) if row.get(m) is not None else None
            projects.append({**common, "row": row["_row"], **values})
        insert_dicts(conn, wh.Project, projects)
        sub.projects_count = len(projects)
        if p.parsed.recognitions is not None and p.parsed.recognitions.rows:
            recognitions = [
                {**common, "row": row["_row"], **{k: row.get(k) for k in wh.RECOGNITION_COLUMNS}}
                for row in p.parsed.recognitions.rows
            ]
            insert_dicts(conn, wh.Recognition, recognitions)
            sub.recognitions_count = len(recognitions)
        wh.settle_in_force(session, sub.unit_code, period)
    elif sub.archive_path:  # (an entry that is no regular file was never archived)
        source = ws.root / sub.archive_path
        target = ws.quarantine / sub.unit_code / source.name
        keep_copy(target, source, sub.sha256, source.stat().st_mtime)


def fault_of_the_file(e: Exception) -> bool:
    """A value the database refuses (too long, out of range) is the file's fault; a lost
    connection, a locked or unreachable database is not: that must stop the run, not reject
    the return."""
    if isinstance(e, OperationalError | InterfaceError):
        return False
    return not (isinstance(e, DBAPIError) and e.connection_invalidated)


def process(ws: Workspace, engine: Engine, profile: Profile, *, validator: Any = None) -> list[int]:
    """Judge every registered file, oldest first; returns the ids decided."""
    lazy = LazyValidator(profile, validator)
    decided: list[int] = []
    with workspace_lock(ws, engine), Session(engine, expire_on_commit=False) as session:
        subs = session.scalars(
            select(wh.Submission)
            .where(wh.Submission.status == wh.RECEIVED)
            .order_by(wh.Submission.received_at, wh.Submission.id)
        ).all()
        pending = [Pending(s) for s in subs]
        if pending:
            # two reading processes for the run (each started again only after a file killed it),
            # reading ahead in the order the files are judged
            with IsolatedReader(workers=READERS) as reader:
                reader.expect([path for p in pending if (path := to_read(p, ws)) is not None])
                for p in pending:
                    check_file(p, profile, ws, reader)
                    if p.can_validate_rows:  # the rules will run: their validator is built meanwhile
                        lazy.start()
        run_rules(pending, lazy, "row")
        for round_ in rounds(pending):
            earlier = earlier_returns(session, round_)
            run_rules(round_, lazy, "history", earlier)
            for p in round_:
                p.findings.extend(vanished(p, earlier.get(p.sub.id)))
                try:
                    _decide(session, p, ws, profile)
                    session.commit()
                except Exception as e:
                    session.rollback()
                    if not fault_of_the_file(e):
                        raise
                    # e.g. a value the database refuses: this file is rejected, the others go on
                    log.exception("could not record %s (submission %s)", p.sub.inbox_path, p.sub.id)
                    p.parsed, p.findings = None, []
                    unprocessable(p)
                    try:
                        _decide(session, p, ws, profile)
                        session.commit()
                    except Exception:
                        session.rollback()
                        raise
                decided.append(p.sub.id)
    return decided
