"""Every rule of return_rules.yaml, on both sheets, through the real GX Validator.

A clean return gives no finding at all; each case then changes one cell (or the fewest cells the
rule needs) of the middle row and asserts exactly one finding: its rule id, severity, the Excel row
the county sees (title rows counted) and the field, and that no other row is flagged.
"""

from __future__ import annotations

import ast
import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import Session

import techreform
import techreform.rules
from techreform import warehouse as wh
from techreform.reference import schema
from techreform.reference.periods import Period
from techreform.rules import RULES_FILE, load_rules
from techreform.rules.findings import ERROR, WARNING
from tests.conftest import (
    OTHER_UNIT,
    PERIOD,
    PROJECT_HEADERS,
    UNIT,
    base_recognition,
    base_row,
    project_code,
    rows,
    validate,
    write_return,
)

TITLES = ["2026年第一季度瀍河回族区工业企业技术改造项目统计表", "填报单位：瀍河回族区工信局  单位：万元"]
PROJECT = "项目表"
RECOGNITION = "认定表"
ALL_ZERO = dict(
    total_investment=0, equipment_investment=0, annual_plan=0, ytd_completed=0, cumulative_completed=0
)

# (rule id, field, severity, cells of row 2 of 3)
PROJECT_CASES = [
    ("missing_uscc", "uscc", ERROR, {"uscc": None}),
    ("missing_name", "enterprise_name", ERROR, {"enterprise_name": None}),
    ("missing_project_name", "project_name", ERROR, {"project_name": None}),
    ("missing_code_big", "project_code", ERROR, {"project_code": None}),
    ("missing_reform_type", "reform_type", ERROR, {"reform_type": None}),
    ("missing_construction_nature", "construction_nature", ERROR, {"construction_nature": None}),
    ("missing_status", "status", ERROR, {"status": None}),
    ("missing_start_month", "start_month", ERROR, {"start_month": None}),
    ("missing_total_investment", "total_investment", ERROR, {"total_investment": None}),
    ("uscc_checksum", "uscc", ERROR, {"uscc": "9141030424BU4JR96A"}),  # wrong check character
    ("uscc_checksum", "uscc", ERROR, {"uscc": "91410304MA44XXXX"}),  # 16 characters
    ("bad_project_code", "project_code", ERROR, {"project_code": "2025-999999-34-03-107857"}),
    ("bad_project_code", "project_code", ERROR, {"project_code": "2025410304340310785"}),
    ("bad_industry", "industry_code", ERROR, {"industry_code": "52"}),  # 零售业: not 工业
    ("bad_industry", "industry_code", ERROR, {"industry_code": "05"}),
    ("bad_type", "reform_type", ERROR, {"reform_type": "数字化改造"}),  # another profile's type
    ("bad_nature", "construction_nature", ERROR, {"construction_nature": "技改"}),
    ("bad_status", "status", ERROR, {"status": "在建"}),
    ("bad_yes_no", "above_scale", ERROR, {"above_scale": "Y"}),
    ("bad_yes_no", "in_statistics", ERROR, {"in_statistics": "已入统"}),
    ("non_numeric", "total_investment", ERROR, {"total_investment": "约2600"}),
    ("non_numeric", "equipment_investment", ERROR, {"equipment_investment": "1200万"}),
    ("non_numeric", "annual_plan", ERROR, {"annual_plan": "一千"}),
    ("non_numeric", "ytd_completed", ERROR, {"ytd_completed": "300元"}),
    ("non_numeric", "cumulative_completed", ERROR, {"cumulative_completed": "见附表"}),
    ("non_numeric", "smart_equipment_units", ERROR, {"smart_equipment_units": "12台"}),
    ("non_numeric", "smart_equipment_units", ERROR, {"smart_equipment_units": 2.5}),  # not a whole number
    ("non_numeric", "staff_reduction_pct", ERROR, {"staff_reduction_pct": "约10"}),
    ("non_numeric", "energy_reduction_pct", ERROR, {"energy_reduction_pct": "明显"}),
    ("non_numeric", "efficiency_gain_pct", ERROR, {"efficiency_gain_pct": "20-30"}),
    ("bad_month", "start_month", ERROR, {"start_month": "2025-13"}),
    ("bad_month", "planned_completion", ERROR, {"planned_completion": "明年"}),
    ("total_not_positive", "total_investment", ERROR, ALL_ZERO),
    (
        "total_not_positive",
        "total_investment",
        ERROR,
        {
            "total_investment": -10,
            "equipment_investment": None,
            "annual_plan": None,
            "ytd_completed": None,
            "cumulative_completed": None,
        },
    ),
    ("negative_amount", "equipment_investment", ERROR, {"equipment_investment": -1}),
    ("negative_amount", "annual_plan", ERROR, {"annual_plan": -1}),
    ("negative_amount", "ytd_completed", ERROR, {"ytd_completed": -1}),
    ("negative_amount", "cumulative_completed", ERROR, {"cumulative_completed": -1, "ytd_completed": None}),
    ("negative_amount", "smart_equipment_units", ERROR, {"smart_equipment_units": -1}),
    ("pct_out_of_range", "staff_reduction_pct", ERROR, {"staff_reduction_pct": 101}),
    ("pct_out_of_range", "energy_reduction_pct", ERROR, {"energy_reduction_pct": -0.5}),
    ("pct_out_of_range", "efficiency_gain_pct", ERROR, {"efficiency_gain_pct": 500.5}),
    ("pct_out_of_range", "efficiency_gain_pct", ERROR, {"efficiency_gain_pct": -1}),
    ("equipment_over_total", "equipment_investment", ERROR, {"equipment_investment": 2600}),
    ("plan_over_total", "annual_plan", ERROR, {"annual_plan": 2593.5}),
    ("ytd_over_cumulative", "ytd_completed", ERROR, {"ytd_completed": 1500.01}),
    ("start_after_period", "start_month", ERROR, {"start_month": "2026-04"}),  # period 2026Q1 ends 2026-03
    ("start_after_period", "start_month", ERROR, {"start_month": "2026-06", "status": "新开工"}),
    ("completion_before_start", "planned_completion", ERROR, {"planned_completion": "2025-02"}),
    ("cumulative_over_total", "cumulative_completed", WARNING, {"cumulative_completed": 2600}),
]

