"""A patient's own export (L1111-19: the holder's copy of their record): every document they may
see, as an IHE XDM archive — the DMP's own portable format — streamed as a ZIP.

The holder or a legal representative asks (``requestSpaceExport``); the answer is a link on this
service, valid ``DOCUMENT_URL_TTL_SECONDS``, for that patient and that actor only: with the bearer
token of the same actor and client, or with the key in the link (only its hash is kept). At the
download the access is decided again, so a representative who lost the right gets nothing, and
the documents are those the actor sees then (the access policy's own filter: nothing held back
from the patient, nothing hidden from representatives for a representative). Professionals and
apps never export. Both steps are traced in the access history with their outcome.

Layout (IHE ITI-32): README.TXT and INDEX.HTM at the root, ``IHE_XDM/SUBSET01/`` with the
documents (``DOC00001.PDF``…) and METADATA.XML, written last since it carries each file's SHA-1,
computed on the way. Bytes come from the object store a chunk at a time and leave as soon as
they are compressed: memory stays flat whatever the documents' sizes. A file whose bytes do not
match their record (size, SHA-256) stops the archive: a truncated ZIP has no central directory,
so nobody mistakes it for a complete export.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from resolvers.access.guard import open_patient
from resolvers.access.policy import Relation, document_filter
from resolvers.core.actors import Actor, ActorKind
from resolvers.core.audit import trace
from resolvers.core.clock import Clock
from resolvers.core.errors import Forbidden, NotFound, Unauthenticated
from resolvers.documents._formats import CDA
from resolvers.documents._zip_stream import ZipStream
from resolvers.documents.reads import DOWNLOAD_CHUNK
from resolvers.documents.rules import DocumentConfig
from resolvers.documents.xdm.export_cda import HEAD, cda_unique_id
from resolvers.documents.xdm.export_metadata import (
    EntryFile,
    PersonName,
    Submission,
    document_unique_id,
    metadata_xml,
    own_unique_id,
    uid_oid,
)
from resolvers.documents.xdm.export_pages import SUBSET, Listed, index_htm, readme
from storage.documents import DocumentDoc
from storage.exports import ExportDoc
from storage.ids import new_id
from storage.patients import PatientDoc
from storage.stores import Stores

PATH = "/exports/"
ARCHIVE = "archive.zip"
SCOPE = "documents:read"
HOLDER_SIDE = (Relation.HOLDER, Relation.REPRESENTATIVE)
HIDDEN = "No export with this id is available to you."
EXTENSIONS = {
    "application/pdf": "PDF",
    "text/xml": "XML",
    "image/jpeg": "JPG",
    "image/png": "PNG",
    "text/plain": "TXT",
}


class ExportBroken(Exception):
    """A document's bytes no longer match its record: the archive is abandoned midway."""


@dataclass(frozen=True, slots=True)
class ExportLink:
    export_id: str
    url: str  # works without a token until ``expires_at``
    api_url: str  # with the requester's bearer token
    expires_at: datetime
    document_count: int


@dataclass(frozen=True, slots=True)
class OpenedExport:
    filename: str
    chunks: AsyncIterator[bytes]


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def _holder_side(  # noqa: PLR0917 - the access's facts
    stores: Stores,
    clock: Clock,
    config: DocumentConfig,
    actor: Actor,
    patient_id: str,
    action: str,
    export_id: str,
) -> tuple[PatientDoc, dict[str, Any]]:
    """The patient and the query of the documents ``actor`` exports; traced, or refused."""
    target = ("space_export", export_id)
    patient, standing = await open_patient(
        stores, clock, actor, patient_id, action, target=target, trace_allowed=False
    )
    allowed = standing.relation in HOLDER_SIDE
    await trace(
        stores, clock, actor, patient_id=patient_id, action=action, target=target,
        outcome="allowed" if allowed else "denied", emergency=standing.emergency,
    )  # fmt: skip
    if not allowed:
        raise Forbidden("Only the patient or their legal representative exports the space.")
    visible = document_filter(standing, actor, config.matrix)  # the access policy's own rule
    return patient, {"patient_id": patient_id, "status": "available", **visible}


async def request_export(
    stores: Stores, clock: Clock, config: DocumentConfig, actor: Actor, patient_id: str
) -> ExportLink:
    """A short-lived link to the archive of what ``actor`` sees of the patient's documents."""
    export_id = new_id()
    _, query = await _holder_side(
        stores, clock, config, actor, patient_id, "space.export_requested", export_id
    )
    key, now = secrets.token_urlsafe(32), clock.now()
    doc: ExportDoc = {
        "_id": export_id,
        "patient_id": patient_id,
        "actor": {"kind": actor.kind.value, "id": actor.id, "client_id": actor.client_id},
        "key_hash": _hash(key),
        "created_at": now,
        "expires_at": now + config.url_ttl,
    }
    await stores.space_exports.insert(doc)
    api_url = f"{config.public_base_url}{PATH}{export_id}/{ARCHIVE}"
    return ExportLink(
        export_id=export_id,
        url=f"{api_url}?key={key}",
        api_url=api_url,
        expires_at=doc["expires_at"],
        document_count=await stores.documents.count(query),
    )


