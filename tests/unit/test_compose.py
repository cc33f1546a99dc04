"""Static checks of the Docker deployment: docker-compose.yaml, Dockerfile and pyproject.toml agree.

No Docker engine is needed: the files are parsed, not run.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
AIRFLOW_SERVICES = (
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker-1",
    "airflow-worker-2",
    "airflow-init",
)
WORKERS = ("airflow-worker-1", "airflow-worker-2")
REQUIRED_SERVICES = ("postgres", "redis", *AIRFLOW_SERVICES)
# container path -> host folder (relative to the project) that must be mounted there
REQUIRED_MOUNTS = {
    "/opt/airflow/dags": "dags",
    "/opt/airflow/plugins": "plugins",
    "/opt/airflow/include": "include",
    "/opt/airflow/workspace": "workspace",
    "/opt/airflow/config": "config",
    "/opt/airflow/logs": "logs",
}


@pytest.fixture(scope="module")
def compose() -> dict:
    # safe_load resolves the &airflow-common anchor and the `<<:` merge keys.
    return yaml.safe_load((ROOT / "docker-compose.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def common(compose) -> dict:
    return compose["x-airflow-common"]


def _airflow_services(compose) -> dict[str, dict]:
    return {name: svc for name, svc in compose["services"].items() if name.startswith("airflow-")}


def _host_path(source: str) -> str:
    """`${AIRFLOW_PROJ_DIR:-.}/dags` or `./dags` -> `dags`."""
    return re.sub(r"^(\$\{AIRFLOW_PROJ_DIR:-\.\}|\.)/", "", source)


def _mounts(service: dict) -> dict[str, str]:
    mounts = {}
    for volume in service.get("volumes", []):
        # source:target[:mode]; the source may hold `${VAR:-default}`, the target is absolute.
        m = re.fullmatch(r"(?P<source>.+?):(?P<target>/[^:]*)(?::[a-zA-Z,]+)?", volume)
        assert m, f"unexpected volume syntax {volume!r}"
        mounts[m["target"]] = _host_path(m["source"])
    return mounts


def _pinned_airflow_version() -> str:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pins = [d for d in pyproject["project"]["dependencies"] if re.match(r"apache-airflow\s*==", d)]
    assert len(pins) == 1, f"pyproject.toml should pin apache-airflow exactly once: {pins}"
    return pins[0].split("==", 1)[1].strip()


def test_services_present(compose):
    missing = set(REQUIRED_SERVICES) - set(compose["services"])
    assert not missing, f"docker-compose.yaml lacks services {sorted(missing)}"


def test_celery_stack(common):
    env = common["environment"]
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://:@redis:6379/")
    assert re.match(r"db\+postgresql://\S+@postgres(:5432)?/airflow$", env["AIRFLOW__CELERY__RESULT_BACKEND"])
    assert common["depends_on"]["redis"]["condition"] == "service_healthy"
    # the workers import the heavy libraries once (plugins/techreform_celery.py), as the stack does
    assert env["AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS"] == "techreform_celery.CELERY_CONFIG"


def test_two_workers_share_the_workspace(compose, common):
    """Two Celery workers, each mounting the one workspace, the plugins and the package: a run's tasks
    land on either and read what the other wrote."""
    for name in WORKERS:
        worker = compose["services"][name]
        assert worker["command"] == "celery worker", name
        assert worker["hostname"] == name
        mounts = _mounts(worker)
        for target in ("/opt/airflow/workspace", "/opt/airflow/plugins", "/opt/airflow/include"):
            assert mounts[target] == _mounts(common)[target], f"{name} {target}"
        assert worker["environment"]["TECHREFORM_WORKSPACE"] == "/opt/airflow/workspace"
        assert worker["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully"
        assert "inspect ping" in worker["healthcheck"]["test"][-1]


def test_the_triggerer_sees_the_inbox(compose, common):
    """The inbox watcher runs in the triggerer: it mounts the workspace, the plugins (the trigger's
    classpath) and the package, and knows where the workspace is."""
    triggerer = compose["services"]["airflow-triggerer"]
    assert triggerer["command"] == "triggerer"
    mounts = _mounts(triggerer)
    for target in ("/opt/airflow/workspace", "/opt/airflow/plugins", "/opt/airflow/include"):
        assert mounts[target] == _mounts(common)[target], target
    env = triggerer["environment"]
    assert env["TECHREFORM_WORKSPACE"] == "/opt/airflow/workspace"
    assert env["TECHREFORM_DATABASE_URL"] == common["environment"]["TECHREFORM_DATABASE_URL"]


def test_redis_service(compose):
    redis = compose["services"]["redis"]
    assert redis["image"].startswith("redis:")
    assert redis["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]


def test_celery_pinned_below_5_7():
    """celery 5.7.0 breaks `airflow celery worker` (NOTES.md): the pin must stay until that is fixed."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    deps = pyproject["project"]["dependencies"]
    assert any(d.startswith("apache-airflow-providers-celery") for d in deps)
    celery = [d for d in deps if re.match(r"celery(\[[a-z,]+\])?\s*[<>=]", d)]
    assert celery and "<5.7" in celery[0], celery