# cells of row 2 that break no rule: the edges of every range
PROJECT_EDGES = [
    {
        "project_code": None,
        "total_investment": 499.99,
        "equipment_investment": 100,
        "annual_plan": 100,
        "cumulative_completed": 400,
    },  # below 500万 a project code is not required
    {"start_month": "2026-03"},  # the period's last month
    {"start_month": "2026-06", "status": "计划"},  # a planned project may start later
    {"planned_completion": "2025-03"},  # completion in the start month
    {"planned_completion": None},
    {"equipment_investment": 2593.4, "annual_plan": 2593.4, "cumulative_completed": 2593.4},
    {"ytd_completed": 1500},
    {"ytd_completed": 0, "equipment_investment": 0, "annual_plan": 0, "smart_equipment_units": 0},
    {"staff_reduction_pct": 100, "energy_reduction_pct": 0, "efficiency_gain_pct": 500},
    {"staff_reduction_pct": None, "energy_reduction_pct": None, "efficiency_gain_pct": None},
    {"equipment_investment": None, "annual_plan": None, "ytd_completed": None, "cumulative_completed": None},
    {"above_scale": "否", "in_statistics": "否", "industry_code": "06", "construction_nature": "新建"},
    {"construction_nature": "扩建", "status": "竣工", "reform_type": "绿色化改造"},
    {"status": "投产", "reform_type": "技术改造", "industry_code": "46"},
    {"industry_code": None, "seq": None, "contact": None, "phone": None, "note": "说明"},
]

RECOGNITION_CASES = [
    ("missing_uscc", "uscc", ERROR, {"uscc": None}),
    ("uscc_checksum", "uscc", ERROR, {"uscc": "9141030427RRNU1R96"}),
    ("bad_category", "category", ERROR, {"category": "智能园区"}),
    ("missing_category", "category", ERROR, {"category": None}),
    ("bad_level", "level", ERROR, {"level": "区级"}),
    ("bad_year", "year", ERROR, {"year": 1989}),
    ("bad_year", "year", ERROR, {"year": 2101}),
    ("non_numeric", "year", ERROR, {"year": "二〇二六年"}),
]


