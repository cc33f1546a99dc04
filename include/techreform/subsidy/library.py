"""The library a subsidy estimate prices: the projects and recognitions of the accepted returns in
force for the period (the warehouse), each project with its reconciliation category of the period
(the warehouse table ``recon_item``, library side; or the period's reconciliation in hand)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from techreform import warehouse as wh
from techreform.reconcile.model import Reconciliation
from techreform.subsidy.inputs import code_key
from techreform.subsidy.model import SubsidyProject, SubsidyRecognition


def _num(v: object) -> float | None:
    return None if v is None else float(v)  # type: ignore[arg-type]


def recon_categories(engine: Engine, period: str, rec: Reconciliation | None = None) -> dict[int, str] | None:
    """{warehouse project id: library-side category} of the period; None when the period has not
    been reconciled."""
    if rec is not None:
        return {int(x.key): x.category for x in rec.library if x.key.isdigit()}
    with Session(engine) as s:
        rows = s.execute(
            select(wh.ReconItem.project_id, wh.ReconItem.category)
            .join(wh.ReconRun, wh.ReconRun.id == wh.ReconItem.run_id)
            .where(
                wh.ReconRun.period == period,
                wh.ReconItem.side == "library",
                wh.ReconItem.project_id.is_not(None),
            )
        ).all()
    if not rows:
        return None
    return {int(pid): str(cat) for pid, cat in rows if pid is not None}


def library(
    engine: Engine, period: str, categories: dict[int, str] | None
) -> tuple[list[SubsidyProject], list[SubsidyRecognition]]:
    with Session(engine) as s:
        ids = list(
            s.scalars(
                select(wh.Submission.id).where(
                    wh.Submission.period == period, wh.Submission.status == wh.ACCEPTED
                )
            )
        )
        projects = [
            SubsidyProject(
                unit=p.unit_code,
                uscc=code_key(p.uscc),
                enterprise=p.enterprise_name or "",
                project_name=p.project_name or "",
                project_code=code_key(p.project_code),
                status=p.status or "",
                above_scale=p.above_scale or "",
                total_investment=_num(p.total_investment),
                equipment_investment=_num(p.equipment_investment),
                category=None if categories is None else categories.get(p.id),
                project_id=p.id,
            )
            for p in s.scalars(
                select(wh.Project)
                .where(wh.Project.submission_id.in_(ids))
                .order_by(wh.Project.unit_code, wh.Project.row)
            )
        ]
        recognitions = [
            SubsidyRecognition(
                unit=r.unit_code,
                uscc=code_key(r.uscc),
                enterprise=r.enterprise_name or "",
                category=r.category or "",
                level=r.level or "",
                year=r.year,
            )
            for r in s.scalars(
                select(wh.Recognition)
                .where(wh.Recognition.submission_id.in_(ids))
                .order_by(wh.Recognition.unit_code, wh.Recognition.row)
            )
        ]
    return projects, recognitions
