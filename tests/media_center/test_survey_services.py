"""Survey writes: who may make and run surveys, and how votes are counted."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import AuditEvent
from media_center import voting
from media_center.models import Survey, Vote
from media_center.services import (
    SurveyError,
    VoteStatus,
    embed_site_add,
    embed_site_remove,
    normalise_origin,
    survey_create,
    survey_feature,
    survey_set_open,
    vote_cast,
)
from tests.media_center.survey_helpers import make_survey

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["editor", "kadis"])
def test_editors_and_kepala_dinas_create_surveys_with_the_default_question(request, who):
    user = request.getfixturevalue(who)
    survey = survey_create(actor=user)
    assert survey.question == "Bagaimana pendapat Anda tentang layanan informasi kami?"
    assert survey.slug.startswith("bagaimana-pendapat-anda")
    assert survey.is_open
    assert AuditEvent.objects.filter(action="survey.create", actor=user).exists()


@pytest.mark.parametrize("who", ["staf", "admin_user"])
def test_staff_and_admin_may_not_create_surveys(request, who):
    with pytest.raises(PermissionDenied):
        survey_create(actor=request.getfixturevalue(who))
    assert not Survey.objects.exists()


def test_slugs_stay_unique_and_valid(editor):
    first = survey_create(actor=editor, question="Layanan kami?")
    second = survey_create(actor=editor, question="Layanan kami?")
    assert (first.slug, second.slug) == ("layanan-kami", "layanan-kami-2")
    with pytest.raises(ValidationError):
        survey_create(actor=editor, slug="<b>bad slug</b>")


def test_only_one_survey_is_shown_in_the_widget(editor, kadis):
    first = make_survey(editor, slug="satu", featured=True)
    second = make_survey(kadis, slug="dua")
    survey_feature(actor=kadis, survey=second)
    assert list(Survey.objects.filter(is_featured=True)) == [second]
    first.refresh_from_db()
    assert not first.is_featured


def test_closing_and_opening_are_recorded(editor):
    survey = make_survey(editor)
    survey_set_open(actor=editor, survey=survey, is_open=False)
    survey_set_open(actor=editor, survey=survey, is_open=True)
    actions = list(
        AuditEvent.objects.filter(object_type="media_center.survey", object_id=str(survey.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["survey.create", "survey.close", "survey.open"]


def test_staff_may_not_close_a_survey(editor, staf):
    survey = make_survey(editor)
    with pytest.raises(PermissionDenied):
        survey_set_open(actor=staf, survey=survey, is_open=False)


def test_one_voter_counts_once_per_period_and_again_the_next(editor):
    survey = make_survey(editor)
    now = timezone.now()
    args = {"survey": survey, "client": "c1", "voter_id": "voter-aaaaaaaaaaaaaaaa"}
    assert vote_cast(answer="puas", at=now, **args) is VoteStatus.COUNTED
    assert vote_cast(answer="tidak_puas", at=now, **args) is VoteStatus.ALREADY_VOTED
    assert vote_cast(answer="puas", at=now + timedelta(days=1), **args) is VoteStatus.COUNTED
    assert list(Vote.objects.order_by("created_at").values_list("answer", flat=True)) == [
        "puas",
        "puas",
    ]


def test_the_period_is_configurable(editor, settings):
    settings.SURVEY_VOTE_PERIOD_HOURS = 1
    survey = make_survey(editor)
    now = timezone.now()
    args = {"survey": survey, "client": "c1", "voter_id": "voter-aaaaaaaaaaaaaaaa"}
    assert vote_cast(answer="puas", at=now, **args) is VoteStatus.COUNTED
    assert vote_cast(answer="puas", at=now + timedelta(hours=1), **args) is VoteStatus.COUNTED


def test_periods_start_at_midnight_wib():
    # 23:59 and 00:01 WIB on the next day fall in different daily periods.
    before = datetime(2026, 11, 28, 16, 59, tzinfo=UTC).timestamp()
    after = before + 120
    assert voting.period_of(after, hours=24) == voting.period_of(before, hours=24) + 1


def test_unknown_answer_and_closed_survey_store_nothing(editor):
    survey = make_survey(editor)
    with pytest.raises(SurveyError):
        vote_cast(survey=survey, answer="sangat puas", client="c")
    survey_set_open(actor=editor, survey=survey, is_open=False)
    survey.refresh_from_db()
    with pytest.raises(SurveyError):
        vote_cast(survey=survey, answer="puas", client="c")
    assert not Vote.objects.exists()


def test_the_raw_address_is_never_stored(editor):
    survey = make_survey(editor)
    client = voting.client_hash("203.0.113.7", "Mozilla/5.0")
    vote_cast(
        survey=survey, answer="puas", client=client, address_key=voting.address_hash("203.0.113.7")
    )
    vote = Vote.objects.get()
    stored = " ".join(str(getattr(vote, f.attname)) for f in Vote._meta.fields)
    assert "203.0.113.7" not in stored
    assert len(vote.client_hash) == 64


def test_the_rate_limit_counts_attempts_per_address(editor, settings):
    settings.SURVEY_VOTES_PER_ADDRESS_PER_MINUTE = 3
    survey = make_survey(editor)
    address = voting.address_hash("198.51.100.1")
    statuses = [
        vote_cast(
            survey=survey, answer="puas", client=f"c{i}", voter_id=f"v{i:020d}", address_key=address
        )
        for i in range(5)
    ]
    assert statuses == [VoteStatus.COUNTED] * 3 + [VoteStatus.RATE_LIMITED] * 2
    other = voting.address_hash("198.51.100.2")
    assert (
        vote_cast(survey=survey, answer="puas", client="x", address_key=other) is VoteStatus.COUNTED
    )


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("https://www.Example.go.id/", "https://www.example.go.id"),
        ("http://kab.example.go.id:8080", "http://kab.example.go.id:8080"),
        ("https://kab.example.go.id:443", "https://kab.example.go.id"),
    ],
)
def test_embedding_sites_are_stored_as_origins(kadis, given, stored):
    assert normalise_origin(given) == stored
    site = embed_site_add(actor=kadis, origin=given)
    assert site.origin == stored


@pytest.mark.parametrize(
    "bad", ["www.example.go.id", "javascript:alert(1)", "https://u:p@x.id", "ftp://x.id"]
)
def test_embedding_site_addresses_are_checked(kadis, bad):
    with pytest.raises(ValidationError):
        embed_site_add(actor=kadis, origin=bad)


def test_embedding_sites_are_managed_by_editors_and_kepala_dinas_only(editor, staf, admin_user):
    site = embed_site_add(actor=editor, origin="https://a.example.go.id")
    for outsider in (staf, admin_user):
        with pytest.raises(PermissionDenied):
            embed_site_add(actor=outsider, origin="https://b.example.go.id")
        with pytest.raises(PermissionDenied):
            embed_site_remove(actor=outsider, site=site)
    embed_site_remove(actor=editor, site=site)
    assert AuditEvent.objects.filter(action="embed_site.remove").exists()
