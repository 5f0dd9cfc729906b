"""Identifiers in French e-health: the INS matricule (NIR/NIA), the RPPS number, and the FINESS
number of an establishment.

Sources: the INS reference (Référentiel national d'identitovigilance; the key is
97 - (number mod 97), with Corsica's 2A and 2B read as 19 and 18 for the computation); the
RPPS, whose 11th digit is a Luhn check digit; FINESS (Fichier national des établissements
sanitaires et sociaux), 9 characters whose 9th is a Luhn key over the first 8 (checked against
published numbers: 010003820 and 010003812 in the data.gouv.fr FINESS extract).
"""

from __future__ import annotations

import re
import unicodedata

from resolvers.core.errors import InvalidInput

# OIDs of the assigning authorities (ANS, INS reference): NIR and NIA.
OID_NIR = "1.2.250.1.213.1.4.8"
OID_NIA = "1.2.250.1.213.1.4.9"
# The test authorities of the ANS's test platforms (INS "NIR test" .4.10, "NIR démo" .4.11, as the
# DMP's integration kit lists them): matricules of test people, never of real ones.
OID_TESTS = ("1.2.250.1.213.1.4.10", "1.2.250.1.213.1.4.11")
AUTHORITIES = (OID_NIR, OID_NIA, *OID_TESTS)

_MATRICULE = re.compile(r"^[1-478]\d{4}(?:\d{2}|2[AB])\d{6}\d{2}$", re.ASCII)
_CORSICA = {"2A": "19", "2B": "18"}


def nir_key(first13: str) -> int:
    """The 2-digit key of a NIR/NIA's first 13 characters."""
    department = first13[5:7].upper()
    numeric = first13[:5] + _CORSICA.get(department, department) + first13[7:]
    return 97 - int(numeric) % 97


def normalize_matricule(value: str, *, field: str = "matricule") -> str:
    """The matricule without spaces, upper-cased; ``InvalidInput`` naming ``field`` otherwise."""
    compact = re.sub(r"\s+", "", value).upper()
    if len(compact) != 15:
        raise InvalidInput(
            f"an INS matricule has 15 characters (13 and a 2-digit key), not {len(compact)}",
            field=field,
        )
    if not _MATRICULE.match(compact):
        raise InvalidInput(
            "an INS matricule starts with 1, 2, 3, 4, 7 or 8 and holds only digits "
            "(2A or 2B for Corsica)",
            field=field,
        )
    if nir_key(compact[:13]) != int(compact[13:]):
        raise InvalidInput("the INS matricule's key does not match its number", field=field)
    return compact


def matricule_authority(matricule: str) -> str:
    """The OID of the authority that assigned a (normalised) matricule: NIA start with 7 or 8."""
    return OID_NIA if matricule[0] in "78" else OID_NIR


def check_ins(matricule: str, oid: str, *, field: str = "ins") -> tuple[str, str]:
    """An exact INS (matricule and authority), checked: ``InvalidInput`` naming the sub-field at
    fault otherwise. A NIA (7 or 8 first) is assigned by the NIA authority, a NIR by the NIR one;
    a test authority takes either."""
    compact = normalize_matricule(matricule, field=f"{field}.matricule")
    authority = oid.strip()
    if authority not in AUTHORITIES:
        raise InvalidInput(
            "the OID is not that of an INS authority (NIR, NIA or their test ones)",
            field=f"{field}.oid",
        )
    if authority in (OID_NIR, OID_NIA) and matricule_authority(compact) != authority:
        raise InvalidInput(
            "this matricule is not assigned by this authority (a NIA starts with 7 or 8)",
            field=f"{field}.oid",
        )
    return compact, authority


def fold_trait(text: str) -> str:
    """A trait as INS traits are written (the INSi teleservice's form): upper case, no
    diacritics, one space between words; a typographic apostrophe is the plain one. Hyphens,
    apostrophes and spaces stay significant: JEAN-PIERRE is one first name, JEAN PIERRE two."""
    decomposed = unicodedata.normalize("NFKD", text.replace("\u2019", "'"))
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.upper().split())


def first_first_name(first_names: list[str]) -> str:
    """The first of the birth first names (the INS list is space-separated words)."""
    words = fold_trait(" ".join(first_names)).split(" ")
    return words[0]


def luhn_check_digit(digits: str) -> int:
    """The Luhn digit that completes ``digits``."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:  # doubled: it is second from the right once the key is appended
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return (10 - total % 10) % 10


def normalize_rpps(value: str, *, field: str = "rpps") -> str:
    """An RPPS number (11 digits, Luhn-checked); ``InvalidInput`` naming ``field`` otherwise."""
    compact = re.sub(r"\s+", "", value)
    if len(compact) != 11 or not compact.isascii() or not compact.isdigit():
        raise InvalidInput("an RPPS number has exactly 11 digits", field=field)
    if luhn_check_digit(compact[:10]) != int(compact[10]):
        raise InvalidInput("the RPPS number's check digit does not match", field=field)
    return compact


def normalize_finess(value: str, *, field: str = "finess") -> str:
    """A FINESS number (9 digits, the 9th a Luhn key over the first 8); ``InvalidInput`` naming
    ``field`` otherwise. Corsican numbers (2A, 2B) are not accepted yet: how their key is
    computed is not documented where we looked."""
    compact = re.sub(r"\s+", "", value)
    if len(compact) != 9 or not compact.isascii() or not compact.isdigit():
        raise InvalidInput("a FINESS number has exactly 9 digits", field=field)
    if luhn_check_digit(compact[:8]) != int(compact[8]):
        raise InvalidInput("the FINESS number's check digit does not match", field=field)
    return compact


def finess_of(first8: str) -> str:
    """The FINESS number completing 8 digits with their key (demo data, tests)."""
    return first8 + str(luhn_check_digit(first8))
