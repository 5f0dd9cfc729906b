"""The document formats the space accepts, recognised from their first bytes.

A declared media type is only a claim: the format is what the content starts with. PDF, JPEG and
PNG by their signatures; a CDA R2 document by its root element (``ClinicalDocument`` in the HL7 v3
namespace); plain text as UTF-8 without control characters. Anything else is refused.
"""

from __future__ import annotations

import re

from resolvers.core.errors import InvalidInput

PDF, CDA, JPEG, PNG, TEXT = "application/pdf", "text/xml", "image/jpeg", "image/png", "text/plain"
FORMATS: dict[str, str] = {
    PDF: "PDF",
    CDA: "CDA R2 (XML)",
    JPEG: "JPEG image",
    PNG: "PNG image",
    TEXT: "plain text",
}
# what a client may declare for each format (CDA travels under several XML media types)
DECLARED: dict[str, str] = {
    PDF: PDF,
    CDA: CDA,
    "application/xml": CDA,
    "application/hl7-v3+xml": CDA,
    "application/hl7-cda+xml": CDA,
    JPEG: JPEG,
    PNG: PNG,
    TEXT: TEXT,
}
HEAD_SIZE = 4096  # enough for any signature, an XML prolog and a root start tag

_XML_ROOT = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*|<\?[^>]*\?>\s*)*"
    rb"<(?:[A-Za-z_][\w.-]*:)?ClinicalDocument\b([^>]*)>",
    re.DOTALL,
)
_HL7_V3 = re.compile(rb"""xmlns(?::[A-Za-z_][\w.-]*)?\s*=\s*["']urn:hl7-org:v3["']""")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def declared_format(media_type: str, *, field: str = "contentType") -> str:
    """The format a declared media type stands for; a clear error for any other."""
    base = media_type.split(";", maxsplit=1)[0].strip().lower()
    if base not in DECLARED:
        allowed = ", ".join(sorted(DECLARED))
        raise InvalidInput(f"{media_type!r} is not an accepted format ({allowed})", field=field)
    return DECLARED[base]


def detect(head: bytes) -> str | None:
    """The format the content starts with, or ``None``. ``head``: its first bytes (up to
    ``HEAD_SIZE``)."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    root = _XML_ROOT.match(head)
    if root is not None and _HL7_V3.search(root.group(1)):
        return CDA
    if head.lstrip().startswith(b"<"):
        return None  # some other XML or HTML: not a document format of the space
    return TEXT if _is_text(head) else None


def _is_text(head: bytes) -> bool:
    if not head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not merely a character cut at the end of the head
            return False
        text = head[: exc.start].decode("utf-8")
    return _CONTROL.search(text) is None


def check_format(head: bytes, declared: str) -> str:
    """The detected format, which must be the declared one; a clear error otherwise."""
    found = detect(head)
    if found is None:
        raise InvalidInput(
            "the content is none of the accepted formats (PDF, CDA R2 XML, JPEG, PNG, plain text)",
            field="file",
        )
    if found != declared:
        raise InvalidInput(
            f"the content is {FORMATS[found]}, not the declared {FORMATS[declared]}", field="file"
        )
    return found
