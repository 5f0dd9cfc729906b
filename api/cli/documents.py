"""``espace-sante reconcile`` and ``import-xdm``: the documents' operator commands."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click

from api.cli.support import fail_on_domain_error, running_stack, with_stores
from resolvers.core.clock import SystemClock
from resolvers.documents.legacy_import import ImportReport, import_file
from resolvers.documents.reconcile import ReconcileReport, reconcile
from resolvers.documents.xdm.archive import MalformedArchive
from storage.stores import Stores

CLOCK = SystemClock()


@click.command(name="reconcile")
@click.option(
    "--grace-minutes",
    type=click.IntRange(min=0),
    default=120,
    show_default=True,
    help="Objects without a record are removed only when older than this.",
)
@click.option("--dry-run", is_flag=True, help="Report stray objects, change nothing.")
def reconcile_command(grace_minutes: int, dry_run: bool) -> None:
    """Find and repair what failures left between MongoDB and the object store: abandoned
    uploads, objects without a record, purges cut short. Idempotent."""
    with running_stack() as settings:
        report: ReconcileReport = with_stores(
            settings,
            lambda stores: reconcile(
                stores, CLOCK, grace=timedelta(minutes=grace_minutes), dry_run=dry_run
            ),
        )
    click.echo(
        f"abandoned_uploads={report.abandoned_uploads} "
        f"finished_versions={report.finished_versions} stray_objects={report.stray_objects} "
        f"purges_finished={report.purges_finished} left_for_later={report.left_for_later}"
        + (" (dry run)" if dry_run else "")
    )


@click.command(name="import-xdm")
@click.argument(
    "archives",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
def import_xdm(archives: tuple[Path, ...]) -> None:
    """Import legacy DMP exports (IHE XDM ZIP archives) into their patients' spaces.

    Each archive is checked whole before anything is written; a refused one is reported with
    every problem and the next is imported. An archive is imported whole or not at all;
    importing it again adds nothing, or completes what a failure left undone.
    """
    totals = {"imported": 0, "already_there": 0, "skipped": 0, "refused": 0}
    with running_stack() as settings, fail_on_domain_error():
        config = settings.document_config()

        async def run(stores: Stores) -> None:
            for number, path in enumerate(archives, start=1):
                prefix = f"[{number}/{len(archives)}] {path.name}:"
                try:
                    report: ImportReport = await import_file(stores, CLOCK, config, path)
                except MalformedArchive as refused:
                    totals["refused"] += 1
                    click.echo(f"{prefix} refused", err=True)
                    for problem in refused.problems:
                        click.echo(f"  - {problem}", err=True)
                    continue
                if report.skipped:
                    totals["skipped"] += 1
                    click.echo(f"{prefix} skipped: {report.skipped}")
                    continue
                totals["imported"] += report.imported
                totals["already_there"] += report.already_there
                click.echo(
                    f"{prefix} imported {report.imported}, already there {report.already_there}"
                )

        with_stores(settings, run)
    click.echo(" ".join(f"{name}={count}" for name, count in totals.items()))
    if totals["refused"]:
        raise SystemExit(1)
