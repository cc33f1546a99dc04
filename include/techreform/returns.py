"""Reading a county return as it really arrives (DESIGN.md §3.1).

Excel and WPS files differ in small ways: title rows above the header, header aliases, columns in
any order, blank rows, full-width characters, thousands separators, numbers stored as text, months
written five different ways, amounts in 元 or 亿元, a 合计 row. This module turns such a workbook
into typed rows that keep their Excel row numbers, plus file-level findings (missing sheet or
columns, unit conversions). It judges nothing else: the rules do that.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import math
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook

from techreform import schema
from techreform.findings import ERROR, WARNING, Finding
from techreform.periods import Period, month_index, period_from_name
from techreform.schema import AMOUNT_UNITS, Field

log = logging.getLogger(__name__)

READABLE_SUFFIXES = (".xlsx", ".xlsm", ".xls")
HEADER_SCAN_ROWS = 10
_BLANK_MARKERS = {"-", "—", "–", "/", "／", "--", "——", "－"}
_NO_CODE = {"无", "暂无", "待赋码", "无代码", "未赋码", "未备案"}
_TOTAL_RE = re.compile(r"(合\s*计|小\s*计|总\s*计|共\s*计)")
_FOOTER_RE = re.compile(
    r"^(注[:：]|注\s*\d|说明[:：]|填表说明|填报说明|附[:：件]|填表人|填报人|审核人|单位负责人|负责人|统计负责人|制表|报出日期|填报日期)"
)
_SIGNATURE_RE = re.compile(
    r"^[^:：]{0,10}(负责人|填表|填报|审核|制表|联系电话|电话|日期|报出|盖章)[^:：]{0,6}[:：]"
)
_INSTRUCTION_RE = re.compile(r"^(\d{1,2}[、.．]|[（(]\d{1,2}[)）]|[一二三四五六七八九十][、.．])\D")
# （三）竣工投产项目, 二、续建项目: a section of the table, not a project
_SECTION_RE = re.compile(r"^([（(][一二三四五六七八九十\d]{1,3}[)）]|[一二三四五六七八九十]{1,3}[、.．])\D")
_NUMBERING_TOKENS = set("甲乙丙丁戊己庚辛壬癸")
_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_MONTH_SUFFIX = re.compile(r"\s*(份|初|中|底|末|上旬|中旬|下旬)$")
_MONTH_PATTERNS = (
    re.compile(
        r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(\s*[-/.]?\s*\d{1,2}\s*日?)?(\s+\d{1,2}:\d{2}(:\d{2})?)?$"
    ),
    re.compile(r"^(\d{4})(\d{2})$"),
    re.compile(r"^(\d{4})(\d{2})\d{2}$"),
)
# Excel stores dates as days since 1899-12-30; a month cell formatted as a number shows that.
_EXCEL_EPOCH = dt.date(1899, 12, 30)


class UnreadableWorkbook(Exception):
    """The file is not a workbook we can open (or is still being written)."""


@dataclass
class Column:
    field: str
    header: str  # as written in the county's file
    index: int  # 1-based Excel column
    factor: float = 1.0  # multiply to get 万元
    unit: str = "万元"  # the unit the county wrote amounts in (header, units row or 单位：… line)


@dataclass
class Sheet:
    name: str  # as in the file
    kind: str  # schema.PROJECT_SHEET or schema.RECOGNITION_SHEET
    header_row: int | None  # Excel row of the header
    columns: dict[str, Column] = field(default_factory=dict)
    rows: list[dict[str, Any]] = field(default_factory=list)  # typed values + "_row" + "<f>__raw"
    ignored_rows: list[int] = field(default_factory=list)  # amounts without any project: skipped
    other_table_at: int | None = None  # Excel row where another table starts under this one


@dataclass
class ParsedReturn:
    path: Path
    metadata: dict[str, str]
    projects: Sheet | None
    recognitions: Sheet | None
    findings: list[Finding] = field(default_factory=list)


# ---------------------------------------------------------------------------------------- text


def clean_text(value: Any) -> str | None:
    """A cell as text: full-width folded (NFKC), surrounding and zero-width spaces dropped."""
    if value is None or value == "":
        return None
    kind = type(value)
    if kind is str and value.isascii():  # the common cases, without the Unicode machinery
        return value.strip() or None
    if kind is float:
        if math.isnan(value):
            return None
        return str(int(value)) if value.is_integer() else str(value)
    if kind is int:
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    s = unicodedata.normalize("NFKC", str(value)).replace("\u200b", "").replace("\ufeff", "").strip()
    return s or None


def _header_key(text: str) -> str:
    """Header text reduced to its words: no spaces, brackets, units or the word 其中."""
    s = unicodedata.normalize("NFKC", text)
    s = re.sub(r"\s+", "", s)
    s = re.sub(r"\((亿元|千元|万元|元|%|台套|台\(套\)|个|家)\)", "", s)
    s = re.sub(r"[()（）\[\]【】:：*＊]", "", s)
    return s.replace("其中", "")


def _alias_table(fields: tuple[Field, ...]) -> dict[str, str]:
    table: dict[str, str] = {}
    for f in fields:
        for text in (f.header, *f.aliases):
            table.setdefault(_header_key(text), f.name)
    return table


_ALIASES = {kind: _alias_table(fields) for kind, fields in schema.FIELDS_BY_SHEET.items()}
_TEMPLATE_HEADERS = {
    kind: {_header_key(f.header) for f in fields} for kind, fields in schema.FIELDS_BY_SHEET.items()
}


# 本年/1-9月/前三季度/三季度累计/一季度/2026年…完成投资: this year's (三季度完成 alone is the quarter's)
_THIS_YEAR = re.compile(
    r"本年|今年|当年|年初|年度|1[-—–~～至到]\d+月|前[一二三1-3]季度|[一二三四1-4]季度累计|[一1]季度"
    r"|20\d\d年度?(累计)?完成"
)
# 截至上年底累计, 以前年度完成, 上年同期: figures of earlier years, none of this return's fields
_EARLIER_YEARS = re.compile(r"上年|去年|以前年度|往年|历年|上一年")
_YEAR_FIELDS = ("ytd_completed", "cumulative_completed", "annual_plan")
_AS_OF = re.compile(r"截[至止]|月[底末]")
_DATE_IN_HEADER = re.compile(r"(20\d\d)年(?:(\d{1,2})月)?")


def _as_of_month(text: str) -> int:
    """The month a header's figure stands at (截至2025年底 → Dec 2025); 0 when it names none. Of two
    such columns for one field, the later is the current figure, the earlier a past one."""
    m = _DATE_IN_HEADER.search(unicodedata.normalize("NFKC", text))
    return month_index(int(m.group(1)), int(m.group(2) or 12)) if m else 0


@cache
def header_match(text: str, kind: str) -> tuple[str, int] | None:
    """(field, score) a header names: 3 for the template's own header, 2 for an exact alias, 1 for
    the longest alias it contains (so 项目代码 beats an internal 项目编号 wherever they stand)."""
    key = _header_key(text)
    if not key:
        return None
    table = _ALIASES[kind]
    fields = {f.name: f for f in schema.FIELDS_BY_SHEET[kind]}
    if key in table:
        return table[key], 3 if key in _TEMPLATE_HEADERS[kind] else 2
    best = max((a for a in table if len(a) >= 2 and a in key), key=len, default=None)
    if best is None:
        if "完成" in key and "投资" in key and kind == schema.PROJECT_SHEET:  # 1-3月完成投资
            best = (
                "本年累计完成投资"
                if _THIS_YEAR.search(key)
                else "开工累计完成投资"
                if "开工" in key
                else None
            )
        if best is None:
            return None
    name = table[_header_key(best)]
    if name in _YEAR_FIELDS and _EARLIER_YEARS.search(key):
        return None
    if (
        name in ("cumulative_completed", "ytd_completed")
        and _AS_OF.search(key)
        and not _THIS_YEAR.search(key)
    ):
        return "cumulative_completed", 1  # 截至2026年3月底累计: since the start, as of a date
    if name in ("cumulative_completed", "ytd_completed") or (
        name == "total_investment" and "完成" in key  # 自开工累计完成投资总额 is not 总投资
    ):
        # 本年度/当年/1-9月/年初以来…累计完成投资: this year's; 自开工/开工以来: since the start
        if "开工" in key:
            name = "cumulative_completed"
        elif _THIS_YEAR.search(key):
            name = "ytd_completed"
    if fields[name].kind == "code" and "名称" in key:
        return None  # 行业名称 is not 行业代码
    if fields[name].kind == "pct" and re.search(
        r"\((人|台|台套|万元|吨)\)|人数", unicodedata.normalize("NFKC", text)
    ):
        return None  # a headcount or an amount, not a percentage
    return name, 1


def match_header(text: str, kind: str) -> str | None:
    """The field a header names, if any."""
    m = header_match(text, kind)
    return m[0] if m else None


_UNITS_LONGEST_FIRST = sorted(AMOUNT_UNITS, key=len, reverse=True)  # 亿元/千元/万元 before 元
_UNIT_LINE_RE = re.compile(r"(?:金额|计量|价值)?单位[:：]\s*(亿元|千元|万元|元)(?![\u4e00-\u9fff])")


def _unit_in(header: str) -> str | None:
    """The money unit a header or a units cell names (总投资（元）, 元, (千元)), if any."""
    h = unicodedata.normalize("NFKC", header)
    return next((u for u in _UNITS_LONGEST_FIRST if u in h), None)


def _unit_line(grid: list[list[Any]], above: int) -> str | None:
    """The unit a title line states for the whole table (单位：元, 金额单位：万元), if any."""
    for row in grid[:above]:
        for v in row:
            if isinstance(v, str):
                m = _UNIT_LINE_RE.search(unicodedata.normalize("NFKC", v))
                if m:
                    return m.group(1)
    return None


def conversion_text(unit: str) -> str:
    """How an amount in ``unit`` became 万元: ÷10000, ÷10, ×10000."""
    factor = AMOUNT_UNITS[unit]
    return f"÷{round(1 / factor)}" if factor < 1 else f"×{round(factor)}"


# ------------------------------------------------------------------------------------- values


def parse_number(value: Any) -> tuple[float | None, bool]:
    """(number, ok). Blank gives (None, True); text that is no number gives (None, False)."""
    if value is None or value == "":
        return None, True
    if isinstance(value, bool):
        return None, False
    if isinstance(value, int | float):
        return (None, True) if isinstance(value, float) and math.isnan(value) else (float(value), True)
    s = clean_text(value)
    if s is None or s in _BLANK_MARKERS:
        return None, True
    s = s.replace(",", "").replace(" ", "").replace("%", "").replace("\u2212", "-")
    if s.startswith("(") and s.endswith(")"):  # (100): a negative number, as accountants write it
        s = "-" + s[1:-1]
    if _NUMBER_RE.match(s):
        return float(s), True
    return None, False


def parse_month(value: Any) -> tuple[int | None, bool]:
    """(month index year*12+month-1, ok). Accepts dates, 2025-03, 2025.3, 2025年3月, 202503, serials."""
    if value is None or value == "":
        return None, True
    if isinstance(value, dt.datetime | dt.date):
        return month_index(value.year, value.month), True
    if isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, float) and math.isnan(value):
            return None, True
        if float(value).is_integer() and 19000101 <= value <= 21001231:  # 20250301
            value = int(value) // 100
        if float(value).is_integer() and 190001 <= value <= 210012:  # 202503
            y, m = divmod(int(value), 100)
            return (month_index(y, m), True) if 1 <= m <= 12 else (None, False)
        if 1900 <= value < 2101 and not float(value).is_integer():  # 2025.3 typed into a number cell
            y, frac = divmod(round(value * 100), 100)
            m = frac // 10 if frac % 10 == 0 and frac >= 10 else frac  # 2025.1 → 1, 2025.12 → 12
            return (month_index(y, m), True) if 1 <= m <= 12 else (None, False)
        if 20000 <= value < 80000:  # an Excel serial date shown as a number (1954–2119)
            d = _EXCEL_EPOCH + dt.timedelta(days=int(value))
            return month_index(d.year, d.month), True
        return None, False
    s = clean_text(value)
    if s is None or s in _BLANK_MARKERS:
        return None, True
    s = _MONTH_SUFFIX.sub("", s.replace("T", " "))
    m = re.fullmatch(r"(\d{2})\s*年\s*(\d{1,2})\s*月?", s)  # 25年3月
    if m:
        s = f"20{m.group(1)}-{m.group(2)}"
    m = re.fullmatch(r"(\d{1,2})\s*/\s*(\d{4})", s)  # 3/2025
    if m:
        s = f"{m.group(2)}-{m.group(1)}"
    for pat in _MONTH_PATTERNS:
        m = pat.match(s)
        if m:
            y, mo = int(m.group(1)), int(m.group(2))
            if 1900 <= y <= 2100 and 1 <= mo <= 12:
                return month_index(y, mo), True
            return None, False
    if _NUMBER_RE.match(s):
        return parse_month(float(s))
    return None, False


def normalize_code(value: Any) -> str | None:
    s = clean_text(value)
    if s is None:
        return None
    s = re.sub(r"[\s\u3000]", "", s)
    return re.sub(r"[‐‑‒–—―−－]", "-", s).upper()


def normalize_industry(value: Any) -> str | None:
    s = normalize_code(value)
    if s is None:
        return None
    if re.fullmatch(r"[A-Z]\d{2,4}", s):  # section letter written in front: C34
        s = s[1:]
    if re.fullmatch(r"\d", s):  # Excel dropped the leading zero of 06–09
        s = "0" + s
    if re.fullmatch(r"\d{3,4}", s):  # a group or class code: its first two digits are the division
        s = s[:2]
    return s


# -------------------------------------------------------------------------------------- sheets


_SPACE_RE = re.compile(r"\s")
_COLUMN_NUMBER_RE = re.compile(r"(\d{1,3})(?:\.0)?")
_TOTAL_END_RE = re.compile(r"(合计|小计|总计|共计)[:：]?$")
_TRAILING_REMARK_RE = re.compile(r"[(（][^()（）]*[)）]$")


def _is_total_label(text: str) -> bool:
    """合计 / 小计 / 全县合计 / 瀍河回族区技改项目合计 / 其中：智能化改造: a label, not a sentence."""
    t = _TRAILING_REMARK_RE.sub("", _SPACE_RE.sub("", text))  # 合计（共2个项目）
    if len(t) > 20:
        return False
    if t.startswith("其中") or _TOTAL_END_RE.search(t):
        return True
    return len(t) <= 8 and bool(_TOTAL_RE.search(t))


def _is_footer(filled: list[str]) -> bool:
    """Signature lines, notes and numbered instructions under the table."""
    if _FOOTER_RE.match(filled[0]) and len(filled) <= 3:
        return True
    if all(_SIGNATURE_RE.match(t) for t in filled):  # 单位负责人：… | 填表人：… | 报出日期：…
        return True
    return len(filled) <= 2 and bool(_INSTRUCTION_RE.match(filled[0])) and len(filled[0]) > 8


_UNIT_TOKENS = {
    "万元",
    "元",
    "千元",
    "亿元",
    "%",
    "(%)",
    "台套",
    "台(套)",
    "个",
    "人",
    "年月",
    "是/否",
    "(万元)",
    "(元)",
    "(千元)",
    "(亿元)",
}


def _is_units_row(filled: list[str]) -> bool:
    """A line of units under the header (万元 | 万元 | % | 台套 …)."""
    return len(filled) >= 3 and all(t.replace(" ", "") in _UNIT_TOKENS for t in filled)


def _is_numbering_row(filled: list[str]) -> bool:
    """The 甲/乙/1/2/3… line many statistics forms carry under the header (its non-empty cells)."""
    if len(filled) < 4:
        return False
    nums = []
    for v in filled:
        if v in _NUMBERING_TOKENS:
            continue
        m = _COLUMN_NUMBER_RE.fullmatch(v)
        if m is None:  # most rows stop at their first cell
            return False
        nums.append(int(m.group(1)))
    return all(b == a + 1 for a, b in zip(nums, nums[1:], strict=False))


def _assign(texts: dict[int, str], kind: str) -> dict[int, tuple[str, str]]:
    """{col: (field, header)}: each field to its best column. An exact alias beats a header that only
    contains one, so 行业名称 left of 行业代码, or 入统状态 left of 项目状态, do not take them."""
    candidates = []
    for c, text in texts.items():
        m = header_match(clean_text(text) or "", kind) if len(text) <= 60 else None
        if m:
            candidates.append((-m[1], -_as_of_month(text), c, m[0], text.strip()))
    found: dict[int, tuple[str, str]] = {}
    taken: set[str] = set()
    for _, _, c, name, text in sorted(candidates):
        if name not in taken:
            found[c] = (name, text)
            taken.add(name)
    return dict(sorted(found.items()))


def _find_header(grid: list[list[Any]], kind: str) -> tuple[int, dict[int, tuple[str, str]]] | None:
    """(grid row index, {col index: (field, header text)}) of the likeliest header row."""
    best: tuple[int, dict[int, tuple[str, str]]] | None = None
    for r, row in enumerate(grid[:HEADER_SCAN_ROWS]):
        found = _assign({c: v for c, v in enumerate(row) if isinstance(v, str) and v.strip()}, kind)
        if len(found) >= 3 and (best is None or len(found) > len(best[1])):
            best = (r, found)
    return best


def _two_row_header(
    grid: list[list[Any]], hr: int, merged: list, kind: str
) -> dict[int, tuple[str, str]] | None:
    """A group header over sub-headers (投资情况（万元） over 总投资 | 本年累计 | 自开工累计): the header
    as the two rows read together, or None when the row under the header is not a sub-header row."""
    if hr + 1 >= len(grid):
        return None
    upper, lower = list(grid[hr]), grid[hr + 1]
    for (r1, c1), (_, c2) in merged:  # a group title merged across its sub-headers
        if r1 == hr and c2 > c1 and c1 < len(upper):
            for c in range(c1 + 1, min(c2, len(upper) - 1) + 1):
                upper[c] = upper[c] if upper[c] not in (None, "") else upper[c1]
    subs = {c: v for c, v in enumerate(lower) if isinstance(v, str) and v.strip()}
    named = sum(header_match(clean_text(v) or "", kind) is not None for v in subs.values())
    totals = sum(_is_group_total(v) for v in subs.values())
    # sub-headers are mostly field names (an extra 其中：建筑工程 may stand among them); a data row
    # or a line of remarks is not
    if len(_assign(subs, kind)) < 2 or 2 * (named + totals) < len(subs):
        return None
    combined: dict[int, str] = {}
    for c in range(max(len(upper), len(lower))):
        top = upper[c] if c < len(upper) and isinstance(upper[c], str) else ""
        sub = subs.get(c, "")
        if sub and _is_group_total(sub):  # 总投资（万元） over 合计 | 其中：设备投资: the group's own figure
            # (投资情况 over 合计 | 其中：…: the total of an investment group is the total investment)
            top_named = header_match(clean_text(top) or "", kind) is not None or "投资" not in top
            as_total = re.sub(r"^[^（(]*", "总投资", unicodedata.normalize("NFKC", top))
            combined[c] = top if top_named else as_total
        elif sub:  # the group's unit (万元/元) travels with its sub-headers
            unit = re.search(r"[（(](亿元|千元|万元|元)[)）]", unicodedata.normalize("NFKC", top))
            combined[c] = sub if not unit or re.search(r"元", sub) else f"{sub}（{unit.group(1)}）"
        elif top.strip():
            combined[c] = top
    return _assign(combined, kind)


def _is_group_total(sub_header: str) -> bool:
    return bool(re.fullmatch(r"(合计|小计|总计|共计|总额)", _SPACE_RE.sub("", sub_header)))


def _convert(f: Field, raw: Any, text: str, factor: float) -> tuple[Any, bool]:
    """A cell converted to its field's type: (value, ok). ``text`` is the cell as ``clean_text``."""
    if f.kind in ("amount", "pct"):
        n, ok = parse_number(raw)
        if n is not None and f.kind == "amount" and factor != 1.0:
            n = round(n * factor, 6)  # 8128000 元 is 812.8 万元, not 812.8000000000001
        return n, ok
    if f.kind == "int":
        if f.name == "year" and isinstance(raw, str):
            raw = re.sub(r"\s*年度?$", "", raw.strip())  # 认定年份 "2026年"
        n, ok = parse_number(raw)
        if n is not None and not float(n).is_integer():
            return None, False
        return (int(n) if n is not None else None), ok
    if f.kind == "month":
        return parse_month(raw)
    if text in _BLANK_MARKERS or (f.kind == "code" and text in _NO_CODE):
        return None, True  # "—", "/", "无", "待赋码": nothing written (a required one is then missing)
    if f.name == "industry_code":
        return normalize_industry(text), True
    if f.kind == "code":
        return normalize_code(text), True
    if f.kind == "phone":
        return text, True
    if f.kind == "enum":
        text = re.sub(r"\s+", "", text)
        if f.enum and text not in f.enum:  # 国家级（工信部）, 续建（主体完工）: the listed value and a remark
            head = re.sub(r"[（(].*[)）]$", "", text)
            text = head if head in f.enum else text
    return text, True


