"""``make bench``: every benchmark against the embedded stack (or the configured stores).

``python -m bench NAME…`` runs only those (``objects``, ``api_transfer``, ``provisioning``,
``messaging``,
``dashboard``, ``document_list``, ``export``).
Prints the report and writes the sections it ran into ``docs/performance.md``.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from api.embedded.stack import EmbeddedStack
from api.logs import configure_logging
from api.settings import Settings
from bench import (
    api_transfer,
    dashboard,
    document_list,
    export,
    messaging,
    objects,
    provisioning,
)
from bench.harness import Benchmark, Section, write_report

BENCHMARKS: dict[str, Benchmark] = {
    "objects": objects.run,
    "api_transfer": api_transfer.run,
    "provisioning": provisioning.run,
    "messaging": messaging.run,
    "dashboard": dashboard.run,
    "document_list": document_list.run,
    "export": export.run,
}
REPORT = Path(__file__).resolve().parents[1] / "docs" / "performance.md"


def main() -> None:
    chosen = sys.argv[1:] or list(BENCHMARKS)
    unknown = sorted(set(chosen) - set(BENCHMARKS))
    if unknown:
        sys.exit(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
    configure_logging("WARNING", "console")
    with tempfile.TemporaryDirectory(prefix="espace-sante-bench-") as data:
        base = Settings(data_dir=Path(data), s3_bucket="espace-sante-bench")
        with EmbeddedStack(base) as settings:
            sections: dict[str, Section] = {
                name: asyncio.run(BENCHMARKS[name](settings)) for name in chosen
            }
    # the profile notes are written by hand (after profiling), and kept as they are
    print(write_report(sections, [*BENCHMARKS, "profile"], REPORT))


if __name__ == "__main__":
    main()
