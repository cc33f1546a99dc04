"""Work spread where it pays: the plan of batches, and the receipts written per unit (as the intake
DAG's mapped tasks do) equal, byte for byte, those written in one go."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import text

from techreform import fanout
from techreform import warehouse as wh
from techreform.fanout import Spread, plan
from techreform.intake import judge, receive
from techreform.intake.answer import pending_receipts, publish, publish_units, write_reports
from techreform.intake.lock import workspace_lock
from techreform.reference import profiles
from techreform.workspace import Workspace
from tests.conftest import OTHER_UNIT, PERIOD, UNIT, rows
from tests.support.databases import postgres_database

THIRD_UNIT = "410323"  # 新安县


def test_plan_puts_each_unit_in_one_batch_and_balances_the_work():
    work = {f"4103{i:02d}": float(1 + i % 5) for i in range(2, 30)}
    batches = plan(work, Spread(tasks=4, min_seconds=1))
    assert len(batches) == 4
    assert sorted(u for b in batches for u in b) == sorted(work)
    loads = [sum(work[u] for u in b) for b in batches]
    assert max(loads) - min(loads) <= max(work.values())  # longest-first keeps them within one unit's work
    assert all(b == sorted(b) for b in batches) and [b[0] for b in batches] == sorted(b[0] for b in batches)
    assert plan(dict(reversed(list(work.items()))), Spread(tasks=4, min_seconds=1)) == batches  # same plan


def test_plan_spreads_only_as_far_as_the_work_pays():
    work = {"410302": 3.0, "410303": 3.0, "410304": 3.0}
    assert plan(work, Spread(tasks=4, min_seconds=10)) == [["410302", "410303", "410304"]]  # 9 s: one task
    assert len(plan(work, Spread(tasks=4, min_seconds=4))) == 2  # 9 s pays for two
    assert plan(work, Spread(tasks=1, min_seconds=0)) == [["410302", "410303", "410304"]]
    assert plan(work, Spread(tasks=8, min_seconds=0)) == [["410302"], ["410303"], ["410304"]]
    assert plan({}, Spread(tasks=8, min_seconds=0)) == []


def test_batches_carry_readable_labels():
    p = profiles.load("luoyang-2021")
    got = fanout.batches(p, {THIRD_UNIT: 1.0, UNIT: 1.0, "999999": 1.0}, Spread(tasks=3, min_seconds=0))
    assert got == [
        {"units": [UNIT], "label": "410304 瀍河回族区"},
        {"units": [THIRD_UNIT], "label": "410323 新安县"},
        {"units": ["999999"], "label": "999999"},  # a folder that is no unit is named by its code
    ]
    assert fanout.label(p, [UNIT, OTHER_UNIT]) == "410304 瀍河回族区 等 2 个单位"


def test_the_spread_comes_from_the_workspace_and_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("TECHREFORM_FANOUT_TASKS", raising=False)
    monkeypatch.delenv("TECHREFORM_FANOUT_MIN_SECONDS", raising=False)
    ws = Workspace(tmp_path / "ws")
    ws.create("luoyang-2021")
    assert Spread.of(ws) == Spread()
    settings = ws.root / "techreform.json"
    settings.write_text(
        settings.read_text(encoding="utf-8").rstrip().rstrip("}")
        + ', "fanout": {"tasks": 2, "min_seconds": 3}}',
        encoding="utf-8",
    )
    assert Spread.of(ws) == Spread(tasks=2, min_seconds=3)
    monkeypatch.setenv("TECHREFORM_FANOUT_MIN_SECONDS", "0")
    assert Spread.of(ws) == Spread(tasks=2, min_seconds=0)


def _files(root) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for d in ("outbox", "reports")
        for p in sorted((root / d).rglob("*"))
        if p.is_file()
    }


def _judged(intake_ws) -> None:
    """Returns of three units (two versions, same name within a minute, and a rejected one), received
    and judged: the receipts are what remains to do."""
    bad = rows(2)
    bad[1]["uscc"] = "9141030424BU4JR96A"
    intake_ws.drop(f"{UNIT}_{PERIOD}_技改项目季报.xlsx", rows(3))
    intake_ws.drop(f"{UNIT}_{PERIOD}_v2.xlsx", rows(4))
    intake_ws.drop(f"{OTHER_UNIT}_{PERIOD}_技改项目季报.xlsx", bad, unit=OTHER_UNIT)
    clock = intake_ws.next_mtime()
    intake_ws.drop(f"{THIRD_UNIT}_{PERIOD}.xlsx", rows(2), unit=THIRD_UNIT, mtime=clock)
    intake_ws.drop(f"{THIRD_UNIT}_{PERIOD}.xls", rows(2), unit=THIRD_UNIT, mtime=clock + 20)
    ws, engine = intake_ws.ws, intake_ws.engine
    receive(ws, engine, settle_seconds=0)
    judge.process(ws, engine, ws.profile, validator=intake_ws.validator)


@contextmanager
def _judged_twin(intake_ws, tmp_path) -> Iterator[tuple[Workspace, Any]]:
    """The files judged in ``intake_ws``, and a copy of the judged workspace with its own engine."""
    _judged(intake_ws)
    twin_root = tmp_path / "twin"
    shutil.copytree(intake_ws.ws.root, twin_root)
    twin_engine = wh.connect(f"sqlite:///{twin_root / 'warehouse.sqlite'}", migrate=False)
    try:
        yield Workspace(twin_root), twin_engine
    finally:
        twin_engine.dispose()


def test_receipts_per_unit_are_those_of_the_whole_step(intake_ws, tmp_path):
    ws, engine = intake_ws.ws, intake_ws.engine
    with _judged_twin(intake_ws, tmp_path) as (twin, twin_engine):
        twin_root = twin.root
        whole = publish(ws, engine, ws.profile, run_period=PERIOD)
        work = pending_receipts(twin_engine)
        assert set(work) == {UNIT, OTHER_UNIT, THIRD_UNIT}
        assert all(0 < seconds < 1 for seconds in work.values())
        spread = []
        for unit in sorted(work, reverse=True):  # any order: each unit's receipts are its own
            spread += publish_units(twin, twin_engine, twin.profile, [unit])
            assert unit not in pending_receipts(twin_engine)
        assert publish_units(twin, twin_engine, twin.profile, [UNIT]) == []  # a rerun writes nothing
        assert write_reports(twin, twin_engine, run_period=PERIOD) == [str(PERIOD)]
        assert pending_receipts(twin_engine) == {}
        assert len(whole) == len(spread) == 5  # two receipts of 410323 share a name: one gets its id
        assert sorted(p.relative_to(ws.root) for p in whole) == sorted(
            p.relative_to(twin_root) for p in spread
        )
        assert _files(ws.root) == _files(twin_root)


def test_receipts_on_every_core_are_those_of_one_process(intake_ws, tmp_path, monkeypatch):
    """The step's only task writes its batch with a helper process (``receipt_pool``): the same
    files under the same names (two of the same name within a minute: one gets its id), each
    recorded; a rerun writes nothing."""
    ws, engine = intake_ws.ws, intake_ws.engine
    with _judged_twin(intake_ws, tmp_path) as (twin, twin_engine):
        twin_root = twin.root
        units = sorted(pending_receipts(engine))
        one = publish_units(ws, engine, ws.profile, units)
        monkeypatch.setenv("TECHREFORM_RECEIPT_POOL_MIN", "1")  # five receipts: a helper all the same
        both = publish_units(twin, twin_engine, twin.profile, units, processes=2)
        assert [p.relative_to(ws.root) for p in one] == [p.relative_to(twin_root) for p in both]
        assert len(both) == 5 and pending_receipts(twin_engine) == {}
        assert publish_units(twin, twin_engine, twin.profile, units, processes=2) == []
        write_reports(ws, engine, run_period=PERIOD)
        write_reports(twin, twin_engine, run_period=PERIOD)
        assert _files(ws.root) == _files(twin_root)
        with twin_engine.connect() as c:
            recorded = set(c.execute(text("SELECT receipt_path FROM submission")).scalars())
        assert recorded == {str(p.relative_to(twin_root)) for p in both}


def test_a_run_in_one_process_plans_one_batch(monkeypatch):
    """``techreform run`` (dag.test, mapped tasks one after another) plans one batch, unless the
    environment says otherwise; the setting is the run's alone."""
    from techreform.airflow_run import _one_batch

    monkeypatch.delenv("TECHREFORM_FANOUT_TASKS", raising=False)
    with _one_batch():
        assert Spread.of().tasks == 1
    assert "TECHREFORM_FANOUT_TASKS" not in os.environ
    monkeypatch.setenv("TECHREFORM_FANOUT_TASKS", "3")
    with _one_batch():
        assert Spread.of().tasks == 3


