"""Reading county returns as they really arrive (DESIGN.md §3.1): every accepted form-filling habit.

Each test writes a real workbook (openpyxl for .xlsx, xlwt for .xls) and reads it with
``techreform.returns.read_return``; the combined test also sends it through intake.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from techreform.reference import schema
from techreform.reference.periods import month_index
from techreform.returns import match_header, parse_month, read_return
from techreform.rules.findings import ERROR, WARNING
from tests.conftest import (
    AMOUNT_FIELDS,
    PERIOD,
    PROJECT_HEADERS,
    UNIT,
    USCCS,
    base_row,
    make_uscc,
    meta_for,
    project_code,
    rows,
    validate,
    write_return,
)

MARCH_2025 = month_index(2025, 3)
DEC_2026 = month_index(2026, 12)


def expected(row: dict) -> dict:
    """A base row as the parser should type it: amounts and percentages float, months as indices."""
    out = {}
    for f in schema.PROJECT_FIELDS:
        v = row.get(f.name)
        if v is None:
            out[f.name] = None
        elif f.kind in ("amount", "pct"):
            out[f.name] = float(v)
        elif f.kind == "int":
            out[f.name] = int(v)
        elif f.kind == "month":
            y, m = (int(x) for x in v.split("-"))
            out[f.name] = month_index(y, m)
        else:
            out[f.name] = v
    return out


def values(parsed_row: dict) -> dict:
    return {f.name: parsed_row.get(f.name) for f in schema.PROJECT_FIELDS}


def parse(tmp_path, project_rows=None, name: str = "410304_2026Q1.xlsx", **kw):
    rf = write_return(tmp_path / name, project_rows, **kw)
    return rf, read_return(rf.path)


# ------------------------------------------------------------------------------ file formats


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_clean_return_reads_every_field(tmp_path, suffix):
    rf, parsed = parse(tmp_path, name=f"410304_2026Q1{suffix}", meta=meta_for())
    assert parsed.findings == []
    assert parsed.projects is not None and parsed.projects.name == schema.PROJECT_SHEET
    assert parsed.projects.header_row == rf.header_row == 1
    assert set(parsed.projects.columns) == {f.name for f in schema.PROJECT_FIELDS}
    assert [r["_row"] for r in parsed.projects.rows] == rf.rows == [2, 3, 4]
    for i, row in enumerate(parsed.projects.rows):
        assert values(row) == expected(base_row(i))
    assert parsed.metadata == meta_for()
    assert parsed.recognitions is None


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_recognition_sheet_is_read(tmp_path, suffix):
    from tests.conftest import base_recognition

    rf, parsed = parse(tmp_path, name=f"r{suffix}", recognitions=[base_recognition(0), base_recognition(1)])
    assert parsed.findings == []
    assert parsed.recognitions is not None
    assert [r["_row"] for r in parsed.recognitions.rows] == rf.rec_rows == [2, 3]
    first = parsed.recognitions.rows[0]
    assert (first["uscc"], first["category"], first["level"], first["year"]) == (
        USCCS[0],
        "智能车间",
        "省级",
        2026,
    )


def test_hidden_metadata_sheet_is_read_but_never_taken_for_data(tmp_path):
    _, parsed = parse(tmp_path, meta=meta_for(period="2026Q1"), sheet_name="Sheet1")
    assert parsed.metadata["unit_code"] == UNIT and parsed.metadata["period"] == str(PERIOD)
    assert parsed.projects.name == "Sheet1"  # a renamed project sheet is still found by its header
    assert len(parsed.projects.rows) == 3


# ------------------------------------------------------------------------------ headers


@pytest.mark.parametrize(
    ("field", "header"),
    [
        ("uscc", "信用代码"),
        ("uscc", "统一社会信用代码（18位）"),
        ("enterprise_name", "单位名称"),
        ("enterprise_name", "企业（单位）名称"),
        ("above_scale", "是否规模以上企业"),
        ("industry_code", "国民经济行业代码"),
        ("project_name", "技改项目名称"),
        ("project_code", "投资项目统一代码"),
        ("project_code", "项目代码（备案/核准）"),
        ("reform_type", "技改类型"),
        ("construction_nature", "建设类型"),
        ("status", "建设状态"),
        ("start_month", "开工时间"),
        ("planned_completion", "计划竣工时间"),
        ("total_investment", "总投资(万元)"),  # half-width brackets
        ("total_investment", "计划总投资（万元）"),
        ("total_investment", "总投资额"),
        ("equipment_investment", "其中:设备投资(万元)"),
        ("equipment_investment", "设备购置投资"),
        ("annual_plan", "年度计划投资(万元)"),
        ("ytd_completed", "本年完成投资"),
        ("ytd_completed", "本年累计完成投资额（万元）"),
        ("cumulative_completed", "累计完成投资（万元）"),
        ("in_statistics", "是否纳统"),
        ("smart_equipment_units", "新增智能装备（台/套）"),
        ("staff_reduction_pct", "减员比例"),
        ("energy_reduction_pct", "综合能耗降低(%)"),
        ("efficiency_gain_pct", "效率提升（％）"),  # full-width percent sign
        ("phone", "手机号码"),
        ("note", "核实说明"),
        ("enterprise_name", " 企 业 名 称 "),  # spaces around and inside the header
    ],
)
def test_header_alias(tmp_path, field, header):
    _, parsed = parse(tmp_path, headers={field: header})
    cols = parsed.projects.columns
    assert set(cols) == {f.name for f in schema.PROJECT_FIELDS}
    assert cols[field].header == header.strip()
    assert cols[field].factor == 1.0
    assert [f.rule_id for f in parsed.findings] == []
    for i, row in enumerate(parsed.projects.rows):
        assert values(row) == expected(base_row(i))


def test_every_schema_alias_names_its_own_field():
    for sheet, fields in schema.FIELDS_BY_SHEET.items():
        for f in fields:
            for text in (f.header, *f.aliases):
                assert match_header(text, sheet) == f.name, (sheet, text)


def test_header_ben_nian_du_is_year_to_date(tmp_path):
    _, parsed = parse(tmp_path, headers={"ytd_completed": "本年度累计完成投资（万元）"})
    assert parsed.projects.columns["ytd_completed"].header == "本年度累计完成投资（万元）"
    assert parsed.projects.columns["cumulative_completed"].header == PROJECT_HEADERS["cumulative_completed"]
    assert parsed.findings == []


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_columns_in_any_order(tmp_path, seed):
    rf, parsed = parse(tmp_path, shuffle=seed)
    assert list(rf.columns) != [f.name for f in schema.PROJECT_FIELDS]
    assert parsed.findings == []
    assert {n: c.index for n, c in parsed.projects.columns.items()} == rf.columns
    for i, row in enumerate(parsed.projects.rows):
        assert values(row) == expected(base_row(i))


def test_table_not_starting_at_a1(tmp_path):
    rf, parsed = parse(tmp_path, start_col=3, title_rows=["标题"])
    assert parsed.projects.columns["seq"].index == 3
    assert [r["_row"] for r in parsed.projects.rows] == rf.rows == [3, 4, 5]
    assert values(parsed.projects.rows[0]) == expected(base_row(0))


# ------------------------------------------------------------------------------ layout


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_title_rows_and_merged_title(tmp_path, suffix):
    titles = [
        "2026年第一季度瀍河回族区工业企业技术改造项目统计表",
        "填报单位：瀍河回族区工信局    单位：万元",
        "",
    ]
    rf, parsed = parse(tmp_path, name=f"t{suffix}", title_rows=titles, merge_title=True)
    assert parsed.findings == []
    assert parsed.projects.header_row == rf.header_row == 4
    assert [r["_row"] for r in parsed.projects.rows] == rf.rows == [5, 6, 7]
    assert values(parsed.projects.rows[2]) == expected(base_row(2))


def test_header_found_within_the_first_ten_rows_only(tmp_path):
    rf, parsed = parse(tmp_path, name="nine.xlsx", title_rows=[f"说明{i}" for i in range(9)])
    assert parsed.projects.header_row == rf.header_row == 10
    assert [r["_row"] for r in parsed.projects.rows] == rf.rows

    _, parsed = parse(tmp_path, name="ten.xlsx", title_rows=[f"说明{i}" for i in range(10)])
    assert parsed.projects is None
    assert [(f.rule_id, f.severity) for f in parsed.findings] == [("no_project_sheet", ERROR)]


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_blank_rows_are_skipped_and_rows_keep_their_excel_numbers(tmp_path, suffix):
    rf, parsed = parse(tmp_path, rows(4), name=f"b{suffix}", title_rows=["标题"], blank_rows_after=[-1, 0, 2])
    assert rf.rows == [4, 6, 7, 9]
    assert parsed.findings == []
    assert [r["_row"] for r in parsed.projects.rows] == rf.rows
    assert [r["project_code"] for r in parsed.projects.rows] == [project_code(i) for i in range(4)]


def test_row_with_only_a_sequence_number_is_skipped(tmp_path):
    data = [*rows(2), {"seq": 3}, {"seq": 4, "contact": "张三"}]
    _, parsed = parse(tmp_path, data)
    assert len(parsed.projects.rows) == 2


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
@pytest.mark.parametrize("label", ["合计", "小计", "总计", "合  计", "合计："])
@pytest.mark.parametrize("where", ["end", "top"])
def test_totals_row_is_skipped(tmp_path, suffix, label, where):
    rf, parsed = parse(tmp_path, name=f"s{suffix}", title_rows=["标题"], total_row=label, total_row_at=where)
    assert rf.total_row == (6 if where == "end" else 3)
    assert parsed.findings == []
    assert [r["_row"] for r in parsed.projects.rows] == rf.rows
    assert rf.total_row not in rf.rows
    assert [r["seq"] for r in parsed.projects.rows] == [1, 2, 3]


def test_totals_label_in_another_column_is_skipped(tmp_path):
    fields = [f.name for f in schema.PROJECT_FIELDS if f.name != "seq"]
    rf, parsed = parse(tmp_path, fields=fields, total_row="合计")  # label lands in the credit-code column
    assert len(parsed.projects.rows) == 3
    assert parsed.findings == []


def test_project_whose_note_starts_with_heji_is_kept(tmp_path):
    data = rows(3)
    data[1]["note"] = "合计分两期建设，本期为一期"
    _, parsed = parse(tmp_path, data)
    assert [r["_row"] for r in parsed.projects.rows] == [2, 3, 4]


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_numbering_row_under_the_header_is_skipped(tmp_path, suffix):
    rf, parsed = parse(tmp_path, name=f"n{suffix}", title_rows=["标题"], numbering_row=True, shuffle=5)
    assert rf.rows == [4, 5, 6]
    assert parsed.findings == []
    assert [r["_row"] for r in parsed.projects.rows] == rf.rows
    for i, row in enumerate(parsed.projects.rows):
        assert values(row) == expected(base_row(i))


# ------------------------------------------------------------------------------ cell values


def test_surrounding_spaces(tmp_path):
    row = base_row(
        0,
        uscc=f"  {USCCS[0]} ",
        enterprise_name="  洛阳测试机械有限公司0\u3000",
        project_name=" 智能化生产线改造项目0 ",
        project_code=f" {project_code(0)} ",
        reform_type=" 智能化改造 ",
        construction_nature=" 改建和技术改造",
        status="续 建",  # a space typed inside an enumeration
        above_scale=" 是 ",
        start_month=" 2025-03 ",
        total_investment=" 2593.4 ",
        smart_equipment_units=" 12 ",
        staff_reduction_pct=" 10 ",
        industry_code=" 34 ",
    )
    _, parsed = parse(tmp_path, [row])
    assert parsed.findings == []
    assert values(parsed.projects.rows[0]) == expected(base_row(0))


def test_full_width_digits_letters_and_brackets(tmp_path):
    row = base_row(
        0,
        uscc="９１４１０３０４２４ＢＵ４ＪＲ９６Ｆ",
        project_code="２０２５－４１０３０４－３４－０３－１０７８５６",
        total_investment="２５９３．４",
        equipment_investment="１２００",
        start_month="２０２５－０３",
        planned_completion="２０２６年１２月",
        smart_equipment_units="１２",
        staff_reduction_pct="１０",
        industry_code="３４",
    )
    other = base_row(1, project_code="2025—410304—34—03—107857")  # em dashes typed by an input method
    headers = {"total_investment": "总投资（万元）", "annual_plan": "本年计划投资(万元)"}
    _, parsed = parse(tmp_path, [row, other], headers=headers)
    assert parsed.findings == []
    assert values(parsed.projects.rows[0]) == expected(base_row(0))
    assert values(parsed.projects.rows[1]) == expected(base_row(1))


def test_thousands_separators_and_numbers_stored_as_text(tmp_path):
    row = base_row(
        0,
        total_investment="2,593.4",
        equipment_investment="1,200",
        annual_plan="１，０００",  # full-width comma
        ytd_completed="300",
        cumulative_completed="1 500",
        smart_equipment_units="12",
        staff_reduction_pct="10%",
        energy_reduction_pct="5",
        efficiency_gain_pct="20.0",
        seq="1",
    )
    _, parsed = parse(tmp_path, [row])
    assert parsed.findings == []
    got = parsed.projects.rows[0]
    assert values(got) == expected(base_row(0))
    assert got["total_investment__raw"] == "2,593.4"  # what the county wrote is kept for messages


@pytest.mark.parametrize("code", [USCCS[0].lower(), "9141030424bu4jr96f", "9141030424Bu4jR96f"])
def test_lower_case_credit_code(tmp_path, code):
    _, parsed = parse(tmp_path, [base_row(0, uscc=code)])
    assert parsed.projects.rows[0]["uscc"] == USCCS[0]


@pytest.mark.parametrize(
    ("raw", "industry"),
    [
        ("34", "34"),
        (34, "34"),
        ("C34", "34"),
        ("c 34", "34"),
        ("3411", "34"),
        ("341", "34"),
        (6, "06"),
        ("06", "06"),
    ],
)
def test_industry_code_forms(tmp_path, raw, industry):
    _, parsed = parse(tmp_path, [base_row(0, industry_code=raw)])
    assert parsed.projects.rows[0]["industry_code"] == industry


@pytest.mark.parametrize("marker", ["-", "/", "—", "--"])
def test_dash_in_an_amount_cell_means_blank(tmp_path, marker):
    _, parsed = parse(tmp_path, [base_row(0, equipment_investment=marker)])
    row = parsed.projects.rows[0]
    assert row["equipment_investment"] is None
    assert "equipment_investment__invalid" not in row


def test_text_in_a_number_cell_is_kept_as_invalid(tmp_path):
    _, parsed = parse(tmp_path, [base_row(0, total_investment="约2000万")])
    row = parsed.projects.rows[0]
    assert row["total_investment"] is None
    assert row["total_investment__invalid"] == "约2000万"


# ------------------------------------------------------------------------------ months

MONTH_FORMS = [
    pytest.param(dt.datetime(2025, 3, 1), "yyyy-mm", id="excel-date"),
    pytest.param(dt.datetime(2025, 3, 18), 'yyyy"年"m"月"', id="excel-date-chinese-format"),
    pytest.param(dt.date(2025, 3, 1), "yyyy/m/d", id="excel-date-ymd"),
    pytest.param(45717, "General", id="serial-shown-as-number"),
    pytest.param("2025-03", None, id="2025-03"),
    pytest.param("2025-3", None, id="2025-3"),
    pytest.param("2025.3", None, id="2025.3-text"),
    pytest.param(2025.3, None, id="2025.3-number"),
    pytest.param("2025年3月", None, id="2025年3月"),
    pytest.param("2025年03月15日", None, id="2025年03月15日"),
    pytest.param("202503", None, id="202503-text"),
    pytest.param(202503, None, id="202503-number"),
    pytest.param("2025/03", None, id="2025/03"),
    pytest.param("２０２５年３月", None, id="full-width"),
]


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
@pytest.mark.parametrize(("raw", "fmt"), MONTH_FORMS)
def test_month_forms(tmp_path, suffix, raw, fmt):
    _, parsed = parse(
        tmp_path, [base_row(0, start_month=raw)], name=f"m{suffix}", date_format=fmt or "yyyy-mm"
    )
    row = parsed.projects.rows[0]
    assert row["start_month"] == MARCH_2025
    assert "start_month__invalid" not in row


@pytest.mark.parametrize(
    ("raw", "month"), [("2025.10", (2025, 10)), (2025.12, (2025, 12)), ("2025.1", (2025, 1))]
)
def test_dotted_months(raw, month):
    assert parse_month(raw) == (month_index(*month), True)


@pytest.mark.parametrize("raw", ["2025-13", "明年", "2025年底", "2025-00"])
def test_not_a_month(tmp_path, raw):
    _, parsed = parse(tmp_path, [base_row(0, planned_completion=raw)])
    row = parsed.projects.rows[0]
    assert row["planned_completion"] is None
    assert row["planned_completion__invalid"] == raw


# ------------------------------------------------------------------------------ units


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
@pytest.mark.parametrize("unit", ["元", "亿元"])
def test_amounts_in_yuan_or_yi_yuan_are_converted_to_wan_yuan(tmp_path, suffix, unit):
    rf, parsed = parse(tmp_path, name=f"u{suffix}", amount_unit=unit)
    for i, row in enumerate(parsed.projects.rows):
        want = expected(base_row(i))
        for name in AMOUNT_FIELDS:
            assert row[name] == pytest.approx(want[name], rel=1e-9), name
        assert row["smart_equipment_units"] == 12  # not an amount: never scaled
        assert row["staff_reduction_pct"] == 10.0
    warnings = sorted(parsed.findings, key=lambda f: f.col_index)
    assert [(f.rule_id, f.severity, f.row, f.field) for f in warnings] == [
        ("unit_converted", WARNING, None, name) for name in AMOUNT_FIELDS
    ]
    for f in warnings:
        assert f.column == PROJECT_HEADERS[f.field].replace("（万元）", f"（{unit}）")
        assert f.col_index == rf.columns[f.field]
        assert f"以{unit}填报" in f.message and "万元" in f.message


def test_one_column_in_yi_yuan_only_that_column_is_converted(tmp_path):
    data = rows(2, total_investment=0.25934)
    _, parsed = parse(tmp_path, data, headers={"total_investment": "计划总投资(亿元)"})
    assert [r["total_investment"] for r in parsed.projects.rows] == pytest.approx([2593.4, 2593.4])
    assert [r["equipment_investment"] for r in parsed.projects.rows] == [1200.0, 1200.0]
    assert [(f.rule_id, f.field, f.column) for f in parsed.findings] == [
        ("unit_converted", "total_investment", "计划总投资(亿元)")
    ]


def test_wan_yuan_header_gives_no_warning(tmp_path):
    _, parsed = parse(
        tmp_path, headers={"total_investment": "总投资（万元）", "annual_plan": "本年计划投资(万元)"}
    )
    assert parsed.findings == []


# ------------------------------------------------------------------------------ all at once


def _all_habits_file(path):
    """One return with every habit of §3.1 at once; amounts in 元 (numbers are scaled, text is as typed)."""
    data = [
        base_row(
            0,
            uscc=" 9141030424bu4jr96f ",
            enterprise_name="  洛阳测试机械有限公司0 ",
            project_code="２０２５－４１０３０４－３４－０３－１０７８５６",
            total_investment="２５，９３４，０００",
            start_month=dt.datetime(2025, 3, 1),
            status=" 续 建 ",
        ),
        base_row(
            1,
            start_month="2025.3",
            planned_completion="2026年12月",
            total_investment="25,934,000",
            industry_code="C34",
        ),
        base_row(
            2,
            start_month="202503",
            planned_completion=202612,
            ytd_completed="3000000",
            smart_equipment_units="12",
            staff_reduction_pct="10",
        ),
        base_row(3, start_month="2025年3月", uscc="９１４１０３０４２４ＢＵ４ＪＲ９６Ｆ"),
        base_row(4, start_month=2025.3, project_code="2025—410304—34—03—107860", seq="5"),
    ]
    headers = {
        "uscc": "信用代码",
        "enterprise_name": "单位名称",
        "project_code": "项目统一代码",
        "status": "建设状态",
        "start_month": "开工时间",
        "total_investment": "计划总投资(元)",
        "equipment_investment": "其中:设备投资(元)",
        "annual_plan": "年度计划投资（元）",
        "ytd_completed": "本年累计完成投资（元）",
        "cumulative_completed": "自开工累计完成投资（元）",
        "smart_equipment_units": "新增智能装备",
        "in_statistics": "是否纳统",
    }
    return write_return(
        path,
        data,
        headers=headers,
        shuffle=7,
        title_rows=[
            "2026年第一季度瀍河回族区工业企业技术改造项目统计表",
            "填报单位：瀍河回族区工信局  单位：元",
        ],
        merge_title=True,
        blank_rows_after=[-1, 1],
        total_row="合计",
        numbering_row=True,
        amount_unit="元",
        meta=meta_for(),
    )


def _expected_all_habits() -> list[dict]:
    return [expected(base_row(i)) for i in range(5)]


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_all_habits_at_once_are_read_right(tmp_path, suffix, validator, empty_warehouse):
    rf = _all_habits_file(tmp_path / f"{UNIT}_{PERIOD}_技改项目季报{suffix}")
    parsed = read_return(rf.path)
    assert parsed.metadata["unit_code"] == UNIT
    assert [r["_row"] for r in parsed.projects.rows] == rf.rows
    assert rf.rows == [6, 7, 9, 10, 11]  # 2 titles, header, numbering, blank, data, blank, data, 合计
    for got, want in zip(parsed.projects.rows, _expected_all_habits(), strict=True):
        got = values(got)
        for name in AMOUNT_FIELDS:
            assert got.pop(name) == pytest.approx(want.pop(name), rel=1e-9), name
        assert got == want

    # and the rules find nothing but the conversion warnings
    (pending,) = validate(empty_warehouse, validator, [(rf.path, UNIT, PERIOD)])
    assert {(f.rule_id, f.severity) for f in pending.findings} == {("unit_converted", WARNING)}
    assert len(pending.findings) == len(AMOUNT_FIELDS)


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_all_habits_file_is_accepted_by_intake(intake_ws, suffix):
    rf = _all_habits_file(intake_ws.ws.inbox / UNIT / f"{UNIT}_{PERIOD}_技改项目季报{suffix}")
    from tests.conftest import OLD_MTIME, set_mtime

    set_mtime(rf.path, OLD_MTIME)
    intake_ws.run()
    sub = intake_ws.submission(rf.path.name)
    assert (sub.status, sub.period, sub.errors, sub.warnings) == (
        "accepted",
        str(PERIOD),
        0,
        len(AMOUNT_FIELDS),
    )
    assert {f.rule_id for f in sub.findings} == {"unit_converted"}
    projects = sorted(sub.projects, key=lambda p: p.row)
    assert [p.row for p in projects] == rf.rows
    for p, want in zip(projects, _expected_all_habits(), strict=True):
        assert p.uscc == want["uscc"]
        assert p.project_code == want["project_code"]
        assert p.enterprise_name == want["enterprise_name"]
        assert p.status == "续建"
        assert (p.start_month, p.planned_completion) == ("2025-03", "2026-12")
        # the warehouse keeps exact decimals: 25934000 元 is 2593.4 万元, not 2593.3999999999996
        assert p.total_investment == Decimal("2593.4")
        assert p.ytd_completed == Decimal(300)
        assert p.industry_code == "34"
        assert p.smart_equipment_units == 12


def test_xlsx_content_with_xls_name_is_read(tmp_path):
    rf = write_return(tmp_path / "source.xlsx")
    renamed = tmp_path / "410304_2026Q1.xls"
    renamed.write_bytes(rf.path.read_bytes())
    parsed = read_return(renamed)
    assert [r["_row"] for r in parsed.projects.rows] == [2, 3, 4]


def test_credit_code_that_looks_like_a_float_exponent(tmp_path):
    """'…0261E5325…' parses as a huge float: it must stay a credit code and crash nothing."""
    code = make_uscc("9141030261E532523")
    rf = write_return(tmp_path / "410304_2026Q1.xlsx", [base_row(0, uscc=code), base_row(1)])
    parsed = read_return(rf.path)
    assert [r["uscc"] for r in parsed.projects.rows][0] == code


def test_amounts_in_yuan_are_exact_in_wanyuan(tmp_path):
    # written as 8128000 元: 8128000 × 1e-4 would be 812.8000000000001 without rounding
    rf = write_return(tmp_path / "410304_2026Q1.xlsx", [base_row(0, ytd_completed=812.8)], amount_unit="元")
    parsed = read_return(rf.path)
    assert parsed.projects.rows[0]["ytd_completed"] == 812.8


# ------------------------------------------------------------------------------ layouts seen in real offices


def _sheet_file(tmp_path, grid, merges=(), name="410304_2026Q1.xlsx"):
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = schema.PROJECT_SHEET
    for r, row in enumerate(grid, start=1):
        for c, v in enumerate(row, start=1):
            if v is not None:
                ws.cell(r, c, v)
    for m in merges:
        ws.merge_cells(m)
    path = tmp_path / name
    book.save(path)
    return read_return(path)


def _project(i=0):
    return base_row(i)


def test_two_row_header_with_a_group_unit_and_merged_enterprise_cells(tmp_path):
    r0, r1 = _project(0), _project(1)
    grid = [
        [
            "序号",
            "统一社会信用代码",
            "企业名称",
            "项目名称",
            "项目代码",
            "改造类型",
            "建设性质",
            "项目状态",
            "开工年月",
            "投资情况（元）",
            None,
            None,
        ],
        [
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            "总投资",
            "本年累计完成投资",
            "自开工累计完成投资",
        ],
    ]
    for i, r in enumerate((r0, r1)):
        grid.append(
            [
                i + 1,
                r["uscc"] if i == 0 else None,
                r["enterprise_name"] if i == 0 else None,
                r["project_name"],
                r["project_code"],
                r["reform_type"],
                r["construction_nature"],
                r["status"],
                r["start_month"],
                25_934_000,
                3_000_000,
                15_000_000,
            ]
        )
    parsed = _sheet_file(tmp_path, grid, merges=["A1:A2", "J1:L1", "B3:B4", "C3:C4"])
    assert [f.rule_id for f in parsed.findings if f.severity == ERROR] == []
    assert [r["_row"] for r in parsed.projects.rows] == [3, 4]
    second = parsed.projects.rows[1]
    assert (second["uscc"], second["enterprise_name"]) == (r0["uscc"], r0["enterprise_name"])
    assert second["total_investment"] == 2593.4 and second["ytd_completed"] == 300
    assert "unit_converted" in {f.rule_id for f in parsed.findings}


def test_exact_headers_win_over_headers_that_only_contain_an_alias(tmp_path):
    r = _project(0)
    header = [
        "统一社会信用代码",
        "企业名称",
        "行业名称",
        "行业代码",
        "项目名称",
        "项目代码",
        "改造类型",
        "建设性质",
        "入统状态",
        "项目状态",
        "开工年月",
        "总投资",
        "本年累计完成投资",
        "自开工累计完成投资",
    ]
    row = [
        r["uscc"],
        r["enterprise_name"],
        "通用设备制造业",
        "34",
        r["project_name"],
        r["project_code"],
        r["reform_type"],
        r["construction_nature"],
        "是",
        "续建",
        "2025-03",
        2593.4,
        300,
        1500,
    ]
    parsed = _sheet_file(tmp_path, [header, row])
    columns = parsed.projects.columns
    assert (columns["industry_code"].index, columns["status"].index, columns["in_statistics"].index) == (
        4,
        10,
        9,
    )
    assert parsed.projects.rows[0]["status"] == "续建"


def test_signature_lines_instructions_and_labelled_totals_are_not_projects(tmp_path):
    r = _project(0)
    header = [
        "统一社会信用代码",
        "企业名称",
        "项目名称",
        "项目代码",
        "改造类型",
        "建设性质",
        "项目状态",
        "开工年月",
        "总投资",
        "本年累计完成投资",
        "自开工累计完成投资",
    ]
    row = [
        r["uscc"],
        r["enterprise_name"],
        r["project_name"],
        r["project_code"],
        r["reform_type"],
        r["construction_nature"],
        r["status"],
        r["start_month"],
        2593.4,
        300,
        1500,
    ]
    grid = [
        header,
        row,
        [None, "瀍河回族区技改项目合计", None, None, None, None, None, None, 2593.4, 300, 1500],
        [None, "其中：智能化改造", None, None, None, None, None, None, 2593.4, 300, 1500],
        [
            "单位负责人：李四",
            None,
            "统计负责人：王五",
            "填表人：张三",
            None,
            "联系电话：0379-1234567",
            None,
            "报出日期：2026年4月3日",
        ],
        ["填表说明：1.金额单位为万元；2.本表由县区工信部门填报"],
        [None, None, None, None, None, None, None, "年月", "万元", "万元", "万元"],
        ["1、项目代码为全国投资项目在线审批监管平台赋予的代码"],
    ]
    parsed = _sheet_file(tmp_path, grid)
    assert [x["_row"] for x in parsed.projects.rows] == [2]
    assert [f.rule_id for f in parsed.findings if f.severity == ERROR or f.row] == []


def test_blank_markers_in_codes_and_choices_are_blank(tmp_path):
    from techreform.returns.cells import convert as _convert

    code = schema.PROJECT_FIELD["project_code"]
    assert _convert(code, "—", "—", 1.0) == (None, True)
    assert _convert(code, "待赋码", "待赋码", 1.0) == (None, True)
    assert _convert(schema.PROJECT_FIELD["in_statistics"], "/", "/", 1.0) == (None, True)
    status = schema.PROJECT_FIELD["status"]
    assert _convert(status, "续建（主体完工）", "续建(主体完工)", 1.0) == ("续建", True)


@pytest.mark.parametrize(
    "value", [20250301, "2025年3月份", "25年3月", "2025年3月初", "3/2025", "2025-03-01T00:00:00"]
)
def test_more_month_spellings(value):
    assert parse_month(value) == (month_index(2025, 3), True)


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("投资总额（万元）", "total_investment"),
        ("1-3月完成投资（万元）", "ytd_completed"),
        ("当年累计完成投资（万元）", "ytd_completed"),
        ("1～9月累计完成投资", "ytd_completed"),
        ("开工以来累计完成投资", "cumulative_completed"),
        ("项目编号", "project_code"),
        ("项目单位", "enterprise_name"),
        ("改造类别", "reform_type"),
        ("项目阶段", "status"),
        ("计划完工年月", "planned_completion"),
        ("联系人电话", "phone"),
        ("减少用工（人）", None),
    ],
)
def test_header_spellings_of_real_offices(header, field):
    assert match_header(header, schema.PROJECT_SHEET) == field


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("本年计划完成投资额（万元）", "annual_plan"),  # 计划 … 完成: a plan, not what was done
        ("本年累计完成投资额（万元）", "ytd_completed"),
        ("2026年累计完成投资（万元）", "ytd_completed"),
        ("一季度累计完成投资（万元）", "ytd_completed"),
        ("2026年计划投资", "annual_plan"),
        ("截至上年底累计完成投资（万元）", None),  # earlier years: none of the return's fields
        ("上年度完成投资", None),
        ("以前年度累计完成投资", None),
        ("截至2025年底累计完成投资", "cumulative_completed"),
        ("项目备案编号", "project_code"),
        ("总投资（千元）", "total_investment"),
    ],
)
def test_headers_that_contain_another_fields_words(header, field):
    assert match_header(header, schema.PROJECT_SHEET) == field


def _header_grid(header: list[str], *values: list) -> list[list]:
    r = _project(0)
    base = [r["uscc"], r["enterprise_name"], r["project_name"], r["project_code"]]
    base += ["智能化改造", "改建和技术改造", "续建", "2025-03"]
    head = ["统一社会信用代码", "企业名称", "项目名称", "项目代码"]
    head += ["改造类型", "建设性质", "项目状态", "开工年月"]
    return [head + header, *[base + v for v in values]]


def test_plan_and_earlier_years_columns_beside_the_real_ones(tmp_path):
    grid = _header_grid(
        [
            "总投资（万元）",
            "本年计划完成投资额（万元）",
            "截至上年底累计完成投资（万元）",
            "本年累计完成投资额（万元）",
            "开工以来累计完成投资额（万元）",
        ],
        [5000, 2000, 0, 300, 300],
    )
    parsed = _sheet_file(tmp_path, grid)
    (row,) = parsed.projects.rows
    assert (row["annual_plan"], row["ytd_completed"], row["cumulative_completed"]) == (2000, 300, 300)
    assert parsed.projects.columns["cumulative_completed"].index == 13  # not the earlier-years column
    assert not [f for f in parsed.findings if f.severity == ERROR]


@pytest.mark.parametrize("label", ["合计（共2个项目）", "全县共计", "全区合计(共3个)"])
@pytest.mark.parametrize("column", [0, 1, 2])
def test_totals_label_with_a_remark_is_skipped_in_any_label_column(tmp_path, label, column):
    grid = _header_grid(["总投资（万元）"], [5000])
    total = [None] * len(grid[0])
    total[column], total[8] = label, 5000
    parsed = _sheet_file(tmp_path, [*grid, total])
    assert [r["_row"] for r in parsed.projects.rows] == [2]
    assert [f for f in parsed.findings if f.row is not None or f.rule_id == "row_ignored"] == []


def test_amounts_in_qian_yuan(tmp_path):
    grid = _header_grid(["总投资（千元）", "本年累计完成投资（千元）"], [25934, 3000])
    parsed = _sheet_file(tmp_path, grid)
    (row,) = parsed.projects.rows
    assert (row["total_investment"], row["ytd_completed"]) == (2593.4, 300)
    messages = [f.message for f in parsed.findings if f.rule_id == "unit_converted"]
    assert len(messages) == 2 and all("以千元填报" in m and "÷10" in m for m in messages)


def test_units_row_under_the_header_says_the_unit(tmp_path):
    grid = _header_grid(["总投资", "本年累计完成投资", "新增智能装备"], [25_934_000, 3_000_000, 4])
    units = [None] * 8 + ["元", "元", "台套"]
    parsed = _sheet_file(tmp_path, [grid[0], units, grid[1]])
    (row,) = parsed.projects.rows
    assert (row["_row"], row["total_investment"], row["ytd_completed"]) == (3, 2593.4, 300)
    assert row["smart_equipment_units"] == 4
    assert {f.field for f in parsed.findings if f.rule_id == "unit_converted"} == {
        "total_investment",
        "ytd_completed",
    }


@pytest.mark.parametrize(
    ("line", "total"),
    [("金额单位：元", 2593.4), ("填报单位：某区工信局    单位：元    填报日期：2026年4月", 2593.4)],
)
def test_unit_line_above_the_table(tmp_path, line, total):
    grid = _header_grid(["总投资", "本年累计完成投资（万元）"], [25_934_000, 300])
    parsed = _sheet_file(tmp_path, [[line], *grid])
    (row,) = parsed.projects.rows
    assert (row["total_investment"], row["ytd_completed"]) == (total, 300)  # a header's own unit wins


def test_unit_line_naming_a_place_is_not_a_unit(tmp_path):
    grid = _header_grid(["总投资"], [5000])
    parsed = _sheet_file(tmp_path, [["填报单位：元阳县工信局"], *grid])
    assert parsed.projects.rows[0]["total_investment"] == 5000
    assert "unit_converted" not in {f.rule_id for f in parsed.findings}


def test_two_row_header_with_short_sub_headers(tmp_path):
    grid = _header_grid(["投资情况（万元）", None, None], ["总投资", "本年累计", "自开工累计"])
    grid[1][:8] = [None] * 8
    grid.append(_header_grid([], [])[1] + [5000, 300, 1200])
    parsed = _sheet_file(tmp_path, grid, merges=["I1:K1"])
    (row,) = parsed.projects.rows
    assert (row["total_investment"], row["ytd_completed"], row["cumulative_completed"]) == (5000, 300, 1200)
    assert not [f for f in parsed.findings if f.severity == ERROR]


@pytest.mark.parametrize("raw", ["(100)", "（100）", "\u2212100"])
def test_accounting_and_typographic_negatives_are_numbers(raw):
    from techreform.returns import parse_number

    assert parse_number(raw) == (-100.0, True)


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_percent_typed_into_excel_is_read_as_a_percentage_in_both_formats(tmp_path, suffix):
    """The same as below, written by xlwt for .xls: efficiency may rise 150% (stored as 1.5)."""
    import xlwt

    grid = _header_grid(["总投资（万元）", "减少产线员工（%）", "提升生产效率（%）"])
    values = [5000, 0.15, 1.5]
    path = tmp_path / f"410304_2026Q1{suffix}"
    if suffix == ".xls":
        book = xlwt.Workbook(encoding="utf-8")
        ws = book.add_sheet(schema.PROJECT_SHEET)
        pct = xlwt.easyxf(num_format_str="0%")
        for c, v in enumerate(grid[0]):
            ws.write(0, c, v)
        for r in (1, 2):
            for c, v in enumerate(_header_grid([], [])[1] + values):
                ws.write(r, c, v, pct if r == 1 and c >= 9 else xlwt.Style.default_style)
        book.save(str(path))
    else:
        import openpyxl

        book = openpyxl.Workbook()
        ws = book.active
        ws.title = schema.PROJECT_SHEET
        for row in (grid[0], _header_grid([], [])[1] + values, _header_grid([], [])[1] + values):
            ws.append(row)
        ws["J2"].number_format = ws["K2"].number_format = "0%"
        book.save(path)
    first, second = read_return(path).projects.rows
    assert (first["staff_reduction_pct"], first["efficiency_gain_pct"]) == (15.0, 150.0)
    assert (second["staff_reduction_pct"], second["efficiency_gain_pct"]) == (0.15, 1.5)


def test_percent_typed_into_excel_is_read_as_a_percentage(tmp_path):
    """15% typed into a cell is stored as 0.15 with a % format; the header asks for 15."""
    import openpyxl

    grid = _header_grid(["总投资（万元）", "减少产线员工（%）", "降低综合能耗（%）", "提升生产效率（%）"])
    grid.append(_header_grid([], [])[1] + [5000, 0.15, 0.5, 0.8])
    grid.append(_header_grid([], [])[1] + [5000, 0.15, 0.5, 0.8])
    path = tmp_path / "410304_2026Q1.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = schema.PROJECT_SHEET
    for row in grid:
        ws.append(row)
    for col in "JKL":
        ws[f"{col}2"].number_format = "0%"  # the first project typed as percentages, the second not
    book.save(path)
    first, second = read_return(path).projects.rows
    pcts = ("staff_reduction_pct", "energy_reduction_pct", "efficiency_gain_pct")
    assert [first[n] for n in pcts] == [15.0, 50.0, 80.0]
    assert [second[n] for n in pcts] == [0.15, 0.5, 0.8]


def test_percent_cells_around_a_blank_cell_are_still_read_as_percentages(tmp_path):
    """A blank cell between percentages is absent from the file: it must not hide the formats."""
    import openpyxl

    grid = _header_grid(["总投资（万元）", "减少产线员工（%）", "降低综合能耗（%）", "提升生产效率（%）"])
    grid.append(_header_grid([], [])[1] + [5000, 0.15, None, 0.8])
    path = tmp_path / "410304_2026Q1.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = schema.PROJECT_SHEET
    for row in grid:
        ws.append(row)
    ws["J2"].number_format = ws["L2"].number_format = "0%"
    book.save(path)
    (row,) = read_return(path).projects.rows
    assert (row["staff_reduction_pct"], row["energy_reduction_pct"], row["efficiency_gain_pct"]) == (
        15.0,
        None,
        80.0,
    )


@pytest.mark.parametrize(
    ("headers", "values", "want"),
    [
        (  # an earlier as-of column left of this year's: 本年累计 from 1-3月, 自开工 from 开工以来
            ["截至2025年12月底累计完成投资", "2026年1-3月完成投资", "开工以来累计完成投资"],
            [1200, 300, 1500],
            (300, 1500),
        ),
        (  # two as-of columns: the later date is the current figure
            ["截至2025年底累计完成投资", "本年完成投资", "截至2026年3月底累计完成投资"],
            [1200, 300, 1500],
            (300, 1500),
        ),
        (["2026年1-3月完成投资", "累计完成投资（截至2026年3月）"], [300, 1500], (300, 1500)),
    ],
)
def test_as_of_columns(tmp_path, headers, values, want):
    grid = _header_grid(["总投资（万元）", *headers], [5000, *values])
    (row,) = _sheet_file(tmp_path, grid).projects.rows
    assert (row["ytd_completed"], row["cumulative_completed"]) == want


def test_the_templates_own_header_wins_over_an_alias_left_of_it(tmp_path):
    grid = _header_grid(["总投资（万元）", "建设进度", "项目编号"], [5000, "主体厂房已完工", "JG-2026-001"])
    head, data = grid
    # move 项目状态 and 项目代码 to the right of their aliases
    order = [0, 1, 2, 4, 5, 7, 8, 9, 10, 6, 3]
    head, data = [head[i] for i in order], [data[i] for i in order]
    parsed = _sheet_file(tmp_path, [head, data])
    (row,) = parsed.projects.rows
    assert (row["status"], row["project_code"]) == ("续建", _project(0)["project_code"])
    assert parsed.projects.columns["status"].header == "项目状态"


@pytest.mark.slow
@pytest.mark.parametrize("marker", ["—", "/", "-", "／"])
def test_a_dash_in_a_required_cell_is_a_missing_value(tmp_path, marker, validator, empty_warehouse):
    data = rows(2)
    data[0]["total_investment"] = marker
    data[1]["status"] = marker
    findings = _validated(tmp_path, data, validator, empty_warehouse)
    assert {(f.rule_id, f.row) for f in findings if f.severity == ERROR} == {
        ("missing_total_investment", 2),
        ("missing_status", 3),
    }


def _validated(tmp_path, data, validator, engine):
    """The findings of one return written from ``data``, as intake's row stage gives them."""
    rf = write_return(tmp_path / f"{UNIT}_{PERIOD}.xlsx", data)
    (p,) = validate(engine, validator, [(rf.path, UNIT, PERIOD)])
    return p.findings


