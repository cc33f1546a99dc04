"""The intake DAG's receipts mapped over units (dag.test): the same files, byte for byte, as the step in
one task and as the steps run in-process; readable labels; an empty list of units runs clean."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from techreform import warehouse as wh
from techreform.demo import city as sample
from techreform.intake import run_intake
from techreform.reference import profiles
from techreform.workspace import Workspace

pytestmark = pytest.mark.slow

UNITS = 4


@pytest.fixture
def inputs(tmp_path) -> Path:
    ws = Workspace(tmp_path / "inputs")
    ws.create("luoyang-2021")
    sample.generate_city(ws, profiles.load("luoyang-2021"), year=2026, quarters=1, units=UNITS, seed=5)
    return ws.root


def _copy(inputs: Path, root: Path) -> Workspace:
    shutil.copytree(inputs, root)  # copy2: modification times = received times are kept
    ws = Workspace(root)
    wh.connect(ws.database_url).dispose()  # the deployment's `techreform db upgrade`
    return ws


def _outputs(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for d in ("outbox", "reports", "archive", "quarantine")
        for p in sorted((root / d).rglob("*"))
        if p.is_file()
    }


def _run(dag, ws: Workspace) -> dict[str, list[tuple[int, str | None, str]]]:
    """Run intake; per task, its instances as (map index, label, state)."""
    run = dag.test(run_conf={"workspace": str(ws.root), "period": "2026Q1", "settle_seconds": 0})
    assert str(getattr(run.state, "value", run.state)) == "success"
    out: dict[str, list[tuple[int, str | None, str]]] = {}
    for ti in sorted(run.get_task_instances(), key=lambda t: (t.task_id, t.map_index)):
        state = str(getattr(ti.state, "value", ti.state))
        out.setdefault(ti.task_id, []).append((ti.map_index, ti.rendered_map_index, state))
    return out


def test_receipts_mapped_per_unit_are_the_files_of_one_task(intake_dag, inputs, tmp_path, monkeypatch):
    monkeypatch.delenv("TECHREFORM_FANOUT_TASKS", raising=False)
    # in-process, the steps one after the other (techreform run --no-airflow): the reference
    before = _copy(inputs, tmp_path / "before")
    engine = wh.connect(before.database_url, migrate=False)
    run_intake(before, engine, settle_seconds=0)
    engine.dispose()
    units = sorted(p.name for p in (before.outbox).iterdir() if any(p.iterdir()))
    assert len(units) >= 2  # (the demo city may leave a unit silent)

    # one batch: the receipts are written by validate_and_load, the mapped task is skipped
    monkeypatch.setenv("TECHREFORM_FANOUT_MIN_SECONDS", "1000")
    whole = _copy(inputs, tmp_path / "whole")
    tasks = _run(intake_dag, whole)
    assert tasks["publish_receipts"] == [(-1, None, "skipped")]
    assert tasks["publish_reports"][0][2] == "success"

    # one batch written on every core: this task's process and a helper (receipt_pool)
    monkeypatch.setenv("TECHREFORM_RECEIPT_POOL_MIN", "1")
    pooled = _copy(inputs, tmp_path / "pooled")
    tasks = _run(intake_dag, pooled)
    assert tasks["publish_receipts"] == [(-1, None, "skipped")]
    monkeypatch.delenv("TECHREFORM_RECEIPT_POOL_MIN")

    # a batch per unit: one mapped task each, labelled with the unit's code and name
    monkeypatch.setenv("TECHREFORM_FANOUT_MIN_SECONDS", "0")
    monkeypatch.setenv("TECHREFORM_FANOUT_TASKS", "16")
    mapped = _copy(inputs, tmp_path / "mapped")
    tasks = _run(intake_dag, mapped)
    profile = profiles.load("luoyang-2021")
    labels = [f"{u} {profile.unit(u).name}" for u in units]  # type: ignore[union-attr]
    assert tasks["publish_receipts"] == [(i, label, "success") for i, label in enumerate(labels)]

    reference = _outputs(before.root)
    assert any(name.startswith("outbox/") for name in reference)
    assert _outputs(whole.root) == reference
    assert _outputs(pooled.root) == reference
    assert _outputs(mapped.root) == reference

    # nothing new: no unit has work, the mapped task is skipped and the run is clean, files untouched
    tasks = _run(intake_dag, mapped)
    assert tasks["publish_receipts"] == [(-1, None, "skipped")]
    assert tasks["publish_reports"][0][2] == "success"
    assert tasks["announce_returns"][0][2] == "skipped"
    assert _outputs(mapped.root) == reference
