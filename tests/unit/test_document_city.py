"""The document city (techreform.demo.document): a generated city whose year-end returns add up to
a policy document's figures. These tests add the figures up themselves, from each project's
year-end row, without the product's indicator code; the end-to-end run through Airflow is
tests/e2e/test_document_city.py."""

from __future__ import annotations

import copy
from collections import Counter
from pathlib import Path

import pytest
import yaml
from python_calamine import CalamineWorkbook

from techreform.demo.document import build_document_city, generate_document_city
from techreform.demo.document_goals import document_year, goals_of
from techreform.demo.document_plan import apportion, apportion_capped, check_goals
from techreform.demo.projects import City
from techreform.demo.submissions import project_row
from techreform.reference import profiles
from techreform.workspace import Workspace

LUOYANG = "luoyang-2021"
UPPER = ("省级", "国家级")


def _rows(city: City, q: int = 4) -> dict[str, list[dict]]:
    return {u.code: [project_row(p, q) for p in city.library[u.code]] for u in city.units}


def _figures(city: City, rows: list[dict], recognitions: list[dict]) -> dict[str, float]:
    """The document's kinds of figures, added up the plain way (catalogue.yaml's definitions)."""
    key = city.profile.key_project_from
    active = [r for r in rows if r["status"] != "计划"]
    big = [r for r in active if r["total_investment"] >= key]
    out: dict[str, float] = {
        "reforming_enterprises": len({r["uscc"] for r in active}),
        "projects_over_10m": len(big),
        "projects_total_investment": sum(r["total_investment"] for r in big),
        "projects_annual_plan": sum(r["annual_plan"] for r in big),
        "smart_equipment_units": sum(r["smart_equipment_units"] for r in rows),
    }
    for t in city.profile.reform_types:
        out[f"projects_over_10m:{t}"] = sum(1 for r in big if r["reform_type"] == t)
        out[f"enterprises:{t}"] = len({r["uscc"] for r in active if r["reform_type"] == t})
    for r in recognitions:
        if r["level"] in UPPER and r["year"] == city.year:
            out[f"recog:{r['category']}"] = out.get(f"recog:{r['category']}", 0) + 1
    return out


def _recognitions(city: City, unit: str | None = None) -> list[dict]:
    return [r for u, rs in city.recognitions.items() if unit in (None, u) for _, r in rs]


@pytest.fixture(scope="module")
def luoyang():
    profile = profiles.load(LUOYANG)
    city, goals = build_document_city(profile)
    rows = [r for rs in _rows(city).values() for r in rs]
    return profile, city, goals, rows


def test_apportioned_parts_add_up_and_keep_their_caps():
    assert sorted(apportion(10, [1, 1, 1])) == [3, 3, 4]
    assert sum(apportion(8723000, [0.3, 2.5, 1.1, 0.01])) == 8723000
    assert apportion(5, [0, 0]) in ([3, 2], [2, 3])
    parts = apportion_capped(100, [10, 1, 1], [20, 50, 50])
    assert (
        sum(parts) == 100 and parts[0] == 20 and all(p <= c for p, c in zip(parts, [20, 50, 50], strict=True))
    )
    with pytest.raises(ValueError):
        apportion_capped(10, [1, 1], [4, 5])


def test_the_goals_are_the_profiles_document_targets(luoyang):
    profile, _, goals, _ = luoyang
    assert document_year(profile) == goals.year == 2021
    doc = {t.indicator: t.value for t in profile.document_targets_of(2021) if t.tracked}
    # every count of the document is an exact goal; the rates are floors
    assert goals.exact == {k: v for k, v in doc.items() if k in goals.exact}
    assert set(doc) == set(goals.exact) | {
        "staff_reduction",
        "energy_reduction",
        "efficiency_gain",
        "tech_growth_gap",
    }
    assert goals.unsupported == {}
    # the profile's own indicators are recognised by their definitions
    assert goals.enterprises_by_type == {
        "绿色化改造": doc["green_enterprises"],
        "技术改造": doc["tech_enterprises"],
    }
    # the 2025 figures run from 2021: a single year cannot show them, and says so
    assert set(goals_of(profile, 2025).unsupported) >= {"reforming_enterprises", "smart_factories_workshops"}


