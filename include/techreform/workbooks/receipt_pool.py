"""Receipts written on every core: this process and helper processes side by side.

A province's receipts are a few seconds of CPU, each receipt alone (its own file, its own county
file read back). When one task writes them all (``techreform run``, where ``dag.test()`` would run
mapped tasks one after another; or the Celery stack's single batch), this process writes receipts
and ``processes - 1`` helpers write others at the same time. A helper is a plain child process
(``python -m techreform.workbooks.receipt_pool``, see ``childproc``; not multiprocessing, which
would import the caller's ``__main__`` -- Airflow's -- again; no fork of a process with Airflow's
threads running): it imports openpyxl and the receipt code (about half a second of CPU, on the
other core while this process works), is kept two receipts ahead, and answers each with its path
or its error. Jobs and answers cross its pipes as ``multiprocessing.connection`` messages, to wait
on several helpers at once.

Crash safety is the receipt's own: each is written to a temporary file and moved into place
(``write_receipt``). The caller records a receipt (``done``) only once its file is in place, in
this process. A helper's error is raised here as the same exception (or a ``RuntimeError`` with
its traceback), a helper that dies fails the step; on every way out the helpers still running
are stopped and their temporary files removed. A helper whose parent is killed sees its input
end and stops after the receipt in hand (written whole, as a rerun writes it again).
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import traceback
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from techreform import childproc
from techreform.workbooks.receipt import write_receipt
from techreform.workbooks.receipt_parts import part_path

# one process per core, two at most (as intake's readers): the receipts' share of a 2-core machine
PROCESSES = max(1, min(2, os.cpu_count() or 1))
# Receipts below which no helper is started: a helper costs about half a second of CPU before its
# first receipt (its imports; a second on a loaded machine), a receipt 20-60 ms (a province's 242:
# 6-8 s on this 2-core machine). (``fanout``'s estimate per byte, made for weighing mapped tasks,
# is an upper bound several times the receipts' present cost.) ``TECHREFORM_RECEIPT_POOL_MIN`` wins.
POOL_MIN_RECEIPTS = 32
_AHEAD = 2  # receipts sent to a helper before it answers: it never waits for this process


@dataclass(frozen=True)
class ReceiptJob:
    """One receipt: where it goes, and ``write_receipt``'s keyword arguments."""

    path: Path
    fields: dict[str, Any]


Writer = Callable[..., Path]


def write_all(
    jobs: Sequence[ReceiptJob],
    done: Callable[[ReceiptJob], None],
    *,
    processes: int = 1,
    write: Writer | None = None,
) -> None:
    """Write every job's receipt; ``done(job)`` is called here once its file is in place (in the
    order they are finished). ``processes``: how many processes write (this one included); the
    helpers are started only when the work pays for them (``POOL_MIN_RECEIPTS``). ``write`` is the
    function this process writes with (``write_receipt``); helpers always use ``write_receipt``.
    """
    with Pool(processes, len(jobs)) as pool:
        pool.write_all(jobs, done, write=write)


class Pool:
    """The helpers of one batch of ``count`` receipts, started at once (they import while the
    caller gathers what the receipts say), stopped on leaving; none when the batch is too small
    for them to pay."""

    def __init__(self, processes: int, count: int) -> None:
        least = int(os.environ.get("TECHREFORM_RECEIPT_POOL_MIN") or POOL_MIN_RECEIPTS)
        self._wanted = min(processes - 1, count - 1) if count >= least else 0
        self._helpers: list[_Helper] = []

    def __enter__(self) -> Pool:
        try:
            for _ in range(self._wanted):
                self._helpers.append(_Helper())
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop every helper (killed if still writing: its temporary file removed)."""
        while self._helpers:
            self._helpers.pop().stop()

    def write_all(
        self, jobs: Sequence[ReceiptJob], done: Callable[[ReceiptJob], None], *, write: Writer | None = None
    ) -> None:
        """As the module's ``write_all``, with this pool's helpers (none: all in this process). A
        failure leaves the helpers to ``close``, which stops them."""
        write = write or write_receipt
        queue = deque(jobs)
        pool = self._helpers
        while queue or any(h.sent for h in pool):
            for h in pool:
                while queue and len(h.sent) < _AHEAD:
                    h.send(queue.popleft())
            busy = {h.conn: h for h in pool if h.sent}
            # with receipts left, only look (this process takes one next); else wait for the helpers
            for conn in wait(list(busy), timeout=0 if queue else None):
                done(busy[conn].take())  # type: ignore[index]
            if queue:
                job = queue.popleft()
                write(job.path, **job.fields)
                done(job)


class _Helper:
    """A helper process, and the receipts sent to it and not yet answered (in order)."""

    def __init__(self) -> None:
        self.sent: deque[ReceiptJob] = deque()
        self.proc = childproc.start("techreform.workbooks.receipt_pool")
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self._out = Connection(os.dup(self.proc.stdin.fileno()), readable=False)
        self.conn = Connection(os.dup(self.proc.stdout.fileno()), writable=False)

    def send(self, job: ReceiptJob) -> None:
        self.sent.append(job)
        try:
            self._out.send((job.path, job.fields))
        except OSError:  # it died: its end of file says so when its answer is awaited
            pass

    def take(self) -> ReceiptJob:
        """The oldest receipt sent, once written; its error raised here, as the helper met it."""
        try:
            answer = self.conn.recv()
        except (EOFError, OSError):
            code = self.proc.poll()
            raise RuntimeError(f"回执写入进程意外退出（退出码 {code}）：{self.sent[0].path.name}") from None
        job = self.sent.popleft()
        if answer[0] == "ok":
            return job
        _, error, text = answer
        if isinstance(error, BaseException):
            error.add_note(f"(in the receipt process)\n{text}")
            raise error
        raise RuntimeError(f"回执写入失败：{job.path.name}\n{text}")

    def stop(self) -> None:
        """Ask an idle helper to end; kill one still writing, and remove its temporary file."""
        if not self.sent:
            try:
                self._out.send(None)
                self.proc.wait(5)
            except (OSError, subprocess.TimeoutExpired):
                pass
        childproc.stop(self.proc)
        for job in self.sent:
            part_path(job.path, self.proc.pid).unlink(missing_ok=True)
        self.sent.clear()
        for closing in (self._out, self.conn):
            try:
                closing.close()
            except OSError:
                pass


def serve() -> None:
    """The helper: write the receipts it is sent, answer each ("ok",) or ("error", exception,
    traceback); end at ``None`` or at the end of its input."""
    # Ctrl-C reaches the whole process group: the caller stops its helpers and removes what they
    # left half-written; a helper that ended on its own meanwhile would make that a crash.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    out = Connection(childproc.answers_fd(), readable=False)  # anything printed goes to the log
    inbox = Connection(os.dup(0), writable=False)
    while True:
        try:
            job = inbox.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        path, fields = job
        try:
            write_receipt(path, **fields)
            answer: tuple[Any, ...] = ("ok",)
        except Exception as e:
            text = traceback.format_exc()
            try:
                pickle.loads(pickle.dumps(e))
                answer = ("error", e, text)
            except Exception:  # an exception that does not travel: its text does
                answer = ("error", None, text)
        out.send(answer)


if __name__ == "__main__":
    serve()
