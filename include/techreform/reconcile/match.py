"""Linking the county library to the statistics extract, one to one and explainably (DESIGN.md §4).

The statistician's own decisions come first (a confirmed or hand-made link is taken, a rejected
pair is never proposed again). Then three tiers, each assigning only what the earlier ones left:

1. **项目代码**: the same national project code;
2. **信用代码+项目名称**: the same credit code and a similar project name (survives a mistyped or
   blank project code);
3. **企业名称+项目名称**: within one reporting unit, a similar enterprise name and a similar project
   name (survives a mistyped credit code as well).

A pair is never proposed when the records themselves say they differ: different phases (1期/2期),
or two project codes more than one mistyped character apart; the only project of an enterprise
on both sides is taken with a dissimilar name only when its amounts agree (a renamed project).
Candidates are only formed inside blocks (a code, a credit code, a unit), so the work grows with
the size of the blocks, not with library × statistics. Within a tier, pairs are taken best first:
by score, then by how close the amounts are, then by the stable keys of both sides, so the same
input always gives the same links. Every link keeps its evidence: tier, normalised names, scores.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA
from rapidfuzz.process import cdist

from techreform.reconcile.names import Places, code_key, company_key, project_key

TIER_MANUAL = "人工确认"
TIER_CODE = "项目代码"
TIER_USCC = "信用代码+项目名称"
TIER_NAMES = "企业名称+项目名称"

# Similarity thresholds (rapidfuzz ratio, 0–100, on the normalised names)
USCC_PROJECT_MIN = 60.0  # same enterprise: the project names must still be alike
USCC_SOLE_PROJECT_MIN = 30.0  # …unless it is the enterprise's only project on both sides
SOLE_AMOUNT_SHARE = 0.2  # …and then its year-to-date amounts agree within 20%
NAMES_COMPANY_MIN = 80.0  # same unit, no common code: the enterprise must be the same
NAMES_PROJECT_MIN = 60.0
NAMES_MEAN_MIN = 80.0


_PHASE = re.compile(r"(\d+)期")


def _conflict(lib_project: str, stats_project: str, lib_code: str | None, stats_code: str | None) -> bool:
    """Evidence that two similar records are not the same project: different phases (1期/2期), or
    two project codes that differ by more than one mistyped or swapped character."""
    a, b = _PHASE.findall(lib_project), _PHASE.findall(stats_project)
    if a and b and a != b:
        return True
    return bool(lib_code and stats_code and OSA.distance(lib_code, stats_code) > 1)


def _amounts_close(a: Record, b: Record, share: float) -> bool:
    if a.ytd is None or b.ytd is None:
        return False
    return abs(float(a.ytd) - float(b.ytd)) <= share * max(abs(float(b.ytd)), 1.0)


@dataclass(frozen=True)
class Record:
    """One project on either side, as the matcher sees it."""

    key: str  # stable identity: the library row's or the statistics project's id
    unit: str
    project_code: str | None
    uscc: str | None
    enterprise_name: str | None
    project_name: str | None
    ytd: float | None = None


@dataclass(frozen=True)
class Link:
    library: str
    stats: str
    tier: str
    project_score: float
    company_score: float
    library_project_key: str
    stats_project_key: str
    library_company_key: str
    stats_company_key: str


@dataclass
class Decisions:
    """The statistician's: pairs confirmed or linked by hand, and pairs rejected."""

    linked: list[tuple[str, str]] = field(default_factory=list)
    rejected: set[tuple[str, str]] = field(default_factory=set)


@dataclass
class _Side:
    records: dict[str, Record]
    project: dict[str, str] = field(default_factory=dict)
    company: dict[str, str] = field(default_factory=dict)


def _prepare(records: Iterable[Record], places: Places, known: dict[tuple[bool, str | None], str]) -> _Side:
    """Each record's reduced names; ``known`` keeps every name reduced so far (an enterprise has
    several projects, and both sides name the same ones)."""
    side = _Side({r.key: r for r in records})
    for r in side.records.values():
        project = known.get((True, r.project_name))
        if project is None:
            project = known[(True, r.project_name)] = project_key(r.project_name, places)
        company = known.get((False, r.enterprise_name))
        if company is None:
            company = known[(False, r.enterprise_name)] = company_key(r.enterprise_name, places)
        side.project[r.key] = project
        side.company[r.key] = company
    return side


def _amount_gap(a: Record, b: Record) -> float:
    if a.ytd is None or b.ytd is None:
        return float("inf")
    return abs(float(a.ytd) - float(b.ytd))


