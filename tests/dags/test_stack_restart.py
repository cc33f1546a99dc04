"""scripts/stack.sh --tag: a restart of the process stack on the databases of an earlier start."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from tests.support import stack as stack_module
from tests.support.stack import Stack

pytestmark = pytest.mark.slow  # Airflow imported in two processes of their own

ENCRYPT = "from airflow.models.trigger import Trigger; print(Trigger.encrypt_kwargs({'folder': '/ws/inbox'}))"
DECRYPT = (
    "import sys; from airflow.models.trigger import Trigger; print(Trigger._decrypt_kwargs(sys.argv[1]))"
)


def test_a_restart_reads_the_trigger_the_first_start_stored(tmp_path):
    """Each start has an AIRFLOW_HOME of its own: the inbox watcher's trigger the first start stored
    in the metadata database must be read by the triggerer of the next (it died of InvalidToken when
    each home generated its own Fernet key)."""
    starts = []
    for n in (1, 2):
        s = Stack(workspace=tmp_path / "ws", home=tmp_path / f"home{n}", tag="5aa8dc24")
        s.home.mkdir()
        s.meta_url = s.warehouse_url = "postgresql://postgres@127.0.0.1/x"  # no databases made
        starts.append(s)

    def run(s: Stack, *args: str) -> str:
        out = subprocess.run([sys.executable, *args], env=s.env(), cwd=s.home, capture_output=True, text=True)
        assert out.returncode == 0, out.stderr[-2000:]
        return out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""

    for s in starts:  # an Airflow command writes the home's airflow.cfg, as `airflow db migrate` does
        run(s, "-m", "airflow", "config", "get-value", "core", "fernet_key")
    stored = run(starts[0], "-c", ENCRYPT)
    assert run(starts[1], "-c", DECRYPT, stored) == "{'folder': '/ws/inbox'}"


def test_a_port_in_use_is_said_before_anything_is_made(tmp_path, capsys):
    if not (
        stack_module.reachable(stack_module.PG_ADMIN, 5432)
        and stack_module.reachable(stack_module.REDIS, 6379)
    ):
        pytest.skip("no PostgreSQL or Redis here")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert stack_module.main([str(tmp_path / "ws"), "--port", str(port)]) == 1
    assert f"端口 {port} 已被占用" in capsys.readouterr().err
    assert not (tmp_path / "ws").exists()
