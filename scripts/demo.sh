#!/usr/bin/env bash
# Demo: a generated city (init --sample) over a whole year, then the whole cycle for each quarter,
# through Airflow, on SQLite: receipts, reconciliations, the quarterly checks, the half-year bulletin
# (Q2) and the annual assessment (Q4).
CALLER=$PWD  # _env.sh moves to the project's folder: a relative <workspace> is the caller's
source "$(dirname "${BASH_SOURCE[0]}")/_env.sh"
case ${1:-} in
  "") WS=demo-ws ;;  # the project's own demo-ws/
  /*) WS=$1 ;;
  *) WS=$CALLER/$1 ;;
esac
YEAR=${YEAR:-2026}
rm -rf "$WS"
"${UV[@]}" run techreform init "$WS" --profile "${PROFILE:-luoyang-2021}" --sample --year "$YEAR" --quarters 4
for Q in 1 2 3 4; do
  echo "—— ${YEAR}年第${Q}季度 ——"
  "${UV[@]}" run techreform run "$WS" --period "${YEAR}Q${Q}"
done
echo
echo "回执与对账待核实清单：$WS/outbox/<单位代码>/"
echo "对账、季度检查、半年通报、年度考核：$WS/reports/${YEAR}Q1 … ${YEAR}Q4/"
