"""Reading returns in a separate process whose failure is the file's alone.

python-calamine is Rust: when an allocation fails it aborts the whole process, and no Python
handler runs. So the files are read by one worker process per intake run (reused for every file,
started again after a crash), with its address space limited (``RLIMIT_AS``) and a time limit
per file. A file that kills or stalls the worker is answered as too large or too slow; the
others of the run are read as usual.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import pickle
import resource
import select
import struct
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from techreform.returns.guard import FileRejected, Limits
from techreform.returns.model import ParsedReturn, UnreadableWorkbook

log = logging.getLogger(__name__)


CRASHED_MESSAGE = (
    "文件读取时超出系统允许的内存（文件过大或结构异常）：请删除多余的工作表、行列、图片和格式，"
    "只保留报表本身，另存为 .xlsx 后重新报送"
)


# Frames on the worker's pipes: an 8-byte length, then a pickle. A plain child process (not
# multiprocessing, which would import the caller's __main__ again in the child).
_HEADER = struct.Struct("!Q")


def _write_frame(f: Any, obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    f.write(_HEADER.pack(len(data)) + data)
    f.flush()


def _read_exactly(fd: int, n: int, deadline: float | None) -> bytes:
    chunks, got = [], 0
    while got < n:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeoutError
        chunk = os.read(fd, min(n - got, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def serve(limits: Limits) -> None:
    """The worker: read the paths it is sent, answer each with ("ok", parsed) or why not."""
    from techreform.returns.reader import read_return

    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything printed goes to the log, never into the answers
    cap = limits.memory_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    fd = sys.stdin.buffer.fileno()
    while True:
        try:
            (size,) = _HEADER.unpack(_read_exactly(fd, _HEADER.size, None))
            path = pickle.loads(_read_exactly(fd, size, None))
        except EOFError:
            return
        if path is None:
            return
        answer: tuple[Any, ...]
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
        _write_frame(out, answer)


class IsolatedReader:
    """``read(path)`` as ``read_return`` does, in the worker; a context manager that stops it."""

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits.from_env()
        self._proc: subprocess.Popen[bytes] | None = None
        self.exit_code: int | None = None  # of the last worker stopped

    def __enter__(self) -> IsolatedReader:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _start(self) -> subprocess.Popen[bytes]:
        if self._proc is None or self._proc.poll() is not None:
            self._stop()
            limits = json.dumps(dataclasses.asdict(self.limits))
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "techreform.read_worker", limits],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                close_fds=True,
            )
        return self._proc

    def read(self, path: Path) -> ParsedReturn:
        if not self.limits.isolate:
            from techreform.returns.reader import read_return

            return read_return(path, self.limits)
        proc = self._start()
        assert proc.stdin is not None and proc.stdout is not None
        deadline = time.monotonic() + self.limits.seconds
        try:
            _write_frame(proc.stdin, str(path))
            fd = proc.stdout.fileno()
            (size,) = _HEADER.unpack(_read_exactly(fd, _HEADER.size, deadline))
            answer = pickle.loads(_read_exactly(fd, size, deadline))
        except TimeoutError:
            log.error("reading %s took over %d s: worker stopped", path, self.limits.seconds)
            self._stop()
            raise FileRejected(
                "file_too_slow",
                f"文件读取超过{self.limits.seconds}秒仍未完成（文件过大或结构异常）："
                "请删除多余的工作表、行列和图片，另存为 .xlsx 后重新报送",
            ) from None
        except (EOFError, OSError):
            self._stop()
            log.error("the reading process died on %s (exit code %s)", path, self.exit_code)
            raise FileRejected("file_too_large", CRASHED_MESSAGE) from None
        kind = answer[0]
        if kind == "ok":
            parsed: ParsedReturn = answer[1]
            return parsed
        if kind == "rejected":
            raise FileRejected(answer[1], answer[2])
        if kind == "unreadable":
            raise UnreadableWorkbook(answer[1])
        raise RuntimeError(f"reading {path} failed in the worker:\n{answer[1]}")

    def _stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)
        self.exit_code = proc.returncode
        for f in (proc.stdin, proc.stdout):
            if f is not None:
                try:
                    f.close()
                except OSError:
                    pass

    def close(self) -> None:
        proc = self._proc
        if proc is not None and proc.poll() is None and proc.stdin is not None:
            try:
                _write_frame(proc.stdin, None)
                proc.wait(5)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self._stop()
