"""The statistics bureau's side of the demo city (NOT the product, DESIGN.md §3.2).

Statistics mostly agree with the project library but not everywhere: 应统未统, other amounts,
another 建设性质, names spelled their way, projects no county reported. :func:`write_statistics`
writes each quarter's extract (``projects.xlsx``) and unit totals (``unit_totals.xlsx``).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from techreform.demo.projects import City, Enterprise, Project, new_enterprise, new_project, tolerance
from techreform.demo.vocabulary import PROVINCES, TECH, bad_check
from techreform.demo.writer import write_table
from techreform.reference.periods import Period
from techreform.workspace import Workspace

STATS_COLUMNS = (
    "统计项目编号",
    "项目名称",
    "法人单位名称",
    "统一社会信用代码",
    "县区代码",
    "建设性质",
    "计划总投资（万元）",
    "本年累计完成投资（万元）",
    "项目代码",
    "行业代码",
    "入库年月",
)
TOTALS_COLUMNS = (
    "县区代码",
    "工业投资本年累计（万元）",
    "技改投资本年累计（万元）",
    "上年同期工业投资（万元）",
    "上年同期技改投资（万元）",
)


def _stats_enterprise_name(ent: Enterprise, prefix: str, rng: random.Random) -> str:
    """The same company as statistics spell it: boilerplate differs (§4)."""
    style = rng.choices(("same", "bracket", "city", "province", "suffix"), (40, 15, 15, 15, 15))[0]
    if style == "bracket":
        return f"{ent.brand}{ent.trade}（{prefix}）{ent.suffix}"
    if style == "city":
        return f"{prefix}市{ent.brand}{ent.trade}{ent.suffix}"
    province = PROVINCES.get(ent.uscc[2:4], ("", ""))[1]
    if style == "province" and province and province != prefix:
        return f"{province}{ent.brand}{ent.trade}{ent.suffix}"
    if style == "suffix":
        other = "有限责任公司" if ent.suffix == "有限公司" else "有限公司"
        return f"{prefix}{ent.brand}{ent.trade}{other}"
    return ent.name


def _stats_project_name(p: Project, rng: random.Random) -> str:
    style = rng.choices(("same", "jigai", "no_xiangmu", "brand"), (45, 20, 15, 20))[0]
    if style == "jigai" and "技术改造" in p.name:
        return p.name.replace("技术改造", "技改")
    if style == "no_xiangmu" and p.name.endswith("项目"):
        return p.name[:-2]
    if style == "brand":
        return f"{p.ent.brand}{p.ent.trade}{p.name}"
    return p.name


def link_statistics(city: City) -> None:
    """Decide, once per project, whether and how statistics carry it (stable across quarters)."""
    rng = city.rng
    for p in (p for u in city.units for p in city.library[u.code]):
        if p.also_reported_by:
            continue
        linked = rng.random() < (0.9 if p.total >= city.code_from else 0.15)
        if not linked:  # 应统未统 when it qualifies
            continue
        started = next((q for q in range(1, 5) if p.ytd(q) > 0), None)
        if started is None:
            continue
        p.stats_from_q = started + (1 if rng.random() < 0.08 else 0)  # a few enter a quarter late
        p.stats_nature = p.nature if (p.nature != TECH or rng.random() > 0.08) else "扩建"
        r = rng.random()
        # statistics carry another amount, on plans big enough for it to leave the tolerance
        if r < 0.12 and p.annual >= 10 * tolerance(0):
            p.stats_factor = rng.uniform(0.55, 0.8) if rng.random() < 0.5 else rng.uniform(1.25, 1.6)
        elif r < 0.5:
            p.stats_factor = rng.uniform(0.995, 1.005)
        spell_statistics(p, city.prefix, rng)


def spell_statistics(p: Project, prefix: str, rng: random.Random) -> None:
    p.stats_name = _stats_project_name(p, rng)
    p.stats_ent_name = _stats_enterprise_name(p.ent, prefix, rng)
    p.stats_code = p.code if rng.random() > 0.2 else ""
    p.stats_uscc = p.ent.uscc
    if p.stats_code and rng.random() < 0.03:  # a mistyped credit code; the project code still matches
        p.stats_uscc = bad_check(p.ent.uscc, rng)


def add_stats_only(city: City) -> None:
    """Projects only statistics know: tech-reform ones no county reported, and other industry."""
    rng = city.rng
    for unit in city.units:
        kinds = [TECH] * rng.choices((0, 1, 2), (35, 45, 20))[0] + ["other"] * rng.randint(1, 3)
        for kind in kinds:
            ent = new_enterprise(city, unit)
            p = new_project(city, unit, ent, set(), library=False)
            if p.total < city.code_from:  # statistics only carry projects from the threshold on
                k = math.ceil(city.code_from / p.total) + 1
                p.total, p.equipment, p.prior, p.annual = (
                    k * x for x in (p.total, p.equipment, p.prior, p.annual)
                )
            started = next((q for q in range(1, 5) if p.ytd(q) > 0), None)
            if started is None:
                continue
            p.nature = TECH if kind == TECH else rng.choice(("新建", "扩建"))
            p.stats_nature = p.nature
            p.stats_from_q = started
            if kind != TECH:
                p.name = (
                    f"{ent.brand}{ent.trade}{rng.choice(('新厂区建设项目', '产业园一期项目', '扩建项目'))}"
                )
            spell_statistics(p, city.prefix, rng)
            city.stats_only.append(p)


def assign_stats_ids(city: City) -> None:
    """统计项目编号 in unit order, with gaps."""
    n = 0
    for unit in city.units:
        ps = [p for p in city.library[unit.code] if p.stats_from_q] + [
            p for p in city.stats_only if p.unit == unit.code
        ]
        for p in ps:
            n += city.rng.randint(1, 3)  # gaps: the database holds other places' projects too
            p.stats_id = f"S{n:06d}"


def stats_projects(city: City, q: int) -> list[Project]:
    """The projects in quarter q's extract, by 统计项目编号."""
    ps = [p for u in city.units for p in city.library[u.code]] + city.stats_only
    return sorted((p for p in ps if p.stats_id and p.in_stats(q)), key=lambda p: p.stats_id)