def _case_id(case) -> str:
    rule_id, field, _, cells = case
    return f"{rule_id}-{field}-" + "-".join(f"{k}={v}" for k, v in cells.items())


def located(findings) -> list[tuple]:
    return sorted((f.rule_id, f.severity, f.sheet, f.row, f.field) for f in findings)


# Every file of this module is written and validated in ONE GX batch (a GX run costs about half a
# second whatever its size, and intake validates a whole round of files at once in the same way).
FILES: dict[str, dict] = {}


def spec(
    name: str, project_rows=None, *, unit: str = UNIT, period: Period = PERIOD, suffix: str = ".xlsx", **kw
) -> str:
    """Register a file for the module's batch: title rows TITLES unless told otherwise."""
    kw.setdefault("title_rows", TITLES)
    FILES[name] = dict(project_rows=project_rows, unit=unit, period=period, suffix=suffix, kw=kw)
    return name


def _mutated(cells: dict, n: int = 3) -> list[dict]:
    data = rows(n)
    data[1].update(cells)
    return data


for _suffix in (".xlsx", ".xls"):
    spec(f"clean{_suffix}", rows(6), suffix=_suffix, recognitions=[base_recognition(i) for i in range(3)])
for _i, _cells in enumerate(PROJECT_EDGES):
    spec(f"edge{_i}", _mutated(_cells))
for _i, (_, _, _, _cells) in enumerate(PROJECT_CASES):
    spec(f"project{_i}", _mutated(_cells))
for _i, (_, _, _, _cells) in enumerate(RECOGNITION_CASES):
    _recs = [base_recognition(j) for j in range(3)]
    _recs[1].update(_cells)
    spec(f"recognition{_i}", recognitions=_recs)


@pytest.fixture(scope="module")
def results(tmp_path_factory, validator, empty_warehouse) -> dict[str, tuple]:
    """name → (ReturnFile, findings) for every registered file, validated in one batch."""
    folder = tmp_path_factory.mktemp("rules")
    written, batch = {}, []
    for name, f in FILES.items():
        rf = write_return(folder / f"{name}{f['suffix']}", f["project_rows"], **f["kw"])
        written[name] = rf
        batch.append((rf.path, f["unit"], f["period"]))
    pending = validate(empty_warehouse, validator, batch)
    return {name: (written[name], p.findings) for name, p in zip(FILES, pending, strict=True)}


# ------------------------------------------------------------------------------ clean return


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_clean_return_has_no_findings(results, suffix):
    rf, findings = results[f"clean{suffix}"]
    assert rf.rows == [4, 5, 6, 7, 8, 9] and rf.rec_rows == [2, 3, 4]
    assert findings == []


@pytest.mark.parametrize("i", range(len(PROJECT_EDGES)), ids=[str(c) for c in PROJECT_EDGES])
def test_edges_of_every_range_are_allowed(results, i):
    assert results[f"edge{i}"][1] == []


# ------------------------------------------------------------------------------ one cell, one rule


@pytest.mark.parametrize("i", range(len(PROJECT_CASES)), ids=[_case_id(c) for c in PROJECT_CASES])
def test_project_rule(results, i):
    rule_id, field, severity, _ = PROJECT_CASES[i]
    rf, findings = results[f"project{i}"]
    assert rf.rows == [4, 5, 6]
    assert located(findings) == [(rule_id, severity, PROJECT, 5, field)]
    f = findings[0]
    assert f.column == PROJECT_HEADERS[field]
    assert f.col_index == rf.columns[field]
    assert "{" not in f.message and f"“{PROJECT_HEADERS[field]}”" in f.message


