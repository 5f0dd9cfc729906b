"""Scopes decide, field by field, what a token reads: a table over the whole vocabulary."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette

from resolvers.access.scopes import SCOPES
from resolvers.core.actors import ActorKind
from resolvers.demo.seed import stable_id
from schema import SchemaLimits, build_schema
from schema.core.scopes_doc import guarded_fields, render
from tests.oauth_support import PATIENT_INS, PROFESSIONAL_RPPS
from tests.support import GraphQLClient
from tests.tokens import seed, token_factory


@dataclass(frozen=True)
class Row:
    """A scope, a query reading a field it guards, where that field is, and what a token with
    the scope finds there (or the error code the next check gives, past the scope check)."""

    scope: str
    field: str
    query: str
    path: list[str]
    value: Any
    kind: ActorKind = ActorKind.PATIENT
    other_scope: str = "openid"
    granted_codes: tuple[str, ...] = ()
    base_scope: str = ""  # both tokens carry it (a field under a mutation's result)
    login: str | None = None  # default: the demo patient's INS


def section(scope: str, field: str, selection: str, value: Any) -> Row:
    """A row for a section of the demo patient's medical profile, read by its holder."""
    return Row(
        scope,
        f"MedicalProfile.{field}",
        f"{{ me {{ id patient {{ id profile {{ {field}{selection} }} }} }} }}",
        ["me", "patient", "profile", field],
        value,
    )


PROFILE_ROWS = [
    section(
        "profile.history:read",
        "history",
        " { label author { kind } }",
        [
            {"label": "Appendicectomie", "author": {"kind": "PROFESSIONAL"}},
            {"label": "Asthme", "author": {"kind": "PROFESSIONAL"}},
        ],
    ),
    section("profile.treatments:read", "treatments", " { name }", [{"name": "Salbutamol 100 µg"}]),
    section(
        "profile.allergies:read", "allergies", " { substance }", [{"substance": "Pénicilline"}]
    ),
    section(
        "profile.family-history:read",
        "familyHistory",
        " { condition }",
        [{"condition": "Diabète de type 2"}],
    ),
    section(
        "profile.vaccinations:read",
        "vaccinations",
        " { vaccine date }",
        [{"vaccine": "Grippe saisonnière", "date": "2026-10-02"}],
    ),
    section(
        "profile.directives:read", "directives", " { organDonation }", {"organDonation": "CONSENTS"}
    ),
    section(
        "profile.contacts:read",
        "contacts",
        " { name trustedPerson }",
        [{"name": "Paul MARTIN", "trustedPerson": True}],
    ),
    section(
        "profile.care-team:read",
        "careTeam",
        " { role }",
        [{"role": "PRIMARY_PHYSICIAN"}],
    ),
    section(
        "measurements:read",
        "measurements",
        '(code: "29463-7", first: 1) { totalCount edges { node { value unit } } }',
        {"totalCount": 10, "edges": [{"node": {"value": 62.2, "unit": "kg"}}]},
    ),
]

CAMILLE = stable_id("patient:camille")
START_AND_READ = (
    f'mutation {{ startConversation(input: {{patientId: "{CAMILLE}", subject: "s", body: "b"}}) '
    "{ ... on MessageSent { conversation { closed messages { totalCount } } } } }"
)


def agenda_row(field: str, selection: str, value: Any) -> Row:
    """A row for an agenda field of the demo patient, read by its holder."""
    name = field.partition("(")[0]
    return Row(
        "agenda:read",
        f"Patient.{name}",
        f"{{ me {{ id patient {{ id {field}{selection} }} }} }}",
        ["me", "patient", name],
        value,
    )


