"""A real PostgreSQL server for the tests, started by the suite itself.

Found under /usr/lib/postgresql/*/bin or on PATH; absent binaries skip the tests that
need it, with one line saying why. PostgreSQL refuses to run as root, so as root
(CI, our machines) initdb and pg_ctl run as the ``postgres`` system user, in a
directory that user can reach. The server listens on 127.0.0.1 on a free port with
a socket directory of its own; each test gets a fresh database.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

SKIP_REASON = "PostgreSQL binaries (initdb, pg_ctl) not installed; .ci/run installs them"


def pg_bin() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]))
    return Path(versions[-1]).parent if versions else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PostgresServer:
    bin: Path
    root: Path
    port: int
    user: str | None  # the system user it runs as (None: this one)
    _names = itertools.count()

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), *args, check=check)

    def _run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess:
        if self.user:
            argv = ("runuser", "-u", self.user, "--", *argv)
        return subprocess.run(argv, check=check, capture_output=True, text=True, timeout=120)

    def init(self) -> None:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--no-sync", "--locale=C")  # fmt: skip
        self.start()

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")  # fmt: skip
        self.ctl("-w", "-l", str(self.root / "log"), "-o", options, "start")

    def stop(self, mode: str = "fast") -> None:
        self.ctl("-w", "-m", mode, "stop", check=False)

    def restart(self) -> None:
        self.stop("fast")
        self.start()

    def create_database(self) -> str:
        import psycopg

        name = f"test_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def cleanup(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


def start_server() -> PostgresServer:
    """A new server; the caller stops it (``cleanup``)."""
    binaries = pg_bin()
    if binaries is None:
        pytest.skip(SKIP_REASON)
    user = "postgres" if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="marketbot-pg-", dir="/tmp"))
    if user:  # initdb needs its own directory, owned by the user it runs as
        entry = pwd.getpwnam(user)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    server = PostgresServer(binaries, root, free_port(), user)
    try:
        server.init()
    except subprocess.CalledProcessError as exc:
        server.cleanup()
        raise RuntimeError(f"could not start PostgreSQL: {exc.stderr or exc.stdout}") from None
    return server


@pytest.fixture(scope="session")
def postgres_server():
    server = start_server()
    yield server
    server.cleanup()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """A fresh, empty database on the session's server."""
    return postgres_server.create_database()
