import pytest

from tests.support import airflow_env

airflow_env.configure()


@pytest.fixture(scope="session")
def intake_dag():
    airflow_env.migrate()
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(airflow_env.DAGS))
    assert not bag.import_errors
    return bag.dags["techreform_intake"]
