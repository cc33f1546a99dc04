"""The reporting calendar: the N-th Chinese working day after a quarter (real 2026 holidays)."""

from __future__ import annotations

import sys
from pathlib import Path

import pendulum
import pytest

sys.path.insert(
    0, str(Path(__file__).resolve().parents[2] / "plugins")
)  # as Airflow puts plugins/ on the path

from airflow.timetables.base import DataInterval, TimeRestriction  # noqa: E402
from techreform_plugin import WorkingDayQuarterTimetable  # noqa: E402

ZONE = "Asia/Shanghai"


def at(*args):
    return pendulum.datetime(*args, tz=ZONE)


@pytest.mark.parametrize(
    "quarter_start, n, due",
    [
        # Q3 2026 ends 30 Sep; 1–7 Oct is the National Day week; Sat 10 Oct is a make-up working day
        (at(2026, 7, 1), 1, at(2026, 10, 8, 9)),
        (at(2026, 7, 1), 3, at(2026, 10, 10, 9)),
        (at(2026, 7, 1), 5, at(2026, 10, 13, 9)),
        # Q1 2026 ends 31 Mar; 清明 (Sat 4 – Mon 6 Apr 2026) is a holiday: 1, 2, 3, 7, 8 April
        (at(2026, 1, 1), 5, at(2026, 4, 8, 9)),
    ],
)
def test_runs_on_the_nth_working_day_after_the_quarter(quarter_start, n, due):
    tt = WorkingDayQuarterTimetable(working_days=n)
    info = tt.next_dagrun_info(
        last_automated_data_interval=DataInterval(quarter_start.subtract(months=3), quarter_start),
        restriction=TimeRestriction(earliest=at(2025, 1, 1), latest=None, catchup=True),
    )
    assert info.run_after == due
    assert info.data_interval.start == quarter_start
    assert info.data_interval.end == quarter_start.add(months=3)


def test_the_first_run_after_the_start_date_and_a_manual_run():
    tt = WorkingDayQuarterTimetable(working_days=5)
    first = tt.next_dagrun_info(
        last_automated_data_interval=None,
        restriction=TimeRestriction(earliest=at(2026, 8, 15), latest=None, catchup=True),
    )
    assert first.data_interval.start == at(2026, 7, 1)  # Q3 2026, due 13 Oct
    manual = tt.infer_manual_data_interval(run_after=at(2026, 11, 2, 10))
    assert manual.start == at(2026, 7, 1) and manual.end == at(2026, 10, 1)


def test_round_trip_through_serialisation():
    tt = WorkingDayQuarterTimetable(working_days=6, hour=8)
    back = WorkingDayQuarterTimetable.deserialize(tt.serialize())
    assert (back.working_days, back.hour) == (6, 8)
    assert "第6个工作日" in back.summary
