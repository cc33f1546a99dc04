"""The steps of a run, as plain functions the DAGs and the command line call (no Airflow here).

Each step is a DAG of its own (``STEP_DAGS``), named after its file in ``dags/``. The DAGs are
linked by data, not by calls: intake announces on the asset ``RETURNS_ASSET`` (URI
``RETURNS_URI``) which periods' returns in force changed, with ``{"periods": [...]}`` in the
event's extra, and the later steps are scheduled on that asset. This module imports nothing heavy
at import time: DAG files and the command line read its tables before any work is done.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

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

SETTLE_SECONDS = 5.0  # the scheduled intake's default (techreform.intake.SETTLE_SECONDS)


def open_workspace(root: str | Path) -> tuple[Workspace, Engine]:
    from techreform import warehouse
    from techreform.workspace import Workspace

    ws = Workspace(Path(root).resolve())
    return ws, warehouse.connect(ws.database_url)


def receive(root: str, period: str | None = None, settle_seconds: float = SETTLE_SECONDS) -> int:
    from techreform import intake
    from techreform.reference.periods import Period

    ws, engine = open_workspace(root)
    return len(
        intake.receive(
            ws, engine, run_period=Period.parse(period) if period else None, settle_seconds=settle_seconds
        )
    )


def process(root: str) -> list[str]:
    """Judge every registered file; returns the periods whose returns in force changed."""
    from techreform import intake

    ws, engine = open_workspace(root)
    return changed_periods(engine, intake.process(ws, engine, ws.profile))


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
    from techreform import intake
    from techreform.reference.periods import Period

    ws, engine = open_workspace(root)
    return len(intake.publish(ws, engine, ws.profile, run_period=Period.parse(period) if period else None))
