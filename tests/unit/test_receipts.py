"""Receipts (回执): the county's answer, with its own sheets copied and the problem cells marked."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
import xlwt

from techreform.rules.findings import ERROR, WARNING, Finding
from techreform.workbooks.receipt import (
    NEXT_STEP_CLEAN,
    NEXT_STEP_NOTED,
    NEXT_STEP_REJECTED,
    NEXT_STEP_SUPERSEDED,
    NEXT_STEP_WARNINGS,
    RECEIPT_SHEET,
    receipt_file_name,
    write_receipt,
)
from techreform.workbooks.receipt_style import ERROR_FILL_COLOR, EXPLAINED_FILL_COLOR, WARNING_FILL_COLOR
from tests.support.libreoffice import to_pdf

RECEIVED = dt.datetime(2026, 10, 3, 10, 7)
DEADLINE = dt.date(2026, 10, 12)
HEADERS = [
    "序号",
    "统一社会信用代码",
    "企业名称",
    "项目名称",
    "开工年月",
    "总投资（万元）",
    "本年累计完成投资（万元）",
    "备注",
]
ROWS = [
    [
        1,
        "91410300MA44XXXX1A",
        "洛阳某机械有限公司",
        "智能化产线改造项目",
        dt.datetime(2025, 3, 1),
        12000,
        3500.5,
        None,
    ],
    [2, "91410300abc", "洛阳某化工有限公司", "节能降耗技术改造", dt.datetime(2026, 1, 1), 800, 900, "=B4"],
    [
        3,
        "91410300MA44YYYY2B",
        "洛阳某电子有限公司",
        "数字化车间建设",
        dt.datetime(2024, 11, 1),
        5600,
        1200,
        "已核实",
    ],
]


def _county_xlsx(path: Path) -> Path:
    """A return as an office writes it: merged title, a note row, header on row 3, data from row 4."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "项目表"
    ws["A1"] = "洛阳市技术改造项目季报（2026年第三季度）"
    ws.merge_cells("A1:H1")
    ws["A2"] = "填报单位：老城区工信局"
    ws.append(HEADERS)
    for row in ROWS:
        ws.append(row)
    for r in range(4, 7):
        ws.cell(r, 5).number_format = "yyyy-mm"
    ws.cell(5, 8).data_type = "s"  # the county typed "=B4" as text
    rec = wb.create_sheet("认定表")
    rec.append(["统一社会信用代码", "企业名称", "认定类别", "级别", "认定年份", "文号"])
    rec.append(["91410300MA44XXXX1A", "洛阳某机械有限公司", "智能车间", "省级", 2026, "豫工信〔2026〕12号"])
    meta = wb.create_sheet("_meta")
    meta.append(["template_version", "2026.1"])
    meta.sheet_state = "hidden"
    wb.save(path)
    return path


def _county_xls(path: Path) -> Path:
    """An .xls (Excel 97) return whose data starts at B2: title B2, header B4, data from B5."""
    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet("项目表")
    month = xlwt.easyxf(num_format_str="yyyy-mm")
    ws.write(1, 1, "新乡市技改项目季报")
    for j, h in enumerate(HEADERS[:7]):
        ws.write(3, 1 + j, h)
    for i, row in enumerate(ROWS):
        for j, v in enumerate(row[:7]):
            if isinstance(v, dt.datetime):
                ws.write(4 + i, 1 + j, v, month)
            else:
                ws.write(4 + i, 1 + j, v)
    book.save(str(path))
    return path


FINDINGS = [
    Finding(
        "uscc.check",
        WARNING,
        "信用代码与企业名称不一致，请核实",
        sheet="项目表",
        row=5,
        field="uscc",
        col_index=2,
    ),
    Finding(
        "uscc.format",
        ERROR,
        "统一社会信用代码应为18位，请改正",
        sheet="项目表",
        row=5,
        field="uscc",
        column="统一社会信用代码",
        col_index=2,
        value="91410300abc",
    ),
    Finding(
        "ytd.le.cumulative",
        WARNING,
        "本年累计完成投资超过总投资，请在备注栏说明",
        sheet="项目表",
        row=5,
        field="ytd_completed",
        col_index=7,
        value="900",
    ),
    Finding("project_code.required", ERROR, "总投资500万元以上的项目应填写项目代码", sheet="项目表", row=4),
    Finding("period.missing", ERROR, "文件名和元数据都没有写报告期，请在文件名中写明如2026Q3"),
    Finding(
        "sheet.missing_column", WARNING, "项目表缺少“项目代码”栏目", sheet="项目表", field="project_code"
    ),
]


