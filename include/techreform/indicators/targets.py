"""The year's targets (目标责任书, DESIGN.md §3.3): ``targets/<year>.xlsx``, one row per unit and
indicator (ids or Chinese names), plus optional rows for the jurisdiction's own code."""

from __future__ import annotations

import logging
from pathlib import Path

from techreform.indicators.catalogue import Indicator, find
from techreform.reference import extracts
from techreform.reference.profiles import DocumentTarget, Profile
from techreform.returns.model import UnreadableWorkbook
from techreform.returns.table_file import read_table

log = logging.getLogger(__name__)


def document_target(profile: Profile, indicator: str, year: int) -> DocumentTarget | None:
    """The document's target of an indicator for ``year``, else the one of the nearest year (an
    earlier one first): what a year the document does not name is held to."""
    mine = [t for t in profile.document_targets if t.tracked and t.indicator == indicator]
    if not mine:
        return None
    return min(mine, key=lambda t: (abs(t.year - year), t.year > year))


def comparisons(profile: Profile, year: int) -> dict[str, str]:
    """{indicator id: comparison} from the document's targets (nearest year); an indicator without
    one is held ``at_least`` its target."""
    ids = {t.indicator for t in profile.document_targets if t.tracked}
    out: dict[str, str] = {}
    for ident in ids:
        t = document_target(profile, ident, year)
        if t is not None:
            out[ident] = t.comparison
    return out


class TargetsError(Exception):
    """The targets file cannot be used (the message is Chinese)."""


def targets_file(folder: Path, year: int) -> Path | None:
    for suffix in (".xlsx", ".xls", ".xlsm"):
        p = folder / f"{year}{suffix}"
        if p.is_file():
            return p
    return None


def read_targets(folder: Path, year: int, profile: Profile) -> tuple[dict[tuple[str, str], float], list[str]]:
    """({(unit code, indicator id): annual target}, warnings). Empty when there is no file."""
    path = targets_file(folder, year)
    if path is None:
        return {}, []
    try:
        sheet = read_table(path, extracts.TARGETS, ("unit_code", "indicator", "target"))
    except UnreadableWorkbook as e:
        raise TargetsError(f"目标责任书 {path.name} 无法打开（{e}）") from e
    if sheet is None:
        raise TargetsError(f"目标责任书 {path.name} 中找不到表头（应含：单位代码、指标、年度目标）")
    known = {u.code for u in profile.units} | {profile.jurisdiction.code}
    out: dict[tuple[str, str], float] = {}
    warnings: list[str] = []
    for row in sheet.rows:
        unit, text, value = row.get("unit_code"), row.get("indicator"), row.get("target")
        ind = find(profile, text) if text else None
        if ind is None:
            warnings.append(f"{path.name} 第{row['_row']}行：指标“{text}”不在本政策口径的指标目录中，已忽略")
            continue
        if unit not in known:
            warnings.append(f"{path.name} 第{row['_row']}行：单位代码“{unit}”不是本地区的填报单位，已忽略")
            continue
        if value is None:
            continue
        out[(str(unit), ind.id)] = float(value)
    return out, warnings


def missing_targets(
    profile: Profile, indicators: list[Indicator], targets: dict[tuple[str, str], float], year: int
) -> list[str]:
    """What the annual assessment weighs but the targets file does not give, in plain Chinese: one
    line per weighted indicator some unit lacks a target for (that line of its score is not counted)."""
    from techreform.indicators.scoring import settings  # the assessment's weights

    raw = profile.raw.get("assessment") if isinstance(profile.raw, dict) else None
    labels = {i.id: i.label for i in indicators}
    out = []
    for ident in settings(raw)["weights"]:
        lacking = [u.name for u in profile.units if (u.code, ident) not in targets]
        if not lacking:
            continue
        who = "所有单位" if len(lacking) == len(profile.units) else "、".join(lacking)
        out.append(
            f"目标责任书 targets/{year}.xlsx 未给出“{labels.get(ident, ident)}”的年度目标（{who}），"
            "年度考核中该项不计分"
        )
    return out
