"""Test databases: a template is built once per run (real Alembic migrations plus the
demo school), and each test gets its own copy of it.

SQLite copies the file; PostgreSQL runs on a throwaway cluster that the tests start
themselves (initdb in a temporary folder, loopback only) and copies with
CREATE DATABASE ... TEMPLATE. TEST_DATABASE_URL points at an existing server instead.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

TEMPLATE_NAME = "mentorskap_template"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SQLiteDatabases:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="mentorskap-sqlite-"))
        self.template = self.root / "template.sqlite3"
        self._counter = itertools.count()

    @property
    def template_url(self) -> str:
        return f"sqlite:///{self.template}"

    def seal_template(self) -> None:
        """Fold the WAL into the main file so a plain copy holds everything."""
        import sqlite3

        with sqlite3.connect(self.template) as con:
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def new(self) -> str:
        path = self.root / f"test-{next(self._counter)}.sqlite3"
        shutil.copyfile(self.template, path)
        return f"sqlite:///{path}"

    def drop(self, url: str) -> None:
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


class PostgresDatabases:
    def __init__(self) -> None:
        self._counter = itertools.count()
        self._cluster: Path | None = None
        self._as_postgres: list[str] = []
        base = os.environ.get("TEST_DATABASE_URL")
        if base:
            self.base = base.rsplit("/", 1)[0]
        else:
            self.base = self._start_cluster()
        self._admin(f"DROP DATABASE IF EXISTS {TEMPLATE_NAME}")
        self._admin(f"CREATE DATABASE {TEMPLATE_NAME}")

    def _start_cluster(self) -> str:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
        bindir = Path(found[-1]).parent
        self._cluster = Path(tempfile.mkdtemp(prefix="mentorskap-pg-"))
        data = self._cluster / "data"
        if os.geteuid() == 0:
            # initdb refuses to run as root: the cluster belongs to the postgres user.
            shutil.chown(self._cluster, "postgres", "postgres")
            self._as_postgres = ["runuser", "-u", "postgres", "--"]
        port = _free_port()
        run = lambda *cmd: subprocess.run(  # noqa: E731
            [*self._as_postgres, *cmd], check=True, capture_output=True, text=True
        )
        run(str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8")
        options = (
            f"-c listen_addresses=127.0.0.1 -p {port} -k {self._cluster} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        run(
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-w",
            "-l",
            str(self._cluster / "log"),
            "start",
        )
        self._pg_ctl = [*self._as_postgres, str(bindir / "pg_ctl"), "-D", str(data)]
        return f"postgresql+psycopg://postgres@127.0.0.1:{port}"

    def _admin(self, sql: str) -> None:
        url = self.base.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
        for attempt in range(20):
            try:
                with psycopg.connect(url, autocommit=True) as con:
                    con.execute(sql)
                return
            except psycopg.errors.ObjectInUse:
                time.sleep(0.1 * (attempt + 1))  # a closing connection still holds the db
        raise RuntimeError(f"could not run {sql!r}")

    @property
    def template_url(self) -> str:
        return f"{self.base}/{TEMPLATE_NAME}"

    def seal_template(self) -> None:
        pass

    def new(self) -> str:
        name = f"mentorskap_test_{os.getpid()}_{next(self._counter)}"
        self._admin(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE_NAME}")
        return f"{self.base}/{name}"

    def drop(self, url: str) -> None:
        self._admin(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")

    def close(self) -> None:
        if self._cluster is not None:
            subprocess.run([*self._pg_ctl, "-m", "immediate", "stop"], capture_output=True)
            shutil.rmtree(self._cluster, ignore_errors=True)