def _write(tmp_path: Path, source: Path | None, status="rejected", findings=FINDINGS, **kw) -> Path:
    args = dict(
        unit_code="410302",
        unit_name="老城区",
        file_name=source.name if source else "410302_2026Q3_技改项目季报.xlsx",
        period="2026Q3",
        status=status,
        received_at=RECEIVED,
        deadline=DEADLINE,
        summary="有 3 条错误，本次报表退回。" if status == "rejected" else "审核通过，予以受理。",
        findings=findings,
        source=source,
    )
    args.update(kw)
    out = tmp_path / "outbox" / receipt_file_name(args["file_name"], RECEIVED)
    return write_receipt(out, **args)


def _facts(ws) -> dict[str, object]:
    return {ws.cell(r, 1).value: ws.cell(r, 3).value for r in range(2, 16) if ws.cell(r, 1).value}


def _table(ws) -> list[list]:
    header = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "序号")
    assert [c.value for c in ws[header]][:8] == [
        "序号",
        "类别",
        "工作表",
        "行号",
        "栏目",
        "填报值",
        "规则",
        "问题及修改要求",
    ]
    return [[c.value for c in row][:8] for row in ws.iter_rows(min_row=header + 1)]


def _fill(cell) -> str | None:
    return cell.fill.fgColor.rgb[-6:] if cell.fill.fill_type == "solid" else None


def test_receipt_file_name():
    assert (
        receipt_file_name("410302_2026Q3_技改项目季报.xlsx", RECEIVED)
        == "回执_410302_2026Q3_技改项目季报_20261003T1007.xlsx"
    )
    assert receipt_file_name("inbox/410302/老城区 2026年第三季度.xls", RECEIVED) == (
        "回执_老城区 2026年第三季度_20261003T1007.xlsx"
    )


def test_rejected_receipt_front_sheet(tmp_path):
    out = _write(tmp_path, _county_xlsx(tmp_path / "410302_2026Q3_技改项目季报.xlsx"))
    assert out.name == "回执_410302_2026Q3_技改项目季报_20261003T1007.xlsx"
    assert not list(out.parent.glob(".*.part"))
    wb = openpyxl.load_workbook(out)
    # _meta is not copied, nor 认定表: only sheets with something to fix come back to the county
    assert wb.sheetnames == [RECEIPT_SHEET, "项目表"]
    ws = wb[RECEIPT_SHEET]
    assert ws["A1"].value == "技术改造项目季报回执"
    facts = _facts(ws)
    assert facts["填报单位"] == "410302 老城区"
    assert facts["文件名"] == "410302_2026Q3_技改项目季报.xlsx"
    assert "2026Q3" in facts["报告期"] and "第三季度" in facts["报告期"]
    assert facts["接收时间"] == "2026-10-03 10:07"
    assert facts["报送截止"] == "2026-10-12"
    # timeliness counts the first accepted return: a rejected one on time is not "on time" yet
    assert facts["是否按时"] == "截止日前送达，但未受理；须在2026-10-12前重新报送并受理才计为按时"
    assert facts["审核结果"] == "退回"
    assert facts["审核说明"] == "有 3 条错误，本次报表退回。"
    # an error and a warning on the same cell (B5) are one line: the counts are the table's lines
    assert facts["审核发现"] == "错误 3 条 / 提示 2 条"
    assert facts["下一步"] == NEXT_STEP_REJECTED
    result = next(ws.cell(r, 3) for r in range(1, 20) if ws.cell(r, 1).value == "审核结果")
    assert result.font.b and result.font.sz >= 18 and result.font.color.rgb.endswith("C00000")

    table = _table(ws)
    assert [r[0] for r in table] == [1, 2, 3, 4, 5]
    # errors first (file-level, then by row and column), then warnings
    assert [r[1] for r in table] == ["错误", "错误", "错误", "提示", "提示"]
    assert [r[3] for r in table] == ["整表", 4, 5, "整表", 5]
    assert [r[6] for r in table] == [
        "period.missing",
        "project_code.required",
        "uscc.format、uscc.check",
        "sheet.missing_column",
        "ytd.le.cumulative",
    ]
    assert table[0][2] == "—" and table[1][2] == "项目表"
    assert table[2][4] == "统一社会信用代码（B列）" and table[2][5] == "91410300abc"
    assert table[2][7] == (
        "本行2项审核都涉及“统一社会信用代码”，请先核对该栏是否填错：\n"
        "①【错误】统一社会信用代码应为18位，请改正\n②【提示】信用代码与企业名称不一致，请核实"
    )
    assert table[3][4] == "项目代码"  # the schema header for a field with no column written
    assert table[4][4] == "本年累计完成投资（万元）（G列）"  # header from the schema, column letter
    # the row number links to the cell in the copied sheet
    link_cell = next(
        ws.cell(r, 4) for r in range(1, ws.max_row + 1) if ws.cell(r, 7).value == "uscc.format、uscc.check"
    )
    assert link_cell.hyperlink.location == "'项目表'!B5"


