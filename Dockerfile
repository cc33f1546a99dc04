# Airflow image with the techreform package (include/techreform) and its dependencies installed.
# Keep this FROM version equal to the apache-airflow pin in pyproject.toml (tests/unit/test_compose.py checks).
FROM apache/airflow:3.3.2-python3.11

# Installed *editable* from /opt/airflow/include: docker-compose.yaml mounts ./include over that path,
# so code edits are live in the containers without a rebuild; without the mount the copy baked in below
# is used. `apache-airflow==${AIRFLOW_VERSION}` (set by the base image) stops pip from changing Airflow.
#
# Dependencies are installed against a placeholder package first, so this layer is rebuilt only when
# pyproject.toml/README.md change, not on every edit under include/ (the editable install just puts
# /opt/airflow/include on sys.path, whatever it contains).
COPY --chown=airflow:0 pyproject.toml README.md /opt/airflow/
RUN mkdir -p /opt/airflow/include/techreform \
    && touch /opt/airflow/include/techreform/__init__.py \
    && pip install --no-cache-dir "apache-airflow==${AIRFLOW_VERSION}" -e /opt/airflow

COPY --chown=airflow:0 include/ /opt/airflow/include/
