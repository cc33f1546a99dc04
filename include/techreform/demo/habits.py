"""How county offices type their returns in the demo city (NOT the product): the habits of
DESIGN.md §3.1 (title rows, header aliases, reordered columns, blank rows, full-width digits,
thousands separators, numbers as text, months written five ways, a 合计 row, amounts in 元, .xls),
turned into a :class:`Layout` and typed cell by cell before the shared writer writes them.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from techreform.demo.writer import write_return
from techreform.reference import schema
from techreform.reference.periods import Period
from techreform.reference.profiles import Profile, Unit

HABITS = {  # habit → share of returns that show it
    "title": 0.55,
    "title_info": 0.2,
    "aliases": 0.25,
    "half_brackets": 0.15,
    "reorder": 0.15,
    "no_seq": 0.08,
    "blank_rows": 0.25,
    "spaces": 0.25,
    "fullwidth": 0.2,
    "thousands": 0.3,
    "text_numbers": 0.35,
    "lower_uscc": 0.2,
    "month_date": 0.4,
    "month_dot": 0.12,
    "month_cn": 0.15,
    "month_compact": 0.12,
    "totals": 0.2,
    "meta": 0.12,
    "xls": 0.06,
    "yuan": 0.03,
}


@dataclass
class Layout:
    """How one office lays out and types its return. Every option is accepted by §3.1."""

    fmt: str = "xlsx"  # xlsx | xls
    title: str = ""  # merged title cell in row 1 ("" for none)
    info_line: str = ""  # a 填报单位/填报日期 line under the title
    blank_before_header: bool = False
    columns: tuple[str, ...] = tuple(f.name for f in schema.PROJECT_FIELDS)
    headers: dict[str, str] = field(default_factory=dict)  # field → header text, if not the template's
    blank_after: frozenset[int] = frozenset()  # data rows (0-based) followed by an empty row
    totals_row: bool = False
    amount_unit: str = "万元"  # 万元 | 元 | 亿元
    month_styles: tuple[str, ...] = ("dash",)  # date | dash | dot | cn | compact
    text_numbers: float = 0.0  # share of numbers stored as text
    thousands: float = 0.0  # share of large amounts typed with thousands separators
    fullwidth: float = 0.0  # share of numbers typed with full-width digits
    spaces: float = 0.0  # share of text cells with surrounding spaces
    lower_uscc: float = 0.0  # share of credit codes typed in lower case
    meta: tuple[tuple[str, str], ...] = ()  # rows of the product template's hidden metadata sheet
    seed: int = 0  # per-cell choices
    habits: tuple[str, ...] = ()  # names of the habits shown, for the summary


def _header_text(f: schema.Field, alias: str | None, unit: str, half: bool) -> str:
    text = alias or f.header
    if f.kind == "amount" and unit != "万元":
        text = re.sub(r"[（(]万元[）)]$", "", text) + f"（{unit}）"
    if half:
        text = text.replace("（", "(").replace("）", ")")
    return text


_FW = {ord(c): ord(c) + 0xFEE0 for c in "0123456789.,-ABCDEFGHIJKLMNOPQRSTUVWXYZ"}  # full-width forms


def _number(v: float, decimals: int, lay: Layout, rng: random.Random, big: bool = True) -> object:
    text = f"{v:.{decimals}f}"
    r = rng.random()
    if r < lay.fullwidth:
        return text.translate(_FW)
    if big and abs(v) >= 10**3 and r < lay.fullwidth + lay.thousands:  # four digits or more
        return f"{v:,.{decimals}f}"
    if r < lay.fullwidth + lay.thousands + lay.text_numbers:
        return text
    return round(v, decimals) if decimals else int(round(v))


def _month(v: Any, lay: Layout, rng: random.Random) -> object:
    if isinstance(v, dt.date):
        y, m = v.year, v.month
    else:
        y, m = divmod(int(v), 12)
        m += 1
    style = rng.choice(lay.month_styles)
    if style == "date":
        return dt.datetime(y, m, 1)
    return {"dash": f"{y}-{m:02d}", "dot": f"{y}.{m}", "cn": f"{y}年{m}月", "compact": f"{y}{m:02d}"}[style]


def _cell(f: schema.Field, v: Any, lay: Layout, rng: random.Random) -> object:
    """One cell as this office would type it."""
    if v is None or v == "":
        return None
    if isinstance(v, str) and f.kind in ("amount", "int", "pct"):
        return v  # a planted non-number, as typed
    if f.kind == "month":
        return v if isinstance(v, str) else _month(v, lay, rng)
    if f.kind == "amount":
        factor = schema.AMOUNT_UNITS["万元"] / schema.AMOUNT_UNITS[lay.amount_unit]
        return _number(v * factor, 1 if lay.amount_unit == "万元" else 0, lay, rng)
    if f.kind == "pct":
        return _number(v, 1, lay, rng, big=False)
    if f.kind == "int":
        return str(v) if rng.random() < lay.text_numbers else int(v)
    text = str(v)
    if f.name == "uscc" and rng.random() < lay.lower_uscc:
        text = text.lower()
    if f.kind != "phone" and rng.random() < lay.spaces:
        text = rng.choice((" {} ", "{} ", " {}", "{}  ")).format(text)
    return text


def _totals(rows: Sequence[dict], lay: Layout) -> dict[str, object]:
    """A 合计 row: the office's own sum of the amount columns (readers skip it)."""
    factor = schema.AMOUNT_UNITS["万元"] / schema.AMOUNT_UNITS[lay.amount_unit]
    out: dict[str, object] = {"seq" if "seq" in lay.columns else "enterprise_name": "合计"}
    for name in lay.columns:
        if schema.PROJECT_FIELD[name].kind == "amount":
            s = sum(r[name] for r in rows if isinstance(r.get(name), int | float))
            out[name] = round(s * factor, 1)
    return out


