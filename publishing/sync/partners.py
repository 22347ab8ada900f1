"""Partner accounts: their public posts are read through one of the office's logins and
offered as repost suggestions, which a person accepts (as a post of the portal) or dismisses."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import audit_record

from ..drivers.errors import DriverError
from ..models import (
    Channel,
    Post,
    PostOrigin,
    PostStatus,
    PostVariant,
)
from ..services.channel_client import REPEATED_USE_RECORDED_EVERY, call_channel
from .models import (
    PartnerAccount,
    PollState,
    RepostSuggestion,
    SuggestionStatus,
)
from .permissions import repost_policy
from .poll import PollResult, native_media, poll_overlap, record_failure, record_success

logger = logging.getLogger(__name__)


@transaction.atomic
def partner_account_create(
    *,
    actor: User,
    platform: str,
    handle: str,
    external_id: str,
    name: str,
    kind: str,
    via_channel: Channel,
) -> PartnerAccount:
    """Watch a partner's account (Kepala Dinas only), read through ``via_channel`` (one of the
    office's channels on the same platform)."""
    if not repost_policy.user_has_permission(actor, "watch"):
        raise PermissionDenied(_("Only the Head of Department changes the partner watch list."))
    if via_channel.platform != platform:
        raise ValidationError(
            {"via_channel": _("Choose one of the office's channels on the same platform.")}
        )
    partner = PartnerAccount(
        platform=platform,
        handle=handle.strip().lstrip("@"),
        external_id=external_id.strip(),
        name=name.strip(),
        kind=kind,
        via_channel=via_channel,
        created_by=actor,
    )
    partner.full_clean()
    partner.save()
    PollState.objects.create(partner=partner)
    audit_record(actor=actor, action="partner.create", target=partner)
    return partner


def partner_poll(*, partner_id: int) -> PollResult:
    """Read a partner's recent posts; each new one (not a reply, not a repost) becomes one
    pending repost suggestion. Failures back off like a channel's poll."""
    result = PollResult(partner_id=partner_id)
    partner = PartnerAccount.objects.select_related("via_channel__credential").get(pk=partner_id)
    if not partner.is_active:
        return result
    state, _created = PollState.objects.get_or_create(partner=partner)
    now = timezone.now()
    since = (state.cursor - poll_overlap()) if state.cursor else partner.created_at
    try:
        natives = call_channel(
            partner.via_channel,
            lambda driver, credential: driver.fetch_recent(credential, since),
            used_by=f"partner:{partner.pk}",
            record_every=REPEATED_USE_RECORDED_EVERY,
            account_id=partner.external_id,
            handle=partner.handle,
        )
    except DriverError as exc:
        record_failure(state, exc, now)
        result.error = str(exc)
        return result
    result.found = len(natives)
    known = set(
        RepostSuggestion.objects.filter(
            partner=partner, external_id__in=[n.external_id for n in natives]
        ).values_list("external_id", flat=True)
    )
    for native in natives:
        if native.external_id in known or native.is_reply or native.is_repost:
            continue
        if native.created_at < since:
            continue
        _suggestion, created = RepostSuggestion.objects.get_or_create(
            partner=partner,
            external_id=native.external_id,
            defaults={
                "text": native.text,
                "permalink": native.permalink[:500],
                "media": native_media(native),
                "posted_at": native.created_at,
            },
        )
        result.new += int(created)
    newest = max((n.created_at for n in natives), default=None)
    record_success(state, max(filter(None, [state.cursor, newest]), default=None), now)
    return result


def repost_text(suggestion: RepostSuggestion, comment: str = "") -> str:
    """The text of a repost where the platform has no native share: the comment, the credit
    and the link to the original."""
    partner = suggestion.partner
    credit = _("Repost from %(name)s") % {"name": partner.name}
    parts = [comment.strip(), f"{credit}:", (suggestion.text or "").strip(), suggestion.permalink]
    return "\n\n".join(p for p in parts if p).replace(f"{credit}:\n\n", f"{credit}:\n")


@transaction.atomic
def repost_suggestion_accept(
    *,
    actor: User,
    suggestion: RepostSuggestion,
    channels: Sequence[Channel],
    comment: str = "",
) -> Post:
    """Turn a suggestion into a post (origin repost) for ``channels``, submitted for approval
    like any post. On the partner's own platform the delivery uses the platform's share or quote
    (:func:`publishing.sync.selectors.repost_for`); elsewhere the post carries credit and link."""
    suggestion = (
        RepostSuggestion.objects.select_for_update().select_related("partner").get(pk=suggestion.pk)
    )
    channels = list(channels)
    if not channels:
        raise ValidationError({"channels": _("Choose at least one channel.")})
    if not repost_policy.user_may_accept_for(actor, channels):
        raise PermissionDenied(_("You may not submit posts for every one of these channels."))
    if suggestion.status != SuggestionStatus.PENDING:
        raise ValidationError(_("This suggestion has already been decided."))
    now = timezone.now()
    partner = suggestion.partner
    post = Post(
        title=(_("Repost: %(name)s") % {"name": partner.name})[:200],
        text=repost_text(suggestion, comment),
        link=suggestion.permalink,
        origin=PostOrigin.REPOST,
        author=actor,
        division=actor.division,
        status=PostStatus.SUBMITTED,
        submitted_at=now,
    )
    post.full_clean(exclude=["link"])
    post.save()
    post.channels.set(channels)
    if any(channel.platform == partner.platform for channel in channels):
        # The native share or quote carries the original itself: only the comment is added.
        PostVariant.objects.create(post=post, platform=partner.platform, text=comment.strip())
    suggestion.status = SuggestionStatus.ACCEPTED
    suggestion.decided_by = actor
    suggestion.decided_at = now
    suggestion.comment = comment.strip()
    suggestion.post = post
    suggestion.save(update_fields=["status", "decided_by", "decided_at", "comment", "post"])
    audit_record(
        actor=actor,
        action="repost.accept",
        target=post,
        details={"suggestion": suggestion.pk, "channels": [c.pk for c in channels]},
    )
    return post


@transaction.atomic
def repost_suggestion_dismiss(*, actor: User, suggestion: RepostSuggestion) -> RepostSuggestion:
    """Dismiss a suggestion; it leaves the queue."""
    if not repost_policy.user_has_permission(actor, "decide"):
        raise PermissionDenied(_("Only Editors decide on repost suggestions."))
    suggestion = RepostSuggestion.objects.select_for_update().get(pk=suggestion.pk)
    if suggestion.status != SuggestionStatus.PENDING:
        raise ValidationError(_("This suggestion has already been decided."))
    suggestion.status = SuggestionStatus.DISMISSED
    suggestion.decided_by = actor
    suggestion.decided_at = timezone.now()
    suggestion.save(update_fields=["status", "decided_by", "decided_at"])
    return suggestion