def _read_sheet(name: str, grid: list[list[Any]], merged: list, kind: str) -> Sheet | None:
    header = _find_header(grid, kind)
    if header is None:
        return None
    hr, found = header
    two_rows = _two_row_header(grid, hr, merged, kind)
    if two_rows is not None and len(two_rows) > len(found):
        found = two_rows
        hr += 1  # data starts under the sub-headers
    _fill_merged_down(grid, [m for m in merged if m[0][0] > hr])
    fields = {f.name: f for f in schema.FIELDS_BY_SHEET[kind]}
    sheet = Sheet(name=name, kind=kind, header_row=hr + 1)
    table_unit = _unit_line(grid, hr) or "万元"
    unit_open: set[str] = set()  # amount columns whose header names no unit (a units row may)
    for c, (fname, text) in found.items():
        sheet.columns[fname] = Column(fname, text, c + 1)  # the grid starts at A1
        if fields[fname].kind == "amount":
            unit = _unit_in(text)
            if unit is None:
                unit_open.add(fname)
            _set_unit(sheet.columns[fname], unit or table_unit)
    key_fields = ("uscc", "enterprise_name", "project_name", "project_code", "total_investment", "category")
    label_fields = ("seq", "uscc", "enterprise_name", "project_name")
    label_cols = [c for c, (fname, _) in found.items() if fname in label_fields]
    text_key_cols = [
        c for c, (fname, _) in found.items() if fname in key_fields and fields[fname].kind != "amount"
    ]
    amount_cols = [c for c, (fname, _) in found.items() if fields[fname].kind == "amount"]
    for r in range(hr + 1, len(grid)):
        values = grid[r]
        texts = [clean_text(v) for v in values]  # each cell cleaned once: this loop is the hot path
        filled = [t for t in texts if t is not None]
        if not filled:
            continue
        if _is_total_label(filled[0]) or any(
            texts[c] and _is_total_label(texts[c]) for c in label_cols if c < len(texts)
        ):
            continue
        if _is_footer(filled):
            continue
        if len(filled) <= 2 and _SECTION_RE.match(filled[-1]):
            continue
        if _names_header(texts, found, label_cols, kind):
            # the header again (a printed form's page break), or the header of another table
            # under this one (附：获认定情况), whose rows are no projects: the table ends there
            if len(_assign({c: t for c, t in enumerate(texts) if t}, kind)) * 2 >= len(found):
                continue
            sheet.other_table_at = r + 1
            break
        if _is_units_row(filled):
            for fname in unit_open:  # 总投资 over 元: the units row says what the header did not
                c = sheet.columns[fname].index - 1
                unit = _unit_in(texts[c]) if c < len(texts) and texts[c] else None
                if unit:
                    _set_unit(sheet.columns[fname], unit)
            continue
        if _is_numbering_row(filled):
            continue
        if not any(c < len(texts) and texts[c] for c in text_key_cols):
            # no enterprise, project or code: a template row with 0s, or an unlabelled totals row
            amounts = [parse_number(values[c])[0] for c in amount_cols if c < len(values)]
            if any(a for a in amounts):
                sheet.ignored_rows.append(r + 1)
            continue
        row: dict[str, Any] = {"_row": r + 1}
        for c, (fname, _) in found.items():
            raw = values[c] if c < len(values) else None
            blank = c >= len(texts) or texts[c] is None
            value, ok = (
                (None, True) if blank else _convert(fields[fname], raw, texts[c], sheet.columns[fname].factor)
            )
            row[fname] = value
            # "—", "/", "无": nothing written, so a required cell holding one is missing
            row[f"{fname}__raw"] = None if blank or (value is None and ok) else raw
            if not ok:
                row[f"{fname}__invalid"] = texts[c]
        sheet.rows.append(row)
    return sheet


