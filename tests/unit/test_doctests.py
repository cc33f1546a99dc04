"""The doctests of the national-code modules (their test vectors) and of the domain modules that
carry examples run with the unit tests."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

from techreform.reference import codes

MODULES = sorted(m.name for m in pkgutil.iter_modules(codes.__path__, f"{codes.__name__}."))


def test_every_standard_has_its_module():
    assert {m.rsplit(".", 1)[1] for m in MODULES} >= {"uscc", "project_code", "gb2260", "gb4754"}


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.attempted >= 5, f"{name}: too few doctest examples"
    assert result.failed == 0, f"{name}: {result.failed} of {result.attempted} doctest examples failed"


@pytest.mark.parametrize(
    "name",
    [
        "techreform.reconcile.names",
        "techreform.indicators.forecast",
        "techreform.workspace",
        "techreform.fanout",
    ],
)
def test_doctests_of_the_domain(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.attempted >= 1 and result.failed == 0, (
        f"{name}: {result.failed} of {result.attempted} failed"
    )
