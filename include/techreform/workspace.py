"""The workspace layout of DESIGN.md §3.4 and its settings file."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from techreform.reference import profiles

SETTINGS_FILE = "techreform.json"
NAME_MAX_BYTES = 255  # a file name's limit on Linux and most file systems, in bytes


def fitted_name(name: str, limit: int = NAME_MAX_BYTES) -> str:
    """``name`` with its stem shortened so that the whole fits ``limit`` bytes of UTF-8 (a Chinese
    character takes three): the product adds prefixes and times to the names counties chose.

    >>> fitted_name("回执_" + "很长的文件名" * 20 + "_20261003T1007.xlsx", 60)
    '回执_很长的文件名很长…件名_20261003T1007.xlsx'
    """
    if len(name.encode("utf-8")) <= limit:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or len(ext) > 8:
        stem, ext = name, ""
    ext = f".{ext}" if ext else ""
    # keep the end of the stem too: the product puts times and versions there
    tail = stem[-16:] if len(stem) > 32 else ""
    head = stem[: len(stem) - len(tail)]
    budget = limit - len(f"…{tail}{ext}".encode())
    while len(head.encode("utf-8")) > budget:
        head = head[:-1]
    return f"{head}…{tail}{ext}"


AIRFLOW_URL_PREFIX = "airflow:"
# Airflow connection types whose URI scheme is not a SQLAlchemy dialect
_SCHEMES = {"postgres": "postgresql+psycopg2", "postgresql": "postgresql+psycopg2", "mysql": "mysql"}


def resolve_url(url: str) -> str:
    """A warehouse URL as SQLAlchemy takes it. ``airflow:<conn_id>`` names an Airflow connection given
    the way Airflow reads it from the environment, ``AIRFLOW_CONN_<CONN_ID>`` (a URI or a JSON object);
    read here without importing Airflow, so the domain runs without it.

    >>> import os; os.environ["AIRFLOW_CONN_TECHREFORM_WAREHOUSE"] = "postgres://u:p%40w@db:5432/techreform"
    >>> resolve_url("airflow:techreform_warehouse")
    'postgresql+psycopg2://u:p%40w@db:5432/techreform'
    >>> del os.environ["AIRFLOW_CONN_TECHREFORM_WAREHOUSE"]
    >>> resolve_url("sqlite:///w.sqlite")
    'sqlite:///w.sqlite'
    """
    if not url.startswith(AIRFLOW_URL_PREFIX):
        return url
    conn_id = url[len(AIRFLOW_URL_PREFIX) :].strip()
    var = f"AIRFLOW_CONN_{conn_id.upper()}"
    value = os.environ.get(var, "").strip()
    if not value:
        raise ValueError(f"数据仓库地址 {url} 指向 Airflow 连接 {conn_id}，但环境变量 {var} 未设置")
    if value.startswith("{"):  # Airflow's JSON form
        from urllib.parse import quote

        c = json.loads(value)
        scheme = _SCHEMES.get(c.get("conn_type", ""), c.get("conn_type", ""))
        auth = quote(c.get("login") or "", safe="")
        if c.get("password"):
            auth += ":" + quote(c["password"], safe="")
        host = (c.get("host") or "") + (f":{c['port']}" if c.get("port") else "")
        return f"{scheme}://{auth + '@' if auth else ''}{host}/{c.get('schema') or ''}"
    scheme, sep, rest = value.partition("://")
    if not sep:
        raise ValueError(f"环境变量 {var} 不是连接 URI：{value[:40]}")
    return f"{_SCHEMES.get(scheme.replace('-', '_'), scheme)}://{rest}"


@dataclass(frozen=True)
class Workspace:
    root: Path

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    @property
    def outbox(self) -> Path:
        return self.root / "outbox"

    @property
    def archive(self) -> Path:
        return self.root / "archive"

    @property
    def quarantine(self) -> Path:
        return self.root / "quarantine"

    @property
    def stats(self) -> Path:
        return self.root / "stats"

    @property
    def targets(self) -> Path:
        return self.root / "targets"

    @property
    def decisions(self) -> Path:
        """The statistics bureau's own match decisions, read back by every reconciliation."""
        return self.root / "decisions"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    def reports_for(self, period: str) -> Path:
        return self.reports / str(period)

    @property
    def settings(self) -> dict:
        p = self.root / SETTINGS_FILE
        if not p.exists():
            raise FileNotFoundError(
                f"{self.root} 不是 techreform 工作区（缺少 {SETTINGS_FILE}），请先运行 techreform init"
            )
        return json.loads(p.read_text(encoding="utf-8"))

    def exists(self) -> bool:
        return (self.root / SETTINGS_FILE).exists()

    @property
    def profile(self) -> profiles.Profile:
        return profiles.load(self.settings["profile"])

    @property
    def database_url(self) -> str:
        """TECHREFORM_DATABASE_URL wins; else the workspace setting; else SQLite in the workspace."""
        url = os.environ.get("TECHREFORM_DATABASE_URL") or self.settings.get("database_url")
        return resolve_url(url) if url else f"sqlite:///{(self.root / 'warehouse.sqlite').resolve()}"

    def create(self, profile_id: str, database_url: str | None = None) -> None:
        profile = profiles.load(profile_id)
        for d in (
            self.inbox,
            self.outbox,
            self.archive,
            self.quarantine,
            self.stats,
            self.targets,
            self.decisions,
            self.reports,
        ):
            d.mkdir(parents=True, exist_ok=True)
        for u in profile.units:
            (self.inbox / u.code).mkdir(exist_ok=True)
            (self.outbox / u.code).mkdir(exist_ok=True)
        # a shipped profile is named by id; a profile file by its absolute path
        as_path = Path(profile_id)
        settings = {"profile": str(as_path.resolve()) if as_path.suffix in (".yaml", ".yml") else profile.id}
        if database_url:
            settings["database_url"] = database_url
        p = self.root / SETTINGS_FILE
        if p.exists():  # re-init keeps what the user set
            settings = {**json.loads(p.read_text(encoding="utf-8")), **settings}
        p.write_text(json.dumps(settings, ensure_ascii=False, indent=2), encoding="utf-8")
