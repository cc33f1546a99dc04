"""Reporting periods (``2026Q3``), months, and the working-day deadline of a quarter."""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from functools import lru_cache

import chinese_calendar

log = logging.getLogger(__name__)

PERIOD_RE = re.compile(r"^(\d{4})Q([1-4])$")
_CN_DIGIT = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
# 2026Q3, 2026-Q3, 2026q3 / 2026年第三季度, 2026年第3季度, 2026年三季度, 2026第3季度 /
# 2026年1-9月, 2026年前三季度, 2026年上半年 (year to date, as statistics forms name their periods),
# 2026年Q3, 2026年度第三季度. A bare "2026年3月" or a
# date like 20261005 names no quarter.
_NAME_PATTERNS = (
    re.compile(r"(?<!\d)(20\d{2})\s*(?:年度?)?\s*[-_ ]?\s*[Qq]\s*([1-4])(?!\d)"),
    re.compile(r"(?<!\d)(20\d{2})\s*(?:年度?\s*第?|第|年度?\s*前)\s*([1-4一二三四])\s*个?季"),
)
# 26Q3, 26年第三季度, 26年Q3: a two-digit year (this century), tried only when no four-digit one is there
_SHORT_YEAR_PATTERNS = (
    re.compile(r"(?<![\dA-Za-z])([1-4]\d)\s*(?:年度?)?\s*[-_ ]?\s*[Qq]\s*([1-4])(?!\d)"),
    re.compile(r"(?<!\d)([1-4]\d)\s*年度?\s*(?:第|前)?\s*([1-4一二三四])\s*个?季"),
)
_YTD_PATTERN = re.compile(r"(?<!\d)(20\d{2})\s*年?\s*(?:1|一)\s*[-—–~～至到]\s*(3|6|9|12)\s*月")
_HALF_YEAR = re.compile(r"(?<!\d)(20\d{2})\s*年度?\s*上半年")


@dataclass(frozen=True, order=True)
class Period:
    year: int
    quarter: int

    @classmethod
    def parse(cls, text: str) -> Period:
        m = PERIOD_RE.match(text.strip())
        if not m:
            raise ValueError(f"报告期应写作 2026Q3 的形式，收到 {text!r}")
        return cls(int(m.group(1)), int(m.group(2)))

    def __str__(self) -> str:
        return f"{self.year}Q{self.quarter}"

    @property
    def label(self) -> str:
        return f"{self.year}年第{'一二三四'[self.quarter - 1]}季度"

    @property
    def end_month(self) -> int:
        """Month index (year*12 + month-1) of the quarter's last month."""
        return self.year * 12 + self.quarter * 3 - 1

    @property
    def end_date(self) -> dt.date:
        m = self.quarter * 3
        nxt = dt.date(self.year + (m == 12), m % 12 + 1, 1)
        return nxt - dt.timedelta(days=1)

    def previous(self) -> Period:
        return Period(self.year, self.quarter - 1) if self.quarter > 1 else Period(self.year - 1, 4)

    def deadline(self, working_days: int = 5) -> dt.date:
        """The Nth working day after the quarter ends (holidays and adjusted workdays observed)."""
        d, n = self.end_date, 0
        while n < working_days:
            d += dt.timedelta(days=1)
            if _is_workday(d):
                n += 1
        return d


@lru_cache(maxsize=4096)  # every return of a quarter asks about the same days
def _is_workday(d: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(d)
    except NotImplementedError:  # a year the calendar has not been given yet
        return d.weekday() < 5 and d not in _foreseeable_holidays(d.year)


@lru_cache(maxsize=16)
def _foreseeable_holidays(year: int) -> frozenset[dt.date]:
    """The holidays of a year the State Council has not yet published: those fixed by the calendar
    and the ones that fall near a quarter's deadline (元旦, 清明, 劳动节, the National Day week).
    The make-up working days are not known in advance, so a deadline may come a day late."""
    log.info(  # an operator's matter, not a county's: the product keeps working
        "chinesecalendar 尚无 %d 年的节假日安排：截止日只按可预见的节假日计算，"
        "国务院公布后请更新 chinesecalendar",
        year,
    )
    days = {dt.date(year, 1, 1), dt.date(year, 5, 1), dt.date(year, 5, 2)}
    days |= {dt.date(year, 10, d) for d in range(1, 8)}
    days |= {
        day
        for day, name in chinese_calendar.get_solar_terms(dt.date(year, 4, 1), dt.date(year, 4, 10))
        if name == "清明"
    }
    return frozenset(days)


def last_ended(when: dt.datetime) -> Period:
    """The quarter that ended last at ``when``, by the local calendar (a scheduled run's period).
    An aware time is taken to the machine's zone first: 1 April 01:00 in Shanghai is already Q2
    there, though still 31 March in UTC."""
    local = when.astimezone() if when.tzinfo else when
    return Period(local.year, (local.month - 1) // 3 + 1).previous()


def period_from_name(name: str) -> Period | None:
    """The period written in a file name, if any (first match wins)."""
    for pat in _NAME_PATTERNS:
        m = pat.search(name)
        if m:
            return Period(int(m.group(1)), _CN_DIGIT[m.group(2)])
    m = _YTD_PATTERN.search(name)
    if m:
        return Period(int(m.group(1)), int(m.group(2)) // 3)
    m = _HALF_YEAR.search(name)
    if m:  # 上半年: the year to date at the end of Q2
        return Period(int(m.group(1)), 2)
    for pat in _SHORT_YEAR_PATTERNS:
        m = pat.search(name)
        if m:
            return Period(2000 + int(m.group(1)), _CN_DIGIT[m.group(2)])
    return None


def month_index(year: int, month: int) -> int:
    return year * 12 + month - 1


def month_text(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"
