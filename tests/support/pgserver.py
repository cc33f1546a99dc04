"""A PostgreSQL server of a test's own: initdb into a temporary folder, its own port, started,
restarted and stopped by the test, so that a fault (the warehouse restarted) touches nobody else's
databases. The binaries are the machine's (/usr/lib/postgresql/<version>/bin, or PG_BIN); as root,
the server runs as the ``postgres`` user (PostgreSQL refuses to run as root)."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text


def binaries() -> Path | None:
    """The folder of initdb and pg_ctl: PG_BIN, else the newest /usr/lib/postgresql/*/bin."""
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3].split(".")[0])
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


@dataclass
class Server:
    """``start()``, ``restart()``, ``stop()`` (always call it: it also removes the data folder)."""

    port: int
    bin: Path = field(default_factory=lambda: binaries() or Path("/nonexistent"))
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="techreform-pg-")))

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def admin_url(self) -> str:
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 120) -> None:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if out.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")

    def start(self) -> None:
        if os.geteuid() == 0:
            os.chmod(self.root, 0o755)
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        with (self.data / "postgresql.conf").open("a") as f:
            # its own port and socket folder; no fsync: the data is a test's, thrown away after it
            f.write(
                f"port = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.root}'\nfsync = off\nmax_connections = 100\n"
            )
        self._ctl("start")

    def _ctl(self, action: str, *extra: str) -> None:
        self._run(
            "pg_ctl", action, "-D", str(self.data), "-w", "-t", "60", "-l", str(self.root / "log"), *extra
        )
        if action != "stop":
            self._wait()

    def _wait(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            engine = create_engine(self.admin_url)
            try:
                with engine.connect() as c:
                    c.execute(text("SELECT 1"))
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
            finally:
                engine.dispose()

    def restart(self) -> None:
        """A fast restart: every client's connection is ended, the server is back within seconds."""
        self._ctl("restart", "-m", "fast")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            try:
                self._ctl("stop", "-m", "immediate")
            except (RuntimeError, subprocess.TimeoutExpired):
                pass
        shutil.rmtree(self.root, ignore_errors=True)
