"""Plain child processes that take jobs on their stdin and answer on their stdout.

Three parts of the project hand work to a child process: intake's reading processes
(``returns.isolation``), the receipt helpers (``workbooks.receipt_pool``) and the reconciliation's
child (``reconcile.helper``). Each is a plain child, ``python -m <module> args...`` with its stdin
and stdout piped, not multiprocessing: spawning imports the caller's ``__main__`` (Airflow's) again
in the child, and forking copies a process with Airflow's threads running. A plain child imports
only what it needs, and its pipes are plain file descriptors, to wait on with a deadline
(``select``) or several at once.

This module holds what they share: the frames of the two modules that speak them (an 8-byte
length, then a pickle; the receipt helpers speak ``multiprocessing.connection``'s), starting a
child, the child's own setup (its answers on a copy of stdout, anything printed going to stderr;
dying with its parent, for a child that asks) and stopping it. What crosses the pipes, and when,
stays each module's own.
"""

from __future__ import annotations

import os
import pickle
import select
import struct
import subprocess
import sys
import time
from typing import IO, Any

HEADER = struct.Struct("!Q")  # a frame's length, before its pickle


def write_frame(f: IO[bytes], obj: Any) -> None:
    """Send ``obj`` as one frame (and flush)."""
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    f.write(HEADER.pack(len(data)))
    f.write(data)
    f.flush()


def read_exactly(fd: int, n: int, deadline: float | None = None) -> bytes:
    """``n`` bytes from ``fd`` (unbuffered: ``select`` sees what is left in the pipe).
    ``deadline`` (``time.monotonic()``): ``TimeoutError`` when the next bytes have not come by
    then; what came in time may wait in the pipe (past the deadline, it is still taken).
    ``EOFError`` when the pipe ends first."""
    chunks, got = [], 0
    while got < n:
        if deadline is not None:
            left = max(deadline - time.monotonic(), 0.0)  # what came in time may wait in the pipe
            if not select.select([fd], [], [], left)[0]:
                raise TimeoutError
        chunk = os.read(fd, min(n - got, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def read_frame(fd: int, deadline: float | None = None) -> Any:
    """The next frame's object; ``TimeoutError`` and ``EOFError`` as ``read_exactly``."""
    (size,) = HEADER.unpack(read_exactly(fd, HEADER.size, deadline))
    return pickle.loads(read_exactly(fd, size, deadline))


def start(module: str, *args: str) -> subprocess.Popen[bytes]:
    """``python -m module args...``, its stdin and stdout pipes of this process (stderr shared)."""
    return subprocess.Popen(
        [sys.executable, "-m", module, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        close_fds=True,
    )


def stop(proc: subprocess.Popen[bytes], timeout: float | None = None) -> int | None:
    """Kill the child if it is running, wait for it (``timeout``), close its pipes; its exit code."""
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout)
    for f in (proc.stdin, proc.stdout):
        if f is not None:
            try:
                f.close()
            except OSError:
                pass
    return proc.returncode


# --- in the child


def answers_fd() -> int:
    """In the child: a copy of stdout for its answers, stdout itself then pointed at stderr, so
    that anything printed goes to the log, never into the answers."""
    fd = os.dup(1)
    os.dup2(2, 1)
    return fd


def die_with_parent(parent: int) -> bool:
    """In the child: be killed when the parent ends (Linux's ``PR_SET_PDEATHSIG``; elsewhere the
    end of its input still ends it). False when ``parent`` (its pid) has already ended."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the parent's end of the pipe still ends it
        pass
    return os.getppid() == parent  # else the parent died before that took effect
