"""Who may do what with channels and posts.

* Every member of staff sees every channel and every post (the office works in the open).
* A channel's **responsible division** (Bidang) and its **named staff** work on it: its named staff
  and the members of its division draft posts for it; its named staff, the division's Editors and
  the people granted ``post_to_channel`` on it (django-guardian) submit and schedule them.
* A channel without a responsible division cannot be published to: nobody submits or approves
  a post for it until the Kepala Dinas assigns one.
* The **Kepala Dinas** approves (role right ``approve_channel``); another person may be granted
  ``approve_channel`` on one channel through django-guardian. A post is approved only by someone
  who may approve every one of its channels.
* The Kepala Dinas assigns channels to divisions and staff, and adds or changes channels.

Role rights come from ``accounts.roles.ROLE_PERMISSIONS``; the policies add the division, the named
staff and the per-channel grants on top.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet
from guardian.shortcuts import get_objects_for_user

from accounts.permissions import ModelPermissionPolicy
from accounts.roles import Role

from .models import Channel, Post


def _active(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def is_head(user: Any) -> bool:
    """The Kepala Dinas (a superuser counts: it holds every right)."""
    return _active(user) and (user.is_superuser or user.has_role(Role.KEPALA_DINAS))


def _granted(user: Any, codename: str) -> QuerySet:
    return get_objects_for_user(
        user,
        f"publishing.{codename}",
        klass=Channel,
        with_superuser=False,
        accept_global_perms=False,
    ).values("pk")


class ChannelPermissionPolicy(ModelPermissionPolicy):
    """Actions: ``view``, ``draft``, ``submit``, ``approve``, ``assign``, ``add``, ``change``."""

    def __init__(self) -> None:
        super().__init__(Channel)

    def user_has_permission(self, user: Any, action: str) -> bool:
        if not _active(user):
            return False
        if action == "view":
            return user.has_perm("publishing.view_channel")
        if action in {"draft", "submit"}:
            return user.has_perm("publishing.add_post")
        if action in {"approve", "assign", "add", "change"}:
            return is_head(user) and user.has_perm(f"publishing.{action}_channel")
        return False

    def _q(self, user: Any, action: str) -> Q | None:
        """The channels on which ``user`` may do ``action``, as a filter (``None``: all)."""
        if not _active(user):
            return Q(pk__in=[])
        if action == "view":
            return None if user.has_perm("publishing.view_channel") else Q(pk__in=[])
        if action in {"approve", "assign", "add", "change"}:
            base = Q(responsible_division__isnull=False) if action == "approve" else Q()
            if self.user_has_permission(user, action):
                return base
            if action == "approve":
                return base & Q(pk__in=_granted(user, "approve_channel"))
            return Q(pk__in=[])
        assigned = Q(responsible_division__isnull=False)
        if is_head(user):
            return assigned
        if not user.has_perm("publishing.add_post"):
            return Q(pk__in=[])
        named = Q(staff=user) | Q(pk__in=_granted(user, "post_to_channel"))
        own_division = (
            Q(responsible_division=user.division_id) if user.division_id else Q(pk__in=[])
        )
        if action == "draft":
            return assigned & (named | own_division)
        if action == "submit":
            division_editor = (
                own_division if user.has_perm("publishing.submit_post") else Q(pk__in=[])
            )
            return assigned & (named | division_editor)
        return Q(pk__in=[])

    def instances_user_has_permission_for(self, user: Any, action: str) -> QuerySet:
        q = self._q(user, action)
        qs = Channel.objects.all()
        return qs if q is None else qs.filter(q).distinct()

    def user_has_permission_for_instance(self, user: Any, action: str, instance: Any) -> bool:
        if instance.pk is None:
            return False
        return self.instances_user_has_permission_for(user, action).filter(pk=instance.pk).exists()

    def user_may_for_all(self, user: Any, action: str, channels: Iterable[Channel]) -> bool:
        """Whether ``user`` may do ``action`` on every one of ``channels`` (at least one)."""
        ids = {channel.pk for channel in channels}
        if not ids:
            return False
        allowed = set(
            self.instances_user_has_permission_for(user, action)
            .filter(pk__in=ids)
            .values_list("pk", flat=True)
        )
        return ids <= allowed


channel_policy = ChannelPermissionPolicy()


class PostPermissionPolicy(ModelPermissionPolicy):
    """Actions on posts: ``view``, ``add``, ``change``, ``submit``, ``approve``, ``retry``.

    * view: every member of staff.
    * add: whoever may draft (Staf and up).
    * change: the author, or anyone who may submit for every one of its channels, or the Kepala
      Dinas; never a post being sent or already sent.
    * submit: whoever may submit for every one of its channels.
    * approve: whoever may approve every one of its channels.
    * retry (a failed delivery): as change, on a finished post.
    """

    def __init__(self) -> None:
        super().__init__(Post)

    def user_has_permission(self, user: Any, action: str) -> bool:
        if not _active(user):
            return False
        if action == "view":
            return user.has_perm("publishing.view_post")
        if action in {"add", "change", "retry", "submit"}:
            return user.has_perm("publishing.add_post")
        if action == "approve":
            return channel_policy.user_has_permission(user, "approve") or (
                user.has_perm("publishing.view_post") and _granted(user, "approve_channel").exists()
            )
        return False

    def instances_user_has_permission_for(self, user: Any, action: str) -> QuerySet:
        """Posts ``user`` may see (every other action is decided per post)."""
        if self.user_has_permission(user, "view"):
            return Post.objects.all()
        return Post.objects.none()

    def user_has_permission_for_instance(self, user: Any, action: str, instance: Any) -> bool:
        if not self.user_has_permission(user, action):
            return False
        channels = list(instance.channels.all()) if instance.pk else []
        if action == "view":
            return True
        if action in {"change", "retry"}:
            if is_head(user):
                return True
            if instance.author_id == user.pk:
                return True
            return channel_policy.user_may_for_all(user, "submit", channels)
        if action == "submit":
            return channel_policy.user_may_for_all(user, "submit", channels)
        if action == "approve":
            return channel_policy.user_may_for_all(user, "approve", channels)
        return False


post_policy = PostPermissionPolicy()
