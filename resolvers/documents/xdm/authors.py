"""The author of an XDS document entry, whoever it is: a professional, an establishment, the
health insurer's system, a device, the patient.

ITI TF-3 §4.2.3.1.4: the author classification carries ``authorPerson`` (an HL7 XCN: id, family
name, given name… and the assigning authority's OID in its 9th component), ``authorInstitution``
(XON: name, …, the identifier in its 10th component and the authority in the 6th),
``authorRole`` and ``authorSpecialty``. The French identifiers (ANS, CI-SIS "Annexe – Identifiants
des acteurs"):

- a person under the IdNPS OID ``1.2.250.1.71.4.2.1``: ``8`` + RPPS, ``0`` + ADELI, or an
  identifier internal to a structure (``<structure>/<internal id>``);
- a structure under the IdNST OID ``1.2.250.1.71.4.2.2``: ``1`` + FINESS, ``2`` + SIREN,
  ``3`` + SIRET, ``4`` + RPPS rank;
- the patient under an INS OID.

The kinds: ``professional`` (a named person), ``device`` (an id without a person's name: the CDA
``assignedAuthoringDevice``, such as the insurer's reimbursement feed or a lab automaton),
``organization`` (an institution alone), ``patient``. Nothing here refuses an author: whatever
the metadata says is kept and shown as it was.
"""

from __future__ import annotations

from dataclasses import dataclass

from resolvers.documents.xdm.identifiers import INS_OIDS, OID_IDNPS, OID_IDNST

_PERSON_PREFIXES = {"8": "RPPS", "0": "ADELI"}
_STRUCTURE_PREFIXES = {"1": "FINESS", "2": "SIREN", "3": "SIRET", "4": "RPPS_RANG"}


@dataclass(frozen=True, slots=True)
class XdmIdentifier:
    system: str  # RPPS, ADELI, FINESS, SIREN, SIRET, RPPS_RANG, INTERNAL, INS, or OTHER
    value: str  # without its IdNPS/IdNST prefix
    oid: str  # the assigning authority, as the metadata gives it


@dataclass(frozen=True, slots=True)
class XdmInstitution:
    name: str
    identifier: XdmIdentifier | None


@dataclass(frozen=True, slots=True)
class XdmAuthor:
    kind: str  # professional, device, organization, patient
    name: str  # "FAMILY Given", or the institution's name for a device or an organization
    identifier: XdmIdentifier | None
    institution: XdmInstitution | None
    profession_code: str | None  # the TRE_G15 profession (10: médecin), from authorSpecialty
    specialty: str | None  # authorSpecialty's display name, or its code when it has none
    role: str | None  # authorRole

    @property
    def rpps(self) -> str | None:
        ident = self.identifier
        return ident.value if ident and ident.system == "RPPS" and self.kind != "device" else None


def identify(value: str, oid: str) -> XdmIdentifier | None:
    """What an identifier under ``oid`` is: an RPPS, an ADELI, a FINESS, an INS…"""
    value = value.strip()
    if not value:
        return None
    if oid in INS_OIDS:
        return XdmIdentifier("INS", value, oid)
    prefixes = {OID_IDNPS: _PERSON_PREFIXES, OID_IDNST: _STRUCTURE_PREFIXES}.get(oid)
    if prefixes is None:
        return XdmIdentifier("OTHER", value, oid)
    if "/" in value:  # a person known by a structure's own identifier: <structure>/<internal>
        return XdmIdentifier("INTERNAL", value, oid)
    system = prefixes.get(value[0])
    return XdmIdentifier(system, value[1:], oid) if system else XdmIdentifier("OTHER", value, oid)


def _component(parts: list[str], index: int) -> str:
    return parts[index].strip() if len(parts) > index else ""


def _authority(component: str) -> str:
    """The OID of an HD like ``&1.2.250.1.71.4.2.1&ISO`` (or a bare OID)."""
    pieces = component.split("&")
    return (pieces[1] if len(pieces) > 1 else pieces[0]).strip()


def parse_person(xcn: str) -> tuple[XdmIdentifier | None, str]:
    """The identifier and the "FAMILY Given" name of an XCN (or of a bare name)."""
    parts = xcn.strip().split("^")
    if len(parts) == 1:
        return None, parts[0].strip()
    name = " ".join(p for p in (_component(parts, 1), _component(parts, 2)) if p)
    return identify(_component(parts, 0), _authority(_component(parts, 8))), name


def parse_institution(xon: str) -> XdmInstitution | None:
    """An XON: ``name^^^^^&OID&ISO^IDNST^^^identifier`` (id in the 10th component, or the 3rd)."""
    parts = xon.strip().split("^")
    name = _component(parts, 0)
    value = _component(parts, 9) or _component(parts, 2)
    identifier = identify(value, _authority(_component(parts, 5))) if value else None
    if not name and identifier is None:
        return None
    return XdmInstitution(name, identifier)


def parse_profession(specialty: str) -> str | None:
    """The profession in an authorSpecialty like ``G15_10/SM54^Médecine générale^OID``: 10."""
    code = specialty.split("^", 1)[0].strip()
    if not code.startswith("G15_"):
        return None
    return code.removeprefix("G15_").split("/", 1)[0] or None


def _specialty(value: str) -> str | None:
    parts = value.strip().split("^")
    return (_component(parts, 1) or _component(parts, 0)) or None


def parse_author(slots: dict[str, list[str]]) -> XdmAuthor | None:
    """The author of an author classification's slots; ``None`` when it names nobody."""

    def first(name: str) -> str:
        values = [v for v in slots.get(name, []) if v.strip()]
        return values[0] if values else ""

    identifier, name = parse_person(first("authorPerson")) if first("authorPerson") else (None, "")
    institution = (
        parse_institution(first("authorInstitution")) if first("authorInstitution") else None
    )
    if identifier is None and not name and institution is None:
        return None
    if identifier is not None and identifier.system == "INS":
        kind = "patient"
    elif name:
        kind = "professional"
    elif identifier is not None:
        kind = "device"  # an identifier with no person's name: an authoring device
    else:
        kind = "organization"
    specialty = first("authorSpecialty")
    return XdmAuthor(
        kind=kind,
        name=name
        or (institution.name if institution else "")
        or (identifier.value if identifier else ""),
        identifier=identifier,
        institution=institution,
        profession_code=parse_profession(specialty) if kind == "professional" else None,
        specialty=_specialty(specialty) if specialty else None,
        role=first("authorRole").strip().rstrip("/") or None,
    )
