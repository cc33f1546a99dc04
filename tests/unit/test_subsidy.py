"""Subsidy estimate (奖补测算): the shipped profiles' rules on hand-made cases at and around every cap
and threshold; the inputs workbook read from a real file; the library and its reconciliation
categories read from a real warehouse; the sheet written as a real workbook."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy.orm import Session

from techreform import warehouse as wh
from techreform.reference import profiles
from techreform.subsidy import estimate, estimate_for
from techreform.subsidy.inputs import read_inputs
from techreform.subsidy.model import ProjectInput, SubsidyInputs, SubsidyProject, SubsidyRecognition
from techreform.warehouse.db import connect
from techreform.workbooks.subsidy import RULES_SHEET, SHEET, subsidy_sheets, write_subsidy

ENT_A = "91410300MA00000001"
ENT_B = "91410300MA00000002"


def proj(name: str = "项目甲", uscc: str = ENT_A, **kw: Any) -> SubsidyProject:
    base: dict[str, Any] = {
        "unit": "410302",
        "uscc": uscc,
        "enterprise": "洛阳某某机械有限公司" if uscc == ENT_A else "洛阳另一家有限公司",
        "project_name": name,
        "project_code": "",
        "status": "竣工",
        "above_scale": "是",
        "total_investment": 1000.0,
        "equipment_investment": 0.0,
        "category": "matched",
    }
    base.update(kw)
    return SubsidyProject(**base)


def run(
    profile_id: str,
    projects=(),
    recognitions=(),
    inputs: SubsidyInputs | None = None,
    only: str | None = None,
):
    p = profiles.load(profile_id)
    rules = [r for r in p.subsidies if only is None or r.id == only]
    return estimate(
        rules, list(projects), list(recognitions), inputs or SubsidyInputs(), 2025, p.subsidy_total_cap
    )


def given(**by_name: ProjectInput) -> SubsidyInputs:
    return SubsidyInputs(by_name={(ENT_A, name): v for name, v in by_name.items()})


def amounts(est) -> list[float]:
    return [x.amount for x in est.lines]


# ------------------------------------------------------------------ Luoyang 洛政办〔2021〕33号


@pytest.mark.parametrize(("fee", "paid"), [(4.99, 4.99), (5.0, 5.0), (5.01, 5.0), (12.0, 5.0)])
def test_luoyang_design_fee_is_covered_up_to_5(fee, paid):
    est = run("luoyang-2021", [proj()], inputs=given(项目甲=ProjectInput(design_fee=fee)), only="design_fee")
    (line,) = est.lines
    assert line.amount == paid
    assert f"{fee:g} × 100% = {fee:g}" in line.arithmetic
    assert ("单个项目最高 5 万元" in line.note) == (fee > 5)


def test_luoyang_no_design_fee_given_no_line():
    assert run("luoyang-2021", [proj()], only="design_fee").lines == []


@pytest.mark.parametrize(
    ("purchase", "paid"), [(1000.0, 300.0), (1666.0, 499.8), (1667.0, 500.0), (9000.0, 500.0)]
)
def test_luoyang_smart_equipment_is_30_percent_capped_at_500(purchase, paid):
    est = run(
        "luoyang-2021",
        [proj()],
        inputs=given(项目甲=ProjectInput(smart_equipment_purchase=purchase)),
        only="smart_equipment",
    )
    assert amounts(est) == [paid]


@pytest.mark.parametrize(
    ("total", "equipment", "paid"),
    [
        (500.0, 300.0, 90.0),  # both thresholds just met
        (499.9, 300.0, None),  # total just below 500万: not a key project
        (500.0, 299.9, None),  # equipment just below 300万
        (5000.0, 3333.0, 999.9),
        (5000.0, 3334.0, 1000.0),  # 1000.2 → the per-project cap
    ],
)
def test_luoyang_key_project_thresholds_and_cap(total, equipment, paid):
    est = run(
        "luoyang-2021", [proj(total_investment=total, equipment_investment=equipment)], only="key_project"
    )
    if paid is None:
        assert est.lines == [] and est.skipped == {"“三大改造”重点项目补助": 1}
    else:
        assert amounts(est) == [paid]
        assert ("单个项目最高 1000 万元" in est.lines[0].note) == (paid == 1000.0)


def test_luoyang_key_project_already_funded_by_a_higher_level_gets_nothing_and_says_so():
    est = run(
        "luoyang-2021",
        [proj(total_investment=2000.0, equipment_investment=1000.0)],
        inputs=given(项目甲=ProjectInput(other_support=200.0)),
        only="key_project",
    )
    (line,) = est.lines
    assert (line.computed, line.amount) == (300.0, 0.0)
    assert "已获上级或其他资金支持 200 万元，不重复支持" in line.note
    assert "已获其他资金支持 200" in line.inputs


def test_luoyang_recognition_awards_once_per_enterprise_category_and_level():
    recs = [
        SubsidyRecognition("410302", ENT_A, "甲", "智能工厂", "省级", 2025),
        SubsidyRecognition("410302", ENT_A, "甲", "智能工厂", "省级", 2025),  # the same, listed twice
        SubsidyRecognition("410302", ENT_A, "甲", "智能车间", "省级", 2025),
        SubsidyRecognition("410302", ENT_B, "乙", "绿色工厂", "省级", 2025),
        SubsidyRecognition("410302", ENT_B, "乙", "智能工厂", "国家级", 2025),  # no such award
        SubsidyRecognition("410302", ENT_B, "乙", "智能车间", "省级", 2024),  # last year's
    ]
    est = run("luoyang-2021", recognitions=recs, only="recognition_awards")
    assert [(x.uscc, x.item, x.amount) for x in est.lines] == [
        (ENT_A, "省级智能工厂（2025年认定）", 30.0),
        (ENT_A, "省级智能车间（2025年认定）", 10.0),
        (ENT_B, "省级绿色工厂（2025年认定）", 50.0),
    ]
    assert est.total == 90.0
    # a higher-level award already received (a row naming the category) is not paid again
    est = run("luoyang-2021", recognitions=recs[:1], inputs=given(智能工厂=ProjectInput(other_support=50)),
              only="recognition_awards")  # fmt: skip
    assert amounts(est) == [0.0] and "不重复奖励" in est.lines[0].note


# ------------------------------------------------------------------ Longnan 龙办发〔2022〕40号


def longnan(projects, recognitions=(), inputs: SubsidyInputs | None = None):
    return run("longnan-2022", [p for p in projects], recognitions, inputs)


@pytest.mark.parametrize(
    ("equipment", "paid"), [(500.0, 30.0), (499.99, None), (3000.0, 180.0), (3400.0, 200.0)]
)
def test_longnan_six_percent_of_equipment_from_500_capped_at_200_per_enterprise(equipment, paid):
    tax = SubsidyInputs(retained_tax={ENT_A: 1000.0})
    est = longnan([proj(equipment_investment=equipment, total_investment=equipment + 100)], inputs=tax)
    if paid is None:
        assert est.lines == []
    else:
        assert amounts(est) == [paid]


def test_longnan_cap_per_enterprise_adds_up_over_its_projects():
    tax = SubsidyInputs(retained_tax={ENT_A: 1000.0, ENT_B: 1000.0})
    est = longnan(
        [
            proj("一期", equipment_investment=2000.0),
            proj("二期", equipment_investment=2000.0),
            proj("三期", equipment_investment=600.0),
            proj("乙项目", ENT_B, equipment_investment=2000.0),
        ],
        inputs=tax,
    )
    assert amounts(est) == [120.0, 80.0, 0.0, 120.0]
    assert "单个企业补助总额不超过 200 万元：本企业此前已计 120 万元，本项计 80 万元" in est.lines[1].note
    assert est.by_enterprise() == {ENT_A: 200.0, ENT_B: 120.0}


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"status": "续建"}, None),  # not completed: not a candidate
        ({"above_scale": "否"}, None),  # not above designated size
        ({"category": "missing_from_stats"}, "对账结果为“应统未统”，未列入国家统计库，不予奖补"),
        ({"category": None}, "本期无对账结果"),
        ({"category": "amount_mismatch"}, ""),  # found in statistics: paid
    ],
)
def test_longnan_only_completed_above_scale_projects_found_in_statistics(change, reason):
    tax = SubsidyInputs(retained_tax={ENT_A: 1000.0})
    est = longnan([proj(equipment_investment=1000.0, **change)], inputs=tax)
    if reason is None:
        assert est.lines == []
    elif reason == "":
        assert amounts(est) == [60.0]
    else:
        (line,) = est.lines
        assert (line.computed, line.amount) == (60.0, 0.0) and reason in line.note


def test_longnan_every_award_is_capped_by_the_retained_tax_across_rules():
    recs = [SubsidyRecognition("360783100", ENT_A, "甲", "服务型制造示范", "省级", 2025)]
    est = longnan([proj(equipment_investment=1000.0)], recs, SubsidyInputs(retained_tax={ENT_A: 62.0}))
    assert [(x.rule_id, x.amount) for x in est.lines] == [
        ("equipment_award", 60.0),
        ("integration_awards", 2.0),
    ]
    assert "以企业当年地方留存税收 62 万元为限：此前已计 60 万元，本项计 2 万元" in est.lines[1].note
    # no tax figure: computed, told, and warned about
    est = longnan([proj(equipment_investment=1000.0)])
    assert amounts(est) == [60.0] and "未提供该企业当年地方留存税收" in est.lines[0].note
    assert any("未提供当年地方留存税收" in w for w in est.warnings)


# ------------------------------------------------------------------ Xinxiang 新政办〔2022〕17号


def test_xinxiang_matches_25_percent_of_provincial_funds_one_project_per_enterprise():
    inputs = SubsidyInputs(
        by_name={
            (ENT_A, "小项目"): ProjectInput(provincial_funds=100.0),
            (ENT_A, "大项目"): ProjectInput(provincial_funds=200.0),
            (ENT_B, "乙项目"): ProjectInput(provincial_funds=80.0, other_support=10.0),
        }
    )
    est = run(
        "xinxiang-2022",
        [proj("小项目"), proj("大项目"), proj("乙项目", ENT_B), proj("无省级资金")],
        inputs=inputs,
    )
    assert [(x.item, x.computed, x.amount) for x in est.lines] == [
        ("小项目", 25.0, 0.0),
        ("大项目", 50.0, 50.0),
        ("乙项目", 20.0, 0.0),
    ]
    assert "同一企业每年只支持一个项目，已按金额最大的“大项目”测算" in est.lines[0].note
    assert "不重复支持" in est.lines[2].note


# ------------------------------------------------------------------ the inputs workbook and the sheet


def test_the_inputs_workbook_is_read_with_a_returns_tolerance(tmp_path):
    path = tmp_path / "2025.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["2025年奖补测算输入"])  # a title row above the header
    ws.append(["信用代码", "项目名称", "项目代码", "省级资金", "上级资金支持（元）", "地方留存税收"])
    ws.append([ENT_A.lower(), "大项目", "", 200, None, 35])
    ws.append([ENT_B, "", "2024-410302-34-03-000001", "１２０", 500000, None])
    ws.append([ENT_B, "", "", 5, None, None])  # an amount with no project: told, ignored
    wb.save(path)
    got = read_inputs(path)
    assert got.of(ENT_A, "", "大项目").provincial_funds == 200
    code = got.of(ENT_B, "2024-410302-34-03-000001", "")
    assert code.provincial_funds == 120 and code.other_support == pytest.approx(50.0)  # 元 → 万元
    assert got.retained_tax == {ENT_A: 35.0}
    assert any("第5行" in w and "无法对应到项目" in w for w in got.warnings)
    assert read_inputs(None).by_name == {}


def test_the_sheet_shows_rule_inputs_arithmetic_caps_and_the_total(tmp_path):
    p = profiles.load("luoyang-2021")
    est = run(
        "luoyang-2021",
        [proj(total_investment=5000.0, equipment_investment=4000.0)],
        inputs=given(项目甲=ProjectInput(design_fee=8.0)),
    )
    path = tmp_path / "奖补测算.xlsx"
    assert write_subsidy(path, p, est) is True
    assert write_subsidy(path, p, est) is False  # the same content: the file is left alone
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [SHEET, RULES_SHEET]
    rows = [[c for c in r] for r in wb[SHEET].iter_rows(values_only=True)]
    header = rows.index(next(r for r in rows if r[0] == "序号"))
    body = rows[header + 1 :]
    by_rule = {r[6]: r for r in body if r[6]}
    assert (
        by_rule["改造方案设计费补贴"][9] == 5 and "单个项目最高 5 万元" in by_rule["改造方案设计费补贴"][10]
    )
    key = by_rule["“三大改造”重点项目补助"]
    assert key[8] == "4,000 × 30% = 1,200 → 按上限 1,000" and key[9] == 1000
    assert body[-1][1] == "合计" and body[-1][9] == 1005
    assert "洛政办〔2021〕33号" in rows[1][0]
    rules = [r for r in wb[RULES_SHEET].iter_rows(values_only=True)]
    assert any(r[0] == "key_project" and "单个项目最高 1000 万元" in r[2] for r in rules)
    # the callable the annual assessment workbook takes
    book = openpyxl.Workbook()
    add = subsidy_sheets(p, est)
    assert add is not None and subsidy_sheets(p, None) is None
    add(book)
    assert SHEET in book.sheetnames


# ------------------------------------------------------------------ from the warehouse


def _submission(s: Session, unit: str, period: str) -> wh.Submission:
    sub = wh.Submission(
        unit_code=unit,
        file_name=f"{unit}_{period}.xlsx",
        inbox_path="x",
        archive_path="x",
        sha256=unit.ljust(64, "0"),
        size=1,
        received_at=dt.datetime(2026, 1, 5, 9, 0),
        period=period,
        report_period=period,
        status=wh.ACCEPTED,
    )
    s.add(sub)
    s.flush()
    return sub


def test_estimate_from_the_warehouse_with_the_periods_reconciliation(tmp_path):
    p = profiles.load("longnan-2022")
    engine = connect(f"sqlite:///{tmp_path / 'warehouse.sqlite'}")
    with Session(engine) as s:
        sub = _submission(s, "360783100", "2025Q4")
        rows = [("已入统项目", "matched", ENT_A), ("应统未统项目", "missing_from_stats", ENT_B)]
        ids = []
        for i, (name, _cat, uscc) in enumerate(rows):
            pr = wh.Project(
                submission_id=sub.id,
                unit_code="360783100",
                period="2025Q4",
                row=3 + i,
                uscc=uscc,
                enterprise_name=f"企业{i}",
                project_name=name,
                status="竣工",
                above_scale="是",
                total_investment=2000,
                equipment_investment=1000,
            )
            s.add(pr)
            s.flush()
            ids.append(pr.id)
        s.add(
            wh.Recognition(
                submission_id=sub.id,
                unit_code="360783100",
                period="2025Q4",
                row=3,
                uscc=ENT_A,
                enterprise_name="企业0",
                category="服务型制造示范",
                level="国家级",
                year=2025,
            )
        )
        s.commit()
    # before the period is reconciled: the statistics condition cannot be checked
    est = estimate_for(engine, p, "2025Q4", tmp_path)
    assert est is not None and amounts(est) == [0.0, 0.0, 10.0]
    assert any("本期尚无对账结果" in w for w in est.warnings)
    assert any("未找到奖补测算输入表" in w for w in est.warnings)
    with Session(engine) as s:  # the reconciliation's library side, as the warehouse keeps it
        load = wh.StatsLoad(
            period="2025Q4", source="test", sha256="0" * 64, loaded_at=dt.datetime(2026, 1, 20)
        )
        s.add(load)
        s.flush()
        run = wh.ReconRun(period="2025Q4", load_id=load.id, run_at=dt.datetime(2026, 1, 20))
        s.add(run)
        s.flush()
        for pid, (_n, category, _u) in zip(ids, rows, strict=True):
            s.add(
                wh.ReconItem(
                    run_id=run.id,
                    period="2025Q4",
                    side="library",
                    unit_code="410302",
                    project_id=pid,
                    category=category,
                )
            )
        s.commit()
    folder = tmp_path / "subsidy"
    folder.mkdir()
    wb = openpyxl.Workbook()
    wb.active.append(["统一社会信用代码", "当年地方留存税收（万元）"])
    wb.active.append([ENT_A, 100])
    wb.save(folder / "2025.xlsx")
    est = estimate_for(engine, p, "2025Q4", tmp_path)
    assert est is not None
    assert [(x.item, x.amount) for x in est.lines] == [
        ("已入统项目", 60.0),
        ("应统未统项目", 0.0),
        ("国家级服务型制造示范（2025年认定）", 10.0),
    ]
    assert "应统未统" in est.lines[1].note
    assert estimate_for(engine, profiles.load("henan-2012"), "2025Q4", tmp_path) is None  # no rules
    engine.dispose()


def test_every_line_keeps_its_arithmetic_even_when_excluded(tmp_path: Path):
    est = longnan([proj(equipment_investment=1000.0, category="missing_from_stats")])
    (line,) = est.lines
    assert line.arithmetic == "1,000 × 6% = 60 → 0" and line.inputs == "设备投资 1,000"