def test_common_anchor_mounts(common):
    mounts = _mounts(common)
    for target, host in REQUIRED_MOUNTS.items():
        assert mounts.get(target) == host, f"x-airflow-common should mount ./{host} at {target}"


def test_every_airflow_service_gets_the_common_mounts(compose):
    for name, svc in _airflow_services(compose).items():
        mounts = _mounts(svc)
        for target in REQUIRED_MOUNTS:
            assert target in mounts, f"{name} does not mount {target}"


def test_airflow_runs_on_china_time(compose):
    """Received times and deadlines are read on the local clock; a UTC container would be 8 h off."""
    for name, svc in _airflow_services(compose).items():
        assert svc["environment"]["TZ"] == "${TZ:-Asia/Shanghai}", name


def test_executor_and_metadata_db(common):
    env = common["environment"]
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    conn = env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert re.match(r"postgresql(\+psycopg2)?://", conn), conn
    assert "@postgres/" in conn or "@postgres:5432/" in conn, "metadata DB should be the postgres service"


def test_postgres_is_16(compose):
    image = compose["services"]["postgres"]["image"]
    assert re.fullmatch(r"postgres:16(\.\d+)*(-\S+)?", image), image


def test_airflow_settings(common):
    env = common["environment"]
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "false"
    assert env["AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION"] == "true"
    assert env["AIRFLOW__API_AUTH__JWT_SECRET"], "components need one shared JWT secret"
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-apiserver:8080/execution/"


def test_compose_and_the_process_stack_recover_from_a_dead_worker_alike(common):
    """tests/deploy runs the deployment as processes (tests/support/stack.py): what it proves about
    a killed worker holds for compose only with the same timeouts."""
    from tests.support.stack import RECOVERY

    env = common["environment"]
    assert {k: str(env.get(k)) for k in RECOVERY} == RECOVERY


def test_techreform_settings(common):
    env = common["environment"]
    workspace = env["TECHREFORM_WORKSPACE"]
    assert _mounts(common).get(workspace) == "workspace", "TECHREFORM_WORKSPACE should be the mounted folder"
    assert env["TECHREFORM_DATABASE_URL"] == "${TECHREFORM_DATABASE_URL-airflow:techreform_warehouse}"
    assert "@postgres:5432/techreform}" in env["AIRFLOW_CONN_TECHREFORM_WAREHOUSE"]


def test_warehouse_url_comes_from_the_airflow_connection(common, monkeypatch):
    """The package resolves `airflow:techreform_warehouse` from Airflow's own variable, as compose sets it."""
    from techreform.workspace import Workspace

    conn = common["environment"]["AIRFLOW_CONN_TECHREFORM_WAREHOUSE"]
    default_uri = re.fullmatch(r"\$\{[A-Z_]+:-(.+)\}", conn)
    assert default_uri
    monkeypatch.setenv("AIRFLOW_CONN_TECHREFORM_WAREHOUSE", default_uri[1])
    monkeypatch.setenv("TECHREFORM_DATABASE_URL", "airflow:techreform_warehouse")
    url = Workspace(ROOT / "workspace").database_url
    assert url == "postgresql+psycopg2://techreform:techreform@postgres:5432/techreform"


def test_warehouse_database_is_created(compose):
    mounts = _mounts(compose["services"]["postgres"])
    initdb = {t: s for t, s in mounts.items() if t.startswith("/docker-entrypoint-initdb.d/")}
    assert initdb, "postgres should mount an init script that creates the techreform database"
    for source in initdb.values():
        sql = (ROOT / source).read_text(encoding="utf-8")
        assert re.search(r"CREATE DATABASE techreform\b", sql)


def test_every_airflow_service_builds_from_dockerfile(compose):
    for name, svc in _airflow_services(compose).items():
        build = svc.get("build")
        assert build is not None, f"{name} does not build the image"
        context = build if isinstance(build, str) else build.get("context", ".")
        dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
        assert (ROOT / context / dockerfile).resolve() == (ROOT / "Dockerfile").resolve(), name


def test_healthchecks(compose):
    for name in ("postgres", *AIRFLOW_SERVICES):
        if name == "airflow-init":
            continue
        assert "healthcheck" in compose["services"][name], f"{name} has no healthcheck"


def test_depends_on_known_services(compose):
    services = set(compose["services"])
    for name, svc in compose["services"].items():
        assert set(svc.get("depends_on", {})) <= services, name


def test_airflow_init_migrates(compose):
    init = compose["services"]["airflow-init"]
    assert init["environment"]["_AIRFLOW_DB_MIGRATE"] == "true"
    assert "/opt/airflow/{logs,dags,plugins,config,workspace}" in init["command"][-1]


def test_dockerfile_airflow_version_matches_pyproject():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    froms = re.findall(r"^FROM\s+apache/airflow:(\d+\.\d+\.\d+)\S*", dockerfile, flags=re.MULTILINE)
    assert froms, "Dockerfile should start FROM apache/airflow:<version>"
    assert froms[0] == _pinned_airflow_version()


