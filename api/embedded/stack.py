"""The embedded development stack: a MongoDB-compatible server and an S3 server as children.

``SecantusDB`` (``secantusd-py``) speaks the MongoDB wire protocol; ``weed mini`` (SeaweedFS) is a
real S3 server that checks request signatures. Both come with the ``dev`` extra and run as
separate processes (SecantusDB is GPL-2.0: it is executed, never imported).

Both get credentials: SeaweedFS accepts anyone without them, and health data deserves a password
even on a laptop. They are generated once per data directory and kept in ``credentials.json``
(mode 0600). SecantusDB has no localhost exception, so the first start of a data directory runs
it once without ``--auth`` to create the user, then restarts it with ``--auth``.

Children run in their own session (the terminal's Ctrl-C reaches the API first, and the stores
are stopped after it: SIGTERM, then SIGKILL after a grace period) and, on Linux, with
``PR_SET_PDEATHSIG``: they die with this process even when it is killed with SIGKILL, so no
orphan is ever left behind.

Tests use ``stop_server``/``start_server`` (same ports, same data) and ``pause_server``/
``resume_server`` (SIGSTOP: a server that accepts connections but never answers) to inject faults.
"""

from __future__ import annotations

import contextlib
import ctypes
import glob
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Literal

import urllib3
from minio import Minio
from minio.error import MinioException
from pydantic import SecretStr
from pymongo import MongoClient
from pymongo.errors import PyMongoError

from api.settings import Settings

START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 10.0
MONGODB_USER = "espace-sante"
S3_ACCESS_KEY = "espace-sante"
_PR_SET_PDEATHSIG = 1
ServerName = Literal["mongodb", "s3", "smtp"]


class EmbeddedStackError(RuntimeError):
    """An embedded server could not be found, started or reached."""


@dataclass(frozen=True)
class Credentials:
    """The development stack's secrets: generated once, kept private to the user (0600)."""

    mongodb_password: str
    s3_secret_key: str
    oauth_keys_secret: str
    session_secret: str

    @classmethod
    def load_or_create(cls, path: Path) -> Credentials:
        raw: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
        values = {
            name: raw.get(name) or secrets.token_urlsafe(32)
            for name in ("mongodb_password", "s3_secret_key", "oauth_keys_secret", "session_secret")
        }
        if values != raw:  # new, or written by an older version with fewer secrets
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as out:
                json.dump(values, out)
            path.chmod(0o600)
        return cls(**values)


