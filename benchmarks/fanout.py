"""Receipts spread over Celery workers or written in one task: where does mapping pay?

    uv run python benchmarks/fanout.py [--sizes city,province,heavy] [--modes whole,2,4,unit]

Starts the Celery deployment as processes (tests/support/stack.py: PostgreSQL and Redis as they run
here, api-server, scheduler, dag-processor, triggerer, two workers of concurrency 2), then for each
size and each mode drops the same generated returns into a fresh workspace (the warehouse emptied)
and triggers the intake DAG. Modes are the workspace's ``fanout`` setting: ``whole`` (one batch: the
receipts are written inside ``validate_and_load``, the mapped task is skipped), ``2`` and ``4``
(that many batches of units), ``unit`` (a mapped task per unit). Sizes: ``city`` (洛阳, 14 units,
8-20 projects a return), ``province`` (all 157 county-level units of Henan, 8-20 projects),
``heavy`` (40 counties, 500-550 projects a return: receipts of ~100 KB files).

Prints per trial: the run's wall time (first task start to last task end), the step's (start of
validate_and_load to end of publish_reports: judging and CSVs, receipts when written inline), what
follows judging (the last decision's time to the end of the run: receipts, task starts, CSVs, the
event; the part that mapping changes, judging itself being the same work in every mode), the
mapped instances and
their mean duration, and the mean delay between a mapped instance being queued and starting; then a
JSON line with everything.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.intake import bench_profile  # noqa: E402
from tests.support.stack import CONN_ID, Stack  # noqa: E402

SIZES = {  # profile (None: the bench profile of n Henan counties), units, projects a return
    "city": ("luoyang-2021", 14, (8, 20)),
    "province": (None, 157, (8, 20)),  # every current county-level division of Henan (GB/T 2260)
    "heavy": (None, 40, (500, 550)),
}
MODES = {"whole": (1, 1000.0), "2": (2, 0.0), "4": (4, 0.0), "unit": (10_000, 0.0)}


def inputs(base: Path, size: str) -> Path:
    """A workspace with the size's returns (made once per size; each trial copies it)."""
    from techreform.demo import generate_city
    from techreform.workspace import Workspace

    profile_id, units, rows = SIZES[size]
    ws = Workspace(base / f"inputs-{size}")
    if profile_id is None:
        profile_id = str(bench_profile(base / f"bench-{size}.yaml", units))
    ws.create(profile_id, database_url=f"airflow:{CONN_ID}")
    generate_city(ws, ws.profile, year=2026, quarters=1, seed=3, units=units, projects_per_unit=rows)
    return ws.root


