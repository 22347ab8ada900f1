"""What a credential unlocks, and how its health is checked: the vault's extension points.

The vault does not know the things its credentials open. Each app that holds credentials (a
website's admin login in ``media_center``, a social media channel in ``publishing``) keeps a
foreign key to ``accounts.Credential`` on its own model and registers it here from its
``AppConfig.ready``:

    register_target(VaultTarget(key="website", label=_("Website"),
                                model="media_center.Website", credential_field="credential"))

The vault then lists what each credential unlocks, lets a new credential be created for a target
(replacing the target's current one), and, during the daily check, asks the target's checker
(if one is registered) whether the credential still works, e.g. by calling the platform's API
through its driver.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db import models
from django.utils.functional import Promise

if TYPE_CHECKING:
    from .models import Credential


@dataclass(frozen=True)
class CheckResult:
    """The answer of a target's checker: ``ok`` or not, and a message a person understands."""

    ok: bool
    message: str = ""
    revoked: bool = False  # the platform says the credential was revoked there


# A checker takes the credential (metadata only) and the target object; a checker that needs the
# secret asks ``accounts.services.credential_secret_for_use`` for it, inside the worker.
Checker = Callable[["Credential", models.Model], CheckResult]


@dataclass(frozen=True)
class VaultTarget:
    key: str  # short name used in forms and the API ("website", "channel")
    label: str | Promise  # what a person calls it ("Website")
    model: str  # "app_label.ModelName" of the model holding the foreign key
    credential_field: str = "credential"
    checker: Checker | None = None

    def model_class(self) -> type[models.Model]:
        return apps.get_model(self.model)

    def related_name(self) -> str:
        """The reverse accessor on ``Credential`` (e.g. ``websites``)."""
        field = self.model_class()._meta.get_field(self.credential_field)
        return field.remote_field.get_accessor_name()

    def queryset(self) -> models.QuerySet:
        return self.model_class()._default_manager.all()


_targets: dict[str, VaultTarget] = {}
_rotation_period: Callable[[], timedelta] | None = None
DEFAULT_ROTATION_PERIOD = timedelta(days=90)


def register_target(target: VaultTarget) -> None:
    _targets[target.key] = target


def targets() -> list[VaultTarget]:
    return list(_targets.values())


def target(key: str) -> VaultTarget | None:
    return _targets.get(key)


def credential_targets(credential: Credential) -> list[tuple[VaultTarget, models.Model]]:
    """(registered target, object) pairs the credential unlocks now."""
    found = []
    for candidate in _targets.values():
        for obj in getattr(credential, candidate.related_name()).all():
            found.append((candidate, obj))
    return found


def target_for_instance(instance: Any) -> VaultTarget | None:
    for candidate in _targets.values():
        if isinstance(instance, candidate.model_class()):
            return candidate
    return None


def register_rotation_period(provider: Callable[[], timedelta]) -> None:
    """The guidelines say how often passwords must change; their app tells the vault here."""
    global _rotation_period
    _rotation_period = provider


def rotation_period() -> timedelta:
    return _rotation_period() if _rotation_period is not None else DEFAULT_ROTATION_PERIOD
