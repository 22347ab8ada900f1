"""The permission policy of each model of the paid boosts (see ``accounts.permissions``).

- Budget lines and ad accounts: the Kepala Dinas records and changes them; Editors and the
  Kepala Bidang see the lines (to choose one, to know what is left).
- A boost request: Editors ask for boosts of their division's published posts and see their
  division's requests; the division's Kepala Bidang approves first, for their division only;
  the Kepala Dinas sees every request, gives the final approval and stops any boost.
- A request's steps, daily spend and receipts are part of it: who sees the request sees them;
  receipts are filed by who may change requests and sees this one.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from accounts.permissions import ModelPermissionPolicy

from .models import AdAccount, BoostReceipt, BoostRequest, BoostStatus, BudgetLine


class BoostRequestPermissionPolicy(ModelPermissionPolicy):
    """Actions: view, add, change (the draft), approve_division, approve, stop, receipt."""

    def user_has_permission(self, user: Any, action: str) -> bool:
        if action == "delete":
            return False
        if action == "receipt":
            action = "change"
        return super().user_has_permission(user, action)

    def sees_every_division(self, user: Any) -> bool:
        return super().user_has_permission(user, "approve") or bool(
            getattr(user, "is_superuser", False) and user.is_active
        )

    def _of_division(self, user: Any, division_id: int | None) -> bool:
        return division_id is not None and getattr(user, "division_id", None) == division_id

    def user_has_permission_for_instance(self, user: Any, action: str, instance: Any) -> bool:
        if not self.user_has_permission(user, action):
            return False
        if action in {"approve", "stop"}:
            return True
        mine = self.sees_every_division(user) or self._of_division(user, instance.division_id)
        if action == "change":
            return (
                mine
                and instance.status == BoostStatus.DRAFT
                and (instance.requested_by_id == user.pk or self.sees_every_division(user))
            )
        if action == "approve_division":
            return self._of_division(user, instance.division_id)
        return mine

    def instances_user_has_permission_for(self, user: Any, action: str) -> models.QuerySet:
        queryset = super().instances_user_has_permission_for(user, action)
        if action in {"approve", "stop"} or self.sees_every_division(user):
            return queryset
        return queryset.filter(division_id=getattr(user, "division_id", None))

    def may_request_for(self, user: Any, delivery: Any) -> bool:
        """Whether ``user`` may ask to boost this delivery: their division's post or channel."""
        if not self.user_has_permission(user, "add"):
            return False
        if self.sees_every_division(user):
            return True
        division_id = getattr(user, "division_id", None)
        return division_id is not None and division_id in {
            delivery.post.division_id,
            delivery.channel.responsible_division_id,
        }


class BoostReceiptPermissionPolicy(ModelPermissionPolicy):
    """A receipt goes with its boost: seen by who sees the boost, added by who may file one."""

    def user_has_permission(self, user: Any, action: str) -> bool:
        return boost_policy.user_has_permission(user, "view" if action == "view" else "receipt")

    def user_has_permission_for_instance(self, user: Any, action: str, instance: Any) -> bool:
        boost_action = "view" if action == "view" else "receipt"
        return boost_policy.user_has_permission_for_instance(user, boost_action, instance.boost)


budget_line_policy = ModelPermissionPolicy(BudgetLine)
ad_account_policy = ModelPermissionPolicy(AdAccount)
boost_policy = BoostRequestPermissionPolicy(BoostRequest)
receipt_policy = BoostReceiptPermissionPolicy(BoostReceipt)
