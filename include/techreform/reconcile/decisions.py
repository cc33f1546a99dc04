"""The statistics bureau's own match decisions, which win over the algorithm.

The bureau writes its opinion in the 统计局意见 column of the reconciliation workbook (or of any
sheet with the same columns) and drops the file into ``decisions/``. Every reconciliation reads
all files there, so a decision holds in every later period as long as its file stays:

- **确认** on a row that shows a library project and a statistics project: they are the same;
- **否决** (or 不是同一项目): they are not, and are never linked again;
- **关联** with a 统计项目编号 filled in on a library project's row: link them by hand.

A library project is named by its unit and project code, else its unit, credit code and project
name, so a decision made on the Q2 list still finds the project in Q3.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from techreform.reconcile.match import Decisions
from techreform.reconcile.names import code_key
from techreform.reference import extracts
from techreform.returns.model import UnreadableWorkbook

log = logging.getLogger(__name__)

CONFIRM = "confirm"
REJECT = "reject"
LINK = "link"
_WORDS = (
    (REJECT, re.compile(r"否决|不是同一|不同项目|不匹配|拒绝|驳回")),
    (CONFIRM, re.compile(r"确认|同意|是同一|正确|匹配")),
    (LINK, re.compile(r"关联|链接|对应")),
)


def library_key(unit: str, project_code: str | None, uscc: str | None, project_name: str | None) -> str:
    """How a decision names a library project across periods."""
    code = code_key(project_code)
    if code:
        return f"{unit}|code:{code}"
    name = re.sub(r"\s", "", project_name or "")
    return f"{unit}|name:{code_key(uscc)}:{name}"


@dataclass(frozen=True)
class Decision:
    kind: str  # confirm | reject | link
    library: str  # library_key(...)
    stats_project_id: str
    source: str  # file and row, for the evidence sheet


def _kind(text: str | None) -> str | None:
    for kind, pattern in _WORDS:
        if text and pattern.search(text):
            return kind
    return None


def read(folder: Path) -> list[Decision]:
    """Every decision in the files of ``folder``, in file-name order (a later file wins)."""
    out: list[Decision] = []
    if not folder.is_dir():
        return out
    for path in sorted(p for p in folder.iterdir() if p.suffix.lower() in (".xlsx", ".xls", ".xlsm")):
        if path.name.startswith(("~$", ".")):
            continue
        try:
            sheets = read_tables(path)
        except UnreadableWorkbook:
            log.warning("decisions file %s cannot be opened; skipped", path.name)
            continue
        for sheet in sheets:
            for row in sheet.rows:
                kind = _kind(row.get("decision"))
                unit, sid = row.get("unit_code"), row.get("stats_project_id")
                if kind is None or not unit or not sid:
                    continue
                key = library_key(unit, row.get("project_code"), row.get("uscc"), row.get("project_name"))
                out.append(Decision(kind, key, str(sid), f"{path.name}:{sheet.name}:{row['_row']}"))
    return out


def read_tables(path: Path):
    """Each sheet of a decisions workbook that has a 统计局意见 column."""
    from techreform.returns.table import read_sheet
    from techreform.returns.table_file import open_table_workbook

    wb = open_table_workbook(path)
    found = []
    for name in wb.sheet_names:
        try:
            sh = wb.get_sheet_by_name(name)
            sheet = read_sheet(
                name, sh.to_python(skip_empty_area=False), sh.merged_cell_ranges or [], extracts.DECISIONS
            )
        except Exception as e:  # one odd sheet does not hide the others
            log.warning("decisions sheet %s of %s unreadable: %s", name, path.name, e)
            continue
        if sheet is not None and "decision" in sheet.columns and "stats_project_id" in sheet.columns:
            found.append(sheet)
    return found


def as_matcher_input(decisions: list[Decision], library_keys: dict[str, str]) -> Decisions:
    """The decisions for the matcher: ``library_keys`` maps a library_key to this period's record key.
    The last decision on a pair wins."""
    final: dict[tuple[str, str], str] = {}
    for d in decisions:
        final[(d.library, d.stats_project_id)] = d.kind
    out = Decisions()
    for (lib, sid), kind in sorted(final.items()):
        record = library_keys.get(lib)
        if record is None:
            continue
        if kind == REJECT:
            out.rejected.add((record, sid))
        else:
            out.linked.append((record, sid))
    return out


__all__ = ["Decision", "as_matcher_input", "library_key", "read", "read_tables"]
