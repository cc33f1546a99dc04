"""Great Expectations suites built from the rule book, run over a whole batch of returns at once.

One run validates many returns: the rows of every return in a batch go into one DataFrame with a
row id, a file key and the Excel row number, so the fixed cost of GX is paid once per batch
instead of once per file. Each expectation carries its rule id, severity and field in ``meta``;
failing row ids are mapped back to the rule.
"""

from __future__ import annotations

import operator
import re
from functools import cache
from typing import Any

import pandas as pd

from techreform.reference import schema
from techreform.reference.profiles import Profile
from techreform.rules.book import Rule, default_book

ROW_ID = "_rid"


def load_rules(profile: Profile, text: str | None = None) -> list[Rule]:
    """The row rules of return_rules.yaml (or of the rules file ``text``) for a profile."""
    from techreform.rules.book import parse

    book = parse(text, "审核规则") if text is not None else default_book()
    return book.rules(profile)


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


_COLUMN_KEYS = ("column", "column_A", "column_B")


def _columns_used(rules: list[Rule]) -> list[str]:
    """The columns a suite's expectations read (their columns, row conditions), and the row id."""
    out = [ROW_ID]
    for rule in rules:
        names = [rule.kwargs[k] for k in _COLUMN_KEYS if isinstance(rule.kwargs.get(k), str)]
        names += list(rule.kwargs.get("column_list") or ())
        condition = rule.kwargs.get("row_condition")
        if isinstance(condition, str) and (m := _CONDITION.match(condition)):
            names.append(m.group(1))
        out += [n for n in names if n not in out]
    return out


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
        self.columns: dict[tuple[str, str], list[str]] = {}
        extra = sorted({u.code for u in profile.units} | {profile.jurisdiction.code})
        for sheet in (schema.PROJECT_SHEET, schema.RECOGNITION_SHEET):
            asset = source.add_dataframe_asset(f"{sheet}")
            batch = asset.add_batch_definition_whole_dataframe(f"{sheet}-batch")
            for stage in sorted({r.stage for r in self.rules if r.sheet == sheet}):
                name = f"{profile.id}-{sheet}-{stage}"
                # the suite whole, then stored once: added one by one, each expectation would
                # store (serialise) the whole suite again, seconds for the ~60 of a return
                rules = [rule for rule in self.rules if rule.sheet == sheet and rule.stage == stage]
                expectations = [self._expectation(rule, extra) for rule in rules]
                self.columns[(sheet, stage)] = _columns_used(rules)
                suite = self.context.suites.add(gx.ExpectationSuite(name=name, expectations=expectations))
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

    def columns_for(self, sheet: str, stage: str = "row") -> list[str] | None:
        """The columns the suite of a sheet and stage reads; None where the stage has no suite
        for the sheet (``failures`` then finds nothing, whatever the frame)."""
        columns = self.columns.get((sheet, stage))
        return list(columns) if columns is not None else None

    def failures(self, sheet: str, frame: pd.DataFrame, stage: str = "row") -> list[tuple[Rule, int]]:
        """(rule, row id) for every cell that breaks a rule of a stage, over a whole batch of rows."""
        if frame.empty or (sheet, stage) not in self.definitions:
            return []
        from great_expectations.validator.v1_validator import Validator as RunOnBatch

        definition = self.definitions[(sheet, stage)]
        # Only the columns the suite's expectations read: GX copies the frame for every
        # expectation that drops nulls or has a row condition, and hashes it for the batch id.
        # (A column the suite names but the frame lacks is left for GX to report, as before.)
        frame = frame[[c for c in self.columns[(sheet, stage)] if c in frame.columns]]
        # What ValidationDefinition.run does, without serialising every result into the
        # context's result store (nobody reads it; the findings are kept), and what
        # Batch.validate does without getting (and hashing) the batch a second time.
        result = RunOnBatch(
            batch_definition=definition.batch_definition,
            batch_parameters={"dataframe": frame},
            result_format={
                "result_format": "COMPLETE",
                "unexpected_index_column_names": [ROW_ID],
                "return_unexpected_index_query": False,
            },
        ).validate_expectation_suite(definition.suite)
        out: list[tuple[Rule, int]] = []
        for r in result.results:
            assert r.expectation_config is not None  # a suite's results carry their expectation
            meta = r.expectation_config.meta
            rule = self._rule_by_key[(sheet, meta["rule_id"], meta["field"])]
            if r.exception_info and r.exception_info.get("raised_exception"):
                raise RuntimeError(
                    f"rule {rule.id} could not run: {r.exception_info.get('exception_message')}"
                )
            for item in r.result.get("unexpected_index_list") or []:
                out.append((rule, int(item[ROW_ID])))
        return out