def test_copied_sheet_marks_cells_and_keeps_values(tmp_path):
    src = _county_xlsx(tmp_path / "410302_2026Q3_技改项目季报.xlsx")
    wb = openpyxl.load_workbook(_write(tmp_path, src))
    orig = openpyxl.load_workbook(src)
    assert "认定表" not in wb.sheetnames  # nothing to fix there
    for name in ("项目表",):
        o, c = orig[name], wb[name]
        assert (c.max_row, c.max_column) == (o.max_row, o.max_column)
        for row in o.iter_rows():
            for cell in row:
                assert c[cell.coordinate].value == cell.value, (name, cell.coordinate)
    ws = wb["项目表"]
    assert ws["A1"].value == "洛阳市技术改造项目季报（2026年第三季度）"
    assert "A1:H1" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["C3"].value == "企业名称"
    assert ws["H5"].value == "=B4" and ws["H5"].data_type == "s"  # text stays text
    assert ws["E4"].number_format == "yyyy-mm" and ws["E4"].value == dt.datetime(2025, 3, 1)

    b5 = ws["B5"]  # an error and a warning on the same cell: red, both messages
    assert b5.value == "91410300abc"
    assert _fill(b5) == ERROR_FILL_COLOR
    assert "统一社会信用代码应为18位" in b5.comment.text and "信用代码与企业名称不一致" in b5.comment.text
    g5 = ws["G5"]
    assert _fill(g5) == "FFEB9C" and "超过总投资" in g5.comment.text
    a4 = ws["A4"]  # a row finding without a column marks the row's first cell
    assert _fill(a4) == ERROR_FILL_COLOR and "项目代码" in a4.comment.text
    flagged = {"B5", "G5", "A4"}
    for row in ws.iter_rows():
        for cell in row:
            if cell.coordinate not in flagged:
                assert _fill(cell) is None and cell.comment is None, cell.coordinate


def test_xls_source_offset_and_dates(tmp_path):
    src = _county_xls(tmp_path / "410711_2026Q3.xls")
    findings = [
        Finding("uscc.format", ERROR, "统一社会信用代码应为18位", sheet="项目表", row=6, col_index=3),
        Finding("x.row", WARNING, "该行整行需核实", sheet="项目表", row=7),
    ]
    wb = openpyxl.load_workbook(_write(tmp_path, src, findings=findings, unit_code="410711"))
    assert wb.sheetnames == [RECEIPT_SHEET, "项目表"]
    ws = wb["项目表"]
    assert ws["A1"].value is None and ws["B2"].value == "新乡市技改项目季报"
    assert [ws.cell(4, 2 + j).value for j in range(7)] == HEADERS[:7]
    for i, row in enumerate(ROWS):
        assert [ws.cell(5 + i, 2 + j).value for j in range(7)] == row[:7]
    assert ws["F5"].number_format == "yyyy-mm"
    assert ws["C6"].value == "91410300abc" and _fill(ws["C6"]) == ERROR_FILL_COLOR
    assert "18位" in ws["C6"].comment.text
    # a row finding marks the first cell of the data (column B here, where the table starts)
    assert _fill(ws["B7"]) == "FFEB9C" and ws["B7"].comment is not None
    assert _fill(ws["A7"]) is None and ws["C5"].comment is None
    table = _table(wb[RECEIPT_SHEET])
    assert [(r[3], r[7]) for r in table] == [(6, "统一社会信用代码应为18位"), (7, "该行整行需核实")]


