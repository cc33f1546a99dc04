"""A finding: one rule broken at one place of a return (a cell, a row, or the whole file)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from functools import cache
from importlib import resources

import yaml

from techreform.reference.schema import PROJECT_FIELD, PROJECT_SHEET, RECOGNITION_FIELD, RECOGNITION_SHEET

ERROR = "error"  # 强制性审核: the return is rejected as a whole
WARNING = "warning"  # 核实性审核: accepted, an explanation in 备注 is asked for

# Short Chinese names of the rules about a whole file (the row rules have theirs in
# rules/return_rules.yaml), shown in the receipt's 规则 column; findings.csv keeps the ids.


@dataclass
class Finding:
    rule_id: str
    severity: str  # ERROR | WARNING
    message: str  # plain Chinese: what is wrong and how to fix it
    sheet: str | None = None  # None for a file-level finding
    row: int | None = None  # the Excel row number the county sees
    field: str | None = None  # field name of techreform.reference.schema
    column: str | None = None  # the header as written in the county's file
    col_index: int | None = None  # 1-based column in the county's sheet, for highlighting
    value: str | None = None  # the cell as the county wrote it
    explained: bool = False  # a warning the county already explained in 备注

    @property
    def asks_for_explanation(self) -> bool:
        """A warning about the county's own figures (a row, or a project gone since last quarter);
        lateness, unit conversions and the like are told, not asked about."""
        return self.severity == WARNING and (self.row is not None or self.rule_id == "project_vanished")

    def as_dict(self) -> dict:
        return asdict(self)


def sheet_rank(sheet: str | None) -> int:
    """The order of the template: the whole file, then 项目表, then 认定表 (by name as the county
    kept it: a renamed 项目表 is still the sheet without 认定 in its name), then anything else."""
    if sheet is None:
        return 0
    name = sheet.strip()
    if name == RECOGNITION_SHEET or (name != PROJECT_SHEET and "认定" in name):
        return 2
    return 1


def sort_key(f: Finding) -> tuple:
    """Errors first; then by sheet in the template's order, row and column."""
    return (f.severity != ERROR, sheet_rank(f.sheet), f.sheet or "", f.row or 0, f.col_index or 0, f.rule_id)


# --------------------------------------------------------------------------- one line per problem cell


@dataclass
class MergedFinding(Finding):
    """Several findings of one row that all involve one cell, shown as one line of the receipt.

    Presentation only: findings.csv and the warehouse keep one row per rule and cell."""

    parts: list[Finding] = field(default_factory=list)


@cache
def _compared_with() -> dict[str, str]:
    """rule id -> the field a comparison rule checks its cell against (``other`` in return_rules.yaml)."""
    text = (resources.files("techreform.rules") / "return_rules.yaml").read_text(encoding="utf-8")
    out: dict[str, str] = {}
    for specs in (yaml.safe_load(text) or {}).values():
        for spec in specs or ():
            if not isinstance(spec, dict) or not spec.get("other"):
                continue
            for name in spec.get("for_each") or [spec.get("field")]:
                out[str(spec["id"]).replace("{field}", str(name))] = str(spec["other"])
    return out


def _cells(f: Finding) -> list[str]:
    """The fields a row finding involves: its own cell, and the cell it was compared with."""
    other = _compared_with().get(f.rule_id)
    return [x for x in (f.field, other) if x]


def merge_findings(findings: list[Finding]) -> list[Finding]:
    """The receipt's lines: findings of one sheet row that involve the same cell (their own, or the
    one they were compared with) become one line about that cell, listing each comparison; the
    cell shared by most findings is taken first. Every other finding is a line of its own.
    The result is in ``sort_key`` order."""
    by_row: dict[tuple[str, int], list[Finding]] = defaultdict(list)
    out: list[Finding] = []
    for f in findings:
        if f.sheet is not None and f.row:
            by_row[(f.sheet, f.row)].append(f)
        else:
            out.append(f)
    for fs in by_row.values():
        left = list(fs)
        while len(left) > 1:
            touching: dict[str, list[Finding]] = defaultdict(list)
            for f in left:
                for name in _cells(f):
                    touching[name].append(f)
            # most findings first; then a cell others were compared with (the common reference)
            name, group = max(
                touching.items(),
                key=lambda kv: (len(kv[1]), sum(_compared_with().get(f.rule_id) == kv[0] for f in kv[1])),
            )
            if len(group) < 2:
                break
            out.append(_merged(name, group))
            left = [f for f in left if all(f is not g for g in group)]
        out.extend(left)
    return sorted(out, key=sort_key)


def _merged(name: str, group: list[Finding]) -> MergedFinding:
    group = sorted(group, key=sort_key)
    own = next((f for f in group if f.field == name), None)
    spec = PROJECT_FIELD.get(name) if group[0].sheet != RECOGNITION_SHEET else None
    spec = spec or RECOGNITION_FIELD.get(name) or PROJECT_FIELD.get(name)
    header = (own.column if own else None) or (spec.header if spec else name)
    mixed = len({f.severity for f in group}) > 1
    marks = "①②③④⑤⑥⑦⑧⑨⑩"
    lines = [
        f"{marks[i] if i < len(marks) else f'({i + 1})'}"
        f"{'【错误】' if mixed and f.severity == ERROR else '【提示】' if mixed else ''}{f.message}"
        for i, f in enumerate(group)
    ]
    message = f"本行{len(group)}项审核都涉及“{header}”，请先核对该栏是否填错：\n" + "\n".join(lines)
    return MergedFinding(
        rule_id="+".join(f.rule_id for f in group),
        severity=ERROR if any(f.severity == ERROR for f in group) else WARNING,
        message=message,
        sheet=group[0].sheet,
        row=group[0].row,
        field=name,
        column=header,
        col_index=own.col_index if own else None,
        value=own.value if own else None,
        explained=all(f.explained for f in group),
        parts=group,
    )
