"""Exact decimal columns: money in 万元 and percentages, stored as NUMERIC and read back as Decimal.

Why NUMERIC: amounts are summed over counties and compared with the statistics bureau's figures;
binary floats made 123.45 come back as 123.4500000001 and sums drift in the last digit. Values
arrive from the readers as Python floats (or ints); they are turned into Decimal through their
shortest repr (123.45 -> Decimal("123.45")), then rounded half up to the column's scale, the
same way on every database.

PostgreSQL keeps NUMERIC exactly. SQLite has no decimal type: the column has NUMERIC affinity and
stores a REAL, which round-trips any value of up to 15 significant digits (1e10 万元 with four
decimals); it is read back through its repr, so 123.45 stays 123.45 there too.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Numeric
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

# Money in 万元: scale 4 is one 元 (0.0001 万元), finer than any return is written in; precision 18
# leaves 14 digits before the point (1e14 万元), far beyond any project. The same on both databases.
AMOUNT_PRECISION, AMOUNT_SCALE = 18, 4
# Percentages (人员减少、能耗降低、效率提升): the rules accept 0-100 (efficiency 0-500) on accepted
# returns, the only ones stored; 5 digits before the point leave room, 4 after keep what is written.
PERCENT_PRECISION, PERCENT_SCALE = 9, 4


class Exact(TypeDecorator[Decimal]):
    """NUMERIC(precision, scale) that takes floats and gives Decimals, rounded the same everywhere."""

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int, scale: int) -> None:
        super().__init__(precision=precision, scale=scale, asdecimal=True)
        self.precision, self.scale = precision, scale
        self.quantum = Decimal(1).scaleb(-scale)

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            # floats in and out (SQLite has no decimals); process_result_value makes the Decimal,
            # without SQLAlchemy's warning about converting floats
            return dialect.type_descriptor(
                Numeric(precision=self.precision, scale=self.scale, asdecimal=False)
            )
        return dialect.type_descriptor(self.impl_instance)

    def to_decimal(self, value: Any) -> Decimal | None:
        """A number as written, rounded half up to the scale; None for none (and for NaN)."""
        if value is None:
            return None
        if isinstance(value, float):
            if math.isnan(value):  # pandas' missing value, not a number someone wrote
                return None
            if math.isinf(value):
                raise ValueError(f"not a finite amount: {value!r}")
            value = repr(value)  # the shortest text that reads back as this float: 123.45, not 123.4499…
        try:
            d = Decimal(value)
        except (InvalidOperation, TypeError) as e:
            raise ValueError(f"not a number: {value!r}") from e
        if d.is_nan():
            return None
        return d.quantize(self.quantum, rounding=ROUND_HALF_UP)

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if type(value) is float and dialect.name == "sqlite":
            # Most amounts as read: no exponent, no more decimals than the scale. Rounding leaves
            # those as they are, and the float of their Decimal is the float itself.
            text = repr(value)
            if "e" not in text and "n" not in text and len(text) - text.index(".") - 1 <= self.scale:
                return value
        d = self.to_decimal(value)
        if d is None or dialect.name != "sqlite":
            return d
        return float(d)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return self.to_decimal(value)


def Amount() -> Exact:  # noqa: N802 - used like a type: mapped_column(Amount())
    """万元, NUMERIC(18, 4)."""
    return Exact(AMOUNT_PRECISION, AMOUNT_SCALE)


def Percent() -> Exact:  # noqa: N802
    """%, NUMERIC(9, 4)."""
    return Exact(PERCENT_PRECISION, PERCENT_SCALE)
