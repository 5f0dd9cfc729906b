"""The codes of an imported document entry, checked against the ANS lists the DMP applies.

- typeCode: JDV_J66 (types the DMP accepts), under the coding scheme JDV_J07 gives it (LOINC
  ``2.16.840.1.113883.6.1``, TRE_A05 ``1.2.250.1.213.1.1.4.12``);
- classCode: JDV_J06 under TRE_A03 ``1.2.250.1.213.1.1.4.1``, and the pair must be one of the
  ANS type-class association ASS_X04 (a report typed as a prescription is refused);
- formatCode: JDV_J10 (TRE_A11 IHE codes under ``1.3.6.1.4.1.19376.1.2.3``, TRE_A06 ANS codes
  under ``1.2.250.1.213.1.1.4.2.282``), retired codes included: old documents keep theirs;
- confidentialityCode: N, R, V under HL7 ``2.16.840.1.113883.5.25``, and the DMP's MASQUE_PS,
  INVISIBLE_PATIENT, INVISIBLE_REPRESENTANTS_LEGAUX under ``1.2.250.1.213.1.1.4.13`` (JDV_J08).

Each function returns the problems it found (names the document, the field, the value and
what was expected), never raises: the import reports every problem at once.
"""

from __future__ import annotations

import csv
import io
from functools import cache
from importlib.resources import files

from resolvers.core.terminology import CodeList, terminology
from resolvers.documents.xdm.metadata import XdmCode, XdmDocument
from storage.documents import CodedDoc

CLASS_SCHEME = "1.2.250.1.213.1.1.4.1"
HL7_CONFIDENTIALITY = "2.16.840.1.113883.5.25"
DMP_VISIBILITY = "1.2.250.1.213.1.1.4.13"
LEVELS = ("N", "R", "V")
VISIBILITY_CODES = frozenset({"MASQUE_PS", "INVISIBLE_PATIENT", "INVISIBLE_REPRESENTANTS_LEGAUX"})


@cache
def _text(name: str) -> str:
    return files("resolvers").joinpath("data", name).read_text(encoding="utf-8")


@cache
def type_classes() -> dict[str, frozenset[str]]:
    """ASS_X04: each typeCode and the classCodes it goes with."""
    pairs: dict[str, set[str]] = {}
    rows = csv.DictReader(io.StringIO(_text("ASS_X04-CorrespondanceType-Classe-CISIS.csv")))
    for row in rows:
        pairs.setdefault(row["type_code"], set()).add(row["class_code"])
    return {code: frozenset(classes) for code, classes in pairs.items()}


@cache
def format_codes() -> dict[str, tuple[str, str]]:
    """JDV_J10: each formatCode with its label and its coding scheme (OID)."""
    rows = csv.DictReader(io.StringIO(_text("JDV_J10-XdsFormatCode-CISIS.csv")))
    return {row["code"]: (row["label"], row["system"]) for row in rows}


def _scheme_problem(name: str, field: str, code: XdmCode, expected: str) -> list[str]:
    if code.scheme.strip() == expected:
        return []
    given = repr(code.scheme.strip()) if code.scheme.strip() else "no codingScheme"
    return [f"{name}: {field} {code.code!r} comes with {given}, its coding scheme is {expected}"]


def checked_type(doc: XdmDocument, problems: list[str]) -> CodedDoc | None:
    name = f"document {doc.unique_id}"
    concept = terminology(CodeList.DOCUMENT_TYPES).get(doc.type.code)
    if concept is None:
        problems.append(f"{name}: typeCode {doc.type.code!r} is not a type the DMP accepts (J66)")
        return None
    xds = terminology(CodeList.XDS_TYPES).get(doc.type.code)
    if xds is not None:
        problems.extend(_scheme_problem(name, "typeCode", doc.type, xds.system))
    return {"code": concept.code, "label": concept.label, "system": concept.system}


def checked_class(doc: XdmDocument, problems: list[str]) -> CodedDoc | None:
    name = f"document {doc.unique_id}"
    concept = terminology(CodeList.DOCUMENT_CLASSES).get(doc.class_code.code)
    if concept is None:
        problems.append(f"{name}: classCode {doc.class_code.code!r} is not a JDV_J06 code")
        return None
    problems.extend(_scheme_problem(name, "classCode", doc.class_code, CLASS_SCHEME))
    allowed = type_classes().get(doc.type.code)
    if allowed is not None and concept.code not in allowed:
        problems.append(
            f"{name}: classCode {concept.code!r} does not go with typeCode {doc.type.code!r} "
            f"(ANS ASS_X04 gives {', '.join(sorted(allowed))})"
        )
    return {"code": concept.code, "label": concept.label, "system": concept.system}


def check_format_code(doc: XdmDocument, problems: list[str]) -> None:
    if doc.format_code is None:
        return
    name = f"document {doc.unique_id}"
    known = format_codes().get(doc.format_code.code)
    if known is None:
        problems.append(
            f"{name}: formatCode {doc.format_code.code!r} is not a format the DMP accepts (J10)"
        )
        return
    problems.extend(_scheme_problem(name, "formatCode", doc.format_code, known[1]))


def checked_confidentiality(doc: XdmDocument, problems: list[str]) -> str:
    """The HL7 level (the strictest given, N when only visibility codes are); problems for any
    code outside J58 or under the wrong coding scheme."""
    name = f"document {doc.unique_id}"
    levels = []
    for code in doc.confidentiality_codes:
        if code.code in LEVELS:
            levels.append(code.code)
            problems.extend(_scheme_problem(name, "confidentialityCode", code, HL7_CONFIDENTIALITY))
        elif code.code in VISIBILITY_CODES:
            problems.extend(_scheme_problem(name, "confidentialityCode", code, DMP_VISIBILITY))
        else:
            problems.append(f"{name}: confidentialityCode {code.code!r} is not a JDV_J58 code")
    return max(levels or ["N"], key=LEVELS.index)
