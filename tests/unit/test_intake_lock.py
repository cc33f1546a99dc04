"""One intake at a time: a PostgreSQL advisory lock where the warehouse is shared by machines, a file
lock where it is the workspace's SQLite file. Real contention, ordering asserted (not timing)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

from techreform import warehouse as wh
from techreform.intake.lock import workspace_lock
from techreform.workspace import Workspace
from tests.support.databases import postgres_database


def _eventually(condition: Callable[[], bool], what: str, deadline: float = 60) -> None:
    """Wait for a state to be reached (a generous bound only against hanging forever)."""
    end = time.monotonic() + deadline
    while not condition():
        assert time.monotonic() < end, f"never happened: {what}"
        time.sleep(0.05)


def _contend(
    ws_a: Workspace, engine_a: Engine, ws_b: Workspace, engine_b: Engine, b_waits: Callable[[], bool]
):
    """A takes the lock and holds it until B is seen waiting for it; returns the order of events."""
    events: list[str] = []
    a_holds, let_a_go = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with workspace_lock(ws_a, engine_a):
                events.append("A in")
                a_holds.set()
                let_a_go.wait(120)
                events.append("A out")
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)
            a_holds.set()

    def second() -> None:
        try:
            with workspace_lock(ws_b, engine_b):
                events.append("B in")
        except BaseException as e:  # pragma: no cover
            errors.append(e)

    a = threading.Thread(target=first)
    a.start()
    a_holds.wait(60)
    b = threading.Thread(target=second)
    b.start()
    _eventually(b_waits, "the second intake waiting for the lock")
    assert events == ["A in"]  # B is blocked, not through
    let_a_go.set()
    a.join(60)
    b.join(60)
    assert not errors, errors
    return events


def test_two_machines_on_one_postgresql_warehouse_take_turns(tmp_path):
    """Two workers with engines of their own and the workspace mounted at different paths, as on two
    machines: the second waits on the server until the first lets go."""
    with postgres_database() as url:
        engine_a, engine_b, observer = wh.connect(url), wh.connect(url, migrate=False), wh.connect(url)
        try:

            def advisory(granted: bool) -> int:
                with observer.connect() as c:
                    return c.execute(
                        text(
                            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted = :g"
                            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                        ),
                        {"g": granted},
                    ).scalar_one()

            events = _contend(
                Workspace(tmp_path / "machine-a" / "ws"),
                engine_a,
                Workspace(tmp_path / "machine-b" / "mnt"),
                engine_b,
                lambda: advisory(granted=False) == 1,
            )
            assert events == ["A in", "A out", "B in"]
            # both let go: nothing held, and no lock file was used
            assert advisory(granted=True) == 0 and advisory(granted=False) == 0
            assert not list(tmp_path.rglob(".intake.lock"))
        finally:
            for e in (engine_a, engine_b, observer):
                e.dispose()


def test_the_lock_is_let_go_when_the_step_fails(tmp_path):
    with postgres_database() as url:
        engine = wh.connect(url)
        ws = Workspace(tmp_path / "ws")
        try:
            try:
                with workspace_lock(ws, engine):
                    raise KeyError("boom")
            except KeyError:
                pass
            with engine.connect() as c:
                held = text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                )
                assert c.execute(held).scalar() == 0  # in this database: an Airflow beside it takes its own
            with workspace_lock(ws, engine):  # and can be taken again at once
                pass
        finally:
            engine.dispose()


def _flock_waiters(path: Path) -> int:
    """Blocked flock requests on ``path`` (Linux lists them in /proc/locks with a "->" prefix)."""
    inode = os.stat(path).st_ino
    lines = Path("/proc/locks").read_text().splitlines()
    return sum(1 for line in lines if "->" in line and "FLOCK" in line and f":{inode} " in line)


def test_a_workspace_sqlite_warehouse_keeps_the_file_lock(tmp_path):
    ws = Workspace(tmp_path / "ws")
    engine = wh.connect(f"sqlite:///{tmp_path / 'ws' / 'warehouse.sqlite'}", migrate=False)
    try:
        events = _contend(ws, engine, ws, engine, lambda: _flock_waiters(ws.root / ".intake.lock") == 1)
        assert events == ["A in", "A out", "B in"]
    finally:
        engine.dispose()
