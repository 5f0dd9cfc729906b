"""A CDA's own id, read from its first bytes for its XDS uniqueId, or none XDS could carry."""

from __future__ import annotations

import pytest

from resolvers.documents.xdm.export_cda import cda_unique_id

V3 = b'<?xml version="1.0"?>\n<ClinicalDocument xmlns="urn:hl7-org:v3">'


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (V3 + b'<typeId root="2.16.840.1.113883.1.3"/><id root="1.2.3.4"/>', "1.2.3.4"),
        (V3 + b"<id root='1.2.3' extension='A-12'/>", "1.2.3^A-12"),
        (V3 + b'<!-- <id root="9.9"/> --><id root="1.2.5"/>', "1.2.5"),  # a comment is no id
        (b'<v3:ClinicalDocument xmlns:v3="urn:hl7-org:v3"><v3:id root="1.2.6"/>', "1.2.6"),
        (V3 + b'<id root="1.2.3" extension="seventeen-chars-x"/>', None),  # XDS: 16 at most
        (V3 + b'<id root="not.an.oid"/>', None),
        (V3 + b'<id root="1.' + b"2" * 70 + b'"/>', None),  # XDS: an OID of 64 at most
        (V3 + b"<code/>", None),
        (b'<html><id root="1.2.3"/></html>', None),  # not a CDA
    ],
)
def test_the_header_id_becomes_the_unique_id_when_xds_allows_it(
    head: bytes, expected: str | None
) -> None:
    assert cda_unique_id(head) == expected