def test_accepted_with_warnings_and_clean(tmp_path):
    src = _county_xlsx(tmp_path / "410302_2026Q3_技改项目季报.xlsx")
    warnings = [f for f in FINDINGS if f.severity == WARNING]
    late = dt.date(2026, 10, 1)
    ws = openpyxl.load_workbook(_write(tmp_path, src, status="accepted", findings=warnings, deadline=late))[
        RECEIPT_SHEET
    ]
    facts = _facts(ws)
    assert facts["审核结果"] == "受理"
    assert facts["下一步"] == NEXT_STEP_WARNINGS
    assert facts["审核发现"] == "错误 0 条 / 提示 3 条"
    assert facts["是否按时"] == "逾期 2 天"
    assert len(_table(ws)) == 3

    ws = openpyxl.load_workbook(_write(tmp_path / "b", src, status="accepted", findings=[], deadline=None))[
        RECEIPT_SHEET
    ]
    facts = _facts(ws)
    assert facts["审核结果"] == "受理" and facts["下一步"] == NEXT_STEP_CLEAN
    assert facts["报送截止"] == "—" and facts["是否按时"] == "—"
    assert _table(ws) == [["无"] + [None] * 7]


def test_explained_warnings_and_notices_ask_for_nothing(tmp_path):
    src = _county_xlsx(tmp_path / "410302_2026Q3_技改项目季报.xlsx")
    message = "累计超总投资（已在备注中说明：已核实）"
    explained = Finding("cumulative_over_total", WARNING, message, "项目表", 6, explained=True)
    notice = Finding("unit_converted", WARNING, "“总投资（元）”以元填报，已按÷10000折算为万元")
    out = _write(tmp_path, src, status="accepted", findings=[explained, notice])
    facts = _facts(openpyxl.load_workbook(out)[RECEIPT_SHEET])
    assert facts["下一步"] == NEXT_STEP_NOTED
    assert facts["审核发现"] == "错误 0 条 / 提示 2 条（其中 1 条已在备注中说明）"
    explained.explained = False
    out = _write(tmp_path / "b", src, status="accepted", findings=[explained, notice])
    assert _facts(openpyxl.load_workbook(out)[RECEIPT_SHEET])["下一步"] == NEXT_STEP_WARNINGS


def test_rules_are_named_in_chinese_and_explained_warnings_look_settled(tmp_path):
    src = _county_xlsx(tmp_path / "410302_2026Q3_技改项目季报.xlsx")
    findings = [
        Finding("uscc_checksum", ERROR, "信用代码不对", "项目表", 5, "uscc", "统一社会信用代码", 2),
        Finding("late_submission", WARNING, "逾期"),
        Finding("cumulative_over_total", WARNING, "超总投资（已在备注中说明：已核实）", "项目表", 6,
                col_index=7, explained=True),
        Finding("cumulative_over_total", WARNING, "超总投资，请说明", "项目表", 4, col_index=7),
    ]  # fmt: skip
    wb = openpyxl.load_workbook(_write(tmp_path, src, findings=findings))
    table = _table(wb[RECEIPT_SHEET])
    assert [r[6] for r in table] == ["信用代码不正确", "逾期报送", "累计完成超过总投资", "累计完成超过总投资"]
    assert [r[1] for r in table] == ["错误", "提示", "提示", "提示（已说明）"]
    header = next(r for r in range(1, 40) if wb[RECEIPT_SHEET].cell(r, 1).value == "序号")
    assert _fill(wb[RECEIPT_SHEET].cell(header + 4, 2)) == EXPLAINED_FILL_COLOR
    copy = wb["项目表"]
    assert _fill(copy["G6"]) == EXPLAINED_FILL_COLOR and copy["G6"].comment.text.startswith(
        "【提示（已说明）】"
    )
    assert _fill(copy["G4"]) == WARNING_FILL_COLOR and copy["G4"].comment.text.startswith("【提示】")