def _names_header(
    texts: list[str | None], found: dict[int, tuple[str, str]], cols: list[int], kind: str
) -> bool:
    """A row whose label cells hold their own column's header (统一社会信用代码, 企业名称)."""
    for c in cols:
        t = texts[c] if c < len(texts) else None
        if t and len(t) <= 12 and not any(ch.isdigit() for ch in t):
            m = header_match(t, kind)
            if m and m[0] == found[c][0]:
                return True
    return False


def _set_unit(col: Column, unit: str) -> None:
    col.unit, col.factor = unit, AMOUNT_UNITS[unit]


def _fill_merged_down(grid: list[list[Any]], merged: list) -> list[list[Any]]:
    """A value merged over several rows (one enterprise, two projects) belongs to each row."""
    for (r1, c1), (r2, c2) in merged:
        if r2 <= r1 or r1 >= len(grid) or c1 >= len(grid[r1]):
            continue
        value = grid[r1][c1]
        for r in range(r1 + 1, min(r2, len(grid) - 1) + 1):
            for c in range(c1, min(c2, len(grid[r]) - 1) + 1):
                if grid[r][c] in (None, ""):
                    grid[r][c] = value
    return grid


def _pick_sheet(names: list[str], wanted: str, hint: str) -> list[str]:
    """Sheet names to try for one of the return's sheets, likeliest first."""
    exact = [n for n in names if n.strip() == wanted]
    near = [n for n in names if hint in n and n not in exact]
    return exact + near + [n for n in names if n not in exact and n not in near]


