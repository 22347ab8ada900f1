"""The office's rules: the approval chain by role and division, the fresh second factor, the
budget line's remaining amount, rejections with a comment, the stop, and the paper trail."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import AuditEvent, Notification
from accounts.services import TwoFactorNotFresh
from boosts import services
from boosts.budget import line_figures
from boosts.models import BoostSpendDay, BoostStatus

from .conftest import fresh, stale

pytestmark = pytest.mark.django_db


def test_a_request_goes_through_both_approvals_with_its_paper_trail(
    make_boost, editor, kabid, kadis, queued
):
    boost = make_boost()
    assert boost.status == BoostStatus.SUBMITTED
    assert boost.planned == 300_000  # Rp 100.000 a day for three days
    assert Notification.objects.filter(recipient=kabid, kind="boost.submitted").exists()
    boost = services.boost_approve_division(actor=kabid, boost=boost)
    assert boost.status == BoostStatus.APPROVED_DIVISION
    assert Notification.objects.filter(recipient=kadis, kind="boost.approved_division").exists()
    boost = services.boost_approve(actor=kadis, boost=boost, request=fresh(kadis))
    assert boost.status == BoostStatus.APPROVED
    assert ("boosts.tasks.boost_launch", boost.pk) in queued  # the worker is asked to create it
    steps = [s.action for s in boost.steps.all()]
    assert steps == ["create", "submit", "approve_division", "approve"]
    actions = set(AuditEvent.objects.filter(object_type="boosts.boostrequest")
                  .values_list("action", flat=True))  # fmt: skip
    assert {"boost.create", "boost.submit", "boost.approve_division", "boost.approve"} <= actions
    assert Notification.objects.filter(recipient=editor, kind="boost.approved").exists()
    assert line_figures(boost.budget_line).committed == 300_000


def test_the_kepala_bidang_approves_only_their_division(make_boost, kabid_other, editor):
    boost = make_boost()
    with pytest.raises(PermissionDenied):
        services.boost_approve_division(actor=kabid_other, boost=boost)
    with pytest.raises(PermissionDenied):
        services.boost_approve_division(actor=editor, boost=boost)


def test_the_kepala_dinas_needs_a_fresh_second_factor(make_boost, kabid, kadis):
    boost = services.boost_approve_division(actor=kabid, boost=make_boost())
    with pytest.raises(TwoFactorNotFresh):
        services.boost_approve(actor=kadis, boost=boost, request=stale(kadis))
    with pytest.raises(TwoFactorNotFresh):
        services.boost_approve(actor=kadis, boost=boost, request=None)
    boost.refresh_from_db()
    assert boost.status == BoostStatus.APPROVED_DIVISION


def test_only_the_kepala_dinas_gives_the_final_approval(make_boost, kabid):
    boost = services.boost_approve_division(actor=kabid, boost=make_boost())
    with pytest.raises(PermissionDenied):
        services.boost_approve(actor=kabid, boost=boost, request=fresh(kabid))


def test_the_final_approval_follows_the_kepala_bidang(make_boost, kabid, kadis):
    boost = make_boost()
    with pytest.raises(ValidationError):
        services.boost_approve(actor=kadis, boost=boost, request=fresh(kadis))


def test_a_division_without_a_kepala_bidang_goes_to_the_kepala_dinas(make_boost, kadis):
    boost = make_boost()
    assert Notification.objects.filter(recipient=kadis, kind="boost.submitted").exists()
    boost = services.boost_approve(actor=kadis, boost=boost, request=fresh(kadis))
    assert boost.status == BoostStatus.APPROVED
    assert "Kepala Bidang" in boost.steps.get(action="approve").comment


def test_a_request_over_the_lines_remaining_amount_cannot_be_approved(
    make_boost, kabid, kadis, line
):
    first = services.boost_approve_division(actor=kabid, boost=make_boost(amount=200_000))
    services.boost_approve(actor=kadis, boost=first, request=fresh(kadis))  # Rp 600.000 committed
    # Rp 100.000 spent by the first already: Rp 400.000 left on the line.
    BoostSpendDay.objects.create(boost=first, day=timezone.localdate(), spend=Decimal("100000"))
    assert line_figures(line).left == 1_000_000 - 500_000 - 100_000
    second = make_boost(amount=150_000)  # Rp 450.000 planned
    with pytest.raises(ValidationError, match="melebihi sisa pos anggaran"):
        services.boost_approve_division(actor=kabid, boost=second)
    third = services.boost_approve_division(actor=kabid, boost=make_boost(amount=100_000))
    # The first boost is stopped: what it did not spend is free again.
    services.boost_stop(actor=kadis, boost=first, reason="Acara dibatalkan.")
    assert line_figures(line).committed == 0
    assert line_figures(line).spent == 100_000
    services.boost_approve(actor=kadis, boost=third, request=fresh(kadis))


def test_a_rejection_needs_a_comment_and_tells_the_author(make_boost, kabid, editor):
    boost = make_boost()
    with pytest.raises(ValidationError):
        services.boost_reject(actor=kabid, boost=boost, comment="  ")
    boost = services.boost_reject(actor=kabid, boost=boost, comment="Anggaran untuk acara lain.")
    assert boost.status == BoostStatus.REJECTED
    assert boost.review_comment == "Anggaran untuk acara lain."
    note = Notification.objects.get(recipient=editor, kind="boost.rejected")
    assert "Anggaran untuk acara lain." in note.message


def test_the_kepala_dinas_stops_any_boost_at_once(make_boost, kabid, kadis, editor, queued):
    boost = services.boost_approve_division(actor=kabid, boost=make_boost())
    boost = services.boost_approve(actor=kadis, boost=boost, request=fresh(kadis))
    with pytest.raises(PermissionDenied):
        services.boost_stop(actor=editor, boost=boost, reason="")
    with pytest.raises(PermissionDenied):
        services.boost_stop(actor=kabid, boost=boost, reason="")
    boost.campaign_id = "120000000001"
    boost.save()
    boost = services.boost_stop(actor=kadis, boost=boost, reason="Konten perlu direvisi.")
    assert boost.status == BoostStatus.STOPPED
    assert ("boosts.tasks.boost_pause", boost.pk) in queued  # the worker pauses it on Meta
    assert Notification.objects.filter(recipient=editor, kind="boost.stopped").exists()


def test_an_account_not_authorised_for_social_issue_ads_is_refused_with_what_to_do(
    make_boost, kabid, kadis, ad_account
):
    ad_account.issues_authorized = False
    ad_account.save()
    boost = services.boost_approve_division(actor=kabid, boost=make_boost())
    with pytest.raises(ValidationError, match="id/authorizations"):
        services.boost_approve(actor=kadis, boost=boost, request=fresh(kadis))
    # Without the social-issue flag, the account's authorisation is not needed.
    other = services.boost_approve_division(actor=kabid, boost=make_boost(social_issue=False))
    services.boost_approve(actor=kadis, boost=other, request=fresh(kadis))


def test_only_a_published_facebook_or_instagram_post_is_boosted(
    make_boost, editor, kadis, divisions
):
    from publishing.services.channels import channel_create

    from .conftest import published

    x = channel_create(actor=kadis, name="MC X", handle="mcx", driver="x",
                       account_group="media_center", responsible_division=divisions["PKP"],
                       staff=[editor])  # fmt: skip
    with pytest.raises(ValidationError, match="Halaman Facebook"):
        make_boost(delivery=published(editor, kadis, x, title="Di X", external_id="19000"))


def test_an_editor_asks_only_for_their_divisions_posts(make_boost, staf_other, make_user):
    from accounts.roles import Role

    other_editor = make_user("editor_piap", Role.EDITOR, "PIAP")
    with pytest.raises(PermissionDenied):
        make_boost(actor=other_editor)
    with pytest.raises(PermissionDenied):
        make_boost(actor=staf_other)


def test_a_ceiling_is_not_lowered_below_what_is_used(make_boost, kabid, kadis, line):
    boost = services.boost_approve_division(actor=kabid, boost=make_boost())
    services.boost_approve(actor=kadis, boost=boost, request=fresh(kadis))
    with pytest.raises(ValidationError):
        services.budget_line_save(actor=kadis, line=line, ceiling=200_000)
    with pytest.raises(PermissionDenied):
        services.budget_line_save(actor=kabid, line=line, ceiling=2_000_000)
