"""The Kepala Dinas's records: the year's budget lines and the ad accounts."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import audit_record
from core.enqueue import enqueue_on_commit

from ..budget import line_figures
from ..models import AdAccount, BudgetLine
from ..permissions import ad_account_policy, budget_line_policy
from .common import require

LINE_FIELDS = ("code", "name", "ceiling", "year")


def budget_line_save(*, actor: User, line: BudgetLine | None = None, **fields: Any) -> BudgetLine:
    """Record a budget line, or change one. A ceiling is never lowered below what the line's
    boosts already spent or committed."""
    action = "change" if line is not None and line.pk else "add"
    require(
        budget_line_policy.user_has_permission(actor, action),
        _("Only the Kepala Dinas records the budget lines."),
    )
    line = line or BudgetLine()
    before = {name: getattr(line, name) for name in LINE_FIELDS}
    for name in LINE_FIELDS:
        if name in fields:
            setattr(line, name, fields[name])
    line.code = (line.code or "").strip()
    line.name = (line.name or "").strip()
    with transaction.atomic():
        if line.pk:
            figures = line_figures(line)
            if line.ceiling < figures.spent + figures.committed:
                raise ValidationError(
                    {
                        "ceiling": _(
                            "The line's boosts already spent or committed Rp %(used)s; the ceiling cannot "
                            "be lower."
                        )
                        % {"used": f"{figures.spent + figures.committed:,}".replace(",", ".")}
                    }
                )
        line.full_clean(validate_constraints=False)
        try:
            with transaction.atomic():
                line.save()
        except IntegrityError:
            raise ValidationError(
                {"code": _("This code is already a budget line of that year.")}
            ) from None
        changed = {n: str(getattr(line, n)) for n in LINE_FIELDS if getattr(line, n) != before[n]}
        audit_record(actor=actor, action=f"budget_line.{action}", target=line, details=changed)
    return line


ACCOUNT_FIELDS = ("name", "account_id", "currency", "is_active")


def ad_account_save(*, actor: User, account: AdAccount | None = None, **fields: Any) -> AdAccount:
    """Record an ad account, or change one; its token goes into the vault on its own (the vault's
    page, "unlocks: this ad account"). The worker then checks it on Meta."""
    action = "change" if account is not None and account.pk else "add"
    require(
        ad_account_policy.user_has_permission(actor, action),
        _("Only the Kepala Dinas records the ad accounts."),
    )
    account = account or AdAccount()
    for name in ACCOUNT_FIELDS:
        if name in fields:
            setattr(account, name, fields[name])
    account.account_id = str(account.account_id or "").strip().removeprefix("act_")
    if not account.account_id.isdigit():
        raise ValidationError(
            {"account_id": _("An ad account id is a number (act_ may precede it).")}
        )
    account.currency = (account.currency or "IDR").upper()
    with transaction.atomic():
        account.full_clean(validate_constraints=False)
        account.save()
        audit_record(
            actor=actor,
            action=f"ad_account.{action}",
            target=account,
            details={"account_id": account.account_id, "currency": account.currency},
        )
        if account.credential_id:
            enqueue_on_commit("boosts.tasks.ad_account_check", account.pk)
    return account


def ad_account_check_request(*, actor: User, account: AdAccount) -> None:
    """Ask the worker to read the account's state on Meta (status, currency, authorisation for
    social-issue ads)."""
    require(ad_account_policy.user_has_permission(actor, "change"))
    if account.credential_id is None:
        raise ValidationError(_("Keep the ad account's token in the vault first."))
    enqueue_on_commit("boosts.tasks.ad_account_check", account.pk)
