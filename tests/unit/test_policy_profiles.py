"""Every policy regime of the seeds is a working profile whose encoded targets are the document's
numbers (DESIGN.md §2). The expected numbers are written here from the documents' own sentences
(/work/shared/seeds), each cited, so a profile edit that drifts from its document fails."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from techreform import cli
from techreform.demo.targets import document_rule, weighted
from techreform.indicators.catalogue import assessed, catalogue
from techreform.reference import profiles
from techreform.reference.codes import gb2260
from techreform.reference.profiles import ProfileError

FIVE = ("luoyang-2021", "xinxiang-2022", "longnan-2022", "zhengzhou-2017", "henan-2012")


def _targets(profile_id: str) -> dict[tuple[str, int, int | None], float]:
    """(indicator, year, cumulative_from) → value of the profile's document targets."""
    p = profiles.load(profile_id)
    out: dict[tuple[str, int, int | None], float] = {}
    for t in p.document_targets:
        key = (t.indicator, t.year, t.cumulative_from)
        assert key not in out, f"{profile_id}: {key} twice"
        out[key] = t.value
    return out


def test_the_five_regimes_are_shipped():
    assert set(FIVE) <= set(profiles.available())


@pytest.mark.parametrize("profile_id", FIVE)
def test_every_profile_assesses_known_indicators_and_its_own(profile_id):
    p = profiles.load(profile_id)
    ids = {i.id for i in assessed(p)}
    assert ids and {c.id for c in p.custom_indicators} <= ids
    known = {i.id for i in catalogue(p)}
    tracked = [t for t in p.document_targets if t.tracked]
    assert tracked and all(t.indicator in known for t in tracked)
    assert all(t.name for t in p.document_targets if not t.tracked)  # named, even when not computed
    assert p.assessment is not None and p.assessment.weights and set(p.assessment.weights) <= known
    assert p.libraries


def test_luoyang_targets_are_the_documents():
    t = _targets("luoyang-2021")
    # 洛政办〔2021〕33号 一（二）: "2021年，推动248家企业实施316个千万元以上“三大改造”项目，总投资872.3亿元、
    # 年度计划投资333.2亿元。其中，实施智能化改造项目105个、绿色化改造项目77个、技术改造项目134个，
    # 带动改造企业产线员工数量减少10%、综合能耗降低6%、生产效率提升10%"
    assert t[("reforming_enterprises", 2021, None)] == 248
    assert t[("projects_over_10m", 2021, None)] == 316
    assert t[("projects_total_investment", 2021, None)] == pytest.approx(872.3 * 10000)  # 亿元 → 万元
    assert t[("projects_annual_plan", 2021, None)] == pytest.approx(333.2 * 10000)
    assert t[("projects_over_10m:智能化改造", 2021, None)] == 105
    assert t[("projects_over_10m:绿色化改造", 2021, None)] == 77
    assert t[("projects_over_10m:技术改造", 2021, None)] == 134
    assert (t[("staff_reduction", 2021, None)], t[("energy_reduction", 2021, None)]) == (10, 6)
    assert t[("efficiency_gain", 2021, None)] == 10
    # "到2025年，累计推动1500家以上企业实施“三大改造”，带动改造企业产线员工数量减少 20%以上、
    # 综合能耗降低 10%以上、生产效率提升 20%以上"
    assert t[("reforming_enterprises", 2025, 2021)] == 1500
    assert (t[("staff_reduction", 2025, None)], t[("energy_reduction", 2025, None)]) == (20, 10)
    assert t[("efficiency_gain", 2025, None)] == 20
    # 二（一）"力争培育省级智能工厂（车间）12 家" … "到 2025 年 … 培育省级智能工厂（车间）35 家"
    assert t[("smart_factories_workshops", 2021, None)] == 12
    assert t[("smart_factories_workshops", 2025, 2021)] == 35
    # 二（二）"推动 65 家企业实施 77 个绿色化改造项目 … 培育省级绿色制造示范 6 家以上 … 到 2025 年 … 20 家"
    assert t[("green_enterprises", 2021, None)] == 65
    assert t[("green_demonstrations", 2021, None)] == 6
    assert t[("green_demonstrations", 2025, 2021)] == 20
    # 二（三）"力争改造升级生产设备 450 台以上，推广应用数控机床等智能装备 500 台，完成 120 家企业 134 个
    # 技术改造项目，全员劳动生产率提高 5% … 到 2025 年，力争改造升级生产设备 1900 台以上，推广使用数控机床
    # 2000 台以上，全员劳动生产率提高 20%以上"
    assert t[("production_devices_upgraded", 2021, None)] == 450
    assert t[("production_devices_upgraded", 2025, 2021)] == 1900
    assert t[("smart_equipment_units", 2021, None)] == 500
    assert t[("smart_equipment_units", 2025, 2021)] == 2000
    assert t[("tech_enterprises", 2021, None)] == 120
    assert t[("labour_productivity_gain", 2021, None)] == 5
    assert t[("labour_productivity_gain", 2025, None)] == 20
    # "技改投资增速高于全市工业固定资产投资"
    gap = next(x for x in profiles.load("luoyang-2021").document_targets if x.indicator == "tech_growth_gap")
    assert (gap.value, gap.comparison) == (0, "more_than")


