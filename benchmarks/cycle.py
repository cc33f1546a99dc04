"""A province's quarter through the whole cycle (intake, reconcile, check), against its floors.

    uv run python benchmarks/cycle.py [--units 180] [--rows 100000] [--stats-rows 100000] [--seed 1]
                                      [--inputs DIR] [--deployment [--drops 5]] [--pyinstrument DIR]

Generates once (kept in ``--inputs``, reused by later calls with the same figures) a province of
``--units`` reporting units: the henan-2012 profile's 18 cities and 10 directly administered
counties, every other current Henan county and district of GB/T 2260, and development zones to
make up the number, written as a profile file of its own (the henan-2012 regime otherwise). Its
first quarter is the demo city's (``techreform.demo``: returns as counties fill them, with the
usual mistakes and resubmissions, DESIGN.md §3.1) with about ``--rows`` project rows in all the
returns, and a statistics extract (§3.2) topped up to ``--stats-rows`` with the other industrial
projects the bureau's database holds (新建/扩建, which a reconciliation has to sort out too).

Then times, on a copy of the inputs:

- ``techreform run`` (each step's DAG through ``dag.test()``), step by step, wall and CPU seconds,
  with each task's time from Airflow's metadata; before it, the same command on an empty inbox
  (the fixed cost of a run) once its Airflow metadata database is migrated (a one-off, excluded);
- the floors: a bare python-calamine read of every return plus one empty openpyxl workbook saved
  per return (intake's marginal cost per return is set against it), and a fresh interpreter
  importing the stack (airflow, pandas, great_expectations, sqlalchemy, openpyxl; a run's fixed
  cost is set against it);
- with ``--deployment``: the same quarter on the Celery stack (``tests/support/stack.py``:
  PostgreSQL and Redis as they run here, api-server, scheduler, dag-processor, triggerer, two
  workers), from the manual intake trigger to the asset-triggered check, and then ``--drops``
  times a county's file dropped into its inbox under the scheduler, until its receipt is written
  (the median is the figure). Needs PostgreSQL and Redis (``TECHREFORM_TEST_PG``,
  ``TECHREFORM_TEST_REDIS``).

``--pyinstrument DIR`` runs the timed cycle under pyinstrument (``uv run --with pyinstrument``)
and writes its profile there. Prints one line per figure, the goals beside them, and a JSON line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
PERIOD = "2026Q1"
ZONES = (  # development zones that report as units of their own (configured codes, kind: zone)
    ("410100901", "郑州经济技术开发区"),
    ("410100902", "郑州高新技术产业开发区"),
    ("410100903", "郑州航空港经济综合实验区"),
    ("410300901", "洛阳高新技术产业开发区"),
    ("410700901", "新乡高新技术产业开发区"),
    ("410500901", "安阳高新技术产业开发区"),
    ("410800901", "焦作高新技术产业开发区"),
    ("411000901", "许昌经济技术开发区"),
)
IMPORTS = "import airflow, pandas, great_expectations, sqlalchemy, openpyxl"
GOALS = {
    "cycle_s": 60.0,  # whole province quarter through Airflow
    "intake_per_return_vs_floor": 3.0,
    "fixed_vs_imports": 2.0,
    "drop_to_receipt_median_s": 15.0,
}

# ------------------------------------------------------------------------------------- inputs


def province_profile(path: Path, units: int) -> Path:
    """henan-2012 with ``units`` reporting units: its own 28, the other current Henan divisions
    below the province, then development zones."""
    from techreform.reference.codes import gb2260

    base = yaml.safe_load((ROOT / "include/techreform/reference/profiles/henan-2012.yaml").read_text("utf-8"))
    chosen = list(base["units"])
    seen = {u["code"] for u in chosen}
    for d in sorted(gb2260.divisions().values(), key=lambda d: d.code):
        if (
            d.code.startswith("41")
            and d.current
            and d.level in ("prefecture", "county")
            and d.code not in seen
        ):
            chosen.append({"code": d.code, "name": d.name})
            seen.add(d.code)
    chosen += [{"code": c, "name": n, "kind": "zone"} for c, n in ZONES]
    if units > len(chosen):
        raise SystemExit(f"--units {units}: at most {len(chosen)} here")
    base.update(id="bench-province", name="基准测试（河南省全省填报单位）", units=chosen[:units])
    path.write_text(yaml.safe_dump(base, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def top_up_statistics(ws: Any, profile: Any, target: int, seed: int) -> int:
    """Add the other industrial projects (新建/扩建) the bureau's extract holds until it has
    ``target`` rows; returns the rows now in it."""
    import random

    from python_calamine import CalamineWorkbook

    from techreform.demo.projects import City, new_enterprise, new_project
    from techreform.demo.stats import STATS_COLUMNS, stats_row
    from techreform.demo.writer import write_table

    path = ws.stats / PERIOD / "projects.xlsx"
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Sheet1").to_python()[1:]
    rng = random.Random(seed + 1000)
    city = City(profile, 2026, 1, list(profile.units), rng)
    city.usccs.update(str(r[3]) for r in rows)
    city.pcodes.update(str(r[8]) for r in rows if r[8])
    n = max(int(str(r[0])[1:]) for r in rows)
    extra: list[tuple[object, ...]] = []
    while len(rows) + len(extra) < target:
        unit = profile.units[len(extra) % len(profile.units)]
        ent = new_enterprise(city, unit)
        p = new_project(city, unit, ent, set(), library=False)
        if p.ytd(1) <= 0:  # not started in the quarter: not in its extract
            continue
        p.nature = p.stats_nature = rng.choice(("新建", "扩建"))
        p.stats_from_q = 1
        n += rng.randint(1, 3)
        p.stats_id, p.stats_name, p.stats_ent_name = f"S{n:07d}", p.name, ent.name
        p.stats_code, p.stats_uscc = p.code, ent.uscc
        extra.append(stats_row(p, 1))
    write_table(path, STATS_COLUMNS, [*rows, *extra])
    return len(rows) + len(extra)


def data_rows(path: Path) -> int:
    """Project rows of a return: the first sheet's rows below its header, blank and 合计 rows left out."""
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    sheet = next((n for n in wb.sheet_names if "项目" in n), wb.sheet_names[0])
    rows = wb.get_sheet_by_name(sheet).to_python()
    head = next((i for i, r in enumerate(rows[:12]) if any("项目名称" in str(c) for c in r)), 0)
    return sum(
        1
        for r in rows[head + 1 :]
        if any(str(c).strip() for c in r) and not any("计" in str(c)[:3] for c in r[:3])
    )


