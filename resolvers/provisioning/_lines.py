"""Reading one line of a beneficiary file (CSV or NDJSON) into a checked beneficiary.

Columns (CSV header, or NDJSON keys): ``ins``, ``birth_names``, ``first_names`` (space
separated, or a JSON list), ``sex`` (M, F or U), ``birth_date`` (YYYY-MM-DD),
``birth_place_code`` (INSEE), ``email``, ``address_line_1``, ``address_line_2``, ``postcode``,
``city``, ``country`` (default FR), ``representative_ins`` (the parent or guardian, if any),
``representative_relation`` (parent, the default, or guardian). A person is reached by email, or
else by post: one of the two is required.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson

from resolvers.core.errors import InvalidInput
from resolvers.core.identity import matricule_authority, normalize_matricule
from storage.patients import IdentityDoc, PostalAddressDoc, Sex

REQUIRED = ("ins", "birth_names", "first_names", "sex", "birth_date", "birth_place_code")
KNOWN = (
    *REQUIRED,
    "email",
    "address_line_1",
    "address_line_2",
    "postcode",
    "city",
    "country",
    "representative_ins",
    "representative_relation",
)
MAX_FIELD = 200
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{2,63}$")
_PLACE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$", re.ASCII)


class LineRejected(Exception):
    """A line that cannot become a space; ``reason`` says why, for the insurer's report."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Beneficiary:
    matricule: str
    oid: str
    identity: IdentityDoc
    email: str | None
    address: PostalAddressDoc | None
    representative_ins: str | None
    relation: str


def check_header(columns: list[str]) -> list[str]:
    names = [column.strip().lower() for column in columns]
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        raise InvalidInput(f"the header lacks the column(s): {', '.join(missing)}", field="file")
    return names


def parse_csv(columns: list[str], raw: str) -> Beneficiary:
    values = next(csv.reader([raw]), [])
    if len(values) != len(columns):
        raise LineRejected(f"{len(values)} fields where the header has {len(columns)}")
    return beneficiary(dict(zip(columns, values, strict=True)))


def parse_ndjson(raw: str) -> Beneficiary:
    try:
        record = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise LineRejected("not a JSON object") from None
    if not isinstance(record, dict):
        raise LineRejected("not a JSON object")
    if isinstance(record.get("first_names"), list):
        record["first_names"] = " ".join(str(name) for name in record["first_names"])
    return beneficiary({key: "" if value is None else str(value) for key, value in record.items()})


def _text(record: dict[str, Any], name: str) -> str:
    value = str(record.get(name, "")).strip()
    if len(value) > MAX_FIELD:
        raise LineRejected(f"{name} is longer than {MAX_FIELD} characters")
    return value


def beneficiary(record: dict[str, Any]) -> Beneficiary:
    for name in REQUIRED:
        if not _text(record, name):
            raise LineRejected(f"{name} is missing")
    try:
        matricule = normalize_matricule(_text(record, "ins"), field="ins")
    except InvalidInput as error:
        raise LineRejected(f"ins: {error.message}") from None
    sex = _text(record, "sex").upper()
    if sex not in ("M", "F", "U"):
        raise LineRejected("sex must be M, F or U")
    try:
        born = date.fromisoformat(_text(record, "birth_date"))
    except ValueError:
        raise LineRejected("birth_date is not a date (YYYY-MM-DD)") from None
    if born > date.today() or born.year < 1890:
        raise LineRejected("birth_date is impossible")
    _check_ins_against_traits(matricule, sex, born)
    place = _text(record, "birth_place_code").upper()
    if not _PLACE.match(place):
        raise LineRejected("birth_place_code is not an INSEE code")
    email = _text(record, "email") or None
    if email is not None and not _EMAIL.match(email):
        raise LineRejected("email is not an email address")
    address = _address(record)
    if email is None and address is None:
        raise LineRejected("neither an email nor a full postal address to notify the person")
    representative = _text(record, "representative_ins") or None
    if representative is not None:
        try:
            representative = normalize_matricule(representative, field="representative_ins")
        except InvalidInput as error:
            raise LineRejected(f"representative_ins: {error.message}") from None
    relation = _text(record, "representative_relation").lower() or "parent"
    if relation not in ("parent", "guardian"):
        raise LineRejected("representative_relation must be parent or guardian")
    identity: IdentityDoc = {
        "birth_names": _text(record, "birth_names").upper(),
        "first_names": _text(record, "first_names").split(),
        "sex": sex,  # type: ignore[typeddict-item]  # checked above
        "birth_date": born.isoformat(),
        "birth_place_code": place,
    }
    return Beneficiary(
        matricule,
        matricule_authority(matricule),
        identity,
        email,
        address,
        representative,
        relation,
    )


def _check_ins_against_traits(matricule: str, sex: Sex | str, born: date) -> None:
    """A NIR carries the sex (1 or 2) and the year and month of birth: they must agree."""
    if matricule[0] in "12" and sex != "U" and {"1": "M", "2": "F"}[matricule[0]] != sex:
        raise LineRejected("sex does not match the INS")
    if matricule[1:3] != f"{born.year % 100:02d}":
        raise LineRejected("birth_date does not match the INS")
    month = int(matricule[3:5])
    if 1 <= month <= 12 and month != born.month:
        raise LineRejected("birth_date does not match the INS")


def _address(record: dict[str, Any]) -> PostalAddressDoc | None:
    line1, postcode, city = (_text(record, name) for name in ("address_line_1", "postcode", "city"))
    if not (line1 and postcode and city):
        return None
    country = _text(record, "country").upper() or "FR"
    if country == "FR" and not re.fullmatch(r"\d{5}", postcode, re.ASCII):
        raise LineRejected("postcode is not a French postcode")
    lines = [line1] + ([_text(record, "address_line_2")] if _text(record, "address_line_2") else [])
    return {"lines": lines, "postcode": postcode, "city": city, "country": country}
