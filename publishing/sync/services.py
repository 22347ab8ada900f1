"""Writes of account sync and partner reposts (see ``publishing/sync/models.py``), by topic:

* ``rules.py``: which channel is mirrored to which (the Head of Department's sync rules);
* ``poll.py``: reading a source channel and remembering each post it finds once;
* ``mirror.py``: turning what a poll found into mirror posts, and deleting mirrors;
* ``partners.py``: partner accounts and the repost suggestions made of their posts.

This module names the services the views and the API call.
"""

from .mirror import sync_delete_mirrors, sync_mirror_channel, sync_mirror_seen
from .partners import (
    partner_account_create,
    partner_poll,
    repost_suggestion_accept,
    repost_suggestion_dismiss,
    repost_text,
)
from .poll import PollResult, sync_poll_channel
from .rules import TargetSpec, sync_rule_create, sync_rule_delete, sync_rule_update

__all__ = [
    "PollResult",
    "TargetSpec",
    "partner_account_create",
    "partner_poll",
    "repost_suggestion_accept",
    "repost_suggestion_dismiss",
    "repost_text",
    "sync_delete_mirrors",
    "sync_mirror_channel",
    "sync_mirror_seen",
    "sync_poll_channel",
    "sync_rule_create",
    "sync_rule_delete",
    "sync_rule_update",
]
