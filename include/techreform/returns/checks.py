"""Sheet-level findings of a read return, and the period a file names."""

from __future__ import annotations

import logging
from pathlib import Path

from techreform.reference import schema
from techreform.reference.periods import Period, period_from_name
from techreform.returns.headers import conversion_text
from techreform.returns.model import HEADER_SCAN_ROWS, ParsedReturn
from techreform.rules.findings import ERROR, WARNING, Finding

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
    sheet = parsed.projects
    if sheet is None:
        out.append(
            Finding(
                "no_project_sheet",
                ERROR,
                f"未找到“{schema.PROJECT_SHEET}”或其表头（前{HEADER_SCAN_ROWS}行内应有“统一社会信用代码”“项目名称”等栏目），"
                "请使用市里下发的填报模板重新填报",
            )
        )
        return out
    if not sheet.rows:
        out.append(
            Finding(
                "no_rows",
                ERROR,
                f"{sheet.name}没有项目数据：请在表头下方逐行填写本单位的技改项目后重新报送",
                sheet=sheet.name,
            )
        )
    for fname in ESSENTIAL_PROJECT_COLUMNS:
        if fname not in sheet.columns:
            f = schema.PROJECT_FIELD[fname]
            out.append(
                Finding(
                    "missing_column",
                    ERROR,
                    f"{sheet.name}缺少“{f.header}”栏目，请按模板补齐该列后重新报送",
                    sheet=sheet.name,
                    field=fname,
                    column=f.header,
                )
            )
    for fname in (
        "equipment_investment",
        "annual_plan",
        "industry_code",
        "planned_completion",
        "above_scale",
    ):
        if fname not in sheet.columns:
            f = schema.PROJECT_FIELD[fname]
            out.append(
                Finding(
                    "missing_optional_column",
                    WARNING,
                    f"{sheet.name}缺少“{f.header}”栏目，请在下次报送时按模板补齐",
                    sheet=sheet.name,
                    field=fname,
                    column=f.header,
                )
            )
    if sheet.other_table_at:
        out.append(
            Finding(
                "other_table",
                WARNING,
                f"第{sheet.other_table_at}行起是另一张表，没有作为项目读取：项目请填在同一张表中，"
                "企业认定情况请填在“认定表”",
                sheet=sheet.name,
                row=sheet.other_table_at,
            )
        )
    for r in sheet.ignored_rows:
        out.append(
            Finding(
                "row_ignored", WARNING,
                f"第{r}行只有金额，没有企业、项目名称或代码，已按合计行忽略：如是项目请补全后重新报送",
                sheet=sheet.name, row=r,
            )
        )  # fmt: skip
    for col in sheet.columns.values():
        if col.factor != 1.0:
            out.append(
                Finding(
                    "unit_converted",
                    WARNING,
                    f"“{col.header}”以{col.unit}填报，已按{conversion_text(col.unit)}折算为万元；"
                    "请核对折算结果，今后请按模板以万元填报",
                    sheet=sheet.name,
                    field=col.field,
                    column=col.header,
                    col_index=col.index,
                )
            )
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
