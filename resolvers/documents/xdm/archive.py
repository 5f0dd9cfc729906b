"""Legacy DMP export archives (IHE XDM): opened, checked, and their documents streamed.

An XDM archive is a ZIP holding ``IHE_XDM/SUBSET01/METADATA.XML`` (the ebRIM metadata, read by
``resolvers.documents.xdm.metadata``) and the documents it lists, each named by its ``URI`` slot
relative to the SUBSET01 folder. ``read_archive`` checks everything that can be checked without
reading the documents (the metadata, the members' presence and uncompressed sizes) and reports
every problem at once, so the operator fixes an archive in one go; ``verify_contents`` then streams
each document once against its declared size and SHA-1.

Archives come from outside: nothing here trusts a compression ratio or reads a member whole.
A member's declared size is compared with the metadata before any byte is inflated, and
``chunks`` stops at that size, so a zip bomb costs at most what the metadata announced. Only
stored and deflated members are read (what XDM prescribes); encrypted ones are refused.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, BinaryIO, Self

from resolvers.documents.xdm.authors import XdmAuthor
from resolvers.documents.xdm.identifiers import SUBSET_FOLDER
from resolvers.documents.xdm.metadata import (
    MalformedArchive,
    XdmCode,
    XdmDocument,
    parse_metadata,
)

METADATA_PATH = f"{SUBSET_FOLDER}METADATA.XML"

__all__ = [
    "MAX_MEMBERS",
    "MAX_MEMBER_BYTES",
    "MAX_METADATA_BYTES",
    "METADATA_PATH",
    "MalformedArchive",
    "XdmArchive",
    "XdmAuthor",
    "XdmCode",
    "XdmDocument",
    "read_archive",
    "verify_contents",
]

MAX_MEMBERS = 1000
MAX_METADATA_BYTES = 10 * 1024 * 1024
MAX_MEMBER_BYTES = 512 * 1024 * 1024  # the deposit's own limit (DOCUMENT_MAX_BYTES)
# what XDM puts beside the documents (ITI TF-1 §16.1.3): read by a person, never imported
_COMPANIONS = frozenset({"INDEX.HTM", "README.TXT", METADATA_PATH})
_READABLE_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
# What zipfile raises on a corrupt member: bad CRC or header, broken deflate stream, truncation.
_CORRUPT = (zipfile.BadZipFile, zlib.error, EOFError)
# absolute, a drive, a backslash, or a "." or ".." segment: a name that could escape a folder
_UNSAFE_NAME = re.compile(r"^/|^[A-Za-z]:|\\|(?:^|/)\.{1,2}(?:/|$)")


class XdmArchive:
    """A checked archive over an open ZIP: its documents, whose contents stream on demand."""

    def __init__(
        self, zip_file: zipfile.ZipFile, documents: list[XdmDocument], problems: list[str]
    ) -> None:
        self._zip = zip_file
        self.documents = documents
        self.problems = problems  # what is wrong with it (empty when read strictly)

    def open(self, document: XdmDocument) -> IO[bytes]:
        """The member as a file, for a parser that stops early (the CDA header)."""
        return self._zip.open(document.member)

    def chunks(self, document: XdmDocument, chunk_size: int = 256 * 1024) -> Iterator[bytes]:
        """The document's bytes, ``chunk_size`` at most at a time, never more than declared.

        Raises ``MalformedArchive`` when the member is corrupt (bad CRC, broken stream) or yields
        more or fewer bytes than its ZIP entry declares.
        """
        if chunk_size <= 0:
            raise ValueError("chunk_size must be positive")
        info = self._zip.getinfo(document.member)
        where = f"document {document.unique_id}: {document.member}"
        total = 0
        try:
            with self._zip.open(info) as member:
                while chunk := member.read(chunk_size):
                    total += len(chunk)
                    if total > info.file_size:
                        raise MalformedArchive(
                            [f"{where} yields more than the {info.file_size} bytes it declares"]
                        )
                    yield chunk
        except _CORRUPT as error:
            raise MalformedArchive([f"{where} cannot be read: {error}"]) from error
        if total != info.file_size:
            raise MalformedArchive([f"{where} ends after {total} of its {info.file_size} bytes"])

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def read_archive(
    file: BinaryIO | str | Path, *, strict: bool = True, max_member_bytes: int = MAX_MEMBER_BYTES
) -> XdmArchive:
    """Open and validate: raises MalformedArchive listing EVERY problem found (not just the first).

    ``strict=False`` returns the archive with its problems in ``problems`` instead, and the
    documents that could be read, so that the import names the content's problems too.
    A file object stays the caller's to close; the archive only closes what it opened.
    """
    try:
        zip_file = zipfile.ZipFile(file)
    except zipfile.BadZipFile as error:
        raise MalformedArchive([f"the file is not a ZIP archive ({error})"]) from None
    try:
        documents, problems = _checked_documents(zip_file, max_member_bytes)
        if problems and strict:
            raise MalformedArchive(problems)
    except BaseException:
        zip_file.close()
        raise
    return XdmArchive(zip_file, documents, problems)


def verify_contents(archive: XdmArchive) -> None:
    """Stream every member once, checking its size and SHA-1 against the metadata; raises
    MalformedArchive listing every mismatch."""
    problems: list[str] = []
    for document in archive.documents:
        digest = hashlib.sha1(usedforsecurity=False)  # XDS declares SHA-1: integrity, not secrecy
        size = 0
        try:
            for chunk in archive.chunks(document):
                digest.update(chunk)
                size += len(chunk)
        except MalformedArchive as error:
            problems.extend(error.problems)
            continue
        where = f"document {document.unique_id}"
        if size != document.size:
            problems.append(f"{where}: size declares {document.size} bytes, {size} were read")
        if digest.hexdigest() != document.sha1:
            problems.append(
                f"{where}: hash declares {document.sha1}, "
                f"the content of {document.member} has SHA-1 {digest.hexdigest()}"
            )
    if problems:
        raise MalformedArchive(problems)


def _checked_documents(
    zip_file: zipfile.ZipFile, max_member_bytes: int
) -> tuple[list[XdmDocument], list[str]]:
    problems: list[str] = []
    infos = zip_file.infolist()
    if len(infos) > MAX_MEMBERS:
        problems.append(f"the ZIP holds {len(infos)} members, more than {MAX_MEMBERS}")
    names = Counter(info.filename for info in infos)
    problems.extend(f"the ZIP holds {name} {n} times" for name, n in names.items() if n > 1)
    documents, metadata_problems = _metadata(zip_file)
    problems.extend(metadata_problems)
    problems.extend(_duplicates(documents))
    # members nobody references are told only when every entry could be read (else they are
    # most likely the broken entries' own files, and the entries' problems say it already)
    referenced = None if metadata_problems else {document.member for document in documents}
    problems.extend(_stray_members(infos, referenced, max_member_bytes))
    readable = []
    for document in documents:
        member_problems = _member_problems(zip_file, document)
        problems.extend(member_problems)
        if not member_problems:
            readable.append(document)
    return readable, problems


def _stray_members(
    infos: list[zipfile.ZipInfo], referenced: set[str] | None, max_member_bytes: int
) -> list[str]:
    """Members nobody references, unsafe names, oversized members: each one named."""
    problems = []
    for info in infos:
        name = info.filename
        if _UNSAFE_NAME.search(name):
            problems.append(f"the ZIP member {name!r} is not a plain relative path")
        elif info.is_dir():
            continue
        elif referenced is not None and name not in referenced | _COMPANIONS:
            problems.append(f"the ZIP member {name} is referenced by no document entry")
        if info.file_size > max_member_bytes and name != METADATA_PATH:
            problems.append(
                f"the ZIP member {name} holds {info.file_size} bytes, "
                f"more than the {max_member_bytes} allowed"
            )
    return problems


def _duplicates(documents: list[XdmDocument]) -> list[str]:
    problems: list[str] = []
    by_unique_id: defaultdict[str, list[str]] = defaultdict(list)
    by_member: defaultdict[str, list[str]] = defaultdict(list)
    for document in documents:
        by_unique_id[document.unique_id].append(document.member)
        by_member[document.member].append(document.unique_id)
    for unique_id, members in by_unique_id.items():
        if len(members) > 1:
            problems.append(
                f"document {unique_id}: uniqueId is used by {len(members)} documents "
                f"({', '.join(members)})"
            )
    for member, unique_ids in by_member.items():
        if len(set(unique_ids)) > 1:
            problems.append(f"documents {', '.join(unique_ids)}: URI {member} is shared")
    return problems


def _metadata(zip_file: zipfile.ZipFile) -> tuple[list[XdmDocument], list[str]]:
    try:
        info = zip_file.getinfo(METADATA_PATH)
    except KeyError:
        return [], [f"{METADATA_PATH} is missing"]
    too_large = f"{METADATA_PATH} is larger than {MAX_METADATA_BYTES} bytes"
    if info.file_size > MAX_METADATA_BYTES:
        return [], [too_large]
    if unreadable := _unreadable(info):
        return [], [f"{METADATA_PATH} {unreadable}"]
    try:
        with zip_file.open(info) as member:
            data = member.read(MAX_METADATA_BYTES + 1)
    except _CORRUPT as error:
        return [], [f"{METADATA_PATH} cannot be read: {error}"]
    if len(data) > MAX_METADATA_BYTES:
        return [], [too_large]
    return parse_metadata(data)


def _member_problems(zip_file: zipfile.ZipFile, document: XdmDocument) -> list[str]:
    where = f"document {document.unique_id}"
    uri = document.member.removeprefix(SUBSET_FOLDER)
    try:
        info = zip_file.getinfo(document.member)
    except KeyError:
        return [f"{where}: URI {uri} names {document.member}, which is missing from the ZIP"]
    problems = []
    if info.file_size != document.size:
        problems.append(
            f"{where}: size declares {document.size} bytes, "
            f"the ZIP member {document.member} holds {info.file_size}"
        )
    if unreadable := _unreadable(info):
        problems.append(f"{where}: {document.member} {unreadable}")
    return problems


def _unreadable(info: zipfile.ZipInfo) -> str | None:
    if info.flag_bits & 0x1:
        return "is encrypted"
    if info.compress_type not in _READABLE_METHODS:
        return f"uses compression method {info.compress_type} (only stored and deflate are read)"
    return None
