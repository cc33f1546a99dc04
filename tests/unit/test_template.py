"""The blank county return (techreform.workbooks.template): layout, validations, metadata, readability."""

from __future__ import annotations

import dataclasses

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from python_calamine import CalamineWorkbook

from techreform.reference import profiles, schema
from techreform.reference.periods import Period, period_from_name
from techreform.rules import default_book
from techreform.workbooks.template import DATA_ROWS, LISTS_SHEET, template_file_name, write_template
from tests.support.libreoffice import to_pdf

PERIOD = Period(2026, 3)
UNIT = "410302"  # 老城区
FIRST, LAST = 4, 3 + DATA_ROWS  # data rows of 项目表


@pytest.fixture(scope="module")
def profile():
    return profiles.load("luoyang-2021")


@pytest.fixture(scope="module")
def path(tmp_path_factory, profile):
    return write_template(tmp_path_factory.mktemp("tpl") / "return.xlsx", profile, UNIT, PERIOD)


@pytest.fixture(scope="module")
def wb(path):
    return openpyxl.load_workbook(path)


def _validations(ws) -> dict[str, list]:
    """Column letter -> data validations whose ranges touch that column."""
    out: dict[str, list] = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            for col in range(rng.min_col, rng.max_col + 1):
                out.setdefault(get_column_letter(col), []).append((dv, rng))
    return out


def _column(fields, name: str) -> str:
    return get_column_letter([f.name for f in fields].index(name) + 1)


def _inline(values) -> str:
    return '"' + ",".join(values) + '"'


def test_file_name_carries_unit_and_period():
    name = template_file_name("410302", PERIOD)
    assert name == "410302_2026Q3_技改项目季报.xlsx"
    assert period_from_name(name) == PERIOD


@pytest.mark.slow
def test_directory_target_uses_standard_file_name(tmp_path, profile):
    written = write_template(tmp_path, profile, UNIT, PERIOD)
    assert written == tmp_path / "410302_2026Q3_技改项目季报.xlsx"
    assert written.is_file()


def test_unknown_unit_is_refused(tmp_path, profile):
    with pytest.raises(ValueError, match="999999"):
        write_template(tmp_path / "x.xlsx", profile, "999999", PERIOD)


def test_sheet_order_and_hidden_meta(wb):
    assert wb.sheetnames == [
        schema.PROJECT_SHEET,
        schema.RECOGNITION_SHEET,
        schema.INSTRUCTIONS_SHEET,
        schema.METADATA_SHEET,
    ]
    assert wb.sheetnames[:3] == ["项目表", "认定表", "填报说明"]
    for name in wb.sheetnames[:3]:
        assert wb[name].sheet_state == "visible"
    assert wb[schema.METADATA_SHEET].sheet_state == "hidden"
    assert wb.active.title == schema.PROJECT_SHEET


def test_meta_is_two_columns_of_plain_strings(wb):
    ws = wb[schema.METADATA_SHEET]
    assert ws.max_column == 2
    rows = [tuple(r) for r in ws.iter_rows(values_only=True)]
    assert rows == [
        ("key", "value"),
        ("template_version", schema.TEMPLATE_VERSION),
        ("profile", "luoyang-2021"),
        ("unit_code", "410302"),
        ("unit_name", "老城区"),
        ("period", "2026Q3"),
    ]
    assert all(isinstance(v, str) for row in rows for v in row)


def test_project_sheet_title_header_and_layout(wb):
    ws = wb[schema.PROJECT_SHEET]
    assert ws["A1"].value == "2026年第三季度老城区工业企业技术改造项目统计表"
    assert ws["A2"].value == "填报单位：老城区工业和信息化主管部门    报告期：2026年第三季度    单位：万元"
    last_col = get_column_letter(len(schema.PROJECT_FIELDS))
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {f"A1:{last_col}1", f"A2:{last_col}2"} <= merged
    headers = [c.value for c in ws[3]]
    assert headers == [f.header for f in schema.PROJECT_FIELDS]
    assert ws.freeze_panes == "A4"
    for col, f in enumerate(schema.PROJECT_FIELDS, start=1):
        cell = ws.cell(row=3, column=col)
        assert cell.font.b and cell.alignment.wrap_text and cell.border.bottom.style == "thin"
        assert cell.fill.fgColor.rgb not in (None, "00000000")
        assert ws.column_dimensions[get_column_letter(col)].width == f.width


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("total_investment", "#,##0.0"),
        ("ytd_completed", "#,##0.0"),
        ("staff_reduction_pct", "0.0"),
        ("smart_equipment_units", "0"),
        ("start_month", "@"),
        ("planned_completion", "@"),
        ("uscc", "@"),
        ("project_code", "@"),
        ("industry_code", "@"),
        ("phone", "@"),
    ],
)
def test_data_rows_number_formats(wb, name, fmt):
    ws = wb[schema.PROJECT_SHEET]
    col = _column(schema.PROJECT_FIELDS, name)
    for row in (FIRST, 500, LAST):
        assert ws[f"{col}{row}"].number_format == fmt


