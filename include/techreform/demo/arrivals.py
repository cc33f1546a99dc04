"""When and under which name a return arrives in the demo city (NOT the product): office hours
on Chinese working days, most offices in the last days before the deadline, a few late."""

from __future__ import annotations

import datetime as dt
import random

import chinese_calendar

from techreform.reference.periods import Period
from techreform.reference.profiles import Unit


def _is_workday(d: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(d)
    except NotImplementedError:  # beyond the calendar's years: weekdays only
        return d.weekday() < 5


def _next_workday(d: dt.date) -> dt.date:
    while not _is_workday(d):
        d += dt.timedelta(days=1)
    return d


def _office_time(rng: random.Random, d: dt.date) -> dt.datetime:
    """Some time in office hours (8:30–18:00) of working day d."""
    return dt.datetime.combine(d, dt.time(8, 30)) + dt.timedelta(minutes=rng.randint(0, 570))


def later(rng: random.Random, t: dt.datetime, lo_h: float, hi_h: float) -> dt.datetime:
    """A resubmission some hours after t, in office hours."""
    t2 = t + dt.timedelta(minutes=rng.randint(int(lo_h * 60), int(hi_h * 60)))
    if _is_workday(t2.date()) and dt.time(8, 30) <= t2.time() <= dt.time(18, 0):
        return t2
    d = t2.date() if t2.time() < dt.time(8, 30) else t2.date() + dt.timedelta(days=1)
    return dt.datetime.combine(_next_workday(d), dt.time(8, 30)) + dt.timedelta(minutes=rng.randint(0, 120))


def first_arrival(rng: random.Random, period: Period, deadline: dt.date, late: bool) -> dt.datetime:
    if late:  # a week or three after the quarter, past the deadline
        d = period.end_date + dt.timedelta(days=rng.randint(12, 24))
        return _office_time(rng, _next_workday(max(d, deadline + dt.timedelta(days=1))))
    days, d = [], period.end_date
    while d < deadline:
        d += dt.timedelta(days=1)
        if _is_workday(d):
            days.append(d)
    # most offices send in the last days before the deadline
    return _office_time(rng, rng.choices(days, [i + 1 for i in range(len(days))])[0])


def file_name(unit: Unit, period: Period, version: int, style: str, ext: str) -> str:
    """A return's file name in one of the offices' styles (code | name_digit | name_cn)."""
    if style == "code":
        return f"{unit.code}_{period}_技改项目季报_v{max(version, 1)}{ext}"
    label = f"{period.year}年第{period.quarter}季度" if style == "name_digit" else period.label
    return f"{unit.name}{label}技改项目季报{'' if version <= 1 else f'_v{version}'}{ext}"
