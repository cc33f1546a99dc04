"""File-level checks of a registered file: type, readability, unit and period (DESIGN.md §3.1)."""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from techreform import warehouse as wh
from techreform.intake.inbox import entry_kind, not_a_file_message
from techreform.reference.periods import Period, last_ended
from techreform.reference.profiles import Profile
from techreform.returns import READABLE_SUFFIXES, ParsedReturn, UnreadableWorkbook, period_of, read_return
from techreform.returns.guard import FileRejected
from techreform.returns.isolation import IsolatedReader
from techreform.returns.model import Sheet
from techreform.rules.book import file_finding
from techreform.rules.findings import ERROR, Finding
from techreform.workbooks.template import template_file_name
from techreform.workspace import Workspace

log = logging.getLogger(__name__)


# File-level errors that leave the rows readable on their own: the county hears of every problem
# at once. (A missing column or an unknown period would make the row rules say wrong things.)
_ROWS_STILL_CHECKED = {"wrong_unit", "unknown_unit"}


@dataclass
class Pending:
    sub: wh.Submission
    parsed: ParsedReturn | None = None
    period: Period | None = None
    findings: list[Finding] = field(default_factory=list)

    def _file_errors(self) -> set[str]:
        return {f.rule_id for f in self.findings if f.severity == ERROR and f.row is None}

    @property
    def can_validate_rows(self) -> bool:
        return (
            self.parsed is not None
            and self.parsed.projects is not None
            and self.period is not None
            and self._file_errors() <= _ROWS_STILL_CHECKED
        )

    @property
    def can_compare_history(self) -> bool:
        """The cross-period rules compare with the unit's earlier returns: only for the unit's own."""
        return self.can_validate_rows and not self._file_errors()

    @property
    def projects(self) -> Sheet:
        """The project sheet of a return that has one (see ``can_validate_rows``)."""
        if self.parsed is None or self.parsed.projects is None:
            raise ValueError(f"submission {self.sub.id} has no project sheet")
        return self.parsed.projects


def unprocessable(p: Pending) -> None:
    """A file the product itself failed on (the caller logs why) is rejected with an answer, so
    that one odd file cannot hold up every county's returns run after run."""
    p.findings.append(file_finding("file_unprocessable"))


def check_file(p: Pending, profile: Profile, ws: Workspace, reader: IsolatedReader | None = None) -> None:
    """The file-level checks; ``reader`` reads the workbook in its own process (intake passes one
    per run), without it the file is read here."""
    try:
        _file_checks(p, profile, ws, reader)
    except Exception:
        log.exception("intake could not read %s (submission %s)", p.sub.inbox_path, p.sub.id)
        unprocessable(p)


def to_read(p: Pending, ws: Workspace) -> Path | None:
    """The archived copy ``check_file`` reads, if it reads the file at all (a regular file of a
    workbook's type)."""
    sub = p.sub
    if not sub.archive_path or Path(sub.file_name).suffix.lower() not in READABLE_SUFFIXES:
        return None
    return ws.root / sub.archive_path


def _refused(e: FileRejected) -> Finding:
    """A file refused before or while it was read, in the words of the check that refused it."""
    if e.rule_id == "file_protected":
        return file_finding("file_protected", detail=e.message)
    if e.rule_id == "file_too_slow":
        return file_finding("file_too_slow", detail=e.message)
    if e.rule_id == "file_unreadable":
        return file_finding("file_unreadable", "found", detail=e.message)
    return file_finding("file_too_large", detail=e.message)


def _file_checks(p: Pending, profile: Profile, ws: Workspace, reader: IsolatedReader | None) -> None:
    """File-level checks: type, readability, unit and period (DESIGN.md §3.1)."""
    sub = p.sub
    if not sub.archive_path:  # not a regular file (a link, a pipe): registered, never read
        p.period = period_of(sub.file_name, {})[0]
        p.findings.append(file_finding("not_regular_file", detail=not_a_file_message(_kind(ws, sub))))
        return
    if profile.unit(sub.unit_code) is None:
        p.findings.append(file_finding("unknown_unit", unit_code=sub.unit_code))
    # the period its name gives, for the receipt of a file that cannot be read
    p.period = period_of(sub.file_name, {})[0]
    path = to_read(p, ws)
    if path is None:
        p.findings.append(file_finding("file_type"))
        return
    try:
        isolated = reader is not None and reader.limits.isolate
        p.parsed = reader.read(path) if reader is not None and isolated else read_return(path)
    except FileRejected as e:
        p.findings.append(_refused(e))
        return
    except UnreadableWorkbook:
        p.findings.append(file_finding("file_unreadable", "plain"))
        return
    meta = p.parsed.metadata
    meta_unit = meta.get("unit_code")
    if meta_unit and meta_unit != sub.unit_code:
        other = profile.unit(meta_unit)
        p.findings.append(
            file_finding(
                "wrong_unit",
                "template",
                other_name=other.name if other else meta_unit,
                other_code=meta_unit,
                unit_code=sub.unit_code,
            )
        )
    else:
        named_other = _other_unit_named(sub.file_name, sub.unit_code, profile)
        if named_other:
            p.findings.append(
                file_finding(
                    "wrong_unit",
                    "file_name",
                    other_name=named_other.name,
                    other_code=named_other.code,
                    unit_code=sub.unit_code,
                )
            )
    in_name, in_meta = period_of(sub.file_name, meta)
    p.period = None
    if in_name and in_meta and in_name != in_meta:
        conflict = file_finding("period_conflict", name_period=in_name.label, meta_period=in_meta.label)
        p.findings.append(conflict)
    elif not (in_name or in_meta):
        # the example is the unit's own file name for the quarter it most likely reports
        due = last_ended(sub.received_at)
        example = template_file_name(sub.unit_code, due)
        p.findings.append(file_finding("no_period", example_name=example, example_period=due.label))
    else:
        p.period = in_meta or in_name
    p.findings.extend(p.parsed.findings)


def _other_unit_named(file_name: str, own: str, profile: Profile) -> Any:
    stem = Path(file_name).stem
    codes_in_name = set(re.findall(r"(?<!\d)(\d{6})(?!\d)", stem))
    if own in codes_in_name:
        return None
    for u in profile.units:
        if u.code != own and u.code in codes_in_name:
            return u
    own_unit = profile.unit(own)
    if own_unit and own_unit.name in stem:
        return None
    named = [u for u in profile.units if u.code != own and u.name in stem]
    return max(named, key=lambda u: len(u.name)) if named else None


def _kind(ws: Workspace, sub: wh.Submission) -> str:
    """What the unregistered entry is, if it is still there (a link, a pipe...)."""
    try:
        return entry_kind(os.lstat(ws.root / sub.inbox_path).st_mode)
    except OSError:
        return "other"
