"""The permission policy of each model of the SKM (see ``accounts.permissions``).

- Editors and the Kepala Dinas run the survey: services and their questions, periods, paper
  entries, the draft results and the reports (rights in ``accounts.roles``).
- Only the Kepala Dinas publishes a period's results and writes the follow-up plan.
- Staf and the Admin have no part in it; the public answers and reads published results only.
- Responses are never changed or deleted by anyone: the results stay what the public said.
"""

from __future__ import annotations

from typing import Any

from accounts.permissions import ModelPermissionPolicy, user_is
from accounts.roles import Role

from .models import FollowUp, Period, Response, Service


class PeriodPermissionPolicy(ModelPermissionPolicy):
    def user_has_permission(self, user: Any, action: str) -> bool:
        if action == "delete":
            return False
        if action == "publish" and not user_is(user, Role.KEPALA_DINAS):
            return False
        return super().user_has_permission(user, action)


class ResponsePermissionPolicy(ModelPermissionPolicy):
    def user_has_permission(self, user: Any, action: str) -> bool:
        if action in {"change", "delete"}:
            return False
        return super().user_has_permission(user, action)


class FollowUpPermissionPolicy(ModelPermissionPolicy):
    def user_has_permission(self, user: Any, action: str) -> bool:
        if action in {"add", "change"} and not user_is(user, Role.KEPALA_DINAS):
            return False
        return super().user_has_permission(user, action)


service_policy = ModelPermissionPolicy(Service)
period_policy = PeriodPermissionPolicy(Period)
response_policy = ResponsePermissionPolicy(Response)
follow_up_policy = FollowUpPermissionPolicy(FollowUp)