def test_links_go_to_the_marked_cell_whatever_the_sheet_and_where_the_table_starts(tmp_path):
    src = tmp_path / "410302_2026Q3_技改项目季报.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "项目表'一季度"  # an apostrophe in a sheet name must be doubled in a link
    for r, row in enumerate([HEADERS[:4], *[x[:4] for x in ROWS]], start=2):
        for c, v in enumerate(row, start=3):  # the table starts at C2
            ws.cell(r, c, v)
    wb.save(src)
    only_amounts = Finding("row_ignored", WARNING, "只有金额", sheet=ws.title, row=4)
    out = openpyxl.load_workbook(_write(tmp_path, src, status="accepted", findings=[only_amounts]))
    front = out[RECEIPT_SHEET]
    link = next(front.cell(r, 4) for r in range(1, front.max_row + 1) if front.cell(r, 4).value == 4)
    assert link.hyperlink.location == "'项目表''一季度'!C4"
    assert _fill(out["项目表'一季度"]["C4"]) == WARNING_FILL_COLOR  # the cell the link goes to


def test_a_rejected_correction_is_on_time_if_timeliness_was_settled_before(tmp_path):
    src = _county_xlsx(tmp_path / "410302_2026Q3_技改项目季报.xlsx")
    out = _write(tmp_path, src, timeliness_settled=True)
    assert _facts(openpyxl.load_workbook(out)[RECEIPT_SHEET])["是否按时"] == "按时"


def test_long_names_are_shortened_to_what_file_systems_take():
    from techreform.workspace import fitted_name

    name = receipt_file_name("410302_2026Q3_" + "技术改造项目季度统计报表" * 8 + "_v2.xlsx", RECEIVED)
    assert len(name.encode()) <= 255
    assert name.startswith("回执_410302_2026Q3_技术改造") and name.endswith("…v2_20261003T1007.xlsx")
    assert "…" in name
    assert fitted_name("short.xlsx") == "short.xlsx"


def test_a_return_superseded_by_the_time_of_its_receipt_says_so(tmp_path):
    src = _county_xlsx(tmp_path / "410302_2026Q3_技改项目季报.xlsx")
    out = _write(tmp_path, src, status="accepted", findings=[], superseded=True)
    facts = _facts(openpyxl.load_workbook(out)[RECEIPT_SHEET])
    assert facts["审核结果"] == "受理" and facts["下一步"] == NEXT_STEP_SUPERSEDED


def test_unreadable_source(tmp_path):
    for source in (None, tmp_path / "broken.xlsx"):
        if source:
            source.write_bytes(b"PK\x03\x04 this is not a workbook")
        out = _write(tmp_path / str(bool(source)), source, period=None, file_name="broken.xlsx")
        wb = openpyxl.load_workbook(out)
        assert wb.sheetnames == [RECEIPT_SHEET]
        facts = _facts(wb[RECEIPT_SHEET])
        assert "无法读取" in facts["附表"] and facts["报告期"] == "未能识别"
        assert len(_table(wb[RECEIPT_SHEET])) == len(FINDINGS) - 1  # two of them about one cell


def test_sheet_names_truncated_and_unique(tmp_path):
    src = tmp_path / "x_2026Q3.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "回执"
    wb.active["A1"] = "县里自己的回执页"
    long = "技术改造项目季度统计报表（2026年第三季度）明细表"
    wb.create_sheet(long)["B2"] = "x"
    wb.save(src)
    finding = Finding("r", ERROR, "错", sheet=long, row=2, col_index=2)
    on_own = Finding("r", WARNING, "提示", sheet="回执", row=1, col_index=1)
    out = openpyxl.load_workbook(_write(tmp_path, src, findings=[finding, on_own]))
    assert (
        out.sheetnames[0] == RECEIPT_SHEET
        and out.sheetnames[1].startswith("回执")
        and len(out.sheetnames) == 3
    )
    assert out.sheetnames[1] != RECEIPT_SHEET and out[out.sheetnames[1]]["A1"].value == "县里自己的回执页"
    copied = out.sheetnames[2]
    assert copied == long[:31]
    assert _fill(out[copied]["B2"]) == ERROR_FILL_COLOR


def test_invalid_status(tmp_path):
    with pytest.raises(ValueError):
        _write(tmp_path, None, status="ok")


def _big_return(path: Path, n_rows=50, n_cols=25) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "项目表"
    ws["A1"] = "技术改造项目季报"
    ws.append([])
    ws.append([f"栏目{j}" for j in range(n_cols)])
    for i in range(n_rows):
        ws.append(
            [i + 1, "91410300MA44XXXX1A", "洛阳某机械有限公司", "智能化产线改造项目", dt.datetime(2025, 3, 1)]
            + [1000.5 + i + j for j in range(n_cols - 5)]
        )
    wb.save(path)
    return path


