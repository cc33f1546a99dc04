"""The blank quarterly return a reporting unit fills in (DESIGN.md §3.1).

One workbook per unit per quarter, written with openpyxl:

- ``项目表``: title, a 填报单位/报告期 line, the header row (row 3) and 1000 formatted data rows
  with dropdowns for every enumeration and range checks for amounts, counts and percentages;
- ``认定表``: recognitions (header row 1);
- ``填报说明``: what the return is, the deadline, how to name the file and one rule per field;
- ``_meta`` (hidden): ``key``/``value`` rows with template version, profile, unit and period,
  read back at intake to tell which unit and period a file belongs to.

Headers and widths come from :mod:`techreform.reference.schema`; value lists, limits, input messages
and the 填报说明's rules from the rule book (rules/return_rules.yaml), reform types from the profile.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from techreform.reference import schema
from techreform.reference.periods import Period, month_text
from techreform.reference.profiles import Profile, Unit
from techreform.reference.schema import Field
from techreform.rules.book import RuleBook, default_book
from techreform.workbooks.common import first_sheet, fit_to_page

__all__ = ["DATA_ROWS", "LISTS_SHEET", "template_file_name", "write_template"]

DATA_ROWS = 1000  # formatted and validated rows below each header
PROJECT_HEADER_ROW = 3
RECOGNITION_HEADER_ROW = 1
LISTS_SHEET = "_lists"  # hidden; only created when an inline list would exceed Excel's limit
FILE_SUFFIX = "技改项目季报"

# Excel limits: a list typed into a validation is at most 255 characters; titles 32, messages 255.
_INLINE_LIST_MAX = 255
_TITLE_MAX = 32
_MESSAGE_MAX = 255

_NUMBER_FORMATS = {"amount": "#,##0.0", "pct": "0.0", "int": "0"}
_TEXT_KINDS = {"code", "month", "phone", "text", "enum"}

_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")  # optional columns
_REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")  # required columns
_SECTION_FILL = PatternFill("solid", fgColor="F2F2F2")
_HEADER_FONT = Font(name="宋体", bold=True, size=10)
_BODY_FONT = Font(name="宋体", size=10)
_WRAP_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_WRAP_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
_WRAP_TOP = Alignment(horizontal="left", vertical="top", wrap_text=True)

ERROR = "错误（退回）"
WARNING = "提示（需在备注中说明）"
NONE = "—"


def template_file_name(unit_code: str, period: Period) -> str:
    """The file name a unit should submit under, e.g. ``410302_2026Q3_技改项目季报.xlsx``."""
    return f"{unit_code}_{period}_{FILE_SUFFIX}.xlsx"


def write_template(
    path: Path, profile: Profile, unit_code: str, period: Period, rules: RuleBook | None = None
) -> Path:
    """Write the unit's blank return for ``period`` and return the file written.

    ``path`` is the file to write, or an existing directory, in which case the file is named
    :func:`template_file_name`. Parent directories are created. The dropdowns, input messages and
    填报说明 follow ``rules`` (default: the shipped return_rules.yaml), as the checks of a return do.
    """
    book = rules or default_book()
    unit = profile.unit(unit_code)
    if unit is None:
        raise ValueError(
            f"政策配置 {profile.id} 中没有代码为 {unit_code!r} 的填报单位；"
            f"可用：{', '.join(profile.unit_codes)}"
        )
    path = Path(path)
    if path.is_dir():
        path = path / template_file_name(unit.code, period)
    path.parent.mkdir(parents=True, exist_ok=True)

    wb = Workbook()
    projects = first_sheet(wb)
    projects.title = schema.PROJECT_SHEET
    recognitions = wb.create_sheet(schema.RECOGNITION_SHEET)
    instructions = wb.create_sheet(schema.INSTRUCTIONS_SHEET)
    meta = wb.create_sheet(schema.METADATA_SHEET)
    lists = _ListStore(wb)

    _write_projects(projects, book, profile, unit, period, lists)
    _write_recognitions(recognitions, book, period, lists)
    _write_instructions(instructions, book, profile, unit, period)
    _write_meta(meta, profile, unit, period)
    meta.sheet_state = "hidden"

    wb.active = 0
    wb.properties.title = f"{period.label}{unit.name}工业企业技术改造项目统计表"
    wb.properties.creator = profile.issuer or profile.name
    wb.save(path)
    return path


# ---------------------------------------------------------------------------------------------
# 项目表


def _write_projects(
    ws: Worksheet, book: RuleBook, profile: Profile, unit: Unit, period: Period, lists: _ListStore
) -> None:
    fields = schema.PROJECT_FIELDS
    last_col = get_column_letter(len(fields))
    first, last = PROJECT_HEADER_ROW + 1, PROJECT_HEADER_ROW + DATA_ROWS

    ws["A1"] = f"{period.label}{unit.name}工业企业技术改造项目统计表"
    ws["A1"].font = Font(name="黑体", bold=True, size=16)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells(f"A1:{last_col}1")
    ws.row_dimensions[1].height = 32

    ws["A2"] = f"填报单位：{unit.name}工业和信息化主管部门    报告期：{period.label}    单位：万元"
    ws["A2"].font = Font(name="宋体", size=11)
    ws["A2"].alignment = Alignment(horizontal="left", vertical="center")
    ws.merge_cells(f"A2:{last_col}2")
    ws.row_dimensions[2].height = 22

    _write_header(ws, fields, PROJECT_HEADER_ROW)
    ws.row_dimensions[PROJECT_HEADER_ROW].height = 48
    _format_body(ws, fields, first, last)
    for col, f in enumerate(fields, start=1):
        dv = _validation(f, book, profile, period, lists)
        if dv is not None:
            letter = get_column_letter(col)
            dv.add(f"{letter}{first}:{letter}{last}")
            ws.add_data_validation(dv)

    ws.freeze_panes = f"A{first}"
    # 25 columns: A3 landscape keeps the printed form legible.
    _page_setup(ws, landscape=True, title_rows=f"{PROJECT_HEADER_ROW}:{PROJECT_HEADER_ROW}", a3=True)


# ---------------------------------------------------------------------------------------------
# 认定表


def _write_recognitions(ws: Worksheet, book: RuleBook, period: Period, lists: _ListStore) -> None:
    fields = schema.RECOGNITION_FIELDS
    first, last = RECOGNITION_HEADER_ROW + 1, RECOGNITION_HEADER_ROW + DATA_ROWS
    _write_header(ws, fields, RECOGNITION_HEADER_ROW)
    ws.row_dimensions[RECOGNITION_HEADER_ROW].height = 30
    _format_body(ws, fields, first, last)
    for col, f in enumerate(fields, start=1):
        dv = _validation(f, book, None, period, lists)
        if dv is not None:
            letter = get_column_letter(col)
            dv.add(f"{letter}{first}:{letter}{last}")
            ws.add_data_validation(dv)
    ws.freeze_panes = f"A{first}"
    _page_setup(ws, landscape=False, title_rows=f"{RECOGNITION_HEADER_ROW}:{RECOGNITION_HEADER_ROW}")


# ---------------------------------------------------------------------------------------------
# shared sheet helpers


def _write_header(ws: Worksheet, fields: Sequence[Field], row: int) -> None:
    for col, f in enumerate(fields, start=1):
        c = ws.cell(row=row, column=col, value=f.header)
        c.font = _HEADER_FONT
        c.fill = _REQUIRED_FILL if f.required else _HEADER_FILL
        c.alignment = _WRAP_CENTER
        c.border = _BORDER
        ws.column_dimensions[get_column_letter(col)].width = f.width


def _number_format(f: Field) -> str:
    return _NUMBER_FORMATS.get(f.kind, "@")


def _format_body(ws: Worksheet, fields: Sequence[Field], first: int, last: int) -> None:
    """Border and number format for the data rows; text columns are '@' so codes keep leading zeros."""
    for col, f in enumerate(fields, start=1):
        fmt = _number_format(f)
        # The column default also covers rows typed beyond the formatted block.
        ws.column_dimensions[get_column_letter(col)].number_format = fmt
        for row in range(first, last + 1):
            c = ws.cell(row=row, column=col)
            c.number_format = fmt
            c.border = _BORDER
            c.font = _BODY_FONT


def _page_setup(ws: Worksheet, *, landscape: bool, title_rows: str | None = None, a3: bool = False) -> None:
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A3 if a3 else ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    fit_to_page(ws)
    if title_rows:
        ws.print_title_rows = title_rows
    ws.page_margins.left = ws.page_margins.right = 0.4


class _ListStore:
    """Dropdown sources: inline when short enough, else a column of a hidden ``_lists`` sheet."""

    def __init__(self, wb: Workbook):
        self._wb = wb
        self._ws: Worksheet | None = None
        self._refs: dict[tuple[str, ...], str] = {}

    def formula(self, values: Sequence[str]) -> str:
        values = tuple(values)
        inline = '"' + ",".join(values) + '"'
        if len(inline) <= _INLINE_LIST_MAX and not any("," in v or '"' in v for v in values):
            return inline
        if values not in self._refs:
            if self._ws is None:
                self._ws = self._wb.create_sheet(LISTS_SHEET)
                self._ws.sheet_state = "hidden"
            col = len(self._refs) + 1
            for row, v in enumerate(values, start=1):
                self._ws.cell(row=row, column=col, value=v).number_format = "@"
            letter = get_column_letter(col)
            self._refs[values] = f"{quote_sheetname(LISTS_SHEET)}!${letter}$1:${letter}${len(values)}"
        return self._refs[values]


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _messages(dv: DataValidation, header: str, prompt: str, error: str) -> None:
    title = _clip(header, _TITLE_MAX)
    dv.promptTitle = title
    dv.prompt = _clip(prompt, _MESSAGE_MAX)
    if error:
        dv.errorTitle = _clip(f"{header}填写有误", _TITLE_MAX)
        dv.error = _clip(error, _MESSAGE_MAX)
    dv.showInputMessage = True
    dv.showErrorMessage = dv.type is not None


def _validation(
    f: Field, book: RuleBook, profile: Profile | None, period: Period, lists: _ListStore
) -> DataValidation | None:
    """The Excel data validation (with Chinese prompt and error) for a column, or None.

    Value lists, limits and texts come from the rule book, so the template checks what the rules check.
    """
    spec = book.field_spec(f.sheet, f.name)
    default_prompt, default_error = book.input_message(f.kind)
    extra = {"period_end": month_text(period.end_month), "period_year": period.year}

    def messages(dv: DataValidation) -> DataValidation:
        prompt = spec.prompt if spec.prompt is not None else default_prompt + spec.hint
        error = spec.error if spec.error is not None else default_error
        text = book.field_text
        _messages(
            dv,
            f.header,
            text(f.sheet, f.name, prompt, profile, **extra),
            text(f.sheet, f.name, error, profile),
        )
        return dv

    if f.kind == "enum":
        values = book.field_values(f.sheet, f.name, profile)
        if not values:
            return None
        return messages(DataValidation(type="list", formula1=lists.formula(values), allow_blank=True))
    if f.kind in ("amount", "pct", "int") and spec.min is not None:
        top = spec.max
        if f.name == "year" and top is not None:  # not later than next year, whatever the rule allows
            top = min(top, period.year + 1)
        low, high = _num(spec.min), None if top is None else _num(top)
        kind: Literal["decimal", "whole"] = "decimal" if f.kind != "int" else "whole"
        if high is not None:
            dv = DataValidation(type=kind, operator="between", formula1=low, formula2=high, allow_blank=True)
        else:
            op: Literal["greaterThan", "greaterThanOrEqual"] = (
                "greaterThan" if spec.strict_min else "greaterThanOrEqual"
            )
            dv = DataValidation(type=kind, operator=op, formula1=low, allow_blank=True)
        return messages(dv)
    if f.kind == "month":
        # Any text is allowed (the parser reads many forms); the prompt says which.
        return messages(DataValidation(allow_blank=True))
    if f.name == "uscc":
        dv = DataValidation(type="textLength", operator="equal", formula1="18", allow_blank=True)
        dv.errorStyle = "warning"
        return messages(dv)
    if spec.prompt is not None:
        return messages(DataValidation(allow_blank=True))
    return None


def _num(x: float) -> str:
    return f"{x:g}"


# ---------------------------------------------------------------------------------------------
# 填报说明


def _handling(book: RuleBook, f: Field) -> str:
    """违反时的处理, from the severities of the rules about the field."""
    by_severity = book.field_severities(f.sheet, f.name)
    errors, warnings = by_severity.get("error"), by_severity.get("warning")
    if errors and warnings:
        return f"{ERROR}；{'、'.join(warnings)}为{WARNING}"
    return ERROR if errors else WARNING if warnings else NONE


def _weekday(d: dt.date) -> str:
    return "星期" + "一二三四五六日"[d.weekday()]


def _write_instructions(ws: Worksheet, book: RuleBook, profile: Profile, unit: Unit, period: Period) -> None:
    widths = (10, 26, 72, 30)
    for col, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = w
    text_width = sum(widths)
    deadline = period.deadline(profile.deadline_working_days)
    file_name = template_file_name(unit.code, period)
    row = 1

    ws.cell(row=row, column=1, value=f"{period.label}{unit.name}工业企业技术改造项目统计表 填报说明")
    ws.cell(row=row, column=1).font = Font(name="黑体", bold=True, size=14)
    ws.cell(row=row, column=1).alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=4)
    ws.row_dimensions[row].height = 30
    row += 1

    def section(title: str) -> None:
        nonlocal row
        row += 1
        c = ws.cell(row=row, column=1, value=title)
        c.font = Font(name="黑体", bold=True, size=12)
        ws.row_dimensions[row].height = 22
        row += 1

    def paragraph(text: str) -> None:
        nonlocal row
        c = ws.cell(row=row, column=1, value=text)
        c.font = Font(name="宋体", size=11)
        c.alignment = _WRAP_TOP
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=4)
        # Merged cells are not auto-fitted: estimate lines (a CJK character is ~2 width units).
        ws.row_dimensions[row].height = 15 * _lines(text, text_width) + 6
        row += 1

    section("一、报表说明")
    jurisdiction = profile.jurisdiction.name
    programme = profile.name if profile.name.startswith(jurisdiction) else f"{jurisdiction}{profile.name}"
    paragraph(
        f"本表是{programme}（{profile.document}）技术改造项目季度统计报表，"
        f"由{unit.name}（单位代码 {unit.code}）工业和信息化主管部门按季度填报，报告期为{period.label}"
        f"（{period.year}年1月至{period.end_date.month}月）。本辖区内所有在建、计划和本年竣工（投产）"
        "的工业技术改造项目，一个项目填一行（项目表）；企业获得的各类认定填在认定表。"
    )
    paragraph(
        "所有金额单位均为万元（保留一位小数）。如表头写成“元”或“亿元”，系统会按万元换算并给出提示。"
        "“本年累计”均为1月至报告期末的累计数（季度数据为年内累计）。"
    )
    paragraph(
        "表中的“合计”“小计”行不参与统计，可保留也可删除。请勿修改表头文字、工作表名称，"
        "也不要删除隐藏的工作表（其中记录了单位和报告期）。表头底色为橙色的栏目为必填。"
    )

    section("二、报送时间和方式")
    paragraph(
        f"报送截止：{deadline.year}年{deadline.month}月{deadline.day}日（{_weekday(deadline)}），"
        f"即季度结束后第{profile.deadline_working_days}个工作日（法定节假日及调休按国家规定）。"
        "以首次通过审核的报表的接收时间计算是否按时报送。"
    )
    paragraph(
        f"文件名：{file_name}（格式为 单位代码_报告期_技改项目季报.xlsx；报告期也可写作"
        f"“{period.label}”）。文件名或本表隐藏的元数据中必须能看出报告期，二者不一致的文件将被退回。"
    )
    paragraph(
        f"报送方式：将文件放入本单位（{unit.name}，{unit.code}）的报送文件夹。"
        "几分钟内会生成回执：通过，或退回并逐条列出问题所在的工作表、行、栏目和原因。"
        "修改后请重新报送整张表；同一报告期以最新一次通过审核的报表为准，此前的报表均留存备查。"
    )

    section("三、审核规则")
    paragraph(
        "错误（强制性审核）：报表整体退回，原已通过的报表继续有效，须修改后重新报送。"
        "提示（核实性审核）：报表通过，但回执会列出，请在该行“备注”中写明核实说明。"
    )
    paragraph(
        "同一项目代码在一张报表中出现两次为错误；同一年内本年累计完成投资低于上一季度已通过报表中的数值为错误；"
        "上一季度报过、本季度未报且未竣工（投产）的项目为提示。报表将与统计局固定资产投资项目库核对（应统尽统）。"
    )

    section("四、各栏目填写要求")
    for col, text in enumerate(("表", "栏目", "填写要求", "违反时的处理"), start=1):
        c = ws.cell(row=row, column=col, value=text)
        c.font = _HEADER_FONT
        c.fill = _HEADER_FILL
        c.alignment = _WRAP_CENTER
        c.border = _BORDER
    row += 1
    extra = {"period_end": month_text(period.end_month), "period_year": period.year}
    for sheet, fields in schema.FIELDS_BY_SHEET.items():
        for f in fields:
            guide = book.field_spec(sheet, f.name).guide
            rule = book.field_text(sheet, f.name, guide, profile, **extra) if guide else "选填。"
            severity = _handling(book, f)
            values = (sheet, f.header, rule, severity)
            for col, value in enumerate(values, start=1):
                c = ws.cell(row=row, column=col, value=value)
                c.font = _BODY_FONT
                c.alignment = _WRAP_LEFT
                c.border = _BORDER
            lines = max(_lines(rule, widths[2]), _lines(severity, widths[3]))
            ws.row_dimensions[row].height = max(18, 14 * lines + 4)
            row += 1

    row += 1
    source = profile.issuer or jurisdiction
    c = ws.cell(row=row, column=1, value=f"{source}　模板版本 {schema.TEMPLATE_VERSION}")
    c.font = Font(name="宋体", size=9, color="808080")
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=4)
    _page_setup(ws, landscape=False)


def _lines(text: str, width: int) -> int:
    """Estimated wrapped lines of ``text`` in a column ``width`` characters wide (CJK counts 2).

    Needed because neither Excel nor LibreOffice auto-fits merged cells.
    """
    used = sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)
    return max(1, -(-used // max(1, width - 2)))


# ---------------------------------------------------------------------------------------------
# _meta


def _write_meta(ws: Worksheet, profile: Profile, unit: Unit, period: Period) -> None:
    rows = (
        ("key", "value"),
        ("template_version", schema.TEMPLATE_VERSION),
        ("profile", profile.id),
        ("unit_code", unit.code),
        ("unit_name", unit.name),
        ("period", str(period)),
    )
    for r, (key, value) in enumerate(rows, start=1):
        for col, v in enumerate((key, value), start=1):
            c = ws.cell(row=r, column=col, value=str(v))
            c.number_format = "@"
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 24
