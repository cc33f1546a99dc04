"""Sheet-level findings of a read return, and the period a file names."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from techreform.reference import schema
from techreform.reference.periods import Period, period_from_name
from techreform.returns.headers import conversion_text
from techreform.returns.model import HEADER_SCAN_ROWS, ParsedReturn
from techreform.rules.book import file_finding
from techreform.rules.findings import Finding

log = logging.getLogger(__name__)


# Columns a return cannot do without: the rules and indicators read them.
ESSENTIAL_PROJECT_COLUMNS = (
    "uscc",
    "enterprise_name",
    "project_name",
    "project_code",
    "reform_type",
    "construction_nature",
    "status",
    "start_month",
    "total_investment",
    "ytd_completed",
    "cumulative_completed",
)


def sheet_findings(parsed: ParsedReturn) -> list[Finding]:
    out: list[Finding] = []
    where: dict[str, Any]  # the place of a finding: sheet, field, column, row
    sheet = parsed.projects
    if sheet is None:
        out.append(file_finding("no_project_sheet", sheet=schema.PROJECT_SHEET, scan_rows=HEADER_SCAN_ROWS))
        return out
    if not sheet.rows:
        out.append(file_finding("no_rows", where={"sheet": sheet.name}, sheet=sheet.name))
    for fname in ESSENTIAL_PROJECT_COLUMNS:
        if fname not in sheet.columns:
            f = schema.PROJECT_FIELD[fname]
            where = {"sheet": sheet.name, "field": fname, "column": f.header}
            out.append(file_finding("missing_column", where=where, sheet=sheet.name, header=f.header))
    for fname in (
        "equipment_investment",
        "annual_plan",
        "industry_code",
        "planned_completion",
        "above_scale",
    ):
        if fname not in sheet.columns:
            f = schema.PROJECT_FIELD[fname]
            where = {"sheet": sheet.name, "field": fname, "column": f.header}
            missing = file_finding("missing_optional_column", where=where, sheet=sheet.name, header=f.header)
            out.append(missing)
    if sheet.other_table_at:
        where = {"sheet": sheet.name, "row": sheet.other_table_at}
        out.append(file_finding("other_table", where=where, row=sheet.other_table_at))
    for r in sheet.ignored_rows:
        out.append(file_finding("row_ignored", where={"sheet": sheet.name, "row": r}, row=r))
    for col in sheet.columns.values():
        if col.factor != 1.0:
            where = {"sheet": sheet.name, "field": col.field, "column": col.header, "col_index": col.index}
            said = {"header": col.header, "unit": col.unit, "conversion": conversion_text(col.unit)}
            out.append(file_finding("unit_converted", where=where, **said))
    return out


def period_of(name: str, metadata: dict[str, str]) -> tuple[Period | None, Period | None]:
    """(period from the file name, period from the metadata sheet)."""
    in_name = period_from_name(Path(name).stem)
    in_meta = None
    if metadata.get("period"):
        try:
            in_meta = Period.parse(metadata["period"])
        except ValueError:
            in_meta = period_from_name(metadata["period"])
    return in_name, in_meta
