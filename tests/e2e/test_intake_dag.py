"""The intake DAG run by Airflow (dag.test) over a generated city: receipts, warehouse, reruns.

Runs on the default SQLite warehouse and on a real PostgreSQL one.
"""

from __future__ import annotations

import csv
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from techreform import warehouse as wh
from techreform.demo import city as sample
from techreform.pipeline import RETURNS_ASSET
from techreform.reference import profiles
from techreform.workspace import Workspace
from tests.support.databases import database

# Airflow's import alone takes seconds; every test here is outside the inner loop.
pytestmark = pytest.mark.slow


@pytest.fixture
def city(tmp_path):
    ws = Workspace(tmp_path / "ws")
    ws.create("luoyang-2021")
    summary = sample.generate_city(ws, profiles.load("luoyang-2021"), year=2026, quarters=2, units=4, seed=11)
    return ws, summary


def _counts(engine) -> dict[str, int]:
    with Session(engine) as s:
        return {
            t.__tablename__: s.scalar(select(func.count()).select_from(t))
            for t in (wh.Submission, wh.Finding, wh.Project, wh.Recognition)
        }


def _returns_events() -> list[dict]:
    """The extras of the events on the returns-in-force asset, in the tests' Airflow database."""
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session

    with create_session() as s:
        events = s.scalars(
            select(AssetEvent)
            .join(AssetModel, AssetEvent.asset_id == AssetModel.id)
            .where(AssetModel.name == RETURNS_ASSET)
            .order_by(AssetEvent.id)
        ).all()
        return [dict(e.extra or {}) for e in events]


def _run(dag, ws: Workspace, period: str) -> str:
    run = dag.test(run_conf={"workspace": str(ws.root), "period": period, "settle_seconds": 0})
    return str(getattr(run.state, "value", run.state))


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_intake_dag_end_to_end(intake_dag, city, backend, tmp_path, monkeypatch):
    ws, summary = city
    with database(backend, tmp_path) as url:
        monkeypatch.setenv("TECHREFORM_DATABASE_URL", url)
        engine = wh.connect(url)  # the deployment step (techreform db upgrade): tasks do not migrate
        events_before = _returns_events()
        assert _run(intake_dag, ws, "2026Q2") == "success"
        inbox_files = sorted(p for p in ws.inbox.rglob("*") if p.is_file())
        with Session(engine) as s:
            subs = s.scalars(select(wh.Submission).order_by(wh.Submission.id)).all()
            assert len(subs) == len(inbox_files) > 0
            for sub in subs:
                # every file answered with a receipt that opens and says the verdict first
                receipt = ws.root / sub.receipt_path
                assert receipt.parent == ws.outbox / sub.unit_code
                book = openpyxl.load_workbook(receipt, read_only=True)
                assert book.sheetnames[0] == "回执"
                book.close()
                # the original is kept byte for byte
                original = ws.root / sub.inbox_path
                assert hashlib.sha256((ws.root / sub.archive_path).read_bytes()).hexdigest() == sub.sha256
                assert hashlib.sha256(original.read_bytes()).hexdigest() == sub.sha256
                expected = summary["expected"].get(sub.file_name)
                if expected:
                    assert sub.status == expected, (sub.file_name, sub.summary)
                if sub.status == wh.REJECTED:
                    assert sub.errors > 0 and not sub.projects
                    assert (ws.quarantine / sub.unit_code / Path(sub.archive_path).name).exists()
                else:
                    assert sub.errors == 0 and len(sub.projects) == sub.projects_count > 0
            statuses = {sub.status for sub in subs}
            assert {wh.ACCEPTED, wh.REJECTED} <= statuses
            # one return in force per unit and period
            for unit, period in {(x.unit_code, x.period) for x in subs if x.period}:
                n = sum(
                    1 for x in subs if (x.unit_code, x.period) == (unit, period) and x.status == wh.ACCEPTED
                )
                assert n <= 1
        for period in ("2026Q1", "2026Q2"):
            with (ws.reports_for(period) / "submissions.csv").open(encoding="utf-8") as f:
                rows = list(csv.DictReader(f))
            assert rows and {r["status"] for r in rows} <= {"accepted", "rejected", "superseded"}
            with (ws.reports_for(period) / "findings.csv").open(encoding="utf-8") as f:
                assert next(csv.reader(f)) == [
                    "unit_code",
                    "file",
                    "sheet",
                    "row",
                    "field",
                    "rule_id",
                    "severity",
                    "message",
                ]

        # the later steps hear which periods' returns in force changed: one event for the run
        with Session(engine) as s:
            in_force = s.scalars(
                select(wh.Submission.period).where(wh.Submission.status.in_((wh.ACCEPTED, wh.SUPERSEDED)))
            ).all()
        assert _returns_events() == [*events_before, {"periods": sorted(set(in_force))}]
        assert sorted(set(in_force)) == ["2026Q1", "2026Q2"]

        # a rerun changes nothing: no new rows, no new receipts, the same CSVs, no asset event
        before = _counts(engine)
        receipts = sorted(p.name for p in ws.outbox.rglob("*.xlsx"))
        csv_before = (ws.reports_for("2026Q2") / "submissions.csv").read_bytes()
        assert _run(intake_dag, ws, "2026Q2") == "success"
        assert _counts(engine) == before
        assert sorted(p.name for p in ws.outbox.rglob("*.xlsx")) == receipts
        assert (ws.reports_for("2026Q2") / "submissions.csv").read_bytes() == csv_before
        assert len(_returns_events()) == len(events_before) + 1
        engine.dispose()


