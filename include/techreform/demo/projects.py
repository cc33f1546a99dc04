"""The demo city's project library (NOT the product): enterprises and their projects over a year,
the recognitions they hold, which unit stays silent each quarter.

Amounts are kept in integer tenths of 万元 while generating, so that rounding can never break a
rule the clean data must keep (equipment ≤ total, ytd ≤ cumulative ≤ total, ytd never falls).
Thresholds come from the profile (``project_code_required_from``, ``key_project_from``).
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass, field

from techreform.demo.vocabulary import (
    BRAND_A,
    BRAND_B,
    INDUSTRY,
    INDUSTRY_CODES,
    INDUSTRY_WEIGHTS,
    LEVEL_WEIGHTS,
    LEVELS_OF,
    NAMES_OTHER,
    NAMES_TECH,
    OUTPUTS,
    PROVINCES,
    RECOG_WEIGHTS,
    SUFFIXES,
    TECH,
    name_pool,
    new_project_code,
    new_uscc,
    person,
    phone,
)
from techreform.reference.codes import gb2260
from techreform.reference.periods import month_index
from techreform.reference.profiles import Profile, Unit


@dataclass
class Enterprise:
    uscc: str
    name: str
    brand: str  # 金联
    trade: str  # 重工
    suffix: str  # 有限公司
    industry: str
    above_scale: bool
    contact: str
    phone: str


@dataclass
class Project:
    """One project over the year; its quarterly figures are derived, never stored."""

    pid: int
    unit: str  # the reporting unit whose library (or statistics) holds it
    ent: Enterprise
    name: str
    code: str  # "" when the county has none (below the profile's threshold)
    reform_type: str
    nature: str
    y0: int  # month index of January of the year
    start: int  # month index
    completion: int  # month index
    total: int  # tenths of 万元
    equipment: int
    prior: int  # spent before this year
    annual: int  # 本年计划投资
    progress: tuple[float, float, float, float]  # share of `annual` done by the end of Q1..Q4
    first_q: int = 1  # the quarter it enters the county's return
    smart_units: int = 0
    effects: tuple[float | None, float | None, float | None] = (None, None, None)
    produces: bool = False  # 投产 rather than 竣工 once completed
    claims_stats: bool = False  # the county says 是否入统 = 是 even when statistics lack it
    also_reported_by: str | None = None  # a second unit that reports it too (duplicate_report)
    dup_from_q: int = 1
    vanish_q: int | None = None  # left out of the return in that quarter only
    # the statistics bureau's view of it
    stats_id: str = ""
    stats_from_q: int | None = None  # None: never in statistics
    stats_nature: str = ""
    stats_factor: float = 1.0
    stats_name: str = ""
    stats_ent_name: str = ""
    stats_code: str = ""
    stats_uscc: str = ""

    def period_end(self, q: int) -> int:
        return self.y0 + 3 * q - 1

    def ytd(self, q: int) -> int:
        if self.start > self.period_end(q):
            return 0
        return math.floor(self.annual * self.progress[q - 1])

    def status(self, q: int) -> str:
        end = self.period_end(q)
        if self.start > end:
            return "计划"
        if self.completion <= end:
            return "投产" if self.produces and self.completion < end else "竣工"
        return "续建" if self.start < self.y0 else "新开工"

    def in_stats(self, q: int) -> bool:
        return self.stats_from_q is not None and q >= self.stats_from_q and self.ytd(q) > 0

    def stats_ytd(self, q: int) -> int:
        lib = self.ytd(q)
        st = round(lib * self.stats_factor)
        # keep clear of the matching tolerance, so the planted category is unambiguous
        if abs(abs(lib - st) - tolerance(st)) < 5:
            st = lib
        return st


def tolerance(stats_tenths: int) -> float:
    """§4: amounts agree within max(5% of stats, 10万元), here in tenths."""
    return max(0.05 * stats_tenths, 100)


@dataclass
class City:
    """Everything generated so far, and the one random stream it all comes from."""

    profile: Profile
    year: int
    quarters: int
    units: list[Unit]
    rng: random.Random
    usccs: set[str] = field(default_factory=set)
    pcodes: set[str] = field(default_factory=set)
    brands: set[str] = field(default_factory=set)
    library: dict[str, list[Project]] = field(default_factory=dict)
    stats_only: list[Project] = field(default_factory=list)
    recognitions: dict[str, list[tuple[int, dict]]] = field(default_factory=dict)  # unit → (from_q, row)
    next_pid: int = 0

    @property
    def y0(self) -> int:
        return month_index(self.year, 1)

    @property
    def prefix(self) -> str:
        """The jurisdiction's name without 市/省/县…: the place name companies carry."""
        return re.sub(r"(市|省|县|自治州|地区)$", "", self.profile.jurisdiction.name)

    @property
    def code_from(self) -> int:
        """Tenths of 万元 from which a project needs a project code (and statistics carry it)."""
        return round(self.profile.project_code_required_from * 10)

    @property
    def key_from(self) -> int:
        """Tenths of 万元 from which a project is a key project (千万元以上项目)."""
        return round(self.profile.key_project_from * 10)

    def pid(self) -> int:
        self.next_pid += 1
        return self.next_pid


