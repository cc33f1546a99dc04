"""The statistics bureau's extracts: every 30 minutes, announce the periods whose extract in
``stats/<period>/`` is new or changed, on the asset ``techreform://statistics`` (the reconciliation
is scheduled on it). Nothing is read into the warehouse here: the reconciliation loads and checks it.
An extract is known by its files' hash: a broken one fails the reconciliation, which says what to
fix and remembers it, and is not announced again until the bureau sends another."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pendulum
from airflow.sdk import Asset, Metadata, dag, task
from airflow.sdk.exceptions import AirflowSkipException
from techreform_dags import PARAMS, workspace

from techreform.pipeline import STATISTICS_ASSET, STATISTICS_URI

STATISTICS = Asset(name=STATISTICS_ASSET, uri=STATISTICS_URI, group="techreform")


@dag(
    dag_id="techreform_statistics",
    description="统计局固定资产投资数据到达检查",
    schedule="*/30 * * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=1)},
    tags=["techreform", "reconcile"],
    params={"workspace": PARAMS["workspace"]},
)
def techreform_statistics():
    @task(outlets=[STATISTICS])
    def announce_statistics() -> Iterator[Metadata]:
        """Periods with a statistics extract not loaded yet (skipped when there is none)."""
        from techreform import pipeline

        found = pipeline.new_statistics(workspace())
        if not found:
            raise AirflowSkipException("no new statistics extract")
        yield Metadata(STATISTICS, extra={"periods": found})

    announce_statistics()


techreform_statistics()