class _Assignment:
    def __init__(self, lib: _Side, st: _Side, decisions: Decisions) -> None:
        self.lib, self.st, self.decisions = lib, st, decisions
        self.links: dict[str, Link] = {}
        self.taken_stats: set[str] = set()

    def free_library(self) -> list[str]:
        return sorted(k for k in self.lib.records if k not in self.links)

    def free_stats(self) -> list[str]:
        return sorted(k for k in self.st.records if k not in self.taken_stats)

    def link(self, lk: str, sk: str, tier: str) -> Link:
        lp, sp = self.lib.project[lk], self.st.project[sk]
        lc, sc = self.lib.company[lk], self.st.company[sk]
        made = Link(lk, sk, tier, round(fuzz.ratio(lp, sp), 1), round(fuzz.ratio(lc, sc), 1), lp, sp, lc, sc)
        self.links[lk] = made
        self.taken_stats.add(sk)
        return made

    def take_best(self, candidates: list[tuple[float, str, str]], tier: str) -> None:
        """Greedy one-to-one: best score first; then the closer amounts; then the stable keys."""
        ranked = sorted(
            candidates,
            key=lambda c: (
                -c[0],
                _amount_gap(self.lib.records[c[1]], self.st.records[c[2]]),
                c[1],
                c[2],
            ),
        )
        for _, lk, sk in ranked:
            if lk in self.links or sk in self.taken_stats or (lk, sk) in self.decisions.rejected:
                continue
            self.link(lk, sk, tier)


def _blocks(keys: Sequence[str], value: dict[str, str | None]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for k in keys:
        v = value.get(k)
        if v:
            out[v].append(k)
    return out


def match(
    library: Iterable[Record], stats: Iterable[Record], places: Places, decisions: Decisions | None = None
) -> list[Link]:
    """One-to-one links between library and statistics records, with their evidence."""
    decisions = decisions or Decisions()
    known: dict[tuple[bool, str | None], str] = {}
    lib, st = _prepare(library, places, known), _prepare(stats, places, known)
    a = _Assignment(lib, st, decisions)
    for lk, sk in sorted(decisions.linked):
        if lk in lib.records and sk in st.records and lk not in a.links and sk not in a.taken_stats:
            a.link(lk, sk, TIER_MANUAL)

    # 1. the same project code
    lib_code = {k: code_key(r.project_code) or None for k, r in lib.records.items()}
    st_code = {k: code_key(r.project_code) or None for k, r in st.records.items()}
    st_by_code = _blocks(a.free_stats(), st_code)
    cands = []
    for lk in a.free_library():
        for sk in st_by_code.get(lib_code[lk] or "", ()):
            score = 100.0 + fuzz.ratio(lib.project[lk], st.project[sk]) / 1000  # names only break ties
            cands.append((score, lk, sk))
    a.take_best(cands, TIER_CODE)

    # 2. the same credit code and a similar project name
    lib_uscc = {k: code_key(r.uscc) or None for k, r in lib.records.items()}
    st_uscc = {k: code_key(r.uscc) or None for k, r in st.records.items()}
    free_lib, free_st = a.free_library(), a.free_stats()
    lib_by_uscc, st_by_uscc = _blocks(free_lib, lib_uscc), _blocks(free_st, st_uscc)
    cands = []
    for code, lks in lib_by_uscc.items():
        sks = st_by_uscc.get(code, [])
        sole = len(lks) == 1 and len(sks) == 1
        for lk in lks:
            for sk in sks:
                score = fuzz.ratio(lib.project[lk], st.project[sk])
                if _conflict(lib.project[lk], st.project[sk], lib_code[lk], st_code[sk]):
                    continue
                alike = score >= USCC_PROJECT_MIN
                renamed = sole and score >= USCC_SOLE_PROJECT_MIN
                if alike or (renamed and _amounts_close(lib.records[lk], st.records[sk], SOLE_AMOUNT_SHARE)):
                    cands.append((score, lk, sk))
    a.take_best(cands, TIER_USCC)

    # 3. within a unit: a similar enterprise name and a similar project name
    lib_by_unit = _blocks(a.free_library(), {k: r.unit for k, r in lib.records.items()})
    st_by_unit = _blocks(a.free_stats(), {k: r.unit for k, r in st.records.items()})
    cands = []
    for unit, lks in sorted(lib_by_unit.items()):
        sks = st_by_unit.get(unit, [])
        if not sks:
            continue
        comp = cdist([lib.company[k] for k in lks], [st.company[k] for k in sks], scorer=fuzz.ratio)
        proj = cdist([lib.project[k] for k in lks], [st.project[k] for k in sks], scorer=fuzz.ratio)
        mean = (comp + proj) / 2
        ok = (comp >= NAMES_COMPANY_MIN) & (proj >= NAMES_PROJECT_MIN) & (mean >= NAMES_MEAN_MIN)
        for i, j in zip(*np.nonzero(ok), strict=True):
            lk, sk = lks[i], sks[j]
            if not _conflict(lib.project[lk], st.project[sk], lib_code[lk], st_code[sk]):
                cands.append((float(mean[i, j]), lk, sk))
    a.take_best(cands, TIER_NAMES)
    return sorted(a.links.values(), key=lambda x: (x.library, x.stats))
