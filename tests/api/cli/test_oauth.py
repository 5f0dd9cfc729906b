"""The OAuth commands of the CLI, run in-process against the test's stores."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest
from click.testing import CliRunner
from starlette.applications import Starlette

from api.cli.main import main
from api.settings import Settings
from tests.oauth_support import PATIENT_INS
from tests.tokens import seed


def environment(settings: Settings) -> dict[str, str]:
    return {**settings.child_environment(), "LOG_LEVEL": "WARNING"}


@pytest.fixture
def cli(settings: Settings) -> CliRunner:
    return CliRunner(env=environment(settings))


def test_register_list_and_disable_a_client(cli: CliRunner) -> None:
    registered = cli.invoke(
        main,
        [
            "clients",
            "register",
            "--name",
            "Cabinet Dupont",
            "--kind",
            "practice_software",
            "--grant",
            "authorization_code",
            "--grant",
            "refresh_token",
            "--redirect-uri",
            "https://cabinet.example/callback",
            "--scope",
            "documents:read",
        ],
    )
    assert registered.exit_code == 0, registered.output
    client_id = re.search(r"client_id: (\S+)", registered.output)
    assert client_id is not None
    assert re.search(r"client_secret: \S{40,}", registered.output)
    listed = cli.invoke(main, ["clients", "list"])
    assert f"{client_id.group(1)}\tpractice_software\tactive\tCabinet Dupont" in listed.output
    disabled = cli.invoke(main, ["clients", "disable", client_id.group(1)])
    assert disabled.exit_code == 0
    assert "\tdisabled\t" in cli.invoke(main, ["clients", "list"]).output


def test_bad_registrations_are_refused_with_the_reason(cli: CliRunner) -> None:
    refused = cli.invoke(
        main,
        [
            "clients",
            "register",
            "--name",
            "x",
            "--kind",
            "app",
            "--grant",
            "authorization_code",
            "--redirect-uri",
            "http://evil.example/cb",
            "--scope",
            "documents:read",
        ],
    )
    assert refused.exit_code != 0
    assert "not an acceptable redirect URI" in refused.output
    assert "Traceback" not in refused.output
    unknown = cli.invoke(main, ["clients", "disable", "nobody"])
    assert unknown.exit_code != 0
    assert "no client 'nobody'" in unknown.output


async def test_a_dev_token_works_against_the_api(
    cli: CliRunner, app: Starlette, http: httpx.AsyncClient
) -> None:
    await seed(app)
    # the CLI runs its own event loop: keep it off the test's
    minted = await asyncio.to_thread(
        cli.invoke,
        main,
        [
            "dev-token",
            "--kind",
            "patient",
            "--login",
            PATIENT_INS,
            "--scope",
            "profile.identity:read",
        ],
    )
    assert minted.exit_code == 0, minted.output
    token = minted.output.strip()
    answer = await http.post(
        "/graphql",
        json={"query": "{ me { kind scopes } }"},
        headers={"authorization": f"Bearer {token}"},
    )
    assert answer.json() == {
        "data": {"me": {"kind": "PATIENT", "scopes": ["profile.identity:read"]}}
    }
    refused = await asyncio.to_thread(
        cli.invoke,
        main,
        ["dev-token", "--kind", "patient", "--login", PATIENT_INS, "--scope", "provisioning"],
    )
    assert refused.exit_code != 0
    assert "not available to a patient" in refused.output


def test_keys_rotate(cli: CliRunner) -> None:
    first = cli.invoke(main, ["keys", "rotate", "--now"])
    second = cli.invoke(main, ["keys", "rotate"])
    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert first.output != second.output