def read_metadata(wb: CalamineWorkbook) -> dict[str, str]:
    """The template's hidden key/value sheet, if the return still carries it."""
    if schema.METADATA_SHEET not in wb.sheet_names:
        return {}
    meta: dict[str, str] = {}
    for row in wb.get_sheet_by_name(schema.METADATA_SHEET).to_python():
        if len(row) >= 2 and clean_text(row[0]) and clean_text(row[1]):
            meta[clean_text(row[0])] = clean_text(row[1])
    meta.pop("key", None)
    return meta


def _open(path: Path) -> CalamineWorkbook:
    """Open by extension; if that fails, by content (an .xlsx saved under an .xls name opens in Excel)."""
    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception:
        with path.open("rb") as f:
            return CalamineWorkbook.from_filelike(io.BytesIO(f.read()))


def read_return(path: Path) -> ParsedReturn:
    """Parse a return workbook. Raises UnreadableWorkbook if it cannot be opened at all."""
    try:
        wb = _open(path)
        names = [s.name for s in wb.sheets_metadata if str(s.visible).endswith("Visible")]
    except Exception as e:  # calamine raises several error types for broken or partial files
        raise UnreadableWorkbook(str(e)) from e
    names = names or list(wb.sheet_names)
    parsed = ParsedReturn(path=path, metadata=read_metadata(wb), projects=None, recognitions=None)

    def load(name: str, kind: str) -> Sheet | None:
        try:
            sh = wb.get_sheet_by_name(name)
            grid = sh.to_python(skip_empty_area=False)
            merged = sh.merged_cell_ranges or []
        except Exception as e:
            raise UnreadableWorkbook(str(e)) from e
        # skip_empty_area=False makes the grid start at A1, so indices are Excel coordinates.
        return _read_sheet(name, grid, merged, kind)

    # The project sheet: by name first, but a sheet with rows beats an empty one (the template's
    # 项目表 left blank while the county typed into Sheet1).
    first_with_header: Sheet | None = None
    for name in _pick_sheet(names, schema.PROJECT_SHEET, "项目"):
        sheet = load(name, schema.PROJECT_SHEET)
        if sheet is not None and ("project_name" in sheet.columns or "uscc" in sheet.columns):
            if sheet.rows:
                parsed.projects = sheet
                break
            first_with_header = first_with_header or sheet
    parsed.projects = parsed.projects or first_with_header
    # The recognition sheet: any other sheet whose header names a 认定类别, 认定-named ones first.
    others = [n for n in names if not (parsed.projects and n == parsed.projects.name)]
    for name in sorted(others, key=lambda n: ("认定" not in n, n.strip() != schema.RECOGNITION_SHEET)):
        sheet = load(name, schema.RECOGNITION_SHEET)
        if sheet is not None and "category" in sheet.columns and "project_name" not in sheet.columns:
            parsed.recognitions = sheet
            break
    if parsed.projects is not None:
        _percent_formatted(path, parsed.projects)
    parsed.findings.extend(_sheet_findings(parsed))
    return parsed


