"""Reconciliation with the statistics bureau (DESIGN.md §4): the returns in force of a period
against its FAI extract, whenever either changes (assets ``techreform://returns`` and
``techreform://statistics``) or on demand with a period. Announces the periods reconciled on
``techreform://reconciled``, on which the quarterly check is scheduled."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

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
    @task(outlets=[RECONCILED])
    def reconcile() -> Iterator[Metadata]:
        """Each period of the run; a broken extract fails the task with its Chinese message (no
        retry: the bureau must send it again) and leaves every earlier result as it was."""
        from techreform import pipeline
        from techreform.reconcile import ExtractError

        ws, done = workspace(), []
        for period in periods():
            try:
                if pipeline.reconcile(ws, period):
                    done.append(period)
            except ExtractError as e:
                raise AirflowFailException(str(e)) from e
        if not done:
            raise AirflowSkipException("no statistics extract for these periods yet")
        yield Metadata(RECONCILED, extra={"periods": done})

    reconcile()


techreform_reconcile()
