"""The whole cycle on the Celery deployment (tests/support/stack.py: the compose file's services as
processes on this machine), disturbed three times, against ``techreform run`` of the same inputs.

A small sample city's first quarter is dropped in a workspace whose warehouse is a database on a
PostgreSQL server of the test's own (tests/support/pgserver.py), named by the Airflow connection
``techreform_warehouse``; intake is triggered by hand and the scheduler does the rest through the
assets (returns → reconcile → reconciled → check). One stack runs one cycle, and three faults hit it:

- a worker is killed (SIGKILL, with its tasks) while intake validates and loads;
- while that intake is in progress, one of its files is dropped again: the same bytes with a new
  modification time, and a copy under another name; a second intake run then finds them;
- the warehouse's server is restarted (``pg_ctl restart -m fast``) while the reconciliation runs.

The cycle must end as ``techreform run`` ended: the same outputs and receipts, and the same rows in
the warehouse (nothing lost, nothing doubled). The tests below each check one part of that.

Skipped unless PostgreSQL, Redis and PostgreSQL's binaries (initdb) are there
(TECHREFORM_REQUIRE_STACK=1 makes that a failure), and when TECHREFORM_STACK_TEST=0.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from tests.support.pgserver import Server, binaries
from tests.support.stack import CONN_ID, PG_ADMIN, REDIS, WORKERS, Stack, free_port, reachable

pytestmark = pytest.mark.slow

PERIOD = "2026Q1"
UNITS = 4
OUTPUTS = ("submissions.csv", "findings.csv", "reconciliation.csv", "indicators.csv")
# what the warehouse keeps of a cycle: the same rows as techreform run's, none lost or doubled
TABLES = (
    "submission",
    "finding",
    "project",
    "recognition",
    "stats_load",
    "stats_project",
    "recon_run",
    "recon_item",
)
WAIT_SECONDS = 480
INTAKE, RECONCILE, CHECK = "techreform_intake", "techreform_reconcile", "techreform_check"


def _unavailable(why: str) -> None:
    if os.environ.get("TECHREFORM_REQUIRE_STACK") == "1":
        pytest.fail(why)
    pytest.skip(why)


@pytest.fixture(scope="module", autouse=True)
def services_reachable() -> None:
    if os.environ.get("TECHREFORM_STACK_TEST", "1") == "0":
        pytest.skip("the deployment test is switched off (TECHREFORM_STACK_TEST=0)")
    if not (reachable(PG_ADMIN, 5432) and reachable(REDIS, 6379)):
        _unavailable(f"PostgreSQL ({PG_ADMIN}) or Redis ({REDIS}) not reachable")
    if binaries() is None:
        _unavailable("PostgreSQL's binaries (initdb, pg_ctl) not found: the warehouse's own server")


@dataclass
class Reference:
    """The same inputs through ``techreform run`` (dag.test(), its own SQLite warehouse), run while
    the stack starts: ``wait()`` before reading it."""

    root: Path
    proc: subprocess.Popen[str]

    def wait(self) -> Path:
        out, err = self.proc.communicate(timeout=600)
        assert self.proc.returncode == 0, out + err
        return self.root


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Reference]]:
    """(the inputs, the reference). The inputs: a workspace whose warehouse setting names the Airflow
    connection (as ``techreform init --database-url airflow:techreform_warehouse``), with a small
    sample city; the reference: a copy of them through ``techreform run``."""
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
    proc = subprocess.Popen(
        [sys.executable, "-m", "techreform.cli", "run", str(ref), "--period", PERIOD],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield inputs, Reference(ref, proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


@dataclass
class Cycle:
    """What happened to the disturbed cycle, for the tests to check."""

    stack: Stack
    ws: Path
    reference: Reference
    up_seconds: float = 0.0
    cycle_seconds: float = 0.0
    victim: str = ""
    duplicates: list[str] = field(default_factory=list)  # inbox paths of the copies dropped again
    first_intake: str = ""  # run ids
    second_intake: str = ""
    restarted_run: str = ""  # the reconcile run the warehouse restart hit
    restart_state: tuple[str, bool] = ("", False)  # (its reconcile task's state, a connection open)
    warehouse_counts: dict[str, int] = field(default_factory=dict)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _workspace(stack: Stack, inputs: Path) -> Path:
    """The inputs in the stack's workspace, its warehouse upgraded (the init service's
    ``techreform db upgrade``) through the connection."""
    from techreform.cli.workspace import upgrade_warehouse
    from techreform.workspace import Workspace

    shutil.copytree(inputs, stack.workspace)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", stack.warehouse_uri)
        mp.delenv("TECHREFORM_DATABASE_URL", raising=False)
        assert upgrade_warehouse(Workspace(stack.workspace)) == 0
    return stack.workspace


def _wait(what: str, stack: Stack, until: Any, timeout: float, poll: float = 1.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stack.check_alive()
        got = until()
        if got:
            return got
        time.sleep(poll)
    runs = {d: stack.runs(d) for d in (INTAKE, RECONCILE, CHECK)}
    tails = {n: (stack.home / f"{n}.log").read_text(errors="replace")[-1500:] for n in stack.procs}
    raise AssertionError(f"{what}: not within {timeout:.0f} s: {runs}\n{tails}")


def _ti(stack: Stack, dag_id: str, run_id: str, task_id: str) -> tuple[Any, ...] | None:
    rows = stack.query(
        "SELECT state, try_number, external_executor_id FROM task_instance "
        "WHERE dag_id = :d AND run_id = :r AND task_id = :t",
        d=dag_id,
        r=run_id,
        t=task_id,
    )
    return rows[0] if rows else None


def _triggered_by(stack: Stack, dag_id: str, source_run_id: str) -> str | None:
    """The run of ``dag_id`` that consumed an asset event emitted by the run ``source_run_id``."""
    rows = stack.query(
        "SELECT dr.run_id FROM dag_run dr JOIN dagrun_asset_event dae ON dae.dag_run_id = dr.id "
        "JOIN asset_event ae ON ae.id = dae.event_id WHERE dr.dag_id = :d AND ae.source_run_id = :r",
        d=dag_id,
        r=source_run_id,
    )
    return rows[0][0] if rows else None


def _running_worker(stack: Stack, run_id: str, task_id: str) -> str | None:
    """The worker running the intake task now: the one whose log says it received the task's Celery
    message (the task instance's external_executor_id)."""
    ti = _ti(stack, INTAKE, run_id, task_id)
    if ti and ti[0] == "running" and ti[2]:
        received = f"Task execute_workload[{ti[2]}] received"
        for worker in WORKERS:
            if received in (stack.home / f"{worker}.log").read_text(errors="replace"):
                return worker
    return None


def _drop_again(ws: Path, ref: Path) -> list[str]:
    """One return accepted by the reference, dropped again twice: its bytes rewritten in place (a new
    modification time), and a copy under another name (as a sync tool's "(1)" copy)."""
    with sqlite3.connect(ref / "warehouse.sqlite") as c:
        (path,) = c.execute(
            "SELECT inbox_path FROM submission WHERE status = 'accepted' ORDER BY id LIMIT 1"
        ).fetchone()
    original = ws / path
    data = original.read_bytes()
    copy = original.with_name(f"{original.stem} (1){original.suffix}")
    copy.write_bytes(data)
    original.write_bytes(data)
    now = time.time()
    for p in (original, copy):
        os.utime(p, (now, now))
    return [str(p.relative_to(ws)) for p in (original, copy)]


def _reconcile_connected(stack: Stack) -> bool:
    """Whether the reconcile task holds a connection to the warehouse now (the package names its
    connections after the Airflow task: warehouse.db.application_name)."""
    engine = create_engine(stack.warehouse_url)
    try:
        with engine.connect() as c:
            return bool(
                c.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND application_name = 'techreform techreform_reconcile.reconcile'"
                    )
                ).scalar()
            )
    except Exception:
        return False
    finally:
        engine.dispose()


