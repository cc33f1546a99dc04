"""Gathering what the indicators are computed from: the returns in force (warehouse), the statistics
extract's unit totals, the period's reconciliation and the timeliness of the first accepted returns.

A province holds some 100,000 project rows a period: they are read as plain rows of the columns the
indicators use (a Core select, the columns' own types converting the amounts), not as ORM objects.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import select, type_coerce
from sqlalchemy.engine import Engine
from sqlalchemy.sql.elements import ColumnElement

from techreform import warehouse as wh
from techreform.indicators.compute import EFFECTS, Inputs, ProjectFacts, RecognitionRow
from techreform.reference.periods import Period
from techreform.reference.profiles import Profile
from techreform.reference.profiles.sections import PROJECT_NUMBER_FIELDS, PROJECT_TEXT_FIELDS
from techreform.warehouse.decimals import Exact

EFFECT_COLUMNS = tuple(EFFECTS.values())  # staff_reduction_pct, energy_reduction_pct, efficiency_gain_pct
# the 项目表 columns every indicator reads; with a profile's own indicators, their fields too (each once)
FACT_COLUMNS = (
    "uscc",
    "status",
    "reform_type",
    "total_investment",
    "annual_plan",
    "smart_equipment_units",
    *EFFECT_COLUMNS,
)
PROJECT_COLUMNS = tuple(dict.fromkeys((*FACT_COLUMNS, *PROJECT_TEXT_FIELDS, *PROJECT_NUMBER_FIELDS)))


def _num(v: object) -> float | None:
    return None if v is None else float(v)  # type: ignore[arg-type]


def exact_float(kind: Exact, raw: object) -> float | None:
    """``float(kind.to_decimal(raw))`` (what the column gives, as float) for a value as the
    database returns it, without a Decimal where that cannot change it: a float whose shortest
    text has no more decimals than the column's scale (SQLite), a Decimal of at most that scale
    (PostgreSQL), an integer (SQLite keeps 100.0 as 100). Anything else (NaN, infinity, more
    decimals) goes through ``to_decimal``."""
    if raw is None:
        return None
    if isinstance(raw, float):
        text = repr(raw)
        dot = text.find(".")
        if dot >= 0 and "e" not in text and len(text) - dot - 1 <= kind.scale:
            return raw
    elif isinstance(raw, Decimal):
        exponent = raw.as_tuple().exponent
        if isinstance(exponent, int) and exponent >= -kind.scale:
            return float(raw)
    elif isinstance(raw, int) and not isinstance(raw, bool):
        return float(raw)
    d = kind.to_decimal(raw)
    return None if d is None else float(d)


def _column(engine: Engine, name: str) -> ColumnElement[Any]:
    """A 项目表 column to select: an exact (NUMERIC) one as the database returns it, converted by
    ``exact_float`` (100,000 rows a province: a Decimal per amount costs seconds)."""
    col = wh.Project.__table__.c[name]
    if isinstance(col.type, Exact):
        return type_coerce(col, col.type.load_dialect_impl(engine.dialect))
    return col


def project_facts(row: dict[str, Any], *, with_fields: bool = True) -> ProjectFacts:
    """The facts of one 项目表 row (``PROJECT_COLUMNS`` by name; ``FACT_COLUMNS`` are enough
    without ``with_fields``, the fields only a profile's own indicators read), amounts as float."""
    fields: dict[str, object] = {}
    if with_fields:
        fields.update({name: row[name] for name in PROJECT_TEXT_FIELDS})
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
        with_fields = bool(profile.custom_indicators)  # only a profile's own indicators read them
        names = PROJECT_COLUMNS if with_fields else FACT_COLUMNS
        rows = c.execute(
            select(table.unit_code, *(_column(engine, name) for name in names))
            .where(table.submission_id.in_(ids))
            .order_by(table.id)
        )
        exact = [(i, t) for i, name in enumerate(names) if isinstance(t := table[name].type, Exact)]
        for unit, *values in rows:
            for i, kind in exact:
                values[i] = exact_float(kind, values[i])
            facts = project_facts(dict(zip(names, values, strict=True)), with_fields=with_fields)
            projects[unit].append(facts)
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
