"""The row rules run behind the reading, on chunks of returns (intake.ahead.RowRulesAhead): the
findings are those of one batch over all the returns, whatever the chunks."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from pandas.testing import assert_frame_equal

from techreform import warehouse as wh
from techreform.demo import generate_city
from techreform.intake.ahead import RowRulesAhead
from techreform.intake.files import Pending
from techreform.intake.validate import _frame, run_rules
from techreform.reference import profiles, schema
from techreform.reference.periods import Period
from techreform.returns import read_return
from techreform.workspace import Workspace
from tests.conftest import PROFILE_ID, UNIT, base_row, meta_for, write_return


@pytest.fixture(scope="module")
def returns(tmp_path_factory) -> list[tuple[Path, str, Period]]:
    """A small demo city's first quarter (the county's usual mistakes, resubmissions), and two
    returns of our own: one project code twice in one return, and that code again in another
    return (one finding, not three: a project code is unique within a return only)."""
    root = tmp_path_factory.mktemp("city")
    ws = Workspace(root)
    ws.create(PROFILE_ID)
    summary = generate_city(ws, profiles.load(PROFILE_ID), quarters=1, units=6, projects_per_unit=(6, 10))
    out = [(root / f["path"], f["unit"], Period.parse(f["period"])) for f in summary["files"]]
    period = Period(2026, 1)
    twice = write_return(root / "twice.xlsx", [base_row(0), base_row(1), base_row(0)], meta=meta_for())
    again = write_return(root / "again.xlsx", [base_row(0), base_row(5)], meta=meta_for())
    return [*out[:4], (twice.path, UNIT, period), *out[4:], (again.path, UNIT, period)]


def _pending(returns: list[tuple[Path, str, Period]]) -> list[Pending]:
    out = []
    for i, (path, unit, period) in enumerate(returns, start=1):
        parsed = read_return(path)
        sub = wh.Submission(id=100 + i, unit_code=unit, file_name=path.name)
        out.append(Pending(sub, parsed=parsed, period=period, findings=list(parsed.findings)))
    return out


def _findings(pending: list[Pending]) -> list[list[dict]]:
    return [[f.as_dict() for f in p.findings] for p in pending]


def _wait_for(predicate, what: str) -> None:
    deadline = time.monotonic() + 120  # (a bound for a hung thread, not a measure of speed)
    while not predicate():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


def _chunked(pending: list[Pending], validator, size: int) -> RowRulesAhead:
    """The rules on chunks of exactly ``size`` files (and the rest), as intake runs them."""
    with RowRulesAhead(validator, len(pending), least=size) as rules:
        for i, p in enumerate(pending, start=1):
            rules.add(p)
            if i % size == 0:  # the thread takes a chunk once it has ``size`` files: let it
                _wait_for(lambda i=i: rules.calls == i // size, f"chunk {i // size}")
        rules.finish(pending)
    return rules


def test_chunks_find_what_one_batch_finds(returns, validator):
    whole = _pending(returns)
    run_rules(whole, validator, "row")
    want = _findings(whole)
    rule_ids = {f["rule_id"] for fs in want for f in fs}
    assert "duplicate_code" in rule_ids and len(rule_ids) >= 4, rule_ids  # the returns break rules
    twice, again = want[4], want[-1]
    assert sum(f["rule_id"] == "duplicate_code" for f in twice) == 2  # the code's two rows
    assert not any(f["rule_id"] == "duplicate_code" for f in again)  # another return: no duplicate
    for size in (1, 3, len(returns) - 1):
        pending = _pending(returns)
        rules = _chunked(pending, validator, size)
        assert rules.calls == -(-len(returns) // size)
        assert _findings(pending) == want, size


def test_a_chunk_that_fails_leaves_nothing_and_the_rules_run_on_all_files_at_once(returns, validator):
    whole = _pending(returns)
    run_rules(whole, validator, "row")

    class FailsOnce:
        """The real validator, but its second batch fails (a rule engine's fault, not a file's)."""

        def __init__(self) -> None:
            self.frames: list[int] = []

        def failures(self, sheet, frame, stage="row"):
            self.frames.append(len(frame))
            if len(self.frames) == 2:
                raise RuntimeError("GX broke")
            return validator.failures(sheet, frame, stage)

    flaky = FailsOnce()
    pending = _pending(returns)
    with RowRulesAhead(flaky, len(pending), chunks=3) as rules:
        for p in pending:
            rules.add(p)
        rules.finish(pending)
    assert _findings(pending) == _findings(whole)
    # after the failure, the rows of every file in one frame per sheet (projects, recognitions)
    rows = sum(len(p.projects.rows) for p in pending if p.can_validate_rows)
    assert rows in flaky.frames[2:]


def test_no_file_with_rows_runs_no_thread(validator):
    pending = [Pending(wh.Submission(id=1, unit_code=UNIT, file_name="x.pdf"))]
    with RowRulesAhead(validator, 1) as rules:
        rules.add(pending[0])
        rules.finish(pending)
    assert rules._thread is None and pending[0].findings == []


def test_leaving_early_stops_the_thread_and_gives_the_switch_interval_back(returns, validator):
    before = sys.getswitchinterval()
    pending = _pending(returns)
    with pytest.raises(KeyboardInterrupt), RowRulesAhead(validator, len(pending), chunks=2) as rules:
        for p in pending[:3]:
            rules.add(p)
        assert sys.getswitchinterval() <= before
        raise KeyboardInterrupt
    assert rules._thread is not None and not rules._thread.is_alive()
    assert sys.getswitchinterval() == before


def test_a_frame_of_the_suites_columns_is_those_columns_of_the_whole_frame(returns, validator):
    pending = _pending(returns)
    rows = [
        {**row, "_rid": i, "_file": p.sub.id, "_period_end": 3}
        for p in pending
        for i, row in enumerate(p.projects.rows)
    ]
    only = validator.columns_for(schema.PROJECT_SHEET, "row")
    assert only is not None and len(only) < 3 * len(schema.PROJECT_FIELDS)
    whole = _frame(rows, schema.PROJECT_FIELDS)
    part = _frame(rows, schema.PROJECT_FIELDS, only)
    assert list(part.columns) == [c for c in whole.columns if c in only]
    assert_frame_equal(part, whole[list(part.columns)])
    assert validator.columns_for(schema.RECOGNITION_SHEET, "history") is None
