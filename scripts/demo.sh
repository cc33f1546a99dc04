#!/usr/bin/env bash
# Demo: a generated city (init --sample), then the whole run for its last quarter, through Airflow, on SQLite.
source "$(dirname "${BASH_SOURCE[0]}")/_env.sh"
WS=${1:-demo-ws}
PERIOD=${PERIOD:-2026Q3}
rm -rf "$WS"
"${UV[@]}" run techreform init "$WS" --profile "${PROFILE:-luoyang-2021}" --sample
"${UV[@]}" run techreform run "$WS" --period "$PERIOD"
echo
echo "回执：$WS/outbox/<单位代码>/   报送与审核清单：$WS/reports/$PERIOD/"