def test_command_line_runs_intake_through_airflow(tmp_path):
    ws = tmp_path / "ws"
    env = {**os.environ, "TECHREFORM_AIRFLOW_HOME": str(tmp_path / "airflow")}
    env.pop("TECHREFORM_DATABASE_URL", None)
    cli = [sys.executable, "-m", "techreform.cli"]
    subprocess.run([*cli, "init", str(ws), "--profile", "luoyang-2021"], check=True, env=env)
    src = sample.generate_city  # one unit's files are enough here
    src(Workspace(ws), profiles.load("luoyang-2021"), year=2026, quarters=1, units=2, seed=3)
    out = subprocess.run(
        [*cli, "run", str(ws), "--period", "2026Q1", "--step", "all"], capture_output=True, text=True, env=env
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "正在运行 techreform_intake" in out.stderr  # a long step says what it is doing
    assert (
        "对账：2026Q1" in out.stdout and "季度检查：reports/2026Q1/" in out.stdout
    )  # each step says what it did
    # the output ends with the tally, in Chinese, and has no developer warnings in it
    last = out.stdout.strip().splitlines()[-1]
    assert last.startswith("完成：接收 ") and "受理" in last and last.endswith("份。"), out.stdout
    assert "warning" not in (out.stdout + out.stderr).lower(), out.stdout + out.stderr
    assert (ws / "reports" / "2026Q1" / "submissions.csv").exists()
    # the run really went through Airflow: its metadata database knows the DAG run
    assert (tmp_path / "airflow" / "airflow.db").exists()


def test_a_run_without_a_workspace_fails_at_once_without_retries(intake_dag, tmp_path):
    """A setting to fix is not a passing fault: no 2 × 30 s of retries before saying so."""
    run = intake_dag.test(run_conf={"workspace": str(tmp_path / "nowhere"), "period": "2026Q1"})
    assert str(getattr(run.state, "value", run.state)) == "failed"
    receive = next(ti for ti in run.get_task_instances() if ti.task_id == "receive")
    assert (str(getattr(receive.state, "value", receive.state)), receive.try_number) == ("failed", 1)


def test_a_run_on_a_warehouse_not_upgraded_fails_at_once_without_retries(intake_dag, tmp_path):
    """Tasks never migrate: a warehouse behind the code is a deployment step to take, not retried."""
    ws = Workspace(tmp_path / "ws")
    ws.create("luoyang-2021")  # no techreform init: the warehouse has no tables
    run = intake_dag.test(run_conf={"workspace": str(ws.root), "period": "2026Q1", "settle_seconds": 0})
    assert str(getattr(run.state, "value", run.state)) == "failed"
    receive = next(ti for ti in run.get_task_instances() if ti.task_id == "receive")
    assert (str(getattr(receive.state, "value", receive.state)), receive.try_number) == ("failed", 1)
    engine = wh.connect(ws.database_url, migrate=False)
    assert wh.current_revision(engine) is None  # and nothing was created behind the user's back
    engine.dispose()


def test_a_scheduled_run_takes_the_quarter_that_ended_last(intake_dag, tmp_path):
    """No period given: the run's time decides (its reports go to that quarter's folder)."""
    import pendulum

    ws = Workspace(tmp_path / "ws")
    ws.create("luoyang-2021")
    wh.connect(ws.database_url).dispose()  # as techreform init does
    when = pendulum.datetime(2026, 7, 2, 10, 0, tz="Asia/Shanghai")
    run = intake_dag.test(logical_date=when, run_conf={"workspace": str(ws.root), "settle_seconds": 0})
    assert str(getattr(run.state, "value", run.state)) == "success"
    assert sorted(p.name for p in ws.reports.iterdir()) == ["2026Q2"]
