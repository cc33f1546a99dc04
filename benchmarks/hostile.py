"""The ten worst files of issue 9 beside three valid returns, through the command line.

    uv run python benchmarks/hostile.py [--airflow]

Builds (with the test corpus's builders, tests/support/hostile.py) a cell at XFD1048576, a 1 GB zip
bomb, a link to /etc/passwd, a link to another unit's return, a formula file name, infinity and
1e308, Excel error values, a password-protected workbook, a hidden 项目表 and a 1,000,000-character
name, beside valid returns of three units; runs ``techreform run --step intake`` in a child process
and prints its exit status, what each file got, and the peak memory of the run and of the reading
worker (the largest resident set of the child processes: getrusage(RUSAGE_CHILDREN)).
"""

from __future__ import annotations

import argparse
import csv
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the tests' corpus builders

from tests.conftest import meta_for, rows, write_return  # noqa: E402
from tests.support import hostile  # noqa: E402

WORST = (
    "xfd_cell",
    "zip_bomb",
    "link_passwd",
    "link_other_unit",
    "name_formula",
    "inf_cell",
    "div0",
    "password",
    "hidden_sheet",
    "long_text",
)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--airflow", action="store_true", help="through Airflow (dag.test) instead of in-process")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="techreform-hostile-"))
    ws = tmp / "ws"
    cli = [sys.executable, "-m", "techreform.cli"]
    subprocess.run([*cli, "init", str(ws), "--profile", "luoyang-2021"], check=True, capture_output=True)
    for unit in ("410302", "410303", "410305"):
        path = ws / "inbox" / unit / f"{unit}_2026Q1.xlsx"
        path.parent.mkdir(parents=True, exist_ok=True)
        write_return(path, rows(3), meta=meta_for(unit))
    cases = [c for c in hostile.CASES if c.name in WORST]
    hostile.build_all(cases, ws / "inbox" / "410304", time.time() - 3600)
    started = time.perf_counter()
    run = [*cli, "run", str(ws), "--period", "2026Q1", "--step", "intake"]
    done = subprocess.run(run if a.airflow else [*run, "--no-airflow"], capture_output=True, text=True)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"exit status {done.returncode} in {seconds:.1f} s; peak resident memory of a child {peak_mb:.0f} MB"
    )
    print(done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-2000:])
    with (ws / "reports" / "2026Q1" / "submissions.csv").open(encoding="utf-8") as f:
        subs = list(csv.DictReader(f))
    with (ws / "reports" / "2026Q1" / "findings.csv").open(encoding="utf-8") as f:
        finds = list(csv.DictReader(f))
    for s in subs:
        rules = sorted(
            {x["rule_id"] for x in finds if x["file"] == s["file"] and x["unit_code"] == s["unit_code"]}
        )
        print(f"  {s['unit_code']}  {s['status']:<10} {s['file'][:40]:<40} {', '.join(rules)}")
    print(f"workspace: {ws}")


if __name__ == "__main__":
    main()
