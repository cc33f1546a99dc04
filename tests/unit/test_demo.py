"""The generated sample city (techreform.demo).

Besides the files and their contract columns, these tests read every return back with a small
reader of their own (independent of the product's parser) and check the generator's claims:
clean returns keep every rule of DESIGN.md §3.1, and each planted mistake sits on the Excel row
the summary names, and nowhere else.
"""

from __future__ import annotations

import ast
import copy
import datetime as dt
import os
import re
import unicodedata
from pathlib import Path

import pytest
import yaml
from python_calamine import CalamineWorkbook

from techreform import demo
from techreform.demo import generate_city
from techreform.demo.habits import HABITS
from techreform.demo.mistakes import ERROR_KINDS
from techreform.reference import profiles, schema
from techreform.reference.codes import gb4754, project_code, uscc
from techreform.reference.periods import Period, month_index, period_from_name
from techreform.workspace import Workspace

PROFILE = "luoyang-2021"
STATS_COLUMNS = [
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
]
TOTALS_COLUMNS = [
    "县区代码",
    "工业投资本年累计（万元）",
    "技改投资本年累计（万元）",
    "上年同期工业投资（万元）",
    "上年同期技改投资（万元）",
]


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    ws = Workspace(tmp_path_factory.mktemp("city"))
    ws.create(PROFILE)
    summary = generate_city(ws, profiles.load(PROFILE))
    return ws, summary


def _sheet(path: Path, name: str | None = None) -> list[list]:
    wb = CalamineWorkbook.from_path(str(path))
    return wb.get_sheet_by_name(name or wb.sheet_names[0]).to_python(skip_empty_area=False)


# ---------------------------------------------------------------------------------------------
# A small reader of returns, written for these tests only


def _text(v) -> str:
    return "" if v is None else unicodedata.normalize("NFKC", str(v)).strip()


def _key(header: str) -> str:
    return re.sub(r"\((万元|元|亿元)\)$", "", _text(header).replace(" ", ""))


_FIELD_OF = {_key(h): f.name for f in schema.PROJECT_FIELDS for h in (f.header, *f.aliases)}


def _number(v) -> float | str | None:
    if isinstance(v, int | float):
        return float(v)
    t = _text(v).replace(",", "")
    if not t:
        return None
    try:
        return float(t)
    except ValueError:
        return t  # not a number: kept as typed


def _month(v) -> int | None:
    if isinstance(v, dt.date):
        return month_index(v.year, v.month)
    t = _text(v)
    for pat in (r"(\d{4})-(\d{1,2})", r"(\d{4})\.(\d{1,2})", r"(\d{4})年(\d{1,2})月", r"(\d{4})(\d{2})"):
        m = re.fullmatch(pat, t)
        if m:
            return month_index(int(m.group(1)), int(m.group(2)))
    return None


def _read_projects(path: Path) -> list[tuple[int, dict]]:
    """(Excel row, {field: value}) for each project row; amounts in 万元."""
    grid = _sheet(path, schema.PROJECT_SHEET)
    h = next(h for h, row in enumerate(grid[:10]) if sum(_key(c) in _FIELD_OF for c in row) >= 5)
    cols = {i: _FIELD_OF.get(_key(c)) for i, c in enumerate(grid[h])}
    factors = {i: 1e-4 if _text(grid[h][i]).endswith("(元)") else 1.0 for i in cols}
    out = []
    for r, row in enumerate(grid[h + 1 :], start=h + 2):
        cells = [_text(c) for c in row]
        if not any(cells) or any(c in ("合计", "小计") for c in cells):
            continue
        rec = {}
        for i, name in cols.items():
            if not name:
                continue
            kind, v = schema.PROJECT_FIELD[name].kind, row[i] if i < len(row) else None
            if kind == "amount":
                n = _number(v)
                rec[name] = round(n * factors[i], 4) if isinstance(n, float) else n
            elif kind == "month":
                rec[name] = _month(v)
            else:
                rec[name] = _text(v).upper() if kind == "code" else _text(v)
        out.append((r, rec))
    return out


