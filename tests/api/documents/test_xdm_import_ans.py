"""The legacy DMP import on real ANS documents: an XDM archive of 14 CDA documents of 12 types
(level 3, level 1 with a PDF, auto-presentable; written by RPPS physicians, a laboratory's
automaton, the health insurer), whose metadata the ANS stylesheet made, imported through the CLI;
every field right through GraphQL, the bytes unchanged, a re-import changing nothing."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from defusedxml.ElementTree import fromstring
from starlette.applications import Starlette

from api.settings import Settings
from resolvers.documents.legacy_import import import_file
from resolvers.documents.rules import DocumentConfig
from tests.api.documents.xdm_import_support import run_cli, written
from tests.api.documents_support import CAMILLE, patient, stores_of
from tests.generators.ans_xdm import CLASSES, build
from tests.support import FakeClock
from tests.tokens import TokenFactory, seed, token_factory

V3 = {"h": "urn:hl7-org:v3"}
QUERY = """
query($id: ID!) { patient(id: $id) { documents(first: 100) { totalCount edges { node {
  id title format size sha256 createdAt serviceStart serviceStop contentPath confidentialityCodes
  type { code } classCode { code }
  author { kind name rpps profession { code } specialty
           identifier { system value oid } institution { name identifier { system value } } }
} } } } }
"""
# what each document's header says, read by hand from the files (not by the code under test)
EXPECTED: dict[str, dict[str, Any]] = {
    "ANEST-CR-CPA_2022.01.xml": {"type": "34749-2", "kind": "professional", "rpps": "01234567897"},
    "AVC-PAVC_2022.01.xml": {"type": "11488-4", "kind": "professional", "rpps": "01234567897"},
    "BIO-CR-BIO_2021.01_Auto-Presentable.xml": {"type": "11502-2", "kind": "professional"},
    "BIO-CR-BIO_2024.01_TSH_2.xml": {
        "type": "11502-2",
        "kind": "device",
        "name": "SGL",
        "institution": ("Laboratoire des SORTES", "FINESS", "060021920"),
    },
    "CANCER-PPS_2022.01_Autopresentable.xml": {"type": "18776-5", "kind": "professional"},
    "CARD-F-PRC-AVK_2022.01.xml": {"type": "34133-9", "kind": "professional"},
    "CNAM-HR_2021.01_sans-info.xml": {
        "type": "REMB",
        "kind": "device",
        "name": "Assurance Maladie",
        "created": datetime(2019, 7, 1, 15, 49, tzinfo=UTC),  # 201907011649+0100
        "institution": ("Assurance Maladie", "SIRET", "18003502400041"),
    },
    "CSE-CS9_2025.01.xml": {"type": "CERT_DECL", "kind": "professional"},
    "DOC_NON_STRUCTURE_CDA-R2-N1.xml": {"type": "11502-2", "kind": "professional"},
    "IMG-DA-IMG_2024.01_Mammo-Echo-Seins.xml": {"type": "55115-0", "kind": "professional"},
    "IMG_CR_IMG_2024.01_CDA-R2-Niveau-1.xml": {"type": "18748-4", "kind": "professional"},
    "OBP-SNE_2024.01.xml": {"type": "57075-4", "kind": "professional"},
    "TLM-DA_2022.01_TCG.xml": {"type": "75496-0", "kind": "professional"},
    "eP-MED-DM_2024.01_PosoNonStruct.xml": {"type": "57833-6", "kind": "professional"},
}


@pytest.fixture
async def make(app: Starlette) -> TokenFactory:
    await seed(app)
    return token_factory(app)


def _check(node: dict[str, Any], name: str, content: bytes) -> None:
    expected = EXPECTED[name]
    assert node["type"]["code"] == expected["type"], name
    assert node["classCode"]["code"] == CLASSES[name], name
    assert node["format"] == "text/xml", name
    assert node["size"] == len(content), name
    assert node["sha256"] == hashlib.sha256(content).hexdigest(), name
    author = node["author"]
    assert author["kind"] == expected["kind"], name
    if "rpps" in expected:
        assert author["rpps"] == expected["rpps"]
        assert author["identifier"]["system"] == "RPPS"
        assert author["profession"] == {"code": "10"}  # G15_10/SM..: médecin
    if "name" in expected:
        assert author["name"] == expected["name"]
    if "institution" in expected:
        institution = author["institution"]
        label, system, value = expected["institution"]
        assert (institution["name"], institution["identifier"]) == (
            label,
            {"system": system, "value": value},
        )
    if "created" in expected:
        assert datetime.fromisoformat(node["createdAt"]) == expected["created"]
    assert datetime.fromisoformat(node["createdAt"]) == _effective_time(content), name


def _effective_time(content: bytes) -> datetime:
    """The CDA's own effectiveTime (YYYYMMDDHHMM[SS]±ZZZZ), read here with strptime."""
    root = fromstring(content)
    cda = root if root.tag.endswith("ClinicalDocument") else root.find(".//h:ClinicalDocument", V3)
    assert cda is not None
    element = cda.find("h:effectiveTime", V3)
    assert element is not None
    value = element.get("value", "")
    stamp, zone = value[:-5], value[-5:]
    return datetime.strptime(stamp.ljust(14, "0") + zone, "%Y%m%d%H%M%S%z").astimezone(UTC)