AGENDA_ROWS = [
    agenda_row(
        'agenda(from: "2026-01-01T00:00:00Z", to: "2026-12-31T00:00:00Z")',
        " { totalCount }",
        {"totalCount": 0},
    ),
    # Camille turns 45 on 14 March 2030: the dTP booster
    agenda_row('forecast(from: "2030-01-01", to: "2031-01-01")', " { id }", [{"id": "dtp-45y"}]),
    agenda_row("preventionMessages(categories: [DENTAL])", " { id }", []),  # only 3 to 24
    agenda_row(
        "agendaPreferences",
        " { preventionOff dismissedEntries }",
        {"preventionOff": [], "dismissedEntries": []},
    ),
    agenda_row("agendaFeed", " { active }", {"active": False}),
    Row(
        "agenda:read",
        "Query.agendaEvent",
        '{ me { id } agendaEvent(id: "unknown") { id } }',
        ["agendaEvent"],
        None,
        granted_codes=("NOT_FOUND",),
    ),
]

ROWS = [
    *PROFILE_ROWS,
    *AGENDA_ROWS,
    Row(
        "documents:read",
        "Patient.documents",
        "{ me { id patient { id documents { totalCount } } } }",
        ["me", "patient", "documents"],
        {"totalCount": 3},
    ),
    Row(
        "documents:read",
        "Query.document",
        '{ me { id } document(id: "unknown") { id } }',
        ["document"],
        None,
        granted_codes=("NOT_FOUND",),
    ),
    Row(
        "profile.identity:read",
        "Patient.identity",
        "{ me { id kind patient { id identity { birthNames ins { matricule } } } } }",
        ["me", "patient", "identity"],
        {"birthNames": "MARTIN", "ins": {"matricule": PATIENT_INS}},
    ),
    Row(
        "audit:read",
        "Patient.accessHistory",
        '{ me { id patient { id accessHistory(filter: {since: "2999-01-01T00:00:00Z"}) '
        "{ totalCount } } } }",
        ["me", "patient", "accessHistory"],
        {"totalCount": 0},
    ),
    Row(
        "audit:read",
        "Query.myAccessHistory",
        '{ me { id } myAccessHistory(filter: {since: "2999-01-01T00:00:00Z"}) { totalCount } }',
        ["myAccessHistory"],
        {"totalCount": 0},
    ),
    Row(
        "space:manage",
        "Patient.accessAuthorisations",
        "{ me { id patient { id accessAuthorisations { careTeamObjected emergencyObjected } } } }",
        ["me", "patient", "accessAuthorisations"],
        {"careTeamObjected": False, "emergencyObjected": False},
    ),
    Row(
        "space:manage",
        "Patient.space",
        "{ me { id patient { id space { status } } } }",
        ["me", "patient", "space"],
        {"status": "ACTIVE"},
    ),
    Row(
        "messages:read",
        "Query.conversations",
        "{ me { id } conversations { totalCount } }",
        ["conversations"],
        {"totalCount": 0},
    ),
    Row(
        "messages:read",
        "Query.conversation",
        '{ me { id } conversation(id: "unknown") { id } }',
        ["conversation"],
        None,
        granted_codes=("NOT_FOUND",),
    ),
    Row(
        "messages:read",
        "Query.unreadMessageCount",
        "{ me { id } unreadMessageCount }",
        ["unreadMessageCount"],
        0,
    ),
    Row(
        "messages:read",
        "Conversation.messages",
        START_AND_READ,
        ["startConversation", "conversation", "messages"],
        {"totalCount": 1},
        kind=ActorKind.PROFESSIONAL,
        base_scope="messages:write",
        login=PROFESSIONAL_RPPS,
    ),
    Row(
        "space:manage",
        "Query.notificationPreferences",
        f'{{ me {{ id }} notificationPreferences(patientId: "{CAMILLE}") {{ kind enabled }} }}',
        ["notificationPreferences"],
        [
            {"kind": kind, "enabled": True}
            for kind in ("DOCUMENT", "MESSAGE", "EMERGENCY_ACCESS", "DOCUMENT_RELEASED")
        ],
    ),
    Row(
        "space:manage",
        "Query.pairings",
        "{ me { id } pairings { id } }",
        ["pairings"],
        [],
    ),
    Row(
        "patients:find",
        "Query.findPatient",
        '{ me { id } findPatient(ins: {matricule: "285034410912329", oid: "1.2.250.1.213.1.4.8"}, '
        'traits: {birthNames: "MARTIN", firstNames: ["CAMILLE"], birthDate: "1985-03-14", '
        'sex: "F"}) { found standing } }',
        ["findPatient"],
        {"found": True, "standing": "PRIMARY_PHYSICIAN"},
        kind=ActorKind.PROFESSIONAL,
        login=PROFESSIONAL_RPPS,
    ),
    Row(
        "patients:find",
        "Query.myPatients",
        "{ me { id } myPatients(first: 1) { pageInfo { hasPreviousPage } } }",
        ["myPatients"],
        {"pageInfo": {"hasPreviousPage": False}},
        kind=ActorKind.PROFESSIONAL,
        login=PROFESSIONAL_RPPS,
    ),
    Row(
        "catalogue:admin",
        "Query.catalogueAdmin",
        "{ me { id } catalogueAdmin { totalCount } }",
        ["catalogueAdmin"],
        {"totalCount": 0},
        kind=ActorKind.OPERATOR,
        other_scope="admin",
    ),
    Row(
        "provisioning",
        "Query.provisioningBatches",
        "{ me { id } provisioningBatches { totalCount } }",
        ["provisioningBatches"],
        {"totalCount": 0},
        kind=ActorKind.OPERATOR,
        other_scope="admin",
    ),
    Row(
        "provisioning",
        "Query.provisioningBatch",
        '{ me { id } provisioningBatch(id: "unknown") { id } }',
        ["provisioningBatch"],
        None,
        kind=ActorKind.OPERATOR,
        other_scope="admin",
        granted_codes=("NOT_FOUND",),
    ),
]


