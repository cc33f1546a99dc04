"""An Airflow of the tests' own: a temporary AIRFLOW_HOME with a SQLite metadata database.

Airflow reads its configuration when first imported, so this runs before any test imports it
(from the conftest of the DAG and end-to-end tests).
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DAGS = ROOT / "dags"


def configure() -> Path:
    from techreform.airflow_run import quiet_warnings

    quiet_warnings(preload=True)  # as the product does before it imports Airflow
    if os.environ.get("TECHREFORM_TEST_AIRFLOW_HOME"):
        return Path(os.environ["TECHREFORM_TEST_AIRFLOW_HOME"])
    home = Path(tempfile.mkdtemp(prefix="techreform-airflow-"))
    atexit.register(shutil.rmtree, home, ignore_errors=True)  # made here, so removed here
    os.environ["TECHREFORM_TEST_AIRFLOW_HOME"] = str(home)
    os.environ["AIRFLOW_HOME"] = str(home)
    os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(DAGS)
    os.environ["AIRFLOW__CORE__PLUGINS_FOLDER"] = str(DAGS.parent / "plugins")
    if str(DAGS.parent / "plugins") not in sys.path:  # on the import path, as in Airflow's processes
        sys.path.append(str(DAGS.parent / "plugins"))
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    os.environ["AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION"] = "True"
    os.environ["AIRFLOW__LOGGING__LOGGING_LEVEL"] = "WARNING"
    os.environ["TECHREFORM_DAGS_FOLDER"] = str(DAGS)
    return home


def migrate() -> None:
    from airflow.utils.db import upgradedb

    upgradedb()
