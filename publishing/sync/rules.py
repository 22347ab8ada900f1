"""Sync rules: which channel is mirrored to which, written by the Head of Department."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import audit_record

from ..models import (
    Channel,
)
from .models import (
    PollState,
    SyncKinds,
    SyncRule,
    SyncTarget,
)
from .permissions import sync_rule_policy


@dataclass(frozen=True)
class TargetSpec:
    """A target channel of a rule and its text transform."""

    channel: Channel
    add_hashtag: str = ""
    link_back: bool = False
    shorten_for_x: bool = False


def _as_specs(targets: Iterable[Channel | TargetSpec]) -> list[TargetSpec]:
    specs = [t if isinstance(t, TargetSpec) else TargetSpec(channel=t) for t in targets]
    seen: set[int] = set()
    unique = []
    for spec in specs:
        if spec.channel.pk not in seen:
            seen.add(spec.channel.pk)
            unique.append(spec)
    return unique


def _check_rule(source: Channel, specs: Sequence[TargetSpec], kinds: str) -> None:
    errors: dict[str, list[str]] = {}
    if not specs:
        errors.setdefault("targets", []).append(_("Choose at least one target channel."))
    if any(spec.channel.pk == source.pk for spec in specs):
        errors.setdefault("targets", []).append(
            _("A channel cannot mirror to itself: remove %(channel)s from the targets.")
            % {"channel": source}
        )
    if kinds not in SyncKinds.values:
        errors.setdefault("kinds", []).append(_("Choose which posts are mirrored."))
    if errors:
        raise ValidationError(errors)


def _write_targets(rule: SyncRule, specs: Sequence[TargetSpec]) -> None:
    SyncTarget.objects.filter(rule=rule).exclude(
        channel__in=[spec.channel for spec in specs]
    ).delete()
    for spec in specs:
        target = SyncTarget(
            rule=rule,
            channel=spec.channel,
            add_hashtag=spec.add_hashtag.strip(),
            link_back=spec.link_back,
            shorten_for_x=spec.shorten_for_x,
        )
        target.full_clean(exclude=["rule", "channel"], validate_constraints=False)
        SyncTarget.objects.update_or_create(
            rule=rule,
            channel=spec.channel,
            defaults={
                "add_hashtag": target.add_hashtag,
                "link_back": target.link_back,
                "shorten_for_x": target.shorten_for_x,
            },
        )


@transaction.atomic
def sync_rule_create(
    *,
    actor: User,
    source: Channel,
    targets: Iterable[Channel | TargetSpec],
    kinds: str = SyncKinds.ALL,
    enabled: bool = True,
    needs_approval: bool = False,
    propagate_deletions: bool = False,
) -> SyncRule:
    """Set a rule mirroring ``source``'s new native posts to ``targets``.

    Refused (``ValidationError``) for a rule from a channel to itself or without targets; refused
    (``PermissionDenied``) unless ``actor`` is the Kepala Dinas or an Editor who may submit for
    the source and every target. Only posts made after the rule is set (by the platform's own
    time, ``active_since``) are mirrored.
    """
    specs = _as_specs(targets)
    if not sync_rule_policy.user_may_manage(actor, source, [s.channel for s in specs]):
        raise PermissionDenied(
            _("Only the Head of Department or an Editor of these channels sets sync rules.")
        )
    _check_rule(source, specs, kinds)
    rule = SyncRule(
        source=source,
        kinds=kinds,
        enabled=enabled,
        active_since=timezone.now(),
        needs_approval=needs_approval,
        propagate_deletions=propagate_deletions,
        created_by=actor,
    )
    rule.full_clean()
    rule.save()
    _write_targets(rule, specs)
    PollState.objects.get_or_create(channel=source)
    audit_record(
        actor=actor,
        action="sync_rule.create",
        target=rule,
        details={"source": source.pk, "targets": [s.channel.pk for s in specs]},
    )
    return rule


@transaction.atomic
def sync_rule_update(
    *,
    actor: User,
    rule: SyncRule,
    targets: Iterable[Channel | TargetSpec] | None = None,
    **changes: Any,
) -> SyncRule:
    """Change a rule (``kinds``, ``enabled``, ``needs_approval``, ``propagate_deletions``,
    ``targets``); the same checks as :func:`sync_rule_create`, before and after the change.
    Switching a rule back on moves ``active_since`` to now: posts made while it was off are
    history, posts made after it came back are mirrored."""
    rule = SyncRule.objects.select_for_update().get(pk=rule.pk)
    if not sync_rule_policy.user_has_permission_for_instance(actor, "manage", rule):
        raise PermissionDenied(_("You may not change this sync rule."))
    allowed = {"kinds", "enabled", "needs_approval", "propagate_deletions"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(_("These cannot be changed: %s") % ", ".join(sorted(unknown)))
    switched_on = changes.get("enabled") is True and not rule.enabled
    for name, value in changes.items():
        setattr(rule, name, value)
    if switched_on:
        # What was posted while the rule was off is history; from now on, posts are mirrored.
        rule.active_since = timezone.now()
    if targets is not None:
        specs = _as_specs(targets)
        if not sync_rule_policy.user_may_manage(actor, rule.source, [s.channel for s in specs]):
            raise PermissionDenied(_("You may not mirror to these channels."))
        _check_rule(rule.source, specs, rule.kinds)
        _write_targets(rule, specs)
    else:
        _check_rule(rule.source, [TargetSpec(c) for c in rule.targets.all()], rule.kinds)
    rule.full_clean()
    rule.save()
    audit_record(
        actor=actor,
        action="sync_rule.change",
        target=rule,
        details={"changed": sorted(changes) + (["targets"] if targets is not None else [])},
    )
    return rule


@transaction.atomic
def sync_rule_delete(*, actor: User, rule: SyncRule) -> None:
    """Remove a rule. What it mirrored stays."""
    if not sync_rule_policy.user_has_permission_for_instance(actor, "manage", rule):
        raise PermissionDenied(_("You may not remove this sync rule."))
    audit_record(actor=actor, action="sync_rule.delete", target=rule)
    rule.delete()