@pytest.mark.parametrize("i", range(len(RECOGNITION_CASES)), ids=[_case_id(c) for c in RECOGNITION_CASES])
def test_recognition_rule(results, i):
    rule_id, field, severity, _ = RECOGNITION_CASES[i]
    rf, findings = results[f"recognition{i}"]
    assert rf.rec_rows == [2, 3, 4]
    assert located(findings) == [(rule_id, severity, RECOGNITION, 3, field)]
    assert "{" not in findings[0].message


_dup = rows(4)
_dup[3]["project_code"] = "2025－410304－34－03－107857"  # row 2's code, typed with full-width hyphens
spec("duplicate", _dup)


def test_duplicate_project_code_flags_every_row_that_has_it(results):
    _, findings = results["duplicate"]
    assert located(findings) == [
        ("duplicate_code", ERROR, PROJECT, 5, "project_code"),
        ("duplicate_code", ERROR, PROJECT, 7, "project_code"),
    ]
    assert project_code(1) in findings[0].message


spec("unit_a", rows(3), unit=UNIT)
spec("unit_b", rows(3), unit=OTHER_UNIT)


def test_same_project_code_in_two_units_is_not_a_duplicate_in_either(results):
    # a reconciliation matter, not a rule of the return; every file of the batch shares these codes
    assert results["unit_a"][1] == [] and results["unit_b"][1] == []


# ------------------------------------------------------------------------------ where and how

spec(
    "threshold_yuan",
    _mutated(
        dict(
            project_code=None,
            total_investment=500,
            equipment_investment=100,
            annual_plan=100,
            cumulative_completed=400,
        )
    ),
    amount_unit="元",
)


def test_missing_code_threshold_is_in_wan_yuan_after_conversion(results):
    _, findings = results["threshold_yuan"]
    row_findings = [f for f in findings if f.row is not None]
    assert located(row_findings) == [("missing_code_big", ERROR, PROJECT, 5, "project_code")]
    assert "总投资500万元" in row_findings[0].message
    assert {f.rule_id for f in findings if f.row is None} == {"unit_converted"}


spec(
    "negative_in_yuan",
    _mutated(dict(total_investment=-5)),
    amount_unit="元",
)


def test_a_value_in_yuan_is_shown_as_written_and_explained_in_wan_yuan(results):
    _, findings = results["negative_in_yuan"]
    (f,) = [f for f in findings if f.rule_id == "total_not_positive"]
    assert (f.row, f.column) == (5, "总投资（元）")
    assert f.value == "-50000"  # the cell as written, not -5 nor -5e+04
    assert f.message == "“总投资（元）”应大于0，现为-5万元"


spec("alias_column", _mutated({"reform_type": "数字化改造"}), shuffle=11, headers={"reform_type": "技改类型"})


def test_finding_names_the_column_as_the_county_wrote_it(results):
    rf, (f,) = results["alias_column"]
    assert (f.row, f.field, f.column, f.value) == (5, "reform_type", "技改类型", "数字化改造")
    assert f.col_index == rf.columns["reform_type"] != 8
    assert f.message.startswith("“技改类型”“数字化改造”不在规定范围内")
    assert "智能化改造、绿色化改造、技术改造" in f.message


spec("pair_message", _mutated({"equipment_investment": "3,000"}))


def test_pair_rule_message_shows_both_cells_in_wan_yuan(results):
    _, (f,) = results["pair_message"]
    assert f.rule_id == "equipment_over_total"
    assert "3,000万元" in f.message and "2,593.4万元" in f.message and "“总投资（万元）”" in f.message


spec("note", _mutated({"cumulative_completed": 2600, "note": "追加投资已重新备案"}))


def test_warning_explained_in_note_says_so(results):
    _, (f,) = results["note"]
    assert (f.rule_id, f.severity, f.row) == ("cumulative_over_total", WARNING, 5)
    assert f.message.endswith("（已在备注中说明：追加投资已重新备案）")


