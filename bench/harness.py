"""What every benchmark shares: the stack it runs on, timing, memory, and the report.

Each benchmark measures the project's code and a baseline doing the same work in the same run,
and reports their ratio beside the absolute figures, so that machine noise cancels out.
"""

from __future__ import annotations

import os
import platform
import resource
import sys
import time
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from api.settings import Settings


@dataclass(frozen=True)
class Figure:
    """One measured quantity: ours, the baseline's, and what the goal says of their ratio."""

    name: str
    ours: float
    baseline: float
    unit: str
    goal: str = ""
    higher_is_better: bool = True

    @property
    def ratio(self) -> float:
        return self.ours / self.baseline if self.baseline else float("inf")


@dataclass
class Section:
    title: str
    command: str
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


Benchmark = Callable[[Settings], Coroutine[object, object, Section]]


@contextmanager
def stopwatch() -> Iterator[Callable[[], float]]:
    """Yields a function returning the seconds elapsed since entering."""
    started = time.perf_counter()
    yield lambda: time.perf_counter() - started


def peak_rss_mib() -> float:
    """This process's peak resident memory so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> list[str]:
    return [
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} "
        f"{platform.release()}",
        f"- Python {sys.version.split()[0]}; "
        + ", ".join(f"{p} {version(p)}" for p in ("strawberry-graphql", "pymongo", "minio")),
    ]


def render(sections: list[Section]) -> str:
    lines = [
        "# Performance",
        "",
        "Written by `make bench`; every figure is a ratio against a "
        "baseline measured in the same run, with the absolute numbers beside it.",
        "",
    ]
    lines += machine()
    for section in sections:
        lines += [
            "",
            f"## {section.title}",
            "",
            f"Command: `{section.command}`",
            "",
            "| Measure | Ours | Baseline | Ratio | Goal |",
            "|---|---|---|---|---|",
        ]
        for f in section.figures:
            lines.append(
                f"| {f.name} | {f.ours:.1f} {f.unit} | {f.baseline:.1f} {f.unit} | "
                f"{f.ratio:.2f}× | {f.goal} |"
            )
        lines += ["", *section.notes] if section.notes else []
    return "\n".join(lines) + "\n"


def write_report(sections: list[Section], path: Path) -> None:
    path.write_text(render(sections), encoding="utf-8")
