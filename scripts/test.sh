#!/usr/bin/env bash
# The test suite: lint and type check, then unit, DAG and end-to-end tests (PostgreSQL at 127.0.0.1 when reachable).
source "$(dirname "${BASH_SOURCE[0]}")/_env.sh"
"${UV[@]}" run ruff check .
"${UV[@]}" run ruff format --check .
"${UV[@]}" run mypy
"${UV[@]}" run pytest "$@"