for _suffix in (".xlsx", ".xls"):
    _data = rows(4)
    _data[2]["uscc"] = "9141030408TKG4YD13"
    spec(
        f"layout{_suffix}",
        _data,
        suffix=_suffix,
        numbering_row=True,
        blank_rows_after=[-1, 1],
        total_row="合计",
        total_row_at="top",
        merge_title=True,
    )


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_rows_are_excel_rows_with_titles_numbering_blanks_and_totals(results, suffix):
    rf, findings = results[f"layout{suffix}"]
    # 2 titles, header (3), numbering (4), 合计 (5), blank (6), rows 7 8, blank (9), rows 10 11
    assert rf.rows == [7, 8, 10, 11]
    assert located(findings) == [("uscc_checksum", ERROR, PROJECT, 10, "uscc")]


_several = rows(5)
_several[0]["status"] = "在建"
_several[2].update(uscc=None, total_investment="约2600")
_several[4]["ytd_completed"] = 2000
spec("several", _several)


def test_several_problems_in_several_rows(results):
    assert located(results["several"][1]) == [
        ("bad_status", ERROR, PROJECT, 4, "status"),
        ("missing_uscc", ERROR, PROJECT, 6, "uscc"),
        ("non_numeric", ERROR, PROJECT, 6, "total_investment"),
        ("ytd_over_cumulative", ERROR, PROJECT, 8, "ytd_completed"),
    ]


# ------------------------------------------------------------------------------ across periods


@pytest.fixture(scope="module")
def across_periods(tmp_path_factory, migrated_db, validator) -> dict[str, tuple]:
    """UNIT's accepted 2026Q1 and 2026Q3 returns (本年累计 300, 400, 500 and 600, 700, 800) in a
    warehouse; then files for 2026Q2 and others to compare with them."""
    import datetime as dt

    folder = tmp_path_factory.mktemp("periods")
    db = folder / "wh.sqlite"
    shutil.copyfile(migrated_db, db)
    engine = wh.connect(f"sqlite:///{db}", migrate=False)
    with Session(engine) as s:
        for period, ytd, received in (
            ("2026Q1", 300, dt.datetime(2026, 4, 3)),
            ("2026Q3", 600, dt.datetime(2026, 10, 9)),
        ):
            sub = wh.Submission(
                unit_code=UNIT,
                file_name=f"{period}.xlsx",
                inbox_path=f"inbox/{period}.xlsx",
                archive_path="a",
                sha256=period.ljust(64, "0"),
                size=1,
                received_at=received,
                period=period,
                report_period=period,
                status=wh.ACCEPTED,
            )
            for i, row in enumerate(rows(3)):
                sub.projects.append(
                    wh.Project(
                        unit_code=UNIT,
                        period=period,
                        row=i + 2,
                        uscc=row["uscc"],
                        project_name=row["project_name"],
                        project_code=row["project_code"],
                        status="续建",
                        ytd_completed=ytd + 100 * i,
                    )
                )
            s.add(sub)
        s.commit()
    decreased = rows(3, ytd_completed=500)
    decreased[1]["ytd_completed"] = 399.5  # 400 in the Q1 return in force
    files = {
        "q2": (decreased, UNIT, Period(2026, 2)),
        "q2_above_q3": (rows(3, ytd_completed=650), UNIT, Period(2026, 2)),  # Q3 has 600, 700, 800
        "other_unit": (rows(3, ytd_completed=1), OTHER_UNIT, Period(2026, 2)),
        "next_year": (rows(3, ytd_completed=1), UNIT, Period(2027, 1)),
    }
    written = {
        name: write_return(folder / f"{name}.xlsx", data, title_rows=TITLES)
        for name, (data, _, _) in files.items()
    }
    pending = validate(engine, validator, [(written[n].path, u, p) for n, (_, u, p) in files.items()])
    engine.dispose()
    return {name: (written[name], p.findings) for name, p in zip(files, pending, strict=True)}


def test_ytd_decreased(across_periods):
    _, findings = across_periods["q2"]
    assert located(findings) == [("ytd_decreased", ERROR, PROJECT, 5, "ytd_completed")]
    assert findings[0].message.startswith("“本年累计完成投资（万元）”399.5万元小于上季度已受理报表中的")


def test_a_correction_above_a_later_quarter_in_force_is_a_warning(across_periods):
    _, findings = across_periods["q2_above_q3"]
    assert located(findings) == [("ytd_above_later", WARNING, PROJECT, 4, "ytd_completed")]
    assert "650万元大于后一季度已受理报表中的600万元" in findings[0].message


