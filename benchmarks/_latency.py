"""Drop-to-receipt under a real scheduler: how long a county waits from saving its return into
``inbox/<unit>/`` to finding the receipt in ``outbox/<unit>/``.

``drop_to_receipt`` is the reusable measurement (benchmarks/cycle.py may call it on a running
stack); run as a script, it starts the Celery deployment as processes (tests/support/stack.py) on
a fresh workspace, unpauses intake and times ``--runs`` drops of one county return, one at a time:

    uv run python benchmarks/_latency.py [--runs 5] [--gap 5]

It prints each wait and the median. The first drop is timed like the others: each run of intake
starts its task processes afresh, so there is no warm state to exclude.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def drop(ws: Path, unit: str, source: Path, stem: str) -> Path:
    """Save ``source`` as ``inbox/<unit>/<stem>.xlsx`` the way a county's copy arrives: whole, at once
    (written beside it under a name intake ignores, then renamed), modified now."""
    target = ws / "inbox" / unit / f"{stem}{source.suffix}"
    part = target.with_name(f"{stem}.part")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, part)
    os.replace(part, target)
    return target


def wait_for_receipt(ws: Path, unit: str, stem: str, since: float, timeout: float) -> float:
    """Seconds from ``since`` (``time.time()``) until ``outbox/<unit>/回执_<stem>_*.xlsx`` exists."""
    outbox = ws / "outbox" / unit
    deadline = since + timeout
    while time.time() < deadline:
        if outbox.is_dir() and any(outbox.glob(f"回执_{stem}_*.xlsx")):
            return time.time() - since
        time.sleep(0.1)
    raise TimeoutError(f"no receipt for {stem} within {timeout:.0f} s")


def drop_to_receipt(ws: Path, unit: str, source: Path, stem: str, timeout: float = 900) -> float:
    """Drop one return and wait for its receipt; returns the seconds between the two."""
    t0 = time.time()
    drop(ws, unit, source, stem)
    return wait_for_receipt(ws, unit, stem, t0, timeout)


def watched(stack: object, timeout: float = 120) -> bool:
    """Wait until the triggerer runs the inbox watcher (the dag-processor associates an asset's
    watchers with its trigger when it parses an unpaused DAG again); False if none came."""
    deadline = time.monotonic() + timeout
    sql = "SELECT count(*) FROM trigger WHERE classpath LIKE 'techreform_watch%' AND triggerer_id IS NOT NULL"
    while time.monotonic() < deadline:
        if stack.query(sql)[0][0]:  # type: ignore[attr-defined]
            return True
        time.sleep(1)
    return False


STACK_IMPORTS = (
    "import airflow.sdk, great_expectations, pandas, sqlalchemy.orm, openpyxl, techreform.pipeline"
)


def stack_import_seconds(runs: int = 3) -> float:
    """The floor of a run's fixed cost: a fresh Python importing the stack (median of ``runs``)."""
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", STACK_IMPORTS], check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _sample_return(scratch: Path) -> tuple[str, Path]:
    """A county return of the demo city (unit, file), made by ``techreform init --sample``."""
    subprocess.run(
        [sys.executable, "-m", "techreform.cli", "init", str(scratch), "--profile", "luoyang-2021"]
        + ["--sample", "--quarters", "1"],
        check=True,
        capture_output=True,
    )
    path = sorted((scratch / "inbox").glob("*/*_v1.xlsx"))[0]
    return path.parent.name, path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--gap", type=float, default=5.0, help="seconds between a receipt and the next drop")
    p.add_argument("--timeout", type=float, default=900.0)
    p.add_argument("--watch-timeout", type=float, default=120.0, help="0: do not wait for the watcher")
    a = p.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from tests.support.stack import CONN_ID, Stack

    tmp = Path(tempfile.mkdtemp(prefix="techreform-latency-"))
    unit, source = _sample_return(tmp / "sample")
    ws = tmp / "ws"
    stack = Stack(workspace=ws)
    try:
        stack.create_databases()
        subprocess.run(
            [sys.executable, "-m", "techreform.cli", "init", str(ws), "--profile", "luoyang-2021"]
            + ["--database-url", f"airflow:{CONN_ID}"],
            env=stack.env(),
            check=True,
            capture_output=True,
        )
        t = time.monotonic()
        stack.start()
        stack.unpause("techreform_intake")
        print(f"stack up in {time.monotonic() - t:.0f} s (logs in {stack.home})", flush=True)
        print(f"inbox watched: {watched(stack, a.watch_timeout)}", flush=True)
        waits = []
        for i in range(a.runs):
            stem = f"{source.stem}_{i + 1:02d}"
            waits.append(drop_to_receipt(ws, unit, source, stem, a.timeout))
            print(f"drop {i + 1}: receipt after {waits[-1]:.1f} s", flush=True)
            time.sleep(a.gap)
        print(f"median drop-to-receipt: {statistics.median(waits):.1f} s over {len(waits)} drops")
        print("intake runs (run_type, state, seconds from start to end):")
        took = {}
        for run_id, run_type, state, start, end in stack.runs("techreform_intake"):
            took[run_id] = (end - start).total_seconds() if start and end else float("nan")
            print(f"  {run_type:16} {state:8} {took[run_id]:.1f}")
        floor = stack_import_seconds()
        event_runs = [t for r, t in took.items() if r.startswith("asset_triggered") and t == t]
        if event_runs:
            run = statistics.median(event_runs)
            print(
                f"one-file intake run (median of the event's runs): {run:.1f} s; the stack's import "
                f"{floor:.1f} s; ratio {run / floor:.1f}x"
            )
    finally:
        stack.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
