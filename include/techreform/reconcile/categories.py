"""Reconciliation categories on both sides (DESIGN.md §4), from the links the matcher made.

Library side (the accepted returns in force for the period):

- ``duplicate_report``: the same project code in the returns of two units (whatever else);
- ``nature_mismatch``: found in statistics, but its 建设性质 there is not 改建和技术改造, so it is
  not counted as tech-reform investment;
- ``matched`` / ``amount_mismatch``: found, and 本年累计 agrees within max(5% of the statistics'
  figure, 10万元) / does not;
- ``missing_from_stats`` (应统未统): not found, although total ≥ the profile's threshold (500万),
  started (status not 计划) and money spent this year;
- ``not_required``: not found, and not required to be.

Statistics side: a linked project takes its library project's category; an unlinked tech-reform
project is ``missing_from_library``; an unlinked project of another nature is ``not_required``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from techreform.reconcile.match import Link
from techreform.reconcile.names import code_key
from techreform.reference.extracts import TECH_REFORM_NATURE

MATCHED = "matched"
AMOUNT_MISMATCH = "amount_mismatch"
NATURE_MISMATCH = "nature_mismatch"
MISSING_FROM_STATS = "missing_from_stats"
NOT_REQUIRED = "not_required"
DUPLICATE_REPORT = "duplicate_report"
MISSING_FROM_LIBRARY = "missing_from_library"

LIBRARY_CATEGORIES = (
    MATCHED,
    AMOUNT_MISMATCH,
    NATURE_MISMATCH,
    MISSING_FROM_STATS,
    DUPLICATE_REPORT,
    NOT_REQUIRED,
)
FOUND_IN_STATS = (MATCHED, AMOUNT_MISMATCH, NATURE_MISMATCH)  # 入统 (DESIGN.md §4, stats_coverage)

CATEGORY_TEXT = {
    MATCHED: "已入统（一致）",
    AMOUNT_MISMATCH: "已入统（金额不一致）",
    NATURE_MISMATCH: "已入统（建设性质非技改）",
    MISSING_FROM_STATS: "应统未统",
    DUPLICATE_REPORT: "重复报送",
    NOT_REQUIRED: "无需入统",
    MISSING_FROM_LIBRARY: "统计有、县区未报（未入库）",
}

AMOUNT_TOLERANCE_SHARE = 0.05
AMOUNT_TOLERANCE_MIN = 10.0  # 万元


@dataclass(frozen=True)
class LibraryProject:
    key: str
    unit: str
    project_code: str | None
    total_investment: float | None
    ytd_completed: float | None
    status: str | None


@dataclass(frozen=True)
class StatsProject:
    key: str
    unit: str
    construction_nature: str | None
    ytd_completed: float | None


def amounts_agree(library_ytd: float | None, stats_ytd: float | None) -> bool:
    if library_ytd is None or stats_ytd is None:
        return library_ytd == stats_ytd
    tolerance = max(AMOUNT_TOLERANCE_SHARE * abs(float(stats_ytd)), AMOUNT_TOLERANCE_MIN)
    return abs(float(library_ytd) - float(stats_ytd)) <= tolerance + 1e-9


def qualifies(p: LibraryProject, threshold: float) -> bool:
    """Must be in the statistics: total ≥ threshold, started, money spent this year."""
    return (
        p.total_investment is not None
        and float(p.total_investment) >= threshold
        and (p.status or "") != "计划"
        and p.ytd_completed is not None
        and float(p.ytd_completed) > 0
    )


def categorise(
    library: list[LibraryProject], stats: list[StatsProject], links: list[Link], threshold: float
) -> tuple[dict[str, str], dict[str, str]]:
    """({library key: category}, {stats key: category})."""
    units_of_code: dict[str, set[str]] = defaultdict(set)
    for p in library:
        code = code_key(p.project_code)
        if code:
            units_of_code[code].add(p.unit)
    st = {s.key: s for s in stats}
    linked = {x.library: x.stats for x in links}
    lib_cat: dict[str, str] = {}
    for p in library:
        code = code_key(p.project_code)
        found = st.get(linked.get(p.key, ""))
        if code and len(units_of_code[code]) > 1:
            lib_cat[p.key] = DUPLICATE_REPORT
        elif found is not None:
            if (found.construction_nature or "").replace(" ", "") != TECH_REFORM_NATURE:
                lib_cat[p.key] = NATURE_MISMATCH
            elif amounts_agree(p.ytd_completed, found.ytd_completed):
                lib_cat[p.key] = MATCHED
            else:
                lib_cat[p.key] = AMOUNT_MISMATCH
        else:
            lib_cat[p.key] = MISSING_FROM_STATS if qualifies(p, threshold) else NOT_REQUIRED
    stats_cat: dict[str, str] = {}
    by_stats = {x.stats: x.library for x in links}
    for s in stats:
        if s.key in by_stats:
            stats_cat[s.key] = lib_cat[by_stats[s.key]]
        elif (s.construction_nature or "").replace(" ", "") == TECH_REFORM_NATURE:
            stats_cat[s.key] = MISSING_FROM_LIBRARY
        else:
            stats_cat[s.key] = NOT_REQUIRED
    return lib_cat, stats_cat
