"""Intake of county returns: inbox → archive → validation → warehouse → receipts.

Runs as soon as a county's file has settled in the inbox (the asset ``techreform://inbox``, watched
in the triggerer by ``techreform_watch.InboxTrigger``, which deletes nothing), every five minutes as
a safety net, and on demand. Takes every settled new file from
``<workspace>/inbox/<unit>/``, validates it with Great Expectations, loads accepted returns and
answers each file with a receipt in ``outbox/<unit>/``. When the returns in force of some
periods changed, it emits an event on the asset ``techreform://returns`` with those periods in
its extra (``{"periods": ["2026Q3"]}``): the later steps' DAGs are scheduled on that asset. The
domain logic is in ``techreform.pipeline``; this file only says what runs when.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import (
    Asset,
    AssetOrTimeSchedule,
    AssetWatcher,
    CronTriggerTimetable,
    Metadata,
    Param,
    dag,
    get_current_context,
    task,
)
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException
from techreform_dags import workspace
from techreform_watch import InboxTrigger

from techreform.pipeline import INBOX_ASSET, INBOX_URI, RETURNS_ASSET, RETURNS_URI

DEFAULT_ARGS = {"retries": 2, "retry_delay": timedelta(seconds=30)}
# The accepted returns in force; an event carries the periods that changed.
RETURNS = Asset(name=RETURNS_ASSET, uri=RETURNS_URI, group="techreform")
SETTLE_SECONDS = 5  # a file modified more recently may still be being saved (Excel, WPS)
# New settled files in the inbox: the triggerer polls it every second and fires once per new file.
INBOX = Asset(
    name=INBOX_ASSET,
    uri=INBOX_URI,
    group="techreform",
    watchers=[
        AssetWatcher(
            name="techreform_inbox_watcher",
            trigger=InboxTrigger(
                workspace=os.environ.get("TECHREFORM_WORKSPACE", ""), settle_seconds=SETTLE_SECONDS
            ),
        )
    ],
)
# The poll, a safety net: a file the watcher missed (the triggerer down) waits five minutes at most.
POLL = CronTriggerTimetable("*/5 * * * *", timezone="Asia/Shanghai")


def _params() -> tuple[str, str | None, float]:
    """Workspace, period and settle time of this run (from its params or the deployment)."""
    ctx = get_current_context()
    params = ctx["params"]
    ws = workspace()  # a missing one fails at once, without retries
    period = params.get("period") or None
    if period is None:  # a scheduled run collects the quarter that ended last (local calendar)
        from techreform.reference.periods import last_ended

        period = str(last_ended(ctx.get("logical_date") or ctx["dag_run"].run_after))
    return ws, period, float(params.get("settle_seconds", 5))


def _step(step: Callable[..., int], *args: Any, **kwargs: Any) -> int:
    """Run a pipeline step; a warehouse not at the newest migration is a setting to fix: no retries."""
    from techreform import warehouse

    try:
        return step(*args, **kwargs)
    except warehouse.NotAtHead as e:
        raise AirflowFailException(str(e)) from e


@dag(
    dag_id="techreform_intake",
    description="县区技改季报接收、审核、入库与回执",
    schedule=AssetOrTimeSchedule(timetable=POLL, assets=INBOX),
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["techreform", "intake"],
    params={
        "workspace": Param(
            os.environ.get("TECHREFORM_WORKSPACE", ""),
            type="string",
            description="工作区目录（含 inbox/ outbox/）",
        ),
        "period": Param(
            None,
            type=["null", "string"],
            pattern=r"^\d{4}Q[1-4]$",
            description="报告期，如 2026Q3；留空则取上一个已结束的季度",
        ),
        "settle_seconds": Param(
            SETTLE_SECONDS, type="number", minimum=0, description="文件最近修改后需静置的秒数"
        ),
    },
)
def techreform_intake():
    @task
    def receive() -> int:
        """Archive every settled new file and register it."""
        from techreform import pipeline

        ws, period, settle = _params()
        return _step(pipeline.receive, ws, period, settle)

    @task
    def validate_and_load(received: int) -> list[dict[str, Any]]:
        """Validate every registered file and load the accepted ones (one transaction each); the
        periods whose returns in force changed go to XCom ``changed``. Then the receipts: written
        here when spreading them would cost more than it gives, else returned as batches of units
        for ``publish_receipts`` to map over (``techreform.fanout``; Airflow maps only over a
        task's return value)."""
        from techreform import pipeline

        ws, _, _ = _params()
        ti = get_current_context()["ti"]
        changed = _step(pipeline.process, ws)
        if ti.try_number > 1:  # an earlier try may have decided files and died before telling
            changed = sorted(set(changed) | set(_step(pipeline.periods_in_force, ws)))
        ti.xcom_push(key="changed", value=changed)
        batches = _step(pipeline.receipt_batches, ws)
        if len(batches) == 1:  # one task's worth of work: no task to start for it (on every core)
            _step(pipeline.publish_units, ws, batches[0]["units"], alone=True)
            return []
        return [dict(b) for b in batches]

    @task(map_index_template="{{ task.op_kwargs['batch']['label'] }}")
    def publish_receipts(batch: dict[str, Any]) -> int:
        """The receipts of one batch of units (a mapped task each, labelled with its units);
        skipped when there is no batch."""
        from techreform import pipeline

        ws, _, _ = _params()
        return _step(pipeline.publish_units, ws, batch["units"])

    @task
    def publish_reports(changed: list[str]) -> list[str]:
        """submissions.csv and findings.csv of every period to reports/ (from the warehouse's
        decisions: beside the receipts, not after them)."""
        from techreform import pipeline

        ws, period, _ = _params()
        _step(pipeline.publish_reports, ws, period)
        return changed

    @task(outlets=[RETURNS])
    def announce_returns(changed: list[str]) -> Iterator[Metadata]:
        """Tell the later steps which periods' returns in force changed (skipped when none did:
        a skipped task emits no asset event)."""
        if not changed:
            raise AirflowSkipException("no period's returns in force changed")
        yield Metadata(RETURNS, extra={"periods": list(changed)})

    judged = validate_and_load(receive())
    publish_receipts.expand(batch=judged)
    announce_returns(publish_reports(judged["changed"]))


techreform_intake()
