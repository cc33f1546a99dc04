#!/usr/bin/env bash
# The Celery deployment of docker-compose.yaml as processes on this machine (no Docker): PostgreSQL
# and Redis as they run here (TECHREFORM_TEST_PG, TECHREFORM_TEST_REDIS), the api-server, scheduler,
# dag-processor, triggerer and two Celery workers. Creates the workspace with a sample city if missing.
#   scripts/stack.sh <workspace> [--unpause] [--port 8080] [--tag <tag>] [--profile luoyang-2021] [--quarters 1]
# Ctrl-C stops it, keeping its two databases: --tag <the tag it prints> carries on with them.
# The UI is at http://127.0.0.1:<port> without a login; --unpause unpauses the techreform DAGs.
export TECHREFORM_STACK_CWD=$PWD  # _env.sh moves to the project's folder: a relative <workspace> is this one's
source "$(dirname "${BASH_SOURCE[0]}")/_env.sh"
exec "${UV[@]}" run --quiet python -m tests.support.stack "$@"