def make_inputs(folder: Path, a: argparse.Namespace) -> dict[str, Any]:
    """The province's quarter in ``folder/ws`` (kept): generated once, reused while the figures agree."""
    key = {"units": a.units, "rows": a.rows, "stats_rows": a.stats_rows, "seed": a.seed, "version": 1}
    done = folder / "inputs.json"
    if done.exists():
        info = json.loads(done.read_text("utf-8"))
        if info["key"] == key:
            return info
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    from techreform.demo import generate_city
    from techreform.reference import profiles
    from techreform.workspace import Workspace

    t = time.perf_counter()
    profile_path = province_profile(folder / "bench-province.yaml", a.units)
    profile = profiles.load(str(profile_path))
    ws = Workspace(folder / "ws")
    ws.create(str(profile_path))
    # resubmissions and a few silent units: ~1.2 project rows in the returns per library project
    per_unit = a.rows / a.units / 1.2
    generate_city(
        ws,
        profile,
        year=2026,
        quarters=1,
        seed=a.seed,
        projects_per_unit=(int(per_unit * 0.85), int(per_unit * 1.15)),
    )
    stats_rows = top_up_statistics(ws, profile, a.stats_rows, a.seed)
    returns = sorted(p for p in ws.inbox.rglob("*") if p.is_file())
    info = {
        "key": key,
        "returns": len(returns),
        "return_rows": sum(data_rows(p) for p in returns),
        "stats_rows": stats_rows,
        "generate_s": round(time.perf_counter() - t, 1),
    }
    done.write_text(json.dumps(info), "utf-8")
    return info


def copy_inputs(inputs: Path, dest: Path, database_url: str | None = None) -> Path:
    shutil.copytree(inputs / "ws", dest)  # copy2: modification times (received times) kept
    settings = json.loads((dest / "techreform.json").read_text("utf-8"))
    if database_url:
        settings["database_url"] = database_url
    (dest / "techreform.json").write_text(json.dumps(settings, ensure_ascii=False), "utf-8")
    return dest


# ------------------------------------------------------------------------------------- floors


def cpu_of(pid: int) -> float:
    import psutil

    try:
        t = psutil.Process(pid).cpu_times()
    except psutil.Error:
        return 0.0
    return float(t.user + t.system + t.children_user + t.children_system)


