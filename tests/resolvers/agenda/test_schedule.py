"""The forecast calendar as data, and the pure functions that date it from a birth date: a
newborn, a 12-year-old and a 70-year-old; prevention messages saying why, per category."""

from __future__ import annotations

from datetime import date

import pytest

from resolvers.agenda.prevention import PreventionMessage, messages
from resolvers.agenda.schedule import (
    CATEGORIES,
    Age,
    ForecastCalendarError,
    ForecastEntry,
    age_on,
    calendar,
    due_on,
    entry,
    forecast,
    parse_calendar,
)


def ids(entries: list[ForecastEntry]) -> set[str]:
    return {e.id for e in entries}


def entry_ids(found: list[PreventionMessage]) -> set[str]:
    return {m.entry.id for m in found}


def test_the_shipped_calendar_has_the_twenty_child_examinations_and_a_source_for_each_entry() -> (
    None
):
    shipped = calendar()
    exams = [rule for rule in shipped.rules if rule.category == "child-examination"]
    assert len(exams) == 20  # R2132-1
    assert all(rule.mandatory for rule in exams)
    assert {rule.category for rule in shipped.rules} == set(CATEGORIES)
    assert all(
        rule.source.title and rule.source.url.startswith("https://") for rule in shipped.rules
    )
    lifetime = list(shipped.entries(date(2000, 1, 1)))
    assert len({e.id for e in lifetime}) == len(lifetime)  # repetitions have their own ids
    dental = [e for e in lifetime if e.category == "dental"]
    assert [e.age.years for e in dental] == list(range(3, 25))  # every year from 3 to 24
    assert [e.id for e in lifetime if e.id.startswith("dtp-senior")] == [
        "dtp-senior@65y", "dtp-senior@75y", "dtp-senior@85y", "dtp-senior@95y", "dtp-senior@105y",
    ]  # fmt: skip


def test_a_newborn_is_due_the_first_examination_then_the_infant_schedule() -> None:
    born = date(2026, 3, 1)
    assert ids(due_on(born, date(2026, 3, 5))) == {"exam-8d"}
    assert ids(due_on(born, date(2026, 3, 10))) == {"exam-2w"}
    two_months = due_on(born, date(2026, 5, 1))
    assert ids(two_months) == {"hexavalent-1", "pneumococcal-1", "rotavirus-1", "exam-2m"}
    first_year = forecast(born, since=born, until=date(2027, 3, 1))
    hexavalent = [e for e in first_year if e.id.startswith("hexavalent")]
    assert [(e.id, e.due_from, e.due_until) for e in hexavalent] == [
        ("hexavalent-1", date(2026, 5, 1), date(2026, 6, 1)),
        ("hexavalent-2", date(2026, 7, 1), date(2026, 8, 1)),
        ("hexavalent-3", date(2027, 2, 1), date(2027, 3, 1)),
    ]
    assert [e.id for e in first_year if e.id.startswith("meningococcal-b")] == [
        "meningococcal-b-1",
        "meningococcal-b-2",
    ]  # fmt: skip  (the booster, at 12 months, falls on 1 March 2027: outside)
    assert first_year == sorted(first_year, key=lambda e: (e.due_from, e.id))


def test_a_twelve_year_old_is_due_boosters_hpv_an_examination_and_the_dentist() -> None:
    born = date(2014, 1, 10)
    due = due_on(born, date(2026, 3, 1))
    assert ids(due) == {
        "dtcap-11y", "hpv", "meningococcal-acwy-11y", "exam-11y", "mt-dents@12y",
    }  # fmt: skip
    [dental] = [e for e in due if e.category == "dental"]
    assert (dental.due_from, dental.due_until) == (date(2026, 1, 10), date(2027, 1, 10))
    assert dental.reason.endswith("celui de 12 ans")


