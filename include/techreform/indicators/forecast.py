"""Year-end projection and early warning (预测预警) of cumulative indicators with an annual target.

Two methods, the first that applies is used and named:

- **按上年季度进度推算**: when the unit's figure for the same quarter and for Q4 of last year are
  known, this year's year-to-date is scaled by last year's share at that quarter
  (projection = ytd × last Q4 ÷ last same-quarter); investment is usually back-loaded, and last
  year's shape says how much;
- **按本年进度线性推算**: otherwise the year-to-date is extended evenly (projection = ytd × 4 ÷ q).

At Q4 the projection is the figure itself. A unit whose projection falls short of its target is
flagged 预警 with the gap.

>>> project(50.0, 2, {}, 100.0).projection
100.0
>>> r = project(30.0, 2, {2: 30.0, 4: 100.0}, 120.0)
>>> (round(r.projection, 1), r.method, r.warning, round(r.gap, 1))
(100.0, '按上年季度进度推算', True, 20.0)
"""

from __future__ import annotations

from dataclasses import dataclass

BY_LAST_YEAR = "按上年季度进度推算"
LINEAR = "按本年进度线性推算"
ACTUAL = "全年实际"
WARNING = "预警"


@dataclass(frozen=True)
class Projection:
    value: float  # year-to-date
    projection: float
    method: str
    target: float
    warning: bool
    gap: float  # target − projection when short, else 0

    @property
    def projected_rate(self) -> float | None:
        return self.projection / self.target if self.target else None


def project(ytd: float, quarter: int, last_year: dict[int, float], target: float) -> Projection:
    """``last_year``: the unit's figures of last year by quarter (any of 1–4 may be missing)."""
    if quarter >= 4:
        projection, method = ytd, ACTUAL
    elif last_year.get(quarter) and last_year.get(4):
        projection, method = ytd * last_year[4] / last_year[quarter], BY_LAST_YEAR
    else:
        projection, method = ytd * 4 / quarter, LINEAR
    short = projection < target - 1e-9
    return Projection(ytd, projection, method, target, short, (target - projection) if short else 0.0)
