from __future__ import annotations

import pytest

from resolvers.core.terminology import CodeList, terminology


@pytest.mark.parametrize(
    ("code_list", "rows"),
    [
        (CodeList.PROFESSIONS, 30),
        (CodeList.SPECIALTIES, 107),
        (CodeList.DOCUMENT_TYPES, 102),
        (CodeList.DOCUMENT_CLASSES, 13),
        (CodeList.CONFIDENTIALITY, 6),
    ],
)
def test_each_list_has_every_row_of_its_source(code_list: CodeList, rows: int) -> None:
    assert len(terminology(code_list).concepts) == rows


def test_labels_with_commas_are_read_whole() -> None:
    concept = terminology(CodeList.DOCUMENT_CLASSES).get("44")
    assert concept is not None
    assert concept.label == "Plan de soins, protocole de soins"


def test_domain_codes_named_by_the_rulebook_are_present() -> None:
    types = terminology(CodeList.DOCUMENT_TYPES)
    for loinc in ("11488-4", "11369-6", "57833-6", "11502-2", "18748-4", "60591-5"):
        assert types.get(loinc) is not None, loinc
    confidentiality = terminology(CodeList.CONFIDENTIALITY)
    assert {"MASQUE_PS", "INVISIBLE_PATIENT", "INVISIBLE_REPRESENTANTS_LEGAUX"} <= set(
        confidentiality.by_code
    )


def test_search_matches_code_prefix_or_label_in_any_case() -> None:
    professions = terminology(CodeList.PROFESSIONS)
    assert [c.code for c in professions.search("infirm")] == ["60", "69"]
    assert [c.label for c in professions.search("2")] == [
        "Pharmacien",
        "Audioprothésiste",
        "Opticien-Lunetier",
    ]
