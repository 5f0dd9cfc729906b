"""Every transition of a space, and every refusal, against the real database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest

from api.settings import Settings
from resolvers.access.policy import represents
from resolvers.accounts.logins import authenticate
from resolvers.core import guessing
from resolvers.core.actors import Actor, ActorKind
from resolvers.core.errors import Forbidden, InvalidInput, NotFound
from resolvers.documents.rules import DocumentConfig
from resolvers.messaging import writes as messaging
from resolvers.profile import measurements
from resolvers.profile import sections as profile
from resolvers.spaces import lifecycle as spaces
from resolvers.spaces import operators
from resolvers.spaces.due import run_due
from resolvers.spaces.lifecycle import CodeExpired, CodesLocked, InvalidCode, NotAllowedNow, notice
from storage.patients import PatientDoc
from storage.stores import Stores
from tests.spaces_support import SIX_WEEKS, Outbox, deliver, make_patient, send_notice
from tests.storage.helpers import open_test_stores
from tests.support import FakeClock

PASSWORD = "un mot de passe solide"
OPERATOR = Actor(ActorKind.OPERATOR, "insurer", "insurer", frozenset({"admin"}))

SOURCE = guessing.Sources("192.0.2.1")  # an address of the documentation range


def holder(patient: PatientDoc) -> Actor:
    return Actor(ActorKind.PATIENT, patient["_id"], "app", frozenset({"space:manage"}))


@pytest.fixture
async def stores(settings: Settings) -> AsyncIterator[Stores]:
    async with open_test_stores(settings) as opened:
        yield opened


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


async def provisioned(
    stores: Stores, clock: FakeClock, outbox: Outbox, index: int = 1
) -> tuple[PatientDoc, str]:
    """A provisioned person who received the notice; their objection code."""
    patient = await make_patient(stores, clock, index, notices=[notice("provisioning-notice")])
    return patient, await send_notice(stores, clock, outbox, patient)


async def status_of(stores: Stores, patient: PatientDoc) -> str:
    found = await stores.patients.get(patient["_id"])
    assert found is not None
    return found["space"]["status"]


# -- objection -----------------------------------------------------------------------------------


async def test_an_objection_before_the_opening_means_no_space_ever_opens(
    stores: Stores, clock: FakeClock
) -> None:
    outbox = Outbox()
    patient, code = await provisioned(stores, clock, outbox)
    done = await spaces.object_to_space(stores, clock, patient["ins"]["matricule"], code, SOURCE)
    assert done.status == "objected"
    clock.advance(SIX_WEEKS + timedelta(days=1))
    await run_due(stores, clock)
    assert await status_of(stores, patient) == "objected"
    await deliver(stores, clock, outbox)
    assert outbox.sent[-1][1].subject == "Votre opposition est enregistrée"


async def test_an_objection_after_the_opening_closes_the_space(
    stores: Stores, clock: FakeClock
) -> None:
    outbox = Outbox()
    patient, code = await provisioned(stores, clock, outbox)
    clock.advance(SIX_WEEKS)
    report = await run_due(stores, clock)
    assert report.counts["opened"] == 1
    ins = patient["ins"]["matricule"]
    done = await spaces.object_to_space(stores, clock, ins, code.lower(), SOURCE)
    assert done.status == "closed"
    found = await stores.patients.get(patient["_id"])
    assert found is not None
    assert found["space"]["closed_reason"] == "objection"


async def test_wrong_codes_and_unknown_people_get_the_same_answer_then_the_source_stops(
    stores: Stores, clock: FakeClock
) -> None:
    outbox = Outbox()
    patient, code = await provisioned(stores, clock, outbox)
    ins = patient["ins"]["matricule"]
    with pytest.raises(InvalidCode) as unknown:
        await spaces.object_to_space(stores, clock, "255081416802538", code, SOURCE)
    for _ in range(guessing.CODES.per_source - 1):
        with pytest.raises(InvalidCode) as wrong:
            await spaces.object_to_space(stores, clock, ins, "AAAAA-AAAAA", SOURCE)
        assert wrong.value.message == unknown.value.message
    for someone in (ins, "255081416802538"):  # this source is stopped, whoever it asks for
        with pytest.raises(CodesLocked):
            await spaces.object_to_space(stores, clock, someone, code, SOURCE)
    # the space is not locked: its holder, from elsewhere, objects with her code
    elsewhere = guessing.Sources("198.51.100.7")
    assert (await spaces.object_to_space(stores, clock, ins, code, elsewhere)).status == "objected"


# -- opening and activation ------------------------------------------------------------------------


async def test_spaces_open_on_their_date_and_not_before(stores: Stores, clock: FakeClock) -> None:
    patient = await make_patient(stores, clock, 1)
    clock.advance(SIX_WEEKS - timedelta(days=1))
    assert (await run_due(stores, clock)).counts["opened"] == 0
    clock.advance(timedelta(days=1))
    assert (await run_due(stores, clock)).counts["opened"] == 1
    assert await status_of(stores, patient) == "open"
    assert (await run_due(stores, clock)).counts["opened"] == 0  # idempotent


async def test_activation_sets_the_holders_credentials(stores: Stores, clock: FakeClock) -> None:
    outbox = Outbox()
    patient = await make_patient(stores, clock, 1)
    clock.advance(SIX_WEEKS)
    await run_due(stores, clock)
    code = await send_notice(stores, clock, outbox, patient)
    ins = patient["ins"]["matricule"]
    with pytest.raises(InvalidInput, match="12 characters"):
        await spaces.activate_space(stores, clock, ins, code, "short", SOURCE)
    done = await spaces.activate_space(stores, clock, ins, code, PASSWORD, SOURCE)
    assert done.status == "active"
    signed_in = await authenticate(stores, clock, ActorKind.PATIENT, ins, PASSWORD, SOURCE)
    assert signed_in == patient["_id"]
    with pytest.raises(InvalidCode):  # the code worked once
        await spaces.activate_space(stores, clock, ins, code, PASSWORD, SOURCE)


async def test_a_wrong_or_expired_activation_code_is_refused(
    stores: Stores, clock: FakeClock
) -> None:
    outbox = Outbox()
    patient = await make_patient(stores, clock, 1)
    clock.advance(SIX_WEEKS)
    await run_due(stores, clock)
    code = await send_notice(stores, clock, outbox, patient)
    ins = patient["ins"]["matricule"]
    with pytest.raises(InvalidCode):
        await spaces.activate_space(stores, clock, ins, "ZZZZZ-ZZZZZ", PASSWORD, SOURCE)
    clock.advance(spaces.ACTIVATION_CODE_LIFETIME + timedelta(seconds=1))
    with pytest.raises(CodeExpired):
        await spaces.activate_space(stores, clock, ins, code, PASSWORD, SOURCE)
    # a new code can be asked for; the details must match, and the answer says nothing
    await spaces.request_activation_code(stores, clock, ins, date(1999, 1, 1))
    await spaces.request_activation_code(stores, clock, ins, date(1980, 6, 15))
    fresh = await send_notice(stores, clock, outbox, patient)
    assert fresh != code
    activated = await spaces.activate_space(stores, clock, ins, fresh, PASSWORD, SOURCE)
    assert activated.status == "active"


# -- closure, reopening, deletion ------------------------------------------------------------------


async def test_closing_archives_and_reopening_restores(stores: Stores, clock: FakeClock) -> None:
    patient = await make_patient(stores, clock, 1, "active", activated_at=clock.now())
    closed = await spaces.close_space(stores, clock, holder(patient), patient["_id"])
    assert closed.status == "closed"
    found = await stores.patients.get(patient["_id"])
    assert found is not None
    assert found["space"]["archive_until"] is not None
    assert found["space"]["archive_until"].year == clock.now().year + 10
    clock.advance(timedelta(days=3650 - 10))
    assert (await spaces.reopen_space(stores, clock, holder(patient), patient["_id"])).status == (
        "active"
    )


async def test_an_archive_is_deleted_after_ten_years(stores: Stores, clock: FakeClock) -> None:
    patient = await make_patient(stores, clock, 1, "active", activated_at=clock.now())
    await profile.add_entry(
        stores, clock, holder(patient), patient["_id"], section="allergies", data={"substance": "x"}
    )
    await measurements.record(
        stores,
        clock,
        holder(patient),
        patient["_id"],
        code="8867-4",
        unit="/min",
        value=70,
        components=None,
        measured_at=clock.now(),
    )
    pro = Actor(ActorKind.PROFESSIONAL, "pro-1", "practice", frozenset({"messages:write"}))
    draft = messaging.Draft(body="Bonjour", subject="Suivi")
    await messaging.start_conversation(stores, clock, DocumentConfig(), pro, patient["_id"], draft)
    await spaces.close_space(stores, clock, holder(patient), patient["_id"])
    clock.advance(timedelta(days=3653))
    assert (await run_due(stores, clock)).counts["deleted"] == 1
    gone = await stores.patients.get(patient["_id"])
    assert gone is not None
    assert gone["space"]["status"] == "deleted"
    assert gone["identity"]["birth_names"] == ""
    assert gone["email"] is None
    assert gone["ins"] == patient["ins"]  # the tombstone keeps the INS: no re-provisioning
    for repository in (
        stores.profile_entries, stores.measurements, stores.profile_changes,
        stores.conversations, stores.messages, stores.news_events,
    ):  # fmt: skip
        assert await repository.count({"patient_id": patient["_id"]}) == 0
    with pytest.raises(NotAllowedNow):
        await spaces.reopen_space(stores, clock, holder(patient), patient["_id"])


async def test_a_deletion_request_is_honoured_within_three_months(
    stores: Stores, clock: FakeClock
) -> None:
    patient = await make_patient(stores, clock, 1, "active", activated_at=clock.now())
    await spaces.request_deletion(stores, clock, holder(patient), patient["_id"])
    assert await status_of(stores, patient) == "closed"
    clock.advance(spaces.DELETION_DELAY - timedelta(hours=1))
    assert (await run_due(stores, clock)).counts["deleted"] == 0
    clock.advance(timedelta(hours=1))
    assert (await run_due(stores, clock)).counts["deleted"] == 1
    assert timedelta(days=90) >= spaces.DELETION_DELAY


async def test_reopening_cancels_a_deletion_request(stores: Stores, clock: FakeClock) -> None:
    patient = await make_patient(stores, clock, 1, "active", activated_at=clock.now())
    await spaces.request_deletion(stores, clock, holder(patient), patient["_id"])
    await spaces.reopen_space(stores, clock, holder(patient), patient["_id"])
    clock.advance(spaces.DELETION_DELAY * 2)
    await run_due(stores, clock)
    assert await status_of(stores, patient) == "active"


# -- suspension ----------------------------------------------------------------------------------


async def test_a_suspension_closes_after_six_weeks_unless_contested(
    stores: Stores, clock: FakeClock
) -> None:
    kept = await make_patient(stores, clock, 1, "active", activated_at=clock.now())
    lost = await make_patient(stores, clock, 2, "active", activated_at=clock.now())
    for patient in (kept, lost):
        assert (await operators.suspend_space(stores, clock, OPERATOR, patient["_id"])).status == (
            "suspended"
        )
    clock.advance(timedelta(weeks=5))
    assert (await spaces.contest_suspension(stores, clock, holder(kept), kept["_id"])).status == (
        "active"
    )
    clock.advance(timedelta(weeks=1))
    assert (await run_due(stores, clock)).counts["suspensions_closed"] == 1
    assert await status_of(stores, kept) == "active"
    assert await status_of(stores, lost) == "closed"
    with pytest.raises(NotAllowedNow):  # closed for fraud: not reopened by its holder
        await spaces.reopen_space(stores, clock, holder(lost), lost["_id"])


async def test_only_operators_suspend_and_only_holders_close(
    stores: Stores, clock: FakeClock
) -> None:
    patient = await make_patient(stores, clock, 1, "active")
    other = await make_patient(stores, clock, 2, "active")
    with pytest.raises(Forbidden):
        await operators.suspend_space(stores, clock, holder(patient), patient["_id"])
    with pytest.raises(NotFound):
        await spaces.close_space(stores, clock, holder(other), patient["_id"])


# -- legal representatives -----------------------------------------------------------------------


async def test_a_parent_acts_for_a_child_until_they_turn_eighteen(
    stores: Stores, clock: FakeClock
) -> None:
    parent = await make_patient(stores, clock, 1, "active", born=date(1980, 6, 15))
    child = await make_patient(stores, clock, 2, "open", born=date(2010, 3, 20))
    await operators.add_representative(
        stores,
        clock,
        OPERATOR,
        child["_id"],
        representative_ins=parent["ins"]["matricule"],
        relation="parent",
    )
    assert await represents(stores, parent["_id"], child, today=date(2028, 3, 19))
    assert not await represents(stores, parent["_id"], child, today=date(2028, 3, 20))


# -- two replicas at once ------------------------------------------------------------------------


async def test_two_replicas_running_due_work_never_do_a_transition_twice(
    settings: Settings, stores: Stores, clock: FakeClock
) -> None:
    # Which replica claims what is the scheduler's choice: one may now and then take a whole
    # round before the other starts. Every round must be exact; at least one must have both
    # replicas working, or the test proved nothing about concurrency.
    people: list[PatientDoc] = []
    both_worked = False
    for round_ in range(5):
        batch = [await make_patient(stores, clock, 1000 * round_ + i) for i in range(120)]
        people += batch
        clock.advance(SIX_WEEKS)
        async with open_test_stores(settings) as replica_a, open_test_stores(settings) as replica_b:
            reports = await asyncio.gather(run_due(replica_a, clock), run_due(replica_b, clock))
        assert sum(report.counts["opened"] for report in reports) == len(batch)
        assert await stores.patients.count({"space.status": "open"}) == len(people)
        if all(report.counts["opened"] > 0 for report in reports):
            both_worked = True
            break
    assert both_worked, "in five rounds, one replica always did everything"
    await run_due(stores, clock)
    for patient in people:
        sent = await stores.outbox.count(
            {"patient_id": patient["_id"], "template": "activation-code"}
        )
        assert sent == 1
