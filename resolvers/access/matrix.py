"""The access matrix (matrice d'habilitations): which DMP document types each profession may read.

Data, not code: ``data/access_matrix.toml`` is the packaged default, an operator may load their own
file instead. A file is checked in full at load and every problem is reported at once. Format and
sources: ``docs/access-matrix.md``.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from types import MappingProxyType
from typing import Any

from resolvers.core.terminology import CodeList, terminology

ALL = "*"
DEFAULT_SOURCE = "default"
_KEYS = ("read", "except", "label")


class AccessMatrixError(ValueError):
    """The matrix cannot be used; ``problems`` holds every reason found, one sentence each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class AccessMatrix:
    source: str
    readable: Mapping[str, frozenset[str] | None]

    def readable_types(self, profession_code: str | None) -> frozenset[str] | None:
        """None = every type; an empty set = nothing (also for a profession absent from the
        matrix, or for None)."""
        if profession_code is None:
            return frozenset()
        return self.readable.get(profession_code, frozenset())

    def may_read(self, profession_code: str | None, type_code: str) -> bool:
        types = self.readable_types(profession_code)
        return types is None or type_code in types


@cache
def default_matrix() -> AccessMatrix:
    """The packaged default, read and checked once (an ``AccessMatrix`` is immutable)."""
    return _read(None)


def load_matrix(path: Path | None = None) -> AccessMatrix:
    """The matrix in ``path``, or the packaged default when ``path`` is None."""
    return default_matrix() if path is None else _read(path)


def _read(path: Path | None) -> AccessMatrix:
    source = DEFAULT_SOURCE if path is None else str(path)
    try:
        if path is None:
            text = files("resolvers").joinpath("data", "access_matrix.toml").read_text("utf-8")
        else:
            text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise AccessMatrixError([f"access matrix {source}: the file does not exist"]) from exc
    except UnicodeDecodeError as exc:
        raise AccessMatrixError([f"access matrix {source}: the file is not UTF-8 text"]) from exc
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise AccessMatrixError(
            [f"access matrix {source}: the file cannot be read ({reason})"]
        ) from exc
    return parse_matrix(text, source)


def parse_matrix(text: str, source: str) -> AccessMatrix:
    """Check and build the matrix written in ``text`` (TOML); ``source`` names it in messages."""
    where = f"access matrix {source}"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise AccessMatrixError([f"{where}: the file is not valid TOML ({exc})"]) from exc
    problems = [f"{where}: unknown top-level key '{key}'" for key in data if key != "professions"]
    professions = data.get("professions")
    if not isinstance(professions, dict):
        problems.append(f"{where}: the [professions] table is missing")
        raise AccessMatrixError(problems)
    known = terminology(CodeList.PROFESSIONS).by_code
    readable: dict[str, frozenset[str] | None] = {}
    for code, entry in professions.items():
        if code not in known:
            problems.append(f"{where}: profession '{code}' is not a TRE_G15 code")
        if isinstance(entry, dict):
            readable[code] = _entry(entry, f"{where}: profession '{code}'", problems)
        else:
            problems.append(f"{where}: profession '{code}' must be a table")
    if problems:
        raise AccessMatrixError(problems)
    return AccessMatrix(source=source, readable=MappingProxyType(readable))


def _entry(entry: dict[str, Any], where: str, problems: list[str]) -> frozenset[str] | None:
    problems.extend(
        f"{where}: unknown key '{key}' (allowed: {', '.join(_KEYS)})"
        for key in entry
        if key not in _KEYS
    )
    if "label" in entry and not isinstance(entry["label"], str):
        problems.append(f"{where}: 'label' must be a string")
    if "read" not in entry:
        problems.append(f"{where}: 'read' is missing (use [] for nothing, [\"*\"] for everything)")
        return frozenset()
    read = _codes(entry["read"], "read", where, problems)
    excluded = _codes(entry.get("except", []), "except", where, problems) or []
    if read is None:
        return frozenset()
    if ALL in read and len(read) > 1:
        problems.append(f"{where}: '*' cannot be mixed with other codes in 'read'")
    if excluded and read != [ALL]:
        problems.append(f"{where}: 'except' is only allowed with read = [\"*\"]")
    if read != [ALL]:
        return frozenset(read)
    if not excluded:
        return None
    return frozenset(terminology(CodeList.DOCUMENT_TYPES).by_code) - frozenset(excluded)


def _codes(value: object, key: str, where: str, problems: list[str]) -> list[str] | None:
    """The codes of a ``read`` or ``except`` list (None if it is not one); problems are recorded."""
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        problems.append(f"{where}: '{key}' must be a list of strings")
        return None
    types = terminology(CodeList.DOCUMENT_TYPES).by_code
    codes: list[str] = value
    for code, count in Counter(codes).items():
        if count > 1:
            problems.append(f"{where}: document type '{code}' appears {count} times in '{key}'")
        if code == ALL and key != "read":
            problems.append(f"{where}: '*' is only meaningful in 'read'")
        elif code != ALL and code not in types:
            problems.append(f"{where}: document type '{code}' in '{key}' is not a JDV_J66 code")
    return codes
