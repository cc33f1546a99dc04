"""A realistic generated city, for demos, tests and benchmarks (DESIGN.md §3).

:func:`generate_city` fills a workspace with what a city's industry bureau holds after a few
quarters of a year:

- ``inbox/<unit>/``: the county returns as counties really fill them (title rows, header aliases,
  full-width digits, thousands separators, months written five ways, a 合计 row, one file in 元,
  an ``.xls`` from an old office PC ...). About a third of first versions carry the usual
  mistakes, each on a known Excel row, and are followed by a corrected ``_v2``;
- ``stats/<period>/``: the statistics bureau's extract (§3.2), which mostly agrees with the
  project library but not everywhere (应统未统, amounts, 建设性质, projects nobody reported);
- ``targets/<year>.xlsx``: the year's targets (§3.3), split proportionally to the units.

Everything comes from one ``random.Random(seed)``: the same seed gives the same city.
The returned summary says what a correct product should make of each file (accepted, rejected,
superseded, and which rule on which row), and which reconciliation category each project is
planted in, so tests can compare.

Amounts are kept in integer tenths of 万元 while generating, so that rounding can never break a
rule the clean data must keep (equipment ≤ total, ytd ≤ cumulative ≤ total, ytd never falls).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import random
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import chinese_calendar
from openpyxl import Workbook

from techreform.reference import schema
from techreform.reference.codes import gb2260, uscc
from techreform.reference.periods import Period, month_index
from techreform.reference.profiles import Profile, Unit
from techreform.workspace import Workspace

TECH = "改建和技术改造"  # the only 建设性质 counted as tech-reform investment (§3.2)
_STATS_COLUMNS = (
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
_TOTALS_COLUMNS = (
    "县区代码",
    "工业投资本年累计（万元）",
    "技改投资本年累计（万元）",
    "上年同期工业投资（万元）",
    "上年同期技改投资（万元）",
)
_TARGET_COLUMNS = ("单位代码", "指标", "年度目标")
TARGET_INDICATORS = (
    "tech_invest_ytd",
    "tech_invest_growth",
    "tech_growth_gap",
    "tech_invest_share",
    "reforming_enterprises",
    "projects_over_10m",
    "smart_equipment_units",
    "stats_coverage",
    "timely_submission",
)
# Rate targets (growth %, gap in points, share %) by profile; cities not listed get the default.
_RATE_TARGETS = {
    "luoyang-2021": {"tech_invest_growth": 15.0, "tech_growth_gap": 2.0, "tech_invest_share": 35.0},
    "xinxiang-2022": {"tech_invest_growth": 20.0, "tech_growth_gap": 5.0, "tech_invest_share": 40.0},
    "zhengzhou-2017": {"tech_invest_growth": 15.0, "tech_growth_gap": 10.0, "tech_invest_share": 30.0},
    "longnan-2022": {"tech_invest_growth": 20.0, "tech_growth_gap": 3.0, "tech_invest_share": 35.0},
}
_DEFAULT_RATES = {"tech_invest_growth": 15.0, "tech_growth_gap": 3.0, "tech_invest_share": 35.0}

# ---------------------------------------------------------------------------------------------
# Vocabulary

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋"
    "蔡余杜程苏魏吕丁任姚卢崔谭陆汪范金石贾夏付方白邹孟秦江薛闫段雷侯史郝龚邵严武"
)
_GIVEN = (
    "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 霞 平 刚 鹏 辉 玲 斌 宇 浩 凯 晶 博 亮 "
    "建华 国强 志刚 海燕 红梅 晓东 玉兰 建军 文博 晓燕 春生 新民 雪梅 永强 金凤 卫东 丽娟 俊杰"
).split()
_BRAND_A = "金银宏鑫华恒瑞泰隆盛丰祥中永东正安康远兴新昌宝通源达嘉万德凯伟锦富茂豪汇弘"
_BRAND_B = "联雅昌安业鼎中伟正万宏瑞丰源通达华盛泰新科创博润辉信诚合力阳光元"
_SUFFIXES = (("有限公司", 60), ("有限责任公司", 22), ("股份有限公司", 13), ("集团有限公司", 5))

# industry division → (trade words in the company name, [(product, measure for 年产…)], weight)
_INDUSTRY = {
    "06": (("煤业",), (("原煤", "万吨"),), 1),
    "08": (("矿业",), (("铁精粉", "万吨"),), 1),
    "09": (("矿业", "钼业"), (("钼精矿", "吨"),), 2),
    "10": (("石材", "矿业"), (("石英砂", "万吨"),), 1),
    "13": (("粮油", "食品"), (("面粉", "万吨"), ("饲料", "万吨")), 4),
    "14": (("食品",), (("速冻食品", "万吨"), ("调味品", "吨")), 3),
    "15": (("酒业", "饮品"), (("白酒", "吨"), ("饮料", "万吨")), 2),
    "17": (("纺织",), (("棉纱", "吨"), ("功能性面料", "万米")), 2),
    "18": (("服饰",), (("服装", "万件"),), 1),
    "21": (("家居",), (("定制家具", "万套"),), 1),
    "22": (("纸业",), (("瓦楞纸板", "万平方米"),), 1),
    "26": (("化工", "新材料"), (("精细化学品", "吨"), ("环保涂料", "吨")), 5),
    "27": (("药业", "制药"), (("原料药", "吨"), ("中成药", "万盒")), 4),
    "29": (("塑业", "橡胶"), (("塑料管材", "吨"), ("橡胶制品", "万件")), 3),
    "30": (("耐材", "建材", "玻璃"), (("耐火材料", "万吨"), ("新型建材", "万吨"), ("光伏玻璃", "万吨")), 7),
    "31": (("钢铁", "特钢"), (("特种钢材", "万吨"), ("精密钢管", "万吨")), 4),
    "32": (("铝业", "钼业", "铜业"), (("铝板带箔", "万吨"), ("钼制品", "吨"), ("铜材", "万吨")), 6),
    "33": (("金属制品",), (("钢结构件", "万吨"), ("紧固件", "万件")), 4),
    "34": (("机械", "轴承"), (("轴承", "万套"), ("齿轮", "万件"), ("阀门", "万台")), 9),
    "35": (("重工", "装备"), (("矿山机械", "台"), ("农机装备", "台"), ("工程机械", "台")), 8),
    "36": (("汽车部件", "汽配"), (("汽车零部件", "万件"), ("制动器", "万套")), 5),
    "37": (("机车", "航空装备"), (("轨道交通配件", "万件"),), 2),
    "38": (("电气", "电器"), (("电线电缆", "万米"), ("变压器", "台"), ("电机", "万台")), 6),
    "39": (("电子", "光电"), (("电子元器件", "万件"), ("传感器", "万只")), 5),
    "40": (("仪表",), (("智能仪表", "万台"),), 2),
    "42": (("再生资源",), (("再生铝", "万吨"),), 2),
    "44": (("热电", "能源"), (("热力", "万吉焦"),), 1),
}
_INDUSTRY_CODES = tuple(_INDUSTRY)
_INDUSTRY_WEIGHTS = tuple(v[2] for v in _INDUSTRY.values())

# Project names by the kind of reform; {p} is a product, {n}{m} a yearly output.
_NAMES_SMART = (
    "数字化车间建设项目",
    "智能工厂建设项目",
    "{p}生产线智能化改造项目",
    "智能仓储物流系统建设项目",
    "机器换人技术改造项目",
    "MES系统及数字化管理提升项目",
    "工业互联网平台建设项目",
)
_NAMES_GREEN = (
    "节能降耗技术改造项目",
    "余热余压回收利用项目",
    "VOCs治理提升改造项目",
    "分布式光伏发电项目",
    "超低排放改造项目",
    "清洁生产技术改造项目",
    "废水循环利用改造项目",
)
_NAMES_HIGH = ("高端{p}产业化项目", "{p}提质升级项目", "新一代{p}研发及产业化项目")
_NAMES_SERVICE = ("{p}远程运维服务平台建设项目", "总集成总承包服务能力提升项目", "个性化定制服务改造项目")
_NAMES_TECH = (
    "年产{n}{m}{p}技术改造项目",
    "{p}扩能提质技术改造项目",
    "关键工艺装备升级改造项目",
    "{p}生产线技术改造项目",
)
_NAMES_OTHER = ("{p}关键技术成果转化项目", "{p}核心基础零部件提升项目", "工业设计中心建设项目")
_OUTPUTS = (1, 2, 3, 5, 8, 10, 12, 15, 20, 30, 50, 100)

_RECOG_WEIGHTS = {
    "智能车间": 6,
    "智能工厂": 4,
    "绿色工厂": 5,
    "绿色供应链": 1,
    "服务型制造示范": 2,
    "两化融合贯标": 4,
    "专精特新小巨人": 2,
    "省级专精特新": 6,
    "首台套": 2,
    "上云企业": 6,
    "技术创新示范企业": 2,
    "工业设计中心": 2,
}
_LEVEL_WEIGHTS = {"国家级": 1, "省级": 5, "市级": 3}
_LEVELS_OF = {  # categories whose level is fixed by what they are
    "专精特新小巨人": ("国家级",),
    "省级专精特新": ("省级",),
    "制造业创新中心": ("国家级", "省级"),
    "首台套": ("国家级", "省级"),
}
# province (first two digits of GB/T 2260) → (short name in document numbers, name companies carry)
_PROVINCES = {
    "41": ("豫", "河南"),
    "11": ("京", "北京"),
    "32": ("苏", "江苏"),
    "37": ("鲁", "山东"),
    "42": ("鄂", "湖北"),
    "61": ("陕", "陕西"),
    "62": ("甘", "甘肃"),
}

_BAD_TYPES = ("数字化转型", "设备更新", "智能化", "节能改造")
_BAD_STATUS = ("在建", "建设中")
_WARNING_NOTES = (
    "项目追加建设内容，实际完成投资超出备案总投资，备案变更手续正在办理",
    "设备价格上涨导致超概算，已报发改部门变更备案",
)

# ---------------------------------------------------------------------------------------------
# National codes


def _uscc(rng: random.Random, division: str, taken: set[str]) -> str:
    """A valid 统一社会信用代码: 9 (工商) 1 (企业) + division + organisation code + check."""
    alphabet = uscc.ALPHABET
    while True:
        org = "".join(rng.choice("0123456789" if rng.random() < 0.6 else alphabet) for _ in range(8))
        body = "91" + division + org + rng.choice("0123456789X")
        code = body + uscc.calc_check_digit(body)
        if code not in taken:
            taken.add(code)
            return code


def _bad_check(code: str, rng: random.Random) -> str:
    """The same code with a wrong check character (a typo on the last place)."""
    wrong = [c for c in uscc.ALPHABET if c != code[-1]]
    return code[:-1] + rng.choice(wrong)


def _project_code(rng: random.Random, year: int, division: str, industry: str, taken: set[str]) -> str:
    while True:
        code = f"{year}-{division}-{industry}-03-{rng.randrange(10**6):06d}"
        if code not in taken:
            taken.add(code)
            return code


# ---------------------------------------------------------------------------------------------
# The project library


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
    code: str  # "" when the county has none (< 500万)
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
        if abs(abs(lib - st) - _tolerance(st)) < 5:
            st = lib
        return st


def _tolerance(stats_tenths: int) -> float:
    """§4: amounts agree within max(5% of stats, 10万元), here in tenths."""
    return max(0.05 * stats_tenths, 100)


@dataclass
class _City:
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
        """洛阳市 → 洛阳: the place name companies carry."""
        return re.sub(r"(市|省|县|自治州|地区)$", "", self.profile.jurisdiction.name)

    def pid(self) -> int:
        self.next_pid += 1
        return self.next_pid


def _person(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + rng.choice(_GIVEN)


def _phone(rng: random.Random) -> str:
    return rng.choice(("13", "15", "17", "18")) + str(rng.randint(0, 9)) + f"{rng.randrange(10**8):08d}"


def _enterprise(city: _City, unit: Unit) -> Enterprise:
    rng = city.rng
    industry = rng.choices(_INDUSTRY_CODES, _INDUSTRY_WEIGHTS)[0]
    trade = rng.choice(_INDUSTRY[industry][0])
    for attempt in range(10**6):  # a brand the city has not used, so that names never collide
        brand = rng.choice(_BRAND_A) + rng.choice(_BRAND_B)
        if attempt > 40:  # two-character brands run out in a big province: take three
            brand = rng.choice(_BRAND_A) + brand
        if len(set(brand)) == len(brand) and brand not in city.brands:
            city.brands.add(brand)
            break
    suffix = rng.choices([s for s, _ in _SUFFIXES], [w for _, w in _SUFFIXES])[0]
    return Enterprise(
        uscc=_uscc(rng, unit.code, city.usccs),
        name=f"{city.prefix}{brand}{trade}{suffix}",
        brand=brand,
        trade=trade,
        suffix=suffix,
        industry=industry,
        above_scale=rng.random() < 0.9,
        contact=_person(rng),
        phone=_phone(rng),
    )


def _name_pool(reform_type: str) -> tuple[str, ...]:
    for key, pool in (
        ("智能", _NAMES_SMART),
        ("绿色", _NAMES_GREEN),
        ("高端", _NAMES_HIGH),
        ("服务", _NAMES_SERVICE),
        ("技术改造", _NAMES_TECH),
    ):
        if key in reform_type:
            return pool
    return _NAMES_OTHER


def _project_name(rng: random.Random, ent: Enterprise, reform_type: str, used: set[str]) -> str:
    """A name unlike the enterprise's other projects (matching by name must stay unambiguous)."""
    pool = [t for t in _name_pool(reform_type) if t not in used] or list(_NAMES_TECH + _NAMES_OTHER)
    template = rng.choice(pool)
    used.add(template)
    product, measure = rng.choice(_INDUSTRY[ent.industry][1])
    return template.format(p=product, n=rng.choice(_OUTPUTS), m=measure)


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