async def test_a_real_ans_archive_imports_completely_and_once(
    make: TokenFactory,
    http: httpx.AsyncClient,
    app: Starlette,
    settings: Settings,
    tmp_path: Path,
) -> None:
    data, contents = build()
    path = tmp_path / "dmp-ans.zip"
    path.write_bytes(data)
    stores = stores_of(app)
    before = await written(stores)  # the demo's own documents
    camille = await patient(make, http)
    seen = (await camille.data(QUERY, {"id": CAMILLE}))["patient"]["documents"]["totalCount"]
    done = await run_cli(settings, "import-xdm", str(path))
    assert done.returncode == 0, done.stderr
    assert "imported 14, already there 0" in done.stdout
    after = await written(stores)
    assert after.documents - before.documents == 14
    assert after.traces - before.traces == 14
    assert after.objects - before.objects == 14

    listing = (await camille.data(QUERY, {"id": CAMILLE}))["patient"]["documents"]
    by_size = {node["node"]["size"]: node["node"] for node in listing["edges"]}
    assert listing["totalCount"] == seen + 14
    assert len({EXPECTED[name]["type"] for name in contents}) == 12
    for name, content in contents.items():
        node = by_size[len(content)]  # each file has its own size
        _check(node, name, content)
        download = await http.get(node["contentPath"], headers=camille.headers)
        assert download.content == content, name
    # the import is in the access history, by the migration, one trace per document
    events = stores.access_events.collection.find({"action": "document.imported"})
    actors = {(e["actor"]["kind"], e["actor"]["id"]) async for e in events}
    assert actors == {("operator", "dmp-migration")}

    again = await import_file(stores, FakeClock(), DocumentConfig(), path)
    assert (again.imported, again.already_there) == (0, 14)
    assert await written(stores) == after


async def test_dates_carry_the_cda_offset_into_utc(
    make: TokenFactory, http: httpx.AsyncClient, app: Starlette, tmp_path: Path
) -> None:
    data, _ = build(("CNAM-HR_2021.01_sans-info.xml",))
    path = tmp_path / "cnam.zip"
    path.write_bytes(data)
    await import_file(stores_of(app), FakeClock(), DocumentConfig(), path)
    camille = await patient(make, http)
    edges = (await camille.data(QUERY, {"id": CAMILLE}))["patient"]["documents"]["edges"]
    node = next(e["node"] for e in edges if e["node"]["type"]["code"] == "REMB")
    # serviceEvent effectiveTime low 20190101154500+0100, high 20190701154500+0100
    assert datetime.fromisoformat(node["serviceStart"]) == datetime(2019, 1, 1, 14, 45, tzinfo=UTC)
    assert datetime.fromisoformat(node["serviceStop"]) - datetime.fromisoformat(
        node["serviceStart"]
    ) == timedelta(days=181)
