"""Read queries for the dashboard and the portal's own state."""

from __future__ import annotations

from datetime import timedelta
from importlib import import_module

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Credential, CredentialStatus, Division, User
from accounts.roles import Role

from .models import GuidelineVersion, Website, WorkerHeartbeat
from .periodic import PORTAL_APPS
from .permissions import guideline_policy, website_policy

# A worker that has not answered for this long is shown as stopped.
WORKER_STALE_AFTER = timedelta(minutes=3)


def worker_status() -> dict:
    heartbeat = WorkerHeartbeat.objects.order_by("-last_seen").first()
    if heartbeat is None:
        return {"running": False, "last_seen": None}
    return {
        "running": timezone.now() - heartbeat.last_seen <= WORKER_STALE_AFTER,
        "last_seen": heartbeat.last_seen,
    }


def guideline_versions(*, user: User) -> QuerySet[GuidelineVersion]:
    return guideline_policy.instances_user_has_permission_for(user, "view").select_related(
        "created_by"
    )


def guideline_current(*, user: User) -> GuidelineVersion | None:
    return guideline_versions(user=user).order_by("-number").first()


def guideline_version(*, user: User, number: int) -> GuidelineVersion:
    return guideline_versions(user=user).get(number=number)


def website_for_change(*, user: User, website_id: int) -> Website:
    return (
        website_policy.instances_user_has_permission_for(user, "change")
        .prefetch_related("staff")
        .get(pk=website_id)
    )


def assignable_divisions() -> QuerySet[Division]:
    return Division.objects.order_by("name")


def assignable_staff() -> QuerySet[User]:
    """People who can be named to run a website: active Staf and Editors."""
    return (
        User.objects.filter(is_active=True, groups__name__in=[Role.STAF.value, Role.EDITOR.value])
        .select_related("division")
        .distinct()
        .order_by("full_name")
    )


def usable_credentials() -> QuerySet[Credential]:
    """Active credentials a website may point to (labels only; never the secret)."""
    return Credential.objects.filter(status=CredentialStatus.ACTIVE).order_by("label")


def dashboard_cards(user) -> list[dict]:
    """Each app's figures for this person, in the order of the apps."""
    cards: list[dict] = []
    for app in PORTAL_APPS:
        if app == "media_center":
            continue
        module = import_module(f"{app}.selectors")
        provider = getattr(module, "dashboard_cards", None)
        if provider is not None:
            cards.extend(provider(user))
    if website_policy.user_has_permission(user, "view"):
        from .registry import compliance, registry_rows

        findings = sum(len(finding.rows) for finding in compliance(registry_rows(user)))
        cards.append(
            {
                "label": _("Registry compliance issues"),
                "value": findings,
                "url_name": "media_center:compliance",
                "warn": findings > 0,
            }
        )
    return cards
