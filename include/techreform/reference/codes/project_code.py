"""投资项目统一代码 (national investment project code).

Since 2017 every investment project filed (备案), approved (核准) or authorised (审批) through the
national online platform for investment projects (全国投资项目在线审批监管平台) gets one code for
its whole life, written in five groups of digits separated by hyphens::

    2025-410304-34-03-107856
    ^^^^ ^^^^^^ ^^ ^^ ^^^^^^
    year of filing
         GB/T 2260 division of the authority that took the project in
                industry (two digits)
                   kind of procedure (01 审批, 02 核准, 03 备案)
                      serial number

20 digits in all. The division is checked against GB/T 2260 as it ever was (an old code keeps the
division of its year: ``gb2260``); ``extra_divisions`` adds codes a profile knows of that the table
lacks. Hyphens of any width (－, –, —) are the same hyphen.

>>> validate('2025-410304-34-03-107856')
'2025-410304-34-03-107856'
>>> validate(' 2025－410304－34－03－107856 ')
'2025-410304-34-03-107856'
>>> division('2025-410304-34-03-107856'), year('2025-410304-34-03-107856')
('410304', 2025)
>>> validate('2025410304340310785')
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidLength: a project code has 20 digits, got 19
>>> validate('20254103043403107856')  # the digits are right, the hyphens are missing
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidFormat: a project code is written 4-6-2-2-6 digits
>>> validate('2025-410304-34-03-10785A')
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidFormat: a project code has only digits and hyphens
>>> validate('2025-999999-34-03-107857')
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidComponent: 999999 is not a GB/T 2260 division
>>> validate('2025-999999-34-03-107857', extra_divisions=frozenset({'999999'}))
'2025-999999-34-03-107857'
>>> format('20254103043403107856')
'2025-410304-34-03-107856'
>>> is_valid('2017-110103-34-03-000001')  # 崇文区, retired in 2010: the table keeps it
True
"""

from __future__ import annotations

import re
from collections.abc import Collection

from stdnum.exceptions import InvalidComponent, InvalidFormat, InvalidLength, ValidationError

from techreform.reference.codes import gb2260

GROUPS = (4, 6, 2, 2, 6)
DIGITS = sum(GROUPS)
_PATTERN = re.compile("-".join(rf"(\d{{{n}}})" for n in GROUPS))
_HYPHENS = re.compile(r"[‐‑‒–—―−－]")


def compact(number: str) -> str:
    """The code without spaces, every kind of hyphen written ``-``."""
    return _HYPHENS.sub("-", "".join(str(number).split()))


def validate(number: str, extra_divisions: Collection[str] = frozenset()) -> str:
    """Check the characters, the 20 digits, the 4-6-2-2-6 groups and the division; return it compacted."""
    number = compact(number)
    if not re.fullmatch(r"[0-9-]*", number):
        raise InvalidFormat("a project code has only digits and hyphens")
    digits = number.replace("-", "")
    if len(digits) != DIGITS:
        raise InvalidLength(f"a project code has {DIGITS} digits, got {len(digits)}")
    m = _PATTERN.fullmatch(number)
    if not m:
        raise InvalidFormat("a project code is written 4-6-2-2-6 digits")
    if m.group(2) not in extra_divisions and not gb2260.is_valid(m.group(2)):
        raise InvalidComponent(f"{m.group(2)} is not a GB/T 2260 division")
    return number


def is_valid(number: str | None, extra_divisions: Collection[str] = frozenset()) -> bool:
    """Whether the number is a valid project code."""
    try:
        return bool(validate(number or "", extra_divisions))
    except ValidationError:
        return False


def division(number: str) -> str:
    """The GB/T 2260 division (second group) of a well-formed code."""
    return compact(number).split("-")[1]


def year(number: str) -> int:
    """The year of filing (first group) of a well-formed code."""
    return int(compact(number)[:4])


def format(number: str) -> str:
    """The code in its groups, ``2025-410304-34-03-107856``, from its 20 digits however separated."""
    digits = re.sub(r"\D", "", compact(number))
    parts, i = [], 0
    for n in GROUPS:
        parts.append(digits[i : i + n])
        i += n
    return "-".join(parts)
