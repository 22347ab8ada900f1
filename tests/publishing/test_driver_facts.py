"""What the drivers declare about their platforms, and what the portal builds from it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from publishing import enqueue
from publishing.drivers.facts import AccountFacts, DriverFacts
from publishing.drivers.registry import (
    DriverName,
    Platform,
    driver_class,
    driver_names,
    facts_of,
    oauth_callbacks,
    oauth_drivers,
    platform_of,
)
from publishing.models import Channel


def test_the_choices_are_built_from_the_registered_drivers():
    assert [(value, str(label)) for value, label in Platform.choices] == [
        ("facebook", "Facebook"), ("x", "X"), ("instagram", "Instagram"), ("website", "Situs web")
    ]  # fmt: skip
    assert DriverName.values == driver_names()
    assert {platform_of(name) for name in driver_names()} == set(Platform.values)
    # The models use the same choices: there is one Platform.
    assert Channel._meta.get_field("platform").choices == Platform.choices
    assert Channel._meta.get_field("driver").choices == DriverName.choices


@pytest.mark.parametrize(
    "name", ["facebook", "instagram_graph", "instagram_private", "x", "wordpress"]
)
def test_every_driver_declares_its_facts(name):
    facts = facts_of(name)
    assert isinstance(facts, DriverFacts)
    assert "{handle}" in facts.profile_url and facts.credential_kinds
    assert callable(driver_class(name).credential_from)
    assert facts.text_length("abc") == 3


def test_oauth_is_declared_by_the_drivers_that_connect_through_a_consent_page():
    assert oauth_drivers() == {"facebook", "instagram_graph", "x"}
    assert oauth_callbacks() == {"facebook", "x"}
    assert facts_of("instagram_private").oauth is None
    assert facts_of("instagram_private").credential_kinds == ("password", "instagrapi_session")


def test_each_driver_shapes_the_vaults_secret_itself():
    expires = datetime(2026, 1, 2, tzinfo=UTC)
    account = AccountFacts(external_id="42", handle="@kominfo", expires_at=expires)
    secret = {"access_token": "a-token"}
    assert driver_class("facebook").credential_from(dict(secret), account)["page_id"] == "42"
    assert driver_class("instagram_graph").credential_from(dict(secret), account) == {
        "access_token": "a-token",
        "ig_user_id": "42",
    }
    assert driver_class("x").credential_from(dict(secret), account) == {
        "access_token": "a-token",
        "user_id": "42",
        "username": "kominfo",
        "expires_at": expires.timestamp(),
    }
    private = driver_class("instagram_private").credential_from(
        {"username": "u", "password": "p", "session": {"uuids": {}}}, account
    )
    assert private == {"username": "u", "password": "p", "settings": {"uuids": {}}}


def test_x_counts_the_weighted_length():
    assert facts_of("x").text_length("https://example.com/" + "a" * 100) == 23
    assert facts_of("facebook").text_length("https://example.com/" + "a" * 100) == 120


def test_enqueue_names_tasks_the_workers_know():
    import publishing.tasks  # noqa: F401 - registers the tasks, as a worker does
    from config.celery import app

    names = [enqueue.DELIVER, enqueue.COMPLETE_LOGIN]
    names += [enqueue.SYNC_MIRROR_CHANNEL, enqueue.SYNC_DELETE_MIRRORS]
    for name in names:
        assert name in app.tasks, name
