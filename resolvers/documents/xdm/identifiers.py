"""The XDS identifiers an IHE XDM archive's METADATA.XML is read and written with: ONE table.

Every classification scheme, external identifier scheme, object type and slot name that the
import reads (and the export writes) is a row here, with where it comes from:

- ``ITI TF-3 §4.2.5`` — IHE IT Infrastructure Technical Framework vol. 3, "Metadata Attributes":
  Table 4.2.5-1 (DocumentEntry UUIDs) and 4.2.5-2 (SubmissionSet UUIDs); §4.2.3.2 (DocumentEntry
  attributes, slot names), §4.2.3.3 (SubmissionSet). XDM (ITI TF-1 §16, ITI TF-2 §3.32.4.1.4)
  carries exactly this ebRIM metadata in ``IHE_XDM/SUBSET01/METADATA.XML``.
- ``ANS CDAHeaderToXDM.xsl`` — the agency's stylesheet mapping a CDA header to this metadata
  (ansforge/TestContenuCDA-3-0, FeuilleDeStyle/): the ``cda`` column names the CDA element it
  fills each row from. Where the stylesheet leaves a row empty or names another UUID, ``xsl``
  says what it does instead (a known deviation of the stylesheet, not of the standard):
  ``tests/resolvers/documents/test_xdm_stylesheet.py`` compares this table with its output.

The constants below are the table's values under short names, for the code that reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["objectType", "classification", "externalIdentifier", "slot", "attribute"]


@dataclass(frozen=True, slots=True)
class XdsField:
    name: str  # the XDS attribute, as ITI TF-3 §4.2.3 names it
    kind: Kind
    identifier: str  # the scheme UUID, the slot name, or the XML attribute
    cda: str | None  # the CDA header element it comes from (ANS mapping), None when none
    source: str
    xsl: str = "same"  # what the ANS stylesheet writes, when it is not this row's identifier


_TF3 = "ITI TF-3 §4.2.5 Table 4.2.5-1"
_TF3_SS = "ITI TF-3 §4.2.5 Table 4.2.5-2"
_TF3_ATTR = "ITI TF-3 §4.2.3.2"

DOCUMENT_ENTRY_FIELDS: tuple[XdsField, ...] = (
    XdsField(
        "objectType (stable DocumentEntry)",
        "objectType",
        "urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1",
        None,
        f"{_TF3}; ITI TF-3 §4.2.5.2",
    ),
    XdsField(
        "author",
        "classification",
        "urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d",
        "author/assignedAuthor",
        _TF3,
        "same, but as a non-ebRIM lower-case <classification>",
    ),
    XdsField(
        "classCode",
        "classification",
        "urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a",
        None,
        _TF3,
        "absent (deduced from typeCode by the ANS type-class association)",
    ),
    XdsField(
        "confidentialityCode",
        "classification",
        "urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f",
        "confidentialityCode",
        _TF3,
    ),
    XdsField(
        "eventCodeList",
        "classification",
        "urn:uuid:2c6b8cb7-8b2a-4051-b291-b1ae6a575ef4",
        "documentationOf/serviceEvent/code",
        _TF3,
    ),
    XdsField(
        "formatCode",
        "classification",
        "urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d",
        "templateId",
        _TF3,
        'classificationScheme="" (the value is deduced from the templateId)',
    ),
    XdsField(
        "healthcareFacilityTypeCode",
        "classification",
        "urn:uuid:f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1",
        "componentOf/encompassingEncounter/location/healthCareFacility/code",
        _TF3,
    ),
    XdsField(
        "practiceSettingCode",
        "classification",
        "urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead",
        "documentationOf/serviceEvent/performer/assignedEntity/representedOrganization/"
        "standardIndustryClassCode",
        _TF3,
    ),
    XdsField(
        "typeCode",
        "classification",
        "urn:uuid:f0306f51-975f-434e-a61c-c59651d33983",
        "code",
        _TF3,
    ),
    XdsField(
        "patientId",
        "externalIdentifier",
        "urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427",
        "recordTarget/patientRole/id",
        _TF3,
        "urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab (the uniqueId scheme: a stylesheet bug)",
    ),
    XdsField(
        "uniqueId",
        "externalIdentifier",
        "urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab",
        "id",
        _TF3,
        'identificationScheme="urn:uuid:" (left empty)',
    ),
    XdsField("mimeType", "attribute", "mimeType", None, _TF3_ATTR, "text/xml"),
    XdsField("entryUUID", "attribute", "id", None, _TF3_ATTR),
    XdsField("title", "attribute", "Name", "title", _TF3_ATTR),
    XdsField("creationTime", "slot", "creationTime", "effectiveTime", _TF3_ATTR),
    XdsField("hash", "slot", "hash", None, _TF3_ATTR, "a fixed example value"),
    XdsField("size", "slot", "size", None, _TF3_ATTR, "a fixed example value"),
    XdsField("URI", "slot", "URI", None, "ITI TF-2 §3.32.4.1.4 (XDM)", "the CDA's file name"),
    XdsField(
        "serviceStartTime",
        "slot",
        "serviceStartTime",
        "documentationOf/serviceEvent/effectiveTime/low",
        _TF3_ATTR,
    ),
    XdsField(
        "serviceStopTime",
        "slot",
        "serviceStopTime",
        "documentationOf/serviceEvent/effectiveTime/high",
        _TF3_ATTR,
    ),
    XdsField(
        "sourcePatientId", "slot", "sourcePatientId", "recordTarget/patientRole/id", _TF3_ATTR
    ),
    XdsField("languageCode", "slot", "languageCode", "languageCode", _TF3_ATTR),
    XdsField(
        "legalAuthenticator",
        "slot",
        "legalAuthenticator",
        "legalAuthenticator/assignedEntity",
        _TF3_ATTR,
    ),
    # the author's sub-attributes: slots of the author classification (ITI TF-3 §4.2.3.1.4)
    XdsField(
        "authorPerson",
        "slot",
        "authorPerson",
        "author/assignedAuthor/id + assignedPerson/name",
        "ITI TF-3 §4.2.3.1.4",
    ),
    XdsField(
        "authorInstitution",
        "slot",
        "authorInstitution",
        "author/assignedAuthor/representedOrganization (name, id)",
        "ITI TF-3 §4.2.3.1.4",
    ),
    XdsField(
        "authorSpecialty",
        "slot",
        "authorSpecialty",
        "author/assignedAuthor/code",
        "ITI TF-3 §4.2.3.1.4",
    ),
    XdsField(
        "authorRole",
        "slot",
        "authorRole",
        "author/functionCode",
        "ITI TF-3 §4.2.3.1.4",
        "never written: it reads author/functionCde (a typo)",
    ),
    XdsField("codingScheme", "slot", "codingScheme", "@codeSystem", "ITI TF-3 §4.2.3.1.7"),
)

SUBMISSION_SET_FIELDS: tuple[XdsField, ...] = (
    XdsField(
        "SubmissionSet (classification node)",
        "classification",
        "urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd",
        None,
        _TF3_SS,
        "absent",
    ),
    XdsField(
        "author",
        "classification",
        "urn:uuid:a7058bb9-b4e4-4307-ba5b-e3f0ab85e12d",
        "author/assignedAuthor",
        _TF3_SS,
        "urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d (the DocumentEntry author's)",
    ),
    XdsField(
        "contentTypeCode",
        "classification",
        "urn:uuid:aa543740-bdda-424e-8c96-df4873be8500",
        None,
        _TF3_SS,
        "absent",
    ),
    XdsField(
        "patientId",
        "externalIdentifier",
        "urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446",
        "recordTarget/patientRole/id",
        _TF3_SS,
        "urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab (a stylesheet bug)",
    ),
    XdsField(
        "sourceId",
        "externalIdentifier",
        "urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832",
        None,
        _TF3_SS,
    ),
    XdsField(
        "uniqueId",
        "externalIdentifier",
        "urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8",
        None,
        _TF3_SS,
        'identificationScheme="urn:uuid:" (left empty)',
    ),
    XdsField("submissionTime", "slot", "submissionTime", None, "ITI TF-3 §4.2.3.3"),
)


def _id(fields: tuple[XdsField, ...], name: str, kind: Kind) -> str:
    return next(f.identifier for f in fields if f.name.startswith(name) and f.kind == kind)


STABLE_DOCUMENT = _id(DOCUMENT_ENTRY_FIELDS, "objectType", "objectType")
AUTHOR = _id(DOCUMENT_ENTRY_FIELDS, "author", "classification")
CLASS_CODE = _id(DOCUMENT_ENTRY_FIELDS, "classCode", "classification")
CONFIDENTIALITY_CODE = _id(DOCUMENT_ENTRY_FIELDS, "confidentialityCode", "classification")
EVENT_CODE = _id(DOCUMENT_ENTRY_FIELDS, "eventCodeList", "classification")
FORMAT_CODE = _id(DOCUMENT_ENTRY_FIELDS, "formatCode", "classification")
HEALTHCARE_FACILITY_CODE = _id(DOCUMENT_ENTRY_FIELDS, "healthcareFacility", "classification")
PRACTICE_SETTING_CODE = _id(DOCUMENT_ENTRY_FIELDS, "practiceSettingCode", "classification")
TYPE_CODE = _id(DOCUMENT_ENTRY_FIELDS, "typeCode", "classification")
PATIENT_ID = _id(DOCUMENT_ENTRY_FIELDS, "patientId", "externalIdentifier")
UNIQUE_ID = _id(DOCUMENT_ENTRY_FIELDS, "uniqueId", "externalIdentifier")
SUBMISSION_SET = _id(SUBMISSION_SET_FIELDS, "SubmissionSet", "classification")
SUBMISSION_AUTHOR = _id(SUBMISSION_SET_FIELDS, "author", "classification")
SUBMISSION_CONTENT_TYPE = _id(SUBMISSION_SET_FIELDS, "contentTypeCode", "classification")
SUBMISSION_PATIENT_ID = _id(SUBMISSION_SET_FIELDS, "patientId", "externalIdentifier")
SUBMISSION_SOURCE_ID = _id(SUBMISSION_SET_FIELDS, "sourceId", "externalIdentifier")
SUBMISSION_UNIQUE_ID = _id(SUBMISSION_SET_FIELDS, "uniqueId", "externalIdentifier")

# ebRIM 3.0 (OASIS regrep-rim-3.0) namespaces and the XDM layout (ITI TF-1 §16.1.3)
RIM = "urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0"
LCM = "urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0"
SUBSET_FOLDER = "IHE_XDM/SUBSET01/"
HAS_MEMBER = "urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember"

# Identifier OIDs, ANS "Volet Gestion des identifiants" / CI-SIS (the assigning authorities)
OID_IDNPS = "1.2.250.1.71.4.2.1"  # national identifier of persons (prefix 8: RPPS, 0: ADELI…)
OID_IDNST = "1.2.250.1.71.4.2.2"  # national identifier of structures (1: FINESS EJ, 3: SIRET…)
OID_INS_NIR = "1.2.250.1.213.1.4.8"  # INS: the NIR of the insured person
OID_INS_NIA = "1.2.250.1.213.1.4.9"  # INS: the NIA (provisional number)
OID_INS_TEST = "1.2.250.1.213.1.4.10"  # INS of test identities (NIR test), ANS
OID_INS_DEMO = "1.2.250.1.213.1.4.11"  # INS of demonstration identities (NIA test), ANS
INS_OIDS = frozenset({OID_INS_NIR, OID_INS_NIA, OID_INS_TEST, OID_INS_DEMO})
