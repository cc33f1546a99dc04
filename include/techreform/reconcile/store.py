"""Keeping reconciliations in the warehouse: every extract load with its source, hash and time, and
the period's results (a rerun replaces that period's results and nothing else)."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from techreform.reconcile.model import Reconciliation


def save(engine: Engine, rec: Reconciliation) -> None:
    """Placeholder until the warehouse tables land (migration with the statistics tables)."""
    return None