def at(data: Any, path: list[str]) -> Any:
    for key in path:
        data = data[key]
    return data


def without(data: Any, path: list[str]) -> Any:
    """``data`` with the value at ``path`` blanked, to compare everything else."""
    if not path:
        return "<blank>"
    return {**data, path[0]: without(data[path[0]], path[1:])}


@pytest.fixture
async def seeded(app: Starlette) -> Starlette:
    await seed(app)
    return app


@pytest.mark.parametrize("row", ROWS, ids=[row.field for row in ROWS])
async def test_a_scope_opens_its_field_and_its_absence_closes_only_that_field(
    seeded: Starlette, gql: GraphQLClient, row: Row
) -> None:
    make = token_factory(seeded)
    login = row.login or (PATIENT_INS if row.kind is ActorKind.PATIENT else None)
    granted_token = await make(row.kind, login, f"{row.scope} {row.base_scope}".strip())
    denied_token = await make(row.kind, login, f"{row.other_scope} {row.base_scope}".strip())
    granted = await gql.post(row.query, headers={"authorization": f"Bearer {granted_token}"})
    denied = await gql.post(row.query, headers={"authorization": f"Bearer {denied_token}"})
    assert tuple(granted.codes) == row.granted_codes, granted.errors
    assert at(granted.data, row.path) == row.value
    assert at(denied.data, row.path) is None
    [error] = denied.errors
    assert error["path"] == row.path
    assert error["extensions"] == {"code": "INSUFFICIENT_SCOPE", "missingScopes": [row.scope]}
    assert without(denied.data, row.path) == without(granted.data, row.path)