def test_ytd_not_compared_with_another_unit_or_another_year(across_periods):
    assert across_periods["other_unit"][1] == []
    assert across_periods["next_year"][1] == []


def test_ytd_decreased_message_shows_the_previous_value(across_periods):
    _, (f,) = across_periods["q2"]
    assert "399.5万元小于上季度已受理报表中的400万元" in f.message


# ------------------------------------------------------------------------------ coverage


def test_every_rule_of_the_yaml_is_exercised(profile):
    exercised = {(PROJECT, r, f) for r, f, _, _ in PROJECT_CASES}
    exercised |= {(RECOGNITION, r, f) for r, f, _, _ in RECOGNITION_CASES}
    exercised |= {(PROJECT, "duplicate_code", "project_code"), (PROJECT, "ytd_decreased", "ytd_completed")}
    exercised |= {(PROJECT, "ytd_above_later", "ytd_completed")}
    exercised |= {(RECOGNITION, f"missing_{f}", f) for f in ("level", "year", "enterprise_name")}
    in_yaml = {(r.sheet, r.id, r.field) for r in load_rules(profile)}
    assert exercised == in_yaml
    severities = {(r.sheet, r.id, r.field): r.severity for r in load_rules(profile)}
    for rule_id, field, severity, _ in PROJECT_CASES:
        assert severities[(PROJECT, rule_id, field)] == severity


# ------------------------------------------------------------------------------ found by these tests, fixed

spec("bare_year_text", _mutated({"start_month": "2025"}))
spec("bare_year_number", _mutated({"start_month": 2025}))


@pytest.mark.parametrize("name", ["bare_year_text", "bare_year_number"])
def test_bare_year_is_not_a_month(results, name):
    assert located(results[name][1]) == [("bad_month", ERROR, PROJECT, 5, "start_month")]


for _field in ("level", "year", "enterprise_name"):
    _recs = [base_recognition(j) for j in range(3)]
    _recs[1][_field] = None
    spec(f"recognition_without_{_field}", recognitions=_recs)


@pytest.mark.parametrize("field", ["level", "year", "enterprise_name"])
def test_recognition_required_cells(results, field):
    findings = results[f"recognition_without_{field}"][1]
    assert [(f.rule_id, f.severity, f.sheet, f.row, f.field) for f in findings] == [
        (f"missing_{field}", ERROR, RECOGNITION, 3, field)
    ]


# ------------------------------------------------------------------------------ one source for every rule

RULES_TEXT = (Path(techreform.rules.__file__).parent / RULES_FILE).read_text(encoding="utf-8")


def _edited(*replacements: tuple[str, str]) -> str:
    text = RULES_TEXT
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


