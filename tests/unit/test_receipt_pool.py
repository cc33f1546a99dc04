"""Receipts written by this process and helper processes (``receipt_pool``): the same bytes as one
process writes, every receipt recorded once its file is in place, a helper's failure the step's,
no helper and no half-written file left behind on any way out."""

from __future__ import annotations

from pathlib import Path

import psutil
import pytest

from techreform.rules.findings import WARNING, Finding
from techreform.workbooks import receipt_pool
from techreform.workbooks.receipt import receipt_file_name, write_receipt
from techreform.workbooks.receipt_pool import ReceiptJob, write_all
from tests.unit.test_receipts import FINDINGS, RECEIVED, _county_xls, _county_xlsx

WARNED = Finding("x", WARNING, "提示", sheet="项目表", row=4, col_index=3)
N = 12  # receipts of a test: over the threshold, which the tests lower


@pytest.fixture(autouse=True)
def _small_threshold(monkeypatch):
    monkeypatch.setattr(receipt_pool, "POOL_MIN_RECEIPTS", 4)


def _jobs(tmp_path: Path, out: str) -> list[ReceiptJob]:
    """Receipts of county files (.xlsx and .xls, with problem cells to mark), and one whose file
    could not be read."""
    src = tmp_path / "src"
    src.mkdir(exist_ok=True)
    jobs = []
    for i in range(N):
        source: Path | None = None
        if i % 4 != 3:
            make = _county_xls if i % 4 == 2 else _county_xlsx
            suffix = ".xls" if i % 4 == 2 else ".xlsx"
            source = src / f"4103{i:02d}_2026Q3{suffix}"
            if not source.exists():
                make(source)
        file_name = source.name if source else f"4103{i:02d}_2026Q3.xlsx"
        fields = dict(
            unit_code=f"4103{i:02d}",
            unit_name="老城区",
            file_name=file_name,
            period="2026Q3",
            status="rejected" if i % 2 else "accepted",
            received_at=RECEIVED,
            deadline=None,
            summary="摘要",
            findings=FINDINGS if i % 2 else [WARNED],
            source=source,
        )
        path = tmp_path / out / f"4103{i:02d}" / receipt_file_name(file_name, RECEIVED)
        jobs.append(ReceiptJob(path, fields))
    return jobs


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _helpers() -> list[psutil.Process]:
    return [
        p
        for p in psutil.Process().children(recursive=True)
        if "techreform.workbooks.receipt_pool" in " ".join(p.cmdline())
    ]


def test_two_processes_write_the_bytes_one_writes_each_recorded_once(tmp_path):
    alone: list[Path] = []
    write_all(_jobs(tmp_path, "one"), lambda j: alone.append(j.path), processes=1)
    seen: list[Path] = []
    pids: set[int] = set()

    def done(job: ReceiptJob) -> None:
        assert job.path.is_file()  # recorded only once in place
        seen.append(job.path)
        pids.update(h.pid for h in _helpers())

    jobs = _jobs(tmp_path, "two")
    write_all(jobs, done, processes=2)
    assert sorted(seen) == sorted(j.path for j in jobs) and len(set(seen)) == N
    assert len(pids) == 1  # one helper beside this process
    assert _files(tmp_path / "two") == _files(tmp_path / "one")
    assert len(_files(tmp_path / "two")) == N  # no temporary file left
    assert _helpers() == []


def test_below_the_threshold_no_helper_is_started(tmp_path, monkeypatch):
    monkeypatch.setattr(receipt_pool, "POOL_MIN_RECEIPTS", N + 1)
    helpers: list[int] = []
    write_all(_jobs(tmp_path, "out"), lambda j: helpers.append(len(_helpers())), processes=2)
    assert helpers == [0] * N


def test_a_receipt_failing_in_a_helper_fails_the_step_as_it_would_here(tmp_path):
    jobs = _jobs(tmp_path, "out")
    # a file where the receipt's folder should be: write_receipt cannot create it
    bad = jobs[1].path.parent
    bad.parent.mkdir(parents=True, exist_ok=True)
    bad.write_text("not a folder")
    with pytest.raises(FileExistsError) as here:
        write_receipt(jobs[1].path, **jobs[1].fields)
    done: list[Path] = []
    with pytest.raises(FileExistsError) as there:
        write_all(jobs, lambda j: done.append(j.path), processes=2)
    assert "in the receipt process" in "".join(getattr(there.value, "__notes__", []))
    assert str(there.value) == str(here.value)
    assert jobs[1].path not in done and all(p.is_file() for p in done)
    assert not list((tmp_path / "out").rglob(".*.receipt.part"))
    assert _helpers() == []


def test_a_helper_that_dies_fails_the_step_and_leaves_nothing_half_written(tmp_path):
    jobs = _jobs(tmp_path, "out")
    done: list[Path] = []

    def kill_the_helper(job: ReceiptJob) -> None:
        done.append(job.path)
        if len(done) == 1:
            for h in _helpers():
                h.kill()

    with pytest.raises(RuntimeError, match="回执写入进程意外退出"):
        write_all(jobs, kill_the_helper, processes=2)
    assert all(p.is_file() for p in done)
    assert not list((tmp_path / "out").rglob(".*.receipt.part"))
    assert _helpers() == []


def test_an_interrupt_here_stops_the_helpers_and_removes_their_temporary_files(tmp_path):
    jobs = _jobs(tmp_path, "out")
    done: list[Path] = []

    def interrupt(job: ReceiptJob) -> None:
        done.append(job.path)
        if len(done) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_all(jobs, interrupt, processes=2)
    assert _helpers() == []
    assert not list((tmp_path / "out").rglob(".*.receipt.part"))
    written = {p for p in (tmp_path / "out").rglob("*.xlsx")}
    assert set(done) <= written  # the rest are whole files (a rerun writes them again) or none
    # a rerun of what was not recorded writes the same files as an uninterrupted run
    write_all([j for j in jobs if j.path not in done], lambda j: None, processes=2)
    write_all(_jobs(tmp_path, "whole"), lambda j: None, processes=1)
    assert _files(tmp_path / "out") == _files(tmp_path / "whole")


def test_the_temporary_file_of_a_killed_helper_is_removed(tmp_path):
    """A helper killed while writing leaves its temporary file: stopping it removes that."""
    jobs = _jobs(tmp_path, "out")
    helper = receipt_pool._Helper()
    try:
        part = receipt_pool.part_path(jobs[0].path, helper.proc.pid)
        part.parent.mkdir(parents=True)
        part.write_bytes(b"half")  # as if it were writing jobs[0] when killed
        helper.sent.append(jobs[0])
        helper.proc.kill()
    finally:
        helper.stop()
    assert not part.exists()
    assert helper.proc.returncode is not None


def test_helpers_started_ahead_are_stopped_when_the_caller_fails_before_writing():
    with pytest.raises(ValueError), receipt_pool.Pool(2, N):
        assert len(_helpers()) == 1  # started at once: it imports while the caller gathers the jobs
        raise ValueError("the warehouse went away")
    assert _helpers() == []
    with receipt_pool.Pool(2, 1):  # one receipt pays for no helper
        assert _helpers() == []
