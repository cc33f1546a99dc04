"""Run a techreform DAG through Airflow for one workspace (what ``techreform run`` does).

The command line and the scheduler run the same DAGs: here a DAG is loaded from the project's
``dags/`` folder and executed with ``dag.test()`` against an Airflow metadata database of the
workspace's own (``<ws>/.airflow``), so no Airflow deployment is needed for a manual run.
Airflow reads its settings when first imported: everything below sets the environment first.
"""

from __future__ import annotations

import gc
import os
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def dags_folder() -> Path:
    """The project's dags/ folder: TECHREFORM_DAGS_FOLDER, else next to the installed package source."""
    env = os.environ.get("TECHREFORM_DAGS_FOLDER")
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "dags" / "techreform_intake.py").exists():
            return parent / "dags"
    raise FileNotFoundError("找不到 dags/ 目录：请在项目目录中运行，或设置 TECHREFORM_DAGS_FOLDER")


_HTTPX_WARNING = r"Using `httpx` with `starlette\.testclient` is deprecated"


def quiet_warnings(*, preload: bool = False) -> None:
    """Warnings meant for Airflow's developers are not the user's business: set before Airflow is
    imported (the command line does so first thing).

    fastapi's test client, which Airflow's in-process task runner imports, warns about httpx when
    first imported. Airflow replaces the warnings machinery as it starts, so with ``preload`` the
    module is imported here, silenced, once and for all (it costs a fraction of a second).
    """
    warnings.filterwarnings("ignore", message=_HTTPX_WARNING)
    # libraries warning about their own dependencies (Great Expectations: sre_constants) are
    # nothing a user can act on; Airflow would log them into the run's output
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    if preload:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=_HTTPX_WARNING)
            import fastapi.testclient  # noqa: F401


def configure(airflow_home: Path, *, quiet: bool = True) -> None:
    airflow_home.mkdir(parents=True, exist_ok=True)
    os.environ["AIRFLOW_HOME"] = str(airflow_home)
    # The workspace's own metadata database, even on a host whose environment names the
    # deployment's: a manual run must not write its runs into production metadata.
    os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{(airflow_home / 'airflow.db').resolve()}"
    os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(dags_folder())
    os.environ["AIRFLOW__CORE__PLUGINS_FOLDER"] = str(dags_folder().parent / "plugins")
    # DAG files import the shared helpers and the timetable from plugins/, which Airflow puts on
    # the import path of its processes (airflow.settings); so does a run in this process
    plugins = str(dags_folder().parent / "plugins")
    if plugins not in sys.path:
        sys.path.append(plugins)
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    os.environ.setdefault("AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION", "True")
    if quiet:
        os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")


MIGRATED = "techreform-migrated.json"  # in AIRFLOW_HOME: the Airflow version and revision last migrated to
_migrated: set[str] = set()  # metadata databases this process has migrated or found current


def _db_revision() -> str | None:
    """The metadata database's Alembic revision (its one-row table), None when it has none."""
    from airflow import settings
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    try:
        with settings.get_engine().connect() as c:
            rows = c.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except DBAPIError:  # no such table: a new database
        return None
    return rows[0] if len(rows) == 1 else None


def migrate_metadata(airflow_home: Path) -> None:
    """``airflow db migrate`` (``upgradedb``) unless this Airflow already migrated this database to
    the revision it is at. A no-op upgrade still reads all of Airflow's ~250 migration scripts
    (about half a second a run, and again for every DAG of a run), so the version and revision of
    the last one are kept in ``AIRFLOW_HOME`` and compared first; any difference (a new Airflow, a
    database replaced or restored) migrates as before."""
    import json

    import airflow
    from airflow.configuration import conf
    from airflow.utils.db import upgradedb

    url = os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    if url in _migrated:
        return
    # what a migration depends on: Airflow's version, and the providers' own tables it also migrates
    by = {
        "airflow": airflow.__version__,
        "managers": conf.get("database", "external_db_managers", fallback=""),
    }
    marker = airflow_home / MIGRATED
    try:
        known = json.loads(marker.read_text("utf-8"))
    except (OSError, ValueError):
        known = None
    revision = _db_revision()
    if not (revision and known == {**by, "revision": revision}):
        upgradedb()
        revision = _db_revision()
        if revision:
            marker.write_text(json.dumps({**by, "revision": revision}), "utf-8")
    _migrated.add(url)


# The versions this file's shortcuts were checked against (tests/dags/test_in_process_api.py). Another
# Airflow or Cadwyn (uv.lock pins both) gets Airflow's own behaviour until they are checked again.
CHECKED = {"apache-airflow": "3.3.2", "cadwyn": "7.0.0"}


