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
def api_server(
    settings: Settings,
    port: int,
    *,
    argv: list[str] | None = None,
    ready_path: str = "/healthz",
    env: dict[str, str] | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """``espace-sante serve`` (or ``argv``) on ``port``, ready to answer, stopped on exit, with
    ``env`` added to its environment. The background workers are off: their periodic passes
    would be counted as the server's work."""
    command = argv or [
        str(Path(sys.executable).with_name("espace-sante")), "serve", "--host", "127.0.0.1",
        "--port", str(port),
    ]  # fmt: skip
    env = {
        **os.environ, **settings.child_environment(), "LOG_LEVEL": "WARNING",
        "BACKGROUND_WORKERS": "false", **(env or {}),
    }  # fmt: skip
    process = subprocess.Popen(command, env=env, cwd=Path(__file__).resolve().parents[1])
    try:
        _wait_ready(f"http://127.0.0.1:{port}{ready_path}", process)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used so far (``/proc/<pid>/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return ticks / os.sysconf("SC_CLK_TCK")


def _wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError("the API server exited while starting")
        with (
            contextlib.suppress(URLError, ConnectionError),
            urllib.request.urlopen(url, timeout=1) as answer,  # noqa: S310 - loopback
        ):
            if answer.status < 500:
                return
        time.sleep(0.1)
    raise RuntimeError("the API server did not become ready")