def test_two_row_header_with_an_extra_sub_header_and_a_totals_sub_header(tmp_path):
    """投资情况（万元） over 合计 | 其中：设备投资 | 其中：建筑工程 (no field) | 本年计划 | 本年累计 |
    自开工累计."""
    top = _header_grid([])[0] + ["投资情况（万元）"] + [None] * 5
    sub = [None] * 8 + ["合计", "其中：设备投资", "其中：建筑工程", "本年计划", "本年累计", "自开工累计"]
    data = _header_grid([], [])[1] + [5000, 3000, 1500, 2000, 300, 1200]
    parsed = _sheet_file(tmp_path, [top, sub, data], merges=["I1:N1"])
    (row,) = parsed.projects.rows
    names = ("total_investment", "equipment_investment", "annual_plan")
    names += ("ytd_completed", "cumulative_completed")
    assert [row[n] for n in names] == [5000, 3000, 2000, 300, 1200]
    assert row["_row"] == 3 and not [f for f in parsed.findings if f.severity == ERROR]


def test_a_repeated_header_is_skipped_and_a_second_table_ends_the_projects(tmp_path):
    grid = _header_grid(["总投资（万元）"], [5000], [5000])
    grid[2][2] = "另一个技术改造项目"
    second_table = [
        ["附：企业获认定情况"],
        ["统一社会信用代码", "企业名称", "认定类别", "级别", "认定年份", "文号"],
        [_project(0)["uscc"], _project(0)["enterprise_name"], "智能工厂", "省级", 2026, "豫工信〔2026〕1号"],
    ]
    parsed = _sheet_file(tmp_path, [grid[0], grid[1], grid[0], grid[2], *second_table])
    assert [r["_row"] for r in parsed.projects.rows] == [2, 4]
    assert [(f.rule_id, f.severity, f.row) for f in parsed.findings if f.row is not None] == [
        ("other_table", WARNING, 6)
    ]


@pytest.mark.parametrize("label", ["（三）竣工投产项目", "二、续建项目", "(1)智能化改造项目"])
def test_a_section_label_is_not_a_project(tmp_path, label):
    grid = _header_grid(["总投资（万元）"], [5000])
    section = [None] * len(grid[0])
    section[1] = label
    parsed = _sheet_file(tmp_path, [grid[0], section, grid[1]])
    assert [r["_row"] for r in parsed.projects.rows] == [3]
    assert not [f for f in parsed.findings if f.row is not None]
