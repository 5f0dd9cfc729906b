"""Profile the dashboard in-process: the MongoDB operations one dashboard costs, then where 100
dashboards spend their time (pyinstrument). Not a benchmark: a tool for reading the costs.

``.venv/bin/python -m bench.profile_dashboard [patient|professional]``
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections import Counter
from pathlib import Path

import httpx
from pyinstrument import Profiler
from pymongo import monitoring

from api.app import create_app
from api.embedded.stack import EmbeddedStack
from api.logs import configure_logging
from api.settings import Settings
from bench.dashboard import issue_token
from bench.dashboard_data import DASHBOARD, LEFEVRE_RPPS, PATIENT_INS, VARIABLES, prepare
from resolvers.core.actors import ActorKind


class _Operations(monitoring.CommandListener):
    def __init__(self) -> None:
        self.seen: Counter[tuple[str, str]] = Counter()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        target = event.command.get(event.command_name)
        self.seen[(event.command_name, target if isinstance(target, str) else "")] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


async def _profile(settings: Settings, who: str, operations: _Operations) -> None:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        stores = app.state.services.running.stores
        await prepare(stores)
        kind, login = (
            (ActorKind.PROFESSIONAL, LEFEVRE_RPPS) if who == "professional"
            else (ActorKind.PATIENT, PATIENT_INS)
        )  # fmt: skip
        token = await issue_token(settings, stores, kind, login)
        headers = {"authorization": f"Bearer {token}"}
        body = {"query": DASHBOARD, "variables": VARIABLES}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as http:
            for _ in range(20):
                await http.post("/graphql", json=body, headers=headers)
            operations.seen.clear()
            await http.post("/graphql", json=body, headers=headers)
            print("MongoDB operations of one dashboard:")
            for (name, collection), count in sorted(operations.seen.items()):
                print(f"  {count} {name} {collection}")
            profiler = Profiler(async_mode="enabled", interval=0.0005)
            profiler.start()
            for _ in range(100):
                await http.post("/graphql", json=body, headers=headers)
            profiler.stop()
    print(profiler.output_text(unicode=True, color=False, flat=True)[:8000])


def main() -> None:
    who = sys.argv[1] if len(sys.argv) > 1 else "patient"
    configure_logging("WARNING", "console")
    operations = _Operations()
    monitoring.register(operations)
    with (
        tempfile.TemporaryDirectory(prefix="espace-sante-profile-") as data,
        EmbeddedStack(Settings(data_dir=Path(data))) as settings,
    ):
        quiet = settings.model_copy(update={"background_workers": False})
        asyncio.run(_profile(quiet, who, operations))


if __name__ == "__main__":
    main()