# Every scoped mutation, with arguments that would reach it: a token without the scope must be
# refused before anything runs.
MUTATIONS = {
    "Mutation.closeSpace": 'closeSpace(patientId: "x") { __typename }',
    "Mutation.setNotificationPreference": 'setNotificationPreference(patientId: "x", '
    "channel: EMAIL, kind: MESSAGE, enabled: false) { __typename }",
    "Mutation.reopenSpace": 'reopenSpace(patientId: "x") { __typename }',
    "Mutation.requestSpaceDeletion": 'requestSpaceDeletion(patientId: "x") { __typename }',
    "Mutation.contestSuspension": 'contestSuspension(patientId: "x") { __typename }',
    "Mutation.suspendSpace": 'suspendSpace(patientId: "x") { __typename }',
    "Mutation.addRepresentative": (
        'addRepresentative(patientId: "x", representativeIns: "x", relation: "parent") '
        "{ __typename }"
    ),
    "Mutation.addProfileEntry": (
        'addProfileEntry(patientId: "x", entry: { allergy: { substance: "x" } }) { __typename }'
    ),
    "Mutation.updateProfileEntry": (
        'updateProfileEntry(patientId: "x", entryId: "x", entry: { allergy: { substance: "x" } })'
        " { __typename }"
    ),
    "Mutation.removeProfileEntry": (
        'removeProfileEntry(patientId: "x", entryId: "x") { __typename }'
    ),
    "Mutation.recordMeasurement": (
        'recordMeasurement(patientId: "x", input: { code: "29463-7", unit: "kg", value: 60, '
        'measuredAt: "2026-01-01T00:00:00Z" }) { __typename }'
    ),
    "Mutation.removeMeasurement": (
        'removeMeasurement(patientId: "x", measurementId: "x") { __typename }'
    ),
    "Mutation.depositDocument": (
        'depositDocument(patientId: "x", file: "x", metadata: {typeCode: "x", classCode: "x", '
        'title: "x", createdAt: "2026-01-01T00:00:00Z"}) { __typename }'
    ),
    "Mutation.requestDocumentUpload": (
        'requestDocumentUpload(patientId: "x", metadata: {typeCode: "x", classCode: "x", '
        'title: "x", createdAt: "2026-01-01T00:00:00Z"}, contentType: "x", size: 1, sha256: "x") '
        "{ __typename }"
    ),
    "Mutation.confirmDocumentUpload": 'confirmDocumentUpload(documentId: "x") { __typename }',
    "Mutation.issueDocumentUrl": 'issueDocumentUrl(documentId: "x") { __typename }',
    "Mutation.requestSpaceExport": 'requestSpaceExport(patientId: "x") { __typename }',
    "Mutation.hideDocumentFromProfessionals": (
        'hideDocumentFromProfessionals(documentId: "x", hidden: true) { __typename }'
    ),
    "Mutation.hideDocumentFromRepresentatives": (
        'hideDocumentFromRepresentatives(documentId: "x", hidden: true) { __typename }'
    ),
    "Mutation.releaseDocument": 'releaseDocument(documentId: "x") { __typename }',
    "Mutation.deleteDocument": 'deleteDocument(documentId: "x") { __typename }',
    "Mutation.withdrawDocument": 'withdrawDocument(documentId: "x", reason: "x") { __typename }',
    "Mutation.setHiddenDocumentAccess": (
        'setHiddenDocumentAccess(professionalId: "x", granted: true) { __typename }'
    ),
    "Mutation.setDmpMigrationObjection": "setDmpMigrationObjection(objected: true) { __typename }",
    "Mutation.setProfessionalAccess": (
        'setProfessionalAccess(patientId: "x", professionalId: "x", consent: true) { __typename }'
    ),
    "Mutation.setAccessObjections": (
        'setAccessObjections(patientId: "x", emergency: true) { __typename }'
    ),
    "Mutation.startConversation": (
        'startConversation(input: {patientId: "x", subject: "x", body: "x"}) { __typename }'
    ),
    "Mutation.sendMessage": 'sendMessage(input: {conversationId: "x", body: "x"}) { __typename }',
    "Mutation.markConversationRead": 'markConversationRead(conversationId: "x") { __typename }',
    "Mutation.archiveConversation": 'archiveConversation(conversationId: "x") { __typename }',
    "Mutation.createCatalogueApp": (
        'createCatalogueApp(input: {name: "x", publisher: "x", description: "x", '
        'domain: PREVENTION, categories: [], retentionDays: 1, consentText: "x"}) { __typename }'
    ),
    "Mutation.updateCatalogueApp": (
        'updateCatalogueApp(id: "x", input: {name: "x", publisher: "x", description: "x", '
        'domain: PREVENTION, categories: [], retentionDays: 1, consentText: "x"}) { __typename }'
    ),
    "Mutation.setCatalogueAppStatus": (
        'setCatalogueAppStatus(id: "x", status: REFERENCED) { __typename }'
    ),
    "Mutation.revokePairing": 'revokePairing(patientId: "x", pairingId: "x") { __typename }',
    "Mutation.declareEmergencyAccess": (
        'declareEmergencyAccess(patientId: "x", reason: "x") { __typename }'
    ),
    "Mutation.addAgendaEvent": (
        'addAgendaEvent(patientId: "x", input: {kind: APPOINTMENT, title: "x"}) { __typename }'
    ),
    "Mutation.changeAgendaEvent": (
        'changeAgendaEvent(eventId: "x", input: {kind: APPOINTMENT, title: "x"}) { __typename }'
    ),
    "Mutation.cancelAgendaEvent": 'cancelAgendaEvent(eventId: "x") { __typename }',
    "Mutation.acceptForecastEntry": (
        'acceptForecastEntry(patientId: "x", entryId: "x") { __typename }'
    ),
    "Mutation.dismissForecastEntry": (
        'dismissForecastEntry(patientId: "x", entryId: "x") { __typename }'
    ),
    "Mutation.setPreventionCategory": (
        'setPreventionCategory(patientId: "x", category: DENTAL, enabled: false) { __typename }'
    ),
    "Mutation.createAgendaFeed": 'createAgendaFeed(patientId: "x") { __typename }',
    "Mutation.revokeAgendaFeed": 'revokeAgendaFeed(patientId: "x") { __typename }',
    "Mutation.requestProvisioningUpload": "requestProvisioningUpload(format: CSV) { __typename }",
    "Mutation.startProvisioning": 'startProvisioning(batchId: "x") { __typename }',
}


