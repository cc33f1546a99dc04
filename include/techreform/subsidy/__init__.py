"""Subsidy estimate (奖补测算, DESIGN.md §2): the profile's ``subsidies`` rules applied to the library.

Modules: ``model`` (projects, inputs, lines), ``rules`` (the arithmetic, caps and exclusions),
``inputs`` (the optional workbook ``<ws>/subsidy/<year>.xlsx``), ``library`` (the warehouse's projects
and recognitions in force, with their reconciliation category). The sheet is written by
:mod:`techreform.workbooks.subsidy`.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from techreform.reconcile.model import Reconciliation
from techreform.reference.profiles import Profile
from techreform.subsidy.inputs import inputs_file, read_inputs
from techreform.subsidy.library import library, recon_categories
from techreform.subsidy.model import (
    Estimate,
    Line,
    ProjectInput,
    SubsidyInputs,
    SubsidyProject,
    SubsidyRecognition,
)
from techreform.subsidy.rules import estimate


def estimate_for(
    engine: Engine, profile: Profile, period: str, ws_root: Path, rec: Reconciliation | None = None
) -> Estimate | None:
    """The period's estimate (normally Q4, the returns in force at the year end); None when the
    profile has no subsidy rules."""
    if not profile.subsidies:
        return None
    year = int(period[:4])
    given = read_inputs(inputs_file(ws_root, year))
    categories = recon_categories(engine, period, rec)
    projects, recognitions = library(engine, period, categories)
    result = estimate(profile.subsidies, projects, recognitions, given, year, profile.subsidy_total_cap)
    if given.source == "":
        result.warnings.append(
            f"未找到奖补测算输入表 subsidy/{year}.xlsx：上级资金、设计费、智能装备采购额、省级资金、"
            "地方留存税收均按未提供处理"
        )
    if categories is None and any(r.in_statistics_only for r in profile.subsidies):
        result.warnings.append("本期尚无对账结果：要求列入统计库的条款暂不测算")
    return result


__all__ = [
    "Estimate",
    "Line",
    "ProjectInput",
    "SubsidyInputs",
    "SubsidyProject",
    "SubsidyRecognition",
    "estimate",
    "estimate_for",
]
