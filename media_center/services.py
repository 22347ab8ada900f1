"""Writes of the portal's own housekeeping, its websites and its media guidelines."""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Credential, Division, User
from accounts.services import audit_record

from .models import GuidelineVersion, Website, WorkerHeartbeat
from .permissions import guideline_policy, website_policy


def worker_heartbeat_record(*, hostname: str) -> WorkerHeartbeat:
    """Note that the worker on ``hostname`` is alive now."""
    heartbeat, _created = WorkerHeartbeat.objects.update_or_create(
        hostname=hostname[:200], defaults={"last_seen": timezone.now()}
    )
    return heartbeat


def broker_processed_prune(*, older_than_seconds: int = 86400) -> int:
    """Remove messages the filesystem broker has already handed out (kept a day for inspection)."""
    folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("processed_folder")
    if not folder:
        return 0
    cutoff = time.time() - older_than_seconds
    removed = 0
    for path in Path(folder).glob("*.msg"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed


# --- websites and guidelines --------------------------------------------------------------------


def _require(policy, actor: User | None, action: str, message: str) -> None:
    if not policy.user_has_permission(actor, action):
        raise PermissionDenied(message)


def _check_credential(credential: Credential | None) -> None:
    if credential is not None and not credential.is_active:
        raise ValidationError({"credential": _("A revoked credential cannot be used.")})


def _people(people: Iterable[User]) -> list[str]:
    return sorted(person.username for person in people)


def website_create(
    *,
    actor: User,
    name: str,
    address: str,
    responsible_division: Division | None = None,
    staff: Iterable[User] = (),
    platform_two_factor: bool = False,
    credential: Credential | None = None,
    notes: str = "",
    request: HttpRequest | None = None,
) -> Website:
    """Register a website with its responsible division and staff; Kepala Dinas only."""
    _require(website_policy, actor, "add", _("Only the Kepala Dinas registers websites."))
    _check_credential(credential)
    staff = list(staff)
    with transaction.atomic():
        website = Website(
            name=name.strip(),
            address=address.strip(),
            responsible_division=responsible_division,
            platform_two_factor=platform_two_factor,
            credential=credential,
            notes=notes,
        )
        website.full_clean()
        website.save()
        website.staff.set(staff)
        audit_record(
            actor=actor,
            action="website.create",
            target=website,
            request=request,
            details={
                "division": responsible_division.short_name if responsible_division else None,
                "staff": _people(staff),
                "credential": credential.pk if credential else None,
            },
        )
    return website


def website_update(
    *,
    actor: User,
    website_id: int,
    name: str,
    address: str,
    responsible_division: Division | None,
    staff: Iterable[User],
    platform_two_factor: bool,
    credential: Credential | None,
    notes: str = "",
    request: HttpRequest | None = None,
) -> Website:
    """Change a website's facts and who is responsible for it; Kepala Dinas only.

    A change of division or staff is its own audit event ("website.assign", before and after);
    a change of the admin login, too ("website.credential").
    """
    _require(website_policy, actor, "change", _("Only the Kepala Dinas changes websites."))
    _check_credential(credential)
    staff = list(staff)
    with transaction.atomic():
        website = Website.objects.select_for_update().get(pk=website_id)
        before_division = website.responsible_division
        before_staff = _people(website.staff.all())
        before_credential = website.credential_id
        changed = [
            name_
            for name_, old, new in [
                ("name", website.name, name.strip()),
                ("address", website.address, address.strip()),
                ("platform_two_factor", website.platform_two_factor, platform_two_factor),
                ("notes", website.notes, notes),
            ]
            if old != new
        ]
        website.name = name.strip()
        website.address = address.strip()
        website.responsible_division = responsible_division
        website.platform_two_factor = platform_two_factor
        website.credential = credential
        website.notes = notes
        website.full_clean()
        website.save()
        website.staff.set(staff)
        if changed:
            audit_record(
                actor=actor,
                action="website.update",
                target=website,
                request=request,
                details={"changed": changed},
            )
        after_staff = _people(staff)
        if before_division != responsible_division or before_staff != after_staff:
            audit_record(
                actor=actor,
                action="website.assign",
                target=website,
                request=request,
                details={
                    "division": {
                        "from": before_division.short_name if before_division else None,
                        "to": responsible_division.short_name if responsible_division else None,
                    },
                    "staff_added": sorted(set(after_staff) - set(before_staff)),
                    "staff_removed": sorted(set(before_staff) - set(after_staff)),
                },
            )
        if before_credential != website.credential_id:
            audit_record(
                actor=actor,
                action="website.credential",
                target=website,
                request=request,
                details={"from": before_credential, "to": website.credential_id},
            )
    return website


def guideline_save(
    *,
    actor: User,
    title: str,
    regulation_number: str,
    regulation_date: date,
    body: str,
    rotation_days: int = 90,
    change_note: str = "",
    request: HttpRequest | None = None,
) -> GuidelineVersion:
    """Save the guidelines as a new version (earlier versions are kept); Kepala Dinas only."""
    _require(guideline_policy, actor, "add", _("Only the Kepala Dinas changes the guidelines."))
    with transaction.atomic():
        # Locking the newest row serialises two saves at once (SQLite: the immediate transaction).
        latest = GuidelineVersion.objects.select_for_update().order_by("-number").first()
        version = GuidelineVersion(
            number=(latest.number + 1) if latest else 1,
            title=title.strip(),
            regulation_number=regulation_number.strip(),
            regulation_date=regulation_date,
            rotation_days=rotation_days,
            body=body,
            change_note=change_note.strip(),
            created_by=actor,
        )
        version.full_clean()
        version.save()
        audit_record(
            actor=actor,
            action="guidelines.save",
            target=version,
            request=request,
            details={"version": version.number, "rotation_days": rotation_days},
        )
    return version
