"""The Celery workers' configuration: Airflow's own, plus the libraries every techreform task needs,
imported once when a worker starts instead of in every task.

A Celery worker runs each task in a process forked from one of its pool processes, which are
forked from the worker itself: what the worker imported at start, the task has without paying
for it again. Great Expectations, pandas, SQLAlchemy's models and openpyxl cost seconds to import,
several times over in one run of intake (one process per task); imported here they cost that once
per worker start. Only imports: nothing is built, connected or started here.

Set ``AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS=techreform_celery.CELERY_CONFIG`` (docker-compose.yaml
and tests/support/stack.py do): a worker imports this module for its configuration (Airflow's
own, unchanged) and so connects ``warm`` to Celery's ``worker_init``. plugins/ is on the import
path of every Airflow component. The scheduler reads the configuration too (the executor's side of
Celery), where ``worker_init`` never fires.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from celery.signals import worker_init

PRELOAD = (
    "pandas",
    "openpyxl",
    "great_expectations",
    "techreform.pipeline",
    "techreform.intake.inbox",
    "techreform.intake.judge",
    "techreform.intake.answer",
    "techreform.rules.suites",
    "techreform.rules.expectations",
    "techreform.reconcile",
    "techreform.indicators.step",
)


@worker_init.connect
def warm(**_: Any) -> None:
    """In the worker's main process, before it forks its pool: import ``PRELOAD`` and configure the
    SQLAlchemy mappers. Configuring the first mapper of a process where Airflow is loaded makes
    Airflow import all its models (seconds): the warehouse's first query in every task did that."""
    for name in PRELOAD:
        import_module(name)
    from sqlalchemy.orm import configure_mappers

    configure_mappers()


def __getattr__(name: str) -> Any:
    """``CELERY_CONFIG``: Airflow's own Celery configuration, built only when asked for (Airflow's
    plugin manager imports every module of plugins/ in every process, the command line's too)."""
    if name != "CELERY_CONFIG":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from airflow.providers.celery.executors.default_celery import DEFAULT_CELERY_CONFIG

    return DEFAULT_CELERY_CONFIG
