"""The national codes' checks as the rules run them, and what the county is told when one fails.

The codes package (``techreform.reference.codes``) tells *what* is wrong with a code by the class of
the stdnum exception it raises. The words for the county live with the rules: each code rule of
return_rules.yaml has ``messages``, exception class name → Chinese message, which may use, besides
``{header}`` and ``{value}``:

  {length}    the code's length as counted by its standard (characters, or digits of a project code)
  {position}  the 1-based position of the first character that may not stand where it is
  {char}      that character
  {division}  the second group of a project code

A class missing from ``messages`` falls back on its base class (``InvalidLength`` is an
``InvalidFormat``), then on the rule's ``message``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from functools import lru_cache

from stdnum.exceptions import ValidationError

from techreform.reference.codes import gb4754, project_code, uscc

USCC = "expect_column_values_to_be_valid_uscc"
PROJECT_CODE = "expect_column_values_to_be_valid_project_code"
INDUSTRY = "expect_column_values_to_be_industrial_division"

_CHECKS: dict[str, Callable[[str, Collection[str]], str]] = {
    USCC: lambda v, extra: uscc.validate(v),
    PROJECT_CODE: project_code.validate,
    INDUSTRY: lambda v, extra: gb4754.validate(v),
}


def is_code_rule(expectation: str) -> bool:
    return expectation in _CHECKS


@lru_cache(maxsize=1 << 16)  # an enterprise's code recurs in every quarter's return
def code_error(
    expectation: str, value: str, extra_divisions: frozenset[str] = frozenset()
) -> ValidationError | None:
    """The exception the code's standard raises for the value, or None when the value is valid."""
    try:
        _CHECKS[expectation](value, extra_divisions)
    except ValidationError as e:
        return e
    return None


def details(expectation: str, value: str) -> dict[str, str]:
    """The placeholders a code message may use, for an invalid value."""
    out: dict[str, str] = {}
    if expectation == USCC:
        out["length"] = str(len(uscc.compact(value)))
        bad = uscc.first_invalid_character(value)
        if bad:
            out["position"], out["char"] = str(bad[0]), bad[1]
    elif expectation == PROJECT_CODE:
        compact = project_code.compact(value)
        out["length"] = str(sum(c.isdigit() for c in compact))
        groups = compact.split("-")
        out["division"] = groups[1] if len(groups) > 1 else ""
    elif expectation == INDUSTRY:
        out["length"] = str(len(gb4754.compact(value)))
    return out


def message_template(messages: Mapping[str, str], error: ValidationError, default: str) -> str:
    """The message for the exception's class, or for its nearest base class listed, or ``default``."""
    for cls in type(error).__mro__:
        if cls.__name__ in messages:
            return messages[cls.__name__]
    return default