def _project_key(x: dict):
    return x["project_code"] or (x["uscc"], x["project_name"])


def _check(
    rows: list[tuple[int, dict]], period: Period, profile: profiles.Profile, prev: dict
) -> tuple[set, set]:
    """(errors, warnings) as {(rule, row)}, by the rules of DESIGN.md §3.1."""
    errors, warnings = set(), set()
    end = period.end_month
    seen: dict[str, list[int]] = {}
    for r, x in rows:
        if not uscc.is_valid(x["uscc"]):
            errors.add(("uscc_checksum", r))
        if not x["enterprise_name"]:
            errors.add(("missing_name", r))
        if not gb4754.is_valid(x["industry_code"]):
            errors.add(("bad_industry", r))
        if x["project_code"]:
            seen.setdefault(x["project_code"], []).append(r)
            if not project_code.is_valid(x["project_code"]):
                errors.add(("bad_project_code", r))
        amounts = {k: x[k] for k in schema.AMOUNT_FIELDS}
        for k, v in amounts.items():
            if isinstance(v, str):
                errors.add(("non_numeric", r))
                amounts[k] = None
        total, equip, plan = (
            amounts["total_investment"],
            amounts["equipment_investment"],
            amounts["annual_plan"],
        )
        ytd, cum = amounts["ytd_completed"], amounts["cumulative_completed"]
        if total >= profile.project_code_required_from and not x["project_code"]:
            errors.add(("missing_code_big", r))
        if x["reform_type"] not in profile.reform_types:
            errors.add(("bad_type", r))
        if x["status"] not in schema.PROJECT_FIELD["status"].enum:
            errors.add(("bad_status", r))
        assert x["construction_nature"] in schema.PROJECT_FIELD["construction_nature"].enum
        if x["status"] != "计划" and x["start_month"] > end:
            errors.add(("start_after_period", r))
        if x["planned_completion"] < x["start_month"]:
            errors.add(("completion_before_start", r))
        assert total > 0 and min(v for v in (equip, plan, ytd, cum) if v is not None) >= 0
        if equip is not None and equip > total + 1e-6:
            errors.add(("equipment_over_total", r))
        if plan is not None and plan > total + 1e-6:
            errors.add(("plan_over_total", r))
        if ytd > cum + 1e-6:
            errors.add(("ytd_over_cumulative", r))
        if cum > total + 1e-6:
            warnings.add(("cumulative_over_total", r))
        key = _project_key(x)
        if key in prev and ytd < prev[key] - 1e-6:
            errors.add(("ytd_decreased", r))
    for rs in seen.values():
        if len(rs) > 1:
            errors.update(("duplicate_code", r) for r in rs)
    return errors, warnings


# ---------------------------------------------------------------------------------------------
# Files, times and contracts


def test_returns_exist_with_strictly_increasing_mtimes(city):
    ws, summary = city
    assert summary["returns"] == len(summary["files"]) == len(summary["expected"]) > 0
    mtimes = []
    for f in summary["files"]:
        path = ws.root / f["path"]
        assert path.is_file()
        assert path.parent.name == f["unit"]
        mtimes.append(path.stat().st_mtime)
        assert mtimes[-1] == dt.datetime.fromisoformat(f["received_at"]).timestamp()
    assert all(a < b for a, b in zip(mtimes, mtimes[1:], strict=False))
    on_disk = sorted(p.name for p in ws.inbox.rglob("*") if p.is_file())
    assert on_disk == sorted(summary["expected"])


def test_one_silent_unit_per_quarter_and_some_late(city):
    _, summary = city
    assert summary["periods"] == ["2026Q1", "2026Q2", "2026Q3"]
    for period, unit in summary["silent"].items():
        units = {f["unit"] for f in summary["files"] if f["period"] == period}
        assert unit not in units and len(units) == len(summary["units"]) - 1
    assert any(not f["on_time"] and f["version"] <= 1 for f in summary["files"])


