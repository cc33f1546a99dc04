"""The steps of a run, as plain functions the DAGs and the command line call (no Airflow here).

Each step is a DAG of its own (``STEP_DAGS``), named after its file in ``dags/``. The DAGs are
linked by data, not by calls: intake announces on the asset ``RETURNS_ASSET`` (URI
``RETURNS_URI``) which periods' returns in force changed, with ``{"periods": [...]}`` in the
event's extra, and the later steps are scheduled on that asset. This module imports nothing heavy
at import time: DAG files and the command line read its tables before any work is done.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from techreform.fanout import Batch
    from techreform.workspace import Workspace

STEPS = ("intake", "reconcile", "check", "assess")
# One DAG per step: the command line runs a step by running its DAG (dags/<dag_id>.py).
STEP_DAGS = {
    "intake": "techreform_intake",
    "reconcile": "techreform_reconcile",
    "check": "techreform_check",
    "assess": "techreform_assess",
}
# What each step does, in the words the command line uses.
STEP_TITLES = {
    "intake": "县区季报接收与审核",
    "reconcile": "与统计局固定资产投资库的对账",
    "check": "季度检查指标与工作簿",
    "assess": "半年通报与年度考核",
}

# The returns in force: intake emits an event on it when a period's accepted returns changed.
RETURNS_ASSET = "techreform_returns"
RETURNS_URI = "techreform://returns"

# New settled files in the inbox: watched by the triggerer (plugins/techreform_watch.py); intake is
# scheduled on it. Its events carry {"from_trigger": true, "payload": {"files": [...]}}.
INBOX_ASSET = "techreform_inbox"
INBOX_URI = "techreform://inbox"

SETTLE_SECONDS = 5.0  # the scheduled intake's default (techreform.intake.SETTLE_SECONDS)


@contextmanager
def at_head(root: str | Path) -> Iterator[tuple[Workspace, Engine]]:
    """``open_workspace`` for one step: the engine is disposed (its pooled connections closed) when
    the step is over, so that a task holds no connection it no longer uses."""
    ws, engine = open_workspace(root)
    try:
        yield ws, engine
    finally:
        engine.dispose()


def open_workspace(root: str | Path) -> tuple[Workspace, Engine]:
    """The workspace and its warehouse, which must be at the newest migration (``warehouse.NotAtHead``
    otherwise): tasks never alter the schema, ``techreform init`` and ``techreform db upgrade`` do."""
    from techreform import warehouse
    from techreform.workspace import Workspace

    ws = Workspace(Path(root).resolve())
    return ws, warehouse.open_at_head(ws.database_url, ws.root)


def receive(root: str, period: str | None = None, settle_seconds: float = SETTLE_SECONDS) -> int:
    from techreform import intake
    from techreform.reference.periods import Period

    with at_head(root) as (ws, engine):
        return len(
            intake.receive(
                ws, engine, run_period=Period.parse(period) if period else None, settle_seconds=settle_seconds
            )
        )


def process(root: str) -> list[str]:
    """Judge every registered file; returns the periods whose returns in force changed."""
    from techreform import intake

    with at_head(root) as (ws, engine):
        return changed_periods(engine, intake.process(ws, engine, ws.profile))


def periods_in_force(root: str) -> list[str]:
    """Every period with accepted returns in force, oldest first: what a retried intake announces,
    since the try before it may have decided files and stopped before telling the later steps (they
    give the same results when told again)."""
    from sqlalchemy import select

    from techreform import warehouse as wh

    with at_head(root) as (_, engine), engine.connect() as c:
        rows = c.execute(
            select(wh.Submission.period)
            .where(wh.Submission.status == wh.ACCEPTED)
            .where(wh.Submission.period.is_not(None))
            .distinct()
        ).scalars()
        return sorted(p for p in rows if p)


def changed_periods(engine: Engine, decided: Iterable[int]) -> list[str]:
    """The periods whose accepted (in force) returns changed with these decisions, oldest first.

    A return accepted changes its period, even if a newer one of the same run superseded it
    since; a rejected one leaves the return in force as it was.
    """
    from sqlalchemy import select

    from techreform import warehouse as wh

    ids = list(decided)
    if not ids:
        return []
    with engine.connect() as c:
        rows = c.execute(
            select(wh.Submission.period)
            .where(wh.Submission.id.in_(ids))
            .where(wh.Submission.status.in_((wh.ACCEPTED, wh.SUPERSEDED)))
            .where(wh.Submission.period.is_not(None))
            .distinct()
        ).scalars()
        return sorted(p for p in rows if p)


def publish(root: str, period: str | None = None) -> int:
    """Every receipt still missing and every period's CSVs, in one go (``techreform run
    --no-airflow``); the DAG spreads the receipts (``receipt_batches``, ``publish_units``)."""
    from techreform import intake
    from techreform.reference.periods import Period

    with at_head(root) as (ws, engine):
        return len(
            intake.publish(ws, engine, ws.profile, run_period=Period.parse(period) if period else None)
        )


def receipt_batches(root: str) -> list[Batch]:
    """The units whose decided files still want a receipt, cut into batches as the work pays
    (``fanout``): no batch when there is none, one when spreading would cost more than it gives."""
    from techreform import fanout
    from techreform.intake.answer import pending_receipts

    with at_head(root) as (ws, engine):
        return fanout.batches(ws.profile, pending_receipts(engine), fanout.Spread.of(ws))


def publish_units(root: str, units: list[str], *, alone: bool = False) -> int:
    """The missing receipts of these units (one batch); returns how many were written. ``alone``:
    the step's only receipt task, which writes them on every core (``receipt_pool``); a mapped
    task's batch is written by its own process (each mapped task has its worker slot already)."""
    from techreform.intake.answer import publish_units as publish_of
    from techreform.workbooks.receipt_pool import PROCESSES

    with at_head(root) as (ws, engine):
        return len(publish_of(ws, engine, ws.profile, units, processes=PROCESSES if alone else 1))