async def open_export(
    stores: Stores,
    clock: Clock,
    config: DocumentConfig,
    export_id: str,
    *,
    actor: Actor | None,
    key: str | None,
) -> OpenedExport:
    """The archive, for the actor of the token or the holder of the link's key; every refusal
    is ``NotFound`` (traced when the caller is known)."""
    if actor is None and key is None:
        raise Unauthenticated("This route needs an access token or the link's key.")
    export = await stores.space_exports.get(export_id)
    if export is None:
        raise NotFound(HIDDEN)
    requester = Actor(
        kind=ActorKind(export["actor"]["kind"]),
        id=export["actor"]["id"],
        client_id=export["actor"]["client_id"],
        scopes=frozenset({SCOPE}),
    )
    if key is not None and not hmac.compare_digest(_hash(key), export["key_hash"]):
        raise NotFound(HIDDEN)  # a guessed link: nobody to trace
    who = requester if key is not None or actor is None else actor
    same = (who.kind, who.id, who.client_id) == (requester.kind, requester.id, requester.client_id)
    if not same or clock.now() >= export["expires_at"]:
        await trace(
            stores, clock, who, patient_id=export["patient_id"],
            action="space.export_downloaded", target=("space_export", export_id),
            outcome="denied",
        )  # fmt: skip
        raise NotFound(HIDDEN)
    patient, query = await _holder_side(
        stores, clock, config, who, export["patient_id"], "space.export_downloaded", export_id
    )
    records = await stores.documents.list_where(query, oldest_first_by="created_at")
    day = clock.now().strftime("%Y%m%d")
    return OpenedExport(
        filename=f"mon-espace-sante-{day}.zip",
        chunks=_archive(stores, clock, who, patient, records),
    )


async def _author_names(stores: Stores, records: list[DocumentDoc]) -> dict[str, PersonName]:
    """Family and given names of the professionals among the authors (one read each)."""
    ids = sorted({r["author"]["id"] for r in records if r["author"]["kind"] == "professional"})
    found = await stores.professionals.get_many(ids)
    return {p["_id"]: PersonName(p["last_name"], p["first_name"]) for p in found if p is not None}


def _person(patient: PatientDoc) -> PersonName:
    identity = patient["identity"]
    return PersonName(identity["birth_names"], " ".join(identity["first_names"]))


async def _archive(
    stores: Stores, clock: Clock, who: Actor, patient: PatientDoc, records: list[DocumentDoc]
) -> AsyncIterator[bytes]:
    now = clock.now()
    exporter = await stores.patients.get(who.id)
    by = _person(exporter) if exporter is not None else PersonName(who.id)
    names = await _author_names(stores, records)
    paths = [f"DOC{n:05d}.{EXTENSIONS.get(r['format'], 'BIN')}" for n, r in enumerate(records, 1)]
    listed = [
        Listed(r, f"{SUBSET}/{path}", _display(names.get(r["author"]["id"]), r))
        for r, path in zip(records, paths, strict=True)
    ]
    person = _person(patient)
    full_name = f"{person.given} {person.family}"
    zip_ = ZipStream()
    text = readme(full_name, f"{by.given} {by.family}".strip(), now, len(records))
    yield await zip_.small("README.TXT", text, "text/plain")
    yield await zip_.small("INDEX.HTM", index_htm(full_name, now, listed), "text/html")
    files: list[EntryFile] = []
    for record, path in zip(records, paths, strict=True):
        sha1 = hashlib.sha1(usedforsecurity=False)  # XDS declares SHA-1: integrity, not secrecy
        sha256 = hashlib.sha256()
        head = bytearray()  # a CDA's header, for its id
        chunks = await stores.objects.open(record["object_key"], chunk_size=DOWNLOAD_CHUNK)
        async for out in zip_.member(
            f"{SUBSET}/{path}",
            _keep_head(chunks, head, HEAD if record["format"] == CDA else 0),
            size=record["size"],
            media_type=record["format"],
            hashes=(sha1, sha256),
        ):
            if out:
                yield out
        if sha256.hexdigest() != record["sha256"]:
            raise ExportBroken(f"document {record['_id']}: its bytes changed")
        unique_id = _unique_id(record, bytes(head), {file.unique_id for file in files})
        files.append(EntryFile(record, path, sha1.hexdigest(), record["size"], unique_id))
    submission = Submission(
        patient=patient,
        exported_by=by,
        submitted_at=now,
        unique_id=uid_oid(f"export:{uuid.uuid4()}"),
        entry_uuid=f"urn:uuid:{uuid.uuid4()}",
    )
    async for out in zip_.member(
        f"{SUBSET}/METADATA.XML", _aiter(metadata_xml(submission, files, names)),
        size=0, media_type="text/xml",
    ):  # fmt: skip
        if out:
            yield out
    yield zip_.close()


async def _keep_head(
    chunks: AsyncIterator[bytes], head: bytearray, size: int
) -> AsyncIterator[bytes]:
    """``chunks`` as they are, their first ``size`` bytes copied into ``head`` on the way."""
    async for chunk in chunks:
        if len(head) < size:
            head.extend(chunk[: size - len(head)])
        yield chunk


def _unique_id(record: DocumentDoc, head: bytes, used: set[str]) -> str:
    """The document's XDS uniqueId; one a document before it took (the same CDA deposited
    twice) gives way to the record's own, as an archive names each document once."""
    chosen = document_unique_id(record, cda_unique_id(head) if head else None)
    return own_unique_id(record) if chosen in used else chosen


async def _aiter(parts: Iterable[bytes]) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


def _display(name: PersonName | None, record: DocumentDoc) -> str:
    return f"{name.given} {name.family}" if name is not None else record["author"]["name"]
