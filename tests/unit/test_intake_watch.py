"""The inbox watcher's judgement (``techreform.intake.watch``): which files are new, settled and not
yet received, on a real workspace with its SQLite warehouse and real files; clocks given, no waiting."""

from __future__ import annotations

import os
import shutil
import time

import pytest

from techreform import intake
from techreform import warehouse as wh
from techreform.intake.watch import InboxWatch, key_of, new_settled
from techreform.workspace import Workspace
from tests.conftest import OTHER_UNIT, PROFILE_ID, UNIT, set_mtime, write_return

NOW = time.time()


@pytest.fixture
def ws(tmp_path, migrated_db) -> Workspace:
    w = Workspace(tmp_path / "ws")
    w.create(PROFILE_ID)
    shutil.copyfile(migrated_db, w.root / "warehouse.sqlite")
    return w


def drop(ws: Workspace, name: str, mtime: float, unit: str = UNIT):
    rf = write_return(ws.inbox / unit / name, None)
    set_mtime(rf.path, mtime)
    return rf.path


def tree(root) -> dict[str, tuple[int, float]]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime) for p in root.rglob("*")}


def names(found) -> list[str]:
    return [c.name for c in found]


def test_a_file_fires_once_when_settled_and_seen_unchanged(ws):
    path = drop(ws, "a.xlsx", NOW)
    watch = InboxWatch(ws, settle_seconds=5)
    assert watch.poll(NOW + 1) == []  # being saved, maybe
    assert watch.poll(NOW + 4.9) == []
    assert names(watch.poll(NOW + 5.0)) == ["a.xlsx"]  # settled, and listed unchanged a poll ago
    assert watch.poll(NOW + 6) == [] and watch.poll(NOW + 60) == []  # once
    set_mtime(path, NOW + 70)  # saved again: a new file for intake
    assert watch.poll(NOW + 71) == []
    assert names(watch.poll(NOW + 75)) == ["a.xlsx"]


def test_files_present_at_start_fire_on_the_second_poll_unless_received(ws):
    """A (re)started watcher: what is there and not registered fires; what was received does not."""
    drop(ws, "taken.xlsx", NOW - 3600)
    assert intake.receive(ws, wh.connect(ws.database_url, migrate=False), settle_seconds=0)
    drop(ws, "waiting.xlsx", NOW - 600, unit=OTHER_UNIT)
    watch = InboxWatch(ws, settle_seconds=5)
    assert watch.poll(NOW) == []  # not yet seen twice: a copy that kept its time may be under way
    assert names(watch.poll(NOW + 1)) == ["waiting.xlsx"]
    assert watch.poll(NOW + 2) == []
    assert names(InboxWatch(ws).poll(NOW) + InboxWatch(ws).poll(NOW)) == []  # each a first poll


def test_a_file_changing_between_polls_waits(ws):
    path = drop(ws, "a.xlsx", NOW - 600)  # an old time, but still growing (a copy keeping its time)
    watch = InboxWatch(ws, settle_seconds=5)
    watch.poll(NOW)
    with path.open("ab") as f:
        f.write(b"\0" * 10)
    set_mtime(path, NOW - 600)
    assert watch.poll(NOW + 1) == []  # its size changed since the last poll
    assert names(watch.poll(NOW + 2)) == ["a.xlsx"]


def test_not_returns_and_unfinished_workbooks_never_fire(ws):
    drop(ws, "~$a.xlsx", NOW - 600)  # Excel's lock file
    drop(ws, "a.xlsx.crdownload", NOW - 600)
    drop(ws, "b.xlsx", NOW - 600, unit=f"{UNIT}/.sync")  # a sync tool's hidden folder
    (ws.inbox / "loose.xlsx").write_bytes(b"PK")  # outside any unit folder
    young = ws.inbox / UNIT / "c.xlsx"
    young.write_bytes(b"PK\x03\x04 no central directory yet")
    set_mtime(young, NOW - 60)
    watch = InboxWatch(ws, settle_seconds=5)
    assert watch.poll(NOW) == [] and watch.poll(NOW + 1) == []
    assert names(watch.poll(NOW + 700)) == ["c.xlsx"]  # receive takes it after its grace, as unreadable


def test_the_watcher_deletes_and_moves_nothing(ws):
    drop(ws, "a.xlsx", NOW - 600)
    drop(ws, "b.xls", NOW, unit=OTHER_UNIT)
    before = tree(ws.root)
    watch = InboxWatch(ws, settle_seconds=5)
    for t in range(12):
        watch.poll(NOW + t)
    assert tree(ws.root) == before


def test_without_the_warehouse_a_new_file_fires(ws, monkeypatch):
    """Better a run that finds nothing to take than a county left waiting for the poll."""
    drop(ws, "a.xlsx", NOW - 600)
    monkeypatch.setenv("TECHREFORM_DATABASE_URL", f"sqlite:///{ws.root / 'missing' / 'no.sqlite'}")
    watch = InboxWatch(ws, settle_seconds=5)
    watch.poll(NOW)
    assert names(watch.poll(NOW + 1)) == ["a.xlsx"]


def test_new_settled_is_pure(ws):
    path = drop(ws, "a.xlsx", NOW - 600)
    (c,) = intake.scan_inbox(ws, settle_seconds=0, now=NOW)
    k = key_of(c)
    kw = dict(now=NOW, settle_seconds=5.0, fired=set(), received=set())
    assert new_settled([c], previous={k}, **kw) == [c]
    assert new_settled([c], previous=set(), **kw) == []
    assert new_settled([c], previous={k}, **{**kw, "fired": {k}}) == []
    assert new_settled([c], previous={k}, **{**kw, "now": c.mtime + 4}) == []
    assert os.path.exists(path)
