"""Gathering what the indicators are computed from: the returns in force (warehouse), the statistics
extract's unit totals, the period's reconciliation and the timeliness of the first accepted returns."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from techreform import warehouse as wh
from techreform.indicators.compute import Inputs, ProjectFacts, RecognitionRow
from techreform.reference.periods import Period
from techreform.reference.profiles import Profile
from techreform.reference.profiles.sections import PROJECT_NUMBER_FIELDS, PROJECT_TEXT_FIELDS


def _num(v: object) -> float | None:
    return None if v is None else float(v)  # type: ignore[arg-type]


def project_fields(proj: wh.Project) -> dict[str, object]:
    """The 项目表 fields a profile's own indicators may filter on or sum (amounts as float)."""
    out: dict[str, object] = {name: getattr(proj, name) for name in PROJECT_TEXT_FIELDS}
    out.update({name: _num(getattr(proj, name)) for name in PROJECT_NUMBER_FIELDS})
    return out


def gather(engine: Engine, profile: Profile, period: Period) -> Inputs:
    """From the warehouse: the returns in force, the unit totals and coverage of the period's
    reconciliation (none when the period has not been reconciled), the first returns' timeliness."""
    from techreform.reconcile.store import stored_coverage, stored_totals

    p = str(period)
    projects: dict[str, list[ProjectFacts]] = defaultdict(list)
    recognitions: dict[str, list[RecognitionRow]] = defaultdict(list)
    on_time: dict[str, bool] = {}
    with Session(engine) as s:
        in_force = s.scalars(
            select(wh.Submission).where(wh.Submission.period == p, wh.Submission.status == wh.ACCEPTED)
        ).all()
        ids = [x.id for x in in_force]
        for sub in in_force:
            projects.setdefault(sub.unit_code, [])
        for proj in s.scalars(
            select(wh.Project).where(wh.Project.submission_id.in_(ids)).order_by(wh.Project.id)
        ):
            projects[proj.unit_code].append(
                ProjectFacts(
                    uscc=proj.uscc,
                    status=proj.status,
                    reform_type=proj.reform_type,
                    total_investment=_num(proj.total_investment),
                    annual_plan=_num(proj.annual_plan),
                    smart_equipment_units=_num(proj.smart_equipment_units),
                    effects={
                        "staff_reduction_pct": _num(proj.staff_reduction_pct),
                        "energy_reduction_pct": _num(proj.energy_reduction_pct),
                        "efficiency_gain_pct": _num(proj.efficiency_gain_pct),
                    },
                    fields=project_fields(proj),
                )
            )
        for r in s.scalars(select(wh.Recognition).where(wh.Recognition.submission_id.in_(ids))):
            recognitions[r.unit_code].append((r.category, r.level, r.year))
        # timeliness is the unit's earliest accepted return's (a later correction does not count)
        first = s.execute(
            select(wh.Submission.unit_code, wh.Submission.on_time)
            .where(wh.Submission.period == p, wh.Submission.status.in_((wh.ACCEPTED, wh.SUPERSEDED)))
            .order_by(wh.Submission.received_at.desc(), wh.Submission.id.desc())
        ).all()
        for unit, ok in first:  # newest first, so the earliest is written last
            on_time[unit] = bool(ok)
    return Inputs(
        year=period.year,
        units=[u.code for u in profile.units],
        jurisdiction=profile.jurisdiction.code,
        key_project_from=profile.key_project_from,
        projects=dict(projects),
        recognitions=dict(recognitions),
        totals=stored_totals(engine, p),
        coverage=stored_coverage(engine, p),
        on_time=on_time,
    )