def _busy(stack: Stack, dag_id: str) -> bool:
    return any(r[2] in ("queued", "running") for r in stack.runs(dag_id))


def _run_cycle(c: Cycle, server: Server) -> None:
    stack, ws = c.stack, c.ws
    held = ws.parent / "inbox-held"
    (ws / "inbox").rename(held)  # the sample's files wait until the manual run will take them
    (ws / "inbox").mkdir()
    t0 = time.monotonic()
    stack.start()
    c.up_seconds = time.monotonic() - t0
    stack.unpause("techreform_(intake|statistics|reconcile|check)")
    stack.quiet_intake()
    reference = c.reference.wait()  # done by now: it ran while the stack started
    t0 = time.monotonic()

    def put_in_place() -> None:  # a rename: the files keep their modification (= received) times
        (ws / "inbox").rmdir()
        held.rename(ws / "inbox")

    # the inbox watcher fires on the files within a second or two: its run (for the last ended
    # quarter) must queue behind the manual one for the sample's quarter
    stack.trigger_first(INTAKE, {"workspace": str(ws), "period": PERIOD, "settle_seconds": 0}, put_in_place)
    c.first_intake = _wait(
        "a manual intake run", stack, lambda: [r[0] for r in stack.runs(INTAKE) if r[1] == "manual"], 60
    )[0]

    # 1. a worker dies in the middle of intake; 2. meanwhile a file comes again, twice
    c.victim = _wait(
        "validate_and_load on a worker",
        stack,
        lambda: _running_worker(stack, c.first_intake, "validate_and_load"),
        240,
        poll=0.5,
    )
    c.duplicates = _drop_again(ws, reference)
    # into the validation, past the task's start: with the workers' preload a city's validation takes
    # a few seconds only, so the kill comes at once
    time.sleep(0.3)
    stack.kill(c.victim)
    stack.procs.pop(c.victim)  # check_alive() must not count the killed worker as a failure
    stack.trigger(INTAKE, {"workspace": str(ws), "period": PERIOD, "settle_seconds": 0})
    c.second_intake = [r[0] for r in stack.runs(INTAKE) if r[1] == "manual"][-1]

    # 3. the warehouse's server restarts while the reconciliation of intake's returns runs
    c.restarted_run = _wait(
        "the reconcile run of intake's returns",
        stack,
        lambda: _triggered_by(stack, RECONCILE, c.first_intake),
        WAIT_SECONDS,
    )

    def in_the_reconciliation() -> tuple[str, bool] | None:
        ti = _ti(stack, RECONCILE, c.restarted_run, "reconcile")
        if ti and ti[0] == "running" and _reconcile_connected(stack):
            return ("running", True)
        if ti and ti[0] in ("success", "up_for_retry", "failed"):  # missed the task: the run goes on
            return (ti[0], False)
        return None

    c.restart_state = _wait(
        "the reconcile task with the warehouse open", stack, in_the_reconciliation, 240, 0.2
    )
    for _ in range(3):  # a loaded machine may let a small reconciliation end between two looks
        if c.restart_state[0] == "running":
            break
        _wait("the reconcile run over", stack, lambda: not _busy(stack, RECONCILE), 240, 0.5)
        before = {r[0] for r in stack.runs(RECONCILE)}
        stack.trigger(RECONCILE, {"period": PERIOD})  # the bureau asks for it again
        c.restarted_run = _wait(
            "a manual reconcile run",
            stack,
            lambda before=before: [
                r[0] for r in stack.runs(RECONCILE) if r[0] not in before and r[1] == "manual"
            ],
            60,
        )[0]
        c.restart_state = _wait(
            "the reconcile task with the warehouse open", stack, in_the_reconciliation, 240, 0.2
        )
    run_state = next(r[2] for r in stack.runs(RECONCILE) if r[0] == c.restarted_run)
    assert run_state == "running", f"the reconcile run was {run_state} when the warehouse was to restart"
    server.restart()

    # the cycle ends: the restarted run succeeded and a check after it; nothing queued or running
    reports = ws / "reports" / PERIOD

    def done() -> bool:
        runs = {d: stack.runs(d) for d in (INTAKE, RECONCILE, CHECK)}
        if any(r[2] in ("queued", "running") for rs in runs.values() for r in rs):
            return False
        manual = {r[0]: r[2] for r in runs[INTAKE] if r[1] == "manual"}
        rec = next(r for r in runs[RECONCILE] if r[0] == c.restarted_run)
        check = _triggered_by(stack, CHECK, c.restarted_run)
        checked = any(r[0] == check and r[2] == "success" for r in runs[CHECK])
        return (
            manual.get(c.first_intake) == manual.get(c.second_intake) == "success"
            and rec[2] == "success"
            and checked
            and all((reports / name).exists() for name in OUTPUTS)
        )

    _wait("the end of the cycle", stack, done, WAIT_SECONDS, 3)
    c.cycle_seconds = time.monotonic() - t0
    engine = create_engine(stack.warehouse_url)
    try:
        with engine.connect() as conn:
            c.warehouse_counts = {
                t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES
            }
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def cycle(sample: tuple[Path, Reference], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cycle]:
    inputs, ref = sample
    server = Server(port=free_port())
    server.start()
    stack = Stack(workspace=tmp_path_factory.mktemp("stack") / "ws", warehouse_admin=server.admin_url)
    try:
        stack.create_databases()
        c = Cycle(stack, _workspace(stack, inputs), ref)
        _run_cycle(c, server)
        print(f"stack up in {c.up_seconds:.0f} s; trigger to checked in {c.cycle_seconds:.0f} s")
        yield c
    finally:
        stack.stop(keep_home=bool(os.environ.get("TECHREFORM_KEEP_STACK_LOGS")))
        server.stop()


