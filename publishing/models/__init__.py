"""Channels, posts and their deliveries.

A **channel** is one account of the office on one platform (the Media Center's Facebook Page, the
regency's X account...). Its credential lives in the vault (``accounts.Credential``); the channel
holds only a reference. Each channel has a responsible division (Bidang) and named staff.

A **post** is written once and sent to many channels. Its life::

    draft ─ submit ─▶ submitted ─ approve ─▶ approved ─▶ scheduled ─▶ publishing ─▶ published
      ▲                 │  │                    │   (time comes)                   partly published
      └── returned ◀────┘  └─ reject ─▶ rejected└─ edit content ─▶ submitted       failed

A **delivery** is one (post, channel) pair: one Celery task sends it, taking only its id. A
**delivery attempt** records each try (never a secret).

The models live by topic in ``channels.py``, ``posts.py`` and ``deliveries.py``; account sync
(``publishing/sync/``) is an app of its own.
"""

from .channels import AccountGroup, ApiCallMonth, Channel, Currency, DriverName, LoginWait, Platform
from .deliveries import DELIVERY_DONE, Delivery, DeliveryAttempt, DeliveryStatus
from .posts import (
    EDITABLE_STATUSES,
    FINISHED_STATUSES,
    Post,
    PostMedia,
    PostOrigin,
    PostStatus,
    PostVariant,
)

__all__ = [
    "DELIVERY_DONE",
    "EDITABLE_STATUSES",
    "FINISHED_STATUSES",
    "AccountGroup",
    "ApiCallMonth",
    "Channel",
    "Currency",
    "Delivery",
    "DeliveryAttempt",
    "DeliveryStatus",
    "DriverName",
    "LoginWait",
    "Platform",
    "Post",
    "PostMedia",
    "PostOrigin",
    "PostStatus",
    "PostVariant",
]
