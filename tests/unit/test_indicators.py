"""Indicators on small hand-made inputs with known answers (DESIGN.md §4)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from techreform.indicators import assessed, catalogue, evaluate
from techreform.indicators.compute import Coverage, Inputs, ProjectFacts, UnitTotals, values
from techreform.indicators.forecast import BY_LAST_YEAR, LINEAR, project
from techreform.indicators.inputs import exact_float
from techreform.indicators.progress import AHEAD, BEHIND, DONE, MET, NO_DATA, NOT_MET, completion, standing
from techreform.indicators.scoring import grade, rank, score_unit, settings
from techreform.indicators.targets import missing_targets
from techreform.reference import profiles
from techreform.warehouse.decimals import Amount, Percent

PROFILE = profiles.load("luoyang-2021")
A, B, C = "410302", "410303", "410304"  # C sends nothing
CITY = "410300"


def p(uscc, status="续建", rtype="智能化改造", total=1200.0, plan=300.0, smart=2, **effects):
    return ProjectFacts(uscc, status, rtype, total, plan, smart, effects)


def inputs(**over) -> Inputs:
    base = dict(
        year=2026,
        units=[A, B, C],
        jurisdiction=CITY,
        key_project_from=1000.0,
        projects={
            A: [
                p("E1", total=1200.0, plan=300.0, smart=4, staff_reduction_pct=10.0),
                p(
                    "E1",
                    status="竣工",
                    rtype="绿色化改造",
                    total=3000.0,
                    plan=500.0,
                    smart=0,
                    staff_reduction_pct=20.0,
                ),
                p("E2", status="计划", total=5000.0, plan=100.0, smart=1),
            ],
            B: [p("E2", total=800.0, plan=80.0, smart=3), p("E3", total=1000.0, rtype="技术改造", plan=90.0)],
        },
        recognitions={
            A: [("智能工厂", "省级", 2026), ("智能工厂", "市级", 2026), ("智能工厂", "国家级", 2025)],
            B: [("智能工厂", "国家级", 2026)],
        },
        totals={
            A: UnitTotals(industrial_ytd=1000.0, tech_ytd=400.0, industrial_prev=800.0, tech_prev=320.0),
            B: UnitTotals(industrial_ytd=500.0, tech_ytd=100.0, industrial_prev=500.0, tech_prev=125.0),
            C: UnitTotals(industrial_ytd=100.0, tech_ytd=0.0, industrial_prev=100.0, tech_prev=10.0),
        },
        coverage={A: Coverage(qualifying=3, found=2, missing_from_stats=1), B: Coverage(2, 2, 0)},
        on_time={A: True, B: False},
    )
    base.update(over)
    return Inputs(**base)


def test_values_per_unit_and_for_the_jurisdiction():
    v = values(catalogue(PROFILE), inputs())
    # investment from the statistics: the total sums the parts and recomputes the rates
    assert v[(A, "tech_invest_ytd")] == 400.0 and v[(CITY, "tech_invest_ytd")] == 500.0
    assert v[(A, "tech_invest_growth")] == pytest.approx(25.0)  # 400 / 320 − 1
    assert v[(A, "industrial_invest_growth")] == pytest.approx(25.0)
    assert v[(A, "tech_growth_gap")] == pytest.approx(0.0)
    assert v[(B, "tech_invest_growth")] == pytest.approx(-20.0)
    assert v[(CITY, "tech_invest_growth")] == pytest.approx((500 / 455 - 1) * 100)
    assert v[(CITY, "tech_invest_share")] == pytest.approx(500 / 1600 * 100)
    # the library: 计划 does not count; an enterprise in two units counts once in the total
    assert v[(A, "reforming_enterprises")] == 1.0 and v[(B, "reforming_enterprises")] == 2.0
    assert v[(CITY, "reforming_enterprises")] == 3.0  # E1, E2 (续建 in B though 计划 in A), E3
    assert v[(A, "projects_over_10m")] == 2.0 and v[(B, "projects_over_10m")] == 1.0
    assert v[(A, "projects_over_10m:绿色化改造")] == 1.0 and v[(CITY, "projects_over_10m:技术改造")] == 1.0
    assert v[(A, "projects_total_investment")] == 4200.0 and v[(A, "projects_annual_plan")] == 800.0
    assert v[(A, "smart_equipment_units")] == 5.0  # every project, 计划 included
    # effects: weighted by total investment, completed projects only
    assert v[(A, "staff_reduction")] == pytest.approx(20.0)
    # recognitions: provincial or national, of the period's year
    assert v[(A, "recog:智能工厂")] == 1.0 and v[(CITY, "recog:智能工厂")] == 2.0
    # coverage and timeliness come from the process
    assert v[(A, "stats_coverage")] == pytest.approx(200 / 3) and v[(CITY, "stats_coverage")] == 80.0
    assert v[(CITY, "missing_from_stats")] == 1.0
    assert (v[(A, "timely_submission")], v[(B, "timely_submission")], v[(C, "timely_submission")]) == (
        100,
        0,
        0,
    )
    assert v[(CITY, "timely_submission")] == pytest.approx(100 / 3)
    # a unit without a return in force has no library figures, but its statistics figures stand
    assert v[(C, "projects_over_10m")] is None and v[(C, "tech_invest_ytd")] == 0.0


def test_the_enterprise_count_of_the_total_is_distinct():
    v = values(catalogue(PROFILE), inputs(projects={A: [p("E1")], B: [p("E1"), p("E9")]}))
    assert v[(A, "reforming_enterprises")] + v[(B, "reforming_enterprises")] == 3.0
    assert v[(CITY, "reforming_enterprises")] == 2.0


def test_without_statistics_or_reconciliation_those_figures_are_missing():
    v = values(catalogue(PROFILE), inputs(totals=None, coverage=None))
    assert v[(A, "tech_invest_ytd")] is None and v[(CITY, "tech_invest_growth")] is None
    assert v[(A, "stats_coverage")] is None and v[(CITY, "missing_from_stats")] is None


def test_completion_time_progress_status_and_rank():
    targets = {
        (A, "tech_invest_ytd"): 500.0,
        (B, "tech_invest_ytd"): 400.0,
        (C, "tech_invest_ytd"): 100.0,
        (CITY, "tech_invest_ytd"): 1200.0,
        (A, "tech_invest_growth"): 20.0,
        (B, "tech_invest_growth"): 20.0,
    }
    result = evaluate(catalogue(PROFILE), inputs(), targets, quarter=3, period="2026Q3")
    ytd = {r.unit: r for r in result.of("tech_invest_ytd")}
    assert ytd[A].completion_rate == pytest.approx(0.8) and ytd[A].time_progress == 0.75
    assert ytd[A].status == AHEAD and ytd[B].status == BEHIND  # 80% ≥ 75%; 25% < 75%
    assert (ytd[A].rank, ytd[B].rank, ytd[C].rank) == (1, 2, 3)
    assert ytd[CITY].target == 1200.0 and ytd[CITY].rank is None  # its own row in the targets file
    growth = {r.unit: r for r in result.of("tech_invest_growth")}
    assert growth[A].status == MET and growth[B].status == NOT_MET and growth[A].time_progress is None
    done = evaluate(catalogue(PROFILE), inputs(), {(A, "tech_invest_ytd"): 300.0}, 1, "2026Q1")
    assert {r.unit: r for r in done.of("tech_invest_ytd")}[A].status == DONE
    missing = {r.unit: r for r in result.of("projects_over_10m")}
    assert missing[C].status == NO_DATA


def test_a_total_without_its_own_target_takes_the_sum_of_the_units():
    targets = {(A, "projects_over_10m"): 3.0, (B, "projects_over_10m"): 2.0}
    result = evaluate(catalogue(PROFILE), inputs(), targets, 2, "2026Q2")
    total = next(r for r in result.of("projects_over_10m") if r.unit == CITY)
    assert total.target == 5.0 and total.value == 3.0


def test_the_profile_picks_what_it_assesses():
    assert [i.id for i in assessed(PROFILE)] == [i.id for i in catalogue(PROFILE)]


@pytest.mark.parametrize(
    "ytd, quarter, last_year, target, projection, method, warning",
    [
        (50.0, 2, {}, 100.0, 100.0, LINEAR, False),  # half way at half year
        (20.0, 2, {}, 100.0, 40.0, LINEAR, True),
        (30.0, 2, {2: 30.0, 4: 100.0}, 100.0, 100.0, BY_LAST_YEAR, False),  # back-loaded like last year
        (30.0, 3, {3: 60.0, 4: 100.0}, 100.0, 50.0, BY_LAST_YEAR, True),
        (90.0, 4, {}, 100.0, 90.0, "全年实际", True),
    ],
)
def test_forecast_on_hand_made_paths(ytd, quarter, last_year, target, projection, method, warning):
    r = project(ytd, quarter, last_year, target)
    assert r.projection == pytest.approx(projection) and r.method == method and r.warning is warning
    assert r.gap == pytest.approx(max(target - projection, 0.0))


def test_scoring_with_cap_deductions_and_grades():
    config = settings(
        {
            "weights": {"tech_invest_ytd": 60, "projects_over_10m": 40},
            "cap": 1.2,
            "deductions": {"late_return": 2, "missing_return": 5, "missing_from_stats": 0.5, "max": 6},
        }
    )
    figures = {
        "tech_invest_ytd": ("技改投资（万元）", 150.0, 100.0),
        "projects_over_10m": ("项目数", 5.0, 10.0),
    }
    s = score_unit(A, figures, {"late_return": 1, "missing_from_stats": 3}, config)
    assert [line.points for line in s.lines[:2]] == [72.0, 20.0]  # 60 × 1.2 (capped), 40 × 0.5
    assert s.deducted == 3.5 and s.total == 88.5 and s.grade == "良好"
    capped = score_unit(B, figures, {"missing_return": 2}, config)
    assert capped.deducted == 6.0 and any(line.what == "扣分上限" for line in capped.lines)
    ordered = rank([s, capped, score_unit(C, figures, {}, config)])
    assert [(x.unit, x.rank) for x in ordered] == [(C, 1), (A, 2), (B, 3)]
    assert grade(59.99, config["grades"]) == "不合格" and grade(90, config["grades"]) == "优秀"


@pytest.mark.parametrize(
    ("value", "target", "comparison", "expected"),
    [
        (3.5, 0.0, "more_than", 1.0),  # "技改投资增速高于工业投资增速": a gap above 0 is met in full
        (0.0, 0.0, "more_than", 0.0),  # equal is not "higher"
        (-2.0, 0.0, "more_than", 0.0),
        (0.0, 0.0, "at_least", 1.0),  # "not below 0": 0 is enough
        (-0.1, 0.0, "at_least", 0.0),
        (21.0, 20.0, "more_than", 1.05),  # a positive target is a share, whatever the comparison
        (15.0, 20.0, "at_least", 0.75),
        (-5.0, 10.0, "at_least", -0.5),  # scored as 0 (never below)
        (4.0, 5.0, "at_most", 1.25),  # lower is better: target ÷ value
    ],
)
def test_completion_against_a_target_by_its_comparison(value, target, comparison, expected):
    assert completion(value, target, comparison) == pytest.approx(expected)


def test_scoring_holds_each_indicator_to_its_comparison_and_names_a_missing_target():
    config = settings({"weights": {"tech_growth_gap": 20, "tech_invest_share": 30, "projects_over_10m": 50}})
    how = {"tech_growth_gap": ("more_than", "higher"), "tech_invest_share": ("more_than", "higher")}
    figures = {
        "tech_growth_gap": ("技改投资增速高于工业投资增速（百分点）", 6.2, 0.0),
        "tech_invest_share": ("技改投资占工业投资比重（%）", 20.0, 20.0),
        "projects_over_10m": ("千万元以上技改项目数（个）", 7.0, None),  # the targets file lacks it
    }
    s = score_unit(A, figures, {}, config, how)
    gap, share, missing = s.lines
    assert (gap.completion, gap.points) == (1.0, 20.0) and "已达到" in gap.note
    assert share.points == 30.0 and "未“高于”" in share.note
    assert missing.points == 0.0 and missing.target is None and "目标责任书未给出" in missing.note
    below = score_unit(B, {**figures, "tech_growth_gap": ("差距", -1.0, 0.0)}, {}, config, how)
    assert below.lines[0].points == 0.0 and "未高于0，不得分" in below.lines[0].note
    no_data = score_unit(C, {"projects_over_10m": ("项目数", None, 5.0)}, {}, config, how)
    assert "无此项数据" in no_data.lines[2].note and no_data.total == 0.0


def test_a_more_than_target_is_met_only_above_it():
    ind = next(i for i in catalogue(PROFILE) if i.id == "tech_growth_gap")
    assert standing(ind, A, 0.0, 0.0, 4, "more_than").status == "未达标"
    assert standing(ind, A, 0.1, 0.0, 4, "more_than").status == "达标"
    assert standing(ind, A, 0.0, 0.0, 4).status == "达标"  # at least 0


def test_a_weighted_indicator_the_targets_file_lacks_is_named_plainly():
    units = [u.code for u in PROFILE.units]
    targets = {(u, i): 1.0 for u in units for i in settings(None)["weights"]}
    assert missing_targets(PROFILE, assessed(PROFILE), targets, 2026) == []
    del targets[(units[0], "projects_over_10m")]
    targets = {k: v for k, v in targets.items() if k[1] != "stats_coverage"}
    said = missing_targets(PROFILE, assessed(PROFILE), targets, 2026)
    assert said == [
        "目标责任书 targets/2026.xlsx 未给出“千万元以上技改项目数（个）”的年度目标"
        f"（{PROFILE.units[0].name}），年度考核中该项不计分",
        "目标责任书 targets/2026.xlsx 未给出“入统率（%）”的年度目标（所有单位），年度考核中该项不计分",
    ]


@pytest.mark.parametrize(
    "raw",
    [
        None,
        0.0,
        -0.0,
        123.45,
        0.1235,
        1.00005,  # more decimals than the column keeps: rounded half up
        2.5e-05,
        123456789012.3456,
        12345678901234.568,
        1e16,
        float("nan"),
        100,
        Decimal("123.4500"),
        Decimal("7.12345"),
        Decimal("1E+3"),
    ],
)
def test_an_amount_read_for_the_indicators_is_the_columns_own_value(raw):
    """``exact_float`` skips the Decimal only where it could not change the figure."""
    for kind in (Amount(), Percent()):
        d = kind.to_decimal(raw)
        assert exact_float(kind, raw) == (None if d is None else float(d))
