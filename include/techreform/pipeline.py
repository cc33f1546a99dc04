"""The steps of a run, as plain functions the DAGs and the command line call (no Airflow here)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from techreform import intake, warehouse
from techreform.reference.periods import Period
from techreform.workspace import Workspace

STEPS = ("intake", "reconcile", "check", "assess")
NOT_BUILT = {
    "reconcile": "与统计局固定资产投资库的对账",
    "check": "季度检查指标与工作簿",
    "assess": "半年通报与年度考核",
}


def open_workspace(root: str | Path) -> tuple[Workspace, Engine]:
    """The workspace and its warehouse, which must be at the newest migration (``warehouse.NotAtHead``
    otherwise): tasks never alter the schema, ``techreform init`` and ``techreform db upgrade`` do."""
    ws = Workspace(Path(root).resolve())
    return ws, warehouse.open_at_head(ws.database_url, ws.root)


def receive(root: str, period: str | None = None, settle_seconds: float = intake.SETTLE_SECONDS) -> int:
    ws, engine = open_workspace(root)
    return len(
        intake.receive(
            ws, engine, run_period=Period.parse(period) if period else None, settle_seconds=settle_seconds
        )
    )


def process(root: str) -> int:
    ws, engine = open_workspace(root)
    return len(intake.process(ws, engine, ws.profile))


def publish(root: str, period: str | None = None) -> int:
    ws, engine = open_workspace(root)
    return len(intake.publish(ws, engine, ws.profile, run_period=Period.parse(period) if period else None))
