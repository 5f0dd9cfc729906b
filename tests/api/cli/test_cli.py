"""The console script, as `make run` uses it: starts, serves, and leaves no process behind."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

CLI = str(Path(sys.executable).parent / "espace-sante")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(tmp_path_factory.mktemp("cli-data"))


def environment(data_dir: Path, port: int) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MONGODB_", "S3_")) and k != "STACK"
    }
    env.update(DATA_DIR=str(data_dir), PORT=str(port), LOG_LEVEL="WARNING")
    return env


@pytest.fixture
def served(data_dir: Path) -> Iterator[tuple[subprocess.Popen[bytes], str, list[int]]]:
    port = free_port()
    process = subprocess.Popen(
        [CLI, "serve", "--seed-demo"],
        env=environment(data_dir, port),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    try:
        while True:
            assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
            try:
                answer = httpx.post(f"{url}/graphql", json={"query": "{ service { name } }"})
                if answer.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() - started < 60, "no GraphQL answer within 60 s"
            time.sleep(0.2)
        children = [child.pid for child in psutil.Process(process.pid).children(recursive=True)]
        yield process, url, children
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def assert_all_gone(pids: list[int], within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    alive = pids
    while alive and time.monotonic() < deadline:
        alive = [
            pid
            for pid in alive
            if psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
        ]
        time.sleep(0.1)
    described = []
    for pid in alive:
        with contextlib.suppress(psutil.Error):
            process = psutil.Process(pid)
            described.append(f"{pid} {process.status()} {process.cmdline()[:3]}")
    assert not alive, f"left behind: {described}"


def test_serve_answers_with_both_stores_ready_and_prints_the_graphiql_url(
    served: tuple[subprocess.Popen[bytes], str, list[int]],
) -> None:
    process, url, children = served
    assert len(children) >= 2  # the MongoDB-compatible server and the S3 server
    ready = httpx.get(f"{url}/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert f"GraphiQL: {url}/graphql" in err.decode()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_stopping_the_service_stops_its_servers(
    served: tuple[subprocess.Popen[bytes], str, list[int]], sig: signal.Signals
) -> None:
    process, _, children = served
    process.send_signal(sig)
    process.wait(timeout=30)
    assert_all_gone(children)


def test_even_a_killed_service_leaves_no_server_behind(
    served: tuple[subprocess.Popen[bytes], str, list[int]],
) -> None:
    process, _, children = served
    process.kill()  # SIGKILL: no cleanup code runs in the parent
    process.wait(timeout=10)
    assert_all_gone(children)


def test_seed_demo_is_idempotent_from_the_command_line(data_dir: Path) -> None:
    env = environment(data_dir, free_port())
    first = subprocess.run([CLI, "seed-demo"], env=env, capture_output=True, timeout=60, check=True)
    second = subprocess.run(
        [CLI, "seed-demo"], env=env, capture_output=True, timeout=60, check=True
    )
    assert (
        b"created: SeedReport(patients=0, professionals=0, documents=0, logins=0, "
        b"profile_items=0, messages=0)" in second.stdout
    )
    assert b"created: SeedReport(" in first.stdout


def test_create_indexes_names_every_collection(data_dir: Path) -> None:
    result = subprocess.run(
        [CLI, "create-indexes"],
        env=environment(data_dir, free_port()),
        capture_output=True,
        timeout=60,
        check=True,
    )
    assert b"ready: patients, professionals, documents" in result.stdout


def test_invalid_settings_are_reported_without_a_traceback(data_dir: Path) -> None:
    env = environment(data_dir, free_port())
    env["STACK"] = "external"
    result = subprocess.run(
        [CLI, "create-indexes"], env=env, capture_output=True, timeout=60, check=False
    )
    assert result.returncode != 0
    assert b"STACK=external needs both MONGODB_URI and S3_ENDPOINT" in result.stderr
    assert b"Traceback" not in result.stderr
