"""The row rules run behind the reading: on chunks of returns as soon as they have been read.

While the reading processes read, the main process mostly waits for their answers; the row rules
(Great Expectations) then used to run over all returns at once, after the last one was read, with
the second core idle. ``RowRulesAhead`` runs them in a thread on chunks of the files judged so far
(each file whole in one chunk: a row rule looks at one return alone, e.g. a project code twice in
one return, ``_file`` in ``duplicate_code``'s columns), so that when the last file is read little
is left. GX's fixed cost is paid once per chunk: a chunk is a good share of the files, taken
whenever the thread is free, so there are a few chunks, not one per file.

The findings are those of one batch for all files: each file's findings come from its own rows in
its own order. Should a chunk fail, nothing of the chunks is kept and the rules run as they always
did, over all files at once (``run_rules``, which then tries each file alone), in the caller's
thread: a failure is told and handled exactly as before.
"""

from __future__ import annotations

import logging
import math
import sys
import threading
from typing import Any

from techreform.intake.files import Pending
from techreform.intake.validate import _run_rules_batch, run_rules

log = logging.getLogger(__name__)

# While the rules run in their thread, the reading waits for the interpreter at each step of taking
# an answer (a wake-up, a read, a path sent): after at most this long instead of the default 5 ms,
# or the reading processes idle for it, 242 files times a few steps.
SWITCH_SECONDS = 0.0005

CHUNKS = 4  # at least a quarter of the files in a chunk (but the last): GX's fixed cost, ~0.5 s each


class RowRulesAhead:
    """``add(p)`` each file once judged, in order; ``finish()`` once all are: the row rules have
    then run on every file. A context manager: leaving it early stops the thread (after the chunk
    it is running) and keeps nothing of it."""

    def __init__(self, validator: Any, files: int, chunks: int = CHUNKS, *, least: int | None = None) -> None:
        self.validator = validator
        # the fewest files the thread takes as a chunk (fewer only for the last)
        self.least = least or max(1, math.ceil(files / max(chunks, 1)))
        self._cond = threading.Condition()
        self._ready: list[Pending] = []  # judged, rules not yet run
        self._done: list[tuple[Pending, int]] = []  # rules run: the file, its findings before
        self._closed = self._stopped = self._failed = False
        self._thread: threading.Thread | None = None
        self._interval: float | None = None  # the interpreter's switch interval, while the thread runs
        self.calls = 0  # GX batches run (for tests and logs)

    def __enter__(self) -> RowRulesAhead:
        return self

    def __exit__(self, *_: object) -> None:
        self._stop()

    def add(self, p: Pending) -> None:
        with self._cond:
            self._ready.append(p)
            if self._thread is None and p.can_validate_rows:
                self._interval = sys.getswitchinterval()
                sys.setswitchinterval(min(self._interval, SWITCH_SECONDS))
                # a daemon: it never holds up the end of the process (``_stop`` waits for it)
                self._thread = threading.Thread(target=self._run, name="techreform-row-rules", daemon=True)
                self._thread.start()
            self._cond.notify()

    def finish(self, files: list[Pending]) -> None:
        """Wait for the last chunk; ``files`` are all the files added, in order. If a chunk failed,
        the rules run again over all of them at once, as they did before chunks."""
        with self._cond:
            self._closed = True
            self._cond.notify()
        if self._thread is None:  # no file had rows to check
            run_rules(files, self.validator, "row")
            return
        self._join()
        if self._failed:
            for p, before in self._done:  # drop what the chunks added: all files run again
                del p.findings[before:]
            self._done.clear()
            run_rules(files, self.validator, "row")

    def _take(self) -> list[Pending] | None:
        with self._cond:
            while not self._stopped and not (
                len(self._ready) >= self.least or (self._closed and self._ready)
            ):
                if self._closed:
                    return None
                self._cond.wait()
            if self._stopped:
                return None
            chunk, self._ready = self._ready, []
            return chunk

    def _run(self) -> None:
        while (chunk := self._take()) is not None:
            before = [len(p.findings) for p in chunk]
            try:
                _run_rules_batch(chunk, self.validator, "row")
            except BaseException:
                log.warning(
                    "row rules failed on a chunk of %d files: all run again", len(chunk), exc_info=True
                )
                for p, n in zip(chunk, before, strict=True):
                    del p.findings[n:]
                with self._cond:
                    self._failed = True
                return
            self.calls += 1
            self._done.extend(zip(chunk, before, strict=True))

    def _stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify()
        self._join()

    def _join(self) -> None:
        if self._thread is not None:
            self._thread.join()
        if self._interval is not None:
            sys.setswitchinterval(self._interval)
            self._interval = None