@pytest.mark.parametrize("field", sorted(MUTATIONS))
async def test_a_mutation_without_its_scope_is_refused_before_it_runs(
    seeded: Starlette, gql: GraphQLClient, field: str
) -> None:
    guarded = guarded_fields(build_schema(SchemaLimits()))
    [scope] = [name for name, fields in guarded.items() if field in fields]
    token = await token_factory(seeded)(ActorKind.PATIENT, PATIENT_INS, "openid")
    answer = await gql.post(
        f"mutation {{ {MUTATIONS[field]} }}", headers={"authorization": f"Bearer {token}"}
    )
    assert answer.data == {field.split(".")[1]: None}
    assert answer.errors[0]["extensions"] == {
        "code": "INSUFFICIENT_SCOPE",
        "missingScopes": [scope],
    }


# Subscriptions run on websockets only: each has its scope test there.
SUBSCRIPTIONS = {
    "Subscription.messagingEvents": "tests/api/messaging/test_live.py",
}


async def test_every_guarded_field_is_in_a_table() -> None:
    guarded = guarded_fields(build_schema(SchemaLimits()))
    in_table = {(row.scope, row.field) for row in ROWS}
    for scope, fields in guarded.items():
        for field in fields:
            if field.startswith("Mutation."):
                assert field in MUTATIONS, f"add {field} to MUTATIONS"
                continue
            if field.startswith("Subscription."):
                assert field in SUBSCRIPTIONS, f"add {field} to SUBSCRIPTIONS"
                continue
            assert (scope, field) in in_table, f"add a row for {field} ({scope})"
    for row in ROWS:
        assert row.field in guarded.get(row.scope, []), f"{row.field} is not guarded by {row.scope}"


def test_every_scope_is_described_for_integrators_and_for_consent() -> None:
    names = [scope.name for scope in SCOPES]
    assert len(names) == len(set(names))
    for scope in SCOPES:
        assert scope.description.endswith(".")
        assert scope.consent
        assert scope.kinds


def test_the_scopes_document_is_up_to_date(project_root: Path) -> None:
    expected = render(build_schema(SchemaLimits()))
    current = (project_root / "docs" / "scopes.md").read_text(encoding="utf-8")
    assert current == expected, "docs/scopes.md is stale: run `espace-sante scopes-doc`"


async def test_unauthenticated_requests_get_null_and_unauthenticated(
    seeded: Starlette, gql: GraphQLClient
) -> None:
    answer = await gql.post("{ me { id } service { name } }")
    assert answer.data == {"me": None, "service": {"name": "Mon espace santé API"}}
    assert answer.codes == ["UNAUTHENTICATED"]
