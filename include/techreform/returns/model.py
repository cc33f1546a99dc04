"""What a read return is: its sheets, their columns and rows (no reading here)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from techreform.rules.findings import Finding

log = logging.getLogger(__name__)


READABLE_SUFFIXES = (".xlsx", ".xlsm", ".xls")


HEADER_SCAN_ROWS = 10


class UnreadableWorkbook(Exception):
    """The file is not a workbook we can open (or is still being written)."""


@dataclass
class Column:
    field: str
    header: str  # as written in the county's file
    index: int  # 1-based Excel column
    factor: float = 1.0  # multiply to get 万元
    unit: str = "万元"  # the unit the county wrote amounts in (header, units row or 单位：… line)


@dataclass
class Sheet:
    name: str  # as in the file
    kind: str  # schema.PROJECT_SHEET or schema.RECOGNITION_SHEET
    header_row: int | None  # Excel row of the header
    columns: dict[str, Column] = field(default_factory=dict)
    rows: list[dict[str, Any]] = field(default_factory=list)  # typed values + "_row" + "<f>__raw"
    ignored_rows: list[int] = field(default_factory=list)  # amounts without any project: skipped
    other_table_at: int | None = None  # Excel row where another table starts under this one


@dataclass
class ParsedReturn:
    path: Path
    metadata: dict[str, str]
    projects: Sheet | None
    recognitions: Sheet | None
    findings: list[Finding] = field(default_factory=list)
