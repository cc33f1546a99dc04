"""The rule book: return_rules.yaml read, checked and ready to use (definitions and loading).

One :class:`RuleBook` serves everything that speaks about the rules: the GX suites
(:func:`RuleBook.rules`), the findings' messages, the receipts' rule titles, the findings about a
whole file (:func:`file_finding`) and the blank template's dropdowns, input messages and 填报说明
(:meth:`RuleBook.field_values`, :meth:`RuleBook.field_text`). A value list or a limit is written once
in the YAML and reaches all of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from techreform.reference.configfile import ConfigError, load_yaml, validate
from techreform.reference.profiles import Profile
from techreform.rules.findings import Finding
from techreform.rules.model import CELL_PLACEHOLDERS, PROFILE_VALUES, SECTION_OF_SHEET, FieldSpec, RulesModel

RULES_FILE = "return_rules.yaml"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class RulesError(ConfigError):
    """A rules file with a mistake; the message is for the user, in Chinese."""

    kind = "审核规则文件"


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


def fill(value: Any, params: dict[str, Any]) -> Any:
    """Put values into a text or a rule's arguments: a lone "{name}" keeps its type (a list stays a
    list, a number a number); unknown placeholders are left for a later step."""
    if isinstance(value, str):
        m = re.fullmatch(r"\{(\w+)\}", value)
        if m and m.group(1) in params:
            return params[m.group(1)]
        return _PLACEHOLDER.sub(lambda m: _text(params.get(m.group(1), m.group(0))), value)
    if isinstance(value, list):
        return [fill(v, params) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, params) for k, v in value.items()}
    return value


def _text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return "、".join(map(str, value))
    return str(value)


def _number(x: float | None) -> float | int | None:
    """0.0 -> 0, so a limit reads 0 in a message and stays an int for an Excel formula."""
    return int(x) if x is not None and float(x).is_integer() else x


def _fill_message(text: str, params: dict[str, Any]) -> str:
    """A rule's message with everything but the cell's own placeholders put in."""

    def one(m: re.Match[str]) -> str:
        name = m.group(1)
        if name in CELL_PLACEHOLDERS or name not in params:
            return m.group(0)
        return _text(params[name])

    return _PLACEHOLDER.sub(one, text)


def choices(values: list[str]) -> str:
    """“甲”、“乙”或“丙”."""
    quoted = [f"“{v}”" for v in values]
    return quoted[0] if len(quoted) == 1 else "、".join(quoted[:-1]) + "或" + quoted[-1]


class RuleBook:
    """A checked rules file: value lists, limits and texts per field, row rules and file rules."""

    def __init__(self, model: RulesModel, source: str = RULES_FILE) -> None:
        self.model = model
        self.source = source

    # ------------------------------------------------------------------ fields

    def field_spec(self, sheet: str, name: str) -> FieldSpec:
        section = getattr(self.model.fields, SECTION_OF_SHEET[sheet])
        return section.get(name) or FieldSpec()

    def field_values(self, sheet: str, name: str, profile: Profile | None = None) -> tuple[str, ...]:
        """The values a field takes (the profile's reform types for ``{reform_types}``); () if free."""
        if self.field_spec(sheet, name).values == PROFILE_VALUES:
            return tuple(profile.reform_types) if profile else ()
        return self._fixed_values.get((sheet, name), ())

    @cached_property
    def _fixed_values(self) -> dict[tuple[str, str], tuple[str, ...]]:
        """(sheet, field) -> its value list, for the fields with a list of their own (read per cell)."""
        out = {}
        for sheet, section in SECTION_OF_SHEET.items():
            for name, spec in getattr(self.model.fields, section).items():
                if spec.values and spec.values != PROFILE_VALUES:
                    out[(sheet, name)] = tuple(self.model.value_lists[spec.values])
        return out

    def params(self, sheet: str, name: str, profile: Profile | None = None, **extra: Any) -> dict[str, Any]:
        """Every placeholder a text about one field may use: its values and limits, the profile's
        thresholds and the shared texts (``extra``: the template's period)."""
        spec = self.field_spec(sheet, name)
        values = list(self.field_values(sheet, name, profile))
        out: dict[str, Any] = {**self.model.texts, "field": name}
        if profile is not None:
            out["reform_types"] = list(profile.reform_types)
            out["reform_types_text"] = "、".join(profile.reform_types)
            out["project_code_required_from"] = f"{profile.project_code_required_from:g}"
        if values:
            out |= {
                "values": values,
                "values_text": "、".join(values),
                "values_slash": "/".join(values),
                "choices": choices(values),
            }
        if spec.min is not None:
            out |= {"min": _number(spec.min), "strict_min": spec.strict_min}
        if spec.max is not None:
            out["max"] = _number(spec.max)
        return out | extra

    def field_text(
        self, sheet: str, name: str, text: str, profile: Profile | None = None, **extra: Any
    ) -> str:
        return str(fill(text, self.params(sheet, name, profile, **extra)))

    def input_message(self, kind: str) -> tuple[str, str]:
        m = self.model.input_messages.get(kind)  # type: ignore[call-overload]
        return (m.prompt, m.error) if m else ("", "")

    # ------------------------------------------------------------------ row rules

    def rules(self, profile: Profile) -> list[Rule]:
        """The row rules, for_each spelled out, with the profile's and the fields' values filled in;
        the placeholders about the cell stay for each finding."""
        out: list[Rule] = []
        for sheet, section in SECTION_OF_SHEET.items():
            for spec in getattr(self.model, section):
                for name in spec.fields:
                    p = self.params(sheet, name, profile)
                    message = _fill_message(spec.message, p)
                    out.append(
                        Rule(
                            id=fill(spec.id, {"field": name}),
                            sheet=sheet,
                            field=name,
                            severity=spec.severity,
                            expectation=spec.expectation,
                            kwargs=fill(spec.kwargs, p),
                            message=message,
                            other=spec.other,
                            stage=spec.stage,
                            title=spec.title,
                            messages=tuple((k, _fill_message(v, p)) for k, v in spec.messages.items()),
                        )
                    )
        return out

    def field_severities(self, sheet: str, name: str) -> dict[str, list[str]]:
        """severity -> titles of the row rules about one field (for the 填报说明's 违反时的处理)."""
        out: dict[str, list[str]] = {}
        for spec in getattr(self.model, SECTION_OF_SHEET[sheet]):
            if name in spec.fields and spec.title not in out.get(spec.severity, []):
                out.setdefault(spec.severity, []).append(spec.title)
        return out

    # ------------------------------------------------------------------ titles and file rules

    @cached_property
    def titles(self) -> dict[str, str]:
        out = {rule_id: spec.title for rule_id, spec in self.model.file_rules.items()}
        for section in ("project", "recognition"):
            for spec in getattr(self.model, section):
                for name in spec.fields:
                    out.setdefault(fill(spec.id, {"field": name}), spec.title)
        return out

    def file_finding(
        self, rule_id: str, case: str | None = None, /, *, where: dict[str, Any] | None = None, **values: Any
    ) -> Finding:
        """The finding of a file rule: its message (of ``case``, for a rule with several) with
        ``values`` put in; ``where`` gives the finding's place (sheet, row, field, column, ...)."""
        spec = self.model.file_rules[rule_id]
        if spec.messages is not None:
            if case not in spec.messages:
                raise KeyError(f"file rule {rule_id} has no message for case {case!r}")
            template = spec.messages[case]
        else:
            template = spec.message or ""
        return Finding(rule_id, spec.severity, template.format(**values), **(where or {}))


def parse(text: str, source: str) -> RuleBook:
    """A rule book from a rules file's text; a mistake is a :class:`RulesError`."""
    data = load_yaml(text, source, RulesError)
    return RuleBook(validate(RulesModel, data, source, RulesError), source)


def read(path: str | Path) -> RuleBook:
    path = Path(path)
    return parse(path.read_text(encoding="utf-8"), str(path))


@cache
def default_book() -> RuleBook:
    """The shipped return_rules.yaml."""
    return parse((resources.files(__package__) / RULES_FILE).read_text(encoding="utf-8"), RULES_FILE)


def file_finding(
    rule_id: str, case: str | None = None, /, *, where: dict[str, Any] | None = None, **values: Any
) -> Finding:
    """A finding of a file rule of the shipped rule book (see :meth:`RuleBook.file_finding`)."""
    return default_book().file_finding(rule_id, case, where=where, **values)