def test_luoyang_subsidy_rules_are_the_documents():
    rules = {r.id: r for r in profiles.load("luoyang-2021").subsidies}
    # 五（一）"设计费在 5 万元以内的，财政全额补贴；超过 5 万元的，财政补贴 5 万元"
    assert (rules["design_fee"].rate, rules["design_fee"].cap_per_project) == (1.0, 5)
    # 五（三）"按照设备采购金额的 30%（最高不超过 500 万元）予以补助"
    assert (rules["smart_equipment"].rate, rules["smart_equipment"].cap_per_project) == (0.30, 500)
    # 五（六）1 "总投资在 500 万元以上、设备投资在 300 万元以上 … 不超过设备支出总额 30% … 不超过 1000 万元，
    # 已获得上级资金支持的，市级不重复支持"
    key = rules["key_project"]
    assert (key.min_total_investment, key.min_equipment_investment, key.rate) == (500, 300, 0.30)
    assert key.cap_per_project == 1000 and key.no_double_support
    # 五（四）2 "获评省级智能工厂、智能车间的企业，市财政分别给予 30 万元、10 万元"；"在服务型制造……等领域
    # 获评国家级、省级荣誉的企业，市财政分别给予 30 万元、10 万元一次性奖励"；
    # 五（五）1 "获评省级绿色工厂的企业，市财政给予 50 万元一次性奖励"；
    # 五（六）2 "获评国家级、省级技术创新示范企业的，市财政给予 100 万元、50 万元一次性奖励"；
    # 五（六）3 "成功创建国家、省级制造业创新中心，市财政分别给予 300 万元、100 万元的一次性奖励"
    awards = {(a.category, a.level): a.amount for a in rules["recognition_awards"].awards}
    assert awards == {
        ("智能工厂", "省级"): 30,
        ("智能车间", "省级"): 10,
        ("绿色工厂", "省级"): 50,
        ("服务型制造示范", "国家级"): 30,
        ("服务型制造示范", "省级"): 10,
        ("技术创新示范企业", "国家级"): 100,
        ("技术创新示范企业", "省级"): 50,
        ("制造业创新中心", "国家级"): 300,
        ("制造业创新中心", "省级"): 100,
    }


