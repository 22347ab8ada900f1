"""Demo channels: the regency's accounts the simulator plays, each with its login in the vault.

Three account groups (Media Center, Pemkab, Dinkominfo) times (Facebook Page, X, Instagram business
account), plus the Media Center's Instagram once more through the username-and-password driver,
inactive (it is there to show the driver; one account is not published to twice), and the Media
Center's WordPress website. Safe to run again: existing channels are left as they are.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db import transaction

from accounts.models import CredentialKind, Division, User
from accounts.roles import Role
from accounts.services import credential_create

from .drivers.facts import OAUTH
from .drivers.registry import facts_of
from .models import AccountGroup, Channel
from .services.channels import channel_create

# (account group, driver, simulator platform, handle, display name, division, staff usernames)
DEMO_CHANNELS: list[tuple[str, str, str, str, str, str, tuple[str, ...]]] = [
    (AccountGroup.MEDIA_CENTER, "facebook", "facebook", "MediaCenterBJN", "Media Center Bojonegoro", "PKP", ("editor", "staf")),
    (AccountGroup.MEDIA_CENTER, "x", "x", "mediacenterBJN", "Media Center BJN", "PKP", ("editor", "staf")),
    (AccountGroup.MEDIA_CENTER, "instagram_graph", "instagram", "mediacenterbojonegoro", "Media Center Bojonegoro", "PKP", ("editor", "staf")),
    (AccountGroup.PEMKAB, "facebook", "facebook", "PemkabBojonegoro", "Pemerintah Kabupaten Bojonegoro", "PKP", ("editor",)),
    (AccountGroup.PEMKAB, "x", "x", "PemkabBjn", "Pemkab Bojonegoro", "PKP", ("editor",)),
    (AccountGroup.PEMKAB, "instagram_graph", "instagram", "bojonegorokab", "Pemkab Bojonegoro", "PKP", ("editor",)),
    (AccountGroup.DINKOMINFO, "facebook", "facebook", "DiskominfoBojonegoro", "Dinas Kominfo Bojonegoro", "PKP", ("editor",)),
    (AccountGroup.DINKOMINFO, "x", "x", "KominfoBjn", "Kominfo Bojonegoro", "PKP", ("editor",)),
    (AccountGroup.DINKOMINFO, "instagram_graph", "instagram", "kominfobojonegoro", "Dinas Kominfo Bojonegoro", "PKP", ("editor",)),
]  # fmt: skip
# The demo is in order but for one finding, to show the registry's compliance check: this
# account has no two-factor sign-in on the platform.
DEMO_WITHOUT_TWO_FACTOR = ("x", "KominfoBjn")
# The Media Center's Instagram again, by username and password (instagrapi); left inactive.
PRIVATE_INSTAGRAM = ("instagram", "mediacenterbojonegoro")


def vault_secret(
    driver: str, platform: str, handle: str
) -> tuple[str, dict[str, Any], datetime | None]:
    """(kind, secret, expiry) of a demo account's login, in the parts the vault keeps, as the
    driver reads it (``facts.credential_kinds``): OAuth tokens, or a username and password kept
    as the kind the driver renews its session from (the last it reads)."""
    from .simulator.services import demo_credential

    kinds = facts_of(driver).credential_kinds
    secret = demo_credential(platform, handle, driver=driver)
    if OAUTH not in kinds:
        login = {"username": secret["username"], "password": secret["password"]}
        return CredentialKind(kinds[-1]), login, None
    expires_at = None
    if secret.get("expires_at"):
        expires_at = datetime.fromtimestamp(secret["expires_at"], tz=UTC)
    parts = {k: secret[k] for k in ("access_token", "refresh_token", "scope") if secret.get(k)}
    return CredentialKind.OAUTH, parts, expires_at


def channel_with_credential(
    *,
    actor: User,
    driver: str,
    platform: str,
    handle: str,
    name: str,
    account_group: str,
    division: Division | None,
    staff=(),
    is_active: bool = True,
    portal_handle: str = "",
    platform_two_factor: bool = False,
) -> Channel:
    """A channel of a simulator account, its login stored in the vault by ``actor``
    (``portal_handle``: the channel's handle when it differs from the account's)."""
    from .simulator.services import account_by_handle

    account = account_by_handle(platform, handle)
    channel = channel_create(
        actor=actor,
        name=name,
        handle=portal_handle or handle,
        driver=driver,
        account_group=account_group,
        external_id=account.external_id,
        responsible_division=division,
        staff=staff,
        is_active=is_active,
        platform_two_factor=platform_two_factor,
    )
    kind, secret, expires_at = vault_secret(driver, platform, handle)
    credential_create(
        actor=actor,
        label=f"{name} ({channel.get_driver_display()})",
        kind=kind,
        secret=secret,
        target=channel,
        expires_at=expires_at,
    )
    return Channel.objects.get(pk=channel.pk)


def run(stdout) -> None:
    from .simulator.services import seed_accounts

    head = User.objects.filter(groups__name=Role.KEPALA_DINAS.value, is_active=True).first()
    if head is None:
        stdout.write("  no Kepala Dinas yet: demo channels skipped")
        return
    divisions = {d.short_name: d for d in Division.objects.all()}
    with transaction.atomic():
        seed_accounts()
        specs = [(*spec, True, spec[3]) for spec in DEMO_CHANNELS]
        platform, handle = PRIVATE_INSTAGRAM
        specs.append(
            (AccountGroup.MEDIA_CENTER, "instagram_private", platform, handle,
             "Media Center Bojonegoro (login)", "PKP", ("editor", "staf"), False, f"{handle}.login")
        )  # fmt: skip
        for group, driver, platform, handle, name, division, staff, active, portal_handle in specs:
            if Channel.objects.filter(handle=portal_handle, driver=driver).exists():
                continue
            channel = channel_with_credential(
                actor=head,
                driver=driver,
                platform=platform,
                handle=handle,
                name=name,
                account_group=group,
                division=divisions.get(division),
                staff=User.objects.filter(username__in=staff),
                is_active=active,
                portal_handle=portal_handle,
                platform_two_factor=(platform, handle) != DEMO_WITHOUT_TWO_FACTOR,
            )
            stdout.write(f"  created channel {channel}")
        _demo_website(head, divisions.get("PKP"), stdout)
        _demo_partners(head, stdout)


# The Media Center's website, published to as drafts its own editor reviews.
DEMO_WEBSITE = ("mediacenter.bojonegorokab.go.id", "Situs Media Center Bojonegoro")


def _demo_website(head: User, division: Division | None, stdout) -> None:
    from .simulator.wordpress_api import demo_credential, seed_sites

    handle, name = DEMO_WEBSITE
    if Channel.objects.filter(handle=handle, driver="wordpress").exists():
        return
    seed_sites()
    channel = channel_create(
        actor=head,
        name=name,
        handle=handle,
        driver="wordpress",
        account_group=AccountGroup.MEDIA_CENTER,
        responsible_division=division,
        staff=User.objects.filter(username__in=("editor", "staf")),
        platform_two_factor=True,
    )
    credential_create(
        actor=head,
        label=f"{name} ({channel.get_driver_display()})",
        kind=CredentialKind.PASSWORD,
        secret=demo_credential(handle),
        target=channel,
    )
    stdout.write(f"  created channel {channel}")


# Partners the Media Center watches (for reposts and the partner ranking), read through its own
# channel on the same platform: (platform, handle, name, kind, the reading channel's driver).
DEMO_PARTNERS = [
    ("instagram", "bojonegorokab", "Pemkab Bojonegoro", "office", "instagram_graph"),
    ("instagram", "kominfobojonegoro", "Dinas Kominfo Bojonegoro", "office", "instagram_graph"),
    ("x", "PemkabBjn", "Pemkab Bojonegoro", "office", "x"),
]


def _demo_partners(head: User, stdout) -> None:
    from .simulator.services import account_by_handle
    from .sync.models import PartnerAccount
    from .sync.services import partner_account_create

    for platform, handle, name, kind, driver in DEMO_PARTNERS:
        if PartnerAccount.objects.filter(platform=platform, handle=handle).exists():
            continue
        via = Channel.objects.filter(
            driver=driver, account_group=AccountGroup.MEDIA_CENTER, is_active=True
        ).first()
        if via is None:
            continue
        partner = partner_account_create(
            actor=head, platform=platform, handle=handle, name=name, kind=kind, via_channel=via,
            external_id=account_by_handle(platform, handle).external_id,
        )  # fmt: skip
        stdout.write(f"  watching partner {partner.name} ({platform})")
