"""A profile's own indicators (custom_indicators) and a sixth city the product does not ship: its
profile, written here, loads; its custom indicator and its subsidy rule compute on hand-made data."""

from __future__ import annotations

from pathlib import Path

import pytest

from techreform.indicators import assessed, evaluate
from techreform.indicators.catalogue import catalogue, find
from techreform.indicators.compute import Inputs, ProjectFacts, values
from techreform.reference import profiles
from techreform.subsidy import estimate
from techreform.subsidy.model import SubsidyInputs, SubsidyProject

KAIFENG = """
id: kaifeng-2024
name: 开封市工业技改提质
document: 汴政办〔2024〕99号（测试用）
jurisdiction: {code: "410200", name: 开封市}
unit_kind: 县（区）、园区
units:
  - {code: "410202", name: 龙亭区}
  - {code: "410203", name: 顺河回族区}
  - {code: "410212", name: 祥符区}
  - {code: "410221", name: 杞县}
  - {code: "410200901", name: 开封城乡一体化示范区, kind: zone, note: 配置代码}
reform_types: [数字化改造, 绿色升级, 设备更新]
targets:
  projects_over_10m: {split: proportional}
indicators: [projects_over_10m, "projects_over_10m:{value}", big_green_projects, green_share,
             reforming_enterprises]
custom_indicators:
  - id: big_green_projects
    name: 两千万元以上绿色升级项目数
    unit: 个
    kind: cumulative
    definition: {count: projects, where: {reform_type: 绿色升级, status: [新开工, 续建, 竣工, 投产]},
                 at_least: {total_investment: 2000}}
  - id: green_share
    name: 绿色升级项目占千万元以上项目比重
    unit: "%"
    kind: rate
    definition: {ratio: ["projects_over_10m:绿色升级", projects_over_10m]}
  - id: equipment_renewed
    name: 已竣工设备更新投资
    unit: 万元
    kind: cumulative
    definition: {sum: equipment_investment, where: {reform_type: 设备更新, status: [竣工, 投产]}}
  - id: cloud_so_far
    name: 上云企业累计
    unit: 家
    kind: cumulative
    definition: {count: recognitions, where: {category: 上云企业}, years: up_to_this_year}
document_targets:
  - {indicator: big_green_projects, year: 2025, value: 12, note: "到2025年，两千万元以上绿色升级项目12个"}
  - {indicator: green_share, year: 2025, value: 30, scope: every_unit, split: none}
libraries: [{name: 市级项目库, from: 1000}]
subsidies:
  - {id: renewal, name: 设备更新奖补, basis: equipment_investment, rate: 0.1, cap_per_project: 50,
     statuses: [竣工, 投产], min_equipment_investment: 100, note: "按设备投资10%奖补，单个项目最高50万元"}
"""


def _profile(tmp_path: Path) -> profiles.Profile:
    path = tmp_path / "kaifeng-2024.yaml"
    path.write_text(KAIFENG, encoding="utf-8")
    return profiles.load(str(path))


def fact(
    uscc: str, reform_type: str, total: float, status: str = "续建", equipment: float = 0.0
) -> ProjectFacts:
    return ProjectFacts(
        uscc=uscc,
        status=status,
        reform_type=reform_type,
        total_investment=total,
        annual_plan=None,
        smart_equipment_units=None,
        fields={"equipment_investment": equipment, "status": status, "reform_type": reform_type},
    )


def inputs(p: profiles.Profile) -> Inputs:
    return Inputs(
        year=2025,
        units=list(p.unit_codes),
        jurisdiction=p.jurisdiction.code,
        key_project_from=p.key_project_from,
        projects={
            "410202": [
                fact("A", "绿色升级", 2000.0),  # exactly the threshold: counted
                fact("A", "绿色升级", 1999.9),  # just below
                fact("B", "设备更新", 1500.0, "竣工", equipment=400.0),
            ],
            "410212": [
                fact("C", "绿色升级", 8000.0, "计划"),  # not started: not counted
                fact("D", "绿色升级", 3000.0, "投产"),
                fact("E", "数字化改造", 1200.0, equipment=300.0),
            ],
            "410200901": [],  # reported, nothing in it
        },
        recognitions={
            "410202": [("上云企业", "市级", 2023), ("上云企业", "省级", 2025), ("上云企业", "市级", 2026)]
        },
        totals=None,
        coverage=None,
        on_time={},
    )


