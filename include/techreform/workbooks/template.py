"""The blank quarterly return a reporting unit fills in (DESIGN.md §3.1).

One workbook per unit per quarter, written with openpyxl:

- ``项目表``: title, a 填报单位/报告期 line, the header row (row 3) and 1000 formatted data rows
  with dropdowns for every enumeration and range checks for amounts, counts and percentages;
- ``认定表``: recognitions (header row 1);
- ``填报说明``: what the return is, the deadline, how to name the file and one rule per field;
- ``_meta`` (hidden): ``key``/``value`` rows with template version, profile, unit and period,
  read back at intake to tell which unit and period a file belongs to.

Headers, enumerations and widths come from :mod:`techreform.reference.schema`, reform types from the profile.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from techreform.reference import schema
from techreform.reference.periods import Period, month_text
from techreform.reference.profiles import Profile, Unit
from techreform.reference.schema import Field

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

_MONTH_FORMS = "2025-03、2025.3、2025年3月、202503"
_OTHER_MONTH_FORMS = "2025.3、2025年3月、202503 或日期"


def template_file_name(unit_code: str, period: Period) -> str:
    """The file name a unit should submit under, e.g. ``410302_2026Q3_技改项目季报.xlsx``."""
    return f"{unit_code}_{period}_{FILE_SUFFIX}.xlsx"


def write_template(path: Path, profile: Profile, unit_code: str, period: Period) -> Path:
    """Write the unit's blank return for ``period`` and return the file written.

    ``path`` is the file to write, or an existing directory, in which case the file is named
    :func:`template_file_name`. Parent directories are created.
    """
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
    projects = wb.active
    projects.title = schema.PROJECT_SHEET
    recognitions = wb.create_sheet(schema.RECOGNITION_SHEET)
    instructions = wb.create_sheet(schema.INSTRUCTIONS_SHEET)
    meta = wb.create_sheet(schema.METADATA_SHEET)
    lists = _ListStore(wb)

    _write_projects(projects, profile, unit, period, lists)
    _write_recognitions(recognitions, period, lists)
    _write_instructions(instructions, profile, unit, period)
    _write_meta(meta, profile, unit, period)
    meta.sheet_state = "hidden"

    wb.active = 0
    wb.properties.title = f"{period.label}{unit.name}工业企业技术改造项目统计表"
    wb.properties.creator = profile.issuer or profile.name
    wb.save(path)
    return path


# ---------------------------------------------------------------------------------------------
# 项目表


def _write_projects(ws: Worksheet, profile: Profile, unit: Unit, period: Period, lists: _ListStore) -> None:
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
        dv = _validation(f, profile, period, lists)
        if dv is not None:
            letter = get_column_letter(col)
            dv.add(f"{letter}{first}:{letter}{last}")
            ws.add_data_validation(dv)

    ws.freeze_panes = f"A{first}"
    # 25 columns: A3 landscape keeps the printed form legible.
    _page_setup(ws, landscape=True, title_rows=f"{PROJECT_HEADER_ROW}:{PROJECT_HEADER_ROW}", a3=True)


# ---------------------------------------------------------------------------------------------
# 认定表


def _write_recognitions(ws: Worksheet, period: Period, lists: _ListStore) -> None:
    fields = schema.RECOGNITION_FIELDS
    first, last = RECOGNITION_HEADER_ROW + 1, RECOGNITION_HEADER_ROW + DATA_ROWS
    _write_header(ws, fields, RECOGNITION_HEADER_ROW)
    ws.row_dimensions[RECOGNITION_HEADER_ROW].height = 30
    _format_body(ws, fields, first, last)
    for col, f in enumerate(fields, start=1):
        if f.name == "year":
            dv = DataValidation(
                type="whole",
                operator="between",
                formula1="1990",
                formula2=str(period.year + 1),
                allow_blank=True,
            )
            _messages(dv, f.header, f"填写四位年份，如 {period.year}。", "认定年份应为四位整数年份。")
        else:
            dv = _validation(f, None, period, lists)
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
    ws.sheet_properties.pageSetUpPr.fitToPage = True
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
    f: Field, profile: Profile | None, period: Period, lists: _ListStore
) -> DataValidation | None:
    """The Excel data validation (with Chinese prompt and error) for a column, or None."""
    if f.kind == "enum":
        values = profile.reform_types if f.name == "reform_type" and profile else f.enum
        dv = DataValidation(type="list", formula1=lists.formula(values), allow_blank=True)
        shown = "、".join(values)
        _messages(dv, f.header, f"请从下拉列表中选择：{shown}。", f"只能填写：{shown}。请从下拉列表中选择。")
        return dv
    if f.kind == "amount":
        if f.name == "total_investment":
            dv = DataValidation(type="decimal", operator="greaterThan", formula1="0", allow_blank=True)
            _messages(dv, f.header, "单位：万元，须大于0。", "总投资须为大于0的数字，单位万元。")
        else:
            dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
            _messages(
                dv,
                f.header,
                f"单位：万元，不得为负数。{_AMOUNT_HINTS.get(f.name, '')}",
                "金额须为不小于0的数字，单位万元。",
            )
        return dv
    if f.kind == "int" and f.name != "seq":  # 序号 is free: a 合计 row may write text there
        dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
        _messages(dv, f.header, "填写不小于0的整数。", "须为不小于0的整数。")
        return dv
    if f.kind == "pct":
        top = f.extra.get("max", 100)
        dv = DataValidation(
            type="decimal", operator="between", formula1="0", formula2=str(top), allow_blank=True
        )
        _messages(
            dv,
            f.header,
            f"填写百分数的数值（如 12.5 表示12.5%），0–{top}。",
            f"须为0到{top}之间的数字（不带%号）。",
        )
        return dv
    if f.kind == "month":
        # Any text is allowed (the parser reads many forms); the prompt says which.
        dv = DataValidation(allow_blank=True)
        extra = (
            ""
            if f.name != "start_month"
            else f"不得晚于报告期末（{month_text(period.end_month)}），计划项目除外。"
        )
        if f.name == "planned_completion":
            extra = "不得早于开工年月。"
        _messages(dv, f.header, f"填写年月，如 2025-03；也可写 {_OTHER_MONTH_FORMS}。{extra}", "")
        return dv
    if f.name == "uscc":
        dv = DataValidation(type="textLength", operator="equal", formula1="18", allow_blank=True)
        dv.errorStyle = "warning"
        _messages(
            dv,
            f.header,
            "18位统一社会信用代码，按营业执照填写。",
            "统一社会信用代码应为18位，请核对营业执照。",
        )
        return dv
    if f.name == "project_code":
        dv = DataValidation(allow_blank=True)
        _messages(
            dv,
            f.header,
            f"总投资≥{_num(profile.project_code_required_from) if profile else 500}万元时必填，"
            "格式如 2025-410304-34-03-107856。",
            "",
        )
        return dv
    if f.name == "industry_code":
        dv = DataValidation(allow_blank=True)
        _messages(dv, f.header, "国民经济行业分类（GB/T 4754-2017）大类两位代码，工业为06–46，如 34。", "")
        return dv
    return None


_AMOUNT_HINTS = {
    "equipment_investment": "不得超过总投资。",
    "annual_plan": "不得超过总投资。",
    "ytd_completed": "1月至报告期末累计数，不得超过自开工累计完成投资。",
    "cumulative_completed": "超过总投资时请在备注中说明原因。",
}


def _num(x: float) -> str:
    return f"{x:g}"


# ---------------------------------------------------------------------------------------------
# 填报说明


def _field_rules(profile: Profile, period: Period) -> dict[str, dict[str, tuple[str, str]]]:
    """Per sheet, field name → (填写要求, 违反时的处理)."""
    code_from = _num(profile.project_code_required_from)
    period_end = month_text(period.end_month)
    types = "、".join(profile.reform_types)
    project = {
        "seq": ("选填，按顺序编号，不参与审核。", NONE),
        "uscc": (
            "必填，18位，校验位（第18位）须正确（GB 32100-2015），按营业执照填写；"
            "小写字母、全角字符和首尾空格会自动纠正。",
            ERROR,
        ),
        "enterprise_name": ("必填，填写营业执照上的企业全称。", ERROR),
        "above_scale": ("选择“是”或“否”（规模以上工业企业）。", ERROR),
        "industry_code": (
            "国民经济行业分类（GB/T 4754-2017）大类两位代码，工业为06–46，如 34（通用设备制造业）。",
            ERROR,
        ),
        "project_name": ("必填，与备案（核准）文件一致。", ERROR),
        "project_code": (
            f"总投资≥{code_from}万元时必填；格式 2025-410304-34-03-107856"
            "（中间6位为行政区划代码）；同一张报表中不得重复。",
            ERROR,
        ),
        "reform_type": (f"必填，从下拉列表选择：{types}。", ERROR),
        "construction_nature": ("必填，新建/扩建/改建和技术改造；只有“改建和技术改造”计入技改投资。", ERROR),
        "status": (
            "必填，计划/新开工/续建/竣工/投产。上季度已报、本季度消失且未竣工/投产的项目为提示。",
            ERROR,
        ),
        "start_month": (
            f"必填，年月，可写 {_MONTH_FORMS}；不得晚于报告期末（{period_end}）（计划项目除外）。",
            ERROR,
        ),
        "planned_completion": ("年月，写法同开工年月；计划竣工年月不得早于开工年月。", ERROR),
        "total_investment": ("必填，大于0，单位万元。", ERROR),
        "equipment_investment": ("0 ≤ 设备投资 ≤ 总投资，单位万元。", ERROR),
        "annual_plan": ("0 ≤ 本年计划投资 ≤ 总投资，单位万元。", ERROR),
        "ytd_completed": (
            "1月至报告期末的累计数，0 ≤ 本年累计 ≤ 自开工累计；同一年内不得低于上一季度"
            "已通过报表中的本年累计。",
            ERROR,
        ),
        "cumulative_completed": (
            "不得为负数；自开工累计 > 总投资 为核实性提示，须在备注说明原因。",
            "负数为错误（退回）；超过总投资为提示（需在备注中说明）",
        ),
        "in_statistics": (
            "选择“是”或“否”：本单位掌握的该项目是否已纳入统计局固定资产投资项目库，将与统计数据逐项核对。",
            ERROR,
        ),
        "smart_equipment_units": ("本项目新增智能装备台（套）数，不小于0的整数。", ERROR),
        "staff_reduction_pct": ("百分数的数值（12.5 表示12.5%），0–100。", ERROR),
        "energy_reduction_pct": ("百分数的数值，0–100。", ERROR),
        "efficiency_gain_pct": ("百分数的数值，0–500。", ERROR),
        "contact": ("选填，项目联系人。", NONE),
        "phone": (
            "选填。联系电话属个人信息，仅用于核实联系，不会出现在任何领导小组通报、检查和考核材料中。",
            NONE,
        ),
        "note": ("对“提示”类问题的核实说明写在这里；已说明的提示不再要求回复。", NONE),
    }
    recognition = {
        "uscc": ("必填，18位，校验位须正确。", ERROR),
        "enterprise_name": ("必填，企业全称。", ERROR),
        "category": ("必填，从下拉列表选择：" + "、".join(schema.RECOGNITION_CATEGORIES) + "。", ERROR),
        "level": ("必填，国家级/省级/市级；只有省级及以上计入考核。", ERROR),
        "year": (f"必填，四位年份；考核只计入认定年份为{period.year}年的认定。", ERROR),
        "document_no": ("选填，认定文件的文号。", NONE),
    }
    return {schema.PROJECT_SHEET: project, schema.RECOGNITION_SHEET: recognition}


def _generic_rule(f: Field) -> tuple[str, str]:
    """Fallback for a field without a written rule (keeps the sheet complete if the schema grows)."""
    need = "必填" if f.required else "选填"
    kind = {
        "amount": "，单位万元，不得为负数",
        "int": "，不小于0的整数",
        "month": f"，年月，可写 {_MONTH_FORMS}",
        "enum": "，从下拉列表选择",
    }.get(f.kind, "")
    return f"{need}{kind}。", ERROR if f.required or f.kind in ("amount", "int", "enum") else NONE


def _weekday(d: dt.date) -> str:
    return "星期" + "一二三四五六日"[d.weekday()]


def _write_instructions(ws: Worksheet, profile: Profile, unit: Unit, period: Period) -> None:
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
    rules = _field_rules(profile, period)
    for sheet, fields in schema.FIELDS_BY_SHEET.items():
        for f in fields:
            rule, severity = rules.get(sheet, {}).get(f.name) or _generic_rule(f)
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