def test_luoyangs_year_end_rows_add_up_to_the_document(luoyang):
    profile, city, _, rows = luoyang
    got = _figures(city, rows, _recognitions(city))
    doc = {t.indicator: t.value for t in profile.document_targets_of(2021) if t.tracked}
    for ind in (
        "reforming_enterprises",
        "projects_over_10m",
        "projects_total_investment",
        "projects_annual_plan",
        "smart_equipment_units",
        *(f"projects_over_10m:{t}" for t in profile.reform_types),
    ):
        assert got[ind] == doc[ind], ind
    assert (got["reforming_enterprises"], got["projects_over_10m"]) == (248, 316)
    assert (got["projects_total_investment"], got["projects_annual_plan"]) == (8_723_000, 3_332_000)
    assert got["enterprises:绿色化改造"] == doc["green_enterprises"] == 65
    assert got["enterprises:技术改造"] == doc["tech_enterprises"] == 120
    assert got.get("recog:智能工厂", 0) + got.get("recog:智能车间", 0) == doc["smart_factories_workshops"]
    assert got.get("recog:绿色工厂", 0) + got.get("recog:绿色供应链", 0) == doc["green_demonstrations"]
    # the effects of completed projects are at least the document's, so is every weighted mean
    done = [r for r in rows if r["status"] in ("竣工", "投产")]
    assert done and all(r["staff_reduction_pct"] >= doc["staff_reduction"] for r in done)
    assert all(r["energy_reduction_pct"] >= doc["energy_reduction"] for r in done)
    # amounts of the projects the document counts are whole 万元: their sums are exact in any float
    assert all(float(r["total_investment"]).is_integer() for r in rows if r["total_investment"] >= 1000)


def test_every_quarter_keeps_the_returns_rules_and_every_unit_takes_part(luoyang):
    _, city, _, _ = luoyang
    previous: dict[int, float] = {}
    for q in range(1, 5):
        for unit, rows in _rows(city, q).items():
            assert rows, unit
            for r in rows:
                assert r["equipment_investment"] <= r["total_investment"]
                assert r["annual_plan"] <= r["total_investment"]
                assert r["ytd_completed"] <= r["cumulative_completed"] <= r["total_investment"]
                assert r["start_month"] <= r["planned_completion"]
                assert r["ytd_completed"] >= previous.get(r["_pid"], 0)
                previous[r["_pid"]] = r["ytd_completed"]
                if r["status"] != "计划":
                    assert r["start_month"] <= city.y0 + 3 * q - 1
                if r["total_investment"] >= city.profile.project_code_required_from:
                    assert r["project_code"]
    codes = Counter(p.code for u in city.units for p in city.library[u.code] if p.code)
    assert max(codes.values()) == 1  # no project reported twice


def test_statistics_carry_every_project_that_should_be_there_with_its_amount(luoyang):
    _, city, _, _ = luoyang
    ps = [p for u in city.units for p in city.library[u.code]]
    due = [p for p in ps if p.total >= city.code_from and p.status(4) != "计划" and p.ytd(4) > 0]
    assert due and all(p.in_stats(4) and p.stats_ytd(4) == p.ytd(4) and p.stats_code == p.code for p in due)
    assert all(p.stats_nature == "改建和技术改造" for p in ps if p.stats_from_q)
    assert all(p.nature != "改建和技术改造" for p in city.stats_only)  # nothing statistics alone know of