def test_a_seventy_year_old_is_due_the_yearly_and_the_once_after_65_vaccines() -> None:
    born = date(1956, 2, 1)
    due = due_on(born, date(2026, 3, 1))
    assert ids(due) == {"influenza@70y", "covid-19@70y", "pneumococcal-65y", "shingles"}
    coming = forecast(born, since=date(2026, 3, 1), until=date(2032, 1, 1))
    assert "dtp-senior@75y" in ids(coming)
    assert "rsv" in ids(coming)  # from 75
    assert not {e for e in coming if e.category != "vaccination"}


def test_leap_day_births_and_month_ends_are_dated_as_people_count_ages() -> None:
    assert Age(months=2).on(date(2025, 12, 31)) == date(2026, 2, 28)
    assert Age(years=1).on(date(2024, 2, 29)) == date(2025, 2, 28)
    assert age_on(date(2026, 3, 1), date(2026, 3, 5)).label() == "4 jours"
    assert age_on(date(2026, 3, 1), date(2026, 4, 5)).label() == "5 semaines"
    assert age_on(date(2025, 1, 10), date(2026, 3, 1)).label() == "13 mois"
    assert age_on(date(2001, 3, 2), date(2026, 3, 1)).label() == "24 ans"


def test_a_prevention_message_says_why_it_was_sent() -> None:
    born = date(2001, 1, 15)
    [message] = messages(born, date(2026, 3, 1), None, set(), set())
    assert message.entry.id == "dtcap-25y"
    assert message.reason == "Vous avez 25 ans et le rappel dTcaP est recommandé à 25 ans."
    assert message.text.endswith("avant le 15/01/2027.")
    for_a_parent = messages(date(2014, 1, 10), date(2026, 3, 1), "Léa", set(), set())
    assert for_a_parent[0].reason.startswith("Léa a 12 ans et ")
    assert for_a_parent[0].entry.mandatory  # the mandatory examination comes first


def test_a_switched_off_category_and_settled_entries_produce_nothing() -> None:
    born, today = date(2014, 1, 10), date(2026, 3, 1)
    every = messages(born, today, None, set(), set())
    assert {m.entry.category for m in every} == {"vaccination", "child-examination", "dental"}
    without = messages(born, today, None, {"vaccination"}, set())
    assert {m.entry.category for m in without} == {"child-examination", "dental"}
    assert messages(born, today, None, set(CATEGORIES), set()) == []
    settled = messages(born, today, None, set(), {"hpv", "mt-dents@12y"})
    assert entry_ids(settled) == entry_ids(every) - {"hpv", "mt-dents@12y"}


def test_an_entry_is_found_by_its_id_whenever_it_is_due() -> None:
    found = entry(date(1956, 2, 1), "influenza@80y")
    assert found is not None
    assert found.due_from == date(2036, 2, 1)
    assert entry(date(1956, 2, 1), "influenza@120y") is None
    assert entry(date(1956, 2, 1), "nothing") is None


GOOD = """
[sources.s]
title = "t"
url = "https://example.org"
[[entry]]
id = "a"
category = "dental"
title = "t"
when = "w"
reason = "r"
from = "1y"
to = "2y"
mandatory = false
source = "s"
"""


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('id = "a"', 'id = "a@1"'), "unique id"),
        (('category = "dental"', 'category = "screening"'), "unknown category"),
        (('source = "s"', 'source = "other"'), "unknown category or source"),
        (('to = "2y"', 'to = "1y"'), "empty window"),
        (('from = "1y"', 'from = "one year"'), "not an age"),
        (("mandatory = false", 'every = "1y"\nmandatory = false'), "every and last"),
        (('reason = "r"', 'reason = ""'), "required"),
        (("[[entry]]", "[[entry]"), "not TOML"),
    ],
)
def test_a_malformed_calendar_is_refused_at_load(change: tuple[str, str], message: str) -> None:
    assert parse_calendar(GOOD).rules[0].id == "a"
    with pytest.raises(ForecastCalendarError, match=message):
        parse_calendar(GOOD.replace(*change))
