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


def machine() -> str:
    return (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {platform.machine()}, {os.cpu_count()} CPUs, "
        f"{platform.system()} {platform.release()}; Python {sys.version.split()[0]}, "
        + ", ".join(f"{p} {version(p)}" for p in ("strawberry-graphql", "pymongo", "minio"))
    )


HEADER = [
    "# Performance",
    "",
    "Written by `make bench` (or `python -m bench NAME…` for some of them, which leaves the other "
    "sections as they were); every figure is a ratio against a baseline measured in the same "
    "run, with the absolute numbers beside it.",
]
MARK = "<!-- bench: {} -->"


def render_section(name: str, section: Section, measured: str) -> str:
    lines = [
        f"## {section.title}",
        "",
        MARK.format(name),
        f"Command: `{section.command}` · measured {measured}",
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
    return "\n".join(lines)


def _kept(report: str, order: list[str]) -> dict[str, str]:
    """The sections of an earlier report, by benchmark name (unmarked ones are dropped)."""
    kept: dict[str, str] = {}
    for chunk in report.split("\n## ")[1:]:
        for name in order:
            if MARK.format(name) in chunk:
                kept[name] = "## " + chunk.strip()
    return kept


def write_report(sections: dict[str, Section], order: list[str], path: Path) -> str:
    """Writes the new sections into the report at ``path``, keeping the others; returns it."""
    earlier = path.read_text(encoding="utf-8") if path.exists() else ""
    measured = machine()
    rendered = _kept(earlier, order) | {
        name: render_section(name, section, measured) for name, section in sections.items()
    }
    body = [rendered[name] for name in order if name in rendered]
    report = "\n\n".join(["\n".join(HEADER), *body]) + "\n"
    path.write_text(report, encoding="utf-8")
    return report
