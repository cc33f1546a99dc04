"""The hostile corpus (tests/support/hostile.py): every kind of file dropped in one unit folder
beside valid returns of other units, in one run. The run completes, the valid returns are
accepted, each hostile file is archived (unless it is no regular file, then it is never read),
its receipt says what to do, and the warehouse and CSVs hold nothing they should not."""

from __future__ import annotations

import csv
import hashlib
import math
import os
import shutil
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from techreform import warehouse as wh
from techreform.returns.guard import FileRejected, Limits
from techreform.returns.isolation import IsolatedReader
from tests.conftest import OTHER_UNIT, PROFILE_ID, IntakeWorkspace, meta_for, rows, write_return
from tests.support.hostile import CASES, Case, build_all, valid, xfd_cell

THIRD_UNIT = "410302"
FAST = [c for c in CASES if not c.slow]
SLOW = [c for c in CASES if c.slow]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
INVISIBLE = ("\u2060", "\u200d", "\u00ad")


class Outcome:
    def __init__(self, iw: IntakeWorkspace, entries: dict[str, Path], cases: list[Case]) -> None:
        self.iw, self.entries = iw, entries
        self.cases = {c.name: c for c in cases}
        self.first = iw.run()
        self.second = iw.run()
        self.subs = iw.submissions()

    def sub(self, case: Case) -> wh.Submission:
        name = self.entries[case.name].name
        found = [s for s in self.subs if s.inbox_path.endswith("/" + name)]
        assert len(found) == 1, f"{case.name}: {len(found)} submissions"
        return found[0]


def _run(tmp: Path, migrated_db: Path, validator, cases: list[Case]) -> Outcome:
    from techreform.workspace import Workspace

    root = tmp / "ws"
    Workspace(root).create(PROFILE_ID)
    shutil.copyfile(migrated_db, root / "warehouse.sqlite")
    engine = wh.connect(f"sqlite:///{root / 'warehouse.sqlite'}", migrate=False)
    iw = IntakeWorkspace(root, engine, validator)
    for unit in (OTHER_UNIT, THIRD_UNIT):
        iw.drop(f"{unit}_2026Q1.xlsx", rows(3), unit=unit, meta=meta_for(unit))
    entries = build_all(cases, root / "inbox" / "410304", 1_700_000_000.0 + 3_600)
    return Outcome(iw, entries, cases)


@pytest.fixture(scope="module")
def outcome(tmp_path_factory, migrated_db, validator):
    out = _run(tmp_path_factory.mktemp("hostile"), migrated_db, validator, FAST)
    yield out
    out.iw.engine.dispose()


def _check(out: Outcome, case: Case) -> None:
    sub = out.sub(case)
    ids = {f.rule_id for f in sub.findings}
    assert case.rules <= ids, f"{case.name}: {sorted(ids)}"
    expected = wh.REJECTED if case.status == "rejected" else (wh.ACCEPTED, wh.SUPERSEDED)
    assert sub.status in expected, f"{case.name}: {sub.status} {sorted(ids)}"
    if case.status == "rejected":
        assert sub.projects == [] and sub.recognitions == []
        assert "file_unprocessable" not in ids  # a precise answer, not "the system failed"
    # the receipt exists and every finding says what to do, in Chinese, visibly
    assert sub.receipt_path and (out.iw.ws.root / sub.receipt_path).is_file()
    for f in sub.findings:
        assert f.message and "请" in f.message or f.severity == "warning"
        for text in (f.message, f.value or "", f.sheet or "", f.column or ""):
            assert not any(ch in text for ch in INVISIBLE), f"{case.name}: {text!r}"
            assert len(text) <= 2_100
    said = " ".join(f"{f.message} {f.value or ''}" for f in sub.findings)
    for text in case.shows:
        assert text in said, f"{case.name}: {text} not in {said}"
    # archived byte for byte, or (not a regular file) never read nor archived
    entry = out.entries[case.name]
    if case.regular:
        archived = out.iw.ws.root / sub.archive_path
        assert hashlib.sha256(archived.read_bytes()).hexdigest() == sub.sha256
        with entry.open("rb") as f:
            assert hashlib.file_digest(f, "sha256").hexdigest() == sub.sha256
    else:
        assert sub.archive_path == "" and sub.size == 0
        assert os.path.islink(entry) or not entry.is_file()


@pytest.mark.slow  # over a second: outside the inner loop
@pytest.mark.parametrize("case", FAST, ids=[c.name for c in FAST])
def test_each_hostile_file_is_answered_alone(outcome, case):
    _check(outcome, case)


