"""What the in-process benchmarks share: the portal migrated on its own database, the simulator
served by a threaded WSGI server in this process, and ``count`` channels (Facebook Pages and X
accounts, alternately) each with its login in the vault."""

from __future__ import annotations

import os


def simulated_channels(count: int):
    """Return the Kepala Dinas who made them and the channels."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.core.management import call_command
    from django.test.testcases import LiveServerThread

    call_command("migrate", verbosity=0)
    server = LiveServerThread("127.0.0.1", StaticFilesHandler)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    settings.SOCIAL_API_BASE = f"http://127.0.0.1:{server.port}/simulator"
    settings.INSTAGRAM_PRIVATE_DELAY = 0

    from accounts.roles import Role, sync_role_permissions
    from accounts.services import credential_create, division_create, user_create
    from publishing.models import AccountGroup
    from publishing.services.channels import channel_create
    from publishing.simulator import services as simulator
    from publishing.simulator.models import Account

    sync_role_permissions()
    division = division_create(name="Pengelolaan Komunikasi Publik", short_name="PKP")
    head = user_create(
        username="kadis-bench",
        email="kadis@example.go.id",
        full_name="Kepala Dinas",
        password="bench-" + os.urandom(8).hex(),
        division=None,
        roles=[Role.KEPALA_DINAS],
    )
    channels = []
    for index in range(count):
        platform = "x" if index % 2 else "facebook"
        account = Account.objects.create(
            platform=platform,
            kind=Account.Kind.X_USER if platform == "x" else Account.Kind.PAGE,
            handle=f"bench{index}",
            name=f"Akun {index}",
            external_id=f"{1700000000000000000 + index}",
        )
        demo = simulator.demo_credential(platform, account.handle)
        channel = channel_create(
            actor=head,
            name=account.name,
            handle=account.handle,
            driver=platform,
            account_group=AccountGroup.MEDIA_CENTER,
            external_id=account.external_id,
            responsible_division=division,
        )
        secret = {"access_token": demo["access_token"]}
        if demo.get("refresh_token"):
            secret["refresh_token"] = demo["refresh_token"]
        credential_create(
            actor=head, label=account.handle, kind="oauth", secret=secret, target=channel
        )
        channel.refresh_from_db()
        channels.append(channel)
    return head, channels
