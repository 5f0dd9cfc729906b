"""``make bench``: every benchmark against the embedded stack (or the configured stores).

Prints the report and writes it to ``docs/performance.md``.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from api.embedded import EmbeddedStack
from api.logs import configure_logging
from api.settings import Settings
from bench import objects, provisioning
from bench.harness import Benchmark, Section, render, write_report

BENCHMARKS: list[Benchmark] = [objects.run, provisioning.run]
REPORT = Path(__file__).resolve().parents[1] / "docs" / "performance.md"


def main() -> None:
    configure_logging("WARNING", "console")
    with tempfile.TemporaryDirectory(prefix="espace-sante-bench-") as data:
        base = Settings(data_dir=Path(data), s3_bucket="espace-sante-bench")
        with EmbeddedStack(base) as settings:
            sections: list[Section] = [asyncio.run(bench(settings)) for bench in BENCHMARKS]
    write_report(sections, REPORT)
    print(render(sections))


if __name__ == "__main__":
    main()
