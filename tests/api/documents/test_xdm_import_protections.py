"""The confidentiality codes of imported documents become their protections: a table of each code
(HL7 N/R/V, the DMP's MASQUE_PS, INVISIBLE_PATIENT, INVISIBLE_REPRESENTANTS_LEGAUX) × each reader
(the minor holder, their parent, a professional of their care team), checked through GraphQL: in
the list and by id, what is shown and what is not."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
from starlette.applications import Starlette

from resolvers.core.actors import ActorKind
from resolvers.demo._files import pdf
from resolvers.documents.legacy_import import import_file
from resolvers.documents.rules import DocumentConfig
from tests.api.documents_support import DOCS, Caller, minor_with_a_parent, stores_of
from tests.generators.xdm import XdmEntry, build_archive
from tests.support import FakeClock
from tests.tokens import seed, token_factory

CODES = {  # title: the entry's confidentiality codes
    "N": ("N",),
    "R": ("R",),
    "V": ("V",),
    "MASQUE_PS": ("N", "MASQUE_PS"),
    "INVISIBLE_PATIENT": ("N", "INVISIBLE_PATIENT"),
    "INVISIBLE_REPRESENTANTS_LEGAUX": ("N", "INVISIBLE_REPRESENTANTS_LEGAUX"),
}
HIDDEN = {  # reader: the codes whose documents they must not see
    "holder": {"INVISIBLE_PATIENT"},
    "parent": {"INVISIBLE_PATIENT", "INVISIBLE_REPRESENTANTS_LEGAUX"},
    "professional": {"MASQUE_PS"},
}
OUTSIDER = "10009999990"  # an RPPS of no professional of the directory
ONE = "query($id: ID!) { document(id: $id) { id confidentialityCodes confidentiality } }"


async def test_each_code_protects_the_imported_document_from_whom_it_should(
    app: Starlette, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    await seed(app)
    stores, make = stores_of(app), token_factory(app)
    family = await minor_with_a_parent(make, app, http)
    parent, child, holder = family.parent, family.child, family.minor
    clock = FakeClock(datetime.now(UTC))
    entries = [
        XdmEntry(
            pdf(title, [title]),
            f"1.2.250.1.999.8.{n}",
            title=title,
            confidentiality=codes,
            author_rpps=OUTSIDER,  # not Lefèvre: an author sees their own masked documents
            author_name="DURAND Paul",
        )
        for n, (title, codes) in enumerate(CODES.items())
    ]
    path = tmp_path / "dmp.zip"
    path.write_bytes(build_archive(entries, patient_ins=child["ins"]["matricule"]))
    report = await import_file(stores, clock, DocumentConfig(), path)
    assert report.imported == len(CODES)
    ids = {
        doc["title"]: doc["_id"]
        async for doc in stores.documents.collection.find({"patient_id": child["_id"]})
    }
    readers = {
        "holder": holder,
        "parent": Caller(http, await make(ActorKind.PATIENT, parent["ins"]["matricule"], DOCS)),
        "professional": family.lefevre,
    }
    for who, reader in readers.items():
        shown = set(await reader.titles(child["_id"]))
        assert shown == set(CODES) - HIDDEN[who], who
        for title, codes in CODES.items():
            one = (await reader.post(ONE, {"id": ids[title]}))["data"]["document"]
            if title in HIDDEN[who]:
                assert one is None, (who, title)  # hidden looks like "not found"
            else:
                assert one["confidentialityCodes"] == list(codes), (who, title)
                assert one["confidentiality"] == codes[0], (who, title)
