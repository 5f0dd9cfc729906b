"""The operator's document settings and the metadata a deposit must carry.

Who reads which document is the access policy's (``resolvers.access.policy``)."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime, timedelta

from resolvers.access.matrix import AccessMatrix, load_matrix
from resolvers.core.actors import Actor, ActorKind
from resolvers.core.errors import InvalidInput
from resolvers.core.terminology import CodeList, terminology
from storage.documents import CodedDoc

MIB = 1024 * 1024
MAX_TITLE = 255
MAX_REASON = 500
CLOCK_SKEW = timedelta(minutes=5)
HL7_LEVELS = ("N", "R", "V")


@dataclass(frozen=True, slots=True)
class DocumentConfig:
    """The operator's settings for documents and the access to them (see ``api.settings``)."""

    max_bytes: int = 512 * MIB
    multipart_max_bytes: int = 32 * MIB
    url_ttl: timedelta = timedelta(minutes=5)
    upload_ttl: timedelta = timedelta(hours=1)
    purge_delay: timedelta = timedelta(days=30)
    public_base_url: str = "http://127.0.0.1:8000"
    # profession × document type → may read (ACCESS_MATRIX_PATH)
    matrix: AccessMatrix = dataclass_field(default_factory=load_matrix)
    emergency_duration: timedelta = timedelta(hours=4)


def coded(code_list: CodeList, code: str, field: str) -> CodedDoc:
    concept = terminology(code_list).get(code)
    if concept is None:
        raise InvalidInput(f"{code!r} is not a code of {code_list.value[:-4]}", field=field)
    return {"code": concept.code, "label": concept.label, "system": concept.system}


@dataclass(frozen=True, slots=True)
class Metadata:
    """What a deposit says about the document, checked."""

    type: CodedDoc
    class_code: CodedDoc
    title: str
    created_at: datetime
    service_start: datetime | None
    service_stop: datetime | None
    confidentiality: str
    hidden_from_professionals: bool
    hidden_from_patient: bool
    hidden_from_representatives: bool


@dataclass(frozen=True, slots=True)
class MetadataInput:
    type_code: str
    class_code: str
    title: str
    created_at: datetime
    service_start: datetime | None = None
    service_stop: datetime | None = None
    confidentiality: str = "N"
    hidden_from_professionals: bool = False
    hidden_from_patient: bool = False
    hidden_from_representatives: bool = False


def _when(value: datetime | None, field: str, now: datetime) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise InvalidInput(f"{field} needs a time zone offset", field=field)
    if value.year < 1900 or value > now + CLOCK_SKEW:
        raise InvalidInput(f"{field} is an impossible date (in the future?)", field=field)
    return value


def check_metadata(data: MetadataInput, actor: Actor, now: datetime) -> Metadata:
    title = data.title.strip()
    if not title or len(title) > MAX_TITLE:
        raise InvalidInput(f"title is text of 1 to {MAX_TITLE} characters", field="title")
    if data.confidentiality not in HL7_LEVELS:
        raise InvalidInput("confidentiality is N, R or V", field="confidentiality")
    created = _when(data.created_at, "createdAt", now)
    start = _when(data.service_start, "serviceStart", now)
    stop = _when(data.service_stop, "serviceStop", now)
    if start is not None and stop is not None and stop < start:
        raise InvalidInput("serviceStop is before serviceStart", field="serviceStop")
    professional = actor.kind is ActorKind.PROFESSIONAL
    if data.hidden_from_patient and not professional:
        raise InvalidInput(
            "only a professional holds a document back from the patient",
            field="hiddenFromPatient",
        )
    if data.hidden_from_professionals and professional:
        raise InvalidInput(
            "hiding a document from professionals is the patient's choice",
            field="hiddenFromProfessionals",
        )
    assert created is not None  # noqa: S101 - required by the input type
    return Metadata(
        type=coded(CodeList.DOCUMENT_TYPES, data.type_code, "typeCode"),
        class_code=coded(CodeList.DOCUMENT_CLASSES, data.class_code, "classCode"),
        title=title,
        created_at=created,
        service_start=start,
        service_stop=stop,
        confidentiality=data.confidentiality,
        hidden_from_professionals=data.hidden_from_professionals,
        hidden_from_patient=data.hidden_from_patient,
        hidden_from_representatives=data.hidden_from_representatives,
    )


def check_reason(reason: str) -> str:
    text = reason.strip()
    if not text or len(text) > MAX_REASON:
        raise InvalidInput(f"reason is text of 1 to {MAX_REASON} characters", field="reason")
    return text
