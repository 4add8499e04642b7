"""Fixtures: a fresh instance per test, on SQLite and on a throwaway PostgreSQL cluster.

The database is a dimension you choose: ``pytest --db sqlite`` (or
``postgresql``, or ``all``, the default); tests that take an instance are
marked ``sqlite`` or ``postgresql`` (``-m "not postgresql"``). Every new
instance's database is copied from one migrated once per session. Servers
(PostgreSQL, the S3 and GCS emulators) belong to the session that started
them: a run stopped with Ctrl-C or SIGTERM stops them, and PostgreSQL also
dies with the test process if that is killed.
"""

from __future__ import annotations

import ctypes
import glob
import os
import pwd
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from servers import GCS, S3, free_port

import lineagedb as ln
from lineagedb._base.session import session

DATABASES = ["sqlite", "postgresql"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        default="all",
        choices=[*DATABASES, "all"],
        help="The database(s) to run the instance tests on (default: all).",
    )


# Servers this process started and has not stopped yet.
_RUNNING: list[PostgresServer] = []


def _terminate(signum: int, frame: object) -> None:
    """SIGTERM (CI timeouts, `kill`): stop our servers, then die of the signal as usual.

    Raising KeyboardInterrupt instead is not enough: in the middle of a
    notebook run, nbclient turns it into a failed cell and the run goes on.
    (PostgreSQL also gets SIGTERM when this process dies of anything.)
    """
    for server in list(_RUNNING):
        server.stop()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def pytest_configure(config: pytest.Config) -> None:
    signal.signal(signal.SIGTERM, _terminate)


@pytest.fixture(autouse=True)
def _keep_sigterm_handler() -> Iterator[None]:
    yield
    # nbclient replaces the handler while it runs a notebook and leaves the default.
    signal.signal(signal.SIGTERM, _terminate)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # The slow group first: with `-n 2` (make test) the long runs start while
    # the other worker works through the many short tests.
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "database" in metafunc.fixturenames:
        chosen = metafunc.config.getoption("--db")
        names = DATABASES if chosen == "all" else [chosen]
        metafunc.parametrize(
            "database",
            [pytest.param(n, marks=getattr(pytest.mark, n)) for n in names],
            indirect=True,
        )


# The GCS emulator speaks the JSON API only; gcsfs's gRPC bucket-layout probe
# would wait 60 s for it per bucket.
os.environ["GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT"] = "false"


def _postgres_binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