def new_enterprise(city: City, unit: Unit) -> Enterprise:
    rng = city.rng
    industry = rng.choices(INDUSTRY_CODES, INDUSTRY_WEIGHTS)[0]
    trade = rng.choice(INDUSTRY[industry][0])
    for attempt in range(10**6):  # a brand the city has not used, so that names never collide
        brand = rng.choice(BRAND_A) + rng.choice(BRAND_B)
        if attempt > 40:  # two-character brands run out in a big province: take three
            brand = rng.choice(BRAND_A) + brand
        if attempt > 200:  # and three-character ones at benchmark scale (~40,000): take four
            brand = rng.choice(BRAND_B) + brand
        if len(set(brand)) == len(brand) and brand not in city.brands:
            city.brands.add(brand)
            break
    suffix = rng.choices([s for s, _ in SUFFIXES], [w for _, w in SUFFIXES])[0]
    return Enterprise(
        uscc=new_uscc(
            rng, unit.code if gb2260.is_valid(unit.code) else city.profile.jurisdiction.code, city.usccs
        ),
        name=f"{city.prefix}{brand}{trade}{suffix}",
        brand=brand,
        trade=trade,
        suffix=suffix,
        industry=industry,
        above_scale=rng.random() < 0.9,
        contact=person(rng),
        phone=phone(rng),
    )


def new_project_name(rng: random.Random, ent: Enterprise, reform_type: str, used: set[str]) -> str:
    """A name unlike the enterprise's other projects (matching by name must stay unambiguous)."""
    pool = [t for t in name_pool(reform_type) if t not in used] or list(NAMES_TECH + NAMES_OTHER)
    template = rng.choice(pool)
    used.add(template)
    product, measure = rng.choice(INDUSTRY[ent.industry][1])
    return template.format(p=product, n=rng.choice(OUTPUTS), m=measure)


def _schedule(rng: random.Random, y0: int) -> tuple[int, int]:
    """Start and planned completion: running, starting this year, planned, or finished."""
    kind = rng.choices(("running", "new", "next_year", "finished"), (50, 27, 8, 15))[0]
    if kind == "running":
        start = y0 - rng.randint(1, 24)
        return start, max(start + rng.randint(8, 36), y0 + rng.randint(1, 20))
    if kind == "new":
        start = y0 + rng.randint(0, 10)
        return start, start + rng.randint(6, 30)
    if kind == "next_year":
        start = y0 + 12 + rng.randint(0, 5)
        return start, start + rng.randint(8, 24)
    start = y0 - rng.randint(8, 30)
    return start, y0 + rng.randint(-4, 2)