def empty_warehouse(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as c:
        tables = [
            r[0]
            for r in c.execute(
                text(
                    "SELECT tablename FROM pg_tables"
                    " WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
                )
            )
        ]
        c.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    engine.dispose()


def trial(stack: Stack, source: Path, root: Path, mode: str, timeout: float = 1800) -> dict[str, Any]:
    shutil.copytree(source, root)  # copy2: modification times = received times are kept
    settings = json.loads((root / "techreform.json").read_text(encoding="utf-8"))
    tasks, seconds = MODES[mode]
    settings["fanout"] = {"tasks": tasks, "min_seconds": seconds}
    (root / "techreform.json").write_text(json.dumps(settings), encoding="utf-8")
    empty_warehouse(stack.warehouse_url)
    before = {r[0] for r in stack.runs("techreform_intake")}
    stack.trigger("techreform_intake", {"workspace": str(root), "period": "2026Q1", "settle_seconds": 0})
    deadline = time.monotonic() + timeout
    run_id = None
    while time.monotonic() < deadline:
        stack.check_alive()
        runs = [r for r in stack.runs("techreform_intake") if r[0] not in before and r[1] == "manual"]
        if runs and runs[0][2] in ("success", "failed"):
            run_id, state = runs[0][0], runs[0][2]
            break
        time.sleep(1)
    else:
        raise TimeoutError(f"{mode}: the intake run did not end within {timeout:.0f} s")
    tis = stack.query(
        "SELECT task_id, map_index, state, queued_dttm, start_date, end_date, rendered_map_index, hostname "
        "FROM task_instance WHERE dag_id = 'techreform_intake' AND run_id = :r",
        r=run_id,
    )
    ran = [t for t in tis if t[4] and t[5]]
    by = {t[0]: t for t in ran if t[1] == -1}
    mapped = [t for t in ran if t[0] == "publish_receipts" and t[1] >= 0]
    receipts = sum(1 for p in (root / "outbox").rglob("回执_*") if p.is_file())
    # when judging ended: the last decision's time (local, to the second) in the warehouse
    engine = create_engine(stack.warehouse_url)
    with engine.connect() as c:
        judged = c.execute(text("SELECT max(processed_at) FROM submission")).scalar_one()
    engine.dispose()
    judged = judged.replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    return {
        "mode": mode,
        "state": state,
        "receipts": receipts,
        "run_s": round((max(t[5] for t in ran) - min(t[4] for t in ran)).total_seconds(), 1),
        "step_s": round((by["publish_reports"][5] - by["validate_and_load"][4]).total_seconds(), 1),
        "after_judging_s": round((max(t[5] for t in ran) - judged).total_seconds(), 1),
        "validate_and_load_s": round(
            (by["validate_and_load"][5] - by["validate_and_load"][4]).total_seconds(), 1
        ),
        "mapped": len(mapped),
        "mapped_mean_s": round(statistics.mean((t[5] - t[4]).total_seconds() for t in mapped), 2)
        if mapped
        else 0,
        "mapped_wait_s": round(statistics.mean((t[4] - t[3]).total_seconds() for t in mapped), 2)
        if mapped
        else 0,
        "mapped_span_s": round((max(t[5] for t in mapped) - min(t[3] for t in mapped)).total_seconds(), 1)
        if mapped
        else 0,
        "workers": sorted({t[7] for t in mapped}) if mapped else [],
        "labels": [t[6] for t in sorted(mapped, key=lambda t: t[1])][:3],
        "outputs": {
            str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for d in ("outbox", "reports")
            for p in sorted((root / d).rglob("*"))
            if p.is_file()
        },
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sizes", default="city,province,heavy")
    p.add_argument("--modes", default="whole,2,4,unit")
    a = p.parse_args()
    base = Path(tempfile.mkdtemp(prefix="techreform-fanout-"))
    stack = Stack(workspace=base / "stack-ws")
    results: list[dict[str, Any]] = []
    try:
        stack.create_databases()
        from techreform import warehouse as wh

        wh.connect(stack.warehouse_url).dispose()  # the init service's `techreform db upgrade`
        t = time.perf_counter()
        stack.start()
        stack.airflow("dags", "unpause", "techreform_intake")  # the others stay paused: intake alone
        print(f"stack up in {time.perf_counter() - t:.0f} s (logs in {stack.home})", flush=True)
        for size in a.sizes.split(","):
            source = inputs(base, size)
            for mode in a.modes.split(","):
                r = trial(stack, source, base / f"{size}-{mode}", mode)
                r["size"] = size
                outs = r.pop("outputs")
                same = [x for x in results if x["size"] == size]
                r["same_outputs_as_first_mode"] = not same or outs == same[0]["_outputs"]
                r["_outputs"] = outs
                results.append(r)
                print(
                    f"{size:9s} {mode:6s} {r['state']:8s} receipts {r['receipts']:4d}  "
                    f"run {r['run_s']:6.1f} s  step {r['step_s']:6.1f} s  "
                    f"after judging {r['after_judging_s']:5.1f} s "
                    f"(validate_and_load {r['validate_and_load_s']:6.1f} s)  "
                    f"mapped {r['mapped']:4d} × {r['mapped_mean_s']:5.2f} s, "
                    f"queued→start {r['mapped_wait_s']:5.2f} s, span {r['mapped_span_s']:6.1f} s  "
                    f"same {r['same_outputs_as_first_mode']}  {r['labels']}",
                    flush=True,
                )
    finally:
        stack.stop()
        shutil.rmtree(base, ignore_errors=True)
    print(json.dumps([{k: v for k, v in r.items() if k != "_outputs"} for r in results], ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
