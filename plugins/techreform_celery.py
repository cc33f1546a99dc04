"""The Celery workers' configuration: Airflow's own, plus the libraries every techreform task needs,
imported once when a worker starts instead of in every task.

A Celery worker runs each task in a process forked from one of its pool processes, which are
forked from the worker itself: what the worker imported at start, the task has without paying
for it again. Great Expectations, pandas, SQLAlchemy's models and openpyxl cost seconds to import,
several times over in one run of intake (one process per task); imported here they cost that once
per worker start. Only imports: nothing is built, connected or started here.

Set ``AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS=techreform_celery.CELERY_CONFIG`` (docker-compose.yaml
and tests/support/stack.py do); plugins/ is on the import path of every Airflow component. The
scheduler reads this dictionary too (the executor's side of Celery) but imports none of the
modules: Celery imports ``imports`` only when a worker starts.
"""

from __future__ import annotations

from typing import Any

from airflow.providers.celery.executors.default_celery import DEFAULT_CELERY_CONFIG

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

CELERY_CONFIG: dict[str, Any] = {**DEFAULT_CELERY_CONFIG, "imports": PRELOAD}