def test_statistics_and_targets_have_exactly_the_contract_columns(city):
    ws, summary = city
    for period in summary["periods"]:
        projects = _sheet(ws.stats / period / "projects.xlsx")
        totals = _sheet(ws.stats / period / "unit_totals.xlsx")
        assert projects[0] == STATS_COLUMNS
        assert totals[0] == TOTALS_COLUMNS
        assert len(projects) - 1 == summary["stats_rows"][period]
        assert sorted(r[0] for r in totals[1:]) == sorted(summary["units"])
        assert all(r[5] in ("新建", "扩建", "改建和技术改造") for r in projects[1:])
        ids = [r[0] for r in projects[1:]]
        assert len(ids) == len(set(ids))
    targets = _sheet(ws.targets / "2026.xlsx")
    assert targets[0] == ["单位代码", "指标", "年度目标"]
    keys = {(r[0], r[1]) for r in targets[1:]}
    owners = [*summary["units"], "410300"]
    assert keys == {(u, i) for u in owners for i in profiles.load(PROFILE).raw["targets"]}
    assert len(targets) - 1 == len(keys)


def test_unit_totals_are_realistic_and_year_to_date(city):
    ws, summary = city
    last = {}
    for period in summary["periods"]:
        for code, ind, tech, prev_ind, prev_tech in _sheet(ws.stats / period / "unit_totals.xlsx")[1:]:
            assert 0.27 <= tech / ind <= 0.48
            assert -0.16 <= tech / prev_tech - 1 <= 0.45
            assert -0.10 <= ind / prev_ind - 1 <= 0.30
            if code in last:
                assert all(a >= b for a, b in zip((ind, tech, prev_ind, prev_tech), last[code], strict=True))
            last[code] = (ind, tech, prev_ind, prev_tech)


def test_targets_split_proportionally(city):
    ws, summary = city
    rows = _sheet(ws.targets / "2026.xlsx")[1:]
    by = {}
    for code, ind, value in rows:
        by.setdefault(ind, {})[code] = value
    for ind in ("reforming_enterprises", "projects_over_10m", "smart_equipment_units", "tech_invest_ytd"):
        units = sum(v for c, v in by[ind].items() if c != "410300")
        assert units == pytest.approx(by[ind]["410300"], abs=10)
    assert len(set(by["tech_invest_share"].values())) == 1


# ---------------------------------------------------------------------------------------------
# What a correct product should make of each file


def test_generator_claims_hold_when_read_back(city):
    """Every file read back: clean ones keep the rules; mistakes sit exactly on the planted rows."""
    ws, summary = city
    _assert_claims_hold(ws, summary, profiles.load(PROFILE))


def _assert_claims_hold(ws: Workspace, summary: dict, profile: profiles.Profile) -> list[dict]:
    """Read every file back and check the summary's claims; gives the rows of accepted files."""
    accepted_rows: list[dict] = []
    in_force: dict[tuple[str, str], dict] = {}
    statuses: dict[str, str] = {}
    latest: dict[tuple[str, str], str] = {}
    for f in summary["files"]:
        path = ws.root / f["path"]
        named = period_from_name(f["file"])
        if f["version"] == 0:  # names no period, no metadata sheet
            assert named is None
            assert schema.METADATA_SHEET not in CalamineWorkbook.from_path(str(path)).sheet_names
            statuses[f["file"]] = "rejected"
            continue
        period = Period.parse(f["period"])
        assert named == period
        prev = in_force.get((f["unit"], str(Period(period.year, period.quarter - 1))), {})
        rows = _read_projects(path)
        errors, warnings = _check(rows, period, profile, prev if period.quarter > 1 else {})
        planted = {(e["rule"], e["row"]) for e in f["errors"]}
        assert errors == planted, f["file"]
        planted_w = {(w["rule"], w["row"]) for w in f["warnings"] if w["rule"] == "cumulative_over_total"}
        assert warnings == planted_w, f["file"]
        notes = {r: x["note"] for r, x in rows}
        for w in f["warnings"]:
            if w["rule"] == "cumulative_over_total":
                assert bool(notes[w["row"]]) == w["explained"]
        key = (f["unit"], f["period"])
        if errors:
            statuses[f["file"]] = "rejected"
        else:
            if key in latest:
                statuses[latest[key]] = "superseded"
            statuses[f["file"]] = "accepted"
            latest[key] = f["file"]
            accepted_rows += [x for _, x in rows]
            in_force[key] = {
                x["project_code"] or (x["uscc"], x["project_name"]): x["ytd_completed"] for _, x in rows
            }
    assert statuses == summary["expected"]
    return accepted_rows


