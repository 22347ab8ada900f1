"""Fan-out: one delivery per (post, channel), each sent by its own Celery task, exactly once."""

from __future__ import annotations


def post_release(*, post_id: int) -> list[int]:
    """Create one ``Delivery`` per active target channel of an approved post that is due, mark the
    post ``publishing`` and enqueue one task per delivery after commit.

    Idempotent: a post already released (or not approved, or not yet due) creates nothing; the
    ids of the deliveries created are returned.
    """
    raise NotImplementedError
