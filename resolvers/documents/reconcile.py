"""Finding and repairing what a failure left between the two stores (``espace-sante reconcile``).

- A ``pending`` record past its expiry is an upload that never finished: its bytes, if any,
  and the record are removed — unless it is a new version whose predecessor already points at
  it, with its bytes checked: then the deposit had only its last step left, which is done.
- An object under the documents' prefix with no record at all (the process died between the
  bytes and the record's removal) is removed once older than the grace period, which leaves
  uploads in flight alone.
- A purge cut short is finished (``purge_archived``).

Idempotent, and safe to run beside the service and beside another run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from resolvers.core.clock import Clock
from resolvers.documents._protections import inherited
from resolvers.documents.deposit import OBJECT_PREFIX, discard
from resolvers.documents.lifecycle import purge_archived
from storage.documents import DocumentDoc
from storage.stores import Stores

DEFAULT_GRACE = timedelta(hours=2)


@dataclass
class ReconcileReport:
    abandoned_uploads: int = 0
    finished_versions: int = 0
    stray_objects: int = 0
    purges_finished: int = 0
    left_for_later: int = 0
    stray_keys: list[str] = field(default_factory=list)


async def _finish_or_discard(stores: Stores, clock: Clock, doc: DocumentDoc) -> str:
    now = clock.now()
    if doc["replaces"] is not None and doc["sha256"]:
        previous = await stores.documents.get(doc["replaces"])
        if previous is not None and previous["replaced_by"] == doc["_id"]:
            kept = inherited(previous, doc)  # the predecessor's protections, as ``finish`` does
            done = await stores.documents.change(
                {"_id": doc["_id"], "status": "pending"},
                {**kept, "status": "available", "expires_at": None, "expected": None},
                now,
            )
            return "finished" if done is not None else "gone"
    return "discarded" if await discard(stores, doc) else "later"


async def abandoned_uploads(stores: Stores, clock: Clock, report: ReconcileReport) -> None:
    async for doc in stores.documents.abandoned_uploads(clock.now()):
        outcome = await _finish_or_discard(stores, clock, doc)
        if outcome == "finished":
            report.finished_versions += 1
        elif outcome == "discarded":
            report.abandoned_uploads += 1
        elif outcome == "later":
            report.left_for_later += 1


async def stray_objects(
    stores: Stores, clock: Clock, report: ReconcileReport, grace: timedelta, *, dry_run: bool
) -> None:
    older_than = clock.now() - grace
    async for page in stores.objects.listing(OBJECT_PREFIX):
        old = [o for o in page if o.last_modified is not None and o.last_modified <= older_than]
        if not old:
            continue
        known = await stores.documents.existing_keys([o.key for o in old])
        for listed in old:
            if listed.key in known:
                continue
            report.stray_objects += 1
            report.stray_keys.append(listed.key)
            if not dry_run:
                await stores.objects.delete(listed.key)


async def reconcile(
    stores: Stores, clock: Clock, *, grace: timedelta = DEFAULT_GRACE, dry_run: bool = False
) -> ReconcileReport:
    report = ReconcileReport()
    if not dry_run:
        await abandoned_uploads(stores, clock, report)
        report.purges_finished = await purge_archived(stores, clock)
    await stray_objects(stores, clock, report, grace, dry_run=dry_run)
    return report