def timed_process(cmd: list[str], env: dict[str, str], marks: str | None = None) -> dict[str, Any]:
    """Run ``cmd``; wall and CPU seconds (its own and its children's), and those at each stderr line
    starting with ``marks`` (the steps' progress lines)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    seen: list[tuple[str, float, float]] = []
    err: list[str] = []

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            err.append(line)
            if marks and line.startswith(marks):
                seen.append((line.strip(), time.perf_counter() - t0, cpu_of(proc.pid)))

    reader = threading.Thread(target=read)
    reader.start()
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    reader.join()
    if proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(cmd)} exited {proc.returncode}:\n{out[-3000:]}\n{''.join(err)[-3000:]}"
        )
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "marks": seen, "stdout": out}


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "TECHREFORM_"))}
    return {**env, "TZ": "Asia/Shanghai", **extra}


def import_floor(tmp: Path) -> dict[str, float]:
    """A fresh interpreter importing the stack (best of two)."""
    env = clean_env(AIRFLOW_HOME=str(tmp / "airflow-floor"), AIRFLOW__CORE__LOAD_EXAMPLES="False")
    runs = [timed_process([sys.executable, "-c", IMPORTS], env) for _ in range(2)]
    best = min(runs, key=lambda r: r["wall"])
    return {"wall": best["wall"], "cpu": best["cpu"]}


def intake_floor(ws: Path, tmp: Path) -> dict[str, float]:
    """A bare python-calamine read of every return, and one empty openpyxl workbook saved per return."""
    from openpyxl import Workbook
    from python_calamine import CalamineWorkbook

    files = sorted(p for p in (ws / "inbox").rglob("*") if p.is_file())
    t, c = time.perf_counter(), time.process_time()
    for f in files:
        wb = CalamineWorkbook.from_path(str(f))
        for name in wb.sheet_names:
            wb.get_sheet_by_name(name).to_python()
    read = (time.perf_counter() - t, time.process_time() - c)
    (tmp / "openpyxl-floor").mkdir()
    t, c = time.perf_counter(), time.process_time()
    for i in range(len(files)):
        wb = Workbook(write_only=True)
        wb.create_sheet("回执").append(["受理"])
        wb.save(tmp / "openpyxl-floor" / f"{i}.xlsx")
    save = (time.perf_counter() - t, time.process_time() - c)
    return {
        "read_wall": read[0],
        "read_cpu": read[1],
        "save_wall": save[0],
        "save_cpu": save[1],
        "files": len(files),
    }


# ------------------------------------------------------------------------------------- techreform run


@dataclass
class Steps:
    """Wall and CPU seconds per step of one ``techreform run``, from its progress lines."""

    wall: float
    cpu: float
    steps: dict[str, tuple[float, float]] = field(default_factory=dict)
    tasks: dict[str, float] = field(default_factory=dict)
    stdout: str = ""


def run_cli(ws: Path, step: str = "all", profile_to: Path | None = None) -> Steps:
    cli = ["-m", "techreform.cli", "run", str(ws), "--period", PERIOD, "--step", step]
    if profile_to:  # pyinstrument's own runner: the whole process, Airflow included
        profile_to.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "pyinstrument", "-r", "text", "-o", str(profile_to / "cycle.txt"), *cli]
    else:
        cmd = [sys.executable, *cli]
    r = timed_process(cmd, clean_env(), marks="正在运行 techreform_")
    out = Steps(wall=r["wall"], cpu=r["cpu"], stdout=r["stdout"])
    marks = [*r["marks"], ("end", r["wall"], r["cpu"])]
    for (line, w0, c0), (_, w1, c1) in zip(marks, marks[1:], strict=False):
        name = line.split()[1].split("（")[0].removeprefix("techreform_")  # 正在运行 techreform_intake（…
        out.steps[name] = (w1 - w0, c1 - c0)
    db = ws / ".airflow" / "airflow.db"
    with sqlite3.connect(db) as c:
        for dag_id, task_id, duration in c.execute(
            "SELECT ti.dag_id, ti.task_id, ti.duration FROM task_instance ti WHERE ti.run_id = "
            "(SELECT run_id FROM dag_run d WHERE d.dag_id = ti.dag_id ORDER BY d.id DESC LIMIT 1)"
        ):
            out.tasks[f"{dag_id.removeprefix('techreform_')}.{task_id}"] = float(duration or 0.0)
    return out


def empty_inbox_run(ws: Path) -> Steps:
    """``techreform run --step intake`` with nothing to take: what every run pays."""
    hold = ws / "inbox.hold"
    (ws / "inbox").rename(hold)
    (ws / "inbox").mkdir()
    try:
        return run_cli(ws, "intake")
    finally:
        shutil.rmtree(ws / "inbox")
        hold.rename(ws / "inbox")


# ------------------------------------------------------------------------------------- deployment


def run_deployment(inputs: Path, tmp: Path, drops: int, reference: Path) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    from techreform.cli.workspace import upgrade_warehouse
    from techreform.workspace import Workspace
    from tests.support.stack import CONN_ID, Stack

    stack = Stack(workspace=tmp / "stack-ws")
    stack.create_databases()
    out: dict[str, Any] = {}
    try:
        ws = copy_inputs(inputs, stack.workspace, f"airflow:{CONN_ID}")
        os.environ[f"AIRFLOW_CONN_{CONN_ID.upper()}"] = stack.warehouse_uri
        os.environ.pop("TECHREFORM_DATABASE_URL", None)
        assert upgrade_warehouse(Workspace(ws)) == 0
        files = sum(1 for p in (ws / "inbox").rglob("*") if p.is_file())
        held = ws.parent / "inbox-held"  # the files wait until the manual run will take them
        (ws / "inbox").rename(held)
        (ws / "inbox").mkdir()
        t = time.perf_counter()
        stack.start()
        out["stack_up_s"] = time.perf_counter() - t
        stack.unpause("techreform_(intake|statistics|reconcile|check)")
        stack.quiet_intake()  # intake's scheduled run (for the last ended quarter) made and over
        started = dt.datetime.now(dt.UTC)
        t = time.perf_counter()

        def put_in_place() -> None:
            (ws / "inbox").rmdir()
            held.rename(ws / "inbox")

        conf = {"workspace": str(ws), "period": PERIOD, "settle_seconds": 0}
        stack.trigger_first("techreform_intake", conf, put_in_place)  # the watcher's run queues behind
        out["runs"], out["tasks"] = wait_for_cycle(stack, ws, started, files, timeout=3600)
        out["cycle_s"] = time.perf_counter() - t
        out["same_as_run"] = same_outputs(ws, reference)
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from _latency import watched  # the inbox watcher runs in the triggerer before any drop

        out["watched"] = watched(stack)
        out["drops"] = [drop_to_receipt(stack, ws, i) for i in range(drops)]
    finally:
        stack.stop()
    return out


def wait_for_cycle(
    stack: Any, ws: Path, since: dt.datetime, files: int, timeout: float
) -> tuple[dict[str, float], dict[str, float]]:
    """Until every dropped file has its receipt, a check run started since ``since`` has succeeded
    and nothing is queued or running. The manual intake may find the files taken already: intake
    unpaused starts a scheduled run at once, and the statistics DAG's first run reconciles too.
    Gives the seconds of each DAG's runs since then (summed) and of each task (summed over runs)."""
    deadline = time.monotonic() + timeout
    last_receipts, still_since = -1, time.monotonic()
    while time.monotonic() < deadline:
        stack.check_alive()
        runs = stack.query(
            "SELECT dag_id, state, start_date, end_date FROM dag_run WHERE start_date >= :s", s=since
        )
        if any(r[1] == "failed" for r in runs):
            raise RuntimeError(f"a run failed: {runs}; logs in {stack.home}")
        busy = any(r[1] in ("queued", "running") for r in runs) or stack.query(
            "SELECT 1 FROM dag_run WHERE state IN ('queued', 'running')"
        )
        checked = any(r[0] == "techreform_check" and r[1] == "success" for r in runs)
        receipts = sum(1 for _ in (ws / "outbox").rglob("回执_*.xlsx"))
        if receipts != last_receipts:
            last_receipts, still_since = receipts, time.monotonic()
        # every file answered; a file whose bytes are its unit's return in force again is known as
        # that return and gets no receipt of its own, so "no new receipt for 20 s" ends it as well
        answered = receipts >= files or time.monotonic() - still_since > 20
        if checked and not busy and answered:
            per_dag: dict[str, float] = {}
            for dag_id, _, start, end in runs:
                key = f"{dag_id.removeprefix('techreform_')} (runs summed)"
                per_dag[key] = per_dag.get(key, 0.0) + (end - start).total_seconds()
            per_dag["trigger to last run's end"] = (max(r[3] for r in runs) - since).total_seconds()
            tasks: dict[str, float] = {}
            for d, task, secs in stack.query(
                "SELECT dag_id, task_id, EXTRACT(EPOCH FROM end_date - start_date) FROM task_instance "
                "WHERE state = 'success' AND start_date >= :s ORDER BY start_date",
                s=since,
            ):
                key = f"{d.removeprefix('techreform_')}.{task}"
                tasks[key] = tasks.get(key, 0.0) + float(secs or 0)
            return per_dag, tasks
        time.sleep(2)
    raise TimeoutError(f"the cycle did not end within {timeout:.0f} s; logs in {stack.home}")


