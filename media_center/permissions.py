"""The permission policy of each model in this app (see accounts.permissions)."""

from __future__ import annotations

from typing import Any

from accounts.permissions import ModelPermissionPolicy

from .models import EmbedSite, Survey


class SurveyPermissionPolicy(ModelPermissionPolicy):
    """Editors and the Kepala Dinas run surveys (rights in ``accounts.roles``); votes are never
    changed by anyone, so ``delete`` is refused to all: results stay what the public said."""

    def user_has_permission(self, user: Any, action: str) -> bool:
        if action == "delete":
            return False
        return super().user_has_permission(user, action)


survey_policy = SurveyPermissionPolicy(Survey)
embed_site_policy = ModelPermissionPolicy(EmbedSite)
