"""The API server as its own process, for benchmarks that measure it from outside: start it,
wait for it, read its memory from ``/proc``."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.error import URLError

from api.settings import Settings


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def memory_mib(pid: int, field: str) -> float:
    """A ``/proc/<pid>/status`` memory field (``VmRSS``, ``VmHWM``), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise LookupError(field)


def reset_peak(pid: int) -> None:
    """Start ``VmHWM`` afresh from the current resident set (Linux ≥ 4.0)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


@contextlib.contextmanager
def api_server(settings: Settings, port: int) -> Iterator[subprocess.Popen[bytes]]:
    """``espace-sante serve`` on ``port``, ready to answer, stopped on exit."""
    command = Path(sys.executable).with_name("espace-sante")
    env = {**os.environ, **settings.child_environment(), "LOG_LEVEL": "WARNING"}
    process = subprocess.Popen(
        [str(command), "serve", "--host", "127.0.0.1", "--port", str(port)], env=env
    )
    try:
        _wait_ready(f"http://127.0.0.1:{port}/healthz", process)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError("the API server exited while starting")
        with (
            contextlib.suppress(URLError, ConnectionError),
            urllib.request.urlopen(url, timeout=1) as answer,  # noqa: S310 - loopback
        ):
            if answer.status == 200:
                return
        time.sleep(0.1)
    raise RuntimeError("the API server did not become ready")