@pytest.mark.slow  # over a second: outside the inner loop
def test_a_value_list_and_a_limit_changed_in_a_copied_rules_file_change_template_checks_and_receipt(
    tmp_path, profile, empty_warehouse
):
    """One edit of the rules file reaches the template's dropdown and 填报说明, the GX result and
    the receipt together: 停建 becomes a valid 项目状态, 减少产线员工 may be at most 80%."""
    from openpyxl import load_workbook

    from techreform.rules import Validator, book
    from techreform.workbooks.receipt import RECEIPT_SHEET, write_receipt
    from techreform.workbooks.template import write_template

    copied = tmp_path / "my_rules.yaml"
    copied.write_text(
        _edited(
            (
                "project_status: [计划, 新开工, 续建, 竣工, 投产]",
                "project_status: [计划, 新开工, 续建, 停建, 竣工, 投产]",
            ),
            ("staff_reduction_pct: {min: 0, max: 100,", "staff_reduction_pct: {min: 0, max: 80,"),
        ),
        encoding="utf-8",
    )
    rules = book.read(copied)

    # the template: dropdown, range check, input message and 填报说明 follow the copied file
    wb = load_workbook(write_template(tmp_path / "t.xlsx", profile, UNIT, PERIOD, rules=rules))
    dvs = {str(dv.sqref).split(":")[0][:-1]: dv for dv in wb[PROJECT].data_validations.dataValidation}
    letters = {f.name: get_column_letter(i) for i, f in enumerate(schema.PROJECT_FIELDS, start=1)}
    assert dvs[letters["status"]].formula1 == '"计划,新开工,续建,停建,竣工,投产"'
    assert "停建" in dvs[letters["status"]].prompt
    assert (dvs[letters["staff_reduction_pct"]].formula2, dvs[letters["efficiency_gain_pct"]].formula2) == (
        "80",
        "500",
    )
    assert "0–80" in dvs[letters["staff_reduction_pct"]].prompt
    guide = {r[1]: r[2] for r in wb[schema.INSTRUCTIONS_SHEET].iter_rows(values_only=True) if r[0] == PROJECT}
    assert "计划/新开工/续建/停建/竣工/投产" in guide["项目状态"]
    assert guide["减少产线员工（%）"].endswith("0–80。")

    # the checks: the same return, by the shipped rules and by the copied ones
    cells = {"status": "停建", "staff_reduction_pct": 90}
    rf = write_return(tmp_path / f"{UNIT}_{PERIOD}_技改项目季报.xlsx", [base_row(0, **cells), base_row(1)])
    shipped = validate(empty_warehouse, Validator(profile), [(rf.path, UNIT, PERIOD)])[0].findings
    assert sorted(f.rule_id for f in shipped) == ["bad_status"]
    [finding] = validate(
        empty_warehouse, Validator(profile, rules.rules(profile)), [(rf.path, UNIT, PERIOD)]
    )[0].findings
    assert (finding.rule_id, finding.field) == ("pct_out_of_range", "staff_reduction_pct")
    assert finding.message == "“减少产线员工（%）”应在0到80之间（单位%），现为90"
    # load_rules reads a rules file's text the same way
    limits = {(r.id, r.field): r.kwargs for r in load_rules(profile, copied.read_text(encoding="utf-8"))}
    assert limits[("pct_out_of_range", "staff_reduction_pct")]["max_value"] == 80

    # the receipt tells the county the copied file's limit
    receipt = write_receipt(
        tmp_path / "receipt.xlsx",
        unit_code=UNIT,
        unit_name="瀍河回族区",
        file_name=rf.path.name,
        period=str(PERIOD),
        status="rejected",
        received_at=dt.datetime(2026, 4, 3, 9, 0),
        deadline=dt.date(2026, 4, 9),
        summary="报表被退回",
        findings=[finding],
        source=rf.path,
    )
    texts = [
        str(v) for row in load_workbook(receipt)[RECEIPT_SHEET].iter_rows(values_only=True) for v in row if v
    ]
    assert "“减少产线员工（%）”应在0到80之间（单位%），现为90" in texts
    assert "百分比超出范围" in texts


def test_every_value_list_and_limit_is_written_once():
    """No enumeration or range is spelled out in the row rules: they name the field's definition."""
    data = yaml.safe_load(RULES_TEXT)
    for section in ("project", "recognition"):
        for spec in data[section]:
            kwargs = spec["kwargs"]
            if "value_set" in kwargs:
                assert kwargs["value_set"] == "{values}", spec["id"]
            for key in ("min_value", "max_value"):
                if key in kwargs and not spec["expectation"].startswith("expect_column_pair"):
                    assert isinstance(kwargs[key], str) and kwargs[key].startswith("{"), spec["id"]
    lists = [tuple(v) for v in data["value_lists"].values()]
    assert len(lists) == len(set(lists))


