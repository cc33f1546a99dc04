"""``techreform run``: each step through its DAG (``pipeline.STEP_DAGS``), and a short Chinese line
on what each step did, read back from the warehouse and the reports folder."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from techreform.pipeline import STEP_DAGS, STEP_TITLES, STEPS
from techreform.workspace import Workspace

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _last_submission_id(engine: Engine) -> int:
    from sqlalchemy import func, select

    from techreform import warehouse as wh

    with engine.connect() as c:
        return int(c.execute(select(func.coalesce(func.max(wh.Submission.id), 0))).scalar_one())


def intake_tally(
    ws: Workspace, engine: Engine, since_id: int, started: dt.datetime, *, every_file: bool
) -> str:
    """Print the files that need the user (the rejected ones; every file with --verbose) and
    return the one-line tally of this intake (files an interrupted run had taken included)."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from techreform import warehouse as wh

    with Session(engine) as s:
        subs = s.scalars(
            select(wh.Submission)
            .where((wh.Submission.id > since_id) | (wh.Submission.processed_at >= started))
            .order_by(wh.Submission.id)
        ).all()
    if not subs:
        return "完成：收件箱中没有新文件。"
    label = {wh.ACCEPTED: "受理", wh.REJECTED: "退回", wh.SUPERSEDED: "受理（已被新版本替代）"}
    accepted = sum(1 for x in subs if x.status in (wh.ACCEPTED, wh.SUPERSEDED))
    rejected = sum(1 for x in subs if x.status == wh.REJECTED)
    receipts = sum(1 for x in subs if x.receipt_path)
    shown = subs if every_file else [x for x in subs if x.status == wh.REJECTED]
    if shown:
        print("各文件审核结果：" if every_file else f"退回的 {rejected} 个文件（回执已放入各单位 outbox）：")
    for x in shown:
        unit = ws.profile.unit(x.unit_code)
        who = f"{unit.name}（{x.unit_code}）" if unit else x.unit_code
        print(f"  {label.get(x.status, '待审核')}  {who}  {x.file_name}  错误{x.errors} 提示{x.warnings}")
    earlier = sum(1 for x in subs if x.id <= since_id)
    pending = len(subs) - accepted - rejected
    tail = f"，待审核 {pending}" if pending else ""
    more = f"（其中 {earlier} 个是上次运行中断时已接收的）" if earlier else ""
    return (
        f"完成：接收 {len(subs)} 个文件{more}，受理 {accepted}，退回 {rejected}{tail}，回执 {receipts} 份。"
    )


def _recorded_counts(ws: Workspace, engine: Engine, period: str) -> dict[str, int] | None:
    """The period's counts per category as its reconciliation recorded them, when that
    reconciliation used the extract files there now (their hash is the load's); else None."""
    from sqlalchemy import func, select

    from techreform import warehouse as wh
    from techreform.reconcile import extract

    if (ws.settings.get("statistics") or {}).get("url"):
        return None  # a database extract has no hash without reading it
    sha = extract.fingerprint(ws, period)
    if sha is None:
        return None
    with engine.connect() as c:
        run = c.execute(
            select(wh.ReconRun.id)
            .join(wh.StatsLoad, wh.StatsLoad.id == wh.ReconRun.load_id)
            .where(wh.ReconRun.period == period, wh.StatsLoad.sha256 == sha)
        ).scalar()
        if run is None:
            return None
        return {
            str(category): int(n)
            for category, n in c.execute(
                select(wh.ReconItem.category, func.count())
                .where(wh.ReconItem.run_id == run)
                .group_by(wh.ReconItem.category)
            ).all()
        }


def reconcile_tally(ws: Workspace, engine: Engine, period: str) -> str:
    """What the period's reconciliation found, or why there is none. The extract is read (and
    checked) again only when the warehouse holds no reconciliation of the files there now."""
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from techreform import warehouse as wh
    from techreform.reconcile import extract, extract_checks
    from techreform.reconcile.extract import ExtractError

    counts = _recorded_counts(ws, engine, period)
    if counts is None:
        try:
            loaded = extract.load(ws, period)
            if loaded is None:
                where = f"stats/{period}/projects.xlsx 和 unit_totals.xlsx"
                return f"对账：{period} 尚无统计局数据（请放入 {where}），本步骤跳过。"
            extract_checks.check(loaded, [u.code for u in ws.profile.units] + [ws.profile.jurisdiction.code])
        except ExtractError as e:
            return f"对账未进行：{e}"
        with Session(engine) as s:
            counts = dict(
                s.execute(
                    select(wh.ReconItem.category, func.count())
                    .join(wh.ReconRun, wh.ReconRun.id == wh.ReconItem.run_id)
                    .where(wh.ReconRun.period == period)
                    .group_by(wh.ReconItem.category)
                ).all()
            )
    return (
        f"对账：{period} 应统未统 {counts.get('missing_from_stats', 0)} 个，统计有县区未报 "
        f"{counts.get('missing_from_library', 0)} 个，金额不一致 {counts.get('amount_mismatch', 0)} 个，"
        f"重复报送 {counts.get('duplicate_report', 0)} 个；见 reports/{period}/对账_{period}.xlsx。"
    )


