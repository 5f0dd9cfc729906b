"""The official French code lists the API speaks (ANS NOS extracts, shipped in ``data/``).

Loaded once per process, read-only afterwards. Sources and versions: ``data/README.md``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from enum import Enum
from functools import cache
from importlib.resources import files


@dataclass(frozen=True, slots=True)
class Concept:
    code: str
    label: str
    system: str


class CodeList(Enum):
    """Each list, with the file it comes from."""

    PROFESSIONS = "TRE_G15-ProfessionSante.csv"
    SPECIALTIES = "TRE_R38-SpecialiteOrdinale.csv"
    DOCUMENT_TYPES = "JDV_J66-TypeCode-DMP.csv"
    XDS_TYPES = "JDV_J07-XdsTypeCode-CISIS.csv"
    DOCUMENT_CLASSES = "JDV_J06-XdsClassCode-CISIS.csv"
    CONFIDENTIALITY = "JDV_J58-ConfidentialityCode-DMP.csv"


@dataclass(frozen=True)
class Terminology:
    concepts: tuple[Concept, ...]
    by_code: dict[str, Concept]

    def get(self, code: str) -> Concept | None:
        return self.by_code.get(code)

    def search(self, text: str) -> list[Concept]:
        """Concepts whose code starts with ``text`` or whose label contains it (any case)."""
        needle = text.casefold()
        return [
            c
            for c in self.concepts
            if c.code.casefold().startswith(needle) or needle in c.label.casefold()
        ]


@cache
def terminology(code_list: CodeList) -> Terminology:
    text = files("resolvers").joinpath("data", code_list.value).read_text(encoding="utf-8")
    concepts = tuple(
        Concept(code=row["code"], label=row["label"], system=row["system"])
        for row in csv.DictReader(io.StringIO(text, newline=""))
    )
    return Terminology(concepts=concepts, by_code={c.code: c for c in concepts})
