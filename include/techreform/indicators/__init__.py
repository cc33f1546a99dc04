"""Indicators against each unit's targets (DESIGN.md §3.3, §4): the catalogue as data, the values
per unit and for the jurisdiction, completion, time progress, status and rank.

Modules: ``catalogue`` (``catalogue.yaml`` expanded for a profile), ``compute`` (values from plain
inputs), ``inputs`` (gathering those inputs), ``targets`` (目标责任书), ``progress`` (completion,
序时进度, status, rank), ``outputs`` (indicators.csv).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from techreform.indicators.catalogue import Indicator, assessed, catalogue
from techreform.indicators.compute import Inputs, values
from techreform.indicators.progress import Standing, ranked, standing


@dataclass
class Indicators:
    period: str
    indicators: list[Indicator]
    rows: list[Standing]  # per indicator: every unit, then the jurisdiction's own code
    warnings: list[str] = field(default_factory=list)

    def of(self, indicator_id: str) -> list[Standing]:
        return [r for r in self.rows if r.indicator == indicator_id]


def evaluate(
    indicators: list[Indicator],
    x: Inputs,
    targets: dict[tuple[str, str], float],
    quarter: int,
    period: str,
    comparisons: Mapping[str, str] | None = None,
) -> Indicators:
    """Values, targets, completion, time progress, status and ranks for every unit and the total.
    A total without its own target row takes the sum of the units' targets. ``comparisons`` says
    how an indicator is held to its target (``more_than``: strictly above; default ``at_least``)."""
    vals = values(indicators, x)
    rows: list[Standing] = []
    for ind in indicators:
        how = (comparisons or {}).get(ind.id, "at_least")
        unit_rows = [
            standing(ind, u, vals[(u, ind.id)], targets.get((u, ind.id)), quarter, how) for u in x.units
        ]
        total_target = targets.get((x.jurisdiction, ind.id))
        if total_target is None:
            unit_targets = [targets.get((u, ind.id)) for u in x.units]
            if any(t is not None for t in unit_targets) and ind.kind != "rate":
                total_target = sum(t or 0.0 for t in unit_targets)
        total = standing(ind, x.jurisdiction, vals[(x.jurisdiction, ind.id)], total_target, quarter, how)
        rows.extend([*ranked(ind, unit_rows), total])
    return Indicators(period, indicators, rows)


__all__ = ["Indicator", "Indicators", "Inputs", "assessed", "catalogue", "evaluate"]
