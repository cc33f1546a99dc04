from tests.support import airflow_env

airflow_env.configure()