def test_every_mistake_and_habit_shows_up(city):
    _, summary = city
    files = summary["files"]
    assert set(summary["mistakes"]) >= set(ERROR_KINDS)
    assert set(h for f in files for h in f["habits"]) >= set(HABITS)
    first = [f for f in files if f["version"] == 1]
    share = sum(f["expected"] == "rejected" for f in first) / len(first)
    assert 0.2 <= share <= 0.45
    assert {"accepted", "rejected", "superseded"} == set(summary["expected"].values())
    assert any(f["version"] == 0 for f in files)  # the file that names no period
    assert any(f["file"].endswith(".xls") for f in files)
    assert any(w["rule"] == "unit_converted" for f in files for w in f["warnings"])
    assert any(not f["file"][0].isdigit() for f in files)  # some named 老城区2026年第一季度…


def test_planted_valid_credit_codes_are_valid(city):
    ws, summary = city
    bad = {
        (f["file"], e["row"]) for f in summary["files"] for e in f["errors"] if e["rule"] == "uscc_checksum"
    }
    n = 0
    for f in summary["files"]:
        path = ws.root / f["path"]
        for r, x in _read_projects(path):
            if (f["file"], r) not in bad:
                assert uscc.is_valid(x["uscc"]), (f["file"], r, x["uscc"])
                assert x["uscc"][2:8] in summary["units"]
                n += 1
        for row in _sheet(path, schema.RECOGNITION_SHEET)[1:]:
            assert uscc.is_valid(_text(row[0]).upper())
    assert n > 500


def test_xls_returns_are_readable(city):
    ws, summary = city
    xls = [ws.root / f["path"] for f in summary["files"] if f["format"] == "xls"]
    assert xls and all(p.suffix == ".xls" for p in xls)
    for p in xls:
        wb = CalamineWorkbook.from_path(str(p))
        assert schema.PROJECT_SHEET in wb.sheet_names
        assert len(_read_projects(p)) >= 5


def test_amounts_in_yuan_are_ten_thousand_times_larger(city):
    ws, summary = city
    f = next(f for f in summary["files"] if "yuan" in f["habits"] and f["version"] >= 1)
    grid = _sheet(ws.root / f["path"], schema.PROJECT_SHEET)
    header = next(row for row in grid if any(_key(c) in _FIELD_OF for c in row))
    assert any(_text(c).endswith("(元)") for c in header)
    rows = _read_projects(ws.root / f["path"])
    assert all(x["total_investment"] < 10**6 for _, x in rows)  # back in 万元


def test_reconciliation_plan_covers_every_category(city):
    _, summary = city
    lib = {x["category"] for p in summary["reconciliation"].values() for x in p["library"]}
    stats = {x["category"] for p in summary["reconciliation"].values() for x in p["stats"]}
    assert lib == {
        "matched",
        "amount_mismatch",
        "nature_mismatch",
        "missing_from_stats",
        "not_required",
        "duplicate_report",
    }
    assert {"matched", "missing_from_library"} <= stats


def test_statistics_spell_names_differently_and_sometimes_omit_codes(city):
    ws, summary = city
    rows = _sheet(ws.stats / summary["periods"][-1] / "projects.xlsx")[1:]
    assert any(r[8] in ("", None) for r in rows)
    assert any("技改" in r[1] and "技术改造" not in r[1] for r in rows) or any(
        not r[1].endswith("项目") for r in rows
    )
    assert all(re.fullmatch(r"S\d{6}", r[0]) and re.fullmatch(r"\d{6}", str(r[10])) for r in rows)


