"""A CDA's own identifier, as the DMP names the document by it: ``ClinicalDocument/id`` is the
XDS uniqueId (``root`` or ``root^extension``, ANS CDAHeaderToXDM.xsl, template "id").

Read from the first bytes that stream past during the export (the header's ``id`` comes before
any body), with no XML parser: the bytes are a depositor's, only ever searched, never expanded.
A value XDS cannot carry (ITI TF-3 §4.2.3.2: an OID of at most 64 characters, an extension of
at most 16) is not used, and the export falls back to an identifier of its own.
"""

from __future__ import annotations

import re

HEAD = 64 * 1024  # the header's first elements lie well within this
_COMMENT = re.compile(rb"<!--.*?-->", re.DOTALL)
_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?ClinicalDocument\b[^>]*>")
_ID = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?id\b([^>]*)>")
_ATTRIBUTE = re.compile(rb"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_OID = re.compile(r"^[0-2](?:\.(?:0|[1-9]\d*))+$")
_EXTENSION = re.compile(r"^[\x21-\x7e]{1,16}$")  # printable, no space
MAX_OID = 64


def cda_unique_id(head: bytes) -> str | None:
    """``root`` or ``root^extension`` of the CDA whose first bytes are ``head``; ``None`` when
    there is none, or none XDS allows."""
    text = _COMMENT.sub(b"", head[:HEAD])
    root = _ROOT.search(text)
    if root is None:
        return None
    found = _ID.search(text, root.end())  # the header's first id is the document's (CDA R2)
    if found is None:
        return None
    attributes: dict[str, str] = {
        name.decode(): (double or single).decode("utf-8", "replace")
        for name, double, single in _ATTRIBUTE.findall(found.group(1))
    }
    oid, extension = attributes.get("root", ""), attributes.get("extension")
    if len(oid) > MAX_OID or not _OID.match(oid):
        return None
    if extension is None:
        return oid
    return f"{oid}^{extension}" if _EXTENSION.match(extension) else None
