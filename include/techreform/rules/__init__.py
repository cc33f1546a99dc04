"""Validation of returns from rules kept as data (return_rules.yaml).

- :mod:`techreform.rules.model` and :mod:`techreform.rules.book`: the rules file checked when loaded
  and its one reading (value lists, limits, field texts, row rules, file rules);
- :mod:`techreform.rules.suites`: the Great Expectations suites and their run over a batch;
- :mod:`techreform.rules.messages`: a broken row rule as a finding with the county's cell put in;
- :mod:`techreform.rules.findings`: the finding itself.
"""

from __future__ import annotations

from techreform.rules.book import (
    RULES_FILE,
    Rule,
    RuleBook,
    RulesError,
    default_book,
    file_finding,
)
from techreform.rules.messages import format_message, make_finding
from techreform.rules.suites import ROW_ID, Validator, load_rules, row_condition

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