def publish_reports(root: str, period: str | None = None) -> list[str]:
    """Every period's submissions.csv and findings.csv, after the receipts; returns the periods."""
    from techreform.intake.answer import write_reports
    from techreform.reference.periods import Period

    with at_head(root) as (ws, engine):
        return write_reports(ws, engine, run_period=Period.parse(period) if period else None)


# ------------------------------------------------------------------------ the later steps

STATISTICS_ASSET = "techreform_statistics"  # a period's statistics extract arrived or changed
STATISTICS_URI = "techreform://statistics"
RECONCILED_ASSET = "techreform_reconciled"  # a period was reconciled
RECONCILED_URI = "techreform://reconciled"
CHECKED_ASSET = "techreform_checked"  # a period's indicators and quarterly check were made
CHECKED_URI = "techreform://checked"


def new_statistics(root: str) -> list[str]:
    """Periods whose statistics extract in ``stats/<period>/`` is new or changed: neither loaded
    yet nor found unusable before (by its files' hash, without reading them). An extract the
    reconciliation could not use is so announced once (its failure says what to fix), not every
    time the watcher looks; a folder not named as a period is not an extract."""
    from sqlalchemy import select

    from techreform import warehouse as wh
    from techreform.reconcile import extract
    from techreform.reference.periods import Period

    with at_head(root) as (ws, engine):
        if not ws.stats.is_dir():
            return []
        with engine.connect() as c:
            known = {(p, h) for p, h in c.execute(select(wh.StatsLoad.period, wh.StatsLoad.sha256))}
            known |= {(p, h) for p, h in c.execute(select(wh.StatsUnusable.period, wh.StatsUnusable.sha256))}
        out = []
        for folder in sorted(p for p in ws.stats.iterdir() if p.is_dir()):
            try:
                period = str(Period.parse(folder.name))
            except ValueError:
                continue
            if period != folder.name:
                continue
            sha = extract.fingerprint(ws, period)
            if sha is not None and (period, sha) not in known:
                out.append(period)
        return out


def reconcile(root: str, period: str) -> bool:
    """Reconcile one period; False when it has no statistics extract yet. A broken extract raises
    ``reconcile.ExtractError`` with its Chinese message; nothing else is changed then, but the
    extract is remembered as unusable (``StatsUnusable``) so that the watcher does not announce it
    again until the bureau sends another."""
    import datetime as dt

    from sqlalchemy.orm import Session

    from techreform import warehouse as wh
    from techreform.reconcile import ExtractError, extract, run_reconciliation

    with at_head(root) as (ws, engine):
        try:
            return run_reconciliation(ws, engine, period).reconciliation is not None
        except ExtractError:
            sha = extract.fingerprint(ws, period)
            if sha is not None:
                with Session(engine) as s:
                    s.merge(wh.StatsUnusable(period=period, sha256=sha, found_at=dt.datetime.now()))
                    s.commit()
            raise


def check(root: str, period: str) -> list[str]:
    """Indicators and the quarterly check of one period; returns the files written."""
    from techreform.indicators.step import run_check

    with at_head(root) as (ws, engine):
        return [str(p) for p in run_check(ws, engine, period).changed]


def assess(root: str, period: str) -> list[str]:
    """The half-year bulletin (Q2) or the annual assessment (Q4); returns the files written."""
    from techreform.indicators.step import run_assess

    with at_head(root) as (ws, engine):
        return [str(p) for p in run_assess(ws, engine, period).changed]


def deliver(root: str, period: str) -> str:
    """Mail the period's leadership workbooks not sent yet; returns what was done, in Chinese.
    Raises when the send fails (recorded; the task is retried and the next run tries again)."""
    from techreform.delivery.step import deliver as deliver_period
    from techreform.delivery.step import nothing_to_send
    from techreform.indicators.step import check_inputs
    from techreform.reference.periods import Period

    with at_head(root) as (ws, engine):
        note = nothing_to_send(ws, engine, Period.parse(period))
        if note is not None:  # the figures (a province: seconds) only when there is a mail to write
            return note
        inputs = check_inputs(ws, engine, period, keep=False)
        return deliver_period(ws, engine, Period.parse(period), inputs.result, inputs).note


def periods_of_events(events: object) -> list[str]:
    """The periods named in the ``extra`` of triggering asset events ({"periods": [...]})."""
    out: set[str] = set()
    for evs in getattr(events, "values", lambda: [])():
        for ev in evs:
            extra = getattr(ev, "extra", None) or {}
            out.update(str(p) for p in extra.get("periods", []))
    return sorted(out)
