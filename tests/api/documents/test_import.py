"""The legacy DMP import: an XDM archive folded into the patient's space, checked whole before
anything is written, idempotent, skipped when the patient objected; and its CLI."""

from __future__ import annotations

import asyncio
import hashlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from pymongo.database import Database
from starlette.applications import Starlette

from api.settings import Settings
from resolvers.demo._files import pdf
from resolvers.documents.legacy_import import import_archive
from resolvers.documents.rules import DocumentConfig
from resolvers.documents.xdm.archive import MalformedArchive, read_archive
from tests.api.cli.test_oauth import environment
from tests.api.documents_support import patient, stores_of
from tests.generators.xdm import XdmEntry, build_archive
from tests.support import FakeClock
from tests.tokens import TokenFactory, seed, token_factory

CLI = str(Path(sys.executable).parent / "espace-sante")
REPORT = pdf("Compte rendu 2019", ["Ancien DMP."])
MASKED = pdf("Compte rendu masqué", ["Ancien DMP, masqué."])


@pytest.fixture
async def make(app: Starlette) -> TokenFactory:
    await seed(app)
    return token_factory(app)


def archive(tmp_path: Path, entries: list[XdmEntry], name: str = "dmp.zip") -> Path:
    path = tmp_path / name
    path.write_bytes(build_archive(entries))
    return path


ENTRIES = [
    XdmEntry(REPORT, "1.2.250.1.999.1", title="CR 2019"),
    XdmEntry(MASKED, "1.2.250.1.999.2", title="CR masqué", confidentiality=("N", "MASQUE_PS")),
]


async def test_an_archive_is_imported_once_with_its_metadata(
    make: TokenFactory, http: httpx.AsyncClient, app: Starlette, tmp_path: Path
) -> None:
    stores, clock = stores_of(app), FakeClock()
    with read_archive(archive(tmp_path, ENTRIES)) as xdm:
        report = await import_archive(stores, clock, DocumentConfig(), xdm)
    assert (report.imported, report.already_there) == (2, 0)
    with read_archive(archive(tmp_path, ENTRIES)) as xdm:
        again = await import_archive(stores, clock, DocumentConfig(), xdm)
    assert (again.imported, again.already_there) == (0, 2)
    # her old DMP's documents are no news to her (docs/notifications.md)
    assert await stores.news_events.count({}) == 0
    camille = await patient(make, http)
    listing = await camille.documents(first=100)
    imported = {
        e["node"]["title"]: e["node"] for e in listing["edges"] if "CR " in e["node"]["title"]
    }
    assert set(imported) == {"CR 2019", "CR masqué"}
    first = imported["CR 2019"]
    assert first["sha256"] == hashlib.sha256(REPORT).hexdigest()
    assert first["author"]["rpps"] == "10001234565"
    assert first["createdAt"].startswith("2019")
    # an import is not a professional's deposit: no lateness (R1111-42), not "on time" either
    assert (first["late"], first["lateBySeconds"]) == (None, None)
    assert imported["CR masqué"]["confidentialityCodes"] == ["N", "MASQUE_PS"]
    assert (await http.get(first["contentPath"], headers=camille.headers)).content == REPORT


async def test_a_malformed_archive_is_refused_whole_with_every_problem(
    app: Starlette, tmp_path: Path, db: Database[dict[str, Any]]
) -> None:
    broken = [
        ENTRIES[0],
        XdmEntry(REPORT, "1.2.250.1.999.3", declared_sha1="0" * 40),
        XdmEntry(b"\x00\x01 not a document", "1.2.250.1.999.4", mime_type="application/pdf"),
    ]
    before = db["documents"].count_documents({})
    with pytest.raises(MalformedArchive) as refused, read_archive(archive(tmp_path, broken)) as xdm:
        await import_archive(stores_of(app), FakeClock(), DocumentConfig(), xdm)
    text = " | ".join(refused.value.problems)
    assert "1.2.250.1.999.3" in text
    assert db["documents"].count_documents({}) == before  # nothing half-imported


async def test_nothing_is_imported_for_a_patient_who_objected(
    make: TokenFactory, http: httpx.AsyncClient, app: Starlette, tmp_path: Path
) -> None:
    camille = await patient(make, http, "space:manage documents:read")
    objection = await camille.data(
        "mutation { setDmpMigrationObjection(objected: true) { __typename "
        "... on MigrationObjection { objected } } }"
    )
    assert objection["setDmpMigrationObjection"] == {
        "__typename": "MigrationObjection",
        "objected": True,
    }
    with read_archive(archive(tmp_path, ENTRIES)) as xdm:
        report = await import_archive(stores_of(app), FakeClock(), DocumentConfig(), xdm)
    assert report.imported == 0
    assert report.skipped is not None
    assert "CR 2019" not in await camille.titles()


async def test_the_cli_imports_a_batch_with_progress_and_a_summary(
    app: Starlette, settings: Settings, tmp_path: Path
) -> None:
    await seed(app)
    good = archive(tmp_path, ENTRIES, "good.zip")
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"not a zip")
    env = {**os.environ, **environment(settings)}
    done = await asyncio.to_thread(
        subprocess.run,
        [CLI, "import-xdm", str(good), str(bad), str(good)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr  # one archive refused
    assert "[1/3] good.zip: imported 2, already there 0" in done.stdout
    assert "[3/3] good.zip: imported 0, already there 2" in done.stdout
    assert "[2/3] bad.zip: refused" in done.stderr
    assert "imported=2 already_there=2 skipped=0 refused=1" in done.stdout