_PCT_FIELDS = tuple(f.name for f in schema.PROJECT_FIELDS if f.kind == "pct")


def _percent_formatted(path: Path, sheet: Sheet) -> None:
    """15% typed into Excel is stored as 0.15 in a %-formatted cell, and calamine gives no formats:
    for the few numbers small enough to be such a fraction, ask openpyxl (xlrd for an .xls) for
    the cell's format. Text such as "15%" is read as 15 anyway."""
    suspects = [
        (row, name)
        for row in sheet.rows
        for name in _PCT_FIELDS
        if isinstance(row.get(f"{name}__raw"), int | float)
        and not isinstance(row.get(f"{name}__raw"), bool)
        and row.get(name) is not None
        and 0 < abs(row[name]) < _PCT_FRACTION_BELOW[name]
    ]
    if not suspects:
        return
    at = {(row["_row"], sheet.columns[name].index): (row, name) for row, name in suspects}
    for r, c in _percent_cells(path, sheet.name, list(at)):
        row, name = at[(r, c)]
        row[name] = round(row[name] * 100, 6)


# The largest fraction a %-formatted value of the field could be: staff and energy cut by 100% or
# more do not happen, while efficiency may rise by up to 500% (DESIGN.md §3.1). A plain 0.5 (%)
# is rare, a plain 3.5 (%) is not: those cells are the ones whose format is asked.
_PCT_FRACTION_BELOW = {"staff_reduction_pct": 1.0, "energy_reduction_pct": 1.0, "efficiency_gain_pct": 5.0}


