from __future__ import annotations

from pathlib import Path

import pytest

from resolvers.access.matrix import (
    ALL,
    AccessMatrix,
    AccessMatrixError,
    load_matrix,
    parse_matrix,
)
from resolvers.core.terminology import CodeList, terminology

EVERY_TYPE = frozenset(terminology(CodeList.DOCUMENT_TYPES).by_code)
PHYSICIAN, PHARMACIST, DENTIST, NURSE = "10", "21", "40", "60"
PRESCRIPTION, CONSULTATION, RESIDENCE = "57833-6", "11488-4", "ATTEST-RESID"
PSYCHIATRIC_SUMMARY, PSYCHOLOGICAL_ASSESSMENT = "68599-0", "83901-9"


def problems_of(text: str, source: str = "ops.toml") -> list[str]:
    with pytest.raises(AccessMatrixError) as caught:
        parse_matrix(text, source)
    return caught.value.problems


# The packaged default


def test_the_default_loads_and_covers_every_profession() -> None:
    matrix = load_matrix()
    assert matrix.source == "default"
    assert set(matrix.readable) == set(terminology(CodeList.PROFESSIONS).by_code)
    assert len(matrix.readable) == 30


def test_a_physician_reads_every_type_but_the_residence_attestation() -> None:
    matrix = load_matrix()
    assert matrix.readable_types(PHYSICIAN) == EVERY_TYPE - {RESIDENCE}
    assert matrix.may_read(PHYSICIAN, PSYCHIATRIC_SUMMARY)
    assert not matrix.may_read(PHYSICIAN, RESIDENCE)


def test_a_pharmacist_reads_prescriptions_but_no_psychiatric_narrative() -> None:
    matrix = load_matrix()
    assert matrix.may_read(PHARMACIST, PRESCRIPTION)
    assert matrix.may_read(PHARMACIST, CONSULTATION)
    assert not matrix.may_read(PHARMACIST, PSYCHIATRIC_SUMMARY)
    assert not matrix.may_read(PHARMACIST, PSYCHOLOGICAL_ASSESSMENT)


def test_a_dentist_loses_the_types_the_decree_withholds() -> None:
    matrix = load_matrix()
    for withheld in ("80788-3", "75496-0", "83981-1", PSYCHOLOGICAL_ASSESSMENT):
        assert not matrix.may_read(DENTIST, withheld), withheld
    assert matrix.may_read(DENTIST, "83836-7")  # Schéma dentaire


def test_the_narrow_professions_read_little() -> None:
    matrix = load_matrix()
    assert matrix.readable_types("31") == frozenset({"83836-7"})  # Assistant dentaire: schéma
    assert matrix.readable_types("28") == frozenset({"57833-6", "57828-6"})  # Opticien
    assert not matrix.may_read("36", CONSULTATION)  # Ambulancier


def test_the_physician_sees_more_than_nurses_and_nurses_more_than_physiotherapists() -> None:
    matrix = load_matrix()
    physician, nurse, physio = (matrix.readable_types(code) for code in (PHYSICIAN, NURSE, "70"))
    assert physician is not None
    assert nurse is not None
    assert physio is not None
    assert physio < nurse < physician


def test_an_unknown_or_absent_profession_reads_nothing() -> None:
    matrix = load_matrix()
    for profession in (None, "99", ""):
        assert matrix.readable_types(profession) == frozenset()
        assert not matrix.may_read(profession, PRESCRIPTION)


# Reading rules


def test_star_alone_is_every_type_and_an_empty_list_is_nothing() -> None:
    matrix = parse_matrix('[professions.10]\nread = ["*"]\n[professions.21]\nread = []\n', "t")
    assert matrix.readable_types(PHYSICIAN) is None
    assert matrix.may_read(PHYSICIAN, "anything")
    assert matrix.readable_types(PHARMACIST) == frozenset()


def test_except_takes_types_out_of_every_type() -> None:
    text = '[professions.10]\nlabel = "Médecin"\nread = ["*"]\nexcept = ["REMB", "SYNTH"]\n'
    assert parse_matrix(text, "t").readable_types(PHYSICIAN) == EVERY_TYPE - {"REMB", "SYNTH"}


def test_a_list_reads_exactly_its_types() -> None:
    matrix = parse_matrix(f'[professions.21]\nread = ["{PRESCRIPTION}", "11369-6"]\n', "t")
    assert matrix.readable_types(PHARMACIST) == frozenset({PRESCRIPTION, "11369-6"})
    assert matrix.may_read(PHARMACIST, PRESCRIPTION)
    assert not matrix.may_read(PHARMACIST, CONSULTATION)


def test_the_matrix_cannot_be_changed_after_load() -> None:
    matrix = parse_matrix("[professions.21]\nread = []\n", "t")
    assert isinstance(matrix, AccessMatrix)
    with pytest.raises(TypeError):
        matrix.readable[PHARMACIST] = frozenset({PRESCRIPTION})  # type: ignore[index]


