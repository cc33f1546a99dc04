"""A finding: one rule broken at one place of a return (a cell, a row, or the whole file)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

ERROR = "error"  # 强制性审核: the return is rejected as a whole
WARNING = "warning"  # 核实性审核: accepted, an explanation in 备注 is asked for

# Short Chinese names of the rules about a whole file (the row rules have theirs in
# rules/return_rules.yaml), shown in the receipt's 规则 column; findings.csv keeps the ids.
FILE_RULE_TITLES = {
    "unknown_unit": "非本市填报单位",
    "wrong_unit": "报送单位不符",
    "file_type": "文件类型不对",
    "file_unreadable": "文件无法打开",
    "file_unprocessable": "系统未能处理",
    "no_period": "报告期不明",
    "period_conflict": "报告期不一致",
    "no_project_sheet": "缺少项目表",
    "no_rows": "项目表无数据",
    "missing_column": "缺少必填栏目",
    "missing_optional_column": "缺少栏目",
    "unit_converted": "金额单位已换算",
    "other_table": "表下另有他表",
    "row_ignored": "该行按合计行忽略",
    "late_submission": "逾期报送",
    "project_vanished": "上期项目本期未报",
}


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


def sort_key(f: Finding) -> tuple:
    return (f.severity != ERROR, f.sheet or "", f.row or 0, f.col_index or 0, f.rule_id)


# ---------------------------------------------------------------- hostile files (issue 9)
# Titles of the rules that refuse a file before or while it is read, or a cell no rule may take
# at face value. Kept apart for the move of rule texts into return_rules.yaml (file_rules:).
HOSTILE_FILE_RULE_TITLES = {
    "file_too_large": "文件过大或结构异常",
    "file_too_slow": "文件读取超时",
    "file_protected": "文件设有密码",
    "not_regular_file": "不是普通文件",
    "hidden_sheet": "工作表被隐藏",
    "excel_error": "单元格为错误值",
    "number_out_of_range": "数值超出范围",
    "text_too_long": "文字过长",
}
FILE_RULE_TITLES.update(HOSTILE_FILE_RULE_TITLES)
