"""Intake throughput against a bare python-calamine read of the same files.

    uv run python benchmarks/intake.py [--units 100] [--quarters 3]

Generates a city of ``--units`` reporting units (real GB/T 2260 county codes of Henan, so project
codes stay valid) over ``--quarters`` quarters, then times:

- the bare read: open every file with python-calamine and read every sheet to Python values;
- intake, step by step (receive, process = parse + normalise + GX validation + load, publish =
  receipts + CSVs), after one-off start-up (imports, GX context and suites, warehouse migration);
- two floors no implementation with these libraries goes below: one Great Expectations run of
  the row suites on a single row (paid once per intake run), and one empty openpyxl workbook per
  return (each return gets a receipt).

Prints one line per figure and a JSON line at the end.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import tempfile
import time
from importlib import resources
from pathlib import Path

import yaml


def bench_profile(path: Path, units: int) -> Path:
    with (resources.files("techreform.reference") / "data" / "gb2260_divisions.csv").open(
        encoding="utf-8"
    ) as f:
        rows = [
            r
            for r in csv.DictReader(f)
            if r["code"].startswith("41") and r["level"] == "county" and r["status"] == "active"
        ]
    chosen = rows[:units]
    profile = {
        "id": "bench-henan",
        "name": "基准测试（河南省县级单位）",
        "jurisdiction": {"code": "410000", "name": "河南省"},
        "units": [{"code": r["code"], "name": r["name"]} for r in chosen],
        "reform_types": ["智能化改造", "绿色化改造", "技术改造"],
        "deadline": {"working_days_after_quarter": 5},
    }
    path.write_text(yaml.safe_dump(profile, allow_unicode=True), encoding="utf-8")
    return path


def gx_floor(validator, ws, engine, profile) -> float:
    """What one intake run pays Great Expectations whatever it validates: the row suites of both
    sheets run on a single accepted row each (the best of three)."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from techreform import intake
    from techreform import warehouse as wh

    with Session(engine) as session:
        sub = session.scalars(select(wh.Submission).where(wh.Submission.status == wh.ACCEPTED)).first()
        session.expunge(sub)
    p = intake.Pending(sub)
    intake._file_checks(p, profile, ws)
    p.parsed.projects.rows = p.parsed.projects.rows[:1]
    if p.parsed.recognitions is not None:
        p.parsed.recognitions.rows = p.parsed.recognitions.rows[:1]
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        intake._run_rules([p], validator, "row")
        best = min(best, time.perf_counter() - t)
    return best


def openpyxl_floor(folder: Path, n: int) -> float:
    """What writing n receipts costs at the least: n one-cell write-only workbooks saved."""
    from openpyxl import Workbook

    folder.mkdir()
    t = time.perf_counter()
    for i in range(n):
        wb = Workbook(write_only=True)
        wb.create_sheet("回执").append(["受理"])
        wb.save(folder / f"{i}.xlsx")
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=100)
    ap.add_argument("--quarters", type=int, default=3)
    ap.add_argument("--keep", action="store_true", help="keep the generated workspace")
    a = ap.parse_args()

    from python_calamine import CalamineWorkbook

    from techreform import intake
    from techreform import warehouse as wh
    from techreform.demo import city as sample
    from techreform.reference import profiles
    from techreform.workspace import Workspace

    tmp = Path(tempfile.mkdtemp(prefix="techreform-bench-"))
    try:
        profile_path = bench_profile(tmp / "bench-henan.yaml", a.units)
        ws = Workspace(tmp / "ws")
        ws.create(str(profile_path))
        profile = profiles.load(str(profile_path))
        t = time.perf_counter()
        sample.generate_city(ws, profile, year=2026, quarters=a.quarters, seed=1)
        generate_s = time.perf_counter() - t
        files = sorted(p for p in ws.inbox.rglob("*") if p.is_file())

        t = time.perf_counter()
        cells = 0
        for f in files:
            wb = CalamineWorkbook.from_path(str(f))
            for name in wb.sheet_names:
                cells += sum(len(r) for r in wb.get_sheet_by_name(name).to_python())
        bare_s = time.perf_counter() - t

        # one-off start-up, excluded from the comparison
        t = time.perf_counter()
        from techreform.rules import Validator

        engine = wh.connect(ws.database_url)
        validator = Validator(profile)
        startup_s = time.perf_counter() - t

        # time spent inside Great Expectations during process (one run per sheet and stage)
        gx_time = [0.0]
        failures = validator.failures

        def timed_failures(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return failures(*args, **kwargs)
            finally:
                gx_time[0] += time.perf_counter() - t0

        validator.failures = timed_failures

        t = time.perf_counter()
        received = intake.receive(ws, engine, settle_seconds=0)
        receive_s = time.perf_counter() - t
        t = time.perf_counter()
        decided = intake.process(ws, engine, profile, validator=validator)
        process_s = time.perf_counter() - t
        t = time.perf_counter()
        receipts = intake.publish(ws, engine, profile)
        publish_s = time.perf_counter() - t

        validator.failures = failures
        gx_floor_s = gx_floor(validator, ws, engine, profile)
        openpyxl_floor_s = openpyxl_floor(tmp / "floor", len(files))

        from sqlalchemy import func, select
        from sqlalchemy.orm import Session

        with Session(engine) as s:
            accepted_rows = s.scalar(select(func.count()).select_from(wh.Project))
        data_rows = 0
        for f in files:
            wb = CalamineWorkbook.from_path(str(f))
            data_rows += max(0, len(wb.get_sheet_by_name(wb.sheet_names[0]).to_python()) - 3)
        intake_s = receive_s + process_s + publish_s
        figures = {
            "units": a.units,
            "returns": len(files),
            "received": len(received),
            "decided": len(decided),
            "receipts": len(receipts),
            "data_rows_approx": data_rows,
            "projects_loaded": accepted_rows,
            "generate_s": round(generate_s, 2),
            "startup_s": round(startup_s, 2),
            "bare_read_s": round(bare_s, 3),
            "receive_s": round(receive_s, 3),
            "process_s": round(process_s, 3),
            "publish_s": round(publish_s, 3),
            "intake_s": round(intake_s, 3),
            "bare_read_rows_per_s": round(data_rows / bare_s),
            "intake_rows_per_s": round(data_rows / intake_s),
            "intake_without_receipts_rows_per_s": round(data_rows / (receive_s + process_s)),
            "gx_in_process_s": round(gx_time[0], 3),
            "gx_floor_s": round(gx_floor_s, 3),
            "openpyxl_floor_s": round(openpyxl_floor_s, 3),
            "floor_vs_bare": round((bare_s + gx_floor_s + openpyxl_floor_s) / bare_s, 2),
            "intake_vs_bare": round(intake_s / bare_s, 2),
            "intake_without_receipts_vs_bare": round((receive_s + process_s) / bare_s, 2),
        }
        width = max(len(k) for k in figures)
        for k, v in figures.items():
            print(f"{k:<{width}}  {v}")
        print(json.dumps(figures))
        if a.keep:
            print(f"workspace kept at {ws.root}")
    finally:
        if not a.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
