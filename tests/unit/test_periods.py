"""Deadlines: the Nth working day after a quarter, Chinese public holidays and make-up days observed."""

from __future__ import annotations

import datetime as dt

import pytest

from techreform.reference.periods import Period


@pytest.mark.parametrize(
    ("period", "deadline"),
    [
        ("2026Q1", dt.date(2026, 4, 8)),  # 清明 4–6 April
        ("2026Q2", dt.date(2026, 7, 7)),
        ("2026Q3", dt.date(2026, 10, 13)),  # National Day 1–7 October, Saturday 10 October worked
        ("2025Q4", dt.date(2026, 1, 8)),  # 元旦 1–3 January, Sunday 4 January worked
    ],
)
def test_deadline_in_a_year_the_calendar_knows(period, deadline):
    assert Period.parse(period).deadline(5) == deadline


@pytest.mark.parametrize(
    ("period", "deadline"),
    [
        ("2026Q4", dt.date(2027, 1, 8)),  # 1 January 2027 is a Friday and a holiday
        ("2027Q1", dt.date(2027, 4, 8)),  # 清明 falls on Monday 5 April 2027
        ("2027Q3", dt.date(2027, 10, 14)),  # the National Day week
    ],
)
def test_deadline_in_a_year_not_yet_published_keeps_the_foreseeable_holidays(period, deadline):
    assert Period.parse(period).deadline(5) == deadline


@pytest.fixture
def shanghai(monkeypatch):
    import time

    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_the_quarter_that_ended_last_is_told_by_the_local_calendar(shanghai):
    from techreform.reference.periods import last_ended

    early_april_in_shanghai = dt.datetime(2026, 3, 31, 17, 0, tzinfo=dt.UTC)  # 1 April, 01:00 there
    assert last_ended(early_april_in_shanghai) == Period(2026, 1)
    assert last_ended(dt.datetime(2026, 3, 31, 23, 0)) == Period(2025, 4)  # a naive time is local
    assert last_ended(dt.datetime(2026, 1, 1, 0, 5)) == Period(2025, 4)
