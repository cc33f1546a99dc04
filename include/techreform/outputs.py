"""Machine-readable outputs of DESIGN.md §3.4 (UTF-8 CSV with a header, next to the workbooks)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from techreform import warehouse as wh
from techreform.rules.findings import ERROR
from techreform.workbooks.common import publish

SUBMISSION_COLUMNS = ("unit_code", "file", "received_at", "status", "errors", "warnings")
FINDING_COLUMNS = ("unit_code", "file", "sheet", "row", "field", "rule_id", "severity", "message")


# A cell a spreadsheet would evaluate (OWASP, CSV injection): =, +, -, @, tab, carriage return
# (and their full-width forms, which Excel also takes) at the start of text.
# A figure (-7.9994) is a number to a spreadsheet, not a formula: it stays as it is.
_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def inert(value: Any) -> Any:
    """A CSV cell that no spreadsheet evaluates: text that would start a formula gets a leading
    apostrophe (shown as text by Excel and WPS); numbers stay numbers."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def write_csv(path: Path, columns: tuple[str, ...], rows: list[dict]) -> bool:
    """Write atomically (a reader never sees half a file, a crash never leaves one), and only if
    the content changed: a file someone has open is not touched needlessly. True if written.
    Every text cell is made inert (``inert``): the names and sheets come from counties' files."""
    return publish(path, csv_bytes(columns, rows))


def csv_bytes(columns: tuple[str, ...], rows: list[dict]) -> bytes:
    """The file ``write_csv`` writes, as bytes."""
    buf = io.StringIO(newline="")
    w = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore")
    w.writeheader()
    w.writerows({k: inert(v) for k, v in row.items()} for row in rows)
    return buf.getvalue().encode("utf-8")


def write_intake_csvs(session: Session, directory: Path, period: str) -> None:
    """submissions.csv and findings.csv of one period, rewritten from the warehouse."""
    subs = session.scalars(
        select(wh.Submission)
        .options(selectinload(wh.Submission.findings))
        .where(wh.Submission.report_period == period, wh.Submission.status != wh.RECEIVED)
        .order_by(wh.Submission.received_at, wh.Submission.id)
    ).all()
    sub_rows, finding_rows = [], []
    for s in subs:
        sub_rows.append(
            {
                "unit_code": s.unit_code,
                "file": s.file_name,
                "received_at": s.received_at.isoformat(timespec="seconds"),
                "status": s.status,
                "errors": s.errors,
                "warnings": s.warnings,
            }
        )
        for f in sorted(s.findings, key=lambda f: (f.severity != ERROR, f.sheet or "", f.row or 0, f.id)):
            finding_rows.append(
                {
                    "unit_code": s.unit_code,
                    "file": s.file_name,
                    "sheet": f.sheet or "",
                    "row": f.row if f.row is not None else "",
                    "field": f.field or "",
                    "rule_id": f.rule_id,
                    "severity": f.severity,
                    "message": f.message,
                }
            )
    write_csv(directory / "submissions.csv", SUBMISSION_COLUMNS, sub_rows)
    write_csv(directory / "findings.csv", FINDING_COLUMNS, finding_rows)