@pytest.mark.slow
def test_libreoffice_opens_receipt(tmp_path):
    to_pdf(_write(tmp_path, _county_xlsx(tmp_path / "410302_2026Q3_技改项目季报.xlsx")), tmp_path)


# --------------------------------------------------------------------------- issue 8: what a new user found


def _front(path: Path) -> tuple[dict[str, object], list[list]]:
    ws = openpyxl.load_workbook(path)[RECEIPT_SHEET]
    return _facts(ws), _table(ws)


def _receipt_of(intake_ws, file_name: str) -> Path:
    return intake_ws.ws.root / intake_ws.submission(file_name).receipt_path


@pytest.mark.slow  # over a second: outside the inner loop
def test_a_late_notice_counts_in_the_summary_as_in_the_table(intake_ws):
    from tests.conftest import base_recognition, meta_for, rows

    late = dt.datetime(2026, 4, 20, 10, 0).timestamp()
    data = rows(3)
    data[1]["cumulative_completed"] = 3000  # over 总投资: a warning to explain
    name = "410304_2026Q1_技改项目季报.xlsx"
    intake_ws.drop(name, data, mtime=late, meta=meta_for(), recognitions=[base_recognition(0)])
    intake_ws.run()
    sub = intake_ws.submission(name)
    facts, table = _front(_receipt_of(intake_ws, name))
    assert [r[6] for r in table] == ["逾期报送", "累计完成超过总投资"]
    assert facts["审核发现"] == "错误 0 条 / 提示 2 条"
    # 1 to explain + 1 to note = the 2 lines of the table
    assert sub.summary == (
        "报表已受理（逾期报送）：2026年第一季度共3个项目，有1条提示请核实并在备注中说明，另有1条提示请阅知。"
    )
    assert facts["审核说明"] == sub.summary


def test_a_late_return_with_nothing_else_does_not_say_no_problem_was_found(intake_ws):
    from tests.conftest import meta_for

    late = dt.datetime(2026, 4, 20, 10, 0).timestamp()
    name = "410304_2026Q1_技改项目季报.xlsx"
    intake_ws.drop(name, mtime=late, meta=meta_for())
    intake_ws.run()
    facts, table = _front(_receipt_of(intake_ws, name))
    assert len(table) == 1 and facts["审核发现"] == "错误 0 条 / 提示 1 条"
    assert facts["审核说明"] == "报表已受理（逾期报送）：2026年第一季度共3个项目，有1条提示请阅知。"


def test_the_attached_line_says_why_a_sheet_is_not_copied(tmp_path):
    src = _county_xlsx(tmp_path / "410302_2026Q3_技改项目季报.xlsx")
    clean = _write(tmp_path / "clean", src, status="accepted", findings=[])
    assert openpyxl.load_workbook(clean).sheetnames == [RECEIPT_SHEET]
    assert _front(clean)[0]["附表"] == "原报表（“项目表”、“认定表”）中没有需要标注的单元格，未附原表副本。"

    late = [Finding("late_submission", WARNING, "逾期")]
    out = _write(tmp_path / "late", src, status="accepted", findings=late)
    assert "没有可复制的工作表" not in _front(out)[0]["附表"]

    one = [Finding("uscc_checksum", ERROR, "信用代码不对", "项目表", 5, "uscc", "统一社会信用代码", 2)]
    out = _write(tmp_path / "one", src, findings=one)
    assert openpyxl.load_workbook(out).sheetnames == [RECEIPT_SHEET, "项目表"]
    assert _front(out)[0]["附表"] == (
        "“项目表”（原表副本，问题单元格已标色并附批注）；“认定表”未发现需标注的单元格，未附副本。"
    )

    # a sheet name differing in spaces only is the same sheet; one the file lacks is said so
    spaced = [Finding("bad_level", ERROR, "级别不对", " 认定表 ", 2, "level", "级别", 4)]
    out = _write(tmp_path / "spaced", src, findings=spaced)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [RECEIPT_SHEET, "认定表"] and _fill(wb["认定表"]["D2"]) == ERROR_FILL_COLOR
    lost = [Finding("bad_level", ERROR, "级别不对", "认定情况", 2, "level", "级别", 4)]
    out = _write(tmp_path / "lost", src, findings=lost)
    assert (
        _front(out)[0]["附表"] == "原报表中没有名为“认定情况”的工作表，未附原表副本；请按下表所列行号核对。"
    )


