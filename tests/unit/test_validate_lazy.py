"""The rules' validator: built behind the reading (LazyValidator), each suite on its own columns."""

from __future__ import annotations

import threading

import pytest

from techreform.intake.validate import LazyValidator, _frame
from techreform.reference import schema
from techreform.rules import suites


def _blank_project_frame():
    return _frame([{"_rid": 0, "_file": 1, "_row": 5}], schema.PROJECT_FIELDS)


def test_a_validator_given_is_used_and_no_thread_is_started(validator, profile):
    lazy = LazyValidator(profile, validator)
    lazy.start()
    assert lazy._thread is None
    assert lazy.failures(schema.PROJECT_SHEET, _blank_project_frame()) == validator.failures(
        schema.PROJECT_SHEET, _blank_project_frame()
    )


def test_the_validator_built_behind_gives_the_same_failures(validator, profile):
    lazy = LazyValidator(profile)
    lazy.start()
    assert lazy._thread is not None
    got = lazy.failures(schema.PROJECT_SHEET, _blank_project_frame())
    assert not lazy._thread.is_alive()
    want = validator.failures(schema.PROJECT_SHEET, _blank_project_frame())
    assert got and [(r.id, r.field, rid) for r, rid in got] == [(r.id, r.field, rid) for r, rid in want]


def test_a_failed_build_behind_fails_again_where_the_validator_is_used(profile, monkeypatch):
    calls: list[str] = []

    def broken(self, profile, rules=None):
        calls.append(threading.current_thread().name)
        raise RuntimeError("规则文件有误")

    monkeypatch.setattr(suites.Validator, "__init__", broken)
    lazy = LazyValidator(profile)
    lazy.start()
    with pytest.raises(RuntimeError, match="规则文件有误"):
        lazy.failures(schema.PROJECT_SHEET, _blank_project_frame())
    assert calls == ["techreform-gx-validator", threading.current_thread().name]


def test_each_suite_is_given_every_column_its_expectations_read(validator):
    for (sheet, stage), definition in validator.definitions.items():
        columns = set(validator.columns[(sheet, stage)])
        assert suites.ROW_ID in columns
        for config in definition.suite.expectation_configurations:
            kwargs = config.kwargs
            named = [kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs]
            named += list(kwargs.get("column_list") or ())
            if kwargs.get("row_condition") is not None:
                named.append(kwargs["row_condition"]["column"]["name"])  # (stored as a dict)
            assert set(named) <= columns, (sheet, stage, config.type, named)


def test_a_frame_of_a_suites_columns_is_those_columns_of_the_whole_frame(validator):
    from pandas.testing import assert_frame_equal

    from tests.conftest import base_row

    rows = [
        {**base_row(i, note="已说明" if i % 2 else None, total_investment=None if i == 3 else 10.0 * i)}
        | {"_rid": i, "_file": 1 + i % 2, "_row": 5 + i, "_period_end": 3}
        for i in range(6)
    ]
    only = validator.columns_for(schema.PROJECT_SHEET, "row")
    assert only is not None and len(only) < 3 * len(schema.PROJECT_FIELDS)
    whole = _frame(rows, schema.PROJECT_FIELDS)
    part = _frame(rows, schema.PROJECT_FIELDS, only)
    assert list(part.columns) == [c for c in whole.columns if c in only]
    assert_frame_equal(part, whole[list(part.columns)])
    # and the rules find the same on either
    want = [(r.id, r.field, rid) for r, rid in validator.failures(schema.PROJECT_SHEET, whole)]
    assert want and want == [
        (r.id, r.field, rid) for r, rid in validator.failures(schema.PROJECT_SHEET, part)
    ]
    assert validator.columns_for(schema.RECOGNITION_SHEET, "history") is None
