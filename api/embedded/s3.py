"""The embedded S3 server: SeaweedFS's ``weed mini``, which checks request signatures."""

from __future__ import annotations

import json
import time
from pathlib import Path

import urllib3
from minio import Minio
from minio.error import MinioException

from api.embedded.credentials import Credentials
from api.embedded.processes import (
    START_TIMEOUT_SECONDS,
    EmbeddedStackError,
    Server,
    ServerFactory,
    find_executable,
    free_ports,
)

S3_ACCESS_KEY = "espace-sante"


def s3_server(
    root: Path, creds: Credentials, bucket: str, servers: ServerFactory
) -> tuple[Server, str]:
    """SeaweedFS's ``weed mini``, declared (not spawned yet); and its endpoint."""
    data = root / "s3"
    data.mkdir(parents=True, exist_ok=True)
    identities = root / "s3-identities.json"
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
    ports = dict(zip(flags, free_ports(len(flags)), strict=True))
    argv = [
        find_executable("weed"),
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
    server = servers("s3", argv, lambda s: wait_for_s3(endpoint, creds.s3_secret_key, bucket, s))
    # SeaweedFS leaves unix sockets at fixed paths in /tmp, named after each port.
    server.leftovers = [f"/tmp/seaweedfs-*-{port}.sock" for port in ports.values()]  # noqa: S108
    return server, endpoint


def wait_for_s3(endpoint: str, secret_key: str, bucket: str, server: Server) -> None:
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
