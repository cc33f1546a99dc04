"""Compare every receipt of two outboxes cell by cell (e.g. written before and after a change to
the receipts' code, from the same warehouse: ``benchmarks/receipts.py`` writes them again).

    uv run python benchmarks/compare_receipts.py OLD_OUTBOX NEW_OUTBOX

Per sheet: names and order, hidden state, merged cells, column widths, row heights, print setup
(orientation, paper, scale, fit, page order, print titles, grid lines, footer), tab colour; per
cell: value, type, number format, font, fill, border, alignment, comment (text, author, size),
hyperlink. Also counts the receipts that are byte for byte the same. Exits 1 on any difference.
"""

from __future__ import annotations

import sys
from pathlib import Path

from openpyxl import load_workbook


def sheet_facts(ws):
    facts = {
        "state": ws.sheet_state,
        "merged": sorted(str(r) for r in ws.merged_cells.ranges),
        "widths": {k: (d.width, d.customWidth) for k, d in ws.column_dimensions.items()},
        "heights": {k: (d.height, d.customHeight) for k, d in ws.row_dimensions.items()},
        "page": (
            ws.page_setup.orientation,
            ws.page_setup.paperSize,
            ws.page_setup.scale,
            ws.page_setup.fitToWidth,
            ws.page_setup.fitToHeight,
            ws.page_setup.pageOrder,
        ),
        "titles": (ws.print_title_rows, ws.print_title_cols),
        "grid": ws.print_options.gridLines,
        "footer": ws.oddFooter.center.text,
        "tab": ws.sheet_properties.tabColor and ws.sheet_properties.tabColor.rgb,
        "dims": ws.dimensions,
    }
    cells = {}
    for row in ws.iter_rows():
        for c in row:
            if c.value is None and not c.has_style and c.comment is None:
                continue
            cells[c.coordinate] = (
                c.value,
                c.data_type,
                c.number_format,
                repr(c.font),
                repr(c.fill),
                repr(c.border),
                repr(c.alignment),
                c.comment and (c.comment.text, c.comment.author, c.comment.width, c.comment.height),
                c.hyperlink and (c.hyperlink.location, c.hyperlink.tooltip),
            )
    return facts, cells


def compare(a: Path, b: Path) -> list[str]:
    wa, wb = load_workbook(a), load_workbook(b)
    out = []
    if wa.sheetnames != wb.sheetnames:
        return [f"sheets {wa.sheetnames} != {wb.sheetnames}"]
    for name in wa.sheetnames:
        fa, ca = sheet_facts(wa[name])
        fb, cb = sheet_facts(wb[name])
        for k in fa:
            if fa[k] != fb[k]:
                out.append(f"{name} {k}: {fa[k]!r} != {fb[k]!r}")
        for ref in sorted(set(ca) | set(cb)):
            if ca.get(ref) != cb.get(ref):
                out.append(f"{name}!{ref}: {ca.get(ref)!r} != {cb.get(ref)!r}")
    return out


old, new = Path(sys.argv[1]), Path(sys.argv[2])
files = sorted(p.relative_to(old) for p in old.rglob("*.xlsx"))
bad = same_bytes = 0
for rel in files:
    if not (new / rel).exists():
        print("missing", rel)
        bad += 1
        continue
    if (old / rel).read_bytes() == (new / rel).read_bytes():
        same_bytes += 1
    diffs = compare(old / rel, new / rel)
    if diffs:
        bad += 1
        print(rel, *diffs[:5], sep="\n  ")
extra = sorted(p.relative_to(new) for p in new.rglob("*.xlsx") if not (old / p.relative_to(new)).exists())
print(
    f"{len(files)} receipts compared cell by cell: {len(files) - bad} same, {bad} differ; "
    f"{same_bytes} byte-identical; {len(extra)} only in new"
)
sys.exit(1 if bad or extra else 0)
