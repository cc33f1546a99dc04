"""GB/T 2260 (中华人民共和国行政区划代码, administrative division codes of China).

A division code has six digits: two for the province (省级), two for the prefecture (地级) and two
for the county (县级); a province ends in 0000 and a prefecture in 00. Divisions are created,
merged and renamed every year, and a retired code may come back for another place later.

The table shipped in ``reference/data/gb2260_divisions.csv`` holds every code in force at some
time from 1981 to 2025 (retired ones included), because a project code filed years ago keeps the
division of its year of filing, and a credit code keeps the division of its registration.

More information:

* GB/T 2260-2007 中华人民共和国行政区划代码
* https://www.mca.gov.cn/ (民政部, yearly lists of division codes)

>>> validate('410304')
'410304'
>>> name('410304')
'瀍河回族区'
>>> validate(' 410 304 ')
'410304'
>>> validate('110103')  # 崇文区, merged into 东城区 in 2010: still a GB/T 2260 code
'110103'
>>> is_current('110103'), is_current('110101')
(False, True)
>>> validate('41030')
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidLength: a division code has 6 digits, got 5
>>> validate('41O304')
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidFormat: a division code has only digits
>>> validate('999999')
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidComponent: 999999 is not a GB/T 2260 division
>>> is_valid('410304'), is_valid('410399'), is_valid(None)
(True, False, False)
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

from stdnum.exceptions import InvalidComponent, InvalidFormat, InvalidLength, ValidationError

DATA_FILE = "gb2260_divisions.csv"


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: str  # province | prefecture | county
    parent_code: str | None
    current: bool  # still in force (else retired in end_year)
    start_year: int
    end_year: int | None


@cache
def divisions() -> dict[str, Division]:
    """Every division code that was ever in force, code → Division."""
    path = resources.files("techreform.reference").joinpath("data", DATA_FILE)
    with path.open(encoding="utf-8") as f:
        return {
            r["code"]: Division(
                code=r["code"],
                name=r["name"],
                level=r["level"],
                parent_code=r["parent_code"] or None,
                current=r["status"] == "active",
                start_year=int(r["start_year"]),
                end_year=int(r["end_year"]) if r["end_year"] else None,
            )
            for r in csv.DictReader(f)
        }


def compact(number: str) -> str:
    """The code without surrounding or inner spaces."""
    return "".join(str(number).split())


def validate(number: str) -> str:
    """Check that the number is a GB/T 2260 division code; return it compacted."""
    number = compact(number)
    if not number.isascii() or not number.isdigit():
        raise InvalidFormat("a division code has only digits")
    if len(number) != 6:
        raise InvalidLength(f"a division code has 6 digits, got {len(number)}")
    if number not in divisions():
        raise InvalidComponent(f"{number} is not a GB/T 2260 division")
    return number


def is_valid(number: str | None) -> bool:
    """Whether the number is a GB/T 2260 division code (current or retired)."""
    try:
        return bool(validate(number or ""))
    except ValidationError:
        return False


def is_current(number: str) -> bool:
    """Whether the division is still in force (a valid code that was not retired)."""
    d = divisions().get(compact(number))
    return d is not None and d.current


def name(number: str) -> str | None:
    """The division's name (the latest under this code), or None for an unknown code."""
    d = divisions().get(compact(number))
    return d.name if d else None
