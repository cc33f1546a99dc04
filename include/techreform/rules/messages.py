"""A broken row rule as a finding: the rule's message with the county's own cell put in."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pandas as pd

from techreform.reference import schema
from techreform.reference.periods import month_text
from techreform.rules import code_messages
from techreform.rules.book import Rule
from techreform.rules.findings import Finding


def format_message(rule: Rule, row: dict[str, Any], headers: dict[str, str]) -> str:
    """The rule's message for one row: the cell's own value and header put in."""
    value = _shown(rule, rule.field, row)
    other = _shown(rule, rule.other, row) if rule.other else ""
    values = {
        "header": headers.get(rule.field) or _schema_header(rule),
        "value": value,
        "other_header": headers.get(rule.other or "", "") or _schema_header(rule, rule.other),
        "other": other,
    }
    template = rule.message
    code = row.get(rule.field)
    if code_messages.is_code_rule(rule.expectation) and isinstance(code, str) and code:
        error = code_messages.code_error(rule.expectation, code)
        if error is not None:  # one message for what the code's standard found wrong
            template = code_messages.message_template(dict(rule.messages), error, rule.message)
            values.update(code_messages.details(rule.expectation, code))
    return re.sub(r"\{(\w+)\}", lambda m: str(values.get(m.group(1), m.group(0))), template)


def _shown(rule: Rule, name: str, row: dict[str, Any]) -> str:
    """A cell for a message: numbers and months as understood (in 万元), text as written."""
    fields = schema.PROJECT_FIELD if rule.sheet == schema.PROJECT_SHEET else schema.RECOGNITION_FIELD
    f = fields.get(name)
    value = row.get(name)
    if f is not None and f.kind == "month" and value is not None and not pd.isna(value):
        return month_text(int(value))
    if (
        (f is None or f.kind in ("amount", "pct", "int"))
        and isinstance(value, int | float)
        and not pd.isna(value)
    ):
        return f"{value:,.2f}".rstrip("0").rstrip(".") if f and f.kind == "amount" else f"{value:g}"
    return _display(row.get(f"{name}__raw", value))


def _schema_header(rule: Rule, name: str | None = None) -> str:
    fields = schema.PROJECT_FIELD if rule.sheet == schema.PROJECT_SHEET else schema.RECOGNITION_FIELD
    f = fields.get(name or rule.field)
    return f.header if f else ""


def _display(value: Any) -> str:
    """A cell as the county wrote it: 12345678 stays 12345678, not 1.23457e+07."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%Y-%m")
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(value, ".15g")
    return str(value).strip()


def make_finding(
    rule: Rule, row: dict[str, Any], sheet_name: str, headers: dict[str, str], col_index: int | None
) -> Finding:
    return Finding(
        rule_id=rule.id,
        severity=rule.severity,
        message=format_message(rule, row, headers),
        sheet=sheet_name,
        row=row.get("_row"),
        field=rule.field,
        column=headers.get(rule.field) or _schema_header(rule),
        col_index=col_index,
        value=_display(row.get(f"{rule.field}__raw", row.get(rule.field))) or None,
    )