def _money(rng: random.Random, y0: int, start: int, completion: int) -> tuple[int, int, int, int]:
    """(total, equipment, prior, annual) in tenths of 万元, consistent with the rules."""
    if rng.random() < 0.2:  # small projects below the 500万 library threshold
        total = rng.randint(1000, 4990)
    else:
        total = min(max(int(math.exp(rng.gauss(math.log(3000), 1.0)) * 10), 5000), 800_000)  # … 8亿
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


def _progress(rng: random.Random, y0: int, start: int, completion: int) -> tuple[float, ...]:
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
    return tuple(out)


def _new_project(city: _City, unit: Unit, ent: Enterprise, used_names: set[str], *, library: bool) -> Project:
    rng, y0 = city.rng, city.y0
    reform_type = rng.choice(city.profile.reform_types)
    start, completion = _schedule(rng, y0)
    total, equipment, prior, annual = _money(rng, y0, start, completion)
    nature = rng.choices((TECH, "扩建", "新建"), (80, 12, 8))[0] if library else TECH
    code_division = unit.code if gb2260.is_valid(unit.code) else city.profile.jurisdiction.code
    has_code = total >= city.profile.project_code_required_from * 10 or rng.random() < 0.5
    filing_year = min(start // 12, city.year) - rng.choice((0, 0, 1))
    smart = rng.randint(5, 80) if "智能" in reform_type else rng.choice((0, 0, 2, 5, 8, 12))
    first_q = 1
    if start >= y0 and rng.random() < 0.4:  # new projects join the library around their start
        first_q = min(max((start - y0) // 3 + 1, 1), 4)
    return Project(
        pid=city.pid(),
        unit=unit.code,
        ent=ent,
        name=_project_name(rng, ent, reform_type, used_names),
        code=_project_code(rng, filing_year, code_division, ent.industry, city.pcodes) if has_code else "",
        reform_type=reform_type,
        nature=nature,
        y0=y0,
        start=start,
        completion=completion,
        total=total,
        equipment=equipment,
        prior=prior,
        annual=annual,
        progress=_progress(rng, y0, start, completion),
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


def _build_library(city: _City, projects_per_unit: tuple[int, int]) -> None:
    rng = city.rng
    for unit in city.units:
        n = rng.randint(*projects_per_unit)
        projects: list[Project] = []
        while len(projects) < n:
            ent = _enterprise(city, unit)
            used: set[str] = set()
            for _ in range(min(rng.choices((1, 2, 3), (70, 22, 8))[0], n - len(projects))):
                projects.append(_new_project(city, unit, ent, used, library=True))
        city.library[unit.code] = projects


def _plant_duplicate(city: _City, silent: dict[int, str | None]) -> None:
    """One small project that two units both report (§4 duplicate_report), not in statistics.

    Both units report in the last quarter, so the duplicate shows up at least there.
    """
    rng, last = city.rng, city.quarters
    small = [
        p
        for u in city.units
        for p in city.library[u.code]
        if p.code and p.total < 5000 and p.first_q == 1 and p.unit != silent[last]
    ]
    others = [u for u in city.units if u.code != silent[last]]
    if len(others) < 2 or not small:
        return
    p = rng.choice(small)
    other = rng.choice([u for u in others if u.code != p.unit])
    p.also_reported_by, p.dup_from_q = other.code, rng.randint(1, last)


def _plant_recognitions(city: _City) -> None:
    rng, year = city.rng, city.year
    abbr = _PROVINCES.get(city.profile.jurisdiction.code[:2], ("省", ""))[0]
    city_abbr = city.prefix[:1]
    cats, cat_w = list(_RECOG_WEIGHTS), list(_RECOG_WEIGHTS.values())
    for unit in city.units:
        rows: list[tuple[int, dict]] = []
        ents = list({p.ent.uscc: p.ent for p in city.library[unit.code]}.values())
        for ent in rng.sample(ents, k=max(1, round(len(ents) * rng.uniform(0.15, 0.35)))):
            category = rng.choices(cats, cat_w)[0]
            levels = _LEVELS_OF.get(category, tuple(_LEVEL_WEIGHTS))
            level = rng.choices(levels, [_LEVEL_WEIGHTS[lv] for lv in levels])[0]
            y = rng.choice((year - 1, year, year))
            issuer = {"国家级": "工信部", "省级": f"{abbr}工信", "市级": f"{city_abbr}工信"}[level]
            row = {
                "uscc": ent.uscc,
                "enterprise_name": ent.name,
                "category": category,
                "level": level,
                "year": y,
                "document_no": f"{issuer}〔{y}〕{rng.randint(8, 320)}号",
            }
            rows.append((1 if y < year else rng.randint(1, 4), row))
        city.recognitions[unit.code] = rows


# ---------------------------------------------------------------------------------------------
# The statistics bureau's side of each project


def _stats_enterprise_name(ent: Enterprise, prefix: str, rng: random.Random) -> str:
    """The same company as statistics spell it: boilerplate differs (§4)."""
    style = rng.choices(("same", "bracket", "city", "province", "suffix"), (40, 15, 15, 15, 15))[0]
    if style == "bracket":
        return f"{ent.brand}{ent.trade}（{prefix}）{ent.suffix}"
    if style == "city":
        return f"{prefix}市{ent.brand}{ent.trade}{ent.suffix}"
    province = _PROVINCES.get(ent.uscc[2:4], ("", ""))[1]
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


def _link_statistics(city: _City) -> None:
    """Decide, once per project, whether and how statistics carry it (stable across quarters)."""
    rng = city.rng
    threshold = city.profile.project_code_required_from * 10
    for p in (p for u in city.units for p in city.library[u.code]):
        if p.also_reported_by:
            continue
        linked = rng.random() < (0.9 if p.total >= threshold else 0.15)
        if not linked:  # 应统未统 when it qualifies
            continue
        started = next((q for q in range(1, 5) if p.ytd(q) > 0), None)
        if started is None:
            continue
        p.stats_from_q = started + (1 if rng.random() < 0.08 else 0)  # a few enter a quarter late
        p.stats_nature = p.nature if (p.nature != TECH or rng.random() > 0.08) else "扩建"
        r = rng.random()
        if r < 0.12 and p.annual >= 1000:  # statistics carry another amount
            p.stats_factor = rng.uniform(0.55, 0.8) if rng.random() < 0.5 else rng.uniform(1.25, 1.6)
        elif r < 0.5:
            p.stats_factor = rng.uniform(0.995, 1.005)
        _spell_statistics(p, city.prefix, rng)


def _spell_statistics(p: Project, prefix: str, rng: random.Random) -> None:
    p.stats_name = _stats_project_name(p, rng)
    p.stats_ent_name = _stats_enterprise_name(p.ent, prefix, rng)
    p.stats_code = p.code if rng.random() > 0.2 else ""
    p.stats_uscc = p.ent.uscc
    if p.stats_code and rng.random() < 0.03:  # a mistyped credit code; the project code still matches
        p.stats_uscc = _bad_check(p.ent.uscc, rng)


def _add_stats_only(city: _City) -> None:
    """Projects only statistics know: tech-reform ones no county reported, and other industry."""
    rng = city.rng
    for unit in city.units:
        kinds = [TECH] * rng.choices((0, 1, 2), (35, 45, 20))[0] + ["other"] * rng.randint(1, 3)
        for kind in kinds:
            ent = _enterprise(city, unit)
            p = _new_project(city, unit, ent, set(), library=False)
            if p.total < 5000:  # statistics only carry projects of 500万 and above
                k = math.ceil(5000 / p.total) + 1
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
            _spell_statistics(p, city.prefix, rng)
            city.stats_only.append(p)


def _assign_stats_ids(city: _City) -> None:
    n = 0
    for unit in city.units:
        ps = [p for p in city.library[unit.code] if p.stats_from_q] + [
            p for p in city.stats_only if p.unit == unit.code
        ]
        for p in ps:
            n += city.rng.randint(1, 3)  # gaps: the database holds other places' projects too
            p.stats_id = f"S{n:06d}"


# ---------------------------------------------------------------------------------------------
# Rows of a return


def _row(p: Project, q: int) -> dict:
    """The clean row a careful county would write for project p in quarter q (amounts in 万元)."""
    status = p.status(q)
    ytd = p.ytd(q)
    planned = status == "计划"
    return {
        "_pid": p.pid,
        "uscc": p.ent.uscc,
        "enterprise_name": p.ent.name,
        "above_scale": "是" if p.ent.above_scale else "否",
        "industry_code": p.ent.industry,
        "project_name": p.name,
        "project_code": p.code,
        "reform_type": p.reform_type,
        "construction_nature": p.nature,
        "status": status,
        "start_month": p.start,
        "planned_completion": p.completion,
        "total_investment": p.total / 10,
        "equipment_investment": p.equipment / 10,
        "annual_plan": p.annual / 10,
        "ytd_completed": ytd / 10,
        "cumulative_completed": 0.0 if planned else (p.prior + ytd) / 10,
        "in_statistics": "是" if p.in_stats(q) or (p.claims_stats and not planned) else "否",
        "smart_equipment_units": 0 if planned else p.smart_units,
        "staff_reduction_pct": None if planned else p.effects[0],
        "energy_reduction_pct": None if planned else p.effects[1],
        "efficiency_gain_pct": None if planned else p.effects[2],
        "contact": p.ent.contact,
        "phone": p.ent.phone,
        "note": None,
    }


def _quarter_rows(city: _City, unit: str, q: int) -> list[dict]:
    own = [p for p in city.library[unit] if p.first_q <= q and p.vanish_q != q]
    guests = [
        p
        for u in city.units
        for p in city.library[u.code]
        if p.also_reported_by == unit and q >= p.dup_from_q
    ]
    rows = [_row(p, q) for p in own + guests]
    for r in rows[len(own) :]:
        r["_special"] = True
    for i, r in enumerate(rows, start=1):
        r["seq"] = i
    return rows


# ---------------------------------------------------------------------------------------------
# Mistakes a county makes (each one a rule of rules/return_rules.yaml, on one known row)


@dataclass
class _Ctx:
    period_end: int
    threshold: float  # 万元 from which a project code is required
    prev_ytd: dict[int, float]  # pid → 本年累计 in the return in force for the previous quarter
    types: tuple[str, ...]  # the profile's reform types
    rng: random.Random


def _ok(row: dict) -> bool:
    return not row.get("_special")


def _apply_simple(kind: str, row: dict, ctx: _Ctx) -> str | None:
    """Plant mistake `kind` on `row` if it fits there; return the field it broke."""
    rng = ctx.rng
    total = row["total_investment"]
    if kind == "uscc_checksum":
        row["uscc"] = _bad_check(row["uscc"], rng)
        return "uscc"
    if kind == "bad_project_code" and row["project_code"]:
        y, div, ind, _, serial = row["project_code"].split("-")
        row["project_code"] = f"{y}-{div[2:]}-{ind}-03-{serial}"  # the county code without its 41
        return "project_code"
    if kind == "missing_code_big" and row["project_code"] and total >= ctx.threshold:
        row["project_code"] = None
        return "project_code"
    if kind == "equipment_over_total":
        row["equipment_investment"] = round(total * rng.uniform(1.1, 1.6) + 1, 1)
        return "equipment_investment"
    if kind == "plan_over_total":
        row["annual_plan"] = round(total * rng.uniform(1.1, 1.5) + 1, 1)
        return "annual_plan"
    if kind == "ytd_over_cumulative" and row["ytd_completed"] >= 2:
        row["cumulative_completed"] = math.floor(row["ytd_completed"] * 5) / 10  # half of it
        return "ytd_completed"
    if (
        kind == "start_after_period"
        and row["status"] != "计划"
        and row["planned_completion"] > ctx.period_end + 1
    ):
        row["start_month"] = ctx.period_end + rng.randint(
            1, min(3, row["planned_completion"] - ctx.period_end)
        )
        return "start_month"
    if kind == "completion_before_start":
        row["planned_completion"] = row["start_month"] - rng.randint(2, 12)
        return "planned_completion"
    if kind == "bad_type":
        row["reform_type"] = rng.choice([t for t in _BAD_TYPES if t not in ctx.types])
        return "reform_type"
    if kind == "bad_status" and row["status"] != "计划":  # on a 计划 row it would break start_after_period
        row["status"] = rng.choice(_BAD_STATUS)
        return "status"
    if kind == "non_numeric" and row["annual_plan"] >= 1:
        row["annual_plan"] = f"约{round(row['annual_plan'])}万"
        return "annual_plan"
    if kind == "missing_name":
        row["enterprise_name"] = None
        return "enterprise_name"
    if kind == "bad_industry":
        # "3" (a digit lost) or "52" (a trade division, not industry); not a 3-digit class code,
        # which readers may fairly cut to its division
        row["industry_code"] = rng.choice(("3", "52"))
        return "industry_code"
    prev = ctx.prev_ytd.get(row["_pid"])
    if kind == "ytd_decreased" and prev is not None and prev >= 5 and row["status"] != "计划":
        new = math.floor(prev * rng.uniform(0.5, 0.85) * 10) / 10
        row["cumulative_completed"] = round(row["cumulative_completed"] - row["ytd_completed"] + new, 1)
        row["ytd_completed"] = new
        return "ytd_completed"
    return None


def _plant_errors(rows: list[dict], kinds: Sequence[str], ctx: _Ctx, used: set[int]) -> list[dict]:
    """Plant each kind on a fresh row; return [{rule, index, field}] for those that fitted."""
    out = []
    for kind in kinds:
        free = [i for i, r in enumerate(rows) if i not in used and _ok(r)]
        ctx.rng.shuffle(free)
        if kind == "duplicate_code":
            coded = [i for i in free if rows[i]["project_code"]]
            # the row given another's code must not look like that project's 本年累计 falling
            pairs = [
                (i, j)
                for i in coded
                for j in coded
                if i != j and rows[j]["ytd_completed"] >= ctx.prev_ytd.get(rows[i]["_pid"], 0)
            ]
            if pairs:
                i, j = pairs[0]
                rows[j]["project_code"] = rows[i]["project_code"]
                used.update((i, j))
                out += [{"rule": kind, "index": k, "field": "project_code"} for k in (i, j)]
            continue
        for i in free:
            f = _apply_simple(kind, rows[i], ctx)
            if f:
                used.add(i)
                out.append({"rule": kind, "index": i, "field": f})
                break
    return out


def _plant_warning(rows: list[dict], rng: random.Random, used: set[int], explained: bool) -> dict | None:
    """自开工累计 above 总投资 (a cost overrun): accepted, explained in 备注 or asked for."""
    free = [
        i
        for i, r in enumerate(rows)
        if i not in used
        and _ok(r)
        and r["status"] in ("续建", "竣工", "投产")
        and r["total_investment"] >= 10
    ]
    if not free:
        return None
    i = rng.choice(free)
    row = rows[i]
    row["cumulative_completed"] = round(row["total_investment"] * rng.uniform(1.03, 1.12) + 0.5, 1)
    if explained:
        row["note"] = rng.choice(_WARNING_NOTES)
    used.add(i)
    return {
        "rule": "cumulative_over_total",
        "index": i,
        "field": "cumulative_completed",
        "explained": explained,
    }


# ---------------------------------------------------------------------------------------------
# Writing a return the way counties do


_HABITS = {  # habit → share of returns that show it
    "title": 0.55,
    "title_info": 0.2,
    "aliases": 0.25,
    "half_brackets": 0.15,
    "reorder": 0.15,
    "no_seq": 0.08,
    "blank_rows": 0.25,
    "spaces": 0.25,
    "fullwidth": 0.2,
    "thousands": 0.3,
    "text_numbers": 0.35,
    "lower_uscc": 0.2,
    "month_date": 0.4,
    "month_dot": 0.12,
    "month_cn": 0.15,
    "month_compact": 0.12,
    "totals": 0.2,
    "meta": 0.12,
    "xls": 0.06,
    "yuan": 0.03,
}


@dataclass
class Layout:
    """How one office lays out and types its return. Every option is accepted by §3.1."""

    fmt: str = "xlsx"  # xlsx | xls
    title: str = ""  # merged title cell in row 1 ("" for none)
    info_line: str = ""  # a 填报单位/填报日期 line under the title
    blank_before_header: bool = False
    columns: tuple[str, ...] = tuple(f.name for f in schema.PROJECT_FIELDS)
    headers: dict[str, str] = field(default_factory=dict)  # field → header text, if not the template's
    blank_after: frozenset[int] = frozenset()  # data rows (0-based) followed by an empty row
    totals_row: bool = False
    amount_unit: str = "万元"  # 万元 | 元 | 亿元
    month_styles: tuple[str, ...] = ("dash",)  # date | dash | dot | cn | compact
    text_numbers: float = 0.0  # share of numbers stored as text
    thousands: float = 0.0  # share of large amounts typed with thousands separators
    fullwidth: float = 0.0  # share of numbers typed with full-width digits
    spaces: float = 0.0  # share of text cells with surrounding spaces
    lower_uscc: float = 0.0  # share of credit codes typed in lower case
    meta: tuple[tuple[str, str], ...] = ()  # rows of the product template's hidden metadata sheet
    seed: int = 0  # per-cell choices
    habits: tuple[str, ...] = ()  # names of the habits shown, for the summary


def _header_text(f: schema.Field, alias: str | None, unit: str, half: bool) -> str:
    text = alias or f.header
    if f.kind == "amount" and unit != "万元":
        text = re.sub(r"[（(]万元[）)]$", "", text) + f"（{unit}）"
    if half:
        text = text.replace("（", "(").replace("）", ")")
    return text


_FW = {ord(c): ord(c) + 0xFEE0 for c in "0123456789.,-ABCDEFGHIJKLMNOPQRSTUVWXYZ"}  # full-width forms


def _number(v: float, decimals: int, lay: Layout, rng: random.Random, big: bool = True):
    text = f"{v:.{decimals}f}"
    r = rng.random()
    if r < lay.fullwidth:
        return text.translate(_FW)
    if big and abs(v) >= 1000 and r < lay.fullwidth + lay.thousands:
        return f"{v:,.{decimals}f}"
    if r < lay.fullwidth + lay.thousands + lay.text_numbers:
        return text
    return round(v, decimals) if decimals else int(round(v))


def _month(v, lay: Layout, rng: random.Random):
    if isinstance(v, dt.date):
        y, m = v.year, v.month
    else:
        y, m = divmod(int(v), 12)
        m += 1
    style = rng.choice(lay.month_styles)
    if style == "date":
        return dt.datetime(y, m, 1)
    return {"dash": f"{y}-{m:02d}", "dot": f"{y}.{m}", "cn": f"{y}年{m}月", "compact": f"{y}{m:02d}"}[style]


def _cell(f: schema.Field, v, lay: Layout, rng: random.Random):
    """One cell as this office would type it."""
    if v is None or v == "":
        return None
    if isinstance(v, str) and f.kind in ("amount", "int", "pct"):
        return v  # a planted non-number, as typed
    if f.kind == "month":
        return v if isinstance(v, str) else _month(v, lay, rng)
    if f.kind == "amount":
        factor = schema.AMOUNT_UNITS["万元"] / schema.AMOUNT_UNITS[lay.amount_unit]
        return _number(v * factor, 1 if lay.amount_unit == "万元" else 0, lay, rng)
    if f.kind == "pct":
        return _number(v, 1, lay, rng, big=False)
    if f.kind == "int":
        return str(v) if rng.random() < lay.text_numbers else int(v)
    text = str(v)
    if f.name == "uscc" and rng.random() < lay.lower_uscc:
        text = text.lower()
    if f.kind != "phone" and rng.random() < lay.spaces:
        text = rng.choice((" {} ", "{} ", " {}", "{}  ")).format(text)
    return text


def _totals(rows: Sequence[dict], lay: Layout) -> list:
    """A 合计 row: the office's own sum of the amount columns (readers skip it)."""
    factor = schema.AMOUNT_UNITS["万元"] / schema.AMOUNT_UNITS[lay.amount_unit]
    label_col = "seq" if "seq" in lay.columns else "enterprise_name"
    out = []
    for name in lay.columns:
        f = schema.PROJECT_FIELD[name]
        if name == label_col:
            out.append("合计")
        elif f.kind == "amount":
            s = sum(r[name] for r in rows if isinstance(r.get(name), int | float))
            out.append(round(s * factor, 1))
        else:
            out.append(None)
    return out


def write_return(
    path: Path | str,
    rows: Sequence[dict],
    *,
    recognitions: Sequence[dict] = (),
    layout: Layout | None = None,
) -> list[int]:
    """Write a county return (sheets 项目表 and 认定表) and return each row's Excel row number.

    ``rows`` are dicts keyed by :mod:`techreform.reference.schema` field names, amounts in 万元, months as
    a month index (:func:`techreform.reference.periods.month_index`) or a date; a string in a number or
    month field is written as typed. ``layout`` says how the office types it (default: the
    template's layout, plain values).
    """
    lay = layout or Layout()
    rng = random.Random(lay.seed)
    cols = lay.columns
    grid: list[list] = []
    if lay.title:
        grid.append([lay.title])
    if lay.info_line:
        grid.append([lay.info_line])
    if lay.blank_before_header:
        grid.append([])
    grid.append([lay.headers.get(n) or schema.PROJECT_FIELD[n].header for n in cols])
    excel_rows = []
    for i, row in enumerate(rows):
        grid.append([_cell(schema.PROJECT_FIELD[n], row.get(n), lay, rng) for n in cols])
        excel_rows.append(len(grid))
        if i in lay.blank_after:
            grid.append([])
    if lay.totals_row:
        grid.append(_totals(rows, lay))

    rec_fields = schema.RECOGNITION_FIELDS
    rec_grid = [[f.header for f in rec_fields]]
    rec_grid += [[_cell(f, r.get(f.name), lay, rng) for f in rec_fields] for r in recognitions]
    sheets = [
        (schema.PROJECT_SHEET, grid, len(cols) if lay.title else 0, False),
        (schema.RECOGNITION_SHEET, rec_grid, 0, False),
    ]
    if lay.meta:
        sheets.append((schema.METADATA_SHEET, [["key", "value"], *map(list, lay.meta)], 0, True))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    (_save_xls if lay.fmt == "xls" else _save_xlsx)(path, sheets)
    return excel_rows


def _save_xlsx(path: Path, sheets: Iterable[tuple[str, list[list], int, bool]]) -> None:
    wb = Workbook()
    wb.remove(wb.active)
    for name, grid, merge, hidden in sheets:
        ws = wb.create_sheet(name)
        for r in grid:
            ws.append(r)
        for r, row in enumerate(grid, start=1):  # dates look like 2025-03, as offices format them
            for c, v in enumerate(row, start=1):
                if isinstance(v, dt.datetime):
                    ws.cell(r, c).number_format = "yyyy-mm"
        if merge:
            ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=merge)
        if hidden:
            ws.sheet_state = "hidden"
    wb.save(path)


def _save_xls(path: Path, sheets: Iterable[tuple[str, list[list], int, bool]]) -> None:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str="yyyy-mm")
    for name, grid, merge, hidden in sheets:
        sh = wb.add_sheet(name)
        for r, row in enumerate(grid):
            for c, v in enumerate(row):
                if v is None:
                    continue
                if merge and r == 0 and c == 0:
                    sh.write_merge(0, 0, 0, merge - 1, v)
                elif isinstance(v, dt.datetime):
                    sh.write(r, c, v, date_style)
                else:
                    sh.write(r, c, v)
        if hidden:
            sh.visibility = 1
    wb.save(str(path))


def _layout(habits: set[str], rng: random.Random, unit: Unit, period: Period, profile: Profile) -> Layout:
    """Turn a set of habits into concrete layout options."""
    cols = [f.name for f in schema.PROJECT_FIELDS if not (f.name == "seq" and "no_seq" in habits)]
    if "reorder" in habits:  # a few columns moved, as when a county pastes from its own ledger
        for _ in range(rng.randint(2, 4)):
            cols.insert(rng.randrange(len(cols)), cols.pop(rng.randrange(len(cols))))
    unit_word = "元" if "yuan" in habits else "万元"
    headers = {}
    for name in cols:
        f = schema.PROJECT_FIELD[name]
        alias = rng.choice(f.aliases) if "aliases" in habits and f.aliases and rng.random() < 0.5 else None
        headers[name] = _header_text(f, alias, unit_word, "half_brackets" in habits)
    styles = tuple(s for s in ("date", "dot", "cn", "compact") if f"month_{s}" in habits)
    if not styles or rng.random() < 0.5:
        styles += ("dash",)
    title = ""
    if "title" in habits or "title_info" in habits:
        title = rng.choice(
            (
                f"{period.label}{unit.name}工业企业技术改造项目统计表",
                f"{unit.name}{period.year}年{period.quarter}季度技改项目进展情况表",
                f"{profile.name}项目库（{unit.name}，{period.label}）",
            )
        )
    info = ""
    if "title_info" in habits:
        info = f"填报单位（盖章）：{unit.name}工业和信息化局　　　　金额单位：{unit_word}"
    meta = ()
    if "meta" in habits:
        meta = (
            ("template_version", schema.TEMPLATE_VERSION),
            ("profile", profile.id),
            ("unit_code", unit.code),
            ("unit_name", unit.name),
            ("period", str(period)),
        )
    return Layout(
        fmt="xls" if "xls" in habits else "xlsx",
        title=title,
        info_line=info,
        blank_before_header="blank_rows" in habits and rng.random() < 0.3,
        columns=tuple(cols),
        headers=headers,
        blank_after=frozenset(rng.sample(range(30), 3)) if "blank_rows" in habits else frozenset(),
        totals_row="totals" in habits,
        amount_unit=unit_word,
        month_styles=styles,
        text_numbers=0.3 if "text_numbers" in habits else 0.0,
        thousands=0.35 if "thousands" in habits else 0.0,
        fullwidth=0.15 if "fullwidth" in habits else 0.0,
        spaces=0.25 if "spaces" in habits else 0.0,
        lower_uscc=0.35 if "lower_uscc" in habits else 0.0,
        meta=meta,
        seed=rng.randrange(2**31),
        habits=tuple(sorted(habits)),
    )


# ---------------------------------------------------------------------------------------------
# Arrival times


def _is_workday(d: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(d)
    except NotImplementedError:  # beyond the calendar's years: weekdays only
        return d.weekday() < 5


def _next_workday(d: dt.date) -> dt.date:
    while not _is_workday(d):
        d += dt.timedelta(days=1)
    return d


def _office_time(rng: random.Random, d: dt.date) -> dt.datetime:
    """Some time in office hours (8:30–18:00) of working day d."""
    return dt.datetime.combine(d, dt.time(8, 30)) + dt.timedelta(minutes=rng.randint(0, 570))


def _later(rng: random.Random, t: dt.datetime, lo_h: float, hi_h: float) -> dt.datetime:
    """A resubmission some hours after t, in office hours."""
    t2 = t + dt.timedelta(minutes=rng.randint(int(lo_h * 60), int(hi_h * 60)))
    if _is_workday(t2.date()) and dt.time(8, 30) <= t2.time() <= dt.time(18, 0):
        return t2
    d = t2.date() if t2.time() < dt.time(8, 30) else t2.date() + dt.timedelta(days=1)
    return dt.datetime.combine(_next_workday(d), dt.time(8, 30)) + dt.timedelta(minutes=rng.randint(0, 120))


def _first_arrival(rng: random.Random, period: Period, deadline: dt.date, late: bool) -> dt.datetime:
    if late:  # a week or three after the quarter, past the deadline
        d = period.end_date + dt.timedelta(days=rng.randint(12, 24))
        return _office_time(rng, _next_workday(max(d, deadline + dt.timedelta(days=1))))
    days, d = [], period.end_date
    while d < deadline:
        d += dt.timedelta(days=1)
        if _is_workday(d):
            days.append(d)
    # most offices send in the last days before the deadline
    return _office_time(rng, rng.choices(days, [i + 1 for i in range(len(days))])[0])


# ---------------------------------------------------------------------------------------------
# Submissions: which files a quarter brings, what is wrong in them, what a product should say


@dataclass
class _Version:
    unit: Unit
    q: int
    version: int  # 0 for a file that names no period
    rows: list[dict]
    errors: list[dict]
    warnings: list[dict]
    expected: str = "accepted"
    name: str = ""
    received: dt.datetime | None = None
    incidental: list[dict] = field(default_factory=list)  # findings a product may add, see below


@dataclass
class _Submission:
    unit: Unit
    q: int
    versions: list[_Version]
    habits: set[str] = field(default_factory=set)
    layout: Layout | None = None
    recognitions: list[dict] = field(default_factory=list)
    file_warnings: list[dict] = field(default_factory=list)


_ERROR_KINDS = (
    "uscc_checksum",
    "bad_project_code",
    "missing_code_big",
    "equipment_over_total",
    "plan_over_total",
    "ytd_over_cumulative",
    "start_after_period",
    "completion_before_start",
    "bad_type",
    "bad_status",
    "non_numeric",
    "missing_name",
    "duplicate_code",
    "bad_industry",
    "ytd_decreased",
)


def _copy_rows(rows: list[dict]) -> list[dict]:
    return [dict(r) for r in rows]


def _plan_quarter(
    city: _City,
    q: int,
    silent: str | None,
    kinds: list[str],
    prev_force: dict[str, list[dict]],
    mistakes: bool,
) -> list[_Submission]:
    """The submissions of quarter q: clean returns, rejected first versions and their fixes.

    About a third of the units make mistakes; one clean unit sends an accepted return with an
    unexplained warning and then a second version that explains it (the first is superseded).
    """
    rng = city.rng
    active = [u for u in city.units if u.code != silent]
    err_units = {u.code for u in rng.sample(active, round(len(active) / 3) if mistakes else 0)}
    clean = [u for u in active if u.code not in err_units]
    superseded = rng.choice(clean).code if mistakes and len(clean) >= 2 else None
    subs = []
    for unit in active:
        base = _quarter_rows(city, unit.code, q)
        used: set[int] = set()
        warnings = []
        if mistakes and (unit.code == superseded or rng.random() < 0.25):
            w = _plant_warning(base, rng, used, explained=unit.code != superseded and rng.random() < 0.4)
            warnings += [w] if w else []
        warnings += [
            {"rule": "project_vanished", "index": None, "field": None, "project_code": p.code}
            for p in city.library[unit.code]
            if p.vanish_q == q
        ]
        versions = [_Version(unit, q, 1, base, [], warnings)]
        if unit.code in err_units:
            ctx = _Ctx(
                Period(city.year, q).end_month,
                city.profile.project_code_required_from,
                {r["_pid"]: r["ytd_completed"] for r in prev_force.get(unit.code, [])},
                city.profile.reform_types,
                rng,
            )
            versions = _with_errors(versions[0], kinds, ctx, used)
        elif unit.code == superseded and warnings and warnings[0]["index"] is not None:
            versions = _with_explanation(versions[0], rng)
        recs = [r for from_q, r in city.recognitions[unit.code] if from_q <= q]
        subs.append(_Submission(unit, q, versions, recognitions=recs))
    return subs


def _with_errors(clean: _Version, kinds: list[str], ctx: _Ctx, used: set[int]) -> list[_Version]:
    """A first version with the next mistakes of the rotation, then the clean one as v2."""
    n = ctx.rng.choices((1, 2, 3), (50, 35, 15))[0]
    take = _take_kinds(kinds, n, has_prev=bool(ctx.prev_ytd))
    rows = _copy_rows(clean.rows)
    errors = _plant_errors(rows, take, ctx, set(used))
    for k in take:  # a kind that found no row here comes first for the next file
        if not any(e["rule"] == k for e in errors):
            kinds.remove(k)
            kinds.insert(0, k)
    if not errors:
        return [clean]
    v1 = replace(clean, rows=rows, errors=errors, expected="rejected")
    v1.incidental = _broken_keys(rows, clean.rows, ctx)
    return [v1, replace(clean, version=2)]


def _with_explanation(first: _Version, rng: random.Random) -> list[_Version]:
    """The accepted first version is replaced by one that explains its warning in 备注."""
    w = dict(first.warnings[0], explained=True)
    rows = _copy_rows(first.rows)
    rows[w["index"]]["note"] = rng.choice(_WARNING_NOTES)
    return [
        replace(first, expected="superseded"),
        replace(first, version=2, rows=rows, warnings=[w, *first.warnings[1:]]),
    ]


def _project_key(row: dict):
    return row["project_code"] or (row["uscc"], row["project_name"])


def _broken_keys(rows: list[dict], clean: list[dict], ctx: _Ctx) -> list[dict]:
    """Projects of the previous return that a mistake made unrecognisable (a code changed).

    A product that recognises projects by code (or credit code) may warn them as vanished in
    this rejected file; one that falls back on names will not. Either is fair.
    """
    out = []
    for i, (r, c) in enumerate(zip(rows, clean, strict=True)):
        if c["_pid"] in ctx.prev_ytd and _project_key(r) != _project_key(c):
            out.append(
                {"rule": "project_vanished", "index": None, "_at": i, "project_code": c["project_code"]}
            )
    return out


def _take_kinds(kinds: list[str], n: int, has_prev: bool) -> list[str]:
    """The next n mistake kinds of the city's rotation (so that every kind shows up).

    ytd_decreased needs a return in force for the previous quarter; without one it keeps its
    place for the next file.
    """
    out = [k for k in kinds if has_prev or k != "ytd_decreased"][:n]
    for k in out:
        kinds.remove(k)
        kinds.append(k)
    return out


def _plant_vanished(city: _City, silent: dict[int, str | None]) -> None:
    """One running project missing from one return without being 竣工/投产 (a warning)."""
    rng = city.rng
    options = []
    for q in range(2, city.quarters + 1):
        for u in city.units:
            if u.code in (silent[q], silent[q - 1]):
                continue
            for p in city.library[u.code]:
                if (
                    p.first_q < q
                    and p.status(q - 1) in ("续建", "新开工")
                    and p.status(q) != "计划"
                    and not p.also_reported_by
                ):
                    options.append((q, p))
    if options:
        q, p = rng.choice(options)
        p.vanish_q = q


def _retain_one_error(sub: _Submission) -> None:
    """A second version that fixed all but one mistake, and a third that is right."""
    v1, v2 = sub.versions[0], sub.versions[1]
    clean = v2.rows
    kept = v1.errors[-1]["rule"]
    errors = [dict(e) for e in v1.errors if e["rule"] == kept]
    rows = _copy_rows(clean)
    for e in errors:
        rows[e["index"]] = dict(v1.rows[e["index"]])
    v2.rows, v2.errors, v2.expected = rows, errors, "rejected"
    v2.incidental = [w for w in v1.incidental if w["_at"] in {e["index"] for e in errors}]
    sub.versions.append(_Version(sub.unit, sub.q, 3, clean, [], v1.warnings))


def _assign_habits(subs: list[_Submission], rng: random.Random) -> None:
    """Random habits per return, then make sure every habit shows up somewhere in the city."""
    for s in subs:
        s.habits = {h for h, p in _HABITS.items() if rng.random() < p}
    for h in _HABITS:
        if not any(h in s.habits for s in subs) and subs:
            rng.choice(subs).habits.add(h)


def _file_name(unit: Unit, period: Period, version: int, style: str, ext: str) -> str:
    if style == "code":
        return f"{unit.code}_{period}_技改项目季报_v{max(version, 1)}{ext}"
    label = f"{period.year}年第{period.quarter}季度" if style == "name_digit" else period.label
    return f"{unit.name}{label}技改项目季报{'' if version <= 1 else f'_v{version}'}{ext}"


# ---------------------------------------------------------------------------------------------
# Statistics extract, unit totals, targets


def _write_table(path: Path, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Sheet1")
    ws.append(list(columns))
    for r in rows:
        ws.append(list(r))
    wb.save(path)


def _stats_projects(city: _City, q: int) -> list[Project]:
    ps = [p for u in city.units for p in city.library[u.code]] + city.stats_only
    return sorted((p for p in ps if p.stats_id and p.in_stats(q)), key=lambda p: p.stats_id)


def _stats_row(p: Project, q: int) -> tuple:
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


def _unit_totals(city: _City, stats: dict[int, list[Project]]) -> dict[int, dict[str, tuple]]:
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


def _split(total: int, weights: Sequence[float]) -> list[int]:
    """Split an integer total proportionally (largest remainder), so the parts add up."""
    s = sum(weights) or 1
    raw = [total * w / s for w in weights]
    parts = [math.floor(x) for x in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _targets(city: _City, totals: dict[int, dict[str, tuple]]) -> list[tuple]:
    rng, units = city.rng, city.units
    last_q = max(totals)
    est = [totals[last_q][u.code][2] * 4 / last_q * rng.uniform(0.95, 1.15) for u in units]
    lib = [city.library[u.code] for u in units]
    year_end = 4  # counts aimed at the year end, not the quarter
    enterprises = [len({p.ent.uscc for p in ps if p.status(year_end) != "计划"}) for ps in lib]
    big = [sum(1 for p in ps if p.total >= 10000 and p.status(year_end) != "计划") for ps in lib]
    smart = [sum(p.smart_units for p in ps) for ps in lib]
    city_totals = {
        "tech_invest_ytd": round(sum(est), -2),
        "reforming_enterprises": math.ceil(sum(enterprises) * rng.uniform(1.0, 1.15)),
        "projects_over_10m": math.ceil(sum(big) * rng.uniform(1.0, 1.1)),
        "smart_equipment_units": math.ceil(sum(smart) * rng.uniform(1.0, 1.1) / 10) * 10,
    }
    weights = {
        "tech_invest_ytd": est,
        "reforming_enterprises": enterprises,
        "projects_over_10m": big,
        "smart_equipment_units": smart,
    }
    rates = {
        **_DEFAULT_RATES,
        **_RATE_TARGETS.get(city.profile.id, {}),
        "stats_coverage": 100.0,
        "timely_submission": 100.0,
    }
    per_unit: dict[str, list] = {}
    for ind in TARGET_INDICATORS:
        if ind in city_totals:
            tot = city_totals[ind]
            if ind == "tech_invest_ytd":  # 万元, to the nearest 10
                parts = [v * 10 for v in _split(int(tot // 10), weights[ind])]
            else:
                parts = _split(int(tot), weights[ind])
            per_unit[ind] = [*parts, tot]
        else:
            per_unit[ind] = [rates[ind]] * (len(units) + 1)
    rows = []
    for i, code in enumerate([u.code for u in units] + [city.profile.jurisdiction.code]):
        rows += [(code, ind, float(per_unit[ind][i])) for ind in TARGET_INDICATORS]
    return rows


# ---------------------------------------------------------------------------------------------
# What a correct reconciliation says (§4), from the returns in force and the extract


def _expected_reconciliation(city: _City, q: int, in_force: dict[str, list[dict]]) -> dict:
    by_pid = {p.pid: p for u in city.units for p in city.library[u.code]}
    code_units: dict[str, set[str]] = {}
    for unit, rows in in_force.items():
        for r in rows:
            if r["project_code"]:
                code_units.setdefault(r["project_code"], set()).add(unit)
    threshold = city.profile.project_code_required_from
    library, linked = [], {}
    for unit, rows in in_force.items():
        for r in rows:
            p = by_pid[r["_pid"]]
            ytd = p.ytd(q)
            qualifying = r["total_investment"] >= threshold and r["status"] != "计划" and ytd > 0
            st = p.stats_ytd(q) if p.in_stats(q) else None
            if r["project_code"] and len(code_units[r["project_code"]]) > 1:
                cat = "duplicate_report"
            elif st is not None:
                if p.stats_nature != TECH:
                    cat = "nature_mismatch"
                elif abs(ytd - st) > _tolerance(st):
                    cat = "amount_mismatch"
                else:
                    cat = "matched"
                linked[p.stats_id] = cat
            else:
                cat = "missing_from_stats" if qualifying else "not_required"
            library.append(
                {
                    "unit": unit,
                    "project_code": r["project_code"] or "",
                    "uscc": r["uscc"],
                    "project_name": r["project_name"],
                    "category": cat,
                    "library_ytd": ytd / 10,
                    "stats_ytd": None if st is None else st / 10,
                    "qualifying": qualifying,
                }
            )
    stats = []
    for p in _stats_projects(city, q):
        if p.stats_id in linked:
            cat, lib_cat = "matched", linked[p.stats_id]
        else:
            cat, lib_cat = ("missing_from_library" if p.stats_nature == TECH else None), None
        stats.append(
            {"unit": p.unit, "stats_project_id": p.stats_id, "category": cat, "library_category": lib_cat}
        )
    return {"library": library, "stats": stats}


# ---------------------------------------------------------------------------------------------
# The city


def _pick_units(profile: Profile, units: int | None) -> list[Unit]:
    if units is None:
        return list(profile.units)
    if not 1 <= units <= len(profile.units):
        raise ValueError(
            f"units={units}：政策配置 {profile.id} 有 {len(profile.units)} 个填报单位，"
            f"units 应在 1…{len(profile.units)} 之间"
        )
    return list(profile.units[:units])


def _pick_silent(rng: random.Random, units: list[Unit], quarters: int) -> dict[int, str | None]:
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


def generate_city(
    ws: Workspace,
    profile: Profile,
    year: int = 2026,
    quarters: int = 3,
    seed: int = 7,
    units: int | None = None,
    projects_per_unit: tuple[int, int] = (8, 20),
    mistakes: bool = True,
) -> dict:
    """Fill workspace ``ws`` (already created for ``profile``) with a generated city.

    Writes returns for quarters 1…``quarters`` of ``year`` into ``ws.inbox`` (with realistic
    arrival times as modification times), statistics extracts into ``ws.stats`` and the year's
    targets into ``ws.targets``. ``units`` limits the city to the profile's first units.
    ``mistakes=False`` gives clean returns only (no rejected, superseded or warned files).

    Returns a summary: ``returns`` (files written), ``with_errors`` (files a correct product
    rejects), ``units``, ``periods``, ``expected`` ({file name: accepted|rejected|superseded}),
    ``files`` (per file, in arrival order: unit, period, version, path, received_at, on_time,
    format, habits, ``errors`` and ``warnings`` as {rule, row, field, sheet}, rule ids as in
    ``rules/return_rules.yaml``; file-level ones have no row; ``incidental``: project_vanished
    warnings a product that recognises projects only by code may add to a rejected file whose
    mistake changed a code), ``timely`` ({period: {unit: earliest accepted return on time}}),
    ``silent`` ({period: unit}), ``mistakes`` (count per rule), ``stats_rows`` and
    ``reconciliation`` ({period: {"library": [...], "stats": [...]}}, the planted §4 categories;
    a stats row matched to the library says ``matched`` and the library's category).
    """
    if not 1 <= quarters <= 4:
        raise ValueError("quarters 应在 1…4 之间")
    rng = random.Random(seed)
    city = _City(profile, year, quarters, _pick_units(profile, units), rng)
    _build_library(city, projects_per_unit)
    silent = _pick_silent(rng, city.units, quarters)
    _plant_duplicate(city, silent)
    _plant_recognitions(city)
    _link_statistics(city)
    _add_stats_only(city)
    _assign_stats_ids(city)
    if mistakes:
        _plant_vanished(city, silent)

    kinds = list(_ERROR_KINDS)
    rng.shuffle(kinds)
    styles = {u.code: rng.choices(("code", "name_digit", "name_cn"), (60, 20, 20))[0] for u in city.units}
    if len(city.units) >= 3 and all(s == "code" for s in styles.values()):
        styles[city.units[-1].code] = "name_digit"

    subs: list[_Submission] = []
    in_force: dict[int, dict[str, list[dict]]] = {0: {}}
    for q in range(1, quarters + 1):
        # kinds not planted yet come first, so that a short city still shows every kind
        done = {e["rule"] for s in subs for v in s.versions for e in v.errors}
        kinds.sort(key=lambda k: k in done)
        quarter = _plan_quarter(city, q, silent[q], kinds, in_force[q - 1], mistakes)
        in_force[q] = {s.unit.code: s.versions[-1].rows for s in quarter}
        subs += quarter
    if mistakes:
        multi = [s for s in subs if len(s.versions) == 2 and len(s.versions[0].errors) >= 2]
        if multi:
            _retain_one_error(rng.choice(multi))
        _add_nameless(subs, rng)
    _assign_habits(subs, rng)
    files = _write_submissions(ws, city, subs, styles)
    summary = _summarise(ws, city, subs, files, silent, in_force)
    summary["seed"] = seed
    _write_statistics(ws, city, summary)
    return summary


def _add_nameless(subs: list[_Submission], rng: random.Random) -> None:
    """A file that names no period, sent before the right one (rejected at file level)."""
    clean = [s for s in subs if len(s.versions) == 1]
    if clean:
        s = rng.choice(clean)
        s.versions.insert(0, _Version(s.unit, s.q, 0, s.versions[0].rows, [], [], expected="rejected"))


def _write_submissions(ws: Workspace, city: _City, subs: list[_Submission], styles: dict[str, str]) -> list:
    rng, profile = city.rng, city.profile
    late_units = {}
    for q in range(1, city.quarters + 1):  # at least one late office each quarter
        qs = [s for s in subs if s.q == q]
        if qs:
            late_units[q] = rng.choice(qs).unit.code
    for s in subs:
        period = Period(city.year, s.q)
        s.layout = _layout(s.habits, rng, s.unit, period, profile)
        if "yuan" in s.habits:
            s.file_warnings.append({"rule": "unit_converted", "index": None, "field": None})
        deadline = period.deadline(profile.deadline_working_days)
        late = s.unit.code == late_units.get(s.q) or rng.random() < 0.08
        t = _first_arrival(rng, period, deadline, late)
        for v in s.versions:
            if v is not s.versions[0]:
                t = _later(rng, t, 1.5, 30)
            v.received = t
            ext = ".xls" if s.layout.fmt == "xls" else ".xlsx"
            v.name = (
                "技改项目季报" + ext
                if v.version == 0
                else _file_name(s.unit, period, v.version, styles[s.unit.code], ext)
            )
    versions = sorted(
        (v for s in subs for v in s.versions), key=lambda v: (v.received, v.unit.code, v.version)
    )
    last = None
    for v in versions:  # modification times strictly increase in arrival order
        if last and v.received <= last:
            v.received = last + dt.timedelta(minutes=1)
        last = v.received
    by_version = {id(v): s for s in subs for v in s.versions}
    for v in versions:
        s = by_version[id(v)]
        path = ws.inbox / s.unit.code / v.name
        n = 1
        while path.exists() and v.version == 0:  # earlier calls may have left one already
            path = ws.inbox / s.unit.code / f"技改项目季报({n}){path.suffix}"
            n += 1
        v.name = path.name
        layout = s.layout
        if v.version == 0:  # an earlier draft: no metadata sheet naming the period, another title
            layout = replace(layout, meta=(), title="" if layout.title else f"{s.unit.name}技改项目季报表")
        rows = write_return(path, v.rows, recognitions=s.recognitions, layout=layout)
        for e in v.errors + v.warnings:
            e["row"] = None if e["index"] is None else rows[e["index"]]
        # Office hours as the machine's local time, the clock intake reads received times by
        # (deployments run in China time: TZ=Asia/Shanghai in docker-compose.yaml).
        stamp = v.received.timestamp()
        os.utime(path, (stamp, stamp))
    return versions


def _summarise(ws, city, subs, versions, silent, in_force) -> dict:
    by_version = {id(v): s for s in subs for v in s.versions}
    files, timely = [], {}
    for v in versions:
        s = by_version[id(v)]
        period = Period(city.year, s.q)
        deadline = period.deadline(city.profile.deadline_working_days)
        files.append(
            {
                "file": v.name,
                "path": (ws.inbox / s.unit.code / v.name).relative_to(ws.root).as_posix(),
                "unit": s.unit.code,
                "period": str(period),
                "version": v.version,
                "received_at": v.received.isoformat(),
                "on_time": v.received.date() <= deadline,
                "expected": v.expected,
                "format": s.layout.fmt,
                "habits": list(s.layout.habits),
                "errors": [_finding(e) for e in v.errors]
                if v.version
                else [{"rule": "no_period", "row": None}],
                "warnings": [_finding(w) for w in v.warnings + (s.file_warnings if v.version else [])],
                "incidental": [_finding(w) for w in v.incidental],
            }
        )
        if v.expected in ("accepted", "superseded") and v.version:
            timely.setdefault(str(period), {}).setdefault(s.unit.code, files[-1]["on_time"])
    periods = [str(Period(city.year, q)) for q in range(1, city.quarters + 1)]
    return {
        "profile": city.profile.id,
        "year": city.year,
        "seed": None,
        "returns": len(files),
        "with_errors": sum(f["expected"] == "rejected" for f in files),
        "units": [u.code for u in city.units],
        "periods": periods,
        "expected": {f["file"]: f["expected"] for f in files},
        "files": files,
        "silent": {str(Period(city.year, q)): silent[q] for q in range(1, city.quarters + 1)},
        "timely": timely,
        "reconciliation": {
            str(Period(city.year, q)): _expected_reconciliation(city, q, in_force[q])
            for q in range(1, city.quarters + 1)
        },
        "mistakes": dict(sorted(Counter(e["rule"] for f in files for e in f["errors"]).items())),
    }


def _finding(e: dict) -> dict:
    out = {"rule": e["rule"], "row": e.get("row"), "field": e.get("field"), "sheet": schema.PROJECT_SHEET}
    if e.get("row") is None:
        out["sheet"] = None
    for k in ("explained", "project_code"):
        if k in e:
            out[k] = e[k]
    return out


def _write_statistics(ws: Workspace, city: _City, summary: dict) -> None:
    stats = {q: _stats_projects(city, q) for q in range(1, city.quarters + 1)}
    for q, ps in stats.items():
        folder = ws.stats / str(Period(city.year, q))
        _write_table(folder / "projects.xlsx", _STATS_COLUMNS, (_stats_row(p, q) for p in ps))
    totals = _unit_totals(city, stats)
    for q, rows in totals.items():
        folder = ws.stats / str(Period(city.year, q))
        _write_table(folder / "unit_totals.xlsx", _TOTALS_COLUMNS, rows.values())
    _write_table(ws.targets / f"{city.year}.xlsx", _TARGET_COLUMNS, _targets(city, totals))
    summary["stats_rows"] = {str(Period(city.year, q)): len(ps) for q, ps in stats.items()}


__all__ = ["Layout", "TARGET_INDICATORS", "generate_city", "write_return"]