@dataclass
class _Server:
    """One child server: how to start it again, and how to know it answers."""

    name: str
    argv: list[str]
    log_path: Path
    wait_ready: Callable[[_Server], None]
    process: subprocess.Popen[bytes] | None = None
    leftovers: list[str] = field(default_factory=list)  # glob patterns removed once stopped

    def spawn(self, cwd: Path) -> None:
        def popen() -> subprocess.Popen[bytes]:
            with self.log_path.open("ab") as log:
                return subprocess.Popen(  # noqa: S603 - argv built from trusted values
                    self.argv,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=cwd,
                    start_new_session=True,
                    preexec_fn=_die_with_parent if sys.platform == "linux" else None,  # noqa: PLW1509
                )

        self.process = _SPAWNER.submit(popen).result()

    def check_alive(self) -> None:
        if self.process is None or self.process.poll() is not None:
            code = None if self.process is None else self.process.returncode
            raise EmbeddedStackError(
                f"embedded {self.name} server exited with {code}:\n{self.log_tail()}"
            )

    def signal(self, sig: signal.Signals) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, sig)

    def wait_stopped(self, deadline: float) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)
            self.process.wait()
        for pattern in self.leftovers:
            for path in glob.glob(pattern):
                with contextlib.suppress(OSError):
                    os.unlink(path)

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@dataclass
class EmbeddedStack:
    """Starts what ``settings`` leaves unconfigured; use as a context manager.

    ``start()`` returns a copy of the settings pointing at the started servers. Stores whose
    address the settings already give are left alone, and with ``STACK=external`` nothing runs.
    """

    settings: Settings
    data_dir: Path | None = None
    servers: dict[str, _Server] = field(default_factory=dict)

    def __enter__(self) -> Settings:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def root(self) -> Path:
        return (self.data_dir or self.settings.data_dir).resolve()

    def start(self) -> Settings:
        missing = [
            name
            for name in ("oauth_keys_secret", "session_secret")
            if getattr(self.settings, name) is None
        ]
        servers = (
            self.settings.needs_embedded_mongodb
            or self.settings.needs_embedded_s3
            or self.settings.needs_embedded_smtp
        )
        if self.settings.stack == "external" or not (servers or missing):
            return self.settings
        creds = Credentials.load_or_create(self.root / "credentials.json")
        updates: dict[str, object] = {name: SecretStr(getattr(creds, name)) for name in missing}
        try:
            # S3 is spawned first and waited for last, so the two boot side by side.
            if self.settings.needs_embedded_s3:
                s3, endpoint = self._s3_server(creds)
                s3.spawn(self.root)
            if self.settings.needs_embedded_smtp:
                updates.update(
                    smtp_host="127.0.0.1", smtp_port=self._start_mail_sink(), smtp_tls="none"
                )
            if self.settings.needs_embedded_mongodb:
                updates["mongodb_uri"] = SecretStr(self._start_mongodb(creds))
            if self.settings.needs_embedded_s3:
                s3.wait_ready(s3)
                updates.update(
                    s3_endpoint=endpoint,
                    s3_access_key=S3_ACCESS_KEY,
                    s3_secret_key=SecretStr(creds.s3_secret_key),
                    s3_secure=False,
                )
        except BaseException:
            self.stop()
            raise
        return self.settings.model_copy(update=updates)

    def stop(self) -> None:
        """Stop every child (SIGTERM, then SIGKILL after a grace period), side by side."""
        servers = list(self.servers.values())
        for server in servers:
            server.signal(signal.SIGCONT)  # a paused server cannot handle SIGTERM
            server.signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        for server in servers:
            server.wait_stopped(deadline)
        self.servers.clear()

    # -- fault injection ----------------------------------------------------------------------

    def stop_server(self, name: ServerName) -> None:
        server = self.servers[name]
        server.signal(signal.SIGCONT)
        server.signal(signal.SIGTERM)
        server.wait_stopped(time.monotonic() + STOP_TIMEOUT_SECONDS)

    def start_server(self, name: ServerName) -> None:
        """Start a stopped server again, on the same ports with the same data."""
        server = self.servers[name]
        server.spawn(self.root)
        server.wait_ready(server)

    def pause_server(self, name: ServerName) -> None:
        self.servers[name].signal(signal.SIGSTOP)

    def resume_server(self, name: ServerName) -> None:
        self.servers[name].signal(signal.SIGCONT)

    # -- the servers --------------------------------------------------------------------------

    def _server(self, name: str, argv: list[str], wait_ready: Callable[[_Server], None]) -> _Server:
        logs = self.root / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        server = _Server(name=name, argv=argv, log_path=logs / f"{name}.log", wait_ready=wait_ready)
        self.servers[name] = server
        return server

    def _start_mongodb(self, creds: Credentials) -> str:
        storage = self.root / "mongodb"
        storage.mkdir(parents=True, exist_ok=True)
        port = _free_ports(1)[0]
        argv = [
            _find_executable("secantusd-py"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--storage-path",
            str(storage),
            "--log-level",
            "WARNING",
        ]
        marker = storage / ".espace-sante-user"
        if not marker.exists():
            plain = f"mongodb://127.0.0.1:{port}/?retryWrites=false"
            init = self._server("mongodb-init", argv, lambda s: _wait_for_mongodb(plain, s))
            init.spawn(self.root)
            with _mongodb_client(plain, init) as client:
                with contextlib.suppress(PyMongoError):  # left over by an interrupted init
                    client.admin.command("dropUser", MONGODB_USER)
                client.admin.command(
                    "createUser", MONGODB_USER, pwd=creds.mongodb_password, roles=["root"]
                )
            init.signal(signal.SIGTERM)
            init.wait_stopped(time.monotonic() + STOP_TIMEOUT_SECONDS)
            del self.servers["mongodb-init"]
            marker.write_text("created\n")
        uri = (
            f"mongodb://{MONGODB_USER}:{creds.mongodb_password}@127.0.0.1:{port}/"
            "?authSource=admin&retryWrites=false"
        )
        server = self._server("mongodb", [*argv, "--auth"], lambda s: _wait_for_mongodb(uri, s))
        server.spawn(self.root)
        server.wait_ready(server)
        return uri

    def _start_mail_sink(self) -> int:
        """A development SMTP server that keeps every message in ``mail/`` (a Maildir)."""
        port = _free_ports(1)[0]
        maildir = self.root / "mail"
        argv = [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{port}",
            "-c",
            "aiosmtpd.handlers.Mailbox",
            str(maildir),
        ]
        server = self._server("smtp", argv, lambda s: _wait_for_port(port, s))
        server.spawn(self.root)
        server.wait_ready(server)
        return port

    def _s3_server(self, creds: Credentials) -> tuple[_Server, str]:
        data = self.root / "s3"
        data.mkdir(parents=True, exist_ok=True)
        identities = self.root / "s3-identities.json"
        identities.write_text(
            json.dumps(
                {
                    "identities": [
                        {
                            "name": "espace-sante",
                            "credentials": [
                                {"accessKey": S3_ACCESS_KEY, "secretKey": creds.s3_secret_key}
                            ],
                            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                        }
                    ]
                }
            )
        )
        identities.chmod(0o600)
        flags = [
            "s3.port",
            "s3.port.grpc",
            "master.port",
            "master.port.grpc",
            "volume.port",
            "volume.port.grpc",
            "filer.port",
            "filer.port.grpc",
            "admin.port",
            "admin.port.grpc",
        ]
        ports = dict(zip(flags, _free_ports(len(flags)), strict=True))
        argv = [
            _find_executable("weed"),
            "mini",
            f"-dir={data}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            "-master.telemetry=false",
            "-s3.allowDeleteBucketNotEmpty=false",
            f"-s3.config={identities}",
            "-webdav=false",
            "-admin.ui=false",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            *(f"-{flag}={port}" for flag, port in ports.items()),
        ]
        endpoint = f"127.0.0.1:{ports['s3.port']}"
        bucket = self.settings.s3_bucket
        server = self._server(
            "s3", argv, lambda s: _wait_for_s3(endpoint, creds.s3_secret_key, bucket, s)
        )
        # SeaweedFS leaves unix sockets at fixed paths in /tmp, named after each port.
        server.leftovers = [f"/tmp/seaweedfs-*-{port}.sock" for port in ports.values()]  # noqa: S108
        return server, endpoint


# PR_SET_PDEATHSIG fires when the *thread* that forked the child exits, not the process: a child
# started from a short-lived worker thread would be killed with it. So every child is forked from
# this one thread, which lives as long as the process.
_SPAWNER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="embedded-spawner")


