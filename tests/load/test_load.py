"""A short sustained load (``LOAD_SECONDS``, 15 s by default) in the suite: concurrent clients
mixing reads and writes against ``espace-sante serve`` on loopback, zero server errors, every
acknowledged write stored exactly once. ``make load`` runs the long one."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest

from api.settings import Settings
from tests.load.runner import load_run
from tests.load.workload import Ledger, verify

SECONDS = float(os.environ.get("LOAD_SECONDS", "15"))

pytestmark = [pytest.mark.slow, pytest.mark.timeout(SECONDS + 180)]


def test_sustained_load_loses_nothing_and_fails_nothing(settings: Settings, tmp_path: Path) -> None:
    log = tmp_path / "api.log"
    outcome = load_run(settings, seconds=SECONDS, clients=4, log=log)
    print(outcome.summary())
    assert not outcome.failures, "\n".join(outcome.failures) + "\n" + log.read_text()[-3000:]
    ledger = outcome.ledger
    assert set(ledger.statuses) == {200}
    assert all(ledger.acked[kind] for kind in ("m", "a", "msg"))  # each kind of write happened
    assert sum(ledger.statuses.values()) > 50


def test_the_count_catches_a_lost_write_and_a_duplicate() -> None:
    ledger = Ledger("r")
    ledger.acked["a"] = ["r-0-1", "r-0-2"]
    ledger.acked["msg"] = ["r-0-3"]
    stored = {"m": Counter[str](), "a": Counter(["r-0-1"]), "msg": Counter(["r-0-3", "r-0-3"])}
    failures = verify(ledger, stored)
    assert any("acknowledged writes missing" in f and "r-0-2" in f for f in failures)
    assert any("stored more than once" in f and "r-0-3" in f for f in failures)
    assert (
        verify(ledger, {**stored, "a": Counter(["r-0-1", "r-0-2"]), "msg": Counter(["r-0-3"])})
        == []
    )
