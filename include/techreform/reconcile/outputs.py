"""reconciliation.csv (DESIGN.md §3.4), the bureau's workbook and the units' follow-up lists."""

from __future__ import annotations

from pathlib import Path

from techreform.outputs import write_csv
from techreform.reconcile.model import Reconciliation
from techreform.reference.profiles import Profile
from techreform.workbooks import reconciliation as workbook
from techreform.workspace import Workspace

CSV_COLUMNS = (
    "unit_code",
    "side",
    "project_code",
    "uscc",
    "project_name",
    "stats_project_id",
    "category",
    "library_ytd",
    "stats_ytd",
)


def _num(v: float | None) -> str:
    return "" if v is None else f"{v:.4f}".rstrip("0").rstrip(".")


def csv_rows(rec: Reconciliation) -> list[dict[str, str]]:
    rows = []
    lib_ytd = {x.key: x.ytd_completed for x in rec.library}
    for x in rec.library:
        rows.append(
            {
                "unit_code": x.unit,
                "side": "library",
                "project_code": x.project_code or "",
                "uscc": x.uscc or "",
                "project_name": x.project_name or "",
                "stats_project_id": x.stats_project_id or "",
                "category": x.category,
                "library_ytd": _num(x.ytd_completed),
                "stats_ytd": _num(x.stats_ytd),
            }
        )
    for s in rec.stats:
        rows.append(
            {
                "unit_code": s.unit,
                "side": "stats",
                "project_code": s.project_code or "",
                "uscc": s.uscc or "",
                "project_name": s.project_name or "",
                "stats_project_id": s.key,
                "category": s.category,
                "library_ytd": _num(lib_ytd.get(s.library_key or "")),
                "stats_ytd": _num(s.ytd_completed),
            }
        )
    return rows


def file_name(period: str) -> str:
    return f"对账_{period}.xlsx"


def followup_name(period: str) -> str:
    return f"对账待核实清单_{period}.xlsx"


def write_all(ws: Workspace, profile: Profile, rec: Reconciliation) -> list[Path]:
    """Write every output of the period; returns the files whose content changed."""
    changed: list[Path] = []
    folder = ws.reports_for(rec.period)
    csv_path = folder / "reconciliation.csv"
    if write_csv(csv_path, CSV_COLUMNS, csv_rows(rec)):
        changed.append(csv_path)
    book = folder / file_name(rec.period)
    if workbook.write_workbook(book, profile, rec):
        changed.append(book)
    for unit in profile.units:
        path = ws.outbox / unit.code / followup_name(rec.period)
        if workbook.write_unit_followup(path, profile, rec, unit.code):
            changed.append(path)
    return changed
