"""Validation of returns from rules kept as data (return_rules.yaml).

- :mod:`techreform.rules.model` and :mod:`techreform.rules.book`: the rules file checked when loaded
  and its one reading (value lists, limits, field texts, row rules, file rules);
- :mod:`techreform.rules.suites`: the Great Expectations suites and their run over a batch;
- :mod:`techreform.rules.messages`: a broken row rule as a finding with the county's cell put in;
- :mod:`techreform.rules.findings`: the finding itself.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from techreform.rules.book import (
    RULES_FILE,
    Rule,
    RuleBook,
    RulesError,
    default_book,
    file_finding,
)

if TYPE_CHECKING:
    from techreform.rules.messages import format_message, make_finding
    from techreform.rules.suites import ROW_ID, Validator, load_rules, row_condition

# pandas (and, when a suite is built, GX) only for who validates or words a row's finding: the
# findings themselves and the rules' texts are needed by every step of intake.
_LAZY = {
    "format_message": "messages",
    "make_finding": "messages",
    "ROW_ID": "suites",
    "Validator": "suites",
    "load_rules": "suites",
    "row_condition": "suites",
}

__all__ = [
    "ROW_ID",
    "RULES_FILE",
    "Rule",
    "RuleBook",
    "RulesError",
    "Validator",
    "default_book",
    "file_finding",
    "format_message",
    "load_rules",
    "make_finding",
    "row_condition",
    "rule_title",
]


def rule_title(rule_id: str) -> str:
    """The short Chinese name of a rule (the receipt's 规则 column); the id if it has none."""
    return default_book().titles.get(rule_id) or rule_id


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{_LAZY[name]}"), name)
    globals()[name] = value
    return value