def test_the_run_completes_and_the_valid_returns_are_accepted(outcome):
    assert len(FAST) >= 30
    for unit in (OTHER_UNIT, THIRD_UNIT):
        (sub,) = [s for s in outcome.subs if s.unit_code == unit]
        assert sub.status == wh.ACCEPTED and len(sub.projects) == 3
    # every entry decided in the first run, with a receipt; the next run finds nothing again
    # (one case links to a real return it put in 410303's folder: that one is accepted there)
    assert len(outcome.first.decided) == len(outcome.subs) == len(FAST) + 3
    assert len(outcome.first.receipts) == len(FAST) + 3
    assert outcome.second.received == [] and outcome.second.decided == []


def test_nothing_is_archived_from_outside_the_unit_folder(outcome):
    archived = [p for p in outcome.iw.ws.archive.rglob("*") if p.is_file()]
    assert not any(p.read_bytes().startswith(b"root:") for p in archived)  # /etc/passwd
    assert all(not p.is_symlink() for p in outcome.iw.ws.archive.rglob("*"))


def test_the_warehouse_holds_only_finite_numbers(outcome):
    with Session(outcome.iw.engine) as s:
        projects = s.scalars(select(wh.Project)).all()
    assert projects
    for p in projects:
        for c in wh.FINITE_COLUMNS:
            v = getattr(p, c)
            assert v is None or (math.isfinite(v) and abs(v) < 1e12), (c, v)
        assert len(p.project_name or "") < 1_000


def test_the_csvs_hold_no_formula(outcome):
    files = list(outcome.iw.ws.reports.rglob("*.csv"))
    assert {f.name for f in files} >= {"submissions.csv", "findings.csv"}
    cells = []
    for path in files:
        with path.open(encoding="utf-8", newline="") as f:
            cells += [cell for row in csv.reader(f) for cell in row]
    assert not [c for c in cells if c.startswith(FORMULA_START)]
    assert "'=1+1_410304_2026Q1.xlsx" in cells and "'=1+1" in cells  # the name and sheet, inert
    assert "'@SUM(1)_410304_2026Q1.xlsx" in cells


def test_ignored_entries_are_not_taken(tmp_path, migrated_db, validator):
    """Lock and sync-tool files are no returns; a hidden folder is a sync tool's."""
    from techreform.intake import scan_inbox
    from techreform.workspace import Workspace

    ws = Workspace(tmp_path / "ws")
    ws.create(PROFILE_ID)
    unit = ws.inbox / "410304"
    for name in ("~$a.xlsx", ".~lock.a.xlsx#", ".DS_Store", "._a.xlsx", "a.xlsx.tmp", "desktop.ini"):
        (unit / name).parent.mkdir(parents=True, exist_ok=True)
        (unit / name).write_bytes(b"x")
    (unit / ".sync" / "a.xlsx").parent.mkdir()
    (unit / ".sync" / "a.xlsx").write_bytes(b"x")
    (unit / ".a.xlsx").write_bytes(b"x")
    assert [c.name for c in scan_inbox(ws, settle_seconds=0, now=4e9)] == [".a.xlsx"]


# ------------------------------------------------------------------------------ the reading process


@pytest.mark.slow  # over a second: outside the inner loop
def test_a_file_that_kills_the_reader_is_answered_and_the_next_is_read(tmp_path):
    """With the container limits opened wide, calamine itself meets the 5.8 KB file that asks for
    17 billion cells: the worker process dies (Rust aborts), intake answers, the next file is read."""
    bad, good = xfd_cell(tmp_path / "bad.xlsx"), valid(tmp_path / "good.xlsx")
    assert bad.stat().st_size < 20_000
    wide = Limits(rows=2_000_000, columns=20_000, cells=10**12, memory_mb=1_024)
    with IsolatedReader(wide) as reader:
        with pytest.raises(FileRejected) as e:
            reader.read(bad)
        assert e.value.rule_id == "file_too_large" and "内存" in e.value.message
        assert reader.exit_code is not None and reader.exit_code != 0
        parsed = reader.read(good)
    assert parsed.projects is not None and len(parsed.projects.rows) == 3


def test_a_file_read_too_long_is_answered(tmp_path):
    good = valid(tmp_path / "good.xlsx")
    with IsolatedReader(Limits(seconds=0)) as reader, pytest.raises(FileRejected) as e:
        reader.read(good)
    assert e.value.rule_id == "file_too_slow"


@pytest.mark.slow  # waits past the time limit on purpose
def test_answers_read_ahead_are_taken_after_the_time_limit(tmp_path):
    """Two workers read two files ahead; the judging takes them only after the time limit. Each
    was read in time, and the larger one's answer (more than a pipe holds) is still taken."""
    big = tmp_path / "big.xlsx"
    write_return(big, rows(600), meta=meta_for())
    good = valid(tmp_path / "good.xlsx")
    with IsolatedReader(Limits(seconds=4), workers=2) as reader:
        reader.expect([big, good])
        time.sleep(7)
        first, second = reader.read(big), reader.read(good)
    assert first.projects is not None and len(first.projects.rows) == 600
    assert second.projects is not None and len(second.projects.rows) == 3