def newest_api_only() -> bool:
    """Have ``dag.test()``'s in-process execution API serve the newest API version only.

    Relies on Airflow and Cadwyn internals (README, "Speed"). ``dag.test()`` runs each task against
    ``InProcessExecutionAPI``, a Cadwyn app whose first request builds routes and schemas for every
    version of ``airflow.api_fastapi.execution_api.versions.bundle`` (the head and nine dated ones,
    about 4 CPU s), while its only client, the task SDK in this process, speaks the newest
    (``API_VERSION``), whose routes and schemas are the head's (a version's changes describe how it
    differs from the one before it). So the app of this process's in-process API (the one object
    ``supervisor.in_process_api_server`` caches) is built with a bundle of the head and that one
    version, and without the routes Cadwyn keeps for older versions only (it refuses a router whose
    such routes no version restores): the same routes and schemas for that version, which
    ``tests/dags/test_in_process_api.py`` checks against Airflow's own app. Nothing else is touched:
    the module's ``bundle`` is swapped only while this app is built, and the api-server, triggerer
    and dag-processor of a deployment build their own apps. Returns whether it was done; with any
    other Airflow or Cadwyn, a client speaking another version, or an app already built, it leaves
    Airflow's behaviour as it is.
    """
    from importlib.metadata import version

    if any(version(name) != v for name, v in CHECKED.items()):
        return False
    from airflow.api_fastapi.execution_api import versions
    from airflow.sdk.api.datamodels._generated import API_VERSION
    from airflow.sdk.execution_time.supervisor import in_process_api_server
    from cadwyn import HeadVersion, Version, VersionBundle
    from cadwyn.route_generation import _DELETED_ROUTE_TAG

    full = versions.bundle
    if full.version_values[0] != API_VERSION or full.head_version.changes:
        return False
    api = in_process_api_server()
    if api._app is not None:  # built already: the client may have used it
        return False
    versions.bundle = VersionBundle(HeadVersion(), Version(API_VERSION))
    try:
        app = api.app
    finally:
        versions.bundle = full
    head = app._latest_version_router  # routes are generated from it on the first request
    head.routes[:] = [r for r in head.routes if _DELETED_ROUTE_TAG not in getattr(r, "tags", ())]
    return True


@contextmanager
def heap_frozen() -> Iterator[None]:
    """Keep what the process holds now out of the cyclic garbage collector's full passes while a DAG
    runs.

    Before a DAG runs, the process holds a million objects or so that outlive the DAG's run
    (Airflow and the stack's modules, the DAGs, the execution API, what earlier steps cached). The
    collector's full passes, which a step's own allocations set off a dozen times, went over all of
    them each time: about 6 of a province run's CPU seconds. ``gc.freeze()`` moves them to the
    permanent generation, which the passes skip; they are still freed by reference counting as
    usual. ``gc.unfreeze()`` after the run gives them back to the collector, so nothing outlasts
    the call (garbage in cycles among them, 10,000-110,000 small objects at a province run's step
    boundaries, is collected later as before).
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def run_dag(
    dag_id: str,
    conf: dict[str, Any],
    airflow_home: Path,
    *,
    quiet: bool = True,
    progress: Callable[[str], None] | None = None,
) -> str:
    """Run one DAG to the end in this process; returns the run's final state.

    ``progress`` is told, in Chinese, of the steps that take a while (the first migration of the
    metadata database).
    """
    configure(airflow_home, quiet=quiet)
    first = not (airflow_home / "airflow.db").exists()
    quiet_warnings(preload=True)
    from airflow.dag_processing.dagbag import DagBag

    if first and progress:
        progress("正在准备 Airflow 元数据库（首次约需 20 秒）…")
    migrate_metadata(airflow_home)
    bag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    if bag.import_errors:
        raise RuntimeError(f"DAG 文件导入失败：{bag.import_errors}")
    dag = bag.get_dag(dag_id)
    if dag is None:
        raise KeyError(f"找不到 DAG {dag_id}")
    newest_api_only()
    with heap_frozen(), _one_batch():
        run = dag.test(run_conf=conf)
    return str(getattr(run.state, "value", run.state))


@contextmanager
def _one_batch() -> Iterator[None]:
    """``dag.test()`` runs mapped task instances one after another, in this process: a step's
    per-unit work spread over mapped tasks (``techreform.fanout``) would gain nothing but the
    tasks' cost. So it is planned as one batch (``TECHREFORM_FANOUT_TASKS=1``, unless set), which
    the step's own task writes on every core (``receipt_pool``)."""
    if "TECHREFORM_FANOUT_TASKS" in os.environ:
        yield
        return
    os.environ["TECHREFORM_FANOUT_TASKS"] = "1"
    try:
        yield
    finally:
        os.environ.pop("TECHREFORM_FANOUT_TASKS", None)
