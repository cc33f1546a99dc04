"""``techreform run``'s in-process execution API built for the newest API version only
(``airflow_run.newest_api_only``), against Airflow's own app, and its guard."""

from __future__ import annotations

from importlib.metadata import version

import pytest

from techreform import airflow_run


def test_the_shortcut_was_checked_against_the_installed_airflow_and_cadwyn():
    # Fails after an upgrade of either: run the slow test below on it, then update CHECKED.
    installed = {name: version(name) for name in airflow_run.CHECKED}
    assert installed == airflow_run.CHECKED


def test_another_airflow_keeps_airflows_own_behaviour(monkeypatch):
    monkeypatch.setitem(airflow_run.CHECKED, "apache-airflow", "0.0.0")
    assert airflow_run.newest_api_only() is False


def _routes(app, v):
    routes = app.router.versioned_routers[v].routes
    return [(r.path, sorted(getattr(r, "methods", None) or ()), r.name) for r in routes]


def _openapi(app, v):
    from fastapi.openapi.utils import get_openapi

    return get_openapi(title="t", version=v, routes=app.router.versioned_routers[v].routes)


@pytest.mark.slow
def test_the_newest_version_alone_is_served_as_airflow_serves_it():
    from airflow.api_fastapi.execution_api import versions
    from airflow.api_fastapi.execution_api.app import create_task_execution_api_app
    from airflow.sdk.api.datamodels._generated import API_VERSION
    from airflow.sdk.execution_time.supervisor import in_process_api_server

    # the guard's assumptions: the client speaks the newest version, and the head adds nothing to it
    assert versions.bundle.version_values[0] == API_VERSION
    assert not versions.bundle.head_version.changes
    own = create_task_execution_api_app()
    own._cadwyn_initialize()
    in_process_api_server.cache_clear()
    try:
        assert airflow_run.newest_api_only() is True
        assert airflow_run.newest_api_only() is False  # built already: left as it is
        app = in_process_api_server().app
        assert versions.bundle is not app.versions  # the module's bundle is Airflow's again
        assert app.versions.version_values == (API_VERSION,)
        app._cadwyn_initialize()
    finally:
        in_process_api_server.cache_clear()
    assert list(app.router.versioned_routers) == [API_VERSION]
    assert len(own.router.versioned_routers) == len(versions.bundle.versions) > 1
    assert _routes(app, API_VERSION) == _routes(own, API_VERSION)
    assert _openapi(app, API_VERSION) == _openapi(own, API_VERSION)