def reports_tally(ws: Workspace, period: str, names: list[str], what: str) -> str:
    found = [n for n in names if (ws.reports_for(period) / n).exists()]
    return f"{what}：reports/{period}/{'、'.join(found)}" if found else f"{what}：本期无需生成"


def step_tally(step: str, ws: Workspace, engine: Engine, period: str) -> str:
    from techreform.reference.periods import Period

    per = Period.parse(period)
    if step == "reconcile":
        return reconcile_tally(ws, engine, period)
    if step == "check":
        return reports_tally(ws, period, ["indicators.csv", f"季度检查_{period}.xlsx"], "季度检查")
    return reports_tally(
        ws, period, [f"半年通报_{per.year}H1.xlsx", f"年度考核_{per.year}.xlsx"], "通报与考核"
    )


def _in_process(step: str, ws: Workspace, engine: Engine, a: argparse.Namespace) -> None:
    """The step's functions without Airflow (--no-airflow, for debugging)."""
    from techreform import pipeline

    if step == "intake":
        from techreform.intake import run_intake

        run_intake(ws, engine, run_period=a.period, settle_seconds=a.settle_seconds)
    elif step == "reconcile":
        pipeline.reconcile(str(ws.root), str(a.period))
    elif step == "check":
        pipeline.check(str(ws.root), str(a.period))
    else:
        pipeline.assess(str(ws.root), str(a.period))


def cmd_run(a: argparse.Namespace) -> int:
    from techreform import warehouse
    from techreform.cli.workspace import warehouse_for_run

    ws = Workspace(Path(a.workspace).resolve())
    ws.settings  # fail early, in Chinese, if this is no workspace  # noqa: B018
    steps = STEPS if a.step == "all" else (a.step,)
    try:  # once for the run: no step alters the schema
        engine = warehouse_for_run(ws)
    except warehouse.NotAtHead as e:
        print(f"错误：{e}", file=sys.stderr)
        return 2
    if {"intake", "reconcile"} <= set(steps):  # the extract does not wait for the returns
        from techreform.reconcile import prefetch

        prefetch.start(ws, str(a.period))
    try:
        return _run_steps(ws, engine, steps, a)
    finally:
        from techreform.reconcile import prefetch

        prefetch.stop()  # (a child not taken: the reconciliation did not run)


def _run_steps(ws: Workspace, engine: Engine, steps: tuple[str, ...], a: argparse.Namespace) -> int:
    from techreform.airflow_run import dags_folder

    rc = 0
    lines: list[str] = []  # one per later step; the intake's tally comes last
    tally: str | None = None
    for step in steps:
        dag_id, title = STEP_DAGS[step], STEP_TITLES[step]
        if not (dags_folder() / f"{dag_id}.py").exists():
            print(f"{title}（{dag_id}）尚未实现，本步骤跳过")
            continue
        before = _last_submission_id(engine) if step == "intake" else 0
        started = dt.datetime.now().replace(microsecond=0)
        conf = {"workspace": str(ws.root), "period": str(a.period), "settle_seconds": a.settle_seconds}
        if a.no_airflow:
            progress(f"正在运行{title}（不经 Airflow）…")
            _in_process(step, ws, engine, a)
            state = "success"
        else:
            from techreform.airflow_run import run_dag

            home = Path(a.airflow_home or os.environ.get("TECHREFORM_AIRFLOW_HOME") or ws.root / ".airflow")
            progress(f"正在运行 {dag_id}（{title}）…")
            state = run_dag(dag_id, conf, home, quiet=not a.verbose, progress=progress)
        if step == "intake":
            tally = intake_tally(ws, engine, before, started, every_file=a.verbose)
        else:
            lines.append(step_tally(step, ws, engine, str(a.period)))
        engine.dispose()  # no connection held while the next step runs (it opens its own)
        if state != "success":
            print(f"{title}：Airflow 运行未成功（{state}），请用 --verbose 查看日志后重试", file=sys.stderr)
            rc = 1
    for line in [*lines, *([tally] if tally else [])]:
        print(line)
    return rc


__all__ = ["STEPS", "cmd_run", "progress"]
