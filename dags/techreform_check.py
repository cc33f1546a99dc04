"""The quarterly check (季度检查): indicators against the targets, the forecast and the workbook,
mailed to the leadership office. Runs after a period's reconciliation (asset
``techreform://reconciled``) and on the reporting calendar (the 7th working day after a quarter);
announces the period on ``techreform://checked``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pendulum
from airflow.sdk import Asset, AssetOrTimeSchedule, Metadata, dag, task
from techreform_dags import PARAMS, periods, workspace
from techreform_plugin import WorkingDayQuarterTimetable

from techreform.pipeline import CHECKED_ASSET, CHECKED_URI, RECONCILED_ASSET, RECONCILED_URI

RECONCILED = Asset(name=RECONCILED_ASSET, uri=RECONCILED_URI, group="techreform")
CHECKED = Asset(name=CHECKED_ASSET, uri=CHECKED_URI, group="techreform")


@dag(
    dag_id="techreform_check",
    description="季度检查：指标、预测预警与工作簿",
    schedule=AssetOrTimeSchedule(timetable=WorkingDayQuarterTimetable(working_days=7), assets=RECONCILED),
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(seconds=30)},
    tags=["techreform", "check"],
    params=PARAMS,
)
def techreform_check():
    @task
    def indicators() -> list[str]:
        """Indicators, indicators.csv and 季度检查_<period>.xlsx of each period of the run."""
        from techreform import pipeline

        ws, done = workspace(), []
        for period in periods():
            pipeline.check(ws, period)
            done.append(period)
        return done

    @task(retries=3, retry_delay=timedelta(minutes=2))
    def mail(done: list[str]) -> list[str]:
        """Send what was not sent yet (a failure is recorded and retried, never lost)."""
        from techreform import pipeline

        ws = workspace()
        for period in done:
            print(pipeline.deliver(ws, period))
        return done

    @task(outlets=[CHECKED])
    def announce(done: list[str]) -> Iterator[Metadata]:
        yield Metadata(CHECKED, extra={"periods": done})

    announce(mail(indicators()))


techreform_check()