def test_the_example_file_name_is_the_receiving_units_own(intake_ws):
    from tests.conftest import rows

    name = "伊川县报表.xlsx"  # no period in its name, no template metadata
    intake_ws.drop(name, rows(3), unit="410329")
    intake_ws.run()
    sub = intake_ws.submission(name)
    (f,) = sub.findings
    assert f.rule_id == "no_period"
    received = intake_ws.submission(name).received_at
    from techreform.reference.periods import last_ended

    due = last_ended(received)
    assert f"410329_{due}_技改项目季报.xlsx" in f.message and due.label in f.message
    facts, table = _front(_receipt_of(intake_ws, name))
    assert "410302" not in facts["审核说明"] and "410302" not in table[0][7]
    assert f"410329_{due}_技改项目季报.xlsx" in table[0][7]


@pytest.mark.slow  # over a second: outside the inner loop
def test_one_bad_total_is_one_line_naming_each_comparison(intake_ws):
    import csv

    from tests.conftest import meta_for, rows

    data = rows(3)
    data[1].update(total_investment=100)  # below 设备投资 1200, 本年计划 1000 and 累计 1500
    name = "410304_2026Q1_技改项目季报.xlsx"
    rf = intake_ws.drop(name, data, meta=meta_for())
    intake_ws.run()
    sub = intake_ws.submission(name)
    # the warehouse keeps one finding per rule and cell
    assert sorted(f.rule_id for f in sub.findings) == [
        "cumulative_over_total",
        "equipment_over_total",
        "plan_over_total",
    ]
    path = _receipt_of(intake_ws, name)
    facts, table = _front(path)
    assert len(table) == 1
    (line,) = table
    row, col = rf.rows[1], rf.columns["total_investment"]
    letter = openpyxl.utils.get_column_letter(col)
    assert (line[1], line[2], line[3], line[4], line[5]) == (
        "错误",
        "项目表",
        row,
        f"总投资（万元）（{letter}列）",
        "100",
    )
    assert line[6] == "设备投资大于总投资、年度计划大于总投资、累计完成超过总投资"
    assert line[7].startswith("本行3项审核都涉及“总投资（万元）”")
    for part in (
        "设备投资是总投资的一部分",
        "本年计划投资不能超过总投资",
        "【提示】“自开工累计完成投资（万元）”1,500万元",
    ):
        assert part in line[7]
    # the numbers a reader can count agree: one line, one error
    assert facts["审核发现"] == "错误 1 条 / 提示 0 条"
    assert sub.summary.startswith("报表被退回：发现1处错误（首处：第3行，本行3项审核都涉及“总投资（万元）”")
    # the copy marks the one cell, the comment names every comparison
    copy = openpyxl.load_workbook(path)["项目表"]
    cell = copy.cell(row, col)
    assert _fill(cell) == ERROR_FILL_COLOR and cell.comment.text.count("总投资（万元）”100万元") == 3
    for other in ("equipment_investment", "annual_plan", "cumulative_completed"):
        assert copy.cell(row, rf.columns[other]).comment is None
    link = next(c for c in openpyxl.load_workbook(path)[RECEIPT_SHEET]["D"] if c.value == row)
    assert link.hyperlink.location == f"'项目表'!{letter}{row}"
    # findings.csv: one row per rule and cell, as before
    with (intake_ws.ws.reports_for("2026Q1") / "findings.csv").open(encoding="utf-8-sig") as fh:
        assert sum(1 for r in csv.DictReader(fh) if r.get("rule_id", "").endswith("_over_total")) == 3


