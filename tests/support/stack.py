"""The deployment of docker-compose.yaml as processes on this machine: CeleryExecutor with Redis and
PostgreSQL as they run here, the api-server, scheduler, dag-processor, triggerer and two Celery
workers, each a process of its own with an AIRFLOW_HOME in a temporary folder.

Used by tests/deploy/test_celery_stack.py and by scripts/stack.sh (``up`` keeps it running until
Ctrl-C). Fresh databases are created on the PostgreSQL server for the Airflow metadata and for the
warehouse; the warehouse is given to the package as the Airflow connection ``techreform_warehouse``
(``AIRFLOW_CONN_TECHREFORM_WAREHOUSE``), the workspace setting being ``airflow:techreform_warehouse``.
The workers listen on a queue of this stack's own, so other Celery workers on the same Redis do not
take its tasks.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
DAG_IDS = (
    "techreform_intake",
    "techreform_statistics",
    "techreform_reconcile",
    "techreform_check",
    "techreform_assess",
)
PG_ADMIN = os.environ.get("TECHREFORM_TEST_PG", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("TECHREFORM_TEST_REDIS", "redis://127.0.0.1:6379")
CONN_ID = "techreform_warehouse"
WORKERS = ("worker1", "worker2")

# How the deployment recovers from a worker that dies (docker-compose.yaml sets the same values;
# tests/unit/test_compose.py checks they agree). A task running on the dead worker stops heartbeating
# and is failed (and retried) after 60 s instead of 300 s: the task supervisor heartbeats every 5 s.
# A task the dead worker had taken from Redis but not started yet stays "queued" in Airflow (its
# Celery message is unacknowledged and Redis gives it back only after the visibility timeout, a
# day): the scheduler puts it back after task_queued_timeout, 120 s instead of 600 s, looked for
# every 30 s instead of 120 s. A task waiting in Redis for a free worker is "queued" too; 120 s is
# well above that wait here (two workers of two slots, tasks of seconds), and such a task is only
# queued again, twice, before it would be failed.
RECOVERY = {
    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "60",
    "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT": "120",
    "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT_CHECK_INTERVAL": "30",
}


def reachable(url: str, default_port: int) -> bool:
    u = make_url(url) if "://" in url else None
    host, port = (u.host or "127.0.0.1", u.port or default_port) if u else ("127.0.0.1", default_port)
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def create_database(name: str, admin_url: str = PG_ADMIN) -> str:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def database_exists(name: str, admin_url: str = PG_ADMIN) -> bool:
    admin = create_engine(admin_url)
    try:
        with admin.connect() as c:
            return (
                c.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
                is not None
            )
    finally:
        admin.dispose()


def drop_database(name: str, admin_url: str = PG_ADMIN) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _started(pid: int) -> str | None:
    """A process's start time (in clock ticks since boot): with the pid, it names one process."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


