"""Each shipped policy profile end to end: a small sample of it (what ``init --sample`` makes, with
three units), then ``techreform run --step all`` through Airflow for the fourth quarter, and the
half-year bulletin where the profile's cadence has one. Every workbook is there, and every indicator
the annual assessment weighs has a target and is scored against it."""

from __future__ import annotations

import os

import openpyxl
import pytest

from techreform import cli
from techreform.demo import generate_city
from techreform.indicators import assessed
from techreform.indicators.scoring import NO_TARGET_NOTE, settings
from techreform.indicators.targets import read_targets
from techreform.workspace import Workspace

pytestmark = pytest.mark.slow  # five Airflow cycles: about a minute and a half

# each profile in a year its document sets targets for
PROFILES = [
    ("luoyang-2021", 2021),
    ("xinxiang-2022", 2022),
    ("longnan-2022", 2022),
    ("zhengzhou-2017", 2018),
    ("henan-2012", 2013),
]


def _rows(book: openpyxl.Workbook, sheet: str) -> list[list]:
    return [[c for c in r] for r in book[sheet].iter_rows(values_only=True)]


@pytest.mark.parametrize(("profile_id", "year"), PROFILES)
def test_a_profile_runs_its_whole_cycle_and_scores_every_weighted_indicator(
    profile_id, year, tmp_path, capsys
):
    root = tmp_path / "ws"
    assert cli.main(["init", str(root), "--profile", profile_id]) == 0
    ws = Workspace(root)
    profile = ws.profile
    generate_city(ws, profile, year=year, quarters=4, units=3, projects_per_unit=(6, 10))  # --sample, smaller
    home = os.environ["TECHREFORM_TEST_AIRFLOW_HOME"]
    q4, q2 = f"{year}Q4", f"{year}Q2"
    assert cli.main(["run", str(root), "--period", q4, "--step", "all", "--airflow-home", home]) == 0
    assert cli.main(["run", str(root), "--period", q2, "--step", "all", "--no-airflow"]) == 0
    said = capsys.readouterr().out
    assert f"年度考核_{year}.xlsx" in said

    units = [u.code for u in profile.units[:3]]
    for code in units:  # each unit was answered
        assert any(
            p.name.startswith("回执") or "回执" in p.name for p in (root / "outbox" / code).iterdir()
        ), code
    reports = ws.reports_for(q4)
    for name in (f"对账_{q4}.xlsx", f"季度检查_{q4}.xlsx", f"年度考核_{year}.xlsx"):
        assert (reports / name).is_file(), name
    cadence = profile.raw.get("cadence") or []
    assert (ws.reports_for(q2) / f"半年通报_{year}H1.xlsx").is_file() == ("half_year_bulletin" in cadence)

    # every weighted indicator has a sample target for every unit, and its score line uses it
    weights = [i for i, w in settings(profile.raw.get("assessment"))["weights"].items() if w]
    targets, problems = read_targets(ws.targets, year, profile)
    assert not problems
    assert not [(u, i) for u in units for i in weights if (u, i) not in targets]
    book = openpyxl.load_workbook(reports / f"年度考核_{year}.xlsx")
    expected = {"考核结果", "计分明细", "考核办法", "文件目标", "全年指标"}
    expected |= {"奖补测算", "奖补条款"} if profile.subsidies else set()
    expected |= {"项目库"} if profile.libraries else set()
    assert expected <= set(book.sheetnames)
    detail = _rows(book, "计分明细")
    header = next(i for i, r in enumerate(detail) if r[:2] == ["单位", "项目"])
    labels = {i.label for i in assessed(profile) if i.id in weights}
    assert len(labels) == len(weights)  # each weighted indicator is one the profile assesses
    names = {u.name for u in profile.units[:3]}  # the sample's units (the others sent nothing)
    scored = [r for r in detail[header + 1 :] if r[1] in labels and r[0] in names]
    assert len(scored) == len(weights) * 3
    assert not [r for r in scored if r[3] is None or r[8] == NO_TARGET_NOTE]
    # the policy sheet names each weighted indicator with its weight; the library shows each tier
    policy = _rows(book, "考核办法")
    assert sum(1 for r in policy if isinstance(r[1], float | int) and r[0] != "事项") >= len(weights)
    if profile.libraries:
        rows = _rows(book, "项目库")
        head = next(i for i, r in enumerate(rows) if r[0] == "单位")
        for r in rows[head + 1 :]:
            if r[5] is not None:
                assert r[6] == profile.library_of(r[5]), r
