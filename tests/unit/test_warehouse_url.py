"""The warehouse URL from an Airflow connection (`airflow:<conn_id>`), read without Airflow."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.engine import make_url

from techreform.workspace import Workspace, resolve_url


def test_plain_urls_pass_through():
    assert resolve_url("postgresql://u@h/db") == "postgresql://u@h/db"
    assert resolve_url("sqlite:////tmp/w.sqlite") == "sqlite:////tmp/w.sqlite"


def test_airflow_uri_becomes_a_sqlalchemy_url(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_WH", "postgres://tr:p%40ss@db.example:5433/techreform")
    url = make_url(resolve_url("airflow:wh"))
    assert (url.drivername, url.username, url.password) == ("postgresql+psycopg2", "tr", "p@ss")
    assert (url.host, url.port, url.database) == ("db.example", 5433, "techreform")


def test_airflow_json_connection(monkeypatch):
    conn = {"conn_type": "postgres", "host": "db", "login": "tr", "password": "a/b", "port": 5432}
    conn["schema"] = "w"
    monkeypatch.setenv("AIRFLOW_CONN_TECHREFORM_WAREHOUSE", json.dumps(conn))
    url = make_url(resolve_url("airflow:techreform_warehouse"))
    assert (url.drivername, url.password, url.host, url.database) == ("postgresql+psycopg2", "a/b", "db", "w")


def test_missing_connection_is_said_in_chinese(monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_NOPE", raising=False)
    with pytest.raises(ValueError, match="AIRFLOW_CONN_NOPE 未设置"):
        resolve_url("airflow:nope")


def test_workspace_setting_may_name_a_connection(tmp_path, monkeypatch):
    monkeypatch.delenv("TECHREFORM_DATABASE_URL", raising=False)
    monkeypatch.setenv("AIRFLOW_CONN_WH", "sqlite:///" + str(tmp_path / "wh.sqlite"))
    ws = Workspace(tmp_path)
    ws.create("luoyang-2021", database_url="airflow:wh")
    assert ws.settings["database_url"] == "airflow:wh"  # the setting keeps the name, not the secret
    assert ws.database_url == f"sqlite:///{tmp_path / 'wh.sqlite'}"
