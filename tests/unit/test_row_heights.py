"""``workbooks.common.row_heights``, measured column by column, gives what measuring every cell
one at a time gives: the same rows, the same heights, on tables with every kind of value."""

from __future__ import annotations

import random
from typing import Any

from techreform.workbooks import common


def one_cell_at_a_time(rows: list[list[Any]], widths: list[float]) -> dict[int, float]:
    heights = {}
    for i, values in enumerate(rows):
        lines = 1
        for c, v in enumerate(values):
            if c < len(widths) and v is not None:
                lines = max(lines, common._lines(v, widths[c]))
        if lines > 1:
            heights[i] = 15 * min(lines, 12)
    return heights


def _value(r: random.Random) -> Any:
    k = r.random()
    if k < 0.2:
        return None
    if k < 0.3:  # equal keys, different lines: 1, 1.0 and True
        return r.choice([1, 1.0, True, 12345678901234567890, -3.5e30, float("nan")])
    if k < 0.5:
        return r.uniform(-1e9, 1e12)
    if k < 0.6:
        return r.randint(-(10**12), 10**12)
    return "".join(r.choice("ab中文字符的很长 x") for _ in range(r.randint(0, 80)))


def test_column_by_column_equals_cell_by_cell():
    r = random.Random(5)
    for _ in range(300):
        columns = r.randint(0, 8)
        widths = [r.choice([0, 1, 5, 10, 20, 40]) for _ in range(r.randint(0, 9))]
        kinds = [r.random() for _ in range(columns)]
        rows = [
            [
                _value(r)
                if kinds[c] < 0.5
                else r.choice(["短", "很长很长很长很长很长很长很长很长很长的文字", None])
                if kinds[c] < 0.8
                else r.choice([1.5, 2.25e9, None])
                for c in range(r.randint(0, columns))  # rows shorter than others, and than the widths
            ]
            for _ in range(r.randint(0, 60))
        ]
        got = common.row_heights(rows, widths)
        assert got == one_cell_at_a_time(rows, widths)
        assert list(got) == sorted(got)  # in row order


def test_heights():
    rows = [["短", 1.0], ["很长很长很长很长很长很长很长很长很长的文字", None], [None, "很" * 200]]
    assert common.row_heights(rows, [10, 10]) == {1: 75, 2: 180}  # five lines; twelve at most
