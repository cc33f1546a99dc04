"""The steps' table and what intake tells the later steps (the periods whose returns changed)."""

from __future__ import annotations

import pytest

from techreform import pipeline
from techreform.reference.periods import Period
from tests.conftest import meta_for, rows
from tests.support.airflow_env import DAGS


def test_every_step_has_one_dag_and_a_chinese_title():
    assert set(pipeline.STEP_DAGS) == set(pipeline.STEPS) == set(pipeline.STEP_TITLES)
    assert len(set(pipeline.STEP_DAGS.values())) == len(pipeline.STEPS)
    assert (DAGS / f"{pipeline.STEP_DAGS['intake']}.py").is_file()  # the DAG file bears the DAG's id


@pytest.mark.slow
def test_changed_periods_are_those_whose_returns_in_force_changed(intake_ws):
    q1, q2 = Period(2026, 1), Period(2026, 2)
    intake_ws.drop("410304_2026Q1_技改项目季报.xlsx", rows(3), meta=meta_for(period=q1))
    bad = rows(3)
    bad[2]["status"] = "在建"  # an error: the Q2 return is rejected, nothing of Q2 is in force
    intake_ws.drop("410304_2026Q2_技改项目季报.xlsx", bad, meta=meta_for(period=q2))
    decided = intake_ws.run().decided
    assert len(decided) == 2
    assert pipeline.changed_periods(intake_ws.engine, decided) == ["2026Q1"]

    # a corrected Q1 replaces the one in force (superseded), a corrected Q2 is accepted: both changed
    intake_ws.drop("410304_2026Q1_技改项目季报_v2.xlsx", rows(4), meta=meta_for(period=q1))
    intake_ws.drop("410304_2026Q2_技改项目季报_v2.xlsx", rows(4), meta=meta_for(period=q2))
    decided = intake_ws.run().decided
    assert pipeline.changed_periods(intake_ws.engine, decided) == ["2026Q1", "2026Q2"]
    # a run that decided nothing changed nothing
    assert pipeline.changed_periods(intake_ws.engine, intake_ws.run().decided) == []
    # what a retried intake announces: every period with returns in force
    assert pipeline.periods_in_force(str(intake_ws.ws.root)) == ["2026Q1", "2026Q2"]
