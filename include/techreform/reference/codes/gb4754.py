"""GB/T 4754-2017 (国民经济行业分类, Industrial classification for national economic activities).

The classification has four levels: section (门类, a letter), division (大类, two digits), group
(中类, three digits) and class (小类, four digits); a group or class code starts with the digits of
its division. The return asks for the division of 工业 (industry), which spans three sections:

* B 采矿业 (mining), divisions 06–12,
* C 制造业 (manufacturing), divisions 13–43,
* D 电力、热力、燃气及水生产和供应业 (utilities), divisions 44–46.

Only these 41 divisions are valid here (``reference/data/gbt4754_2017_industrial_divisions.csv``):
05 (专业及辅助性活动 of agriculture) or 52 (零售业) are divisions of GB/T 4754 but not of 工业.
Turning ``C34`` or ``3411`` into ``34`` is left to the reading of the return (returns.cells).

More information:

* GB/T 4754-2017 国民经济行业分类 (with amendment No. 1, 2019)
* https://www.stats.gov.cn/xxgk/tjbz/gjtjbz/

>>> validate('34')
'34'
>>> name('34')
'通用设备制造业'
>>> section('06'), section('46')
('B 采矿业', 'D 电力、热力、燃气及水生产和供应业')
>>> validate('3')
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidLength: an industrial division has 2 digits, got 1
>>> validate('C3')
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidFormat: an industrial division has only digits
>>> validate('52')
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidComponent: 52 is not a division of 工业 (06-46)
>>> is_valid('05'), is_valid('13'), is_valid('47')
(False, True, False)
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

from stdnum.exceptions import InvalidComponent, InvalidFormat, InvalidLength, ValidationError

DATA_FILE = "gbt4754_2017_industrial_divisions.csv"


@cache
def _table() -> dict[str, tuple[str, str]]:
    path = resources.files("techreform.reference").joinpath("data", DATA_FILE)
    with path.open(encoding="utf-8-sig") as f:
        return {r["code"]: (r["name"], r["section"]) for r in csv.DictReader(f)}


def divisions() -> dict[str, str]:
    """The industrial divisions, code → name, in code order."""
    return {code: name for code, (name, _) in _table().items()}


def compact(number: str) -> str:
    """The code without surrounding or inner spaces."""
    return "".join(str(number).split())


def validate(number: str) -> str:
    """Check that the number is a GB/T 4754-2017 division of 工业; return it compacted."""
    number = compact(number)
    if not number.isascii() or not number.isdigit():
        raise InvalidFormat("an industrial division has only digits")
    if len(number) != 2:
        raise InvalidLength(f"an industrial division has 2 digits, got {len(number)}")
    if number not in _table():
        raise InvalidComponent(f"{number} is not a division of 工业 (06-46)")
    return number


def is_valid(number: str | None) -> bool:
    """Whether the number is a GB/T 4754-2017 division of 工业."""
    try:
        return bool(validate(number or ""))
    except ValidationError:
        return False


def name(number: str) -> str | None:
    """The division's name, or None when it is not an industrial division."""
    entry = _table().get(compact(number))
    return entry[0] if entry else None


def section(number: str) -> str | None:
    """The section (门类) of an industrial division, e.g. ``C 制造业``."""
    entry = _table().get(compact(number))
    return entry[1] if entry else None