def test_xinxiang_targets_are_the_documents():
    t = _targets("xinxiang-2022")
    # 新政办〔2022〕17号 一（二）"到 2025 年，技术改造投资年均增长 20% 以上，技术改造投资占工业投资比重达到
    # 40% 以上；高技术产业占规模以上工业增加值比重达到 15%，战略性新兴产业 … 达到 30%；企业上云数量累计达到
    # 1.5 万家以上；新建绿色工厂（园区）8—10 家 …；新增省级以上服务型制造试点示范项目 10 个以上"
    assert t[("tech_invest_growth", 2025, None)] == 20
    assert t[("tech_invest_share", 2025, None)] == 40
    assert t[("hightech_value_added_share", 2025, None)] == 15
    assert t[("strategic_emerging_share", 2025, None)] == 30
    assert t[("cloud_enterprises_total", 2025, None)] == 15000
    green = next(
        x for x in profiles.load("xinxiang-2022").document_targets if x.indicator == "recog:绿色工厂"
    )
    assert (green.value, green.upper) == (8, 10)
    assert t[("recog:服务型制造示范", 2025, 2022)] == 10
    # 二（二）"新增 30 个以上 … 智能车间、智能工厂和 5 个工业互联网平台 … 力争开发 10 个以上省级首台（套）…
    # 每年新增 10 家国家级专精特新“小巨人”和 80 家省级“专精特新”中小企业"
    assert t[("smart_workshops_factories", 2025, 2022)] == 30
    assert t[("industrial_internet_platforms", 2025, 2022)] == 5
    assert t[("recog:首台套", 2025, 2022)] == 10
    for year in (2022, 2023, 2024, 2025):
        assert t[("zjtx_national_new", year, None)] == 10
        assert t[("zjtx_provincial_new", year, None)] == 80
    # 三 "按照省级财政支持金额的25%给予配套支持 … 同一企业原则上一个申报年度内只能申请 1 个 … 项目"
    rule, awards = profiles.load("xinxiang-2022").subsidies
    assert (rule.basis, rule.rate, rule.one_per_enterprise, rule.no_double_support) == (
        "provincial_funds",
        0.25,
        True,
        True,
    )
    # 四（四）1 "对获得认定的国家级、省级绿色示范工厂、绿色供应链管理示范企业、工业设计中心、技术创新示范企业
    # …服务型制造…等领域试点示范或称号的企业…分别给予一次性奖励 50 万元、20 万元"；
    # 四（三）1 "对晋升为国家级制造业创新中心的…给予一次性奖励 500 万元"
    paid = {(a.category, a.level): a.amount for a in awards.awards}
    for category in ("绿色工厂", "绿色供应链", "工业设计中心", "技术创新示范企业", "服务型制造示范"):
        assert (paid[(category, "国家级")], paid[(category, "省级")]) == (50, 20)
    assert paid[("制造业创新中心", "国家级")] == 500 and len(paid) == 11


def test_longnan_targets_units_and_libraries_are_the_documents():
    p = profiles.load("longnan-2022")
    t = _targets("longnan-2022")
    # 龙办发〔2022〕40号 二 "到 2025 年，全市工业技改投资年均增长 20%左右，
    # 推动 110 家以上工业企业实施技术改造。
    # 其中，2022 年起每年分别推动 20 家、25 家、30 家、35 家工业企业实施技术改造。"
    assert t[("tech_invest_growth", 2025, None)] == 20
    assert t[("tech_reform_enterprises", 2025, 2022)] == 110
    assert [t[("tech_reform_enterprises", y, None)] for y in (2022, 2023, 2024, 2025)] == [20, 25, 30, 35]
    # 三（二）"打造 8 个“智能工厂”“数字化车间”“机器换人”项目"；（三）"力争打造 3 个省级以上绿色工厂"；
    # （四）"培育 5 家省级工业设计中心和 2 家省级服务型制造示范企业"
    assert t[("smart_projects", 2025, 2022)] == 8
    assert t[("recog:绿色工厂", 2025, 2022)] == 3
    assert t[("recog:工业设计中心", 2025, 2022)] == 5
    assert t[("recog:服务型制造示范", 2025, 2022)] == 2
    # 四（一）"对投资500万元及以上技术改造项目纳入市级技术改造项目库，其中：投资亿元及以上 … 纳入省级"
    assert [(x.name, x.from_) for x in p.libraries] == [
        ("市级技术改造项目库", 500),
        ("省级技术改造项目库", 10000),
    ]
    assert p.library_of(499.9) is None and p.library_of(500) == "市级技术改造项目库"
    assert p.library_of(10000) == "省级技术改造项目库"
    # 四（三）1 "购买设备投资额达 500 万元的，给予 6% 一次性资金奖补，单个企业补助总额不超过 200 万元"；
    # 7 "各项奖励补助以企业当年所缴税收地方财政实得部分 … 为限"
    (rule,) = [r for r in p.subsidies if r.kind == "project"]
    assert (rule.rate, rule.min_basis, rule.cap_per_enterprise) == (0.06, 500, 200)
    assert rule.statuses == ["竣工", "投产"] and rule.above_scale_only and rule.in_statistics_only
    assert p.subsidy_total_cap == "retained_tax"
    # the towns (9-digit statistical codes under 龙南市 360783) and the development zone
    towns = [u for u in p.units if u.kind == "township"]
    assert len(towns) == 13 and all(len(u.code) == 9 and u.code.startswith("360783") for u in towns)
    assert [u.name for u in p.units if u.kind == "zone"] == ["龙南经济技术开发区"]
    assert gb2260.name(p.jurisdiction.code) == "龙南市"