def _die_with_parent() -> None:
    """Runs in the child before exec: ask the kernel to SIGKILL it when its parent dies.

    SIGKILL rather than SIGTERM: the parent is gone, nobody is left to escalate, and a server
    whose SIGTERM handler hangs (SecantusDB's can deadlock when signalled twice) would stay
    behind for ever. Orderly stops go through ``EmbeddedStack.stop`` and SIGTERM first.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _find_executable(name: str) -> str:
    """Prefer the executable beside this interpreter (the project's venv), then ``PATH``."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise EmbeddedStackError(
            f"{name} not found: install the dev extra (`make run` does) or set STACK=external"
        )
    return found


def _free_ports(count: int) -> list[int]:
    """``count`` distinct free loopback ports (all held open until every one is found)."""
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@contextlib.contextmanager
def _mongodb_client(uri: str, server: _Server) -> Iterator[MongoClient[dict[str, object]]]:
    client: MongoClient[dict[str, object]] = MongoClient(
        uri, serverSelectionTimeoutMS=250, connectTimeoutMS=250
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            server.check_alive()
            try:
                client.admin.command("ping")
                break
            except PyMongoError as exc:
                if time.monotonic() > deadline:
                    raise EmbeddedStackError(f"embedded MongoDB did not answer: {exc}") from exc
                time.sleep(0.05)
        yield client
    finally:
        client.close()


def _wait_for_port(port: int, server: _Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while True:
        server.check_alive()
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError as exc:
            if time.monotonic() > deadline:
                raise EmbeddedStackError(f"embedded mail sink did not answer: {exc}") from exc
            time.sleep(0.05)


def _wait_for_mongodb(uri: str, server: _Server) -> None:
    with _mongodb_client(uri, server):
        pass


def _wait_for_s3(endpoint: str, secret_key: str, bucket: str, server: _Server) -> None:
    http = urllib3.PoolManager(timeout=urllib3.Timeout(connect=0.5, read=2.0), retries=False)
    client = Minio(
        endpoint, access_key=S3_ACCESS_KEY, secret_key=secret_key, secure=False, http_client=http
    )
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    try:
        while True:
            server.check_alive()
            try:
                client.bucket_exists(bucket)  # answers (True or False) once S3 serves requests
                return
            except (MinioException, urllib3.exceptions.HTTPError, OSError) as exc:
                if time.monotonic() > deadline:
                    raise EmbeddedStackError(f"embedded S3 did not answer: {exc}") from exc
                time.sleep(0.05)
    finally:
        http.clear()