def test_receipt_tasks_of_different_units_run_together_on_postgresql(tmp_path):
    """Shared intake lock plus each unit's own: two batches of different units hold it at once, a
    batch of a unit already held waits, and an exclusive step (receive, judging) waits for both."""
    with postgres_database() as url:
        engine = wh.connect(url)
        ws = Workspace(tmp_path / "ws")
        events: list[str] = []
        inside, release = threading.Event(), threading.Event()

        def hold(name: str, **kw) -> None:
            with workspace_lock(ws, engine, **kw):
                events.append(f"{name} in")
                inside.set()
                release.wait(60)
                events.append(f"{name} out")  # still holding it

        def waiting() -> int:
            with engine.connect() as c:
                return c.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar_one()

        try:
            a = threading.Thread(target=hold, args=("A",), kwargs={"shared": True, "units": [UNIT]})
            a.start()
            assert inside.wait(30)
            with workspace_lock(ws, engine, shared=True, units=[OTHER_UNIT]):
                events.append("B in")  # another unit's batch: not held up
            others = [
                threading.Thread(target=hold, args=("C",), kwargs={"shared": True, "units": [UNIT]}),
                threading.Thread(target=hold, args=("X",)),
            ]
            for t in others:
                t.start()
            deadline = threading.Event()
            for _ in range(600):
                if waiting() == 2:
                    break
                deadline.wait(0.05)
            assert waiting() == 2 and events == ["A in", "B in"]
            release.set()
            for t in (a, *others):
                t.join(60)
            assert events[:3] == ["A in", "B in", "A out"] and sorted(events[3:]) == sorted(
                ["C in", "C out", "X in", "X out"]
            )
        finally:
            release.set()
            engine.dispose()


@pytest.mark.parametrize("units", [[], ["410302"]])
def test_no_pending_receipt_means_no_batch(intake_ws, units):
    assert pending_receipts(intake_ws.engine) == {}
    assert publish_units(intake_ws.ws, intake_ws.engine, intake_ws.ws.profile, units) == []