def test_disturbed_cycle_on_celery_equals_techreform_run(cycle: Cycle):
    for name in OUTPUTS:
        got, want = (
            _rows(cycle.ws / "reports" / PERIOD / name),
            _rows(cycle.reference.root / "reports" / PERIOD / name),
        )
        assert want, f"the reference run wrote an empty {name}"
        assert got == want, f"{name} differs from techreform run's"
    receipts = sorted(p.name for p in (cycle.ws / "outbox").rglob("*.xlsx") if p.name.startswith("回执"))
    want = sorted(
        p.name for p in (cycle.reference.root / "outbox").rglob("*.xlsx") if p.name.startswith("回执")
    )
    assert receipts == want and receipts, "one receipt per file, none lost or doubled"
    # every task went through the Celery queue of this stack (the workers' queue, not a local executor)
    queues = {
        q for (q,) in cycle.stack.query("SELECT DISTINCT queue FROM task_instance WHERE state = 'success'")
    }
    assert queues == {cycle.stack.queue}


def test_the_warehouse_holds_what_techreform_runs_does_nothing_lost_or_doubled(cycle: Cycle):
    with sqlite3.connect(cycle.reference.root / "warehouse.sqlite") as c:
        want = {t: c.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    assert want["project"] and want["recon_item"]
    assert cycle.warehouse_counts == want


def test_a_worker_killed_during_intake_has_its_task_retried_on_the_other(cycle: Cycle):
    """The killed task stops heartbeating: failed after the heartbeat timeout and retried."""
    ti = _ti(cycle.stack, INTAKE, cycle.first_intake, "validate_and_load")
    assert ti and ti[0] == "success" and ti[1] >= 2, ti


def test_a_file_dropped_again_during_intake_is_known_as_the_same_return(cycle: Cycle):
    """Both copies were there for the second intake run, which took nothing: no new submission."""
    engine = create_engine(cycle.stack.warehouse_url)
    try:
        with engine.connect() as c:
            paths = {p for (p,) in c.execute(text("SELECT inbox_path FROM submission"))}
    finally:
        engine.dispose()
    original, copy = cycle.duplicates
    assert original in paths and copy not in paths
    assert (cycle.ws / copy).exists()  # left where it was, as every file in the inbox
    announced = _ti(cycle.stack, INTAKE, cycle.second_intake, "announce_returns")
    assert announced and announced[0] == "skipped", "the second intake changed no return in force"


def test_the_warehouse_restarted_during_reconciliation_ends_reconciled(cycle: Cycle):
    state, connected = cycle.restart_state
    assert state == "running", f"the restart missed the reconcile task (it was {state})"
    assert connected
    ti = _ti(cycle.stack, RECONCILE, cycle.restarted_run, "reconcile")
    assert ti and ti[0] == "success", ti
