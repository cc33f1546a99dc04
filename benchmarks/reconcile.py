"""Reconciliation matcher against Splink 5 (DuckDB) on generated registries with a known truth.

    uv sync --group bench        # Splink is an optional group; the default sync does not need it
    uv run python benchmarks/reconcile.py [--n 100000] [--units 180] [--seed 1] [--no-splink]

Generates, with a fixed seed, ``--n`` library projects and ``--n`` statistics rows over ``--units``
real Henan county codes (GB/T 2260). About 90% of each side has a partner on the other side (the
truth); ~10% of the library and ~10% of the statistics rows have none. The two sides spell the
same project the way real registries do (DESIGN.md §4): legal forms swapped, province/city/county
prefixes added, dropped or moved into (full- or half-width) brackets, project-name boilerplate
(项目/技改/技术改造/建设/年产) added or dropped, 二期/2期, full-width digits, spaces, a few one-character
typos, a mistyped digit in the project code, blank project codes, a mistyped or blank credit code,
enterprises with 2–4 similar projects (一期/二期, other products), amounts a little apart. Company
names come from small syllable pools, so brand words collide within a unit.

Times ``techreform.reconcile.match.match`` (name normalisation alone is timed too) and Splink 5
(registration, training, prediction, one-to-one), both after generation, and prints precision,
recall and F1 of each against the truth. Splink is given the same normalised names as our matcher
(``project_key`` / ``company_key``) and the same code normalisation (``code_key``), so both compare
like with like; its time excludes that normalisation (printed separately). Splink: link_only;
blocking on project code, on credit code, on unit + the first two characters of the company name;
Jaro-Winkler levels on both names (DuckDB 2 compares characters, not UTF-8 bytes), exact project
and credit codes; λ from deterministic rules, u by random sampling, m by EM on two blocking rules;
one-to-one by Splink's own ``cluster_using_single_best_links`` (see SPLINK_THRESHOLD).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from techreform.reconcile.match import Link, Record, match
from techreform.reconcile.names import Places, code_key, company_key, project_key
from techreform.reference.codes import uscc as uscc_codes

# ---------------------------------------------------------------------------------------------
# Pools

BRAND_FIRST = "金银华宏鑫恒泰瑞德盛昌隆丰源祥和兴达天宇龙凤东永嘉豫中新亿博"
BRAND_SECOND = "联泰华通力达信诚利源丰盛辉强光明远大鼎晟海洋宝福康奥创威"
BRAND_THIRD = "源达兴隆昌盛祥鑫"
INDUSTRIES = (
    "重工 机械 化工 新材料 电子 食品 纺织 建材 科技 生物科技 能源 环保科技 装备制造 汽车零部件 铝业 "
    "钢铁 制药 塑业 电气 陶瓷 耐火材料 矿山机械 农业科技 包装 智能科技 实业 铸造 轴承 光电"
).split()
LEGAL_FORMS = ("有限公司", "有限责任公司", "股份有限公司", "集团有限公司")
PRODUCTS = (
    "新型建材 高端轴承 精密铸件 锂电池隔膜 光伏玻璃 环保涂料 特种钢材 铝合金型材 智能装备 食品包装材料 "
    "生物有机肥 耐火砖 碳化硅制品 汽车制动盘 电线电缆 光纤预制棒 医用敷料 中药饮片 速冻食品 面粉 "
    "纸制品 塑料薄膜 超硬材料 起重机械 矿用支护设备 农机具 石墨电极 阀门 液压件 电机 变压器 "
    "LED灯具 电子元器件 纺织面料 服装 陶瓷砖 玻璃纤维 钛白粉 有机硅 新能源电池 数控机床 "
    "铜箔 不锈钢管 混凝土预制件 木门 家具 肉制品 乳制品 饮料"
).split()
MEASURES = ("万吨", "吨", "万件", "万套", "台套", "万平方米", "万米", "万只")
TEMPLATES = (
    "年产{q}{m}{p}{phase}项目",
    "{p}生产线技术改造{phase}项目",
    "{p}智能化改造{phase}项目",
    "{p}绿色化改造{phase}项目",
    "{p}数字化车间建设{phase}项目",
    "新增{q}{m}{p}生产线{phase}项目",
)
PHASES = ("一期", "二期", "三期", "四期")
TYPO_CHARS = "金银华宏鑫恒泰瑞德盛昌隆丰源祥和兴达天宇龙凤东永嘉豫中新亿博联通力信诚利辉强光明远"
_PLACE_SUFFIX = re.compile(r"(回族自治县|自治县|回族区|新区|省|市|县|区)$")
_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@dataclass(frozen=True)
class Unit:
    code: str
    county: str
    city: str


@dataclass
class Project:
    """A project as it really is, before either side writes it down."""

    unit: Unit
    uscc: str
    brand: str  # brand + industry: the part of the company name that identifies it
    legal_form: str
    project_name: str
    project_code: str
    ytd: float


def henan_units(count: int) -> list[Unit]:
    """``count`` county-level rows of GB/T 2260 with a code starting with 41 (active ones first)."""
    path = resources.files("techreform.reference") / "data" / "gb2260_divisions.csv"
    with path.open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["code"].startswith("41")]
    names = {r["code"]: r["name"] for r in rows}
    counties = sorted(
        (r for r in rows if r["level"] == "county"), key=lambda r: (r["status"] != "active", r["code"])
    )
    if len(counties) < count:
        raise SystemExit(f"only {len(counties)} Henan county rows")
    out = []
    for r in counties[:count]:
        city = names.get(r["code"][:4] + "00") or names.get(r["parent_code"], "河南省")
        out.append(Unit(r["code"], r["name"], city))
    return out


def bare(place: str) -> str:
    shorter = _PLACE_SUFFIX.sub("", place)
    return shorter if len(shorter) >= 2 else place


def new_uscc(rng: random.Random, division: str, taken: set[str]) -> str:
    while True:
        org = "".join(rng.choice(uscc_codes.ALPHABET) for _ in range(8))
        body = "91" + division + org + rng.choice("0123456789X")
        code = body + uscc_codes.calc_check_digit(body)
        if code not in taken:
            taken.add(code)
            return code


def new_project_code(rng: random.Random, division: str, taken: set[str]) -> str:
    while True:
        code = f"{rng.randint(2019, 2026)}-{division}-{rng.choice(('13', '26', '30', '34', '38'))}-03-"
        code += f"{rng.randrange(10**6):06d}"
        if code not in taken:
            taken.add(code)
            return code


def enterprise_projects(rng: random.Random, k: int) -> list[str]:
    """``k`` project names of one enterprise: later phases of one line, or other products."""
    names: list[str] = []
    quantities = (1, 2, 3, 5, 10, 20, 50, 100, 500)
    line = (rng.choice(TEMPLATES), rng.choice(PRODUCTS), rng.choice(quantities), rng.choice(MEASURES))
    phased = k > 1 and rng.random() < 0.5
    for i in range(k):
        if i and not phased:  # another product, often with the same kind of name
            tpl = line[0] if rng.random() < 0.5 else rng.choice(TEMPLATES)
            line = (tpl, rng.choice(PRODUCTS), rng.choice(quantities), rng.choice(MEASURES))
        tpl, product, q, m = line
        names.append(tpl.format(q=q, m=m, p=product, phase=PHASES[i] if phased else ""))
    return names


def generate_truth(rng: random.Random, units: list[Unit], total: int) -> list[Project]:
    weights = [rng.uniform(0.5, 1.5) for _ in units]
    quota = [max(1, round(total * w / sum(weights))) for w in weights]
    quota[-1] += total - sum(quota)
    usccs: set[str] = set()
    codes: set[str] = set()
    out: list[Project] = []
    for unit, n in zip(units, quota, strict=True):
        made = 0
        while made < n:
            k = min(n - made, rng.choices((1, 2, 3, 4), weights=(60, 20, 12, 8))[0])
            brand = rng.choice(BRAND_FIRST) + rng.choice(BRAND_SECOND)
            if rng.random() < 0.15:
                brand += rng.choice(BRAND_THIRD)
            brand += rng.choice(INDUSTRIES)
            legal = rng.choices(LEGAL_FORMS, weights=(50, 25, 15, 10))[0]
            code = new_uscc(rng, unit.code, usccs)
            for name in enterprise_projects(rng, k):
                ytd = round(rng.lognormvariate(6.5, 1.2), 1)
                out.append(
                    Project(unit, code, brand, legal, name, new_project_code(rng, unit.code, codes), ytd)
                )
            made += k
    return out


# ---------------------------------------------------------------------------------------------
# How each side writes a project down


def typo(rng: random.Random, s: str) -> str:
    i = rng.randrange(len(s))
    return s[:i] + rng.choice(TYPO_CHARS) + s[i + 1 :]


def write_company(rng: random.Random, p: Project, swap: float, typos: float) -> str:
    core = typo(rng, p.brand) if rng.random() < typos else p.brand
    legal = rng.choice(LEGAL_FORMS) if rng.random() < swap else p.legal_form
    city, county = p.unit.city, p.unit.county
    style = rng.randrange(10)
    if style == 0:
        name = core + legal
    elif style == 1:
        name = rng.choice(("河南省", "河南")) + core + legal
    elif style in (2, 3):
        name = rng.choice((city, bare(city))) + core + legal
    elif style in (4, 5):
        name = rng.choice((county, bare(county))) + core + legal
    elif style == 6:
        name = rng.choice((city, bare(city))) + rng.choice((county, bare(county))) + core + legal
    else:
        left, right = ("（", "）") if rng.random() < 0.7 else ("(", ")")
        name = core + left + rng.choice((bare(city), bare(county), bare(city))) + right + legal
    if rng.random() < 0.03:
        i = rng.randrange(1, len(name))
        name = name[:i] + " " + name[i:]
    return name


def write_project(rng: random.Random, p: Project, noise: float) -> str:
    s = p.project_name
    if rng.random() < noise:
        s = s.replace("技术改造", "技改") if "技术改造" in s else s.replace("技改", "技术改造")
    if rng.random() < noise:
        s = s.removesuffix("项目") if s.endswith("项目") else s + "项目"
    if rng.random() < noise * 0.7:
        s = s.replace("年产", "")
    if rng.random() < noise * 0.5 and "建设" not in s:
        s = s.replace("项目", "建设项目")
    if rng.random() < noise * 0.3 and "改造" not in s:
        s = s.removesuffix("项目") + "技术改造项目"
    if rng.random() < noise:
        for cn, digit in (("一期", "1期"), ("二期", "2期"), ("三期", "3期"), ("四期", "4期")):
            s = s.replace(cn, digit)
    if rng.random() < noise * 0.3:
        s = rng.choice((p.unit.county, bare(p.unit.county), p.unit.city)) + s
    if rng.random() < noise * 0.3:
        s = s.translate(_FULL_WIDTH)
    if rng.random() < 0.02:
        s = typo(rng, s)
    return s


def mistype_digit(rng: random.Random, code: str) -> str:
    positions = [i for i, c in enumerate(code) if c.isdigit()]
    i = rng.choice(positions)
    return code[:i] + rng.choice([d for d in "0123456789" if d != code[i]]) + code[i + 1 :]


def mistype_uscc(rng: random.Random, code: str) -> str:
    i = rng.randrange(len(code))
    return code[:i] + rng.choice([c for c in uscc_codes.ALPHABET if c != code[i]]) + code[i + 1 :]


def library_record(rng: random.Random, key: str, p: Project) -> Record:
    code = p.project_code
    if rng.random() < 0.20:
        code = ""
    elif rng.random() < 0.04:
        code = mistype_digit(rng, code)
    credit = p.uscc
    if rng.random() < 0.03:
        credit = mistype_uscc(rng, credit)
    elif rng.random() < 0.02:
        credit = ""
    return Record(
        key,
        p.unit.code,
        code or None,
        credit or None,
        write_company(rng, p, swap=0.3, typos=0.01),
        write_project(rng, p, noise=0.35),
        p.ytd,
    )


def stats_record(rng: random.Random, key: str, p: Project) -> Record:
    code = p.project_code
    if rng.random() < 0.15:
        code = ""
    elif rng.random() < 0.01:
        code = mistype_digit(rng, code)
    ytd = p.ytd if rng.random() < 0.3 else round(p.ytd * (1 + rng.gauss(0, 0.03)), 1)
    return Record(
        key,
        p.unit.code,
        code or None,
        p.uscc,
        write_company(rng, p, swap=0.1, typos=0.005),
        write_project(rng, p, noise=0.2),
        ytd,
    )


def generate(n: int, unit_count: int, seed: int) -> tuple[list[Record], list[Record], set[tuple[str, str]]]:
    """(library, stats, true pairs): n records a side, ~10% of each without a partner."""
    rng = random.Random(seed)
    alone = n // 10
    projects = generate_truth(rng, henan_units(unit_count), n + alone)
    rng.shuffle(projects)
    both, lib_only, st_only = projects[: n - alone], projects[n - alone : n], projects[n:]
    lib_side = [(p, i) for i, p in enumerate(both)] + [(p, None) for p in lib_only]
    st_side = [(p, i) for i, p in enumerate(both)] + [(p, None) for p in st_only]
    rng.shuffle(lib_side)  # keys carry no hint of the truth (the matcher breaks ties by key)
    rng.shuffle(st_side)
    library, stats, lib_of, st_of = [], [], {}, {}
    for j, (p, i) in enumerate(lib_side):
        library.append(library_record(rng, f"L{j:07d}", p))
        if i is not None:
            lib_of[i] = library[-1].key
    for j, (p, i) in enumerate(st_side):
        stats.append(stats_record(rng, f"S{j:07d}", p))
        if i is not None:
            st_of[i] = stats[-1].key
    return library, stats, {(lib_of[i], st_of[i]) for i in lib_of}


# ---------------------------------------------------------------------------------------------
# Scoring


@dataclass
class Result:
    method: str
    seconds: float  # wall clock
    cpu: float  # CPU time of the whole process, all threads (DuckDB runs several)
    pairs: set[tuple[str, str]]
    note: str = ""


def scores(pairs: set[tuple[str, str]], truth: set[tuple[str, str]]) -> tuple[float, float, float]:
    hit = len(pairs & truth)
    precision = hit / len(pairs) if pairs else 0.0
    recall = hit / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def timed(fn: Callable[[], object]) -> tuple[float, float, object]:
    """(wall seconds, CPU seconds, result)."""
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - t0, time.process_time() - c0, out


def run_ours(library: list[Record], stats: list[Record], places: Places) -> tuple[float, Result, list[Link]]:
    def normalise() -> None:
        for r in (*library, *stats):
            project_key(r.project_name, places)
            company_key(r.enterprise_name, places)

    norm_seconds, _, _ = timed(normalise)
    seconds, cpu, links = timed(lambda: match(library, stats, places))
    assert isinstance(links, list)
    return norm_seconds, Result("ours: match()", seconds, cpu, {(x.library, x.stats) for x in links}), links


# ---------------------------------------------------------------------------------------------
# Splink 5 (DuckDB)

# One-to-one at match probability ≥ 0.5: "more likely a match than not", the decision that minimises
# expected errors if Splink's probabilities are calibrated, and Splink's best F1 on this data (the
# run prints 0.2, 0.9 and 0.99 too, untimed). 0.9, the usual choice in Splink's examples, loses recall.
SPLINK_THRESHOLD = 0.5
SPLINK_PREDICT_FROM = 0.2


def splink_frame(records: list[Record], places: Places) -> list[dict[str, str | None]]:
    return [
        {
            "unique_id": r.key,
            "unit": r.unit,
            "project_code": code_key(r.project_code) or None,
            "uscc": code_key(r.uscc) or None,
            "company": company_key(r.enterprise_name, places) or None,
            "project": project_key(r.project_name, places) or None,
        }
        for r in records
    ]


def run_splink(
    library: list[Record], stats: list[Record], places: Places, seed: int, other_thresholds: tuple[float, ...]
) -> list[Result]:
    """Splink at SPLINK_THRESHOLD (timed), then, untimed, the one-to-one links at other thresholds
    from the same predictions (to show the chosen threshold is not what holds Splink back)."""
    import pyarrow as pa
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    lib_rows, st_rows = splink_frame(library, places), splink_frame(stats, places)
    lib_table, st_table = pa.Table.from_pylist(lib_rows), pa.Table.from_pylist(st_rows)
    t0, c0 = time.perf_counter(), time.process_time()
    settings = SettingsCreator(
        link_type="link_only",
        blocking_rules_to_generate_predictions=[
            block_on("project_code"),
            block_on("uscc"),
            block_on("unit", "substr(company, 1, 2)"),
        ],
        comparisons=[
            cl.JaroWinklerAtThresholds("project", [0.95, 0.88, 0.75]),
            cl.JaroWinklerAtThresholds("company", [0.95, 0.88, 0.75]),
            cl.ExactMatch("project_code"),
            cl.ExactMatch("uscc"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    db_api = DuckDBAPI()
    linker = Linker(
        [
            db_api.register(lib_table, dataset_display_name="library"),
            db_api.register(st_table, dataset_display_name="stats"),
        ],
        settings,
    )
    linker.training.estimate_probability_two_random_records_match(
        [block_on("project_code"), block_on("uscc", "project")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=seed)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("project_code"))
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("unit", "substr(company, 1, 2)")
    )
    predictions = linker.inference.predict(threshold_match_probability=SPLINK_PREDICT_FROM)
    clusters = linker.clustering.cluster_using_single_best_links(
        predictions,
        duplicate_free_datasets=["library", "stats"],
        threshold_match_probability=SPLINK_THRESHOLD,
    )
    pairs = one_to_one_pairs(clusters)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    out = [Result("Splink 5 (DuckDB)", seconds, cpu, pairs, f"one-to-one at p ≥ {SPLINK_THRESHOLD}")]
    for threshold in other_thresholds:
        clusters = linker.clustering.cluster_using_single_best_links(
            predictions, duplicate_free_datasets=["library", "stats"], threshold_match_probability=threshold
        )
        out.append(Result(f"  Splink p ≥ {threshold}", 0.0, 0.0, one_to_one_pairs(clusters), "(untimed)"))
    return out


def one_to_one_pairs(clusters: Any) -> set[tuple[str, str]]:
    rows = clusters.as_duckdbpyrelation().select("cluster_id, source_dataset, unique_id").fetchall()
    members: dict[str, dict[str, str]] = {}
    for cluster, source, uid in rows:
        members.setdefault(cluster, {})[source] = uid
    return {(m["library"], m["stats"]) for m in members.values() if len(m) == 2}


# ---------------------------------------------------------------------------------------------
# What ours misses


def misses(
    library: list[Record], stats: list[Record], truth: set[tuple[str, str]], pairs: set[tuple[str, str]]
) -> dict[str, int]:
    """Why the true pairs we did not link could not be linked by code, by credit code or by name."""
    lib, st = {r.key: r for r in library}, {r.key: r for r in stats}
    out: dict[str, int] = {}
    for lk, sk in truth - pairs:
        a, b = lib[lk], st[sk]
        same_code = bool(a.project_code) and code_key(a.project_code) == code_key(b.project_code)
        same_uscc = bool(a.uscc) and code_key(a.uscc) == code_key(b.uscc)
        why = "same project code" if same_code else "same credit code" if same_uscc else "names only"
        out[why] = out.get(why, 0) + 1
    return out


def show_errors(
    library: list[Record], stats: list[Record], truth: set[tuple[str, str]], links: list[Link], count: int
) -> None:
    """A few missed and wrong links, each with what its two records were linked to instead."""
    lib, st = {r.key: r for r in library}, {r.key: r for r in stats}
    by_lib, by_st = {x.library: x for x in links}, {x.stats: x for x in links}
    partner_of_lib = dict(truth)
    partner_of_st = {sk: lk for lk, sk in truth}

    def show(r: Record, got: str = "") -> str:
        return f"{r.key} {r.project_code} {r.uscc} {r.enterprise_name} {r.project_name} {r.ytd} {got}"

    ours = {(x.library, x.stats) for x in links}
    for lk, sk in sorted(truth - ours)[:count]:
        a, b = by_lib.get(lk), by_st.get(sk)
        print(
            "missed:",
            show(lib[lk], f"— linked to {a.stats} ({a.tier})" if a else "— unlinked"),
            show(st[sk], f"— linked to {b.library} ({b.tier})" if b else "— unlinked"),
            sep="\n  ",
        )
    for x in [x for x in links if (x.library, x.stats) not in truth][:count]:
        print(
            f"wrong ({x.tier}, project {x.project_score}, company {x.company_score}):",
            show(lib[x.library], f"— its partner: {partner_of_lib.get(x.library)}"),
            show(st[x.stats], f"— its partner: {partner_of_st.get(x.stats)}"),
            sep="\n  ",
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="records on each side")
    parser.add_argument("--units", type=int, default=180)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-splink", action="store_true")
    parser.add_argument("--show-misses", type=int, default=0, help="print this many missed/wrong pairs")
    args = parser.parse_args()

    places = Places.for_jurisdiction("410000")
    gen_seconds, _, generated = timed(lambda: generate(args.n, args.units, args.seed))
    library, stats, truth = generated  # type: ignore[misc]
    print(
        f"generated {len(library):,} library + {len(stats):,} statistics records over {args.units} units,"
        f" {len(truth):,} true pairs, in {gen_seconds:.1f} s; cores: {os.cpu_count()},"
        f" load average: {os.getloadavg()[0]:.1f}"
    )
    norm_seconds, ours, links = run_ours(library, stats, places)
    results = [ours]
    if not args.no_splink:
        results += run_splink(library, stats, places, args.seed, (SPLINK_PREDICT_FROM, 0.9, 0.99))

    print(
        f"\nname normalisation alone (both sides): {norm_seconds:.2f} s — inside match()'s time;"
        " Splink is given the normalised names and its time does not include it"
    )
    print(
        f"\n{'method':<20} {'seconds':>8} {'CPU s':>8} {'precision':>10} {'recall':>8} {'F1':>8} {'pairs':>8}"
    )
    summary = []
    for r in results:
        p, rc, f1 = scores(r.pairs, truth)
        print(
            f"{r.method:<20} {r.seconds:>8.2f} {r.cpu:>8.2f} {p:>10.4f} {rc:>8.4f} {f1:>8.4f}"
            f" {len(r.pairs):>8,} {r.note}"
        )
        summary.append(
            {
                "method": r.method,
                "seconds": round(r.seconds, 2),
                "cpu_seconds": round(r.cpu, 2),
                "precision": round(p, 4),
                "recall": round(rc, 4),
                "f1": round(f1, 4),
                "pairs": len(r.pairs),
            }
        )
    tiers: dict[str, int] = {}
    wrong: dict[str, int] = {}
    for x in links:
        tiers[x.tier] = tiers.get(x.tier, 0) + 1
        if (x.library, x.stats) not in truth:
            wrong[x.tier] = wrong.get(x.tier, 0) + 1
    print(f"\nours, links by tier: {tiers}; wrong links by tier: {wrong}")
    print(f"ours, true pairs missed, by what they share: {misses(library, stats, truth, ours.pairs)}")
    if args.show_misses:
        show_errors(library, stats, truth, links, args.show_misses)
    print(
        json.dumps(
            {
                "n": args.n,
                "units": args.units,
                "seed": args.seed,
                "cores": os.cpu_count(),
                "normalise_seconds": round(norm_seconds, 2),
                "results": summary,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
