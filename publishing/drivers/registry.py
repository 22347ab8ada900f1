"""The drivers' registry: each driver class registers under its ``name`` and declares its
``platform`` and its ``facts``; the one :class:`Platform` enum and :class:`DriverName` are built
from what the registered drivers declare.

**Credentials** arrive as a plain ``dict`` (the decrypted secret of the vault), decrypted by the
caller just before the call; each driver module documents the keys it reads. Drivers never store
them. When a credential must be renewed the driver does **not** renew it silently: X refresh
tokens are single-use and a lost refresh token loses the account, so renewal is the caller's
decision, made under a lock, and the new secret is saved before it is used:

1. an operation raises ``TokenExpired(refreshable=True)`` (or ``driver.needs_refresh(credential)``
   says so before the call);
2. the caller takes its lock on that credential, re-reads it (another worker may have renewed it
   meanwhile: then it simply uses the new one), otherwise calls ``driver.refresh(credential)``,
   which returns the new secret dict, and saves (commits) it;
3. the caller repeats the operation once with the new secret; a second ``TokenExpired`` is final.

:func:`call_with_refresh` does exactly this given the caller's ``load``, ``save`` and ``lock``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import models

from .errors import TokenExpired
from .facts import DriverFacts, OAuthConnect, TextVariant
from .types import Credential, Driver

_registry: dict[str, type] = {}


def register(cls: type) -> type:
    """Class decorator: make a driver available under its ``name``."""
    _registry[cls.name] = cls
    return cls


def _load() -> dict[str, type]:
    from . import load_all

    load_all()
    return _registry


def driver_class(name: str) -> type:
    """The class registered under ``name`` (its declared facts, without configuring it)."""
    try:
        return _load()[name]
    except KeyError:
        raise LookupError(f"No platform driver is called {name!r}.") from None


def get_driver(name: str) -> Driver:
    """The driver registered under ``name`` (``facebook``, ``x``, ``instagram_graph``,
    ``instagram_private``), configured from the settings."""
    return driver_class(name)()


def driver_names() -> list[str]:
    return sorted(_load())


def drivers_for(platform: str) -> list[str]:
    return sorted(name for name, cls in _load().items() if cls.platform == platform)


def facts_of(name: str) -> DriverFacts:
    """What the driver registered under ``name`` declares about its platform."""
    return driver_class(name).facts


def platform_of(name: str) -> str:
    """The platform of the driver registered under ``name``."""
    return driver_class(name).platform


def variants() -> dict[str, TextVariant]:
    """The platforms the composer offers a text of the post's own for, in the drivers' order,
    each with its field as its first driver declares it (``facts.variant``)."""
    found: dict[str, TextVariant] = {}
    for cls in _load().values():
        if cls.facts.variant is not None:
            found.setdefault(cls.platform, cls.facts.variant)
    return found


def fetching_platforms() -> str:
    """The platforms that fetch media from the portal by address (``facts.media_by_url``)."""
    labels: dict[str, str] = {}
    for cls in _load().values():
        if cls.facts.media_by_url:
            labels.setdefault(cls.platform, str(cls.platform_label))
    return ", ".join(labels.values())


def cropping_platforms() -> str:
    """The platforms that get a photo's crop (their drivers take only some shapes), by name."""
    labels: dict[str, str] = {}
    for cls in _load().values():
        if cls.limits.only_some_shapes:
            labels.setdefault(cls.platform, str(cls.platform_label))
    return ", ".join(labels.values())


def oauth_drivers() -> set[str]:
    """The drivers whose accounts are connected through the platform's consent page."""
    return {name for name, cls in _load().items() if cls.facts.oauth is not None}


def oauth_callbacks() -> set[str]:
    """The names of the portal's OAuth callback addresses, one per platform app."""
    return {cls.facts.oauth.callback for cls in _load().values() if cls.facts.oauth is not None}


def oauth_setups() -> list[OAuthConnect]:
    """How each platform app the portal connects through is registered (the setup guide's
    sections), one per callback, in the drivers' order."""
    found: dict[str, OAuthConnect] = {}
    for cls in _load().values():
        if cls.facts.oauth is not None and cls.facts.oauth.setup_template:
            found.setdefault(cls.facts.oauth.callback, cls.facts.oauth)
    return list(found.values())


def _build_driver_name() -> type[models.TextChoices]:
    """One member per registered driver, labelled as its facts say, in load order."""
    return models.TextChoices(
        "DriverName",
        [(name.upper(), (name, cls.facts.label)) for name, cls in sorted(_load().items())],
    )


def _build_platform() -> type[models.TextChoices]:
    """One member per platform the registered drivers declare (``platform`` and
    ``platform_label``), in the order the drivers are loaded."""
    members: dict[str, tuple[str, str]] = {}
    for cls in _load().values():
        members.setdefault(cls.platform.upper(), (cls.platform, cls.platform_label))
    return models.TextChoices("Platform", list(members.items()))


_BUILT = {"Platform": _build_platform, "DriverName": _build_driver_name}


def __getattr__(name: str) -> Any:
    # ``Platform`` and ``DriverName`` are built on first use, once every driver module has
    # registered its class.
    if name in _BUILT:
        choices = _BUILT[name]()
        choices.__module__ = __name__
        globals()[name] = choices
        return choices
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


T = TypeVar("T")


def call_with_refresh(
    driver: Driver,
    operation: Callable[[Credential], T],
    *,
    load: Callable[[], Credential],
    save: Callable[[dict[str, Any]], None],
    lock: Callable[[], contextlib.AbstractContextManager[Any]],
) -> T:
    """Run ``operation(credential)``, renewing the credential once if the platform says so.

    ``load`` decrypts the current secret, ``save`` encrypts and commits a new one before it is
    used, ``lock`` is held around reading, renewing and saving so that two workers never spend the
    same single-use refresh token: the second one finds the secret already renewed and uses it.
    """
    credential = load()

    def renew(stale: Credential) -> Credential:
        with lock():
            current = load()
            if dict(current) != dict(stale):
                return current  # someone renewed it while we waited for the lock
            try:
                renewed = driver.refresh(current)
            except TokenExpired as exc:
                exc.refreshable = False  # the renewal itself was refused: final
                raise
            save(renewed)
            return renewed

    if driver.needs_refresh(credential):
        credential = renew(credential)
    try:
        return operation(credential)
    except TokenExpired as exc:
        if not exc.refreshable:
            raise
        credential = renew(credential)
    try:
        return operation(credential)
    except TokenExpired as exc:
        exc.refreshable = False
        raise
