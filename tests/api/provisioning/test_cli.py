"""The provisioning command, killed halfway and run again: it resumes, and every person ends
with exactly one space."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from pymongo import MongoClient

from api.settings import Settings
from tests.api.cli.test_oauth import environment
from tests.generators.beneficiaries import csv_lines

CLI = str(Path(sys.executable).parent / "espace-sante")
PEOPLE = 12_000


# Its own deadlines guard progress (120 s to reach the kill point, 300 s per run); the suite's
# 120 s default would cut a run that is only slow because the machine is busy.
@pytest.mark.timeout(900)
def test_a_killed_provisioning_resumes_and_creates_each_space_once(
    settings: Settings, mongo_admin: MongoClient[dict[str, Any]], tmp_path: Path
) -> None:
    beneficiaries = tmp_path / "beneficiaires.csv"
    beneficiaries.write_text("".join(csv_lines(PEOPLE)), encoding="utf-8")
    env = {**os.environ, **environment(settings), "PROVISIONING_LEASE_SECONDS": "2"}
    db = mongo_admin[settings.mongodb_database]
    first = subprocess.Popen(
        [CLI, "provision", str(beneficiaries)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while True:  # wait for real progress, then kill it without warning
        batch = db["provisioning_batches"].find_one()
        if batch is not None and batch["checkpoint"]["line"] >= 3000:
            break
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline, "no progress"
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait()
    stopped = db["provisioning_batches"].find_one()
    assert stopped is not None
    stopped_at = stopped["checkpoint"]["line"]
    assert 3000 <= stopped_at < PEOPLE + 1, "killed halfway"
    assert db["patients"].count_documents({}) < PEOPLE
    time.sleep(2.1)  # the dead runner's lease lapses
    second = subprocess.run(
        [CLI, "provision", str(beneficiaries)],
        env=env,
        capture_output=True,
        timeout=300,
        check=True,
        text=True,
    )
    assert "resuming from line" in second.stdout
    assert f"created {PEOPLE}, existing 0, rejected 0" in second.stdout
    assert db["patients"].count_documents({}) == PEOPLE
    assert db["patients"].count_documents({"space.status": "provisioned"}) == PEOPLE
    assert db["provisioning_batches"].count_documents({}) == 1
    third = subprocess.run(
        [CLI, "provision", str(beneficiaries)],
        env=env,
        capture_output=True,
        timeout=300,
        check=True,
        text=True,
    )
    assert f"created 0, existing {PEOPLE}, rejected 0" in third.stdout
    assert db["patients"].count_documents({}) == PEOPLE
