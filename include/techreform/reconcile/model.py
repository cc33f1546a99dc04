"""A period's reconciliation as the outputs and the indicators read it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from techreform.reconcile.extract import Extract
from techreform.reconcile.match import Link


@dataclass
class LibraryItem:
    """A project of a return in force, with its category and what it was linked to."""

    key: str  # the warehouse project id, as text
    decision_key: str  # decisions.library_key(...): the same project in every period
    unit: str
    enterprise_name: str | None
    uscc: str | None
    project_name: str | None
    project_code: str | None
    total_investment: float | None
    ytd_completed: float | None
    status: str | None
    source: str  # file, sheet and Excel row the county wrote it on
    qualifying: bool = False
    category: str = ""
    stats_project_id: str | None = None
    stats_ytd: float | None = None
    link: Link | None = None


@dataclass
class StatsItem:
    key: str  # 统计项目编号
    unit: str
    enterprise_name: str | None
    uscc: str | None
    project_name: str | None
    project_code: str | None
    construction_nature: str | None
    total_investment: float | None
    ytd_completed: float | None
    row: int
    category: str = ""
    library_key: str | None = None


@dataclass
class Reconciliation:
    period: str
    extract: Extract
    library: list[LibraryItem] = field(default_factory=list)
    stats: list[StatsItem] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    decisions_applied: int = 0
    # each side's items by unit, made when first asked (a province: ~180 units, 100,000 items a side)
    _index: dict[str, tuple[int, int, dict[str, list[Any]]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def library_of(self, unit: str) -> list[LibraryItem]:
        return list(self._by_unit("library", self.library).get(unit, ()))

    def stats_of(self, unit: str) -> list[StatsItem]:
        return list(self._by_unit("stats", self.stats).get(unit, ()))

    def _by_unit(self, side: str, items: list[Any]) -> dict[str, list[Any]]:
        known = self._index.get(side)
        if known is None or known[:2] != (id(items), len(items)):  # another or a longer list: again
            index: dict[str, list[Any]] = {}
            for x in items:
                index.setdefault(x.unit, []).append(x)
            known = self._index[side] = (id(items), len(items), index)
        return known[2]
