from __future__ import annotations

import pytest

from resolvers.core.errors import InvalidInput
from resolvers.core.identity import (
    OID_NIA,
    OID_NIR,
    luhn_check_digit,
    matricule_authority,
    nir_key,
    normalize_finess,
    normalize_matricule,
    normalize_rpps,
)


def test_nir_key_matches_the_published_example() -> None:
    # The example of the French NIR article: 2 55 08 14 168 025, key 38.
    assert nir_key("2550814168025") == 38


@pytest.mark.parametrize(("department", "replacement"), [("2A", "19"), ("2B", "18")])
def test_corsica_departments_are_read_as_numbers_for_the_key(
    department: str, replacement: str
) -> None:
    first13 = f"19602{department}123456"
    assert nir_key(first13) == 97 - int(f"19602{replacement}123456") % 97
    assert (
        normalize_matricule(f"{first13}{nir_key(first13):02d}")
        == f"{first13}{nir_key(first13):02d}"
    )


def test_matricule_is_normalised_without_spaces_and_upper_cased() -> None:
    assert normalize_matricule("2 55 08 14 168 025 38") == "255081416802538"
    key = nir_key("196022A123456")
    assert normalize_matricule(f"1 96 02 2a 123 456 {key:02d}") == f"196022A123456{key:02d}"


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("25508141680253", "15 characters"),
        ("2550814168025380", "15 characters"),
        ("255081416802539", "key does not match"),
        ("555081416802538", "starts with"),
        ("2550814X6802538", "starts with"),
        ("٢٥٥٠٨١٤١٦٨٠٢٥٣٨", "starts with"),  # Arabic-Indic digits are not ASCII digits
    ],
)
def test_bad_matricules_are_refused_naming_the_field(value: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        normalize_matricule(value, field="ins.matricule")
    assert fragment in refused.value.message
    assert refused.value.field == "ins.matricule"
    assert refused.value.code == "BAD_USER_INPUT"


def test_nia_and_nir_have_their_own_authorities() -> None:
    assert matricule_authority("255081416802538") == OID_NIR
    assert matricule_authority("755081416802538") == OID_NIA


def test_luhn_check_digit_matches_the_classic_example() -> None:
    assert luhn_check_digit("7992739871") == 3


def test_rpps_with_a_valid_check_digit_is_accepted() -> None:
    rpps = "1000123456" + str(luhn_check_digit("1000123456"))
    assert normalize_rpps(f" {rpps[:5]} {rpps[5:]} ") == rpps


@pytest.mark.parametrize(
    "value",
    [
        "1000123456",
        "100012345678",
        "10001234a67",
        "\uff11\uff10\uff10\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17",
    ],
)
def test_rpps_of_wrong_shape_is_refused(value: str) -> None:
    with pytest.raises(InvalidInput, match="11 digits"):
        normalize_rpps(value)


def test_rpps_with_a_wrong_check_digit_is_refused() -> None:
    good = int(luhn_check_digit("1000123456"))
    with pytest.raises(InvalidInput, match="check digit"):
        normalize_rpps(f"1000123456{(good + 1) % 10}")


@pytest.mark.parametrize("published", ["010003820", "010003812", "01 000 382 0"])
def test_published_finess_numbers_pass_their_luhn_key(published: str) -> None:
    """Numbers from the data.gouv.fr FINESS extract (an establishment and its legal entity)."""
    assert normalize_finess(published) == published.replace(" ", "")


@pytest.mark.parametrize(
    ("value", "fragment"),
    [("010003821", "check digit"), ("01000382", "9 digits"), ("2A0003820", "9 digits")],
)
def test_bad_finess_numbers_are_refused_naming_the_field(value: str, fragment: str) -> None:
    with pytest.raises(InvalidInput, match=fragment) as refused:
        normalize_finess(value, field="finess")
    assert refused.value.field == "finess"
