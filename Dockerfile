# Airflow image with the techreform package (include/techreform) and its dependencies installed.
# Keep this FROM version equal to the apache-airflow pin in pyproject.toml (tests/unit/test_compose.py checks).
FROM apache/airflow:3.3.2-python3.11
ARG UV_VERSION=0.13.9

# Installed *editable* from /opt/airflow/include: docker-compose.yaml mounts ./include over that path,
# so code edits are live in the containers without a rebuild; without the mount the copy baked in below
# is used. `apache-airflow==${AIRFLOW_VERSION}` (set by the base image) stops pip from changing Airflow.
#
# Dependencies are installed against a placeholder package first, so this layer is rebuilt only when
# pyproject.toml/README.md/uv.lock change, not on every edit under include/ (the editable install just
# puts /opt/airflow/include on sys.path, whatever it contains).
#
# The versions are those of uv.lock, the ones the tests ran with: uv exports the lock as a pip
# constraints file (no network needed for that), and pip installs the package under it, moving any
# package of the base image that the lock pins to another version. UV_VERSION: a uv that reads
# this lock (it was written by 0.13.9).
COPY --chown=airflow:0 pyproject.toml README.md uv.lock /opt/airflow/
RUN mkdir -p /opt/airflow/include/techreform \
    && touch /opt/airflow/include/techreform/__init__.py \
    && pip install --no-cache-dir "uv==${UV_VERSION}" \
    && cd /opt/airflow \
    && uv export --frozen --no-dev --no-emit-project --no-hashes -o /tmp/constraints.txt \
    && pip install --no-cache-dir -c /tmp/constraints.txt "apache-airflow==${AIRFLOW_VERSION}" -e /opt/airflow \
    && rm /tmp/constraints.txt

COPY --chown=airflow:0 include/ /opt/airflow/include/
