"""The inbox watcher's trigger run for real (asyncio, real files, real time, the workspace's SQLite
warehouse), as the triggerer runs it: loaded by its classpath from the serialized DAG's kwargs."""

from __future__ import annotations

import asyncio
import importlib
import shutil
import time

import pytest

from techreform import intake
from techreform import warehouse as wh
from techreform.workspace import Workspace
from tests.conftest import OTHER_UNIT, PROFILE_ID, UNIT, set_mtime, write_return

pytestmark = pytest.mark.slow  # real seconds of settling, and Airflow's import

SETTLE = 1.0


def tree(root) -> dict[str, tuple[int, float]]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime) for p in root.rglob("*")}


def load_trigger(ws: Workspace):
    from techreform_watch import InboxTrigger

    classpath, kwargs = InboxTrigger(str(ws.root), settle_seconds=SETTLE, poll_seconds=0.2).serialize()
    module, name = classpath.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)(**kwargs)


async def events(trigger, seconds: float, during=None) -> list[tuple[float, dict]]:
    """The events the trigger fires within ``seconds`` (each with its time), while ``during`` runs."""
    got: list[tuple[float, dict]] = []

    async def collect():
        async for ev in trigger.run():
            got.append((time.monotonic(), ev.payload))

    task = asyncio.create_task(collect())
    if during is not None:
        await during()
    await asyncio.sleep(seconds)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    return got


def test_trigger_fires_for_new_settled_files_only_and_deletes_nothing(tmp_path, migrated_db):
    ws = Workspace(tmp_path / "ws")
    ws.create(PROFILE_ID)
    shutil.copyfile(migrated_db, ws.root / "warehouse.sqlite")
    old = time.time() - 3600
    set_mtime(write_return(ws.inbox / UNIT / "received.xlsx").path, old)
    assert intake.receive(ws, wh.connect(ws.database_url, migrate=False), settle_seconds=0)
    set_mtime(write_return(ws.inbox / UNIT / "waiting.xlsx").path, old)  # there before the start
    trigger = load_trigger(ws)

    # files present at start: the one not received fires, once; the received one never
    first = asyncio.run(events(trigger, 1.5))
    assert [p for _, p in first] == [{"files": [f"inbox/{UNIT}/waiting.xlsx"], "count": 1}]

    # a new file fires once it has settled; one being saved over and over does not
    async def drop_and_keep_saving():
        busy = write_return(ws.inbox / OTHER_UNIT / "busy.xlsx").path
        new = write_return(ws.inbox / OTHER_UNIT / "new.xlsx").path
        dropped = time.monotonic()
        for _ in range(12):  # 2.4 s of saving, longer than the settle time
            set_mtime(busy, time.time())
            await asyncio.sleep(0.2)
        return new, dropped

    dropped_at: list[float] = []

    async def during():
        _, t = await drop_and_keep_saving()
        dropped_at.append(t)

    trigger = load_trigger(ws)  # a restarted triggerer: waiting.xlsx (still not received) fires again
    got = asyncio.run(events(trigger, 0.5, during))
    paths = [f for _, p in got for f in p["files"]]
    assert sorted(paths) == sorted([f"inbox/{OTHER_UNIT}/new.xlsx", f"inbox/{UNIT}/waiting.xlsx"])
    fired_new = next(t for t, p in got if f"inbox/{OTHER_UNIT}/new.xlsx" in p["files"])
    assert SETTLE <= fired_new - dropped_at[0] < SETTLE + 1.5  # settled, then at the next polls

    # the busy file, left alone now, fires once settled; nothing was deleted or moved
    before = tree(ws.root)
    got = asyncio.run(events(load_trigger(ws), 2.0))
    assert f"inbox/{OTHER_UNIT}/busy.xlsx" in [f for _, p in got for f in p["files"]]
    assert tree(ws.root) == before
    assert sorted(p.name for p in (ws.inbox / UNIT).iterdir()) == ["received.xlsx", "waiting.xlsx"]
