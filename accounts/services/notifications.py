"""Notifications to people (in the portal, and by e-mail when they asked for it)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import (
    Notification,
    User,
)


def notification_send(
    *,
    recipients: Iterable[User],
    kind: str,
    key: str,
    params: Mapping[str, Any] | None = None,
    url: str = "",
    email: bool = True,
) -> list[Notification]:
    """Tell each recipient something in the portal (and by email, after commit). Once per ``key``:
    a recipient who already has a notification with this key gets nothing new."""
    created = []
    for recipient in recipients:
        notification, was_new = Notification.objects.get_or_create(
            recipient=recipient,
            key=key[:200],
            defaults={"kind": kind, "params": dict(params or {}), "url": url},
        )
        if was_new:
            created.append(notification)
    if email and created:
        ids = [n.pk for n in created]
        transaction.on_commit(lambda: _notification_email(ids))
    return created


def _notification_email(notification_ids: list[int]) -> None:
    from django.core.mail import send_mail

    for notification in Notification.objects.filter(pk__in=notification_ids).select_related(
        "recipient"
    ):
        if not notification.recipient.email:
            continue
        body = notification.message
        if notification.url:
            body += "\n\n" + _("Open it in the portal: %(url)s") % {"url": notification.url}
        send_mail(
            subject=_("Portal Media Center: %(message)s") % {"message": notification.message[:80]},
            message=body,
            from_email=None,
            recipient_list=[notification.recipient.email],
            fail_silently=True,
        )


def notification_settle(*, key_prefix: str) -> int:
    """Mark as read, for every recipient, the notifications about a matter that is settled (a
    post waiting for approval once someone approved, returned or rejected it): they no longer
    ask for anything. Returns how many."""
    return Notification.objects.filter(key__startswith=key_prefix, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def notification_mark_read(*, user: User, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the person's notifications (all, or the given ones) as read; returns how many."""
    from ..permissions import notification_policy

    queryset = notification_policy.instances_user_has_permission_for(user, "change").filter(
        read_at__isnull=True
    )
    if notification_ids is not None:
        queryset = queryset.filter(pk__in=list(notification_ids))
    return queryset.update(read_at=timezone.now())
