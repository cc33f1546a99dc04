"""Validation of returns with Great Expectations, from rules kept as data (return_rules.yaml).

One run validates many returns at once: the rows of every return in a batch go into one
DataFrame with a row id, a file key and the Excel row number, so the fixed cost of GX is paid
once per batch instead of once per file. Each expectation carries its rule id, severity, field
and Chinese message in ``meta``; failing row ids are mapped back to sheet, row and cell.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import pandas as pd
import yaml

from techreform.reference import schema
from techreform.reference.periods import month_text
from techreform.reference.profiles import Profile
from techreform.rules import code_messages
from techreform.rules.findings import FILE_RULE_TITLES, Finding

RULES_FILE = "return_rules.yaml"
ROW_ID = "_rid"


@dataclass(frozen=True)
class Rule:
    id: str
    sheet: str
    field: str
    severity: str
    expectation: str
    kwargs: dict[str, Any]
    message: str
    other: str | None = None
    stage: str = "row"  # "history": compares with earlier returns, run after those are decided
    title: str = ""  # short Chinese name, for the receipt
    # code rules: (exception class name, message) for each kind of invalid code (code_messages)
    messages: tuple[tuple[str, str], ...] = ()


def _fill(value: Any, params: dict[str, Any]) -> Any:
    """Put profile values into a rule: a lone "{name}" keeps its type (a list stays a list)."""
    if isinstance(value, str):
        m = re.fullmatch(r"\{(\w+)\}", value)
        if m and m.group(1) in params:
            return params[m.group(1)]
        return re.sub(r"\{(\w+)\}", lambda m: str(params.get(m.group(1), m.group(0))), value)
    if isinstance(value, list):
        return [_fill(v, params) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, params) for k, v in value.items()}
    return value


def profile_params(profile: Profile) -> dict[str, Any]:
    return {
        "reform_types": list(profile.reform_types),
        "reform_types_text": "、".join(profile.reform_types),
        "recognition_categories": list(schema.RECOGNITION_CATEGORIES),
        "project_code_required_from": f"{profile.project_code_required_from:g}",
    }


def _rule_specs(text: str | None = None) -> Iterator[tuple[str, dict[str, Any], str]]:
    """(sheet, spec, field) for every rule of return_rules.yaml, for_each spelled out."""
    data = yaml.safe_load(text or (resources.files(__package__) / RULES_FILE).read_text(encoding="utf-8"))
    for section, sheet in (("project", schema.PROJECT_SHEET), ("recognition", schema.RECOGNITION_SHEET)):
        for spec in data.get(section, []):
            for fname in spec.get("for_each") or [spec["field"]]:
                yield sheet, spec, fname


def load_rules(profile: Profile, text: str | None = None) -> list[Rule]:
    """The rules of return_rules.yaml with the profile's values filled in."""
    params = profile_params(profile)
    rules: list[Rule] = []
    for sheet, spec, fname in _rule_specs(text):
        p = {**params, "field": fname}
        message = spec["message"]
        # message placeholders about the cell are filled per finding, not here
        for key in ("project_code_required_from", "reform_types_text"):
            message = message.replace("{" + key + "}", str(params[key]))
        rules.append(
            Rule(
                id=_fill(spec["id"], p),
                sheet=sheet,
                field=fname,
                severity=spec["severity"],
                expectation=spec["expectation"],
                kwargs=_fill(spec["kwargs"], p),
                message=message,
                other=spec.get("other"),
                stage=spec.get("stage", "row"),
                title=spec.get("title", ""),
                messages=tuple((spec.get("messages") or {}).items()),
            )
        )
    return rules


@cache
def _row_rule_titles() -> dict[str, str]:
    titles: dict[str, str] = {}
    for _, spec, fname in _rule_specs():
        titles.setdefault(_fill(spec["id"], {"field": fname}), spec.get("title", ""))
    return titles


def rule_title(rule_id: str) -> str:
    """The short Chinese name of a rule (the receipt's 规则 column); the id if it has none."""
    return FILE_RULE_TITLES.get(rule_id) or _row_rule_titles().get(rule_id) or rule_id


# ------------------------------------------------------------------------------- GX plumbing


@cache
def _gx():
    """Import GX and register techreform's expectations once (the import alone takes seconds)."""
    import great_expectations as gx

    from techreform.rules import expectations  # noqa: F401  (registers the custom expectations)

    return gx


