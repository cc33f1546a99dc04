"""Engines for the warehouse and its schema version: Alembic upgrades, and the check tasks make.

The schema is brought up to date at ``techreform init`` and by ``techreform db upgrade <工作区>``
(a deployment step; docker-compose's airflow-init runs it), never inside a task: tasks on several
machines would otherwise race to alter the same tables. A task opens the warehouse with
``open_at_head``, which stops with a plain message when the schema is behind (or ahead of) the code.
"""

from __future__ import annotations

import os
import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError

if TYPE_CHECKING:  # Alembic takes a second to import: only for upgrades and the unusual cases
    from alembic.config import Config
    from alembic.script import ScriptDirectory


class NotAtHead(RuntimeError):
    """The warehouse's schema is not the one this code was written for (message in Chinese)."""


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")  # the scheduler and the CLI may meet on one file
    # WAL lets readers (reports, the CLI) work while intake writes; NORMAL sync is durable in WAL
    # against crashes of the process, and spares an fsync on every per-return commit.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def application_name() -> str:
    """How this process shows in the server's list of clients (PostgreSQL's pg_stat_activity): the
    Airflow task it runs, if any (Airflow puts the task's ids in AIRFLOW_CTX_* before running it),
    so that an operator sees which step holds which connection."""
    dag, task = os.environ.get("AIRFLOW_CTX_DAG_ID"), os.environ.get("AIRFLOW_CTX_TASK_ID")
    return f"techreform {dag}.{task}"[:63] if dag and task else "techreform"


def connect(url: str, *, migrate: bool = True) -> Engine:
    """An engine for the warehouse at ``url``; with ``migrate`` its schema is first brought to the
    newest migration (for init, ``db upgrade`` and tests). Tasks use ``open_at_head`` instead."""
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url, future=True)
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        # A server restarted (or a connection dropped by the network) leaves dead connections in
        # the pool: each is tested when taken from it and replaced, instead of failing the step.
        options: dict[str, Any] = {}
        if make_url(url).get_backend_name() == "postgresql":
            options["connect_args"] = {"application_name": application_name()}
        engine = create_engine(url, future=True, pool_pre_ping=True, **options)
    if migrate:
        upgrade(engine)
    return engine


def open_at_head(url: str, workspace: str | Path) -> Engine:
    """An engine for a task or a run: the schema must already be the newest (see ``require_head``)."""
    engine = connect(url, migrate=False)
    try:
        require_head(engine, workspace)
    except BaseException:
        engine.dispose()
        raise
    return engine


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("techreform.warehouse") / "migrations"))
    # Alembic's config interpolates %: a workspace path with Chinese characters is %-escaped in the URL
    url = engine.url.render_as_string(hide_password=False)
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _scripts() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(resources.files("techreform.warehouse") / "migrations"))


_REVISION = re.compile(r'^(down_revision|revision)\s*=\s*(None|"[^"]*")\s*$', re.MULTILINE)


@cache
def head_revision() -> str:
    """The newest migration this code knows: read from the migration files' ``revision`` and
    ``down_revision`` lines (a task checks it at start; Alembic's own reading imports every
    migration), or by Alembic when they are not a plain chain."""
    revisions, parents = set(), set()
    for script in (resources.files("techreform.warehouse") / "migrations" / "versions").iterdir():
        if not script.name.endswith(".py"):
            continue
        found = dict(_REVISION.findall(script.read_text(encoding="utf-8")))
        if "revision" not in found or "down_revision" not in found:
            break
        revisions.add(found["revision"].strip('"'))
        if found["down_revision"] != "None":
            parents.add(found["down_revision"].strip('"'))
    else:
        heads = revisions - parents
        if len(heads) == 1 and len(parents) == len(revisions) - 1:
            return heads.pop()
    head = _scripts().get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The migration the warehouse is at; None for an empty database."""
    with engine.connect() as conn:
        try:  # Alembic's one-row table, read without importing Alembic
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        except DBAPIError:  # no such table: an empty database (or not one of ours)
            rows = None
    if rows is not None and len(rows) <= 1:
        return rows[0] if rows else None
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def require_head(engine: Engine, workspace: str | Path) -> None:
    """Raise ``NotAtHead``, telling what to run, unless the warehouse is at the newest migration."""
    current, head = current_revision(engine), head_revision()
    if current == head:
        return
    where = engine.url.render_as_string(hide_password=True)
    if current is None:
        state = "尚未建立数据表"
    elif _knows(current):
        state = f"结构版本为 {current}，本程序需要 {head}"
    else:
        raise NotAtHead(
            f"数据仓库（{where}）的结构版本 {current} 比本程序新（本程序最高为 {head}）："
            "请把各台机器上的 techreform 升级到同一版本"
        )
    raise NotAtHead(f"数据仓库（{where}）{state}：请先运行 techreform db upgrade {workspace}")


def _knows(revision: str) -> bool:
    try:
        return _scripts().get_revision(revision) is not None
    except Exception:  # alembic raises its own errors for unknown revisions
        return False


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    cfg = alembic_config(engine)
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        if sqlite:
            # SQLite alters a table by copying and dropping it, which the rows of other tables
            # pointing at it forbid while foreign keys are on; the pragma only works outside a
            # transaction, and the keys are checked before the migration is committed.
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, revision)
                if sqlite and conn.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                    raise RuntimeError("the migration left rows pointing at nothing; not committed")
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()
