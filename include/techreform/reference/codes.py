"""National codes used in the return, one small API per standard (after python-stdnum).

- 统一社会信用代码 (GB 32100-2015): ``stdnum.cn.uscc`` does the check character.
- 投资项目统一代码: ``YYYY-DDDDDD-II-TT-NNNNNN`` (or ``YYYYMM-…`` under GB/T 40058-2021),
  whose 6-digit middle segment is a GB/T 2260 division.
- GB/T 4754-2017 divisions of 工业 (06–46).
- GB/T 2260 divisions, current and retired (old project codes keep old divisions).
"""

from __future__ import annotations

import csv
import re
from functools import cache, lru_cache
from importlib import resources

from stdnum.cn import uscc as _uscc
from stdnum.exceptions import ValidationError

PROJECT_CODE_RE = re.compile(r"^\d{4}-(\d{6})-\d{2}-\d{2}-\d{6}$")


def _data(name: str):
    return resources.files("techreform.reference") / "data" / name


@cache
def divisions() -> dict[str, str]:
    """GB/T 2260 code → name, every code that was ever valid."""
    with _data("gb2260_divisions.csv").open(encoding="utf-8") as f:
        return {r["code"]: r["name"] for r in csv.DictReader(f)}


@cache
def industry_divisions() -> dict[str, str]:
    with _data("gbt4754_2017_industrial_divisions.csv").open(encoding="utf-8-sig") as f:
        return {r["code"]: r["name"] for r in csv.DictReader(f)}


def uscc_is_valid(code: str) -> bool:
    try:
        _uscc.validate(code)
    except ValidationError:
        return False
    return True


@lru_cache(maxsize=1 << 16)  # an enterprise's code recurs in every quarter's return
def uscc_problem(code: str) -> str | None:
    """Why a credit code is invalid, in Chinese, or None when it is valid."""
    c = _uscc.compact(code)
    if len(c) != 18:
        return f"应为18位，实际{len(c)}位"
    try:
        _uscc.validate(c)
    except ValidationError as e:
        if type(e).__name__ == "InvalidChecksum":
            return "校验位（第18位）不正确，请核对营业执照"
        return "含有不允许的字符或格式不正确"
    return None


def project_code_problem(code: str, extra_divisions: frozenset[str] = frozenset()) -> str | None:
    m = PROJECT_CODE_RE.match(code)
    if not m:
        return "格式应为 年份-6位行政区划代码-2位-2位-6位流水号，如 2025-410304-34-03-107856"
    if m.group(1) not in divisions() and m.group(1) not in extra_divisions:
        return f"中间6位“{m.group(1)}”不是有效的行政区划代码"
    return None


def industry_problem(code: str) -> str | None:
    if code not in industry_divisions():
        return "应为国民经济行业分类（GB/T 4754-2017）工业门类的两位大类代码（06–46）"
    return None