def test_findings_of_one_cell_merge_and_the_others_stay_apart():
    from techreform.rules.findings import MergedFinding, merge_findings

    ytd = Finding("ytd_over_cumulative", ERROR, "本年大于累计", "项目表", 4, "ytd_completed", col_index=16)
    fell = Finding("ytd_decreased", ERROR, "本年累计减少", "项目表", 4, "ytd_completed", col_index=16)
    apart = Finding("bad_status", ERROR, "状态不对", "项目表", 4, "status", col_index=10)
    other_row = Finding("bad_status", ERROR, "状态不对", "项目表", 5, "status", col_index=10)
    lines = merge_findings([other_row, ytd, apart, fell])
    assert [type(x).__name__ for x in lines] == ["Finding", "MergedFinding", "Finding"]
    merged = lines[1]
    assert isinstance(merged, MergedFinding) and (merged.row, merged.col_index) == (4, 16)
    assert merged.parts == [fell, ytd] and "①" in merged.message and "②" in merged.message
    assert lines[0] is apart and lines[2] is other_row


def test_the_table_follows_the_template_project_sheet_first(tmp_path):
    src = _county_xlsx(tmp_path / "410302_2026Q3_技改项目季报.xlsx")
    findings = [
        Finding("bad_level", ERROR, "级别不对", "认定表", 2, "level", "级别", 4),
        Finding("bad_status", ERROR, "状态不对", "项目表", 6, "status", "项目状态", 3),
        Finding("uscc_checksum", ERROR, "信用代码不对", "项目表", 5, "uscc", "统一社会信用代码", 2),
        Finding("late_submission", WARNING, "逾期"),
        Finding("cumulative_over_total", WARNING, "超总投资", "项目表", 4, col_index=7),
        Finding("bad_year", WARNING, "年份", "认定表", 2, col_index=5),
    ]
    _, table = _front(_write(tmp_path, src, findings=findings))
    assert [(r[1], r[2], r[3]) for r in table] == [
        ("错误", "项目表", 5),
        ("错误", "项目表", 6),
        ("错误", "认定表", 2),
        ("提示", "—", "整表"),
        ("提示", "项目表", 4),
        ("提示", "认定表", 2),
    ]


def _template_like(path: Path, n_rows: int = 40) -> Path:
    """A return of the template's 25 columns, a title above the header, realistic cell texts."""
    from tests.conftest import rows, write_return

    write_return(
        path, rows(n_rows), title_rows=["洛阳市技术改造项目季报（2026年第一季度）"], merge_title=True
    )
    return path


def test_a_wide_sheet_prints_over_pages_with_its_key_columns_repeated(tmp_path):
    from techreform.workbooks.receipt_source import A4_WIDE as _A4_WIDE

    src = _template_like(tmp_path / "410304_2026Q1_技改项目季报.xlsx")
    findings = [Finding("bad_status", ERROR, "状态不对", "项目表", 5, "status", "项目状态", 10)]
    out = _write(tmp_path, src, findings=findings, unit_code="410304", unit_name="瀍河回族区")
    wb = openpyxl.load_workbook(out)
    front, copy = wb[RECEIPT_SHEET], wb["项目表"]
    # the receipt itself: one page wide
    assert front.sheet_properties.pageSetUpPr.fitToPage and front.page_setup.fitToWidth == 1
    # the copy: at full size, landscape A3, over several pages
    assert copy.max_column == 25
    assert not (copy.sheet_properties.pageSetUpPr and copy.sheet_properties.pageSetUpPr.fitToPage)
    assert copy.page_setup.orientation == "landscape" and copy.page_setup.paperSize == 8
    widths = sum(
        copy.column_dimensions[openpyxl.utils.get_column_letter(c)].width or 8.43 for c in range(1, 26)
    )
    assert widths > _A4_WIDE
    assert copy.print_title_rows == "$2:$2"  # the header, under the title
    assert copy.print_title_cols == "$A:$F"  # 序号 … 项目名称
    assert [copy.cell(2, c).value for c in (1, 3, 6)] == ["序号", "企业名称", "项目名称"]
    assert copy.print_options.gridLines


@pytest.mark.slow  # over a second: outside the inner loop
def test_libreoffice_prints_a_wide_copy_over_several_readable_pages(tmp_path):
    import re

    src = _template_like(tmp_path / "410304_2026Q1_技改项目季报.xlsx")
    findings = [Finding("bad_status", ERROR, "状态不对", "项目表", 5, "status", "项目状态", 10)]
    out = _write(tmp_path, src, findings=findings, unit_code="410304", unit_name="瀍河回族区")
    pdf = to_pdf(out, tmp_path).read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    # the receipt is one page; the copy's 25 columns take two A3 pages across, not one shrunk page
    assert pages >= 3, pages
