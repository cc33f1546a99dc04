"""indicators.csv (DESIGN.md §3.4): one row per unit and indicator, the total row under the
jurisdiction's own code. Rates are numbers as computed (completion_rate = value / target,
time_progress the share of the year gone, 0.25 … 1)."""

from __future__ import annotations

from pathlib import Path

from techreform.indicators import Indicators
from techreform.outputs import write_csv

CSV_COLUMNS = (
    "unit_code",
    "indicator_id",
    "period",
    "value",
    "target",
    "completion_rate",
    "time_progress",
    "status",
)


def _num(v: float | None, digits: int = 4) -> str:
    if v is None:
        return ""
    text = f"{v:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def write_indicators_csv(path: Path, result: Indicators) -> bool:
    rows = [
        {
            "unit_code": r.unit,
            "indicator_id": r.indicator,
            "period": result.period,
            "value": _num(r.value),
            "target": _num(r.target),
            "completion_rate": _num(r.completion_rate),
            "time_progress": _num(r.time_progress),
            "status": r.status,
        }
        for r in result.rows
    ]
    return write_csv(path, CSV_COLUMNS, rows)
