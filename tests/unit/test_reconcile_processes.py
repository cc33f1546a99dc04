"""The reconciliation on two processes (``reconcile.helper``): the same results and files as on one,
a broken extract failing the same way, and the child process gone on every way out. The extract
read ahead (``reconcile.prefetch``, ``techreform run``'s intake meanwhile): the same again, and an
extract replaced meanwhile read again."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from techreform import pipeline
from techreform import warehouse as wh
from techreform.reconcile import ExtractError, helper, prefetch, run_reconciliation
from techreform.reconcile.extract import Extract
from techreform.reconcile.match import Link
from techreform.reconcile.model import LibraryItem, Reconciliation, StatsItem
from techreform.returns.model import Sheet
from techreform.workspace import Workspace
from tests.unit.test_reconcile_extract import HEADERS, ROWS, TOTALS, _xlsx


@pytest.fixture
def ws(tmp_path):
    w = Workspace(tmp_path / "ws")
    w.create("luoyang-2021")
    engine = wh.connect(w.database_url, migrate=False)
    wh.upgrade(engine)
    engine.dispose()
    return w


def _extract(ws: Workspace, rows: list[list[object]]) -> None:
    _xlsx(ws.stats / "2026Q3" / "projects.xlsx", [HEADERS, *rows])
    _xlsx(ws.stats / "2026Q3" / "unit_totals.xlsx", TOTALS)


def _files(ws: Workspace) -> dict[str, bytes]:
    found = [*ws.reports.rglob("*"), *ws.outbox.rglob("*")]
    return {str(p.relative_to(ws.root)): p.read_bytes() for p in found if p.is_file()}


def _results(ws: Workspace) -> list[tuple[object, ...]]:
    engine = wh.connect(ws.database_url, migrate=False)
    try:
        with Session(engine) as s:
            items = s.scalars(select(wh.ReconItem).order_by(wh.ReconItem.id)).all()
            return [(i.side, i.unit_code, i.stats_project_id, i.category, i.stats_ytd) for i in items]
    finally:
        engine.dispose()


def _reconcile(ws: Workspace, processes: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv(helper.ENV, processes)
    engine = wh.connect(ws.database_url, migrate=False)
    try:
        return sorted(str(p.relative_to(ws.root)) for p in run_reconciliation(ws, engine, "2026Q3").changed)
    finally:
        engine.dispose()


@pytest.mark.slow  # a few seconds: reconciliations and the child's imports
def test_two_processes_write_what_one_does(ws, monkeypatch):
    rows = [list(r) for r in ROWS]
    rows[1][4] = "419001"  # a unit outside the jurisdiction: a warning, in the workbook's notes
    _extract(ws, rows)
    changed_one = _reconcile(ws, "1", monkeypatch)
    one, results = _files(ws), _results(ws)
    assert any("对账待核实清单" in name for name in one) and any(n.endswith(".xlsx") for n in one)
    for name in one:  # written again from nothing, on two processes
        (ws.root / name).unlink()
    assert _reconcile(ws, "2", monkeypatch) == changed_one
    assert _files(ws) == one
    assert _results(ws) == results
    assert _reconcile(ws, "2", monkeypatch) == []  # a rerun changes nothing


@pytest.mark.slow  # a few seconds: reconciliations and the child's imports
def test_a_broken_extract_fails_the_same_on_two_processes(ws, monkeypatch):
    rows = [list(r) for r in ROWS] + [list(ROWS[0])]  # S1 twice: the check (in the child) fails
    _extract(ws, rows)
    messages = []
    for processes in ("1", "2"):
        monkeypatch.setenv(helper.ENV, processes)
        with pytest.raises(ExtractError) as err:
            pipeline.reconcile(str(ws.root), "2026Q3")
        messages.append(str(err.value))
    assert messages[0] == messages[1] and "统计项目编号”重复（S1）" in messages[1]
    assert _files(ws) == {} and _results(ws) == []  # nothing written, nothing saved
    engine = wh.connect(ws.database_url, migrate=False)
    with Session(engine) as s:  # remembered as unusable, as on one process
        assert s.scalar(select(wh.StatsUnusable.period)) == "2026Q3"
    engine.dispose()


def test_an_unreadable_extract_fails_the_same_on_two_processes(ws, monkeypatch):
    _xlsx(ws.stats / "2026Q3" / "projects.xlsx", [HEADERS[:3], ["S1"]])  # columns missing
    messages = []
    for processes in ("1", "2"):
        monkeypatch.setenv(helper.ENV, processes)
        with pytest.raises(ExtractError) as err:
            _reconcile(ws, processes, monkeypatch)
        messages.append(str(err.value))
    assert messages[0] == messages[1] and "找不到表头" in messages[0]


def _rec() -> Reconciliation:
    links = [
        Link("1", "S1", "code", 100.0, 95.5, "废水循环利用", "废水循环利用", "金联重工", "金联重工"),
        Link("2", "S3", "name", 88.0, 91.0, "智能仓储", "智能仓储物流", "远昌电子", "远昌电子"),
    ]
    library = [
        LibraryItem("1", "k1", "410302", "金联", None, "废水", "C1", 4055.4, 1611.9, "在建", "a.xlsx 第5行"),
        LibraryItem("2", "k2", "410303", None, "9141", None, None, None, None, None, "b.xlsx 第6行"),
        LibraryItem("3", "k3", "410303", "远昌", None, "仓储", None, 12.0, 0.0, "完工", "b.xlsx 第7行"),
    ]
    library[0].link, library[0].category, library[0].stats_project_id = links[0], "matched", "S1"
    library[1].link, library[1].qualifying, library[1].stats_ytd = links[1], True, 7.5
    library[2].link = Link("3", "S9", "decided", 0.0, 0.0, "", "", "", "")  # not among the links
    stats = [StatsItem("S1", "410302", "金联", None, "废水", None, "改建和技术改造", 4055.4, 1611.9, 4)]
    stats[0].library_key, stats[0].category = "1", "matched"
    at = dt.datetime(2026, 10, 9, 8, 30)
    extract = Extract("2026Q3", "stats/2026Q3/projects.xlsx", "ab" * 32, at, Sheet("项目", "p", 1), None)
    return Reconciliation("2026Q3", extract, library, stats, links, ["提示"], decisions_applied=2)


def test_the_reconciliation_crosses_whole():
    rec = _rec()
    back = helper.unpack(helper.pack(rec))
    assert (back.library, back.stats, back.links) == (rec.library, rec.stats, rec.links)
    assert back.library[0].link is back.links[0]  # one object, as before
    assert (back.period, back.warnings, back.decisions_applied) == ("2026Q3", ["提示"], 2)
    assert (back.extract.source, back.extract.loaded_at) == (rec.extract.source, rec.extract.loaded_at)
    assert back.extract.projects.rows == []  # the extract's rows stay behind


def _gone(pid: int, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().split(") ")[-1].startswith("Z"):  # exited, not yet reaped by init
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.slow  # a few seconds: reconciliations and the child's imports
def test_the_child_is_gone_on_every_way_out():
    with helper.Helper() as child:
        pid = child.proc.pid
        child.submit("no such job")
        with pytest.raises(KeyError):  # an exception in the child is raised here, of its type
            child.result()
    assert _gone(pid)
    with pytest.raises(KeyboardInterrupt), helper.Helper() as child:
        pid = child.proc.pid
        raise KeyboardInterrupt
    assert _gone(pid)


def test_a_child_that_dies_fails_the_step():
    with helper.Helper() as child:
        os.kill(child.proc.pid, signal.SIGKILL)
        child.proc.wait(10)
        child.submit("check", None)
        with pytest.raises(helper.HelperDied, match="对账辅助进程意外退出"):
            child.result()


def test_the_child_dies_with_its_parent():
    script = (
        "import os, signal, sys\n"
        "from techreform.reconcile import helper\n"
        "h = helper.Helper().__enter__()\n"
        "print(h.proc.pid, flush=True)\n"
        "sys.stdin.readline()\n"  # the child has started by then
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert parent.stdout is not None and parent.stdin is not None
    pid = int(parent.stdout.readline())
    time.sleep(0.5)
    parent.stdin.write("\n")
    parent.stdin.flush()
    parent.wait(10)
    assert _gone(pid)


# --- the extract read ahead (``prefetch``)


def _one_process_then_read_ahead(ws, monkeypatch) -> tuple[list[str], dict, list, helper.Helper]:
    """The reconciliation on one process (what it changed, its files, its results), its files then
    removed, and a child started reading the extract ahead."""
    changed_one = _reconcile(ws, "1", monkeypatch)
    one, results = _files(ws), _results(ws)
    for name in one:
        (ws.root / name).unlink()
    monkeypatch.setenv(helper.ENV, "2")
    assert prefetch.start(ws, "2026Q3")
    child = prefetch._ahead[(ws.root, "2026Q3")][0]
    assert child.proc is not None
    return changed_one, one, results, child


@pytest.mark.slow  # a few seconds: reconciliations and the child's imports
def test_read_ahead_writes_what_one_process_does(ws, monkeypatch):
    rows = [list(r) for r in ROWS]
    rows[1][4] = "419001"  # a warning, in the workbook's notes
    _extract(ws, rows)
    changed_one, one, results, child = _one_process_then_read_ahead(ws, monkeypatch)
    assert child.proc is not None
    pid = child.proc.pid
    deadline = time.monotonic() + 10  # it ignores Ctrl-C, then lowers its priority, as it starts
    while os.getpriority(os.PRIO_PROCESS, pid) < prefetch.NICE and time.monotonic() < deadline:
        time.sleep(0.02)
    assert os.getpriority(os.PRIO_PROCESS, pid) >= prefetch.NICE
    os.kill(pid, signal.SIGINT)  # a Ctrl-C that fails intake's task leaves it reading
    assert _reconcile(ws, "2", monkeypatch) == changed_one
    assert child.proc.pid == pid and child.proc.returncode == -signal.SIGKILL  # taken, then stopped
    assert _gone(pid)
    assert _files(ws) == one and _results(ws) == results
    assert prefetch._ahead == {}


@pytest.mark.slow  # a few seconds: reconciliations and the child's imports
def test_a_read_ahead_child_that_died_is_read_again(ws, monkeypatch):
    _extract(ws, [list(r) for r in ROWS])
    changed_one, one, results, child = _one_process_then_read_ahead(ws, monkeypatch)
    assert child.proc is not None
    os.kill(child.proc.pid, signal.SIGKILL)  # e.g. the kernel's out-of-memory killer, during intake
    child.proc.wait(10)
    assert _reconcile(ws, "2", monkeypatch) == changed_one  # read here, as without it
    assert _files(ws) == one and _results(ws) == results


@pytest.mark.slow  # a few seconds: reconciliations and the child's imports
def test_an_extract_replaced_meanwhile_is_read_again(ws, monkeypatch):
    _extract(ws, [list(r) for r in ROWS])
    monkeypatch.setenv(helper.ENV, "2")
    assert prefetch.start(ws, "2026Q3")
    child = prefetch._ahead[(ws.root, "2026Q3")][0]
    rows = [list(r) for r in ROWS]
    rows[0][0] = "S77"  # the bureau sends another extract while intake runs
    _extract(ws, rows)
    _reconcile(ws, "2", monkeypatch)
    assert child.proc is not None and _gone(child.proc.pid)
    assert "S77" in {r[2] for r in _results(ws)}
    replaced = _files(ws)
    for name in replaced:
        (ws.root / name).unlink()
    _reconcile(ws, "1", monkeypatch)  # what one process makes of the new extract
    assert _files(ws) == replaced


@pytest.mark.slow  # a few seconds: the child's imports and reading
def test_a_broken_extract_read_ahead_fails_as_without(ws, monkeypatch):
    monkeypatch.setenv(helper.ENV, "2")
    _extract(ws, [list(r) for r in ROWS] + [list(ROWS[0])])  # S1 twice: the check fails
    assert prefetch.start(ws, "2026Q3")
    with pytest.raises(ExtractError, match="统计项目编号”重复（S1）"):
        pipeline.reconcile(str(ws.root), "2026Q3")
    _xlsx(ws.stats / "2026Q3" / "projects.xlsx", [HEADERS[:3], ["S1"]])  # columns missing
    assert prefetch.start(ws, "2026Q3")
    with pytest.raises(ExtractError, match="找不到表头"):
        _reconcile(ws, "2", monkeypatch)
    assert _files(ws) == {} and _results(ws) == []


def test_nothing_is_read_ahead_without_extract_files(ws, monkeypatch):
    monkeypatch.setenv(helper.ENV, "2")
    assert not prefetch.start(ws, "2026Q3")  # no extract yet
    _extract(ws, [list(r) for r in ROWS])
    monkeypatch.setenv(helper.ENV, "1")
    assert not prefetch.start(ws, "2026Q3")  # one process wanted
    monkeypatch.setenv(helper.ENV, "2")
    settings = {**ws.settings, "statistics": {"url": "sqlite:///stats.db", "projects_table": "p"}}
    (ws.root / "techreform.json").write_text(json.dumps(settings), "utf-8")
    assert not prefetch.start(ws, "2026Q3")  # kept in a database: nothing to compare before reading
    (ws.root / "techreform.json").write_text(json.dumps({**settings, "statistics": {}, "profile": "x"}))
    assert not prefetch.start(ws, "2026Q3")  # no such profile: the run says so, not the read-ahead
    assert prefetch._ahead == {}


def test_a_child_not_taken_is_stopped(ws, monkeypatch):
    monkeypatch.setenv(helper.ENV, "2")
    _extract(ws, [list(r) for r in ROWS])
    assert prefetch.start(ws, "2026Q3")
    assert not prefetch.start(ws, "2026Q3")  # one per period
    child = prefetch._ahead[(ws.root, "2026Q3")][0]
    assert child.proc is not None
    prefetch.stop()
    assert _gone(child.proc.pid) and prefetch._ahead == {}


def test_a_started_child_is_not_started_again():
    child = helper.Helper().__enter__()
    try:
        assert child.proc is not None
        pid = child.proc.pid
        with child as same:  # (how the reconciliation takes a child read ahead)
            assert same.proc is not None and same.proc.pid == pid
        assert _gone(pid)
    finally:
        child.close()
