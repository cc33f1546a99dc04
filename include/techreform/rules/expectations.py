"""Great Expectations for the national codes of the return (GB 32100, project codes, GB/T 4754).

Each is a ColumnMapExpectation over a pandas column: null cells are left to the not-null rules. A
cell passes when the code's standard (techreform.reference.codes) raises nothing for it; which
exception it raised picks the county's message afterwards (rules.code_messages).
"""

from __future__ import annotations

import pandas as pd
from great_expectations.execution_engine import PandasExecutionEngine
from great_expectations.expectations.expectation import ColumnMapExpectation
from great_expectations.expectations.metrics import ColumnMapMetricProvider, column_condition_partial

from techreform.rules.code_messages import INDUSTRY, PROJECT_CODE, USCC, code_error


class ColumnValuesValidUscc(ColumnMapMetricProvider):
    condition_metric_name = "column_values.techreform_valid_uscc"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, **kwargs) -> pd.Series:
        return column.map(lambda v: code_error(USCC, str(v)) is None)


class ColumnValuesValidProjectCode(ColumnMapMetricProvider):
    condition_metric_name = "column_values.techreform_valid_project_code"
    condition_value_keys = ("extra_divisions",)

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, extra_divisions=(), **kwargs) -> pd.Series:
        extra = frozenset(extra_divisions or ())
        return column.map(lambda v: code_error(PROJECT_CODE, str(v), extra) is None)


class ColumnValuesIndustrialDivision(ColumnMapMetricProvider):
    condition_metric_name = "column_values.techreform_industrial_division"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, **kwargs) -> pd.Series:
        return column.map(lambda v: code_error(INDUSTRY, str(v)) is None)


class ExpectColumnValuesToBeValidUscc(ColumnMapExpectation):
    """统一社会信用代码: 18 characters whose last is the GB 32100-2015 check character."""

    map_metric = "column_values.techreform_valid_uscc"
    success_keys = ("mostly",)


class ExpectColumnValuesToBeValidProjectCode(ColumnMapExpectation):
    """投资项目统一代码: YYYY-DDDDDD-II-TT-NNNNNN whose middle segment is a GB/T 2260 division."""

    map_metric = "column_values.techreform_valid_project_code"
    extra_divisions: list[str] = []
    success_keys = ("mostly", "extra_divisions")


class ExpectColumnValuesToBeIndustrialDivision(ColumnMapExpectation):
    """GB/T 4754-2017 two-digit division of 工业 (06–46)."""

    map_metric = "column_values.techreform_industrial_division"
    success_keys = ("mostly",)
