"""Rewrite a conformance city with other offices' form-filling habits, and shift its key to match.

    uv run python scripts/habit_city.py ../shared/conformance/luoyang-2026 /tmp/habits [--seed 7]
    python ../shared/conformance/evaluate.py --data /tmp/habits --ws /tmp/habits-ws

The habits are the ones DESIGN.md §3.1 says to accept, drawn at random per file: header aliases,
shuffled columns, extra title rows, a blank row, surrounding spaces, full-width digits and
letters, thousands separators, numbers as text, lower-case credit codes, every month spelling,
amounts in 元 or 亿元 (the key then expects a file-level warning), a 合计/小计 row and `.xls`.
The values are the same, so a product that reads them right scores what it scores on the original
and loads the same rows into its warehouse. A check on generality, not a test fixture: the data
lives outside the repository.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import shutil
import unicodedata
from pathlib import Path

import openpyxl

from techreform.demo.writer import Sheet, save_workbook

PROJECT_SHEET, RECOGNITION_SHEET = "项目表", "认定表"
# Spellings seen on real forms; several are not the template's.
PROJECT_ALIASES = {
    "序号": ["序号", "编号", "序 号"],
    "统一社会信用代码": ["信用代码", "统一社会信用代码", "社会信用代码", "企业统一社会信用代码"],
    "企业名称": ["企业名称", "单位名称", "项目单位", "企业（单位）名称", "企 业 名 称"],
    "是否规上企业": ["是否规上", "是否规上企业", "是否规模以上企业"],
    "行业代码": ["行业代码", "国民经济行业代码", "所属行业代码"],
    "项目名称": ["项目名称", "技改项目名称"],
    "项目代码": ["项目代码", "项目统一代码", "备案代码", "项目代码（备案/核准）"],
    "改造类型": ["改造类型", "改造类别", "技改类型"],
    "项目状态": ["项目状态", "项目进度", "建设状态"],
    "开工年月": ["开工年月", "开工时间", "开工日期"],
    "计划竣工年月": ["计划竣工年月", "计划竣工时间", "预计竣工年月"],
    "总投资（万元）": ["总投资(万元)", "总投资（万元）", "项目总投资（万元）", "计划总投资\n（万元）"],
    "其中：设备投资（万元）": ["其中：设备投资（万元）", "设备投资(万元)", "其中设备投资（万元）"],
    "本年计划投资（万元）": ["本年计划投资（万元）", "年度计划投资(万元)", "本年计划投资(万元)"],
    "本年累计完成投资（万元）": ["本年累计完成投资（万元）", "本年完成投资(万元)"],
    "自开工累计完成投资（万元）": ["自开工累计完成投资（万元）", "累计完成投资(万元)"],
    "是否入统": ["是否入统", "是否纳入统计", "是否入库"],
    "新增智能装备（台套）": ["新增智能装备（台套）", "新增智能装备(台/套)", "新增智能装备数量"],
    "减少产线员工（%）": ["减少产线员工（%）", "减少产线员工(%)"],
    "降低综合能耗（%）": ["降低综合能耗（%）", "降低综合能耗(%)"],
    "提升生产效率（%）": ["提升生产效率（%）", "提升生产效率(%)"],
    "联系电话": ["联系电话", "电话"],
    "备注": ["备注", "备 注"],
}
RECOGNITION_ALIASES = {
    "统一社会信用代码": ["信用代码", "统一社会信用代码"],
    "企业名称": ["企业名称", "单位名称"],
    "认定类别": ["认定类别", "认定类型"],
    "级别": ["级别", "认定级别"],
    "认定年份": ["认定年份", "年份", "认定年度"],
    "文号": ["文号", "认定文号"],
}
AMOUNT_HEADERS = [h for h in PROJECT_ALIASES if h.endswith("（万元）")]
MONTH_HEADERS = ["开工年月", "计划竣工年月"]
UNIT_FACTORS = {"万元": 1.0, "元": 1e4, "亿元": 1e-4}


def fullwidth(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s)


def as_number(v: object) -> float | None:
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, (int, float)):
        return float(v)
    try:
        return float(unicodedata.normalize("NFKC", str(v)).replace(",", "").strip())
    except ValueError:
        return None


def as_month(v: object) -> tuple[int, int] | None:
    """Only well-formed months are respelled: a planted bad month must stay bad."""
    if isinstance(v, dt.datetime):
        return v.year, v.month
    m = re.fullmatch(r"(\d{4})-(\d{2})", str(v).strip()) if isinstance(v, str) else None
    return (int(m[1]), int(m[2])) if m and 1 <= int(m[2]) <= 12 else None


def respell_month(rng: random.Random, y: int, m: int) -> object:
    return rng.choice(
        [
            dt.datetime(y, m, 1),
            dt.datetime(y, m, rng.randint(2, 28)),
            f"{y}-{m:02d}",
            f"{y}.{m}",
            f"{y}年{m}月",
            f"{y}{m:02d}",
        ]
    )


def respell_amount(rng: random.Random, x: float) -> object:
    x = round(x, 6)
    return rng.choice(
        [
            x,
            f"{x:,.6f}".rstrip("0").rstrip(".") if x >= 1000 else repr(x),
            fullwidth(repr(x)),
            f" {x!r} ",
            repr(x),
        ]
    )


def respell_projects(grid: list[list], rng: random.Random) -> tuple[bool, int]:
    """Respell 项目表 in place; gives whether its amounts left 万元, and the header's index."""
    hdr = next(i for i, r in enumerate(grid) if "统一社会信用代码" in r)
    header = list(grid[hdr])
    col = {h: j for j, h in enumerate(header) if h}
    last = max(i for i, r in enumerate(grid) if any(c not in (None, "") for c in r))
    unit = rng.choices(list(UNIT_FACTORS), weights=[6, 3, 1])[0]
    factor = UNIT_FACTORS[unit]
    amounts = [col[h] for h in AMOUNT_HEADERS if h in col]
    sums = dict.fromkeys(amounts, 0.0)
    for row in grid[hdr + 1 : last + 1]:
        for j in amounts:
            x = as_number(row[j])
            if x is not None:
                sums[j] += x
                row[j] = respell_amount(rng, x * factor)
        for j in (col[h] for h in MONTH_HEADERS if h in col):
            ym = as_month(row[j])
            if ym:
                row[j] = respell_month(rng, *ym)
        for name in ("统一社会信用代码", "项目代码"):
            v = row[col[name]]
            if isinstance(v, str):
                if name == "统一社会信用代码" and rng.random() < 0.3:
                    v = v.lower()
                row[col[name]] = fullwidth(v) if rng.random() < 0.2 else v
        ind = row[col["行业代码"]]
        if isinstance(ind, str) and ind.isdigit() and rng.random() < 0.5:
            row[col["行业代码"]] = int(ind) if rng.random() < 0.7 else fullwidth(ind)
        for j, v in enumerate(row):
            if isinstance(v, str) and j not in amounts and rng.random() < 0.1:
                row[j] = f"  {v} "
    grid[hdr] = [rng.choice(PROJECT_ALIASES.get(h, [h])).replace("万元", unit) if h else h for h in header]
    if rng.random() < 0.6:
        totals: list = [None] * len(header)
        totals[rng.choice([0, col["企业名称"]])] = rng.choice(["合计", "合  计", "小计", "总计"])
        for j, s in sums.items():
            totals[j] = round(s * factor, 6)
        grid.insert(last + 1, totals)
    if rng.random() < 0.6:
        rest = list(range(1, len(header)))
        rng.shuffle(rest)
        grid[:] = [[r[j] if j < len(r) else None for j in [0, *rest]] for r in grid]
    return unit != "万元", hdr