@pytest.mark.parametrize(
    "replacements, where, what",
    [
        (
            (
                (
                    "    field: industry_code\n    severity: error",
                    "    field: industry_code\n    severity: fatal",
                ),
            ),
            "project[7].severity",
            "应为以下之一",
        ),
        (
            (
                (
                    "    field: enterprise_name\n    severity: error",
                    "    field: enterprise_name\n    severty: error",
                ),
            ),
            "project[1].severty",
            "未知的配置项",
        ),
        (
            (("    above_scale: {values: yes_no,", "    above_scale: {values: yes_or_no,"),),
            "fields.project.above_scale.values",
            "未定义的取值列表“yes_or_no”",
        ),
        (
            (
                (
                    "    efficiency_gain_pct: {min: 0, max: 500,",
                    "    efficiency_gain_pct: {min: 600, max: 500,",
                ),
            ),
            "fields.project.efficiency_gain_pct",
            "不能大于",
        ),
        (
            (("    title: 文件类型不对\n", "    title: 文件类型不对\n    messages: {a: b}\n"),),
            "file_rules.file_type",
            "应写 message 或 messages",
        ),
        ((("value_lists:", "value_list:"),), "value_list", "未知的配置项"),
        ((("应填{choices}", "应填{choises}"),), "].message", "未知的占位符 {choises}"),
        (
            (("guide: 必填，大于{min}，单位万元。", "guide: 必填，大于{minimum}，单位万元。"),),
            "fields.project.total_investment.guide",
            "未知的占位符 {minimum}",
        ),
    ],
)
def test_a_broken_rules_file_is_reported_with_its_place(replacements, where, what):
    from techreform.rules import RulesError, book

    with pytest.raises(RulesError) as e:
        book.parse(_edited(*replacements), "my_rules.yaml")
    text = str(e.value)
    assert "审核规则文件 my_rules.yaml 有误" in text and where in text and what in text


# ------------------------------------------------------------------------------ rules about a whole file

_PACKAGE = Path(techreform.__file__).parent


def _file_rule_calls() -> dict[str, set[str | None]]:
    """rule id -> cases of every file_finding(...) call in the package (read from the source)."""
    calls: dict[str, set[str | None]] = {}
    for path in _PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "file_finding":
                rule_id, *case = node.args
                assert isinstance(rule_id, ast.Constant), ast.unparse(node)
                # a case may be chosen by a condition: every literal it can be
                cases = {c.value for arg in case for c in ast.walk(arg) if isinstance(c, ast.Constant)}
                calls.setdefault(rule_id.value, set()).update(cases or {None})
    return calls


def test_every_file_rule_the_code_raises_is_defined_with_its_cases():
    from techreform.rules import default_book

    calls = _file_rule_calls()
    assert {"unknown_unit", "wrong_unit", "late_submission", "project_vanished", "no_rows"} <= set(calls)
    defined = default_book().model.file_rules
    assert set(calls) == set(defined)
    for rule_id, cases in calls.items():
        spec = defined[rule_id]
        assert cases == (set(spec.messages) if spec.messages else {None}), rule_id


def test_file_rule_messages_fill_placeholders_and_titles_come_from_the_yaml():
    from techreform.rules import default_book, file_finding, rule_title

    f = file_finding("period_conflict", name_period="2026年第一季度", meta_period="2026年第二季度")
    assert (f.rule_id, f.severity, f.row) == ("period_conflict", ERROR, None)
    assert f.message.startswith("文件名写的是2026年第一季度，模板信息却是2026年第二季度：")
    late = file_finding(
        "late_submission", "rejected", received="2026-04-20", deadline="2026-04-09", working_days=5
    )
    assert late.severity == WARNING and "按时报送率以首次受理的报表为准" in late.message
    where = {"sheet": PROJECT, "row": 7}
    assert file_finding("row_ignored", where=where, row=7).row == 7
    with pytest.raises(KeyError):
        file_finding("unknown_unit")  # a placeholder the code forgot to fill
    for rule_id, spec in default_book().model.file_rules.items():
        assert rule_title(rule_id) == spec.title
    assert rule_title("missing_status") == "必填项未填写" and rule_title("no_such_rule") == "no_such_rule"


def test_a_copied_rules_file_changes_a_file_rule_message():
    from techreform.rules import book

    rules = book.parse(_edited(("“{unit_code}”不是本市的填报单位", "“{unit_code}”不在本市名单中")), "x.yaml")
    assert rules.file_finding("unknown_unit", unit_code="999999").message.startswith(
        "文件夹“999999”不在本市名单中"
    )
