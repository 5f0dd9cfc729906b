"""What the XDM import tests share: counting what an import wrote, running the CLI."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from api.settings import Settings
from storage.stores import Stores
from tests.api.cli.test_oauth import environment

CLI = str(Path(sys.executable).parent / "espace-sante")


@dataclass(frozen=True)
class Written:
    """Everything an import may have written, counted in MongoDB and in S3."""

    documents: int
    traces: int
    objects: int


async def written(stores: Stores) -> Written:
    objects = [o async for page in stores.objects.listing("objects/") for o in page]
    return Written(
        documents=await stores.documents.collection.count_documents({}),
        traces=await stores.access_events.collection.count_documents(
            {"action": "document.imported"}
        ),
        objects=len(objects),
    )


async def run_cli(settings: Settings, *arguments: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **environment(settings)}
    return await asyncio.to_thread(
        subprocess.run,
        [CLI, *arguments],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
