"""What a driver declares about its platform, so that nothing outside the drivers names one.

Each driver class carries ``facts = DriverFacts(...)``; the portal asks the registry
(``registry.facts_of(name)``) instead of comparing driver or platform names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils.translation import gettext_lazy

# The kinds of vault login (``accounts.models.CredentialKind``) a driver reads.
OAUTH = "oauth"
PASSWORD = "password"  # noqa: S105 (a kind of login, not a password)
INSTAGRAPI_SESSION = "instagrapi_session"

# How the composer's preview says a text's length, unless the driver says how its platform counts.
LENGTH_IN_CHARACTERS = gettext_lazy("%(length)s of %(limit)s characters")


@dataclass(frozen=True)
class OAuthConnect:
    """How a person connects an account of this driver through the platform's consent page.

    ``callback`` names the portal's callback address (``/channels/oauth/<callback>/``, the one
    registered with the platform's app; drivers of one platform family share it) and ``label``
    the platform a person is sent to. ``setup_template`` is the setup guide's section on
    registering the platform's app, shown with what ``setup_facts(redirect=..., site_origin=...)``
    reads from this portal's settings (the callback's and the portal's own addresses given).
    """

    callback: str
    label: str
    setup_template: str = ""
    setup_facts: Callable[..., dict[str, Any]] | None = None


@dataclass(frozen=True)
class ChannelOption:
    """A choice a driver lets each of its channels make (kept on the channel, not secret), such
    as whether a website's posts go out as drafts. ``choices`` limits the value to a list;
    without it the value is free text up to ``max_length``."""

    name: str
    label: Any
    default: str = ""
    choices: tuple[tuple[str, Any], ...] = ()
    help_text: Any = ""
    max_length: int = 100

    def clean(self, value: Any) -> str:
        """The value to keep: one of the choices, or trimmed text (``ValueError`` otherwise)."""
        text = " ".join(str(value if value is not None else "").split())
        if not text:
            return self.default
        if self.choices and text not in {key for key, _label in self.choices}:
            raise ValueError(text)
        if len(text) > self.max_length:
            raise ValueError(text)
        return text


@dataclass(frozen=True)
class TextVariant:
    """The composer lets a post have its own text for this platform: the field's ``label``, its
    height in ``rows`` and the longest text the API takes (``max_length``)."""

    label: Any
    max_length: int
    rows: int = 5


@dataclass(frozen=True)
class DriverFacts:
    """Everything platform-specific about one driver that the rest of the portal needs.

    * ``label``: what a person calls the driver (the channel form's choice);
    * ``profile_url``: the account's public address, ``{handle}`` without its ``@``;
    * ``credential_kinds``: the kinds of vault login a person may type in by hand;
    * ``oauth``: how an account is connected through the platform (``None``: by hand only);
    * ``account_keys``: the credential keys naming the account read, by id and by handle
      (to read another account, a partner's public posts, through a channel's login);
    * ``metered``: the platform sells calls by the unit (each HTTP call is counted and budgeted);
    * ``strict_video``: videos must be H.264/AAC in MP4 (otherwise transcoded first);
    * ``media_by_url``: the platform fetches media from an address instead of taking the bytes;
    * ``text_length``: the length the platform counts for a text (``len`` unless it weighs);
    * ``handle_prefix``: what a handle is shown with (``@name``; a Facebook Page's has none);
    * ``channel_options``: the choices each channel of this driver makes (``ChannelOption``),
      shown on the channel's page and given to the driver with the credential;
    * ``insights_note``: why the platform gives no reach or views here, when it gives none;
    * ``variant``: the composer offers a text of the post's own for this platform
      (``TextVariant``; ``None``: the platform gets the post's text);
    * ``length_note``: how the composer's preview says the counted length (``%(length)s`` of
      ``%(limit)s``), naming how the platform counts when it weighs;
    * ``first_media_only``: the platform shows the first photo or video and the rest behind it
      (a carousel), so the preview does too;
    * ``shortens``: a mirrored post may be cut to the platform's length with an ellipsis and a
      link to the full post (a sync target's option);
    * ``mark``: the platform's short mark on the calendar (``FB``; empty: its name, shortened).
    """

    label: Any
    profile_url: str
    credential_kinds: tuple[str, ...] = (OAUTH,)
    oauth: OAuthConnect | None = None
    account_keys: tuple[str | None, str | None] = (None, None)
    metered: bool = False
    strict_video: bool = False
    media_by_url: bool = False
    text_length: Callable[[str], int] = len
    handle_prefix: str = "@"
    channel_options: tuple[ChannelOption, ...] = ()
    insights_note: Any = ""
    variant: TextVariant | None = None
    length_note: Any = LENGTH_IN_CHARACTERS
    first_media_only: bool = False
    shortens: bool = False
    mark: str = ""


@dataclass(frozen=True)
class AccountFacts:
    """What a channel knows of the account a stored secret opens (not secret), for a driver's
    ``credential_from``."""

    external_id: str = ""
    handle: str = ""
    expires_at: datetime | None = None
    options: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ConnectTarget:
    """The channel an OAuth connection is for, as the platform may name it."""

    external_id: str = ""
    handle: str = ""
    name: str = ""
    display_handle: str = ""


@dataclass(frozen=True)
class ConnectedLogin:
    """What an OAuth connection gives the vault and the channel: the ``secret`` (tokens only),
    the account's id on the platform, when the access token expires and what was granted
    (``None``: not known)."""

    secret: dict[str, Any]
    external_id: str = ""
    expires_at: datetime | None = None
    granted: list[str] | None = None
