"""Entry point of the process that reads returns (``techreform.returns.isolation``): kept outside
the ``returns`` package so that pandas, which the rules import but reading does not need, can be
made lazy before anything imports it (the worker starts in a fraction of the time)."""

from __future__ import annotations

import importlib
import json
import sys
import types
from typing import Any


def _lazy(name: str) -> None:
    """Stand in for a module until one of its attributes is used; then import it for real.
    (importlib's LazyLoader does not do: every import statement touches ``__spec__``.)"""
    if name in sys.modules:
        return
    stub = types.ModuleType(name)

    def load(attribute: str) -> Any:
        if sys.modules.get(name) is stub:
            del sys.modules[name]
        real = importlib.import_module(name)
        return getattr(real, attribute)

    stub.__getattr__ = load  # type: ignore[method-assign]
    sys.modules[name] = stub


if __name__ == "__main__":
    _lazy("pandas")
    from techreform.returns.guard import Limits
    from techreform.returns.isolation import serve

    serve(Limits(**json.loads(sys.argv[1])))
