"""``espace-sante provision``, ``run-due``, ``send-emails`` and ``export-postal``."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import anyio
import click

from api.cli.support import fail_on_domain_error, running_stack, with_stores
from api.mail import SmtpSender
from resolvers.core.clock import SystemClock
from resolvers.provisioning import batches as provisioning
from resolvers.provisioning.files import provision_file
from resolvers.spaces import notifications
from resolvers.spaces.due import run_due
from storage.provisioning import BatchDoc, FileFormat
from storage.stores import Stores

CLOCK = SystemClock()
CHUNK = 1024 * 1024


def fingerprint(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


async def _file_chunks(path: Path) -> AsyncIterator[bytes]:
    async with await anyio.open_file(path, "rb") as file:
        while block := await file.read(CHUNK):
            yield block


def _summary(batch: BatchDoc | None) -> str:
    if batch is None:
        return "nothing to run: the batch is held by another runner"
    return (
        f"batch {batch['_id']}: {batch['status']}, line {batch['checkpoint']['line']}, "
        f"created {batch['created']}, existing {batch['existing']}, "
        f"rejected {batch['rejected']}" + (f" ({batch['error']})" if batch["error"] else "")
    )


@click.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["csv", "ndjson"]),
    default=None,
    help="Default: from the file name.",
)
def provision(path: Path, file_format: str | None) -> None:
    """Provision spaces from a beneficiary file. Run it again on the same file after an
    interruption: it resumes where it stopped, and never creates a space twice."""
    named = file_format or ("ndjson" if path.suffix in (".ndjson", ".jsonl") else "csv")
    chosen: FileFormat = "ndjson" if named == "ndjson" else "csv"
    with running_stack() as settings, fail_on_domain_error():
        lease = timedelta(seconds=settings.provisioning_lease_seconds)
        run = with_stores(
            settings,
            lambda stores: provision_file(
                stores,
                CLOCK,
                fingerprint(path),
                lambda: _file_chunks(path),
                chosen,
                created_by="cli",
                owner=provisioning.runner_id(),
                lease=lease,
            ),
        )
        if run.resumed_from is None:
            click.echo(f"batch {run.batch_id}: uploaded {path.name}")
        else:
            click.echo(f"batch {run.batch_id}: resuming from line {run.resumed_from}")
        click.echo(_summary(run.batch))


@click.command(name="run-due")
def run_due_command() -> None:
    """Apply every transition that is due (openings, closures, deletions…). Idempotent."""
    with running_stack() as settings:
        report = with_stores(settings, lambda stores: run_due(stores, CLOCK))
    click.echo(" ".join(f"{name}={count}" for name, count in report.counts.items()))


@click.command(name="send-emails")
def send_emails() -> None:
    """Send the emails waiting in the outbox (once; `serve` does it continuously)."""
    with running_stack() as settings:
        sender = SmtpSender(settings)
        sent = with_stores(
            settings, lambda stores: notifications.send_emails(stores, CLOCK, sender)
        )
    click.echo(f"sent: {sent}")


@click.command(name="export-postal")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The batch file for the printer (CSV, UTF-8).",
)
def export_postal(output: Path) -> None:
    """Export the letters waiting in the outbox for people without email, each once."""
    with running_stack() as settings:

        async def export(stores: Stores) -> tuple[str, int]:
            async with await anyio.open_file(output, "w", encoding="utf-8", newline="") as file:
                return await notifications.export_postal(stores, CLOCK, file.write)

        export_id, count = with_stores(settings, export)
    click.echo(f"export {export_id}: {count} letters in {output}")