def test_limits_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("TECHREFORM_LIMIT_MEMORY_MB", "4096")
    monkeypatch.setenv("TECHREFORM_LIMIT_ISOLATE", "0")
    limits = Limits.from_env()
    assert limits.memory_mb == 4096 and limits.isolate is False and limits.rows == Limits().rows


@pytest.mark.slow
@pytest.mark.parametrize("case", SLOW, ids=[c.name for c in SLOW])
def test_slow_hostile_files(tmp_path, migrated_db, validator, case):
    out = _run(tmp_path, migrated_db, validator, [case])
    try:
        _check(out, case)
        assert [s.status for s in out.subs if s.unit_code != "410304"] == [wh.ACCEPTED] * 2
    finally:
        out.iw.engine.dispose()


@pytest.mark.slow  # over a second: outside the inner loop
def test_after_an_interrupted_run_the_summary_names_the_files_it_decided(intake_ws):
    """The interrupted run took the files (receive) and stopped; the rerun decides them and says so,
    instead of "没有新文件"."""
    import datetime as dt

    from techreform import intake
    from techreform.cli.run import _last_submission_id, intake_tally

    intake_ws.drop("410304_2026Q1.xlsx", rows(2), meta=meta_for())
    intake_ws.drop(f"{OTHER_UNIT}_2026Q1.xlsx", rows(2), unit=OTHER_UNIT, meta=meta_for(OTHER_UNIT))
    assert len(intake.receive(intake_ws.ws, intake_ws.engine, settle_seconds=0)) == 2
    before = _last_submission_id(intake_ws.engine)
    started = dt.datetime.now().replace(microsecond=0)
    result = intake_ws.run()
    assert result.received == [] and len(result.decided) == 2
    tally = intake_tally(intake_ws.ws, intake_ws.engine, before, started, every_file=False)
    assert "没有新文件" not in tally and "其中 2 个是上次运行中断时已接收的" in tally


def test_the_receipts_hold_no_formula(outcome):
    import openpyxl

    receipts = list(outcome.iw.ws.outbox.rglob("回执_*.xlsx"))
    assert len(receipts) == len(outcome.subs)
    for path in receipts:
        wb = openpyxl.load_workbook(path)
        formulas = [c.coordinate for ws in wb for line in ws.iter_rows() for c in line if c.data_type == "f"]
        wb.close()
        assert formulas == [], path.name


# --------------------------------------------------------------------- concurrent runs, PostgreSQL

CONCURRENT = [
    c for c in FAST if c.name in ("xfd_cell", "div0", "inf_text", "name_formula", "link_passwd", "long_text")
]


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_two_intakes_at_once_decide_each_file_once(tmp_path, kind):
    """The scheduler's run and a command-line run meet on one workspace, here with part of the
    corpus and PostgreSQL as the warehouse too: each file is registered and decided once."""
    import threading

    from techreform import intake
    from techreform.workspace import Workspace
    from tests.support.databases import database

    with database(kind, tmp_path) as url:
        ws = Workspace(tmp_path / "ws")
        ws.create(PROFILE_ID, database_url=url)
        wh.connect(url).dispose()  # migrated, as init does
        iw = IntakeWorkspace(ws.root, None, None)
        for unit in (OTHER_UNIT, THIRD_UNIT):
            iw.drop(f"{unit}_2026Q1.xlsx", rows(3), unit=unit, meta=meta_for(unit))
        entries = build_all(CONCURRENT, ws.inbox / "410304", 1_700_000_000.0 + 3_600)
        errors: list[BaseException] = []

        def run() -> None:
            engine = wh.connect(url, migrate=False)
            try:
                intake.run_intake(ws, engine, settle_seconds=0)
            except BaseException as e:  # noqa: BLE001 - reported by the test below
                errors.append(e)
            finally:
                engine.dispose()

        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=600)
        assert errors == [] and not any(t.is_alive() for t in threads)
        engine = wh.connect(url, migrate=False)
        try:
            with Session(engine) as s:
                subs = s.scalars(select(wh.Submission)).all()
                paths = [x.inbox_path for x in subs]
                assert len(paths) == len(set(paths)) == len(entries) + 2  # each file once
                assert all(x.status != wh.RECEIVED and x.receipt_path for x in subs)
                by_unit = {x.unit_code: x.status for x in subs if x.unit_code != "410304"}
                assert by_unit == {OTHER_UNIT: wh.ACCEPTED, THIRD_UNIT: wh.ACCEPTED}
                for x in subs:
                    for v in x.projects or []:
                        for c in wh.FINITE_COLUMNS:
                            n = getattr(v, c)
                            assert n is None or math.isfinite(float(n))
        finally:
            engine.dispose()
