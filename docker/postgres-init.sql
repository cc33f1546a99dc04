-- Warehouse database for techreform, next to Airflow's metadata database on the same server.
-- Run by the postgres image (as POSTGRES_USER, via psql) when its data volume is first initialised.
-- Idempotent, so it can be re-run on an existing volume:
--   docker compose exec postgres psql -U airflow -d airflow -f /docker-entrypoint-initdb.d/10-techreform.sql
-- The credentials match TECHREFORM_DATABASE_URL's default in docker-compose.yaml (local development only).

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'techreform') THEN
        CREATE ROLE techreform LOGIN PASSWORD 'techreform';
    END IF;
END
$$;

-- CREATE DATABASE cannot run inside DO/transaction blocks: let psql execute it only when missing.
SELECT 'CREATE DATABASE techreform OWNER techreform ENCODING ''UTF8'' TEMPLATE template0'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'techreform')\gexec
