"""techreform's Airflow plugin: the reporting calendar as a timetable.

``WorkingDayQuarterTimetable(working_days=7)`` fires once a quarter, on the N-th Chinese working
day after the quarter ends (statutory holidays and adjusted working days observed, through
``chinesecalendar``), at ``hour`` o'clock China time. A run's data interval is the quarter itself,
so the DAG reads its period from ``data_interval_start``. Custom timetables must be registered by a
plugin: the scheduler only deserialises timetables it finds here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pendulum
from airflow.plugins_manager import AirflowPlugin
from airflow.timetables.base import DagRunInfo, DataInterval, TimeRestriction, Timetable

from techreform.reference.periods import Period

ZONE = "Asia/Shanghai"


def quarter_of(when: dt.datetime) -> Period:
    local = pendulum.instance(when).in_timezone(ZONE)
    return Period(local.year, (local.month - 1) // 3 + 1)


class WorkingDayQuarterTimetable(Timetable):
    """Once a quarter, on the N-th working day after it ends (China's calendar)."""

    def __init__(
        self, working_days: int = 7, hour: int = 9, quarters: tuple[int, ...] = (1, 2, 3, 4)
    ) -> None:
        self.working_days = working_days
        self.hour = hour
        self.quarters = tuple(sorted(set(quarters)))  # e.g. (2, 4): after the half year and the year

    @property
    def summary(self) -> str:
        which = "" if self.quarters == (1, 2, 3, 4) else "、".join(f"Q{q}" for q in self.quarters)
        return f"{which}季度结束后第{self.working_days}个工作日 {self.hour:02d}:00"

    def serialize(self) -> dict[str, Any]:
        return {"working_days": self.working_days, "hour": self.hour, "quarters": list(self.quarters)}

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> Timetable:
        quarters = tuple(int(q) for q in data.get("quarters", (1, 2, 3, 4)))
        return cls(int(data.get("working_days", 7)), int(data.get("hour", 9)), quarters)

    def _after(self, period: Period) -> Period:
        nxt = Period(period.year, period.quarter + 1) if period.quarter < 4 else Period(period.year + 1, 1)
        while nxt.quarter not in self.quarters:
            nxt = Period(nxt.year, nxt.quarter + 1) if nxt.quarter < 4 else Period(nxt.year + 1, 1)
        return nxt

    def run_info(self, period: Period) -> DagRunInfo:
        start = pendulum.datetime(period.year, (period.quarter - 1) * 3 + 1, 1, tz=ZONE)
        end_date = period.end_date + dt.timedelta(days=1)
        end = pendulum.datetime(end_date.year, end_date.month, end_date.day, tz=ZONE)
        due = period.deadline(self.working_days)
        run_after = pendulum.datetime(due.year, due.month, due.day, self.hour, tz=ZONE)
        return DagRunInfo(run_after=run_after, data_interval=DataInterval(start=start, end=end))

    def infer_manual_data_interval(self, *, run_after: pendulum.DateTime) -> DataInterval:
        """A manual run works on the quarter that ended last."""
        info = self.run_info(quarter_of(run_after).previous())
        assert info.data_interval is not None
        return info.data_interval

    def next_dagrun_info(
        self, *, last_automated_data_interval: DataInterval | None, restriction: TimeRestriction
    ) -> DagRunInfo | None:
        if last_automated_data_interval is not None:
            nxt = self._after(quarter_of(last_automated_data_interval.start))
        else:
            earliest = restriction.earliest
            if earliest is None:
                return None
            if not restriction.catchup:
                earliest = max(earliest, pendulum.now(ZONE))
            # the first quarter whose run is due at or after the earliest allowed time
            nxt = self._after(quarter_of(earliest).previous().previous())
            while self.run_info(nxt).run_after < earliest:
                nxt = self._after(nxt)
        info = self.run_info(nxt)
        if restriction.latest is not None and info.run_after > restriction.latest:
            return None
        return info


class TechreformPlugin(AirflowPlugin):
    name = "techreform"
    timetables = [WorkingDayQuarterTimetable]
