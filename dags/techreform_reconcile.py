"""Reconciliation with the statistics bureau (DESIGN.md §4): the returns in force of a period
against its FAI extract, whenever either changes (assets ``techreform://returns`` and
``techreform://statistics``) or on demand with a period. Announces the periods reconciled on
``techreform://reconciled``, on which the quarterly check is scheduled."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import Asset, Metadata, dag, task
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException
from techreform_dags import PARAMS, periods, workspace

from techreform.pipeline import (
    RECONCILED_ASSET,
    RECONCILED_URI,
    RETURNS_ASSET,
    RETURNS_URI,
    STATISTICS_ASSET,
    STATISTICS_URI,
)

RETURNS = Asset(name=RETURNS_ASSET, uri=RETURNS_URI, group="techreform")
STATISTICS = Asset(name=STATISTICS_ASSET, uri=STATISTICS_URI, group="techreform")
RECONCILED = Asset(name=RECONCILED_ASSET, uri=RECONCILED_URI, group="techreform")


@dag(
    dag_id="techreform_reconcile",
    description="技改项目库与统计局固定资产投资库对账",
    schedule=(RETURNS | STATISTICS),
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(seconds=30)},
    tags=["techreform", "reconcile"],
    params=PARAMS,
)
def techreform_reconcile():
    @task
    def reconcile() -> dict[str, Any]:
        """Each period of the run, each on its own: a broken extract of one period does not hold up
        the others; its Chinese message is kept for the last task, and its earlier results stay."""
        from techreform import pipeline
        from techreform.reconcile import ExtractError

        ws = workspace()
        done: list[str] = []
        failed: dict[str, str] = {}
        for period in periods():
            try:
                if pipeline.reconcile(ws, period):
                    done.append(period)
            except ExtractError as e:
                failed[period] = str(e)
        return {"done": done, "failed": failed}

    @task(outlets=[RECONCILED])
    def announce(result: dict[str, Any]) -> Iterator[Metadata]:
        """Tell the quarterly check which periods were reconciled (skipped when none was)."""
        if not result["done"]:
            raise AirflowSkipException("no period reconciled: no statistics extract yet, or a broken one")
        yield Metadata(RECONCILED, extra={"periods": result["done"]})

    @task
    def report(result: dict[str, Any]) -> None:
        """A broken extract fails the run with the bureau's problems listed (no retry: the bureau
        must send it again)."""
        if result["failed"]:
            raise AirflowFailException("\n".join(result["failed"].values()))

    result = reconcile()
    announce(result)
    report(result)


techreform_reconcile()