def stats_row(p: Project, q: int) -> tuple[object, ...]:
    y, m = divmod(p.start, 12)
    total = p.total / 10 if p.pid % 5 else float(round(p.total / 10))  # some entered as whole 万元
    return (
        p.stats_id,
        p.stats_name,
        p.stats_ent_name,
        p.stats_uscc,
        p.unit,
        p.stats_nature,
        total,
        p.stats_ytd(q) / 10,
        p.stats_code or None,
        p.ent.industry,
        f"{y}{m + 1:02d}",
    )


def unit_totals(city: City, stats: dict[int, list[Project]]) -> dict[int, dict[str, tuple]]:
    """Industrial and tech-reform investment per unit and quarter, consistent with the extract.

    Tech-reform investment is the extract's 改建和技术改造 projects plus smaller ones statistics
    count in aggregate; its share of industry (30–45%) and growth on last year (−10…+40%) are
    drawn per unit. Every series is year-to-date, so it never falls from one quarter to the next.
    """
    rng = city.rng
    out: dict[int, dict[str, tuple]] = {q: {} for q in stats}
    for unit in city.units:
        mult, base = rng.uniform(1.08, 1.35), rng.uniform(150, 1500)
        share, g_tech, g_ind = rng.uniform(0.30, 0.45), rng.uniform(-0.10, 0.40), rng.uniform(-0.05, 0.25)
        last = (0.0, 0.0, 0.0, 0.0)
        for q in sorted(stats):
            s = sum(p.stats_ytd(q) for p in stats[q] if p.unit == unit.code and p.stats_nature == TECH) / 10
            tech = max(s * mult + base * q, last[1])
            ind = max(tech / (share + rng.uniform(-0.015, 0.015)), last[0])
            prev_tech = max(tech / (1 + g_tech + rng.uniform(-0.03, 0.03)), last[3])
            prev_ind = max(ind / (1 + g_ind + rng.uniform(-0.03, 0.03)), last[2])
            last = (round(ind, 1), round(tech, 1), round(prev_ind, 1), round(prev_tech, 1))
            out[q][unit.code] = (unit.code, *last)
    return out


Totals = dict[int, dict[str, tuple]]


def write_statistics(
    ws: Workspace, city: City, adjust: Callable[[Totals], Totals] | None = None
) -> tuple[dict[str, int], Totals]:
    """Write each quarter's extract and unit totals; gives the rows per period and the totals.
    ``adjust`` may reshape the drawn unit totals before they are written (e.g. to meet targets)."""
    stats = {q: stats_projects(city, q) for q in range(1, city.quarters + 1)}
    for q, ps in stats.items():
        folder = ws.stats / str(Period(city.year, q))
        write_table(folder / "projects.xlsx", STATS_COLUMNS, (stats_row(p, q) for p in ps))
    totals = unit_totals(city, stats)
    if adjust is not None:
        totals = adjust(totals)
    for q, rows in totals.items():
        folder = ws.stats / str(Period(city.year, q))
        write_table(folder / "unit_totals.xlsx", TOTALS_COLUMNS, rows.values())
    return {str(Period(city.year, q)): len(ps) for q, ps in stats.items()}, totals