def same_outputs(ws: Path, ref: Path) -> bool:
    names = ("submissions.csv", "findings.csv", "reconciliation.csv", "indicators.csv")
    return all(
        (ws / "reports" / PERIOD / n).read_bytes() == (ref / "reports" / PERIOD / n).read_bytes()
        for n in names
    )


def drop_to_receipt(stack: Any, ws: Path, i: int, timeout: float = 420) -> float:
    """A county's file dropped into its inbox (its last return, opened and saved again under a new
    name) until its receipt is in its outbox; then until the runs it set off are over."""
    units = sorted(p for p in (ws / "inbox").iterdir() if p.is_dir() and any(p.glob("*.xlsx")))
    unit = units[i * 7 % len(units)]  # (intake leaves the county's files where they were dropped)
    source = max(unit.glob("*.xlsx"), key=lambda p: p.stat().st_mtime)  # (.xlsx: openpyxl saves it)
    name = f"{source.stem}_再报{i + 1}{source.suffix}"
    target = ws / "inbox" / unit.name / name
    import openpyxl

    # saved again by the county (new bytes: the same bytes as the return in force are known as that
    # return and get no receipt of their own)
    wb = openpyxl.load_workbook(source)
    wb.properties.modified = dt.datetime.now().replace(microsecond=0)
    t0 = time.time()
    wb.save(target.with_suffix(".part"))
    target.with_suffix(".part").rename(target)  # appears whole, as a synced file does
    pattern = f"回执_{Path(name).stem}_*.xlsx"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = list((ws / "outbox" / unit.name).glob(pattern))
        if found:
            took = found[0].stat().st_mtime - t0
            break
        time.sleep(0.25)
    else:
        raise TimeoutError(f"no receipt for {target} within {timeout:.0f} s")
    while time.monotonic() < deadline + 600:  # the asset-triggered runs it set off, before the next drop
        busy = stack.query("SELECT count(*) FROM dag_run WHERE state IN ('queued', 'running')")[0][0]
        if not busy:
            break
        time.sleep(2)
    return took