def _expectation_class(name: str):
    gx = _gx()
    from techreform.rules import expectations as custom

    camel = "".join(part.capitalize() for part in name.split("_"))
    return getattr(custom, camel, None) or getattr(gx.expectations, camel)


_CONDITION = re.compile(r"^\s*(\w+)\s*(>=|<=|==|!=|>|<)\s*(.+?)\s*$")


def row_condition(text: str):
    """A rule's ``where`` (``total_investment >= 500``, ``status != "计划"``) as a GX Condition."""
    from great_expectations.expectations.row_conditions import Column

    m = _CONDITION.match(text)
    if not m:
        raise ValueError(f"row condition not understood: {text!r} (write: column op value)")
    column, op, raw = m.groups()
    value: Any = raw[1:-1] if raw[:1] in "\"'" and raw[-1:] == raw[:1] else float(raw)
    ops = {
        ">=": operator.ge,
        "<=": operator.le,
        "==": operator.eq,
        "!=": operator.ne,
        ">": operator.gt,
        "<": operator.lt,
    }
    return ops[op](Column(name=column), value)


class Validator:
    """A GX context with one suite per sheet, built once and used for many batches."""

    def __init__(self, profile: Profile, rules: list[Rule] | None = None) -> None:
        gx = _gx()
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.profile = profile
        self.rules = rules or load_rules(profile)
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        source = self.context.data_sources.add_pandas("returns")
        self.definitions = {}
        extra = sorted({u.code for u in profile.units} | {profile.jurisdiction.code})
        for sheet in (schema.PROJECT_SHEET, schema.RECOGNITION_SHEET):
            asset = source.add_dataframe_asset(f"{sheet}")
            batch = asset.add_batch_definition_whole_dataframe(f"{sheet}-batch")
            for stage in sorted({r.stage for r in self.rules if r.sheet == sheet}):
                name = f"{profile.id}-{sheet}-{stage}"
                suite = self.context.suites.add(gx.ExpectationSuite(name=name))
                for rule in self.rules:
                    if rule.sheet == sheet and rule.stage == stage:
                        suite.add_expectation(self._expectation(rule, extra))
                self.definitions[(sheet, stage)] = self.context.validation_definitions.add(
                    gx.ValidationDefinition(name=f"{name}-validation", data=batch, suite=suite)
                )
        self._rule_by_key = {(r.sheet, r.id, r.field): r for r in self.rules}

    @staticmethod
    def _expectation(rule: Rule, extra_divisions: list[str]):
        kwargs = dict(rule.kwargs)
        if isinstance(kwargs.get("row_condition"), str):
            kwargs["row_condition"] = row_condition(kwargs["row_condition"])
        if rule.expectation == "expect_column_values_to_be_valid_project_code":
            kwargs["extra_divisions"] = extra_divisions
        meta = {"rule_id": rule.id, "severity": rule.severity, "field": rule.field}
        return _expectation_class(rule.expectation)(**kwargs, meta=meta)

    def failures(self, sheet: str, frame: pd.DataFrame, stage: str = "row") -> list[tuple[Rule, int]]:
        """(rule, row id) for every cell that breaks a rule of a stage, over a whole batch of rows."""
        if frame.empty or (sheet, stage) not in self.definitions:
            return []
        definition = self.definitions[(sheet, stage)]
        # Batch.validate, not ValidationDefinition.run: the same validation, without serialising
        # every result into the context's result store (nobody reads it; the findings are kept).
        batch = definition.batch_definition.get_batch(batch_parameters={"dataframe": frame})
        result = batch.validate(
            definition.suite,
            result_format={
                "result_format": "COMPLETE",
                "unexpected_index_column_names": [ROW_ID],
                "return_unexpected_index_query": False,
            },
        )
        out: list[tuple[Rule, int]] = []
        for r in result.results:
            meta = r.expectation_config.meta
            rule = self._rule_by_key[(sheet, meta["rule_id"], meta["field"])]
            if r.exception_info and r.exception_info.get("raised_exception"):
                raise RuntimeError(
                    f"rule {rule.id} could not run: {r.exception_info.get('exception_message')}"
                )
            for item in r.result.get("unexpected_index_list") or []:
                out.append((rule, int(item[ROW_ID])))
        return out


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
