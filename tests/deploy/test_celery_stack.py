"""The whole cycle on the Celery deployment (tests/support/stack.py: the compose file's services as
processes on this machine), against ``techreform run`` of the same inputs.

A small sample city's first quarter is dropped in a workspace whose warehouse is a fresh PostgreSQL
database named by the Airflow connection ``techreform_warehouse``; intake is triggered by hand and
the scheduler does the rest through the assets (returns → reconcile → reconciled → check). Skipped
unless PostgreSQL and Redis are reachable (TECHREFORM_REQUIRE_STACK=1 makes that a failure), and
when TECHREFORM_STACK_TEST=0 (CI's default while the test still misses its deadline now and then).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.stack import CONN_ID, PG_ADMIN, REDIS, WORKERS, Stack, reachable

pytestmark = pytest.mark.slow

PERIOD = "2026Q1"
UNITS = 4
OUTPUTS = ("submissions.csv", "findings.csv", "reconciliation.csv", "indicators.csv")
WAIT_SECONDS = 480


@pytest.fixture(scope="module", autouse=True)
def services_reachable() -> None:
    if os.environ.get("TECHREFORM_STACK_TEST", "1") == "0":
        pytest.skip("the deployment test is switched off (TECHREFORM_STACK_TEST=0)")
    if not (reachable(PG_ADMIN, 5432) and reachable(REDIS, 6379)):
        if os.environ.get("TECHREFORM_REQUIRE_STACK") == "1":
            pytest.fail(f"PostgreSQL ({PG_ADMIN}) or Redis ({REDIS}) not reachable")
        pytest.skip("PostgreSQL or Redis not reachable")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the inputs, the reference workspace). The inputs: a workspace whose warehouse setting names the
    Airflow connection (as ``techreform init --database-url airflow:techreform_warehouse``), with a
    small sample city; the reference: the same inputs through ``techreform run`` (dag.test(), its own
    SQLite warehouse)."""
    from techreform.demo import generate_city
    from techreform.workspace import Workspace

    inputs = tmp_path_factory.mktemp("sample") / "ws"
    ws = Workspace(inputs)
    ws.create("luoyang-2021", database_url=f"airflow:{CONN_ID}")
    generate_city(ws, ws.profile, year=2026, quarters=1, units=UNITS)
    ref = tmp_path_factory.mktemp("reference") / "ws"
    shutil.copytree(inputs, ref)  # copy2: modification times = received times are kept
    settings = json.loads((ref / "techreform.json").read_text(encoding="utf-8"))
    settings.pop("database_url")
    (ref / "techreform.json").write_text(json.dumps(settings), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "TECHREFORM_"))}
    env["TZ"] = "Asia/Shanghai"
    out = subprocess.run(
        [sys.executable, "-m", "techreform.cli", "run", str(ref), "--period", PERIOD],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    return inputs, ref


def _workspace(stack: Stack, inputs: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The inputs in the stack's workspace, its warehouse upgraded (the init service's
    ``techreform db upgrade``) through the connection."""
    from techreform.cli.workspace import upgrade_warehouse
    from techreform.workspace import Workspace

    shutil.copytree(inputs, stack.workspace)
    monkeypatch.setenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", stack.warehouse_uri)
    monkeypatch.delenv("TECHREFORM_DATABASE_URL", raising=False)
    assert upgrade_warehouse(Workspace(stack.workspace)) == 0
    return stack.workspace


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _wait_for_cycle(stack: Stack, ws: Path) -> None:
    """Until a check run started by the assets after the manual intake run ended has succeeded, and
    nothing of the cycle is queued or running."""
    reports = ws / "reports" / PERIOD
    deadline = time.monotonic() + WAIT_SECONDS
    runs: dict[str, list[tuple]] = {}
    while time.monotonic() < deadline:
        stack.check_alive()
        runs = {d: stack.runs(d) for d in ("techreform_intake", "techreform_reconcile", "techreform_check")}
        busy = any(r[2] in ("queued", "running") for rs in runs.values() for r in rs)
        intake = [r for r in runs["techreform_intake"] if r[1] == "manual"]
        done = intake and intake[-1][2] == "success" and intake[-1][4] is not None
        checked = done and any(
            r[1] == "asset_triggered" and r[2] == "success" and r[3] > intake[-1][4]
            for r in runs["techreform_check"]
        )
        if checked and not busy and all((reports / name).exists() for name in OUTPUTS):
            return
        time.sleep(3)
    tails = {n: (stack.home / f"{n}.log").read_text(errors="replace")[-1500:] for n in stack.procs}
    raise AssertionError(f"the asset chain did not finish in {WAIT_SECONDS} s: {runs}\n{tails}")


def _start_cycle(stack: Stack, ws: Path) -> None:
    """The later steps unpaused, intake triggered by hand and then unpaused: its manual run is queued
    before any scheduled one, which would collect for the last ended quarter (not the sample's)."""
    stack.unpause("techreform_(statistics|reconcile|check)")
    stack.trigger("techreform_intake", {"workspace": str(ws), "period": PERIOD, "settle_seconds": 0})
    stack.unpause("techreform_intake")


def _assert_same_outputs(ws: Path, ref: Path) -> None:
    for name in OUTPUTS:
        got, want = _rows(ws / "reports" / PERIOD / name), _rows(ref / "reports" / PERIOD / name)
        assert want, f"the reference run wrote an empty {name}"
        assert got == want, f"{name} differs from techreform run's"
    receipts = sorted(p.name for p in (ws / "outbox").rglob("*.xlsx") if p.name.startswith("回执"))
    want = sorted(p.name for p in (ref / "outbox").rglob("*.xlsx") if p.name.startswith("回执"))
    assert receipts == want and receipts, "one receipt per file, none lost or doubled"


def _stack(tmp_path: Path, **extra_env: str) -> Iterator[Stack]:
    s = Stack(workspace=tmp_path / "ws", extra_env=extra_env)
    s.create_databases()
    try:
        yield s
    finally:
        s.stop(keep_home=bool(os.environ.get("TECHREFORM_KEEP_STACK_LOGS")))


@pytest.fixture()
def stack(tmp_path: Path) -> Iterator[Stack]:
    yield from _stack(tmp_path)


@pytest.fixture()
def fault_stack(tmp_path: Path) -> Iterator[Stack]:
    # a killed worker's task stops heartbeating: declared failed (and retried) after 60 s, not 300 s
    yield from _stack(tmp_path, AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT="60")


def test_cycle_on_celery_equals_techreform_run(stack: Stack, sample, monkeypatch):
    inputs, ref = sample
    ws = _workspace(stack, inputs, monkeypatch)
    t0 = time.monotonic()
    stack.start()
    up = time.monotonic() - t0
    _start_cycle(stack, ws)
    _wait_for_cycle(stack, ws)
    print(f"stack up in {up:.0f} s; trigger to checked in {time.monotonic() - t0 - up:.0f} s")
    _assert_same_outputs(ws, ref)
    # every task went through the Celery queue of this stack (the workers' queue, not a local executor)
    queues = {q for (q,) in stack.query("SELECT DISTINCT queue FROM task_instance WHERE state = 'success'")}
    assert queues == {stack.queue}


def _running_worker(stack: Stack, dag_id: str, task_id: str, timeout: float = 240) -> str:
    """The worker running the task now: the one whose log says it received the task's Celery message
    (the task instance's external_executor_id)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stack.check_alive()
        rows = stack.query(
            "SELECT state, external_executor_id FROM task_instance WHERE dag_id = :d AND task_id = :t "
            "AND run_id LIKE 'manual%'",
            d=dag_id,
            t=task_id,
        )
        if rows and rows[0][0] == "running" and rows[0][1]:
            received = f"Task execute_workload[{rows[0][1]}] received"
            for worker in WORKERS:
                if received in (stack.home / f"{worker}.log").read_text(errors="replace"):
                    return worker
        time.sleep(0.5)
    raise AssertionError(f"{dag_id}.{task_id} did not start on a worker within {timeout:.0f} s")


def test_worker_killed_during_intake_loses_nothing(fault_stack: Stack, sample, monkeypatch):
    """One worker dies (SIGKILL, with its task) while intake validates and loads; the task is declared
    failed when its heartbeat stops, retried on the other worker, and the cycle ends as undisturbed."""
    stack = fault_stack
    inputs, ref = sample
    ws = _workspace(stack, inputs, monkeypatch)
    stack.start()
    _start_cycle(stack, ws)
    victim = _running_worker(stack, "techreform_intake", "validate_and_load")
    time.sleep(2)  # into the validation, past the task's start
    stack.kill(victim)
    stack.procs.pop(victim)  # check_alive() must not count the killed worker as a failure
    _wait_for_cycle(stack, ws)
    _assert_same_outputs(ws, ref)
    tries = stack.query(
        "SELECT try_number, state FROM task_instance WHERE dag_id = 'techreform_intake' "
        "AND task_id = 'validate_and_load' AND run_id LIKE 'manual%'"
    )
    assert tries and tries[0][0] >= 2 and tries[0][1] == "success", tries
