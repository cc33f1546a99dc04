"""The half-year bulletin (半年通报, Q2) and the annual assessment (年度考核, Q4), mailed to the
leadership office: after the period's quarterly check (asset ``techreform://checked``) and on the
reporting calendar after Q2 and Q4. Other quarters have nothing to make."""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Asset, AssetOrTimeSchedule, dag, task
from techreform_dags import PARAMS, periods, workspace
from techreform_plugin import WorkingDayQuarterTimetable

from techreform.pipeline import CHECKED_ASSET, CHECKED_URI

CHECKED = Asset(name=CHECKED_ASSET, uri=CHECKED_URI, group="techreform")


@dag(
    dag_id="techreform_assess",
    description="半年通报与年度考核",
    schedule=AssetOrTimeSchedule(
        timetable=WorkingDayQuarterTimetable(working_days=10, quarters=(2, 4)), assets=CHECKED
    ),
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(seconds=30)},
    tags=["techreform", "assess"],
    params=PARAMS,
)
def techreform_assess():
    @task
    def workbooks() -> list[str]:
        """半年通报_<year>H1.xlsx at Q2, 年度考核_<year>.xlsx at Q4."""
        from techreform import pipeline

        ws, done = workspace(), []
        for period in periods():
            pipeline.assess(ws, period)
            if period.endswith(("Q2", "Q4")):  # mailed unless this very content was sent before
                done.append(period)
        return done

    @task(retries=3, retry_delay=timedelta(minutes=2))
    def mail(done: list[str]) -> None:
        from techreform import pipeline

        ws = workspace()
        for period in done:
            print(pipeline.deliver(ws, period))

    mail(workbooks())


techreform_assess()
