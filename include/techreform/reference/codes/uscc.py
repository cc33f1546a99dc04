"""统一社会信用代码 (Unified Social Credit Code, GB 32100-2015).

Every legal person and other organisation in China has one 18-character code, printed on its
business licence (营业执照). The characters are digits and upper-case letters, except I, O, Z, S
and V (too easily read as 1, 0, 2, 5 and U):

* position 1: the registration authority (登记管理部门), 9 for 市场监管 (enterprises), 1 for 机构编制,
  5 for 民政, Y for others, ...;
* position 2: the kind of organisation (机构类别); enterprises are 91 (company), 92 (individual
  business) or 93 (farmers' cooperative);
* positions 3–8: the GB/T 2260 division of the registration authority (digits only);
* positions 9–17: the organisation's identifier (主体标识码, the former GB 11714 organisation code);
* position 18: the check character, ISO 7064 MOD 31-3 over the first 17 (computed by
  ``stdnum.cn.uscc``).

The registration division is not checked against GB/T 2260: national registrations use 100000 and
the code keeps the division of the day of registration.

Letters may be written in lower case: ``compact`` upper-cases them, as the licence prints them.
``validate`` raises ``InvalidFormat`` for a character that may not stand where it is (see
``first_invalid_character``), ``InvalidLength`` for another length than 18, ``InvalidChecksum`` for
a wrong check character.

More information:

* GB 32100-2015 法人和其他组织统一社会信用代码编码规则
* https://zh.wikipedia.org/wiki/统一社会信用代码

>>> validate('91110000600037341L')
'91110000600037341L'
>>> validate('9141030424bu4jr96f')  # lower-case letters are the same code
'9141030424BU4JR96F'
>>> validate('9141 0304 24BU-4JR9 6F')
'9141030424BU4JR96F'
>>> division('9141030424BU4JR96F')
'410304'
>>> validate('9141030424BU4JR96A')
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidChecksum: the check character (position 18) should be F, not A
>>> validate('91410304MA44XXXX')
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidLength: a credit code has 18 characters, got 16
>>> validate('9141030424BU4JRO6F')  # the letter O, not the digit 0
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidFormat: 'O' at position 16 is not allowed there
>>> first_invalid_character('9141030424BU4JRO6F')
(16, 'O')
>>> validate('91A1030424BU4JR96F')  # positions 3-8 are a division code: digits only
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidFormat: 'A' at position 3 is not allowed there
>>> first_invalid_character('91410304MA44XXXX号')  # a character never used in a credit code
(17, '号')
>>> first_invalid_character('914103BU4JR96F') is None  # too short: letters may just be shifted
True
>>> is_valid('9141030424BU4JR96F'), is_valid('9141030424BU4JR96A'), is_valid(None)
(True, False, False)
"""

from __future__ import annotations

from stdnum.cn import uscc as _stdnum
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError

LENGTH = 18
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # digits and letters but I, O, Z, S, V
DIVISION = slice(2, 8)  # positions 3–8


def compact(number: str) -> str:
    """The code without spaces and hyphens, letters in upper case."""
    return "".join(str(number).replace("-", "").split()).upper()


def calc_check_digit(number: str) -> str:
    """The check character (position 18) of the first 17 characters."""
    return _stdnum.calc_check_digit(compact(number)[:17])


def first_invalid_character(number: str) -> tuple[int, str] | None:
    """(1-based position, character) of the first character that may not stand where it is.

    A character outside the alphabet is wrong anywhere; a letter in positions 3–8 (the division)
    only when the code has its 18 characters, else the characters may just be shifted.
    """
    number = compact(number)
    for i, c in enumerate(number):
        if c not in ALPHABET:
            return i + 1, c
    if len(number) == LENGTH:
        for i in range(DIVISION.start, DIVISION.stop):
            if not number[i].isdigit():
                return i + 1, number[i]
    return None


def validate(number: str) -> str:
    """Check the characters, the length and the check character; return the code compacted."""
    number = compact(number)
    bad = first_invalid_character(number)
    if bad:
        raise InvalidFormat(f"{bad[1]!r} at position {bad[0]} is not allowed there")
    if len(number) != LENGTH:
        raise InvalidLength(f"a credit code has {LENGTH} characters, got {len(number)}")
    check = _stdnum.calc_check_digit(number[:17])  # compacted above: stdnum's own compact only
    if number[-1] != check:
        raise InvalidChecksum(f"the check character (position 18) should be {check}, not {number[-1]}")
    return number


def is_valid(number: str | None) -> bool:
    """Whether the number is a valid credit code."""
    try:
        return bool(validate(number or ""))
    except ValidationError:
        return False


def division(number: str) -> str:
    """The division of the registration authority (positions 3–8)."""
    return compact(number)[DIVISION]


def format(number: str) -> str:
    """The code as printed on the licence: 18 characters, no separators."""
    return compact(number)
