"""The production files: docker compose configuration and the container image recipe."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml


def compose_command() -> list[str] | None:
    """``docker compose`` (v2 plugin) when installed, else Compose v1's ``docker-compose``."""
    if shutil.which("docker") is not None:
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose") is not None:
        return ["docker-compose"]
    return None


@pytest.mark.skipif(
    compose_command() is None,
    reason="neither the docker CLI's compose plugin nor docker-compose is installed",
)
def test_docker_compose_config_is_valid(project_root: Path) -> None:
    command = compose_command()
    assert command is not None
    secrets = {
        name: "x"
        for name in (
            "MONGODB_ROOT_PASSWORD",
            "MONGODB_KEYFILE",
            "MINIO_ROOT_PASSWORD",
            "MINIO_KMS_SECRET_KEY",
            "OAUTH_KEYS_SECRET",
            "SESSION_SECRET",
        )
    }
    result = subprocess.run(
        [*command, "config", "--quiet"],
        cwd=project_root,
        capture_output=True,
        check=False,
        env={**os.environ, **secrets},
    )
    assert result.returncode == 0, result.stderr.decode()


def test_docker_compose_refuses_to_start_without_secrets(project_root: Path) -> None:
    text = (project_root / "docker-compose.yml").read_text()
    for secret in (
        "OAUTH_KEYS_SECRET",
        "SESSION_SECRET",
        "MONGODB_ROOT_PASSWORD",
        "MONGODB_KEYFILE",
        "MINIO_ROOT_PASSWORD",
        "MINIO_KMS_SECRET_KEY",
    ):
        assert f"${{{secret}:?" in text, secret


def load(project_root: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((project_root / "docker-compose.yml").read_text())
    return data


def test_compose_runs_mongodb_as_a_replica_set_it_initiates_itself(project_root: Path) -> None:
    mongodb = load(project_root)["services"]["mongodb"]
    assert int(str(mongodb["image"]).split(":")[1].split(".")[0]) >= 7
    assert "--replSet" in mongodb["command"]
    assert "rs.initiate" in " ".join(mongodb["healthcheck"]["test"])


def test_compose_api_waits_for_healthy_stores_and_uses_them(project_root: Path) -> None:
    services = load(project_root)["services"]
    api = services["api"]
    assert api["build"]["dockerfile"] == "Dockerfile"
    assert api["environment"]["STACK"] == "external"
    for store in ("mongodb", "minio"):
        assert api["depends_on"][store]["condition"] == "service_healthy"
        assert "healthcheck" in services[store]
    assert "healthcheck" in api
    bucket = services["minio-bucket"]
    assert api["depends_on"]["minio-bucket"]["condition"] == "service_completed_successfully"
    assert "${S3_BUCKET" in " ".join(
        bucket["entrypoint"] if isinstance(bucket["entrypoint"], list) else [bucket["entrypoint"]]
    ) + str(bucket.get("command", ""))


def test_the_image_installs_the_package_and_runs_as_an_unprivileged_user(
    project_root: Path,
) -> None:
    dockerfile = (project_root / "Dockerfile").read_text()
    assert "USER " in dockerfile
    assert "USER root" not in dockerfile
    assert 'CMD ["espace-sante", "serve"' in dockerfile
    assert "HEALTHCHECK" in dockerfile