def test_zhengzhou_targets_and_units_are_the_documents():
    p = profiles.load("zhengzhou-2017")
    t = _targets("zhengzhou-2017")
    # 郑政文〔2017〕146号 技术改造攻坚方案 二 "2017年 … 比重达到15%"、"2018年 … 超过20%"、"2020年 … 超过30%"
    assert [t[("tech_invest_share", y, None)] for y in (2017, 2018, 2020)] == [15, 20, 30]
    # 三 1 "每年技术改造投资增长高于工业投资增长10个百分点以上，2017年全市20%的规模以上工业企业完成新一轮
    # 技术改造，到2020年完成2800家规模以上工业企业新一轮技术改造"
    assert all(t[("tech_growth_gap", y, None)] == 10 for y in (2017, 2018, 2019, 2020))
    assert t[("above_scale_reformed_share", 2017, None)] == 20
    assert t[("above_scale_reformed", 2020, 2017)] == 2800
    # 智能化改造攻坚方案 二 "2017年，培育5个智能工厂、10个智能车间，
    # 建设5个服务型制造示范企业（平台），两化融合
    # 管理体系贯标企业达到10家、对标企业达到100家" (2018: 10/20/10/20/200; 2020: 20/40/20/50/500)
    years = (2017, 2018, 2020)
    assert [t[("smart_factories", y, None)] for y in years] == [5, 10, 20]
    assert [t[("smart_workshops", y, None)] for y in years] == [10, 20, 40]
    assert [t[("service_demonstrations", y, None)] for y in years] == [5, 10, 20]
    assert [t[("integration_adopters", y, None)] for y in years] == [10, 20, 50]
    assert [t[("integration_benchmarkers", y, None)] for y in years] == [100, 200, 500]
    # 绿色化改造攻坚方案 二 "2017 年，规模以上工业企业单位工业增加值能耗下降 5.4% 以上"、"2018 年 … 比 2016 年
    # 降低 10%，建设 2 家绿色示范工厂"、"2020 年 … 比 2016 年降低 20%，建设 8 家绿色示范工厂"
    assert [t[("energy_intensity_reduction", y, None)] for y in years] == [5.4, 10, 20]
    energy = [x for x in p.document_targets if x.indicator == "energy_intensity_reduction"]
    assert [x.baseline_year for x in energy] == [None, 2016, 2016]
    assert t[("recog:绿色工厂", 2018, None)] == 2 and t[("recog:绿色工厂", 2020, 2017)] == 8
    # 三 3 "2017 年推动 10 家企业开展清洁生产审核、2020 年达到 40 家"
    assert [t[("clean_production_audits", y, None)] for y in (2017, 2020)] == [10, 40]
    divisions = [u for u in p.units if u.kind == "division"]
    assert len(divisions) == 12 and all(gb2260.divisions()[u.code].parent_code == "410100" for u in divisions)
    assert all(gb2260.is_current(u.code) for u in divisions)
    assert len([u for u in p.units if u.kind == "zone"]) >= 3


