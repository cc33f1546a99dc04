"""Gathering what the indicators are computed from: the returns in force (warehouse), the statistics
extract's unit totals, the period's reconciliation and the timeliness of the first accepted returns.

A province holds some 100,000 project rows a period: they are read as plain rows of the columns the
indicators use (a Core select, the columns' own types converting the amounts), not as ORM objects.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from techreform import warehouse as wh
from techreform.indicators.compute import EFFECTS, Inputs, ProjectFacts, RecognitionRow
from techreform.reference.periods import Period
from techreform.reference.profiles import Profile
from techreform.reference.profiles.sections import PROJECT_NUMBER_FIELDS, PROJECT_TEXT_FIELDS

EFFECT_COLUMNS = tuple(EFFECTS.values())  # staff_reduction_pct, energy_reduction_pct, efficiency_gain_pct
# every 项目表 column the indicators read, each once: the facts, the effects, a custom indicator's fields
PROJECT_COLUMNS = tuple(
    dict.fromkeys(
        (
            "uscc",
            "status",
            "reform_type",
            "total_investment",
            "annual_plan",
            "smart_equipment_units",
            *EFFECT_COLUMNS,
            *PROJECT_TEXT_FIELDS,
            *PROJECT_NUMBER_FIELDS,
        )
    )
)


def _num(v: object) -> float | None:
    return None if v is None else float(v)  # type: ignore[arg-type]


def project_facts(row: dict[str, Any]) -> ProjectFacts:
    """The facts of one 项目表 row (``PROJECT_COLUMNS`` by name), amounts as float."""
    fields: dict[str, object] = {name: row[name] for name in PROJECT_TEXT_FIELDS}
    fields.update({name: _num(row[name]) for name in PROJECT_NUMBER_FIELDS})
    return ProjectFacts(
        uscc=row["uscc"],
        status=row["status"],
        reform_type=row["reform_type"],
        total_investment=_num(row["total_investment"]),
        annual_plan=_num(row["annual_plan"]),
        smart_equipment_units=_num(row["smart_equipment_units"]),
        effects={name: _num(row[name]) for name in EFFECT_COLUMNS},
        fields=fields,
    )


def gather(engine: Engine, profile: Profile, period: Period) -> Inputs:
    """From the warehouse: the returns in force, the unit totals and coverage of the period's
    reconciliation (none when the period has not been reconciled), the first returns' timeliness."""
    from techreform.reconcile.store import stored_coverage, stored_totals

    p = str(period)
    projects: dict[str, list[ProjectFacts]] = defaultdict(list)
    recognitions: dict[str, list[RecognitionRow]] = defaultdict(list)
    on_time: dict[str, bool] = {}
    table = wh.Project.__table__.c
    with engine.connect() as c:
        in_force = c.execute(
            select(wh.Submission.id, wh.Submission.unit_code).where(
                wh.Submission.period == p, wh.Submission.status == wh.ACCEPTED
            )
        ).all()
        ids = [sid for sid, _ in in_force]
        for _, unit in in_force:
            projects.setdefault(unit, [])
        rows = c.execute(
            select(table.unit_code, *(table[name] for name in PROJECT_COLUMNS))
            .where(table.submission_id.in_(ids))
            .order_by(table.id)
        )
        for unit, *values in rows:
            projects[unit].append(project_facts(dict(zip(PROJECT_COLUMNS, values, strict=True))))
        for unit, category, level, year in c.execute(
            select(
                wh.Recognition.unit_code, wh.Recognition.category, wh.Recognition.level, wh.Recognition.year
            ).where(wh.Recognition.submission_id.in_(ids))
        ):
            recognitions[unit].append((category, level, year))
        # timeliness is the unit's earliest accepted return's (a later correction does not count)
        first = c.execute(
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
