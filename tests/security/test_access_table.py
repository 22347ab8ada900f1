"""Who may reach each address: the access table (``tests/access_table.toml``) against the portal.

A new address fails ``test_every_address_is_in_the_access_table`` until the table says who may use
it; a changed answer fails ``test_every_role_gets_the_answer_the_table_expects``.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import NoReverseMatch

from tests import figures

from .access import ANSWERS, PEOPLE, ROLES, answer_of, load
from .pages import url_names

pytestmark = pytest.mark.django_db


def test_every_address_is_in_the_access_table():
    cases = load()
    covered = {case.url for case in cases}
    missing = [name for name, _takes in url_names() if name not in covered]
    assert not missing, "say who may use these addresses in tests/access_table.toml: " + ", ".join(
        missing
    )
    stale = [case.key for case in cases if case.url not in dict(url_names())]
    assert not stale, f"the access table names addresses that no longer exist: {stale}"


def test_the_table_is_complete_and_well_formed():
    problems = []
    for case in load():
        if case.method == "get" and set(case.expected) != set(ROLES):
            problems.append(f"{case.key}: a GET case gives every role ({', '.join(ROLES)})")
        unknown = set(case.expected.values()) - ANSWERS
        if unknown or set(case.expected) - set(ROLES):
            problems.append(f"{case.key}: unknown answers or roles {sorted(unknown)}")
        if case.method not in {"get", "post"}:
            problems.append(f"{case.key}: method {case.method}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", ROLES)
def test_every_role_gets_the_answer_the_table_expects(role, portal, client_for):
    """GET cases first (they change nothing), then the refused actions (POST)."""
    client = Client() if role == "anonymous" else client_for(portal.people[PEOPLE.get(role, role)])
    cases = [case for case in load() if role in case.expected]
    cases.sort(key=lambda case: case.method != "get")
    mismatches = []
    for case in cases:
        try:
            address = case.address(portal)
        except NoReverseMatch as exc:  # pragma: no cover - a broken table entry
            mismatches.append(f"{case.key}: {exc}")
            continue
        if case.method == "post":
            response = client.post(address, case.form(portal))
        else:
            response = client.get(address)
        got = answer_of(response)
        if got != case.expected[role]:
            mismatches.append(f"{case.key} {address}: expected {case.expected[role]}, got {got}")
    figures.add("access_checks", len(cases))
    if role == ROLES[0]:
        figures.add("access_cases", len(load()))
    assert not mismatches, f"{role}:\n" + "\n".join(mismatches)
