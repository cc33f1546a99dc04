"""Luoyang's 2021 city figures (洛政办〔2021〕33号) end to end: a sample city built from the
document (``init --sample --from-document``) and the whole cycle through Airflow (``techreform
run --step all``, dag.test) report exactly 248 / 316 / 105 / 77 / 134 / 8,723,000万 /
3,332,000万 for the city, each completed 100%, in indicators.csv and in the annual assessment."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from techreform.indicators.catalogue import catalogue
from techreform.reference import profiles

pytestmark = pytest.mark.slow

PROFILE = "luoyang-2021"
CITY = "410300"
# the document's sentence: 248家企业实施316个千万元以上项目（智能化105、绿色化77、技术改造134），
# 总投资872.3亿元，年度计划投资333.2亿元
FIGURES = {
    "reforming_enterprises": 248,
    "projects_over_10m": 316,
    "projects_over_10m:智能化改造": 105,
    "projects_over_10m:绿色化改造": 77,
    "projects_over_10m:技术改造": 134,
    "projects_total_investment": 8_723_000,
    "projects_annual_plan": 3_332_000,
}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("document-city")
    ws = tmp / "ws"
    env = {**os.environ, "TECHREFORM_AIRFLOW_HOME": str(tmp / "airflow")}
    env.pop("TECHREFORM_DATABASE_URL", None)
    cli = [sys.executable, "-m", "techreform.cli"]
    init = subprocess.run(
        [*cli, "init", str(ws), "--profile", PROFILE, "--sample", "--from-document"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert init.returncode == 0, init.stderr[-2000:]
    out = subprocess.run(
        [*cli, "run", str(ws), "--period", "2021Q4", "--step", "all"], capture_output=True, text=True, env=env
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert (tmp / "airflow" / "airflow.db").exists()  # it really went through Airflow
    return ws, init.stdout, out.stdout


def _indicators(ws: Path) -> dict[tuple[str, str], dict[str, str]]:
    with (ws / "reports" / "2021Q4" / "indicators.csv").open(encoding="utf-8") as f:
        return {(r["unit_code"], r["indicator_id"]): r for r in csv.DictReader(f)}


def test_the_init_says_which_figures_it_built(run):
    _, init, _ = run
    assert "已按洛政办〔2021〕33号生成洛阳市 2021 年示例数据" in init
    assert "实施技改企业数 248" in init and "千万元以上项目总投资 8,723,000" in init
    assert "未能达到" not in init


def test_indicators_csv_reports_the_documents_figures_completed(run):
    ws, _, _ = run
    rows = _indicators(ws)
    for ind, figure in FIGURES.items():
        r = rows[(CITY, ind)]
        assert (float(r["value"]), float(r["target"])) == (figure, figure), ind
        assert float(r["completion_rate"]) == 1.0 and r["status"] == "已完成", ind
    # every other figure the profile gives for 2021, as the profile has it (not only Luoyang's)
    profile = profiles.load(PROFILE)
    for t in profile.document_targets_of(2021):
        if t.tracked and (CITY, t.indicator) in rows:
            r = rows[(CITY, t.indicator)]
            assert float(r["target"]) == t.value, t.indicator
            if t.comparison == "at_least" and t.scope == "jurisdiction":
                assert float(r["value"]) == t.value and r["status"] == "已完成", t.indicator
            else:
                assert float(r["value"]) >= t.value and r["status"] == "达标", t.indicator
    # split to the units by their own projects: each unit completes its share, and they add up
    units = [u.code for u in profile.units]
    for ind, figure in FIGURES.items():
        parts = [rows[(u, ind)] for u in units]
        assert sum(float(r["target"]) for r in parts) == figure, ind
        assert all(r["value"] == r["target"] and float(r["completion_rate"]) == 1.0 for r in parts), ind
    # the reconciliation and the returns do not disturb the figures
    assert float(rows[(CITY, "stats_coverage")]["value"]) == 100.0
    assert float(rows[(CITY, "missing_from_stats")]["value"]) == 0.0
    assert float(rows[(CITY, "timely_submission")]["value"]) == 100.0


def test_the_cycle_accepts_every_return_and_reconciles_every_project(run):
    ws, _, stdout = run
    for q in range(1, 5):  # intake answers every quarter's returns: all accepted, from every unit
        with (ws / "reports" / f"2021Q{q}" / "submissions.csv").open(encoding="utf-8") as f:
            subs = list(csv.DictReader(f))
        assert len(subs) == 14 and {s["status"] for s in subs} == {"accepted"}, q
    with (ws / "reports" / "2021Q4" / "reconciliation.csv").open(encoding="utf-8") as f:
        categories = {r["category"] for r in csv.DictReader(f)}
    assert categories <= {"matched", "not_required"}, categories
    assert "应统未统 0 个，统计有县区未报 0 个，金额不一致 0 个，重复报送 0 个" in stdout


def test_the_annual_assessment_shows_the_same_figures(run):
    ws, _, _ = run
    profile = profiles.load(PROFILE)
    labels = {i.id: i.label for i in catalogue(profile)}
    wb = openpyxl.load_workbook(ws / "reports" / "2021Q4" / "年度考核_2021.xlsx", read_only=True)
    sheet = wb["全年指标"]
    header = next(r for r in sheet.iter_rows(values_only=True) if r and r[0] == "指标")
    col = {name: i for i, name in enumerate(header)}
    total = f"{profile.jurisdiction.name}（合计）"
    city = {r[0]: r for r in sheet.iter_rows(values_only=True) if r and r[col["单位"]] == total}
    for ind, figure in FIGURES.items():
        r = city[labels[ind]]
        assert (r[col["完成值"]], r[col["年度目标"]], r[col["完成率"]]) == (figure, figure, 1), ind
        assert r[col["状态"]] == "已完成", ind
