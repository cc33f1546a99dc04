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
