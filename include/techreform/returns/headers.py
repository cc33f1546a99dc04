"""Finding the header row of a table and matching its headers to the template's fields (aliases,
two-row headers, units)."""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import cache
from typing import Any

from techreform.reference import schema
from techreform.reference.extracts import ALL_KINDS, fields_of
from techreform.reference.periods import month_index
from techreform.reference.schema import AMOUNT_UNITS, Field
from techreform.returns.cells import clean_text
from techreform.returns.model import HEADER_SCAN_ROWS, Column

log = logging.getLogger(__name__)


_NUMBERING_TOKENS = set("甲乙丙丁戊己庚辛壬癸")


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


_ALIASES = {kind: _alias_table(fields_of(kind)) for kind in ALL_KINDS}


# any alias of two characters or more, as one pattern: a header holding none is no field's
_ANY_ALIAS = {
    kind: re.compile("|".join(re.escape(a) for a in sorted(table, key=len, reverse=True) if len(a) >= 2))
    for kind, table in _ALIASES.items()
}


_TEMPLATE_HEADERS = {kind: {_header_key(f.header) for f in fields_of(kind)} for kind in ALL_KINDS}


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
    fields = {f.name: f for f in fields_of(kind)}
    if key in table:
        return table[key], 3 if key in _TEMPLATE_HEADERS[kind] else 2
    best = (
        max((a for a in table if len(a) >= 2 and a in key), key=len, default=None)
        if _ANY_ALIAS[kind].search(key)
        else None
    )
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


def unit_in(header: str) -> str | None:
    """The money unit a header or a units cell names (总投资（元）, 元, (千元)), if any."""
    h = unicodedata.normalize("NFKC", header)
    return next((u for u in _UNITS_LONGEST_FIRST if u in h), None)


def unit_line(grid: list[list[Any]], above: int) -> str | None:
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


_SPACE_RE = re.compile(r"\s")


_COLUMN_NUMBER_RE = re.compile(r"(\d{1,3})(?:\.0)?")


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


def is_units_row(filled: list[str]) -> bool:
    """A line of units under the header (万元 | 万元 | % | 台套 …)."""
    return len(filled) >= 3 and all(t.replace(" ", "") in _UNIT_TOKENS for t in filled)


def is_numbering_row(filled: list[str]) -> bool:
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


def assign_columns(texts: dict[int, str], kind: str) -> dict[int, tuple[str, str]]:
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


def find_header(grid: list[list[Any]], kind: str) -> tuple[int, dict[int, tuple[str, str]]] | None:
    """(grid row index, {col index: (field, header text)}) of the likeliest header row."""
    best: tuple[int, dict[int, tuple[str, str]]] | None = None
    for r, row in enumerate(grid[:HEADER_SCAN_ROWS]):
        found = assign_columns({c: v for c, v in enumerate(row) if isinstance(v, str) and v.strip()}, kind)
        if len(found) >= 3 and (best is None or len(found) > len(best[1])):
            best = (r, found)
    return best


def two_row_header(
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
    if len(assign_columns(subs, kind)) < 2 or 2 * (named + totals) < len(subs):
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
    return assign_columns(combined, kind)


def _is_group_total(sub_header: str) -> bool:
    return bool(re.fullmatch(r"(合计|小计|总计|共计|总额)", _SPACE_RE.sub("", sub_header)))


def names_header(
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


def set_unit(col: Column, unit: str) -> None:
    col.unit, col.factor = unit, AMOUNT_UNITS[unit]
