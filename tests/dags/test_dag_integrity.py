"""Every DAG file imports cleanly, quickly, and is wired the way operations expect."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from techreform.pipeline import RETURNS_ASSET, RETURNS_URI, STEP_DAGS
from tests.support.airflow_env import DAGS

# Airflow's import alone takes seconds; every test here is outside the inner loop.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS))


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}
    assert "techreform_intake" in dagbag.dag_ids


def test_every_task_retries(dagbag):
    for dag in dagbag.dags.values():
        for t in dag.tasks:
            assert t.retries >= 1, f"{dag.dag_id}.{t.task_id} has no retries"


def test_every_dag_is_tagged_described_and_single_run(dagbag):
    for dag in dagbag.dags.values():
        assert "techreform" in dag.tags
        assert dag.description
        assert dag.max_active_runs == 1
        assert dag.catchup is False


def test_intake_dag_shape(dagbag):
    dag = dagbag.dags["techreform_intake"]
    assert [t.task_id for t in dag.topological_sort()] == [
        "receive",
        "validate_and_load",
        "publish_receipts",
        "publish_reports",
        "announce_returns",
    ]
    assert set(dag.params.keys()) == {"workspace", "period", "settle_seconds"}


def test_intake_runs_on_the_inbox_watcher_or_the_poll(dagbag):
    """New settled files fire intake through the triggerer (an event trigger that deletes nothing,
    loadable by its classpath); the five-minute poll stays as a safety net."""
    import importlib

    from airflow.triggers.base import BaseEventTrigger

    from techreform.pipeline import INBOX_URI

    dag = dagbag.dags["techreform_intake"]
    assert type(dag.timetable).__name__ == "AssetOrTimeSchedule"
    assert dag.timetable.timetable.expression == "*/5 * * * *"
    asset = dag.timetable.asset_condition
    assert asset.uri.rstrip("/") == INBOX_URI
    (watcher,) = asset.watchers
    classpath, kwargs = watcher.trigger.serialize()
    module, name = classpath.rsplit(".", 1)
    cls = getattr(importlib.import_module(module), name)  # as the triggerer loads it
    assert issubclass(cls, BaseEventTrigger)
    assert isinstance(cls(**kwargs), cls)
    assert kwargs["settle_seconds"] == dag.params["settle_seconds"]


def test_intake_maps_its_receipts_over_batches_of_units_with_readable_labels(dagbag):
    """publish_receipts is mapped over what validate_and_load returns (batches of unit codes, no
    data), each instance labelled with its units; the CSVs and the event do not wait for it, so an
    empty list (the mapped task skipped) holds nothing up."""
    from airflow.sdk.definitions.mappedoperator import MappedOperator

    dag = dagbag.dags["techreform_intake"]
    receipts = dag.get_task("publish_receipts")
    assert isinstance(receipts, MappedOperator)
    assert receipts.upstream_task_ids == {"validate_and_load"}
    assert receipts.map_index_template == "{{ task.op_kwargs['batch']['label'] }}"
    assert receipts.downstream_task_ids == set()
    assert dag.get_task("publish_reports").upstream_task_ids == {"validate_and_load"}
    assert dag.get_task("announce_returns").upstream_task_ids == {"publish_reports"}


def test_a_batch_label_renders_from_the_mapped_argument(dagbag):
    """The template renders with the unmapped task in the context (as the task runner does), so the
    label shows while the task runs."""
    import jinja2

    template = dagbag.dags["techreform_intake"].get_task("publish_receipts").map_index_template

    class Unmapped:
        op_kwargs = {"batch": {"units": ["410323"], "label": "410323 新安县"}}

    assert jinja2.Environment().from_string(template).render(task=Unmapped()) == "410323 新安县"


def test_intake_announces_the_returns_in_force_on_their_asset(dagbag):
    """The later steps' DAGs are scheduled on this asset: its name and URI are the contract."""
    from airflow.sdk import Asset

    dag = dagbag.dags["techreform_intake"]
    outlets = {t.task_id: t.outlets for t in dag.tasks if t.outlets}
    assert outlets == {"announce_returns": [Asset(name=RETURNS_ASSET, uri=RETURNS_URI, group="techreform")]}


def test_every_dag_file_bears_its_dags_id_and_every_step_has_a_dag(dagbag):
    """The command line finds a step's DAG by its file name (dags/<dag_id>.py). Besides the steps,
    one DAG only watches for the statistics bureau's extracts."""
    for dag_id, dag in dagbag.dags.items():
        assert Path(dag.fileloc).name == f"{dag_id}.py"
    assert set(dagbag.dags) == {*STEP_DAGS.values(), "techreform_statistics"}


def test_the_cycle_is_linked_by_assets_and_the_reporting_calendar(dagbag):
    from airflow.sdk import Asset

    from techreform.pipeline import CHECKED_URI, RECONCILED_URI, STATISTICS_URI

    def uris(dag_id):
        return {
            a.uri.rstrip("/") for t in dagbag.dags[dag_id].tasks for a in t.outlets if isinstance(a, Asset)
        }

    assert uris("techreform_statistics") == {STATISTICS_URI}
    assert uris("techreform_reconcile") == {RECONCILED_URI}
    assert uris("techreform_check") == {CHECKED_URI}
    timetables = {
        d: type(dagbag.dags[d].timetable).__name__ for d in ("techreform_check", "techreform_assess")
    }
    assert timetables == {
        "techreform_check": "AssetOrTimeSchedule",
        "techreform_assess": "AssetOrTimeSchedule",
    }
    calendar = dagbag.dags["techreform_check"].timetable.timetable  # the time part of the schedule
    assert "季度结束后第7个工作日" in calendar.summary
    assert dagbag.dags["techreform_assess"].timetable.timetable.quarters == (2, 4)


def test_dag_files_do_not_import_heavy_libraries_at_parse_time():
    """GX and pandas take seconds to import: DAG parsing must not pay for them."""
    code = (
        "import sys; from airflow.dag_processing.dagbag import DagBag; "
        f"b = DagBag(dag_folder={str(DAGS)!r}); assert not b.import_errors, b.import_errors; "
        "heavy = [m for m in ('great_expectations', 'pandas', 'openpyxl') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1:] in ([], [""]), out.stdout
