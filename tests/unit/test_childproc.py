"""Plain child processes speaking pickled frames (``childproc``): frames through real pipes, their
deadline and end, and a real child started, answering and stopped."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from techreform import childproc

ECHO = """
import os, sys, time
from techreform import childproc

if not childproc.die_with_parent(int(sys.argv[1])):
    sys.exit(3)
out = os.fdopen(childproc.answers_fd(), "wb")
print("printed by the child", flush=True)  # to stderr, never into the answers
fd = sys.stdin.buffer.fileno()
while True:
    try:
        job = childproc.read_frame(fd)
    except EOFError:
        sys.exit(0)
    if job is None:
        sys.exit(0)
    if job == "sleep":
        time.sleep(60)
    childproc.write_frame(out, job)
"""


@pytest.fixture
def echo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The name of a child module that answers each frame with itself."""
    (tmp_path / "childproc_echo.py").write_text(ECHO)
    paths = [str(tmp_path), os.environ.get("PYTHONPATH", "")]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in paths if p))
    return "childproc_echo"


@pytest.fixture
def pipe():
    r, w = os.pipe()
    yield r, os.fdopen(w, "wb")
    os.close(r)


def test_frames_round_trip_through_a_pipe(pipe):
    r, w = pipe
    sent = [None, "路径", (1.5, ("ok", {"a": [1, 2]})), b"x" * (3 << 20)]  # the last > the pipe's room

    def write() -> None:
        for obj in sent:
            childproc.write_frame(w, obj)
        w.close()

    writer = threading.Thread(target=write)
    writer.start()
    got = [childproc.read_frame(r, time.monotonic() + 10) for _ in sent]
    writer.join()
    assert got == sent
    with pytest.raises(EOFError):
        childproc.read_frame(r)


def test_a_deadline_that_passes_raises_timeout_error(pipe):
    r, _ = pipe
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        childproc.read_frame(r, started + 0.2)
    assert 0.15 < time.monotonic() - started < 5


def test_what_came_in_time_is_taken_past_the_deadline(pipe):
    r, w = pipe
    childproc.write_frame(w, "waited in the pipe")
    assert childproc.read_frame(r, time.monotonic() - 1) == "waited in the pipe"
    with pytest.raises(TimeoutError):  # nothing more came
        childproc.read_exactly(r, 1, time.monotonic() - 1)


def test_a_pipe_that_ends_raises_eof_error(pipe):
    r, w = pipe
    w.write(childproc.HEADER.pack(10) + b"short")  # a frame cut off
    w.close()
    with pytest.raises(EOFError):
        childproc.read_frame(r, time.monotonic() + 5)


def test_a_child_answers_on_stdout_and_prints_to_stderr(echo, capfd):
    proc = childproc.start(echo, str(os.getpid()))
    try:
        assert proc.stdin is not None and proc.stdout is not None
        for job in ("one", ("two", [2])):
            childproc.write_frame(proc.stdin, job)
            assert childproc.read_frame(proc.stdout.fileno(), time.monotonic() + 30) == job
        childproc.write_frame(proc.stdin, None)
        assert proc.wait(10) == 0
    finally:
        childproc.stop(proc)
    assert "printed by the child" in capfd.readouterr().err


def test_stopping_a_child_leaves_no_process(echo):
    proc = childproc.start(echo, str(os.getpid()))
    assert proc.stdin is not None and proc.stdout is not None
    childproc.write_frame(proc.stdin, "sleep")
    time.sleep(0.2)
    assert childproc.stop(proc, 10) == -signal.SIGKILL
    assert not Path(f"/proc/{proc.pid}").exists()  # killed and reaped
    assert proc.stdin.closed and proc.stdout.closed
    assert childproc.stop(proc) == -signal.SIGKILL  # again: nothing left to do, no error


def test_a_child_whose_parent_has_gone_ends(echo):
    proc = childproc.start(echo, "1")  # not its parent: as if the parent had died meanwhile
    try:
        assert proc.wait(30) == 3
    finally:
        childproc.stop(proc)
