"""Demo data of the paid boosts: this year's budget line for promotion and the simulator's ad
account with its System User token in the vault. Idempotent: a second run adds nothing."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from accounts.services import credential_create

from . import services
from .models import AdAccount, BudgetLine

DEMO_LINE = ("2.16.02.1.01.0001", "Publikasi dan Promosi Media Sosial", 25_000_000)
DEMO_ACCOUNT = ("Dinas Kominfo Bojonegoro", "1000000000001")


def run(stdout) -> None:
    kadis = User.objects.filter(groups__name=Role.KEPALA_DINAS.value, is_active=True).first()
    if kadis is None:
        return
    year = timezone.localdate().year
    code, name, ceiling = DEMO_LINE
    with transaction.atomic():
        if not BudgetLine.objects.filter(year=year, code=code).exists():
            services.budget_line_save(actor=kadis, code=code, name=name, ceiling=ceiling,
                                      year=year)  # fmt: skip
            stdout.write(f"Boosts: budget line {code} ({year}).\n")
        label, account_id = DEMO_ACCOUNT
        if AdAccount.objects.filter(account_id=account_id).exists():
            return
        account = services.ad_account_save(actor=kadis, name=label, account_id=account_id)
        from publishing.simulator.services import demo_ads_credential

        credential_create(actor=kadis, label="System User iklan (demo)", kind="oauth",
                          secret=demo_ads_credential(), target=account)  # fmt: skip
        account.refresh_from_db()
        services.ad_account_check_request(actor=kadis, account=account)
        stdout.write(f"Boosts: ad account act_{account_id}.\n")