def test_enum_columns_have_dropdowns(wb):
    ws = wb[schema.PROJECT_SHEET]
    dvs = _validations(ws)
    expected = {
        "above_scale": ("是", "否"),
        "in_statistics": ("是", "否"),
        "construction_nature": ("新建", "扩建", "改建和技术改造"),
        "status": ("计划", "新开工", "续建", "竣工", "投产"),
        "reform_type": ("智能化改造", "绿色化改造", "技术改造"),
    }
    for name, values in expected.items():
        col = _column(schema.PROJECT_FIELDS, name)
        [(dv, rng)] = dvs[col]
        assert dv.type == "list"
        assert dv.formula1 == _inline(values)
        assert (rng.min_row, rng.max_row) == (FIRST, LAST)
        assert dv.showErrorMessage and dv.error and dv.prompt


def test_numeric_columns_have_range_checks(wb):
    ws = wb[schema.PROJECT_SHEET]
    dvs = _validations(ws)
    for f in schema.PROJECT_FIELDS:
        col = _column(schema.PROJECT_FIELDS, f.name)
        if f.kind == "amount":
            [(dv, rng)] = dvs[col]
            assert dv.type == "decimal" and dv.formula1 == "0"
            assert dv.operator == ("greaterThan" if f.name == "total_investment" else "greaterThanOrEqual")
        elif f.kind == "pct":
            [(dv, rng)] = dvs[col]
            assert (dv.type, dv.operator, dv.formula1) == ("decimal", "between", "0")
            assert dv.formula2 == f"{default_book().field_spec(f.sheet, f.name).max:g}"
        elif f.kind == "int" and f.name != "seq":
            [(dv, rng)] = dvs[col]
            assert (dv.type, dv.operator, dv.formula1) == ("whole", "greaterThanOrEqual", "0")
        else:
            continue
        assert (rng.min_row, rng.max_row) == (FIRST, LAST)
        assert dv.showErrorMessage and dv.error and dv.errorTitle


def test_month_columns_prompt_accepted_forms(wb):
    ws = wb[schema.PROJECT_SHEET]
    dvs = _validations(ws)
    for name in ("start_month", "planned_completion"):
        [(dv, _)] = dvs[_column(schema.PROJECT_FIELDS, name)]
        assert dv.type is None  # any text: the parser reads many month forms
        assert dv.showInputMessage
        assert "2025-03" in dv.prompt and "2025年3月" in dv.prompt


def test_validation_messages_fit_excel_limits(wb):
    for name in (schema.PROJECT_SHEET, schema.RECOGNITION_SHEET):
        for dv in wb[name].data_validations.dataValidation:
            assert len(dv.promptTitle or "") <= 32 and len(dv.errorTitle or "") <= 32
            assert len(dv.prompt or "") <= 255 and len(dv.error or "") <= 255
            if dv.type == "list" and dv.formula1.startswith('"'):
                assert len(dv.formula1) <= 255


def test_recognition_sheet(wb):
    ws = wb[schema.RECOGNITION_SHEET]
    assert [c.value for c in ws[1]] == [f.header for f in schema.RECOGNITION_FIELDS]
    assert ws.freeze_panes == "A2"
    dvs = _validations(ws)
    fields = schema.RECOGNITION_FIELDS
    [(cat, rng)] = dvs[_column(fields, "category")]
    assert cat.type == "list" and cat.formula1 == _inline(schema.RECOGNITION_FIELD["category"].enum)
    assert (rng.min_row, rng.max_row) == (2, 1 + DATA_ROWS)
    [(level, _)] = dvs[_column(fields, "level")]
    assert level.formula1 == _inline(schema.RECOGNITION_FIELD["level"].enum)
    [(year, _)] = dvs[_column(fields, "year")]
    assert year.type == "whole" and year.operator == "between"
    assert ws[f"{_column(fields, 'uscc')}2"].number_format == "@"