@dataclass
class Stack:
    """One Celery deployment on this machine. ``start()`` and ``stop()`` (always call it)."""

    workspace: Path
    home: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="techreform-stack-")))
    tag: str = field(default_factory=lambda: secrets.token_hex(4))
    port: int = field(default_factory=free_port)
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    databases: list[str] = field(default_factory=list)
    extra_env: dict[str, str] = field(default_factory=dict)  # e.g. shorter timeouts for a fault test
    # the PostgreSQL server of the warehouse (its admin URL): the metadata's by default; a server of
    # the test's own (tests/support/pgserver.py) lets a test restart the warehouse alone
    warehouse_admin: str = PG_ADMIN

    def __post_init__(self) -> None:
        self.meta_db = f"tr_stack_meta_{self.tag}"
        self.warehouse_db = f"tr_stack_wh_{self.tag}"
        self.queue = f"techreform_{self.tag}"
        # one secret and one set of ports for every component
        self.jwt_secret = secrets.token_urlsafe(64)
        self.trigger_log_port, self.worker_log_port = free_port(), free_port()

    # ------------------------------------------------------------------ environment
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def create_databases(self, *, reuse: bool = False) -> None:
        """The metadata and warehouse databases of this tag; with ``reuse`` those of an earlier
        start of the same tag are kept (``scripts/stack.sh --tag``), else they must be new."""
        for name, admin in ((self.meta_db, PG_ADMIN), (self.warehouse_db, self.warehouse_admin)):
            if reuse and database_exists(name, admin):
                url = make_url(admin).set(database=name).render_as_string(hide_password=False)
            else:
                url = create_database(name, admin)
            if name == self.meta_db:
                self.meta_url = url
            else:
                self.warehouse_url = url
            self.databases.append(name)

    @property
    def warehouse_uri(self) -> str:
        """The warehouse as an Airflow connection URI (Airflow's scheme for PostgreSQL is postgres)."""
        u = make_url(self.warehouse_url)
        return u.set(drivername="postgres").render_as_string(hide_password=False)

    def env(self) -> dict[str, str]:
        meta = make_url(self.meta_url)
        redis_db = int(self.tag, 16) % 15 + 1  # not db 0: others' default
        venv_bin = str(Path(sys.executable).parent)
        # PYTHONDONTWRITEBYTECODE is left out: every process would compile Airflow, GX and pandas from
        # source again (seconds per task); the image's pip wrote their bytecode once, at install.
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("AIRFLOW", "TECHREFORM_")) and k != "PYTHONDONTWRITEBYTECODE"
        }
        env.update(
            {
                "PATH": f"{venv_bin}:{env.get('PATH', '/usr/bin:/bin')}",
                "TZ": "Asia/Shanghai",
                "AIRFLOW_HOME": str(self.home),
                "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
                "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
                "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",  # as in docker-compose.yaml
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
                # As compose's default: no Fernet key. Each start has a new AIRFLOW_HOME, whose
                # generated key would differ from the one that encrypted the inbox watcher's trigger
                # in the metadata database, and the triggerer of a restart (--tag) would die on it.
                "AIRFLOW__CORE__FERNET_KEY": "",
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.url}/execution/",
                "AIRFLOW__API__BASE_URL": self.url,
                "AIRFLOW__API__HOST": "127.0.0.1",
                "AIRFLOW__API__PORT": str(self.port),
                "AIRFLOW__API_AUTH__JWT_SECRET": self.jwt_secret,
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": meta.render_as_string(hide_password=False),
                # Airflow would derive asyncpg (not installed) from the URL above; psycopg 3 does async
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": meta.set(
                    drivername="postgresql+psycopg"
                ).render_as_string(hide_password=False),
                "AIRFLOW__CELERY__BROKER_URL": f"{REDIS}/{redis_db}",
                "AIRFLOW__CELERY__RESULT_BACKEND": "db+"
                + meta.set(drivername="postgresql").render_as_string(hide_password=False),
                "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2",
                # the workers import GX, pandas and the package once, not every task (plugins/)
                "AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS": "techreform_celery.CELERY_CONFIG",
                "AIRFLOW__OPERATORS__DEFAULT_QUEUE": self.queue,
                "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(self.trigger_log_port),
                "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(self.worker_log_port),
                "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
                f"AIRFLOW_CONN_{CONN_ID.upper()}": self.warehouse_uri,
                "TECHREFORM_WORKSPACE": str(self.workspace),
                "TECHREFORM_DATABASE_URL": f"airflow:{CONN_ID}",
                **RECOVERY,
            }
        )
        return {**env, **self.extra_env}

    # ------------------------------------------------------------------ processes
    def airflow(self, *args: str, timeout: float = 300) -> str:
        out = subprocess.run(
            [sys.executable, "-m", "airflow", *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.home,
        )
        if out.returncode != 0:
            raise RuntimeError(
                f"airflow {' '.join(args)} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
            )
        return out.stdout

    def spawn(self, name: str, *args: str) -> None:
        log = open(self.home / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        self.procs[name] = subprocess.Popen(
            [sys.executable, "-m", "airflow", *args],
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.home,
            start_new_session=True,  # its own process group: stop() ends the task processes too
        )
        log.close()

    def spawn_worker(self, name: str) -> None:
        self.spawn(
            name,
            "celery",
            "worker",
            "--queues",
            self.queue,
            "--concurrency",
            "2",
            "--celery-hostname",
            f"{name}_{self.tag}@%h",
            "--skip-serve-logs",
        )

    def start(self, timeout: float = 240) -> None:
        """Migrate the metadata database, then start every component and wait until the api-server
        answers and the dag-processor has stored the four DAGs."""
        if not self.databases:
            self.create_databases()
        self.airflow("db", "migrate")
        self.spawn("api-server", "api-server", "--host", "127.0.0.1", "--port", str(self.port))
        self.spawn("scheduler", "scheduler")
        self.spawn("dag-processor", "dag-processor")
        self.spawn("triggerer", "triggerer")
        for name in WORKERS:
            self.spawn_worker(name)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            if self.healthy() and set(DAG_IDS) <= self.parsed_dags():
                return
            time.sleep(2)
        raise TimeoutError(f"stack not up within {timeout:.0f} s; logs in {self.home}")

    def unpause(self, pattern: str = "techreform_.*") -> None:
        self.airflow("dags", "unpause", "--treat-dag-id-as-regex", "-y", pattern)

    def pause(self, pattern: str = "techreform_.*") -> None:
        self.airflow("dags", "pause", "--treat-dag-id-as-regex", "-y", pattern)

    def trigger_first(self, dag_id: str, conf: dict[str, object], put_in_place: Callable[[], None]) -> None:
        """A manual run of ``dag_id`` that starts before any run the files ``put_in_place`` (called
        here) may set off (intake's inbox watcher): the DAG is paused while they are put in place and
        the run is triggered, so the manual run is queued first and, unpaused, starts first."""
        self.pause(dag_id)
        put_in_place()
        self.trigger(dag_id, conf)
        self.unpause(dag_id)

    def trigger(self, dag_id: str, conf: dict[str, object]) -> None:
        self.airflow("dags", "trigger", dag_id, "-c", json.dumps(conf))

    def check_alive(self) -> None:
        dead = {n: p.returncode for n, p in self.procs.items() if p.poll() is not None}
        if dead:
            tails = {n: (self.home / f"{n}.log").read_text(errors="replace")[-2000:] for n in dead}
            raise RuntimeError(f"stack processes ended: {dead}\n{tails}")

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/api/v2/monitor/health", timeout=5) as r:
                return r.status == 200
        except OSError:
            return False

    def parsed_dags(self) -> set[str]:
        return {row[0] for row in self.query("SELECT dag_id FROM serialized_dag")}

    def query(self, sql: str, **params: object) -> list[tuple[Any, ...]]:
        engine = create_engine(self.meta_url)
        try:
            with engine.connect() as c:
                return [tuple(r) for r in c.execute(text(sql), params)]
        finally:
            engine.dispose()

    def quiet_intake(self, timeout: float = 420) -> None:
        """Until intake's scheduled run of the last five-minute mark is made and over, nothing of
        intake is queued or running, and the next mark is over 45 s away.

        Unpaused, intake at once gets a scheduled run for the last mark, and one for each mark after
        (made only once the run before it ended: max_active_runs=1); a manual run triggered before
        the scheduler made such a run waits for it, as queued runs start in the order of their
        marks. A scheduled run collects for the last ended quarter, so a sample of another quarter
        is put in the inbox only once a manual run for its quarter will be the one to take it.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            now, runs = time.time(), self.runs("techreform_intake")
            mark = dt.datetime.fromtimestamp(now - now % 300, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")
            if (
                any(r[0] == f"scheduled__{mark}" for r in runs)  # made (not while another run was active)
                and not any(r[2] in ("queued", "running") for r in runs)
                and 300 - now % 300 > 45  # the next mark's run comes after the manual one is queued
            ):
                return
            time.sleep(2)
        raise AssertionError(f"intake not quiet within {timeout:.0f} s: {self.runs('techreform_intake')}")

    def runs(self, dag_id: str) -> list[tuple[Any, ...]]:
        """(run_id, run_type, state, start_date, end_date) of a DAG's runs, oldest first."""
        return self.query(
            "SELECT run_id, run_type, state, start_date, end_date FROM dag_run WHERE dag_id = :d ORDER BY id",
            d=dag_id,
        )

    def tree(self, name: str) -> list[int]:
        """A component's process and all its descendants (a worker: its pool and the task processes,
        which the task supervisor puts in process groups of their own)."""
        parents: dict[int, int] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
        root, out = self.procs[name].pid, []
        for pid in parents:
            p = pid
            while p > 1 and p != root:
                p = parents.get(p, 0)
            if p == root:
                out.append(pid)
        return out

    def kill(self, name: str) -> None:
        """A hard crash of one component and of everything it started (SIGKILL)."""
        for pid in self.tree(name):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.procs[name].wait(10)

    def stop(self, *, keep_databases: bool = False, keep_home: bool = False) -> None:
        """Every process this stack started (warm shutdown, then SIGKILL), then its databases."""
        leftovers = [(pid, _started(pid)) for n in self.procs for pid in self.tree(n)]
        for proc in self.procs.values():
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for proc in self.procs.values():
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(10)
        for pid, started in leftovers:  # task processes in groups of their own, if any outlived it
            if started is not None and _started(pid) == started:  # the same process, not a reused pid
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        if not keep_databases:
            for name in self.databases:
                try:
                    drop_database(name, self.warehouse_admin if name == self.warehouse_db else PG_ADMIN)
                except Exception:  # the test's own warehouse server may be gone already
                    if name != self.warehouse_db or self.warehouse_admin == PG_ADMIN:
                        raise
            self.databases.clear()
        if not keep_home:
            shutil.rmtree(self.home, ignore_errors=True)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _tag(text: str) -> str:
    if not text or any(ch not in "0123456789abcdef" for ch in text):
        raise argparse.ArgumentTypeError(f"标记应为停止时显示的十六进制串，而不是 {text!r}")
    return text


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="techreform 的 Celery 部署（本机进程，无需 Docker）")
    p.add_argument("workspace", help="工作区目录（不存在则以示例城市创建）")
    p.add_argument("--profile", default="luoyang-2021")
    p.add_argument("--quarters", default="1")
    p.add_argument("--unpause", action="store_true", help="启动后恢复全部 techreform DAG 的调度")
    p.add_argument("--port", type=int, default=8080, help="界面与 API 的端口（默认 8080）")
    p.add_argument("--tag", type=_tag, help="沿用上次启动的数据库（停止时显示的标记）；不给则新建")
    a = p.parse_args(argv)
    # scripts/stack.sh runs this from the project's folder: a relative path is the caller's
    ws = (Path(os.environ.get("TECHREFORM_STACK_CWD", ".")) / a.workspace).resolve()
    for what, url, port, var in (
        ("PostgreSQL", PG_ADMIN, 5432, "TECHREFORM_TEST_PG"),
        ("Redis", REDIS, 6379, "TECHREFORM_TEST_REDIS"),
    ):
        if not reachable(url, port):
            print(f"错误：连不上 {what}（{url}；另一地址用环境变量 {var} 给出）", file=sys.stderr)
            return 1
    if reachable(f"http://127.0.0.1:{a.port}", a.port):
        print(f"错误：端口 {a.port} 已被占用；用 --port 换一个", file=sys.stderr)
        return 1
    stack = Stack(workspace=ws, port=a.port, **({"tag": a.tag} if a.tag else {}))
    signal.signal(signal.SIGTERM, _interrupt)  # `kill <pid>` stops the stack as Ctrl-C does
    signal.signal(signal.SIGINT, _interrupt)  # also when started in the background (SIGINT ignored)
    stack.create_databases(reuse=bool(a.tag))
    env = stack.env()
    status = 0
    try:
        if not (ws / "techreform.json").exists():
            subprocess.run(
                [sys.executable, "-m", "techreform.cli", "init", str(ws), "--profile", a.profile, "--sample"]
                + ["--quarters", a.quarters, "--database-url", f"airflow:{CONN_ID}"],
                env=env,
                check=True,
            )
        # as compose's airflow-init: the warehouse at the newest migration (a new one is built here)
        subprocess.run(
            [sys.executable, "-m", "techreform.cli", "db", "upgrade", str(ws)], env=env, check=True
        )
        print(f"正在启动（AIRFLOW_HOME={stack.home}，日志 *.log）…", flush=True)
        stack.start()
        if a.unpause:
            stack.unpause()
        print(f"已启动：界面 {stack.url}（本机免登录）；工作区 {ws}；按 Ctrl-C 停止", flush=True)
        while True:
            stack.check_alive()
            time.sleep(5)
    except KeyboardInterrupt:
        print("正在停止…", flush=True)
    except (RuntimeError, TimeoutError, subprocess.CalledProcessError) as e:  # a component ended
        print(f"错误：部署未能启动或已中断：{e}", file=sys.stderr, flush=True)
        status = 1
    finally:
        stack.stop(keep_home=True, keep_databases=True)
        u = make_url(PG_ADMIN)
        dropdb = f"dropdb -h {u.host or '127.0.0.1'} -p {u.port or 5432} -U {u.username or 'postgres'}"
        print(
            f"已停止；元数据库 {stack.meta_db}、数据仓库 {stack.warehouse_db} 保留（下次加 --tag {stack.tag} "
            f"沿用），日志在 {stack.home}\n不再需要时删除这两个数据库：{dropdb} {stack.meta_db}；"
            f"{dropdb} {stack.warehouse_db}"
        )
    return status


if __name__ == "__main__":
    raise SystemExit(main())