def test_a_sixth_city_profile_loads_with_its_own_units_types_and_indicators(tmp_path):
    p = _profile(tmp_path)
    assert p.id == "kaifeng-2024" and p.reform_types == ("数字化改造", "绿色升级", "设备更新")
    assert p.unit("410200901").kind == "zone"  # type: ignore[union-attr]
    ids = [i.id for i in assessed(p)]
    assert ids[-3:] == ["big_green_projects", "green_share", "reforming_enterprises"]  # the profile's order
    assert "projects_over_10m:绿色升级" in ids and "equipment_renewed" not in ids  # defined, not assessed
    assert find(p, "两千万元以上绿色升级项目数（个）").id == "big_green_projects"  # type: ignore[union-attr]
    assert p.document_targets[0].value == 12 and p.library_of(1000) == "市级项目库"


def test_its_custom_indicators_compute_per_unit_and_for_the_total(tmp_path):
    p = _profile(tmp_path)
    own = {i.id: i for i in assessed(p) if i.template == "custom"}
    every = {i.id: i for i in catalogue(p)}
    x = inputs(p)
    got = values([every["big_green_projects"], every["green_share"], every["equipment_renewed"],
                  every["cloud_so_far"]], x)  # fmt: skip
    assert own.keys() == {"big_green_projects", "green_share"}
    # 2000万 is counted, 1999.9 is not; 计划 is not started
    assert got[("410202", "big_green_projects")] == 1.0 and got[("410212", "big_green_projects")] == 1.0
    assert got[("410200", "big_green_projects")] == 2.0
    # green share: 410202 has 3 projects ≥ 1000万 (2 green), 410212 has 2 started (1 green)
    assert got[("410202", "green_share")] == pytest.approx(200 / 3)
    assert got[("410212", "green_share")] == pytest.approx(50.0)
    assert got[("410200", "green_share")] == pytest.approx(60.0)  # 3 of 5, from the summed parts
    assert got[("410200901", "green_share")] is None  # no project ≥ 1000万: no share
    assert got[("410203", "big_green_projects")] is None  # no return: no figure
    assert got[("410200", "equipment_renewed")] == 400.0
    assert got[("410202", "cloud_so_far")] == 2.0  # 2023 and 2025, not 2026


def test_custom_indicators_go_through_targets_and_ranking(tmp_path):
    p = _profile(tmp_path)
    targets = {("410202", "big_green_projects"): 2.0, ("410212", "big_green_projects"): 1.0}
    result = evaluate(assessed(p), inputs(p), targets, 4, "2025Q4")
    rows = {r.unit: r for r in result.of("big_green_projects")}
    assert rows["410202"].target == 2.0 and rows["410202"].value == 1.0
    assert rows["410200"].target == 3.0  # the units' targets summed


def test_its_subsidy_rule_computes_on_hand_made_projects(tmp_path):
    p = _profile(tmp_path)

    def sp(name: str, equipment: float, status: str = "竣工") -> SubsidyProject:
        return SubsidyProject("410202", "U1", "开封甲", name, status=status, equipment_investment=equipment)

    est = estimate(
        p.subsidies,
        [sp("刚够", 100.0), sp("差一点", 99.9), sp("封顶", 501.0), sp("未竣工", 800.0, "续建")],
        [],
        SubsidyInputs(),
        2025,
    )
    assert [(x.item, x.amount) for x in est.lines] == [("刚够", 10.0), ("封顶", 50.0)]
    assert est.lines[1].arithmetic == "501 × 10% = 50.1 → 按上限 50"
    assert est.skipped == {"设备更新奖补": 2}