# ---------------------------------------------------------------------------------------------
# Determinism and options


def _read_all(root: Path) -> dict:
    """Every workbook's cells, and the returns' arrival times."""
    out = {}
    for p in sorted(root.rglob("*.xls*")):
        wb = CalamineWorkbook.from_path(str(p))
        name = p.relative_to(root).as_posix()
        out[name] = {n: wb.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in wb.sheet_names}
        if name.startswith("inbox/"):
            out[name + "#mtime"] = os.stat(p).st_mtime
    return out


def _small(tmp: Path, seed: int, **kw) -> tuple[Workspace, dict]:
    ws = Workspace(tmp)
    ws.create(PROFILE)
    return ws, generate_city(ws, profiles.load(PROFILE), seed=seed, units=5, projects_per_unit=(6, 10), **kw)


@pytest.mark.slow
def test_same_seed_same_city(tmp_path):
    a, sa = _small(tmp_path / "a", 11)
    b, sb = _small(tmp_path / "b", 11)
    c, _ = _small(tmp_path / "c", 12)
    assert _read_all(a.root) == _read_all(b.root)
    assert sa == sb
    assert _read_all(a.root) != _read_all(c.root)


def test_without_mistakes_every_return_is_accepted(tmp_path):
    _, summary = _small(tmp_path, 3, mistakes=False, quarters=4)
    assert summary["periods"][-1] == "2026Q4"
    assert set(summary["expected"].values()) == {"accepted"}
    assert summary["with_errors"] == 0
    assert all(w["rule"] == "unit_converted" for f in summary["files"] for w in f["warnings"])


def test_units_beyond_the_profile_are_refused(tmp_path):
    ws = Workspace(tmp_path)
    ws.create(PROFILE)
    with pytest.raises(ValueError):
        generate_city(ws, profiles.load(PROFILE), units=99)


def test_two_years_in_one_workspace_do_not_collide(tmp_path):
    ws = Workspace(tmp_path)
    ws.create("xinxiang-2022")
    p = profiles.load("xinxiang-2022")
    s1 = generate_city(ws, p, year=2025, quarters=4, units=4, projects_per_unit=(5, 8))
    s2 = generate_city(ws, p, year=2026, quarters=2, units=4, projects_per_unit=(5, 8))
    files = [f["path"] for f in s1["files"] + s2["files"]]
    assert len(files) == len(set(files))
    assert (ws.targets / "2025.xlsx").exists() and (ws.targets / "2026.xlsx").exists()
    assert all(x["category"] for x in s2["reconciliation"]["2026Q1"]["library"])


# ---------------------------------------------------------------------------------------------
# Every policy number from the profile


def test_demo_source_names_no_profile_and_holds_no_policy_number():
    """No module of techreform.demo names a shipped profile (its id or its place) or holds one of
    their target numbers or thresholds as a literal: the demo reads them from the profile.
    Amounts are tenths of 万元 while generating, so a hard-coded threshold would show as ×10."""
    shipped = [profiles.load(pid) for pid in profiles.available()]
    # a province-level profile's name is in the demo's table of every province (name prefixes): not policy
    places = {
        re.sub(r"[市省县]$", "", p.jurisdiction.name)
        for p in shipped
        if not p.jurisdiction.code.endswith("0000")
    }
    names = {p.id for p in shipped} | places
    targets = {
        float(v) for p in shipped for how in p.raw["targets"].values() for k, v in how.items() if k != "split"
    } - {0.0}  # "more than 0" (a growth gap) is no number a generator could have hard-coded
    thresholds = {
        round(t * 10) + d
        for p in shipped
        for t in (p.project_code_required_from, p.key_project_from)
        for d in (0, -10)
    }
    assert targets and thresholds and len(shipped) >= 2
    sources = sorted(Path(demo.__file__).parent.glob("*.py"))
    assert len(sources) >= 8
    for path in sources:
        source = path.read_text(encoding="utf-8")
        assert not [n for n in names if n in source], path.name
        assert not re.search(r"\b[a-z]+-20\d\d\b", source), path.name  # anything named like a profile id
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Constant) and type(node.value) is float:
                assert node.value not in targets, (path.name, node.lineno, node.value)
            if isinstance(node, ast.Constant) and type(node.value) is int:
                assert node.value not in thresholds, (path.name, node.lineno, node.value)
        assert len(source.splitlines()) <= 400, path.name