def _percent_cells(path: Path, sheet_name: str, cells: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Which of these (Excel row, column) cells carry a percentage format."""
    try:
        if _sniff_xls(path):
            import xlrd

            book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True)
            ws = book.sheet_by_name(sheet_name)
            out = []
            for r, c in cells:
                xf = book.xf_list[ws.cell_xf_index(r - 1, c - 1)]
                if "%" in book.format_map[xf.format_key].format_str:
                    out.append((r, c))
            book.release_resources()
            return out
        return _percent_cells_xlsx(path, sheet_name, cells)
    except Exception:  # a workbook these readers take otherwise than calamine: keep its values
        log.debug("number formats of %s not read", path, exc_info=True)
        return []


def _percent_cells_xlsx(path: Path, sheet_name: str, cells: list[tuple[int, int]]) -> list[tuple[int, int]]:
    import openpyxl

    wanted = set(cells)
    rows, cols = [r for r, _ in cells], [c for _, c in cells]
    wb = openpyxl.load_workbook(path, read_only=True)
    try:  # one pass over the block that holds them: a read-only sheet is a stream
        block = wb[sheet_name].iter_rows(min(rows), max(rows), min(cols), max(cols))
        return [
            (cell.row, cell.column)
            for line in block
            for cell in line
            if (cell.row, cell.column) in wanted and "%" in (cell.number_format or "")
        ]
    finally:
        wb.close()


def _sniff_xls(path: Path) -> bool:
    """An .xls (BIFF) file, whatever its name says: its bytes start with the OLE2 signature."""
    with path.open("rb") as f:
        return f.read(8) == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


# Columns a return cannot do without: the rules and indicators read them.
ESSENTIAL_PROJECT_COLUMNS = (
    "uscc",
    "enterprise_name",
    "project_name",
    "project_code",
    "reform_type",
    "construction_nature",
    "status",
    "start_month",
    "total_investment",
    "ytd_completed",
    "cumulative_completed",
)


def _sheet_findings(parsed: ParsedReturn) -> list[Finding]:
    out: list[Finding] = []
    sheet = parsed.projects
    if sheet is None:
        out.append(
            Finding(
                "no_project_sheet",
                ERROR,
                f"未找到“{schema.PROJECT_SHEET}”或其表头（前{HEADER_SCAN_ROWS}行内应有“统一社会信用代码”“项目名称”等栏目），"
                "请使用市里下发的填报模板重新填报",
            )
        )
        return out
    if not sheet.rows:
        out.append(
            Finding(
                "no_rows",
                ERROR,
                f"{sheet.name}没有项目数据：请在表头下方逐行填写本单位的技改项目后重新报送",
                sheet=sheet.name,
            )
        )
    for fname in ESSENTIAL_PROJECT_COLUMNS:
        if fname not in sheet.columns:
            f = schema.PROJECT_FIELD[fname]
            out.append(
                Finding(
                    "missing_column",
                    ERROR,
                    f"{sheet.name}缺少“{f.header}”栏目，请按模板补齐该列后重新报送",
                    sheet=sheet.name,
                    field=fname,
                    column=f.header,
                )
            )
    for fname in (
        "equipment_investment",
        "annual_plan",
        "industry_code",
        "planned_completion",
        "above_scale",
    ):
        if fname not in sheet.columns:
            f = schema.PROJECT_FIELD[fname]
            out.append(
                Finding(
                    "missing_optional_column",
                    WARNING,
                    f"{sheet.name}缺少“{f.header}”栏目，请在下次报送时按模板补齐",
                    sheet=sheet.name,
                    field=fname,
                    column=f.header,
                )
            )
    if sheet.other_table_at:
        out.append(
            Finding(
                "other_table",
                WARNING,
                f"第{sheet.other_table_at}行起是另一张表，没有作为项目读取：项目请填在同一张表中，"
                "企业认定情况请填在“认定表”",
                sheet=sheet.name,
                row=sheet.other_table_at,
            )
        )
    for r in sheet.ignored_rows:
        out.append(
            Finding(
                "row_ignored", WARNING,
                f"第{r}行只有金额，没有企业、项目名称或代码，已按合计行忽略：如是项目请补全后重新报送",
                sheet=sheet.name, row=r,
            )
        )  # fmt: skip
    for col in sheet.columns.values():
        if col.factor != 1.0:
            out.append(
                Finding(
                    "unit_converted",
                    WARNING,
                    f"“{col.header}”以{col.unit}填报，已按{conversion_text(col.unit)}折算为万元；"
                    "请核对折算结果，今后请按模板以万元填报",
                    sheet=sheet.name,
                    field=col.field,
                    column=col.header,
                    col_index=col.index,
                )
            )
    return out


def period_of(name: str, metadata: dict[str, str]) -> tuple[Period | None, Period | None]:
    """(period from the file name, period from the metadata sheet)."""
    in_name = period_from_name(Path(name).stem)
    in_meta = None
    if metadata.get("period"):
        try:
            in_meta = Period.parse(metadata["period"])
        except ValueError:
            in_meta = period_from_name(metadata["period"])
    return in_name, in_meta
