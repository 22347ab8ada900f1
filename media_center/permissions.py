"""The permission policy of each model in this app (see accounts.permissions)."""

from __future__ import annotations

from typing import Any

from accounts.permissions import ModelPermissionPolicy, user_is
from accounts.roles import Role

from .models import EmbedSite, GuidelineVersion, Survey, Website


class SurveyPermissionPolicy(ModelPermissionPolicy):
    """Editors and the Kepala Dinas run surveys (rights in ``accounts.roles``); votes are never
    changed by anyone, so ``delete`` is refused to all: results stay what the public said."""

    def user_has_permission(self, user: Any, action: str) -> bool:
        if action == "delete":
            return False
        return super().user_has_permission(user, action)


survey_policy = SurveyPermissionPolicy(Survey)
embed_site_policy = ModelPermissionPolicy(EmbedSite)


class WebsitePermissionPolicy(ModelPermissionPolicy):
    """Kepala Dinas and Editors read the registry; only the Kepala Dinas registers websites and
    changes who is responsible for them (a superuser or Admin does not, unless Kepala Dinas)."""

    def user_has_permission(self, user: Any, action: str) -> bool:
        if action in {"add", "change", "delete"} and not user_is(user, Role.KEPALA_DINAS):
            return False
        return super().user_has_permission(user, action)


class GuidelineVersionPermissionPolicy(ModelPermissionPolicy):
    """Every member of staff reads the guidelines; only the Kepala Dinas saves a new version.
    Versions are never changed or deleted."""

    def user_has_permission(self, user: Any, action: str) -> bool:
        if action in {"change", "delete"}:
            return False
        if action == "add" and not user_is(user, Role.KEPALA_DINAS):
            return False
        return super().user_has_permission(user, action)


website_policy = WebsitePermissionPolicy(Website)


guideline_policy = GuidelineVersionPermissionPolicy(GuidelineVersion)