# ------------------------------------------------------------------------------------- report


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=180)
    ap.add_argument("--rows", type=int, default=100_000, help="project rows in all the returns (about)")
    ap.add_argument("--stats-rows", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--inputs", type=Path, help="where the generated inputs are kept (default: in /tmp)")
    ap.add_argument(
        "--deployment", action="store_true", help="also on the Celery stack, with drop-to-receipt"
    )
    ap.add_argument("--drops", type=int, default=5)
    ap.add_argument("--pyinstrument", type=Path, help="profile the timed run into this folder")
    ap.add_argument("--keep", action="store_true", help="keep the run's workspace")
    a = ap.parse_args()
    signal.signal(signal.SIGTERM, _interrupt)  # `kill <pid>` stops the stack too (cleanup in finally)

    inputs = (
        a.inputs
        or Path(tempfile.gettempdir()) / f"techreform-cycle-{a.units}-{a.rows}-{a.stats_rows}-{a.seed}"
    )
    info = make_inputs(inputs, a)
    tmp = Path(tempfile.mkdtemp(prefix="techreform-cycle-"))
    load = [os.getloadavg()[0]]
    try:
        floor = intake_floor(inputs / "ws", tmp)
        imports = import_floor(tmp)
        ws = copy_inputs(inputs, tmp / "ws")
        empty_inbox_run(ws)  # migrates the workspace's Airflow metadata database: a one-off
        fixed = empty_inbox_run(ws)
        load.append(os.getloadavg()[0])
        cycle = run_cli(ws, "all", a.pyinstrument)
        load.append(os.getloadavg()[0])
        deployment = run_deployment(inputs, tmp, a.drops, ws) if a.deployment else None
        load.append(os.getloadavg()[0])
    finally:
        if not a.keep:
            shutil.rmtree(tmp, ignore_errors=True)

    n = info["returns"]
    floor_per_return = (floor["read_wall"] + floor["save_wall"]) / n
    intake = cycle.steps.get("intake", (0.0, 0.0))
    fixed_intake = fixed.steps.get("intake", (fixed.wall, fixed.cpu))
    per_return = (intake[0] - fixed_intake[0]) / n
    per_return_cpu = (intake[1] - fixed_intake[1]) / n
    floor_per_return_cpu = (floor["read_cpu"] + floor["save_cpu"]) / n
    f: dict[str, Any] = {
        "returns": n,
        "return_rows": info["return_rows"],
        "stats_rows": info["stats_rows"],
        "units": a.units,
        "generate_s (once, kept)": info["generate_s"],
        "load_average (start, run, end)": " ".join(f"{x:.1f}" for x in load),
    }
    goal = GOALS["cycle_s"]
    f["cycle: techreform run wall/CPU s"] = f"{cycle.wall:.1f} / {cycle.cpu:.1f}   goal ≤ {goal:.0f} s"
    for step, (w, c) in cycle.steps.items():
        f[f"  {step} wall/CPU s"] = f"{w:.1f} / {c:.1f}"
    for task, s in cycle.tasks.items():
        f[f"    task {task} s"] = f"{s:.1f}"
    f["fixed: empty-inbox run wall/CPU s"] = f"{fixed.wall:.1f} / {fixed.cpu:.1f}"
    f["floor: imports of the stack wall/CPU s"] = f"{imports['wall']:.1f} / {imports['cpu']:.1f}"
    f["fixed ÷ imports (wall)"] = (
        f"{fixed.wall / imports['wall']:.2f}×   goal ≤ {GOALS['fixed_vs_imports']:.0f}×"
    )
    f["floor: calamine read of all returns wall/CPU s"] = (
        f"{floor['read_wall']:.2f} / {floor['read_cpu']:.2f}"
    )
    f["floor: one empty openpyxl save per return wall/CPU s"] = (
        f"{floor['save_wall']:.2f} / {floor['save_cpu']:.2f}"
    )
    f["intake marginal per return ms (floor)"] = f"{per_return * 1000:.0f} ({floor_per_return * 1000:.0f})"
    f["intake per return ÷ floor"] = (
        f"{per_return / floor_per_return:.1f}×   goal ≤ {GOALS['intake_per_return_vs_floor']:.0f}×"
    )
    f["intake marginal per return CPU ms (floor)"] = (
        f"{per_return_cpu * 1000:.0f} ({floor_per_return_cpu * 1000:.0f}), "
        f"{per_return_cpu / floor_per_return_cpu:.1f}×"
    )
    f["fixed ÷ imports (CPU)"] = f"{fixed.cpu / imports['cpu']:.2f}×"
    if deployment:
        f["deployment: stack up s"] = f"{deployment['stack_up_s']:.0f}"
        f["deployment: trigger to check done s"] = (
            f"{deployment['cycle_s']:.1f}   goal ≤ {GOALS['cycle_s']:.0f} s (for techreform run)"
        )
        for k, v in deployment["runs"].items():
            f[f"  {k} s"] = f"{v:.1f}"
        for task, s in deployment["tasks"].items():
            f[f"    stack task {task} s (summed)"] = f"{s:.1f}"
        f["deployment: outputs equal techreform run's"] = deployment["same_as_run"]
        drops = deployment["drops"]
        f["inbox watcher running before the drops"] = "yes" if deployment.get("watched") else "no (the poll)"
        f["drop to receipt s (each)"] = " ".join(f"{x:.1f}" for x in drops)
        f["drop to receipt median s"] = (
            f"{statistics.median(drops):.1f}   goal ≤ {GOALS['drop_to_receipt_median_s']:.0f} s"
        )
    width = max(len(k) for k in f)
    for k, v in f.items():
        print(f"{k:<{width}}  {v}")
    print(
        json.dumps(
            {
                "info": info,
                "cycle": {"wall": cycle.wall, "cpu": cycle.cpu, "steps": cycle.steps, "tasks": cycle.tasks},
                "fixed": {"wall": fixed.wall, "cpu": fixed.cpu},
                "imports": imports,
                "floor": floor,
                "load": load,
                "deployment": deployment,
            },
            default=str,
        )
    )


if __name__ == "__main__":
    main()