def write_office_return(
    path: Path | str,
    rows: Sequence[dict],
    *,
    recognitions: Sequence[dict] = (),
    layout: Layout | None = None,
) -> list[int]:
    """Write a county return as one office types it; gives each row's Excel row number.

    ``rows`` are dicts keyed by :mod:`techreform.reference.schema` field names, amounts in 万元,
    months as a month index (:func:`techreform.reference.periods.month_index`) or a date; a string
    in a number or month field is written as typed. ``layout`` says how the office types it
    (default: the template's layout, plain values); the path's suffix matches its format. The
    cells are typed here and written by :func:`techreform.demo.writer.write_return`.
    """
    lay = layout or Layout()
    rng = random.Random(lay.seed)
    typed = [{n: _cell(schema.PROJECT_FIELD[n], row.get(n), lay, rng) for n in lay.columns} for row in rows]
    recs = [
        {f.name: _cell(f, r.get(f.name), lay, rng) for f in schema.RECOGNITION_FIELDS} for r in recognitions
    ]
    if (Path(path).suffix.lower() == ".xls") != (lay.fmt == "xls"):
        raise ValueError(f"{path}: the layout is {lay.fmt}")
    rf = write_return(
        path,
        typed,
        fields=lay.columns,
        headers={n: lay.headers.get(n) or schema.PROJECT_FIELD[n].header for n in lay.columns},
        title_rows=[
            *(t for t in (lay.title, lay.info_line) if t),
            *([None] if lay.blank_before_header else []),
        ],
        merge_title=bool(lay.title),
        blank_rows_after=lay.blank_after,
        total_row=_totals(rows, lay) if lay.totals_row else None,
        amount_unit=lay.amount_unit,
        scale_amounts=False,
        meta=dict(lay.meta) if lay.meta else None,
        recognitions=recs,
    )
    return rf.rows


def layout_for(habits: set[str], rng: random.Random, unit: Unit, period: Period, profile: Profile) -> Layout:
    """Turn a set of habits into concrete layout options."""
    cols = [f.name for f in schema.PROJECT_FIELDS if not (f.name == "seq" and "no_seq" in habits)]
    if "reorder" in habits:  # a few columns moved, as when a county pastes from its own ledger
        for _ in range(rng.randint(2, 4)):
            cols.insert(rng.randrange(len(cols)), cols.pop(rng.randrange(len(cols))))
    unit_word = "元" if "yuan" in habits else "万元"
    headers = {}
    for name in cols:
        f = schema.PROJECT_FIELD[name]
        alias = rng.choice(f.aliases) if "aliases" in habits and f.aliases and rng.random() < 0.5 else None
        headers[name] = _header_text(f, alias, unit_word, "half_brackets" in habits)
    styles = tuple(s for s in ("date", "dot", "cn", "compact") if f"month_{s}" in habits)
    if not styles or rng.random() < 0.5:
        styles += ("dash",)
    title = ""
    if "title" in habits or "title_info" in habits:
        title = rng.choice(
            (
                f"{period.label}{unit.name}工业企业技术改造项目统计表",
                f"{unit.name}{period.year}年{period.quarter}季度技改项目进展情况表",
                f"{profile.name}项目库（{unit.name}，{period.label}）",
            )
        )
    info = ""
    if "title_info" in habits:
        info = f"填报单位（盖章）：{unit.name}工业和信息化局　　　　金额单位：{unit_word}"
    meta: tuple[tuple[str, str], ...] = ()
    if "meta" in habits:
        meta = (
            ("template_version", schema.TEMPLATE_VERSION),
            ("profile", profile.id),
            ("unit_code", unit.code),
            ("unit_name", unit.name),
            ("period", str(period)),
        )
    return Layout(
        fmt="xls" if "xls" in habits else "xlsx",
        title=title,
        info_line=info,
        blank_before_header="blank_rows" in habits and rng.random() < 0.3,
        columns=tuple(cols),
        headers=headers,
        blank_after=frozenset(rng.sample(range(30), 3)) if "blank_rows" in habits else frozenset(),
        totals_row="totals" in habits,
        amount_unit=unit_word,
        month_styles=styles,
        text_numbers=0.3 if "text_numbers" in habits else 0.0,
        thousands=0.35 if "thousands" in habits else 0.0,
        fullwidth=0.15 if "fullwidth" in habits else 0.0,
        spaces=0.25 if "spaces" in habits else 0.0,
        lower_uscc=0.35 if "lower_uscc" in habits else 0.0,
        meta=meta,
        seed=rng.randrange(2**31),
        habits=tuple(sorted(habits)),
    )
