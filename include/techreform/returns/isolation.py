"""Reading returns in a separate process whose failure is the file's alone.

python-calamine is Rust: when an allocation fails it aborts the whole process, and no Python
handler runs. So the files are read by worker processes (each reused for file after file, started
again after a crash), each with its address space limited (``RLIMIT_AS``) and a time limit per
file; intake runs two, the machine's cores reading files side by side, the answers taken in the
files' order. A file that kills or stalls its worker is answered as too large or too slow; the
others of the run are read as usual.

A worker is a plain child process (``python -m techreform.read_worker``, see ``childproc``): the
paths it is sent and its answers are pickled frames on its stdin and stdout.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import pickle
import resource
import subprocess
import sys
import time
import traceback
from collections import deque
from pathlib import Path
from typing import Any

from techreform.childproc import HEADER, answers_fd, read_exactly, read_frame, start, stop, write_frame
from techreform.returns.guard import FileRejected, Limits
from techreform.returns.model import ParsedReturn, UnreadableWorkbook

log = logging.getLogger(__name__)


CRASHED_MESSAGE = (
    "文件读取时超出系统允许的内存（文件过大或结构异常）：请删除多余的工作表、行列、图片和格式，"
    "只保留报表本身，另存为 .xlsx 后重新报送"
)


def serve(limits: Limits) -> None:
    """The worker: read the paths it is sent, answer each with ("ok", parsed) or why not."""
    from techreform.returns.reader import read_return

    out = os.fdopen(answers_fd(), "wb")  # anything printed goes to the log, never into the answers
    cap = limits.memory_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    fd = sys.stdin.buffer.fileno()
    while True:
        try:
            path = read_frame(fd)
        except EOFError:
            return
        if path is None:
            return
        answer: tuple[Any, ...]
        started = time.monotonic()
        try:
            answer = ("ok", read_return(Path(path), limits))
        except FileRejected as e:
            answer = ("rejected", e.rule_id, e.message)
        except UnreadableWorkbook as e:
            answer = ("unreadable", str(e))
        except MemoryError:
            answer = ("rejected", "file_too_large", CRASHED_MESSAGE)
        except Exception:
            answer = ("error", traceback.format_exc())
        write_frame(out, (time.monotonic() - started, answer))


_TAKE_SECONDS = 30.0  # to take the rest of an answer whose first bytes came in time


class _Worker:
    """One reading process and the file it is reading, if any."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.proc: subprocess.Popen[bytes] | None = None
        self.path: Path | None = None  # sent, its answer not yet taken
        self.deadline = 0.0
        self.exit_code: int | None = None  # of the last process stopped

    def send(self, path: Path) -> None:
        if self.proc is None or self.proc.poll() is not None:
            self.stop()
            limits = json.dumps(dataclasses.asdict(self.limits))
            self.proc = start("techreform.read_worker", limits)
        assert self.proc.stdin is not None
        self.path, self.deadline = path, time.monotonic() + self.limits.seconds
        try:
            write_frame(self.proc.stdin, str(path))
        except OSError:  # it died since: its answer is an end of file
            pass

    def answer(self) -> tuple[Any, ...]:
        """The answer to the file sent, as the worker gave it; or ("slow",) or ("died",), the
        process then stopped."""
        assert self.proc is not None and self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        self.path = None
        try:
            (size,) = HEADER.unpack(read_exactly(fd, HEADER.size, self.deadline))
            # The worker has read the file (it writes its answer after): an answer read ahead may
            # have waited in the pipe past the deadline, the worker blocked on writing the rest of
            # it; the rest is taken with time to spare (the worker's own time says if it was late).
            body_deadline = max(self.deadline, time.monotonic() + _TAKE_SECONDS)
            elapsed, answer = pickle.loads(read_exactly(fd, size, body_deadline))
        except TimeoutError:
            self.stop()
            return ("slow",)
        except (EOFError, OSError):
            self.stop()
            return ("died",)
        # read ahead, its answer may have waited in the pipe: the time is the worker's own
        return ("slow",) if elapsed > self.limits.seconds else answer

    def stop(self) -> None:
        proc, self.proc, self.path = self.proc, None, None
        if proc is not None:
            self.exit_code = stop(proc, 10)

    def close(self) -> None:
        proc = self.proc
        if proc is not None and proc.poll() is None and proc.stdin is not None and self.path is None:
            try:
                write_frame(proc.stdin, None)
                proc.wait(5)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self.stop()


class IsolatedReader:
    """``read(path)`` as ``read_return`` does, in a worker; a context manager that stops them.

    ``expect(paths)`` names the files that will be read, in the order they will be: up to
    ``workers`` of them are then read at once, each in its own process with its own limits, and
    ``read`` gives each answer in turn. A file that is read without having been expected (or
    out of that order) is read on its own, the files read ahead dropped."""

    def __init__(self, limits: Limits | None = None, workers: int = 1) -> None:
        self.limits = limits or Limits.from_env()
        self._workers = [_Worker(self.limits) for _ in range(max(workers, 1))]
        self._ahead: deque[Path] = deque()
        self._sent: deque[_Worker] = deque()  # workers with a file, in the order sent
        self.exit_code: int | None = None  # of the last worker stopped

    def __enter__(self) -> IsolatedReader:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def expect(self, paths: list[Path]) -> None:
        if not self.limits.isolate:
            return
        self._ahead.extend(paths)
        self._top_up()

    def _top_up(self) -> None:
        for w in self._workers:
            if not self._ahead:
                return
            if w.path is None:
                w.send(self._ahead.popleft())
                self._sent.append(w)

    def read(self, path: Path) -> ParsedReturn:
        if not self.limits.isolate:
            from techreform.returns.reader import read_return

            return read_return(path, self.limits)
        if not self._sent or self._sent[0].path != path:
            for w in self._sent:  # not the file expected next: start over with this one alone
                w.stop()
            self._sent.clear()
            self._ahead.clear()
            self._ahead.append(path)
            self._top_up()
        worker = self._sent.popleft()
        answer = worker.answer()
        self.exit_code = worker.exit_code
        self._top_up()
        kind = answer[0]
        if kind == "ok":
            parsed: ParsedReturn = answer[1]
            return parsed
        if kind == "slow":
            log.error("reading %s took over %d s: worker stopped", path, self.limits.seconds)
            raise FileRejected(
                "file_too_slow",
                f"文件读取超过{self.limits.seconds}秒仍未完成（文件过大或结构异常）："
                "请删除多余的工作表、行列和图片，另存为 .xlsx 后重新报送",
            )
        if kind == "died":
            log.error("the reading process died on %s (exit code %s)", path, self.exit_code)
            raise FileRejected("file_too_large", CRASHED_MESSAGE)
        if kind == "rejected":
            raise FileRejected(answer[1], answer[2])
        if kind == "unreadable":
            raise UnreadableWorkbook(answer[1])
        raise RuntimeError(f"reading {path} failed in the worker:\n{answer[1]}")

    def close(self) -> None:
        for w in self._workers:
            w.close()
        self._sent.clear()
        self._ahead.clear()