class PostgresServer:
    """A PostgreSQL cluster in a temp dir on 127.0.0.1, run as the postgres user if root."""

    def __init__(self, settings: dict[str, str] | None = None, on_disk: bool = False) -> None:
        """``settings``: server settings beyond the suite's (benchmarks: buffers, memory);
        ``on_disk``: data under /tmp even where /dev/shm is writable (large benchmarks)."""
        initdb, self.pg_ctl = _postgres_binary("initdb"), _postgres_binary("pg_ctl")
        if initdb is None or self.pg_ctl is None:
            message = "PostgreSQL binaries (initdb, pg_ctl) not found: apt-get install postgresql"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
        # A short path: the socket path must stay under ~100 characters. In memory
        # where the machine has it: a session creates a database per test (~8 MB
        # each), and deleting them from disk at the end took ~9 s.
        parent = "/dev/shm" if os.access("/dev/shm", os.W_OK) and not on_disk else "/tmp"
        self.base = Path(tempfile.mkdtemp(prefix="ldbpg-", dir=parent))
        self.prefix: list[str] = []
        if os.geteuid() == 0:
            # initdb and pg_ctl refuse to run as root.
            user = pwd.getpwnam("postgres")
            os.chown(self.base, user.pw_uid, user.pw_gid)
            self.prefix = ["runuser", "-u", "postgres", "--"]
        self.data = self.base / "data"
        self.port = free_port()
        self._run([initdb, "-D", str(self.data), "--auth=trust", "-U", "postgres", "-E", "UTF8"])
        # The server runs in the foreground as our child (not daemonized by
        # pg_ctl), as the postgres user, and gets SIGTERM when we die.
        postgres = str(Path(initdb).resolve().with_name("postgres"))
        user = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
        with open(self.base / "server.log", "wb") as log:
            self.process = subprocess.Popen(
                [postgres, "-D", str(self.data), "-c", "listen_addresses=127.0.0.1",
                 "-p", str(self.port), "-k", str(self.base), "-c", "fsync=off",
                 "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                 *(f"-c{name}={value}" for name, value in (settings or {}).items())],
                stdout=log, stderr=subprocess.STDOUT, cwd=self.base,
                preexec_fn=lambda: _drop_to(user),
            )  # fmt: skip
        _RUNNING.append(self)
        self._wait_until_ready()
        self.template = "lineagedb_template"
        self._template_ready = False

    def _wait_until_ready(self) -> None:
        import psycopg

        deadline = time.monotonic() + 60
        while True:
            try:
                psycopg.connect(self.url("postgres"), connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    log = (self.base / "server.log").read_text(errors="replace")
                    raise RuntimeError(f"PostgreSQL did not start:\n{log}") from None
                time.sleep(0.1)

    def _run(self, command: list[str]) -> None:
        subprocess.run(
            self.prefix + command, check=True, capture_output=True, cwd=self.base, timeout=120
        )

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def execute(self, sql: str, database: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as connection:
            connection.execute(sql)

    def create_database(self, tmp: Path) -> str:
        """A new, migrated, empty database (copied from a template migrated once)."""
        if not self._template_ready:
            self.execute(f"CREATE DATABASE {self.template}")
            ln.setup.init(storage=tmp / "template-storage", db=self.url(self.template))
            ln.setup.delete("template-storage")
            tables = "lineagedb_user, lineagedb_storage"
            self.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE", self.template)
            self._template_ready = True
        name = f"t_{uuid.uuid4().hex[:12]}"
        self.execute(f"CREATE DATABASE {name} TEMPLATE {self.template}")
        return name

    def stop(self) -> None:
        if self in _RUNNING:
            _RUNNING.remove(self)
        self.process.send_signal(signal.SIGQUIT)  # immediate shutdown
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.base, ignore_errors=True)


_PR_SET_PDEATHSIG = 1


def _drop_to(user: pwd.struct_passwd | None) -> None:
    """In the server's child process: become ``user``, then die with the parent."""
    if user is not None:
        os.setgid(user.pw_gid)
        os.setuid(user.pw_uid)
    # After setuid: changing credentials clears the parent-death signal.
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """An S3 API (moto_server) on 127.0.0.1 and a free port, for the whole session."""
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> S3:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return S3(moto_endpoint)


@pytest.fixture(scope="session")
def gcs_endpoint() -> Iterator[str]:
    """A GCS JSON API (gcp-storage-emulator, in memory) on 127.0.0.1 and a free port."""
    from gcp_storage_emulator.server import create_server

    port = free_port()
    server = create_server("127.0.0.1", port, in_memory=True)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def gcs(gcs_endpoint: str) -> GCS:
    return GCS(gcs_endpoint)


@pytest.fixture(autouse=True)
def lineagedb_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Settings and cache of every test live in its own tmp_path."""
    home = tmp_path / "home"
    monkeypatch.setenv("LINEAGEDB_HOME", str(home))
    monkeypatch.setenv("LINEAGEDB_CACHE_DIR", str(tmp_path / "cache"))
    ln.settings.verbosity = "info"
    session.set(None, None, None)
    session.user = None
    return home


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty SQLite database, made once; instances start as copies of it."""
    folder = tmp_path_factory.mktemp("sqlite-template")
    previous_home = os.environ.get("LINEAGEDB_HOME")
    os.environ["LINEAGEDB_HOME"] = str(folder / "home")
    try:
        ln.setup.init(storage=folder / "storage")
        _disconnect()
    finally:
        if previous_home is None:
            os.environ.pop("LINEAGEDB_HOME", None)
        else:
            os.environ["LINEAGEDB_HOME"] = previous_home
    template = folder / "storage" / ".lineagedb" / "lineagedb.sqlite3"
    with sqlite3.connect(template) as connection:
        connection.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        connection.execute("DELETE FROM lineagedb_storage")
        connection.execute("DELETE FROM lineagedb_user")
        connection.execute("DELETE FROM sqlite_sequence")
    return template


def _start_from_template(request: pytest.FixtureRequest, root: str | Path) -> None:
    """Copy the migrated SQLite template to where the instance at ``root`` keeps its database."""
    from lineagedb.setup._instance import InstanceSettings
    from lineagedb.storage.paths import default_instance_name, normalize_root

    template: Path = request.getfixturevalue("sqlite_template")
    root = normalize_root(root)
    target = InstanceSettings(name=default_instance_name(root), storage_root=root).sqlite_path
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, target)


@pytest.fixture
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str | None:
    """``None`` (SQLite) or the URL of a fresh, empty PostgreSQL database."""
    if request.param == "sqlite":
        return None
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.url(server.create_database(tmp_path))


def _disconnect() -> None:
    from lineagedb.setup._django import disconnect

    disconnect()
    session.set(None, None, None)


@pytest.fixture
def instance(
    request: pytest.FixtureRequest, database: str | None, tmp_path: Path
) -> Iterator[ModuleType]:
    """A fresh instance with local storage in ``tmp_path/data``; yields ``lineagedb``."""
    if database is None:
        _start_from_template(request, tmp_path / "data")
    ln.setup.init(storage=tmp_path / "data", db=database)
    yield ln
    _disconnect()


@pytest.fixture(params=["local", "s3", "gs"])
def storage_instance(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ModuleType]:
    """A fresh instance whose default storage is a local folder, an S3 or a GCS bucket.

    On SQLite only: the database does not change what storage does.
    """
    options = None
    if request.param == "local":
        root: str | Path = tmp_path / "data"
    elif request.param == "s3":
        root = request.getfixturevalue("s3").bucket()
    else:
        gcs: GCS = request.getfixturevalue("gcs")
        root, options = gcs.bucket(), gcs.options
    _start_from_template(request, root)
    ln.setup.init(storage=root, storage_options=options)
    yield ln
    _disconnect()
