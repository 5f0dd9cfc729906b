"""The official code lists (professions, specialties, document types…) as public reference data."""

from __future__ import annotations

import strawberry

from resolvers.core.errors import InvalidInput
from resolvers.core.terminology import CodeList, terminology
from resolvers.core.terminology import Concept as ConceptRecord

strawberry.enum(
    CodeList,
    name="CodeList",
    description="An official ANS code list shipped with the API (sources in the docs).",
)

MAX_CONCEPTS = 200


@strawberry.type(description="A code from an official list, with its label and code system.")
class Concept:
    code: str
    label: str
    system: str

    @classmethod
    def from_record(cls, record: ConceptRecord) -> Concept:
        return cls(code=record.code, label=record.label, system=record.system)


@strawberry.type
class TerminologyQuery:
    @strawberry.field(
        description=(
            "Codes of a list, in code order; `search` keeps those whose code starts with it or "
            f"whose label contains it (any case). At most `first` (≤ {MAX_CONCEPTS})."
        )
    )
    def codes(
        self, code_list: CodeList, search: str | None = None, first: int = 100
    ) -> list[Concept]:
        if not 1 <= first <= MAX_CONCEPTS:
            raise InvalidInput(f"first must be between 1 and {MAX_CONCEPTS}", field="first")
        source = terminology(code_list)
        records = source.search(search) if search else source.concepts
        return [Concept.from_record(record) for record in records[:first]]

    @strawberry.field(description="One code of a list, or null when the list has no such code.")
    def concept(self, code_list: CodeList, code: str) -> Concept | None:
        record = terminology(code_list).get(code)
        return None if record is None else Concept.from_record(record)