@pytest.mark.slow
def test_long_lists_move_to_hidden_lists_sheet(tmp_path, profile):
    many = tuple(f"第{i}类很长很长的改造类型名称" for i in range(1, 31))
    wide = dataclasses.replace(profile, reform_types=many)
    wb = openpyxl.load_workbook(write_template(tmp_path / "wide.xlsx", wide, UNIT, PERIOD))
    assert wb.sheetnames[:4] == ["项目表", "认定表", "填报说明", "_meta"]
    assert wb.sheetnames[4] == LISTS_SHEET and wb[LISTS_SHEET].sheet_state == "hidden"
    [(dv, _)] = _validations(wb[schema.PROJECT_SHEET])[_column(schema.PROJECT_FIELDS, "reform_type")]
    assert dv.formula1 == f"'{LISTS_SHEET}'!$A$1:$A${len(many)}"
    assert tuple(r[0] for r in wb[LISTS_SHEET].iter_rows(values_only=True)) == many


def test_instructions_sheet(wb, profile):
    ws = wb[schema.INSTRUCTIONS_SHEET]
    text = "\n".join(str(v) for row in ws.iter_rows(values_only=True) for v in row if v is not None)
    deadline = PERIOD.deadline(profile.deadline_working_days)
    assert f"{deadline.year}年{deadline.month}月{deadline.day}日" in text
    assert "410302_2026Q3_技改项目季报.xlsx" in text
    assert "万元" in text and "合计" in text and "个人信息" in text
    assert "错误（退回）" in text and "提示（需在备注中说明）" in text
    assert f"本表是{profile.name}（" in text and "洛阳市洛阳市" not in text
    # one row per field: (表, 栏目, 填写要求, 违反时的处理)
    rows = {(r[0], r[1]): r for r in ws.iter_rows(values_only=True) if r[0] in schema.FIELDS_BY_SHEET}
    for sheet, fields in schema.FIELDS_BY_SHEET.items():
        for f in fields:
            _, _, rule, severity = rows[(sheet, f.header)]
            assert rule and severity
    uscc_rule = rows[(schema.PROJECT_SHEET, "统一社会信用代码")][2]
    assert "18位" in uscc_rule and "校验位" in uscc_rule
    code_rule = rows[(schema.PROJECT_SHEET, "项目代码")][2]
    assert "500万元" in code_rule and "2025-410304-34-03-107856" in code_rule
    assert "提示" in rows[(schema.PROJECT_SHEET, "自开工累计完成投资（万元）")][3]
    assert "2026-09" in rows[(schema.PROJECT_SHEET, "开工年月")][2]
    assert "智能化改造" in rows[(schema.PROJECT_SHEET, "改造类型")][2]


def test_calamine_reads_it(path):
    wb = CalamineWorkbook.from_path(str(path))
    assert wb.sheet_names == ["项目表", "认定表", "填报说明", "_meta"]
    meta = dict(wb.get_sheet_by_name("_meta").to_python())
    assert meta == {
        "key": "value",
        "template_version": schema.TEMPLATE_VERSION,
        "profile": "luoyang-2021",
        "unit_code": "410302",
        "unit_name": "老城区",
        "period": "2026Q3",
    }
    rows = wb.get_sheet_by_name("项目表").to_python()
    assert rows[2] == [f.header for f in schema.PROJECT_FIELDS]
    # formatted but empty data rows are not reported as data
    assert len(rows) == 3


@pytest.mark.slow
@pytest.mark.parametrize("profile_id", profiles.available())
def test_every_shipped_profile(tmp_path, profile_id):
    prof = profiles.load(profile_id)
    unit = prof.units[0]
    wb = openpyxl.load_workbook(write_template(tmp_path, prof, unit.code, PERIOD))
    assert unit.name in wb[schema.PROJECT_SHEET]["A1"].value
    [(dv, _)] = _validations(wb[schema.PROJECT_SHEET])[_column(schema.PROJECT_FIELDS, "reform_type")]
    assert dv.formula1 == _inline(prof.reform_types)


@pytest.mark.slow
def test_libreoffice_converts_to_pdf(tmp_path, path):
    to_pdf(path, tmp_path)
