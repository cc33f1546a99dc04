"""Cell values as counties write them: text, numbers, months and codes, normalised (DESIGN.md §3.1)."""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
import unicodedata
from functools import cache
from typing import Any

from techreform.reference.periods import month_index
from techreform.reference.schema import Field

log = logging.getLogger(__name__)


_BLANK_MARKERS = {"-", "—", "–", "/", "／", "--", "——", "－"}


_NO_CODE = {"无", "暂无", "待赋码", "无代码", "未赋码", "未备案"}


_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


_MONTH_SUFFIX = re.compile(r"\s*(份|初|中|底|末|上旬|中旬|下旬)$")


_MONTH_PATTERNS = (
    re.compile(
        r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(\s*[-/.]?\s*\d{1,2}\s*日?)?(\s+\d{1,2}:\d{2}(:\d{2})?)?$"
    ),
    re.compile(r"^(\d{4})(\d{2})$"),
    re.compile(r"^(\d{4})(\d{2})\d{2}$"),
)


# Excel stores dates as days since 1899-12-30; a month cell formatted as a number shows that.
_EXCEL_EPOCH = dt.date(1899, 12, 30)


# The earliest year a month of a project may be in: 1900 is Excel's day zero, not a start date.
MIN_YEAR = 1950
MAX_YEAR = 2100


# The largest number any field may hold: 10^12 万元 is ten thousand times China's yearly GDP, and
# anything beyond (1e308) is a typo or an attack that would overflow a Numeric column.
MAX_ABS_NUMBER = 1e12


def clean_text(value: Any) -> str | None:
    """A cell as text: full-width folded (NFKC), surrounding and zero-width spaces dropped."""
    if value is None or value == "":
        return None
    kind = type(value)
    if kind is str and value.isascii():  # the common cases, without the Unicode machinery
        return value.strip() or None
    if kind is float:
        if not math.isfinite(value):  # NaN, inf: not blank, a value that is no number
            return str(value)
        return str(int(value)) if value.is_integer() else str(value)
    if kind is int:
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    s = unicodedata.normalize("NFKC", str(value)).replace("\u200b", "").replace("\ufeff", "").strip()
    return s or None


def parse_number(value: Any) -> tuple[float | None, bool]:
    """(number, ok). Blank gives (None, True); text that is no number, and a number that is not
    finite or beyond ``MAX_ABS_NUMBER`` (NaN, inf, 1e308), gives (None, False)."""
    if value is None or value == "":
        return None, True
    if isinstance(value, bool):
        return None, False
    if isinstance(value, int | float):
        return _bounded(float(value))
    s = clean_text(value)
    if s is None or s in _BLANK_MARKERS:
        return None, True
    s = s.replace(",", "").replace(" ", "").replace("%", "").replace("\u2212", "-")
    if s.startswith("(") and s.endswith(")"):  # (100): a negative number, as accountants write it
        s = "-" + s[1:-1]
    if _NUMBER_RE.match(s):
        return _bounded(float(s))
    return None, False


def _bounded(n: float) -> tuple[float | None, bool]:
    if not math.isfinite(n) or abs(n) > MAX_ABS_NUMBER:
        return None, False
    return n, True