def _profile_file(tmp_path: Path, **changes) -> Path:
    raw = copy.deepcopy(profiles.load(PROFILE).raw)
    raw.update(id="test-custom", **changes)
    path = tmp_path / "custom.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_a_profile_with_other_types_thresholds_and_targets_gives_a_city_using_them(tmp_path):
    types = ["数字化改造", "绿色低碳改造", "安全改造"]
    targets = {
        "tech_invest_growth": {"rate": 12.5},
        "reforming_enterprises": {"split": "proportional"},
        "stats_coverage": {"value": 95},
    }
    path = _profile_file(
        tmp_path,
        reform_types=types,
        thresholds={"project_code_required_from": 2000, "key_project_from": 5000},
        targets=targets,
        # the shipped profile's document targets and own indicators name its own reform types
        document_targets=[],
        custom_indicators=[],
        indicators=[],
    )
    ws = Workspace(tmp_path / "ws")
    ws.create(str(path))
    profile = profiles.load(str(path))
    summary = generate_city(ws, profile, quarters=3, seed=5, units=8, projects_per_unit=(8, 12))

    # every file as claimed, judged by this profile's types and threshold (bad_type, missing_code_big)
    rows = _assert_claims_hold(ws, summary, profile)
    assert {x["reform_type"] for x in rows} == set(types)
    assert all(x["project_code"] for x in rows if x["total_investment"] >= 2000)
    # projects of 500…2000万 without a code: fine here, an error under the shipped profile's 500万
    assert any(500 <= x["total_investment"] < 2000 and not x["project_code"] for x in rows)
    assert {e["rule"] for f in summary["files"] for e in f["errors"]} >= {"bad_type", "missing_code_big"}

    by: dict[str, dict[str, float]] = {}
    for code, ind, value in _sheet(ws.targets / "2026.xlsx")[1:]:
        by.setdefault(ind, {})[code] = value
    owners = {*summary["units"], profile.jurisdiction.code}
    assert set(by) == set(targets) and all(set(v) == owners for v in by.values())
    assert set(by["tech_invest_growth"].values()) == {12.5}
    assert set(by["stats_coverage"].values()) == {95.0}
    split = by["reforming_enterprises"]
    assert (
        sum(v for c, v in split.items() if c != profile.jurisdiction.code) == split[profile.jurisdiction.code]
    )


@pytest.mark.parametrize(
    "targets",
    [
        {"tech_invest_growth": {"rate": "百分之十五"}},
        {"tech_invest_growth": {"rate": 15.0, "value": 15.0}},
        {"tech_invest_growth": {"split": "equal"}},
        {"recog:智能工厂": {"split": "proportional"}},  # a count the demo cannot estimate
    ],
)
def test_targets_the_demo_cannot_set_are_refused_before_any_file(tmp_path, targets):
    """Refused when the profile is loaded (its schema) or, for what the schema allows, by the demo."""
    from techreform.reference.profiles import ProfileError

    path = _profile_file(tmp_path, targets=targets)
    ws = Workspace(tmp_path / "ws")
    with pytest.raises((ValueError, ProfileError), match="targets"):
        ws.create(str(path))
        generate_city(ws, profiles.load(str(path)), units=2, projects_per_unit=(3, 4))
    assert not [p for p in ws.root.rglob("*.xls*")]
