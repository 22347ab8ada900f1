"""The registry of the office's accounts and websites, and the compliance view computed from it.

Each kind of thing the office runs contributes rows through a source registered here from its
``AppConfig.ready``: ``media_center`` registers its websites, ``publishing`` its channels. Compliance rules
read only rows, so they apply to every kind alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import Credential, CredentialState, Division, User
from .vault_targets import rotation_period


@dataclass
class RegistryRow:
    """One account or website: who is responsible for it and the state of its credential."""

    kind: str  # "website", "channel"
    kind_label: str | Promise
    name: str
    address: str
    platform: str
    group: str
    division: Division | None
    staff: list[User]
    credential: Credential | None
    credential_state: CredentialState | None
    rotation_due: bool
    platform_two_factor: bool | None
    edit_url: str | None = None
    # People holding a right to it one by one (e.g. a django-guardian grant on a channel) beside
    # its named staff.
    others_with_rights: list[User] = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    @property
    def last_rotation(self) -> datetime | None:
        return self.credential.rotated_at if self.credential else None

    @property
    def staff_outside_division(self) -> list[User]:
        """Named staff and other holders of a right to it who belong to another division."""
        if self.division is None:
            return []
        people = [*self.staff, *self.others_with_rights]
        return [person for person in people if person.division_id != self.division.pk]


RegistrySource = Callable[[User, timedelta, datetime], list[RegistryRow]]
_sources: dict[str, RegistrySource] = {}


def register_source(key: str, source: RegistrySource) -> None:
    _sources[key] = source


def credential_facts(
    credential: Credential | None, period: timedelta, now: datetime
) -> tuple[CredentialState | None, bool]:
    """The credential's state and whether its password is past the rotation period."""
    if credential is None:
        return None, False
    return credential.state(now), credential.rotation_due(period, now)


def registry_rows(user: User) -> list[RegistryRow]:
    """Every row of every source that the person may see."""
    period, now = rotation_period(), timezone.now()
    rows: list[RegistryRow] = []
    for source in _sources.values():
        rows.extend(source(user, period, now))
    return rows


@dataclass
class ComplianceRule:
    key: str
    title: str | Promise
    advice: str | Promise
    applies: Callable[[RegistryRow], bool]


COMPLIANCE_RULES = [
    ComplianceRule(
        "no_division",
        _("No responsible division"),
        _("Each account and website has one division responsible for it, by its duties."),
        lambda row: row.division is None,
    ),
    ComplianceRule(
        "no_staff",
        _("No named staff"),
        _("Name the members of staff who run it."),
        lambda row: not row.staff,
    ),
    ComplianceRule(
        "staff_outside_division",
        _("Staff outside the responsible division"),
        _("Those who run it belong to the division responsible for it."),
        lambda row: bool(row.staff_outside_division),
    ),
    ComplianceRule(
        "no_credential",
        _("Login not held in the vault"),
        _("Every login is handed to the Head of Department and kept in the vault."),
        lambda row: row.credential is None,
    ),
    ComplianceRule(
        "credential_unusable",
        _("Credential revoked or unreadable"),
        _("Store a working credential in the vault."),
        lambda row: row.credential_state in (CredentialState.REVOKED, CredentialState.UNREADABLE),
    ),
    ComplianceRule(
        "credential_expired",
        _("Credential expired"),
        _("Renew the login or token and store it in the vault."),
        lambda row: row.credential_state == CredentialState.EXPIRED,
    ),
    ComplianceRule(
        "credential_expiring",
        _("Credential expires within 7 days"),
        _("Renew it before it expires."),
        lambda row: row.credential_state == CredentialState.EXPIRING,
    ),
    ComplianceRule(
        "rotation_due",
        _("Password past the rotation period"),
        _("Change the password as the guidelines require and rotate it in the vault."),
        lambda row: row.rotation_due,
    ),
    ComplianceRule(
        "no_platform_two_factor",
        _("No two-factor sign-in on the account"),
        _("Turn on two-factor sign-in on the platform or admin panel itself."),
        lambda row: row.platform_two_factor is False,
    ),
]


@dataclass
class ComplianceFinding:
    rule: ComplianceRule
    rows: list[RegistryRow]


def compliance(rows: list[RegistryRow]) -> list[ComplianceFinding]:
    """For each rule, the rows that break it (rules nobody breaks are left out)."""
    findings = []
    for rule in COMPLIANCE_RULES:
        breaking = [row for row in rows if rule.applies(row)]
        if breaking:
            findings.append(ComplianceFinding(rule=rule, rows=breaking))
    return findings