def parse_month(value: Any) -> tuple[int | None, bool]:
    """(month index year*12+month-1, ok). Accepts dates, 2025-03, 2025.3, 2025年3月, 202503, serials."""
    if value is None or value == "":
        return None, True
    if isinstance(value, dt.datetime | dt.date):
        if not MIN_YEAR <= value.year <= MAX_YEAR:  # 1900-01-00: Excel's day zero, a cell left at 0
            return None, False
        return month_index(value.year, value.month), True
    if isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, float) and not math.isfinite(value):
            return None, False
        if float(value).is_integer() and 19000101 <= value <= 21001231:  # 20250301
            value = int(value) // 100
        if float(value).is_integer() and 190001 <= value <= 210012:  # 202503
            y, m = divmod(int(value), 100)
            return (month_index(y, m), True) if 1 <= m <= 12 and MIN_YEAR <= y else (None, False)
        if (
            MIN_YEAR <= value < MAX_YEAR + 1 and not float(value).is_integer()
        ):  # 2025.3 typed into a number cell
            y, frac = divmod(round(value * 100), 100)
            m = frac // 10 if frac % 10 == 0 and frac >= 10 else frac  # 2025.1 → 1, 2025.12 → 12
            return (month_index(y, m), True) if 1 <= m <= 12 else (None, False)
        if 20000 <= value < 80000:  # an Excel serial date shown as a number (1954–2119)
            d = _EXCEL_EPOCH + dt.timedelta(days=int(value))
            return month_index(d.year, d.month), True
        return None, False
    s = clean_text(value)
    if s is None or s in _BLANK_MARKERS:
        return None, True
    s = _MONTH_SUFFIX.sub("", s.replace("T", " "))
    hit = re.fullmatch(r"(\d{2})\s*年\s*(\d{1,2})\s*月?", s)  # 25年3月
    if hit:
        s = f"20{hit.group(1)}-{hit.group(2)}"
    hit = re.fullmatch(r"(\d{1,2})\s*/\s*(\d{4})", s)  # 3/2025
    if hit:
        s = f"{hit.group(2)}-{hit.group(1)}"
    for pat in _MONTH_PATTERNS:
        hit = pat.match(s)
        if hit:
            y, mo = int(hit.group(1)), int(hit.group(2))
            if MIN_YEAR <= y <= MAX_YEAR and 1 <= mo <= 12:
                return month_index(y, mo), True
            return None, False
    if _NUMBER_RE.match(s):
        return parse_month(float(s))
    return None, False


_CODE_SPACE = re.compile(r"[\s\u3000]")
_CODE_DASH = re.compile(r"[‐‑‒–—―−－]")
_SPACES = re.compile(r"\s+")
_TRAILING_REMARK = re.compile(r"[（(].*[)）]$")
_YEAR_SUFFIX = re.compile(r"\s*年度?$")


@cache
def _values_of(f: Field) -> frozenset[str]:
    """A field's value list (``Field.enum``, a lookup in the rule book), once per field."""
    return frozenset(f.enum)


def normalize_code(value: Any) -> str | None:
    s = clean_text(value)
    if s is None:
        return None
    s = _CODE_SPACE.sub("", s)
    return _CODE_DASH.sub("-", s).upper()


def normalize_industry(value: Any) -> str | None:
    s = normalize_code(value)
    if s is None:
        return None
    if re.fullmatch(r"[A-Z]\d{2,4}", s):  # section letter written in front: C34
        s = s[1:]
    if re.fullmatch(r"\d", s):  # Excel dropped the leading zero of 06–09
        s = "0" + s
    if re.fullmatch(r"\d{3,4}", s):  # a group or class code: its first two digits are the division
        s = s[:2]
    return s


def convert(f: Field, raw: Any, text: str, factor: float) -> tuple[Any, bool]:
    """A cell converted to its field's type: (value, ok). ``text`` is the cell as ``clean_text``."""
    if f.kind in ("amount", "pct"):
        n, ok = parse_number(raw)
        if n is not None and f.kind == "amount" and factor != 1.0:
            n = round(n * factor, 6)  # 8128000 元 is 812.8 万元, not 812.8000000000001
        return n, ok
    if f.kind == "int":
        if f.name == "year" and isinstance(raw, str):
            raw = _YEAR_SUFFIX.sub("", raw.strip())  # 认定年份 "2026年"
        n, ok = parse_number(raw)
        if n is not None and not float(n).is_integer():
            return None, False
        return (int(n) if n is not None else None), ok
    if f.kind == "month":
        return parse_month(raw)
    if text in _BLANK_MARKERS or (f.kind == "code" and text in _NO_CODE):
        return None, True  # "—", "/", "无", "待赋码": nothing written (a required one is then missing)
    if f.name == "industry_code":
        return normalize_industry(text), True
    if f.kind == "code":
        return normalize_code(text), True
    if f.kind == "phone":
        return text, True
    if f.kind == "enum":
        text = _SPACES.sub("", text)
        values = _values_of(f)
        if values and text not in values:  # 国家级（工信部）, 续建（主体完工）: the listed value and a remark
            head = _TRAILING_REMARK.sub("", text)
            text = head if head in values else text
    return text, True