def respell_recognitions(grid: list[list], rng: random.Random) -> None:
    grid[0] = [rng.choice(RECOGNITION_ALIASES.get(h, [h])) if h else h for h in grid[0]]
    for r in grid[1:]:
        if len(r) > 4 and isinstance(r[4], int) and rng.random() < 0.4:
            r[4] = rng.choice([str(r[4]), f"{r[4]}年", fullwidth(str(r[4]))])
        if r and isinstance(r[0], str) and rng.random() < 0.3:
            r[0] = r[0].lower()


def rewrite(path: Path, rng: random.Random) -> tuple[Path, bool, int, int]:
    """Rewrite one return; gives its new path, whether it changed units, and the row shift:
    k title rows added on top of every sheet and a blank row after old row b."""
    wb = openpyxl.load_workbook(path)
    sheets = {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    converted, hdr = respell_projects(sheets[PROJECT_SHEET], rng)
    if sheets.get(RECOGNITION_SHEET):
        respell_recognitions(sheets[RECOGNITION_SHEET], rng)
    k, b = rng.choice([0, 0, 1, 2]), hdr + 1 + rng.choice([1, 2, 3, 500])
    for grid in sheets.values():
        width = max((len(r) for r in grid), default=1)
        if len(grid) > b:
            grid.insert(b, [None] * width)
        for t in range(k):
            grid.insert(0, [f"说明{t + 1}：本表由县区工信部门填报"] + [None] * (width - 1))
    out = path.with_suffix(".xls") if rng.random() < 0.35 else path
    save(out, sheets)
    if out != path:
        path.unlink()
    return out, converted, k, b


def save(path: Path, sheets: dict[str, list[list]]) -> None:
    """Write the sheets with the demo's writer (.xls or .xlsx by the suffix); 项目表's first row is
    merged across its first ten columns, as a title is."""
    save_workbook(
        path,
        [
            Sheet.from_rows(
                name, grid, merge=(1, 1, 1, min(10, len(grid[0]))) if name == PROJECT_SHEET else None
            )
            for name, grid in sheets.items()
        ],
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("src", type=Path)
    ap.add_argument("dst", type=Path)
    ap.add_argument("--seed", default="7")
    a = ap.parse_args()
    if a.dst.exists():
        shutil.rmtree(a.dst)
    shutil.copytree(a.src, a.dst)
    key = json.loads((a.dst / "key.json").read_text(encoding="utf-8"))
    for f in key["files"]:
        rng = random.Random(f"{a.seed}:{f['path']}")
        out, converted, k, b = rewrite(a.dst / "inputs" / f["path"], rng)
        f["path"] = str(Path(f["path"]).with_suffix(out.suffix))
        for rows in ("error_rows", "warning_rows"):
            f[rows] = [r + k + (r > b) for r in f[rows]]
        f["file_level_warning"] = f["file_level_warning"] or converted
        # Arrival times are part of the data (timeliness); keep the key's.
        t = dt.datetime.fromisoformat(f["mtime"]).timestamp()
        os.utime(out, (t, t))
    (a.dst / "key.json").write_text(json.dumps(key, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
