"""Great Expectations checks of a statistics extract, defined in ``extract_rules.yaml``.

An error makes the extract unusable (``ExtractError`` with every problem found, located by row);
warnings are returned for the reconciliation workbook.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import pandas as pd
import yaml

from techreform.reconcile.extract import Extract, ExtractError
from techreform.reference import extracts
from techreform.returns.model import Sheet

READ_CHECKS = "读取"
MAX_LISTED = 5


@dataclass(frozen=True)
class Check:
    id: str
    table: str
    expectation: str
    field: str  # the column checked (``<field>__invalid`` for the readability checks)
    header_of: str  # the field whose header names the column in messages
    severity: str
    message: str
    kwargs: dict[str, Any]


@cache
def _spec() -> dict[str, list[dict[str, Any]]]:
    text = (resources.files("techreform.reconcile") / "extract_rules.yaml").read_text(encoding="utf-8")
    spec: dict[str, list[dict[str, Any]]] = yaml.safe_load(text)
    return spec


def checks_for(table: str, units: list[str]) -> list[Check]:
    out = []
    fields = extracts.fields_of(table)
    for spec in _spec().get(table, []) + _spec()[READ_CHECKS]:
        kwargs = {k: (units if v == "{units}" else v) for k, v in (spec.get("kwargs") or {}).items()}
        if spec["field"].startswith("*"):
            kind = spec["field"][1:]
            for f in fields:
                if f.kind == kind:
                    out.append(
                        Check(
                            spec["id"],
                            table,
                            spec["expectation"],
                            f"{f.name}__invalid",
                            f.name,
                            spec["severity"],
                            spec["message"],
                            kwargs,
                        )
                    )
        elif any(f.name == spec["field"] for f in fields):
            out.append(
                Check(
                    spec["id"],
                    table,
                    spec["expectation"],
                    spec["field"],
                    spec["field"],
                    spec["severity"],
                    spec["message"],
                    kwargs,
                )
            )
    return out


def _frame(sheet: Sheet, checks: list[Check]) -> pd.DataFrame:
    columns = sorted({c.field for c in checks} | {"_row"})
    frame = pd.DataFrame.from_records(
        [{c: row.get(c) for c in columns} for row in sheet.rows], columns=columns
    )
    for c in columns:
        if c != "_row":
            numeric = all(isinstance(v, int | float) or v is None for v in frame[c])
            frame[c] = (
                pd.to_numeric(frame[c], errors="coerce")
                if numeric and frame[c].notna().any()
                else frame[c].astype(object).where(frame[c].notna(), None)
            )
    return frame


def _run(sheet: Sheet, checks: list[Check]) -> list[tuple[Check, list[int], list[Any]]]:
    """(check, failing Excel rows, failing values) for each check that fails."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    present = [c for c in checks if c.header_of in sheet.columns]
    if not present or not sheet.rows:
        return []
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    batch = (
        context.data_sources.add_pandas("extract")
        .add_dataframe_asset(sheet.kind)
        .add_batch_definition_whole_dataframe("all")
        .get_batch(batch_parameters={"dataframe": _frame(sheet, present)})
    )
    suite = gx.ExpectationSuite(name=f"extract-{sheet.kind}")
    for i, c in enumerate(present):
        camel = "".join(p.capitalize() for p in c.expectation.split("_"))
        suite.add_expectation(getattr(gx.expectations, camel)(column=c.field, meta={"i": i}, **c.kwargs))
    result = batch.validate(
        suite, result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["_row"]}
    )
    failed = []
    for r in result.results:
        if r.success:
            continue
        config = r.expectation_config
        assert config is not None and config.meta is not None  # each expectation was added with its meta
        c = present[int(config.meta["i"])]
        idx = r.result.get("unexpected_index_list") or []
        rows = sorted({int(x["_row"]) for x in idx if isinstance(x, dict) and "_row" in x})
        values = list(dict.fromkeys(r.result.get("unexpected_list") or []))
        failed.append((c, rows, values))
    return failed


def _text(sheet: Sheet, c: Check, rows: list[int], values: list[Any]) -> str:
    header = sheet.columns[c.header_of].header
    shown = "、".join(str(v) for v in values[:MAX_LISTED] if v is not None)
    where = "、".join(str(r) for r in rows[:MAX_LISTED]) + ("等" if len(rows) > MAX_LISTED else "")
    msg = c.message.format(field=header, values=shown or "空")
    return f"“{sheet.name}”第{where}行：{msg}" if rows else f"“{sheet.name}”：{msg}"


def check(extract: Extract, units: list[str]) -> list[str]:
    """Raises ExtractError listing every error; returns the warnings."""
    errors: list[str] = []
    warnings: list[str] = []
    for sheet in (extract.projects, extract.totals):
        if sheet is None:
            continue
        for c, rows, values in _run(sheet, checks_for(sheet.kind, units)):
            (errors if c.severity == "error" else warnings).append(_text(sheet, c, rows, values))
    if errors:
        raise ExtractError(
            f"统计局数据（{extract.source}）未通过审核，本次对账未进行，原有结果保持不变：\n"
            + "\n".join(errors)
        )
    extract.warnings.extend(warnings)
    return warnings