def test_dockerfile_keeps_airflow_pinned():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    pip_lines = [line for line in dockerfile.splitlines() if "pip install" in line and "/opt/airflow" in line]
    assert pip_lines, "Dockerfile should pip install the project"
    pinned = f"apache-airflow=={_pinned_airflow_version()}"
    assert all(pinned in line or "apache-airflow==${AIRFLOW_VERSION}" in line for line in pip_lines)


def test_dockerfile_installs_the_locked_versions():
    """The image gets the versions the tests ran with: uv.lock, exported as pip constraints."""
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    copied = re.search(r"^COPY\b.*\buv\.lock\b", dockerfile, flags=re.MULTILINE)
    assert copied, "the Dockerfile should copy uv.lock"
    export = re.search(r"uv export --frozen --no-dev --no-emit-project --no-hashes -o (\S+)", dockerfile)
    assert export, "the Dockerfile should export uv.lock as constraints"
    lines = dockerfile.splitlines()
    installs = [line for line in lines if "pip install" in line and "-e /opt/airflow" in line]
    assert installs and all(f"-c {export.group(1)}" in line for line in installs)
    assert dockerfile.index(copied.group(0)) < dockerfile.index(export.group(0))


def test_dockerignore_keeps_context_small():
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    ignored = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    for entry in (".venv", "workspace", "logs", ".git"):
        assert entry in ignored
    assert "README.md" not in ignored and "include" not in ignored, "the Dockerfile copies these"


def _init_script(compose) -> str:
    """airflow-init's bash script as the container runs it (compose turns `$$` into `$`)."""
    return compose["services"]["airflow-init"]["command"][-1].replace("$$", "$")


def test_airflow_init_upgrades_the_warehouse(compose):
    """The warehouse's schema is a deployment step of airflow-init (tasks only check it): after the
    metadata database (the entrypoint's migration), before ownership is handed to the Airflow user."""
    init = compose["services"]["airflow-init"]
    script = _init_script(compose)
    lines = [line.strip() for line in script.splitlines()]
    upgrade = next(i for i, line in enumerate(lines) if "bash -c 'techreform db upgrade" in line)
    assert upgrade > next(i for i, line in enumerate(lines) if line.startswith("/entrypoint airflow version"))
    assert upgrade < next(i for i, line in enumerate(lines) if line.startswith("chown -R"))
    # run through the image's entrypoint (its Python environment) on the mounted workspace's warehouse
    assert lines[upgrade].startswith(
        ("/entrypoint", "_AIRFLOW_DB_MIGRATE= _AIRFLOW_WWW_USER_CREATE= /entrypoint")
    )
    assert '"${TECHREFORM_WORKSPACE}"' in lines[upgrade]
    env = init["environment"]
    assert env["TECHREFORM_WORKSPACE"] == "/opt/airflow/workspace"
    assert "airflow:techreform_warehouse" in env["TECHREFORM_DATABASE_URL"]
    assert "@postgres:5432/techreform" in env["AIRFLOW_CONN_TECHREFORM_WAREHOUSE"]
    assert init["depends_on"]["postgres"]["condition"] == "service_healthy"


@pytest.mark.parametrize(
    ("database_url", "initialised", "upgrades"),
    [("postgresql://techreform@postgres:5432/techreform", False, True), ("", True, True), ("", False, False)],
    ids=["postgres-warehouse", "workspace-sqlite", "nothing-yet"],
)
def test_airflow_init_script_runs_the_upgrade_only_when_there_is_a_warehouse(
    compose, tmp_path, database_url, initialised, upgrades
):
    """The script's own bash, with /entrypoint and everything around the upgrade stubbed out."""
    import subprocess

    script = _init_script(compose)
    start = script.index('echo "techreform warehouse')
    block = script[start : script.index('echo "Change ownership')]
    block = block.replace("/entrypoint", str(tmp_path / "entrypoint"))
    entrypoint = tmp_path / "entrypoint"
    entrypoint.write_text('#!/bin/bash\necho "ENTRYPOINT migrate=[$_AIRFLOW_DB_MIGRATE] $*"\n"$@"\n')
    entrypoint.chmod(0o755)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "techreform").write_text('#!/bin/bash\necho "TECHREFORM $*"\n')
    (bin_dir / "techreform").chmod(0o755)
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    if initialised:
        (workspace / "techreform.json").write_text("{}")
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "TECHREFORM_WORKSPACE": str(workspace),
        "TECHREFORM_DATABASE_URL": database_url,
        "_AIRFLOW_DB_MIGRATE": "true",
    }
    out = subprocess.run(["bash", "-c", block], env=env, capture_output=True, text=True, check=True).stdout
    if upgrades:
        assert "ENTRYPOINT migrate=[] bash -c" in out  # the Airflow migration is not run twice
        assert f"TECHREFORM db upgrade {workspace}" in out
    else:
        assert "TECHREFORM" not in out and "techreform init" in out
