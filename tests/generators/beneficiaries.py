"""Beneficiary files for tests and benchmarks: valid people, and lines broken on purpose."""

from __future__ import annotations

import io
import random
from collections.abc import Iterator

import orjson

from resolvers.core.identity import nir_key

HEADER = [
    "ins",
    "birth_names",
    "first_names",
    "sex",
    "birth_date",
    "birth_place_code",
    "email",
    "address_line_1",
    "address_line_2",
    "postcode",
    "city",
    "country",
    "representative_ins",
    "representative_relation",
]
NAMES = [
    "MARTIN",
    "BERNARD",
    "THOMAS",
    "PETIT",
    "ROBERT",
    "RICHARD",
    "DURAND",
    "DUBOIS",
    "MOREAU",
    "LAURENT",
    "SIMON",
    "MICHEL",
    "LEFEBVRE",
    "LEROY",
    "ROUX",
    "DAVID",
]
FIRST = {"M": ["Lucas", "Hugo", "Louis", "Jules", "Adam"], "F": ["Emma", "Jade", "Louise", "Alice"]}


def matricule(index: int, sex: str = "M", year: int = 1980, month: int = 6) -> str:
    """A valid NIR, unique per ``index`` (the commune and order numbers encode it)."""
    commune, order = divmod(index, 1000)
    first13 = (
        f"{1 if sex == 'M' else 2}{year % 100:02d}{month:02d}75{commune % 1000:03d}{order:03d}"
    )
    assert commune < 1000, "more than a million people: extend the encoding"
    return f"{first13}{nir_key(first13):02d}"


def person(index: int, rng: random.Random) -> dict[str, str]:
    sex = "M" if index % 2 else "F"
    year, month = 1940 + index % 80, 1 + index % 12
    by_email = index % 3 != 0
    return {
        "ins": matricule(index, sex, year, month),
        "birth_names": rng.choice(NAMES),
        "first_names": rng.choice(FIRST[sex]),
        "sex": sex,
        "birth_date": f"{year}-{month:02d}-{1 + index % 28:02d}",
        "birth_place_code": "75056",
        "email": f"person{index}@example.org" if by_email else "",
        "address_line_1": "" if by_email else f"{index % 200 + 1} rue de la Paix",
        "address_line_2": "",
        "postcode": "" if by_email else "75002",
        "city": "" if by_email else "Paris",
        "country": "",
        "representative_ins": "",
        "representative_relation": "",
    }


def csv_lines(count: int, seed: int = 1, *, start: int = 0) -> Iterator[str]:
    rng = random.Random(seed)
    yield ",".join(HEADER) + "\n"
    for index in range(start, start + count):
        yield ",".join(person(index, rng)[column] for column in HEADER) + "\n"


def ndjson_lines(count: int, seed: int = 1) -> Iterator[str]:
    rng = random.Random(seed)
    for index in range(count):
        yield orjson.dumps(person(index, rng)).decode() + "\n"


def csv_file(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    out.write(",".join(HEADER) + "\n")
    for row in rows:
        out.write(",".join(row.get(column, "") for column in HEADER) + "\n")
    return out.getvalue().encode()