def _made_up_profile(tmp_path: Path) -> Path:
    """A profile the product does not ship: four units and a document of its own for 2030."""
    raw = copy.deepcopy(profiles.load(LUOYANG).raw)
    raw.update(
        id="test-document",
        units=raw["units"][:4],
        split="proportional",
        document_targets=[
            {"indicator": "reforming_enterprises", "year": 2030, "value": 30},
            {"indicator": "projects_over_10m", "year": 2030, "value": 41},
            {"indicator": "projects_over_10m:智能化改造", "year": 2030, "value": 12},
            {"indicator": "projects_total_investment", "year": 2030, "value": 123456},
            {"indicator": "projects_annual_plan", "year": 2030, "value": 45678},
            {"indicator": "green_enterprises", "year": 2030, "value": 9},
            {"indicator": "smart_equipment_units", "year": 2030, "value": 77, "split": "equal"},
            {"indicator": "green_demonstrations", "year": 2030, "value": 3, "split": "none"},
            {
                "indicator": "tech_invest_share",
                "year": 2030,
                "value": 33,
                "scope": "every_unit",
                "split": "none",
            },
            {
                "indicator": "staff_reduction",
                "year": 2030,
                "value": 12,
                "scope": "every_unit",
                "split": "none",
            },
            {"indicator": "tech_invest_ytd", "year": 2030, "value": 50000},
            {"indicator": "reforming_enterprises", "year": 2032, "value": 100, "cumulative_from": 2030},
        ],
    )
    path = tmp_path / "made-up.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_a_made_up_document_gets_its_own_figures_and_targets_split_by_its_rules(tmp_path):
    path = _made_up_profile(tmp_path)
    profile = profiles.load(str(path))
    ws = Workspace(tmp_path / "ws")
    ws.create(str(path))
    summary = generate_document_city(ws, profile, seed=3)
    assert summary["year"] == 2030
    assert summary["honoured"] == {
        "reforming_enterprises": 30,
        "projects_over_10m": 41,
        "projects_over_10m:智能化改造": 12,
        "projects_total_investment": 123456,
        "projects_annual_plan": 45678,
        "green_enterprises": 9,
        "smart_equipment_units": 77,
        "green_demonstrations": 3,
    }
    assert summary["at_least"] == {"tech_invest_share": 33, "staff_reduction": 12}
    assert summary["missed"] == {} and set(summary["unsupported"]) == {"tech_invest_ytd"}
    assert all(f["expected"] == "accepted" and f["on_time"] for f in summary["files"])
    assert {f["period"] for f in summary["files"]} == {f"2030Q{q}" for q in range(1, 5)}

    # the same seed builds the same city: add its figures up per unit
    city, _ = build_document_city(profile, seed=3)
    per_unit = {u: _figures(city, rs, _recognitions(city, u)) for u, rs in _rows(city).items()}
    grid = CalamineWorkbook.from_path(str(ws.targets / "2030.xlsx")).get_sheet_by_index(0).to_python()
    assert grid[0] == ["单位代码", "指标", "年度目标"]
    targets: dict[str, dict[str, float]] = {}
    for code, ind, value in grid[1:]:
        targets.setdefault(ind, {})[str(code)] = value
    total = profile.jurisdiction.code
    units = [u.code for u in profile.units]
    for ind in (
        "reforming_enterprises",
        "projects_over_10m",
        "projects_total_investment",
        "projects_annual_plan",
    ):
        assert targets[ind] == {total: summary["honoured"][ind], **{u: per_unit[u][ind] for u in units}}, ind
    assert {u: targets["green_enterprises"][u] for u in units} == {
        u: per_unit[u]["enterprises:绿色化改造"] for u in units
    }
    equal = [targets["smart_equipment_units"][u] for u in units]
    assert sum(equal) == 77 and max(equal) - min(equal) <= 1  # split: equal
    assert targets["green_demonstrations"] == {total: 3}  # split: none
    assert targets["tech_invest_share"] == dict.fromkeys([*units, total], 33)  # every unit
    assert targets["tech_invest_ytd"] == {total: 50000, **{u: targets["tech_invest_ytd"][u] for u in units}}
    assert sum(targets["tech_invest_ytd"][u] for u in units) == 50000
    # a year-end statistics extract and unit totals that meet the share in every unit
    totals = CalamineWorkbook.from_path(str(ws.stats / "2030Q4" / "unit_totals.xlsx")).get_sheet_by_index(0)
    for _, industrial, tech, *_ in totals.to_python()[1:]:
        assert tech / industrial * 100 >= 33


def test_from_document_needs_sample_and_a_year_of_the_document(tmp_path, capsys):
    from techreform.cli import main

    assert main(["init", str(tmp_path / "ws"), "--profile", LUOYANG, "--from-document"]) == 2
    assert "--sample" in capsys.readouterr().err
    # a year the document gives no figure for is refused, naming the years it does
    argv = ["init", str(tmp_path / "ws"), "--profile", LUOYANG, "--sample", "--from-document"]
    assert main([*argv, "--year", "2023"]) == 2
    assert "2021、2025" in capsys.readouterr().err
    assert not (tmp_path / "ws").exists()


@pytest.mark.parametrize("pid", ["xinxiang-2022", "longnan-2022", "zhengzhou-2017", "henan-2012"])
def test_every_shipped_documents_first_year_is_met(pid):
    """Whatever a shipped document gives for its first year, the built city meets exactly, by the
    plain sums where this test knows the indicator and by the product's definitions otherwise."""
    profile = profiles.load(pid)
    city, goals = build_document_city(profile)
    assert goals.exact or goals.rates
    by_unit = _rows(city)
    assert all(by_unit.values())  # every unit has projects
    got = _figures(city, [r for rs in by_unit.values() for r in rs], _recognitions(city))
    values = check_goals(city, goals, by_unit, {})
    for ind, value in goals.exact.items():
        assert values[(profile.jurisdiction.code, ind)] == value, ind
        assert got.get(ind, value) == value, ind
