"""The workers' Celery configuration (plugins/techreform_celery.py): Airflow's own, and modules a
worker imports once at start, each of which exists."""

from __future__ import annotations

import importlib.util

import pytest

from tests.support.stack import Stack

pytestmark = pytest.mark.slow  # imports Airflow's Celery provider


def test_celery_config_is_airflows_and_a_worker_preloads_at_start(tmp_path):
    from airflow.providers.celery.executors.default_celery import DEFAULT_CELERY_CONFIG
    from celery.signals import worker_init
    from techreform_celery import CELERY_CONFIG, PRELOAD, warm

    assert CELERY_CONFIG == DEFAULT_CELERY_CONFIG
    assert any(r() is warm for _, r in worker_init.receivers)  # connected on import
    assert all(importlib.util.find_spec(m) is not None for m in PRELOAD), PRELOAD
    stack = Stack(workspace=tmp_path)
    stack.meta_url = stack.warehouse_url = "postgresql://postgres@127.0.0.1/x"  # no databases made
    env = stack.env()
    assert env["AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS"] == "techreform_celery.CELERY_CONFIG"
    assert "PYTHONDONTWRITEBYTECODE" not in env
