"""What the techreform DAGs share: the workspace and the periods a run works on. It lives in
plugins/, which Airflow puts on the import path of every process (no plugin and no DAG here)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from airflow.sdk import Param, get_current_context
from airflow.sdk.exceptions import AirflowFailException

PARAMS = {
    "workspace": Param(
        os.environ.get("TECHREFORM_WORKSPACE", ""),
        type="string",
        description="工作区目录（含 inbox/ stats/ reports/）",
    ),
    "period": Param(
        None,
        type=["null", "string"],
        pattern=r"^\d{4}Q[1-4]$",
        description="报告期，如 2026Q3；留空则取触发本次运行的报告期",
    ),
}


def workspace() -> str:
    """The run's workspace; a missing one is a setting to fix: fail now instead of retrying."""
    from techreform.workspace import Workspace  # at run time: the DAG file parses without it

    ws = get_current_context()["params"].get("workspace") or os.environ.get("TECHREFORM_WORKSPACE", "")
    if not ws or not Workspace(Path(ws)).exists():
        raise AirflowFailException(
            f"no techreform workspace at {ws!r}: set the 'workspace' param or TECHREFORM_WORKSPACE"
        )
    return str(ws)


def periods() -> list[str]:
    """The periods of this run: the ``period`` param (a manual run), else those named by the asset
    events that triggered it, else the quarter of its data interval (the reporting calendar)."""
    from techreform.pipeline import periods_of_events
    from techreform.reference.periods import Period, last_ended

    ctx: Any = get_current_context()
    if ctx["params"].get("period"):
        return [str(ctx["params"]["period"])]
    named = periods_of_events(ctx.get("triggering_asset_events") or {})
    if named:
        return named
    start = ctx.get("data_interval_start")
    if start is not None and ctx.get("data_interval_end") not in (None, start):
        local = start.in_timezone("Asia/Shanghai")
        return [str(Period(local.year, (local.month - 1) // 3 + 1))]
    return [str(last_ended(ctx.get("logical_date") or ctx["dag_run"].run_after))]