def test_henan_units_and_targets_are_the_documents():
    p = profiles.load("henan-2012")
    cities = [u for u in p.units if not u.note]
    pilots = [u for u in p.units if u.note == "省直管县（市）"]
    # 18 省辖市 (17 prefecture-level cities + 济源市) and the 10 省直管县体制改革试点县（市）
    assert len(cities) == 18 and len(pilots) == 10
    assert all(gb2260.is_current(u.code) and gb2260.name(u.code) == u.name for u in p.units)
    assert {u.name for u in pilots} == {
        "巩义市", "兰考县", "汝州市", "滑县", "长垣市", "邓州市", "永城市", "固始县", "鹿邑县", "新蔡县"
    }  # fmt: skip
    t = _targets("henan-2012")
    # 一（二）"“十二五”期间，全省力争企业技术改造投资增速高于全省投资平均增速"
    assert all(t[("tech_growth_gap", y, None)] == 0 for y in (2013, 2014, 2015))
    # 三（四）"省每年重点支持200个左右的技术改造项目"
    assert t[("provincial_key_projects", 2013, None)] == 200
    # 三（九）"每年组织一次考核"
    assert p.raw["cadence"] == ["annual_assessment"]


@pytest.mark.slow  # over a second: outside the inner loop
@pytest.mark.parametrize("profile_id", FIVE)
def test_init_sample_works_for_every_profile(profile_id, tmp_path, capsys):
    ws = tmp_path / "ws"
    assert cli.main(["init", str(ws), "--profile", profile_id, "--sample"]) == 0
    p = profiles.load(profile_id)
    assert {d.name for d in (ws / "inbox").iterdir()} <= set(p.unit_codes)
    assert list((ws / "targets").glob("*.xlsx"))


# ------------------------------------------------------------------ mistakes told in Chinese


def _data(profile_id: str = "longnan-2022") -> dict[str, Any]:
    from importlib import resources

    return yaml.safe_load((resources.files(profiles) / f"{profile_id}.yaml").read_text(encoding="utf-8"))


def _problem(tmp_path: Path, data: dict[str, Any]) -> str:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ProfileError) as e:
        profiles.parse(path.read_text(encoding="utf-8"), str(path))
    return str(e.value)


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (lambda d: d["document_targets"].append({"indicator": "nonsense", "year": 2025, "value": 1}),
         "未知的指标“nonsense”"),
        (lambda d: d["custom_indicators"][0]["definition"].update(sum="total_investment"), "恰好写 count"),
        (lambda d: d["custom_indicators"][0]["definition"]["where"].update(colour="红"), "不是可筛选的字段"),
        (lambda d: d["units"].append({"code": "410302100", "name": "别处镇"}), "应以本地区代码 360783 开头"),
        (lambda d: d["units"].append({"code": "999999", "name": "无此县", "kind": "division"}),
         "不是 GB/T 2260 行政区划代码"),
        (lambda d: d["units"].append({"code": "36078", "name": "短"}), "应为 6 位数字的行政区划代码"),
        (lambda d: d["units"].append({"code": "3607831", "name": "长"}), "9 位（或 12 位）统计用区划代码"),
        (lambda d: d["subsidies"][0].pop("rate"), "应写 basis（测算基数）和 rate（比例）"),
        (lambda d: d["subsidies"][1]["awards"].append({"category": "金奖", "level": "省级", "amount": 1}),
         "未知的认定类别"),
        (lambda d: d["assessment"]["weights"].update(unknown_thing=5), "assessment.weights.unknown_thing"),
        (lambda d: d.update(split="evenly"), "应为以下之一"),
        (lambda d: d["libraries"].append({"name": "x", "from": -1}), "不小于 0"),
        (lambda d: d["document_targets"].append({"indicator": "x", "tracked": False, "year": 2025,
                                                 "value": 1}),
         "应写 name"),
    ],
)  # fmt: skip
def test_policy_section_mistakes_are_told_in_chinese(tmp_path, change, said):
    data = _data()
    change(data)
    assert said in _problem(tmp_path, data)


@pytest.mark.parametrize("profile_id", profiles.available())
@pytest.mark.parametrize("year", [2013, 2018, 2021, 2022, 2026])
def test_every_weighted_indicator_gets_a_sample_target_and_is_assessed(profile_id, year):
    """No indicator an assessment weighs may score 0 for want of a target: the sample sets one from
    the profile's ``targets`` or from the document's own (see tests/e2e/test_profile_cycles.py)."""
    p = profiles.load(profile_id)
    ids = {i.id for i in assessed(p)}
    for ident in weighted(p):
        assert ident in ids, ident
        assert ident in p.targets or document_rule(p, ident, year) is not None, ident