def _money(
    rng: random.Random, y0: int, start: int, completion: int, code_from: int
) -> tuple[int, int, int, int]:
    """(total, equipment, prior, annual) in tenths of 万元, consistent with the rules."""
    if rng.random() < 0.2:  # small projects below the library threshold (code_from, in tenths)
        total = rng.randint(code_from // 5, code_from - 10)
    else:  # a log-normal around 3000万, up to 8亿
        total = min(max(int(math.exp(rng.gauss(math.log(3000), 1.0)) * 10), code_from), 800_000)
    equipment = math.floor(total * rng.uniform(0.28, 0.78))
    duration = completion - start + 1
    before = max(0, min(y0, completion + 1) - start)  # months of work before this year
    prior = math.floor(total * min(0.92, before / duration * rng.uniform(0.7, 1.0)))
    remaining = total - prior
    if completion < y0:  # finished last year: final payments only
        annual = math.floor(remaining * rng.uniform(0.3, 1.0))
    elif completion <= y0 + 11:  # finishing this year: the rest of the money
        annual = math.floor(remaining * rng.uniform(0.88, 1.0))
    elif start > y0 + 11:  # starting next year
        annual = 0
    else:
        share = (y0 + 12 - max(start, y0)) / (completion - max(start, y0) + 1)
        annual = math.floor(remaining * min(1.0, share * rng.uniform(0.85, 1.1)))
    return total, equipment, prior, annual


def progress_shares(
    rng: random.Random, y0: int, start: int, completion: int
) -> tuple[float, float, float, float]:
    """Share of the annual plan done by each quarter end: never falls, never above 1."""
    if completion < y0:
        first = rng.uniform(0.5, 1.0)
        return (first, 1.0, 1.0, 1.0)
    a, b = max(start, y0), min(completion, y0 + 11)
    span = max(1, b - a + 1)
    out, last = [], 0.0
    for q in range(1, 5):
        active = min(max(y0 + 3 * q - 1 - a + 1, 0), span)
        f = 1.0 if active >= span else active / span * rng.uniform(0.75, 1.05)
        last = min(1.0, max(last, f))
        out.append(last)
    return (out[0], out[1], out[2], out[3])


def new_project(
    city: City,
    unit: Unit,
    ent: Enterprise,
    used_names: set[str],
    *,
    library: bool,
    reform_type: str | None = None,
) -> Project:
    """A project of one of the profile's reform types (``library``: as the county holds it), of
    ``reform_type`` when given, else drawn."""
    rng, y0 = city.rng, city.y0
    reform_type = reform_type or rng.choice(city.profile.reform_types)
    start, completion = _schedule(rng, y0)
    total, equipment, prior, annual = _money(rng, y0, start, completion, city.code_from)
    nature = rng.choices((TECH, "扩建", "新建"), (80, 12, 8))[0] if library else TECH
    code_division = unit.code if gb2260.is_valid(unit.code) else city.profile.jurisdiction.code
    has_code = total >= city.code_from or rng.random() < 0.5
    filing_year = min(start // 12, city.year) - rng.choice((0, 0, 1))
    smart = rng.randint(5, 80) if "智能" in reform_type else rng.choice((0, 0, 2, 5, 8, 12))
    first_q = 1
    if start >= y0 and rng.random() < 0.4:  # new projects join the library around their start
        first_q = min(max((start - y0) // 3 + 1, 1), 4)
    return Project(
        pid=city.pid(),
        unit=unit.code,
        ent=ent,
        name=new_project_name(rng, ent, reform_type, used_names),
        code=new_project_code(rng, filing_year, code_division, ent.industry, city.pcodes) if has_code else "",
        reform_type=reform_type,
        nature=nature,
        y0=y0,
        start=start,
        completion=completion,
        total=total,
        equipment=equipment,
        prior=prior,
        annual=annual,
        progress=progress_shares(rng, y0, start, completion),
        first_q=first_q,
        smart_units=smart,
        effects=(
            round(rng.uniform(3, 30), 1) if rng.random() < 0.85 else None,
            round(rng.uniform(2, 20), 1) if rng.random() < 0.85 else None,
            round(rng.uniform(5, 40), 1) if rng.random() < 0.85 else None,
        ),
        produces=rng.random() < 0.5,
        claims_stats=rng.random() < 0.4,
    )


def build_library(city: City, projects_per_unit: tuple[int, int]) -> None:
    """Each unit's library: a few enterprises with one to three projects each."""
    rng = city.rng
    for unit in city.units:
        n = rng.randint(*projects_per_unit)
        projects: list[Project] = []
        while len(projects) < n:
            ent = new_enterprise(city, unit)
            used: set[str] = set()
            for _ in range(min(rng.choices((1, 2, 3), (70, 22, 8))[0], n - len(projects))):
                projects.append(new_project(city, unit, ent, used, library=True))
        city.library[unit.code] = projects


def plant_duplicate(city: City, silent: dict[int, str | None]) -> None:
    """One small project that two units both report (§4 duplicate_report), not in statistics.

    Both units report in the last quarter, so the duplicate shows up at least there.
    """
    rng, last = city.rng, city.quarters
    small = [
        p
        for u in city.units
        for p in city.library[u.code]
        if p.code and p.total < city.code_from and p.first_q == 1 and p.unit != silent[last]
    ]
    others = [u for u in city.units if u.code != silent[last]]
    if len(others) < 2 or not small:
        return
    p = rng.choice(small)
    other = rng.choice([u for u in others if u.code != p.unit])
    p.also_reported_by, p.dup_from_q = other.code, rng.randint(1, last)


def recognition_row(ent: Enterprise, category: str, level: str, year: int, document_no: str) -> dict:
    """One row of a return's recognition sheet (DESIGN.md §3.1) for an enterprise."""
    keys = ("uscc", "enterprise_name", "category", "level", "year", "document_no")
    return dict(zip(keys, (ent.uscc, ent.name, category, level, year, document_no), strict=True))


def plant_recognitions(city: City) -> None:
    """Recognitions (认定表 rows) of some of each unit's enterprises, each from a quarter on."""
    rng, year = city.rng, city.year
    abbr = PROVINCES.get(city.profile.jurisdiction.code[:2], ("省", ""))[0]
    city_abbr = city.prefix[:1]
    cats, cat_w = list(RECOG_WEIGHTS), list(RECOG_WEIGHTS.values())
    for unit in city.units:
        rows: list[tuple[int, dict]] = []
        ents = list({p.ent.uscc: p.ent for p in city.library[unit.code]}.values())
        for ent in rng.sample(ents, k=max(1, round(len(ents) * rng.uniform(0.15, 0.35)))):
            category = rng.choices(cats, cat_w)[0]
            levels = LEVELS_OF.get(category, tuple(LEVEL_WEIGHTS))
            level = rng.choices(levels, [LEVEL_WEIGHTS[lv] for lv in levels])[0]
            y = rng.choice((year - 1, year, year))
            issuer = {"国家级": "工信部", "省级": f"{abbr}工信", "市级": f"{city_abbr}工信"}[level]
            row = recognition_row(ent, category, level, y, f"{issuer}〔{y}〕{rng.randint(8, 320)}号")
            rows.append((1 if y < year else rng.randint(1, 4), row))
        city.recognitions[unit.code] = rows


def pick_units(profile: Profile, units: int | None) -> list[Unit]:
    """The profile's units, or its first ``units``."""
    if units is None:
        return list(profile.units)
    if not 1 <= units <= len(profile.units):
        raise ValueError(
            f"units={units}：政策配置 {profile.id} 有 {len(profile.units)} 个填报单位，"
            f"units 应在 1…{len(profile.units)} 之间"
        )
    return list(profile.units[:units])


def pick_silent(rng: random.Random, units: list[Unit], quarters: int) -> dict[int, str | None]:
    """One unit that sends nothing each quarter (a different one each time, where possible)."""
    silent: dict[int, str | None] = {0: None}
    pool: list[Unit] = []
    for q in range(1, quarters + 1):
        if len(units) < 2:
            silent[q] = None
            continue
        if not pool:
            pool = list(units)
            rng.shuffle(pool)
        silent[q] = pool.pop().code
    return silent
