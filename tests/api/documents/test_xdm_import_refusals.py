"""Bad XDM archives of real ANS documents, each refused whole: every problem named, nothing
written (documents and traces counted in MongoDB, objects in S3, before and after)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from starlette.applications import Starlette

from resolvers.documents.legacy_import import import_file
from resolvers.documents.rules import DocumentConfig
from resolvers.documents.xdm.archive import MalformedArchive
from tests.api.documents.xdm_import_support import written
from tests.api.documents_support import stores_of
from tests.generators.ans_xdm import RIM, build
from tests.support import FakeClock
from tests.tokens import seed

AVC, CNAM, AVK = (
    "AVC-PAVC_2022.01.xml",
    "CNAM-HR_2021.01_sans-info.xml",
    "CARD-F-PRC-AVK_2022.01.xml",
)
NAMES = (AVC, CNAM, AVK)
TYPE_SCHEME = "urn:uuid:f0306f51-975f-434e-a61c-c59651d33983"  # ITI TF-3 Table 4.2.5-1
CLASS_SCHEME = "urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a"
FORMAT_SCHEME = "urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d"


def _classification(entry: ET.Element, scheme: str) -> ET.Element:
    return next(
        c
        for c in entry.findall(f"{{{RIM}}}Classification")
        if c.get("classificationScheme") == scheme
    )


def _on(target: str, change: Callable[[ET.Element], None]) -> Callable[[str, ET.Element], None]:
    def tweak(name: str, entry: ET.Element) -> None:
        if name == target:
            change(entry)

    return tweak


def _wrong_pair(entry: ET.Element) -> None:  # a consultation report classed as imaging
    _classification(entry, CLASS_SCHEME).set("nodeRepresentation", "31")


def _wrong_system(entry: ET.Element) -> None:  # a LOINC code under TRE_A05's OID
    slot = _classification(entry, TYPE_SCHEME).find(f"{{{RIM}}}Slot/{{{RIM}}}ValueList")
    assert slot is not None
    slot[0].text = "1.2.250.1.213.1.1.4.12"


def _unknown_format(entry: ET.Element) -> None:
    _classification(entry, FORMAT_SCHEME).set("nodeRepresentation", "urn:example:docx")


@dataclass
class Bad:
    expected: list[str]  # each a fragment of one problem
    build: dict[str, Any] = field(default_factory=dict)
    max_bytes: int | None = None


CASES = {
    "a document of another person": Bad(
        ["the CDA header is for the patient 27903… (1.2.250.1.213.1.4.10), not the archive's"],
        {"others": frozenset({AVK})},
    ),
    "a type and a class that do not go together": Bad(
        ["classCode '31' does not go with typeCode '11488-4' (ANS ASS_X04 gives 10)"],
        {"tweak": _on(AVC, _wrong_pair)},
    ),
    "a code under the wrong coding system": Bad(
        [
            "typeCode '11488-4' comes with '1.2.250.1.213.1.1.4.12', "
            "its coding scheme is 2.16.840.1.113883.6.1"
        ],
        {"tweak": _on(AVC, _wrong_system)},
    ),
    "a format the DMP does not accept": Bad(
        ["formatCode 'urn:example:docx' is not a format the DMP accepts"],
        {"tweak": _on(CNAM, _unknown_format)},
    ),
    "a member no entry references": Bad(
        ["the ZIP member IHE_XDM/SUBSET01/EXTRA.PDF is referenced by no document entry"],
        {"extra_members": {"IHE_XDM/SUBSET01/EXTRA.PDF": b"%PDF-1.4 stray"}},
    ),
    "a member name with ..": Bad(
        ["the ZIP member 'IHE_XDM/../../evil.sh' is not a plain relative path"],
        {"extra_members": {"IHE_XDM/../../evil.sh": b"#!/bin/sh"}},
    ),
    "an absolute member name": Bad(
        ["the ZIP member '/etc/cron.d/evil' is not a plain relative path"],
        {"extra_members": {"/etc/cron.d/evil": b"* * * * * root true"}},
    ),
    "an oversized member": Bad(
        [f"the ZIP member IHE_XDM/SUBSET01/{AVC} holds", "more than the 100000 allowed"],
        max_bytes=100_000,
    ),
}


async def _refused(app: Starlette, tmp_path: Path, bad: Bad) -> list[str]:
    data, _ = build(NAMES, **bad.build)
    path = tmp_path / "bad.zip"
    path.write_bytes(data)
    config = DocumentConfig() if bad.max_bytes is None else DocumentConfig(max_bytes=bad.max_bytes)
    stores = stores_of(app)
    before = await written(stores)
    with pytest.raises(MalformedArchive) as refused:
        await import_file(stores, FakeClock(), config, path)
    assert await written(stores) == before  # nothing written, in MongoDB or S3
    return refused.value.problems


@pytest.mark.parametrize("kind", list(CASES))
async def test_each_bad_archive_is_refused_whole_with_its_problem_named(
    app: Starlette, tmp_path: Path, kind: str
) -> None:
    # no seed: without Camille's space, "no open space" is named too, beside the problem
    text = " | ".join(await _refused(app, tmp_path, CASES[kind]))
    for fragment in CASES[kind].expected:
        assert fragment in text, text


async def test_an_archive_with_every_problem_names_them_all_at_once(
    app: Starlette, tmp_path: Path
) -> None:
    await seed(app)

    def everything(name: str, entry: ET.Element) -> None:
        {AVC: _wrong_pair, CNAM: _unknown_format}.get(name, lambda _: None)(entry)

    members = {
        **CASES["a member no entry references"].build["extra_members"],
        **CASES["a member name with .."].build["extra_members"],
        **CASES["an absolute member name"].build["extra_members"],
    }
    every = Bad([], {"others": frozenset({AVK}), "tweak": everything, "extra_members": members})
    every.max_bytes = 100_000
    text = " | ".join(await _refused(app, tmp_path, every))
    for kind, bad in CASES.items():
        if kind != "a code under the wrong coding system":  # the same entry as the wrong pair
            for fragment in bad.expected:
                assert fragment in text, (kind, text)
