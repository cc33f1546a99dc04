"""reconciliation.csv (DESIGN.md §3.4), the bureau's workbook and the units' follow-up lists."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from techreform.outputs import csv_bytes
from techreform.reconcile.model import Reconciliation
from techreform.reference.profiles import Profile
from techreform.workbooks import reconciliation as workbook
from techreform.workbooks.common import publish as publish_file
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


@dataclass
class Rendered:
    """Every output of a period as bytes, not yet written (``publish`` writes them)."""

    csv: bytes
    book: bytes | None  # None until made (``render(..., book=False)``: made elsewhere)
    followups: dict[str, bytes | None]  # by unit; None: the unit has nothing to follow up


def render(
    profile: Profile, rec: Reconciliation, *, book: bool = True, units: list[str] | None = None
) -> Rendered:
    """The outputs as bytes: the workbook unless ``book`` is False, the lists of ``units`` (all
    the profile's when None)."""
    return Rendered(
        csv=csv_bytes(CSV_COLUMNS, csv_rows(rec)),
        book=workbook.workbook_bytes(profile, rec) if book else None,
        followups=followups(profile, rec, [u.code for u in profile.units] if units is None else units),
    )


def followups(profile: Profile, rec: Reconciliation, units: list[str]) -> dict[str, bytes | None]:
    return {unit: workbook.followup_bytes(profile, rec, unit) for unit in units}


def publish(ws: Workspace, profile: Profile, rec: Reconciliation, out: Rendered) -> list[Path]:
    """Write the outputs, each atomically and only if it changed (a unit with nothing to follow up
    has its list removed); returns the files whose content changed."""
    if out.book is None or any(u.code not in out.followups for u in profile.units):
        raise ValueError("not every output was made")
    changed: list[Path] = []
    folder = ws.reports_for(rec.period)
    csv_path = folder / "reconciliation.csv"
    if publish_file(csv_path, out.csv):
        changed.append(csv_path)
    path = folder / file_name(rec.period)
    if publish_file(path, out.book):
        changed.append(path)
    for unit in profile.units:
        data = out.followups[unit.code]
        path = ws.outbox / unit.code / followup_name(rec.period)
        if data is None:
            if path.exists():
                path.unlink()
        elif publish_file(path, data):
            changed.append(path)
    return changed


def write_all(ws: Workspace, profile: Profile, rec: Reconciliation) -> list[Path]:
    """Write every output of the period; returns the files whose content changed."""
    return publish(ws, profile, rec, render(profile, rec))
