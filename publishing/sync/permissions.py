"""Who may set sync rules and work the repost queue (decided through ``channel_policy``).

* A sync rule is set, changed or removed by the Kepala Dinas, or by an Editor who may submit
  posts for its source channel (an Editor of the channel's responsible division, or one named on
  it) **and** for every target: mirrors go out without a person looking at each one, so nobody
  sets a rule that publishes where they could not publish themselves.
* Every member of staff sees the rules and the sync status.
* Repost suggestions are for Editors and the Kepala Dinas; accepting one needs the right to submit
  for every chosen channel (the repost then waits for approval like any post).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..models import Channel
from ..permissions import channel_policy, is_head


def _editor(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.is_active) and user.has_perm(
        "publishing.submit_post"
    )


class SyncRulePolicy:
    """Actions: ``view``, ``manage`` (create, change, delete)."""

    def user_has_permission(self, user: Any, action: str) -> bool:
        if action == "view":
            return channel_policy.user_has_permission(user, "view")
        if action == "manage":
            return is_head(user) or _editor(user)
        return False

    def user_may_manage(self, user: Any, source: Channel, targets: Iterable[Channel]) -> bool:
        if is_head(user):
            return True
        if not _editor(user):
            return False
        return channel_policy.user_may_for_all(user, "submit", [source, *targets])

    def user_has_permission_for_instance(self, user: Any, action: str, rule: Any) -> bool:
        if action == "view":
            return self.user_has_permission(user, "view")
        if action == "manage":
            return self.user_may_manage(user, rule.source, list(rule.targets.all()))
        return False


sync_rule_policy = SyncRulePolicy()


class RepostPolicy:
    """Actions: ``view`` (the queue), ``decide`` (accept or dismiss), ``watch`` (partner list)."""

    def user_has_permission(self, user: Any, action: str) -> bool:
        if action in {"view", "decide"}:
            return is_head(user) or _editor(user)
        if action == "watch":
            return is_head(user)
        return False

    def user_may_accept_for(self, user: Any, channels: Iterable[Channel]) -> bool:
        return self.user_has_permission(user, "decide") and channel_policy.user_may_for_all(
            user, "submit", channels
        )


repost_policy = RepostPolicy()
