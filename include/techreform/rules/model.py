"""The shape of a rules file (return_rules.yaml), checked with pydantic when it is loaded.

``extra="forbid"`` everywhere: a misspelt key is reported, not silently ignored. Cross-checks
(a field the schema does not have, a value list that is not defined) are done here too, so a
broken rules file fails when loaded, with the place of each mistake.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from techreform.reference import schema

Severity = Literal["error", "warning"]
PROFILE_VALUES = "{reform_types}"  # the one value list a profile gives
KINDS = ("enum", "amount", "int", "pct", "month")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldSpec(_Strict):
    values: str | None = None  # a value list's name, or {reform_types}
    min: float | None = None
    max: float | None = None
    strict_min: bool = False
    guide: str = ""  # the 填报说明 line
    prompt: str | None = None  # the template's input message (default: by kind)
    error: str | None = None  # the template's error message (default: by kind)
    hint: str = ""  # added to the prompt

    @model_validator(mode="after")
    def _range(self) -> FieldSpec:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min（{self.min:g}）不能大于 max（{self.max:g}）")
        return self


class InputMessage(_Strict):
    prompt: str
    error: str = ""


class RuleSpec(_Strict):
    id: str
    title: str = Field(min_length=1)
    field: str | None = None
    for_each: list[str] | None = None
    severity: Severity
    expectation: str = Field(pattern=r"^expect_\w+$")
    kwargs: dict[str, Any]
    message: str = Field(min_length=1)
    other: str | None = None
    stage: Literal["row", "history"] = "row"
    # code rules: a message per kind of invalid code, by exception class (rules/code_messages.py)
    messages: dict[Literal["InvalidFormat", "InvalidLength", "InvalidChecksum", "InvalidComponent"], str] = {}

    @model_validator(mode="after")
    def _one_field(self) -> RuleSpec:
        if (self.field is None) == (self.for_each is None):
            raise ValueError("应写 field（一个栏目）或 for_each（多个栏目）中的一项")
        return self

    @property
    def fields(self) -> list[str]:
        return self.for_each if self.for_each is not None else [self.field or ""]


class FileRuleSpec(_Strict):
    title: str = Field(min_length=1)
    severity: Severity
    message: str | None = None
    messages: dict[str, str] | None = None  # one message per case

    @model_validator(mode="after")
    def _one_message(self) -> FileRuleSpec:
        if (self.message is None) == (self.messages is None):
            raise ValueError("应写 message 或 messages（按情形分别写）中的一项")
        return self


class SheetFields(_Strict):
    project: dict[str, FieldSpec] = {}
    recognition: dict[str, FieldSpec] = {}


class RulesModel(_Strict):
    value_lists: dict[str, list[str]] = {}
    texts: dict[str, str] = {}
    input_messages: dict[Literal["enum", "amount", "int", "pct", "month"], InputMessage] = {}
    fields: SheetFields = SheetFields()
    project: list[RuleSpec] = []
    recognition: list[RuleSpec] = []
    file_rules: dict[str, FileRuleSpec] = {}

    @model_validator(mode="after")
    def _references(self) -> RulesModel:
        problems: list[str] = []
        for section in ("project", "recognition"):
            known = {f.name for f in schema.FIELDS_BY_SHEET[_SHEETS[section]]}
            for name, spec in getattr(self.fields, section).items():
                if name not in known:
                    problems.append(f"fields.{section}.{name}：表中没有这一栏目")
                if spec.values and spec.values != PROFILE_VALUES and spec.values not in self.value_lists:
                    problems.append(f"fields.{section}.{name}.values：未定义的取值列表“{spec.values}”")
                for key in ("guide", "prompt", "error", "hint"):
                    problems += _unknown(f"fields.{section}.{name}.{key}", getattr(spec, key), self.texts)
            for i, rule in enumerate(getattr(self, section)):
                for name in rule.fields:
                    if name not in known:
                        problems.append(f"{section}[{i}]（{rule.id}）：表中没有栏目“{name}”")
                if re.search(r"\{(?!field\})\w+\}", rule.id):
                    problems.append(f"{section}[{i}].id：规则编号中只能用 {{field}}")
                problems += _unknown(f"{section}[{i}].message", rule.message, self.texts, CELL_PLACEHOLDERS)
                for kind, text in rule.messages.items():
                    where = f"{section}[{i}].messages.{kind}"
                    problems += _unknown(where, text, self.texts, CELL_PLACEHOLDERS)
                problems += _unknown(f"{section}[{i}].kwargs", str(rule.kwargs), self.texts)
        for kind, m in self.input_messages.items():
            problems += _unknown(f"input_messages.{kind}", m.prompt + m.error, self.texts)
        if problems:
            raise ValueError("；".join(problems))
        return self


# placeholders a text may use (besides the shared texts): see the head of return_rules.yaml
FIELD_PLACEHOLDERS = frozenset(
    {"field", "values", "values_text", "values_slash", "choices", "min", "max", "strict_min"}
    | {"reform_types", "reform_types_text", "project_code_required_from", "period_end", "period_year"}
)
CELL_PLACEHOLDERS = frozenset(
    {"header", "value", "other_header", "other", "length", "position", "char", "division"}
)


def _unknown(
    where: str, text: str | None, texts: dict[str, str], more: frozenset[str] = frozenset()
) -> list[str]:
    names = set(re.findall(r"\{(\w+)\}", text or "")) - FIELD_PLACEHOLDERS - more - set(texts)
    return [f"{where}：未知的占位符 {{{name}}}" for name in sorted(names)]


_SHEETS = {"project": schema.PROJECT_SHEET, "recognition": schema.RECOGNITION_SHEET}
SECTION_OF_SHEET = {sheet: section for section, sheet in _SHEETS.items()}