# Validation


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "[professions.10\nread = []\n",
            "access matrix ops.toml: the file is not valid TOML (",
            id="toml-syntax",
        ),
        pytest.param(
            "# nothing here\n",
            "access matrix ops.toml: the [professions] table is missing",
            id="no-professions",
        ),
        pytest.param(
            "professions = 3\n",
            "access matrix ops.toml: the [professions] table is missing",
            id="professions-not-a-table",
        ),
        pytest.param(
            "[professions.99]\nread = []\n",
            "access matrix ops.toml: profession '99' is not a TRE_G15 code",
            id="unknown-profession",
        ),
        pytest.param(
            '[professions.21]\nread = ["57833-6", "XX-1"]\n',
            "access matrix ops.toml: profession '21': document type 'XX-1' in 'read'"
            " is not a JDV_J66 code",
            id="unknown-type",
        ),
        pytest.param(
            '[professions.10]\nread = ["*"]\nexcept = ["XX-2"]\n',
            "access matrix ops.toml: profession '10': document type 'XX-2' in 'except'"
            " is not a JDV_J66 code",
            id="unknown-type-in-except",
        ),
        pytest.param(
            '[professions.21]\nlabel = "Pharmacien"\n',
            "access matrix ops.toml: profession '21': 'read' is missing",
            id="read-missing",
        ),
        pytest.param(
            '[professions.21]\nread = "57833-6"\n',
            "access matrix ops.toml: profession '21': 'read' must be a list of strings",
            id="read-not-a-list",
        ),
        pytest.param(
            '[professions.21]\nread = ["57833-6", 7]\n',
            "access matrix ops.toml: profession '21': 'read' must be a list of strings",
            id="read-not-strings",
        ),
        pytest.param(
            '[professions.21]\nread = ["*", "57833-6"]\n',
            "access matrix ops.toml: profession '21': '*' cannot be mixed with other codes",
            id="star-mixed",
        ),
        pytest.param(
            '[professions.21]\nread = ["57833-6", "11369-6", "57833-6"]\n',
            "access matrix ops.toml: profession '21': document type '57833-6' appears 2 times",
            id="duplicate",
        ),
        pytest.param(
            '[professions.10]\nread = ["*"]\nexcept = ["REMB", "REMB"]\n',
            "access matrix ops.toml: profession '10': document type 'REMB' appears 2 times"
            " in 'except'",
            id="duplicate-in-except",
        ),
        pytest.param(
            '[professions.21]\nread = ["57833-6"]\nwrite = ["57833-6"]\n',
            "access matrix ops.toml: profession '21': unknown key 'write'",
            id="unknown-key",
        ),
        pytest.param(
            '[professions.21]\nread = ["57833-6"]\nexcept = ["REMB"]\n',
            "access matrix ops.toml: profession '21': 'except' is only allowed with read = [\"*\"]",
            id="except-without-star",
        ),
        pytest.param(
            '[professions.10]\nread = ["*"]\nexcept = ["*"]\n',
            "access matrix ops.toml: profession '10': '*' is only meaningful in 'read'",
            id="star-in-except",
        ),
        pytest.param(
            "[professions.21]\nlabel = 21\nread = []\n",
            "access matrix ops.toml: profession '21': 'label' must be a string",
            id="label-not-a-string",
        ),
        pytest.param(
            "[professions]\n21 = []\n",
            "access matrix ops.toml: profession '21' must be a table",
            id="profession-not-a-table",
        ),
        pytest.param(
            "version = 2\n[professions.21]\nread = []\n",
            "access matrix ops.toml: unknown top-level key 'version'",
            id="unknown-top-level-key",
        ),
    ],
)
def test_each_problem_is_refused_with_a_clear_message(text: str, expected: str) -> None:
    problems = problems_of(text)
    assert len(problems) == 1, problems
    assert problems[0].startswith(expected), problems


def test_every_problem_is_reported_together() -> None:
    text = (
        "[professions.99]\nread = []\n"
        '[professions.21]\nread = ["57833-6", "XX-1", "57833-6"]\ncolour = "red"\n'
        '[professions.60]\nread = ["*", "11369-6"]\n'
        "[professions.70]\n"
    )
    problems = problems_of(text)
    assert problems == [
        "access matrix ops.toml: profession '99' is not a TRE_G15 code",
        "access matrix ops.toml: profession '21': unknown key 'colour' (allowed: read, except,"
        " label)",
        "access matrix ops.toml: profession '21': document type '57833-6' appears 2 times in"
        " 'read'",
        "access matrix ops.toml: profession '21': document type 'XX-1' in 'read' is not a JDV_J66"
        " code",
        "access matrix ops.toml: profession '60': '*' cannot be mixed with other codes in 'read'",
        "access matrix ops.toml: profession '70': 'read' is missing (use [] for nothing, [\"*\"]"
        " for everything)",
    ]
    with pytest.raises(AccessMatrixError) as caught:
        parse_matrix(text, "ops.toml")
    assert isinstance(caught.value, ValueError)
    assert str(caught.value) == "\n".join(problems)


# Files


def test_an_operator_file_is_loaded_and_named_by_its_path(tmp_path: Path) -> None:
    path = tmp_path / "matrix.toml"
    path.write_text('[professions."21"]\nread = ["57833-6"]\n', encoding="utf-8")
    matrix = load_matrix(path)
    assert matrix.source == str(path)
    assert dict(matrix.readable) == {PHARMACIST: frozenset({PRESCRIPTION})}
    assert not matrix.may_read(PHYSICIAN, PRESCRIPTION)  # absent from this file: nothing


def test_problems_in_an_operator_file_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "matrix.toml"
    path.write_text("[professions.99]\nread = []\n", encoding="utf-8")
    with pytest.raises(AccessMatrixError) as caught:
        load_matrix(path)
    assert caught.value.problems == [f"access matrix {path}: profession '99' is not a TRE_G15 code"]


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    with pytest.raises(AccessMatrixError) as caught:
        load_matrix(path)
    assert caught.value.problems == [f"access matrix {path}: the file does not exist"]


def test_a_directory_or_binary_file_is_refused(tmp_path: Path) -> None:
    binary = tmp_path / "matrix.toml"
    binary.write_bytes(b"\xff\xfe[professions]")
    with pytest.raises(AccessMatrixError, match="is not UTF-8 text"):
        load_matrix(binary)
    with pytest.raises(AccessMatrixError, match="cannot be read"):
        load_matrix(tmp_path)


def test_the_star_constant_is_the_file_spelling() -> None:
    assert ALL == "*"
