"""Paid boosts of published posts: the budget lines that pay for them, the ad accounts they run
on, each request with its approvals and platform objects, the spend read day by day, and the
receipts filed for the accountability documents (SPJ).

Amounts are whole rupiah (Meta's IDR has no cents). A budget line's committed amount is what its
approved boosts may still spend; its spent amount is what the platform reported per day.
"""

from __future__ import annotations

import math
import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class BudgetLine(models.Model):
    """A line of the year's budget (DPA) that may pay for promotion."""

    code = models.CharField(
        _("DPA sub-activity code"),
        max_length=60,
        help_text=_("As written in the DPA, e.g. 2.16.02.1.01.0001."),
    )
    name = models.CharField(_("name"), max_length=200)
    ceiling = models.PositiveBigIntegerField(_("ceiling (Rp)"))
    year = models.PositiveSmallIntegerField(_("year"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        ordering = ["-year", "code"]
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        constraints = [
            models.UniqueConstraint(fields=["year", "code"], name="boosts_budget_line_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name} ({self.year})"


class AdAccountStatus(models.TextChoices):
    UNCHECKED = "unchecked", pgettext_lazy("ad account status", "Not checked yet")
    ACTIVE = "active", pgettext_lazy("ad account status", "Active")
    DISABLED = "disabled", pgettext_lazy("ad account status", "Disabled")
    UNSETTLED = "unsettled", pgettext_lazy("ad account status", "Unpaid balance")
    OTHER = "other", pgettext_lazy("ad account status", "Not usable")


class AdAccount(models.Model):
    """An ad account on Meta, used through a System User token kept in the vault."""

    name = models.CharField(_("name"), max_length=150)
    account_id = models.CharField(
        _("Meta ad account id"),
        max_length=40,
        unique=True,
        help_text=_("The number after act_ in Meta's Business Manager."),
    )
    currency = models.CharField(_("currency"), max_length=3, default="IDR")
    credential = models.ForeignKey(
        "accounts.Credential",
        verbose_name=_("credential"),
        on_delete=models.PROTECT,
        related_name="ad_accounts",
        null=True,
        blank=True,
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=AdAccountStatus.choices,
        default=AdAccountStatus.UNCHECKED,
    )
    issues_authorized = models.BooleanField(
        _("authorised for social-issue ads"),
        default=False,
        help_text=_("Meta's authorisation to run ads about social issues, elections or politics."),
    )
    problem = models.CharField(_("problem"), max_length=300, blank=True)
    checked_at = models.DateTimeField(_("checked"), null=True, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("ad account")
        verbose_name_plural = _("ad accounts")

    def __str__(self) -> str:
        return f"{self.name} (act_{self.account_id})"

    @property
    def act_id(self) -> str:
        return f"act_{self.account_id}"


class BoostGoal(models.TextChoices):
    REACH = "reach", _("Reach (as many people as possible)")
    ENGAGEMENT = "engagement", _("Engagement (reactions, comments, shares)")


class BudgetKind(models.TextChoices):
    DAILY = "daily", _("Per day")
    TOTAL = "total", _("Total for the whole boost")


class AudienceKind(models.TextChoices):
    REGENCY = "regency", _("The regency")
    RADIUS = "radius", _("A radius around a point")


class BoostStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("boost status", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("boost status", "Waiting for the Head of Division")
    APPROVED_DIVISION = (
        "approved_division",
        pgettext_lazy("boost status", "Waiting for the Head of Department"),
    )
    APPROVED = "approved", pgettext_lazy("boost status", "Approved")
    CREATING = "creating", pgettext_lazy("boost status", "Being created on Meta")
    RUNNING = "running", pgettext_lazy("boost status", "Running")
    FINISHED = "finished", pgettext_lazy("boost status", "Finished")
    STOPPED = "stopped", pgettext_lazy("boost status", "Stopped")
    FAILED = "failed", pgettext_lazy("boost status", "Failed")
    REJECTED = "rejected", pgettext_lazy("boost status", "Rejected")


# Approved but not finished: what these may still spend is committed on their budget line.
COMMITTING = frozenset({BoostStatus.APPROVED, BoostStatus.CREATING, BoostStatus.RUNNING})
# Finished one way or another: nothing more happens to them.
CLOSED = frozenset(
    {BoostStatus.FINISHED, BoostStatus.STOPPED, BoostStatus.FAILED, BoostStatus.REJECTED}
)


class BoostRequest(models.Model):
    """A request to boost one published post on one Facebook Page or Instagram account, from the
    draft through the approvals to the platform's objects and the end of the boost."""

    delivery = models.ForeignKey(
        "publishing.Delivery",
        verbose_name=_("published post"),
        on_delete=models.PROTECT,
        related_name="boosts",
    )
    division = models.ForeignKey(
        "accounts.Division",
        verbose_name=_("division"),
        on_delete=models.PROTECT,
        related_name="boosts",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="boost_requests",
    )
    ad_account = models.ForeignKey(
        AdAccount, verbose_name=_("ad account"), on_delete=models.PROTECT, related_name="boosts"
    )
    budget_line = models.ForeignKey(
        BudgetLine, verbose_name=_("budget line"), on_delete=models.PROTECT, related_name="boosts"
    )
    goal = models.CharField(
        _("goal"), max_length=20, choices=BoostGoal.choices, default=BoostGoal.REACH
    )
    budget_kind = models.CharField(
        _("budget"), max_length=10, choices=BudgetKind.choices, default=BudgetKind.DAILY
    )
    amount = models.PositiveBigIntegerField(
        _("amount (Rp)"), help_text=_("Per day, or for the whole boost, as chosen above.")
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    audience = models.CharField(
        _("audience"), max_length=10, choices=AudienceKind.choices, default=AudienceKind.REGENCY
    )
    region_key = models.CharField(_("location key"), max_length=40, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    radius_km = models.FloatField(_("radius (km)"), null=True, blank=True)
    age_min = models.PositiveSmallIntegerField(_("youngest age"), default=18)
    age_max = models.PositiveSmallIntegerField(_("oldest age"), default=65)
    reason = models.TextField(_("reason"))
    social_issue = models.BooleanField(
        _("social issue, elections or politics"),
        default=True,
        help_text=_(
            "Meta treats most government posts in Indonesia as ads about social issues; such ads "
            "carry a “paid for by” line and stay in the Ad Library for seven years."
        ),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=BoostStatus.choices,
        default=BoostStatus.DRAFT,
        db_index=True,
    )
    review_comment = models.TextField(_("reviewer's comment"), blank=True)
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The platform's objects, kept as soon as each is known (the paper trail).
    campaign_id = models.CharField(_("campaign id"), max_length=40, blank=True)
    adset_id = models.CharField(_("ad set id"), max_length=40, blank=True)
    creative_id = models.CharField(_("creative id"), max_length=40, blank=True)
    ad_id = models.CharField(_("ad id"), max_length=40, blank=True)
    ad_library_url = models.URLField(_("Ad Library"), max_length=300, blank=True)
    estimate_lower = models.PositiveBigIntegerField(
        _("estimated reach from"), null=True, blank=True
    )
    estimate_upper = models.PositiveBigIntegerField(_("estimated reach to"), null=True, blank=True)
    estimate_note = models.CharField(_("estimate"), max_length=300, blank=True)
    # The worker's tries: an uncertain one is looked up before any new try.
    attempts = models.PositiveSmallIntegerField(_("tries"), default=0)
    uncertain = models.BooleanField(default=False, editable=False)
    last_error = models.TextField(_("what happened"), blank=True)
    error_code = models.CharField(_("error code"), max_length=40, blank=True)
    stop_reason = models.CharField(_("why it stopped"), max_length=300, blank=True)
    spend_read_at = models.DateTimeField(_("spend read"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    started_at = models.DateTimeField(_("running since"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("boost request")
        verbose_name_plural = _("boost requests")
        permissions = [
            ("approve_division_boostrequest", _("Approve boosts of the division (first)")),
            ("approve_boostrequest", _("Approve boosts (final)")),
            ("stop_boostrequest", _("Stop running boosts")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")),
                name="boosts_request_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(age_max__gte=models.F("age_min")),
                name="boosts_request_age_range",
            ),
        ]

    def __str__(self) -> str:
        return _("Boost #%(pk)s") % {"pk": self.pk}

    @property
    def days(self) -> int:
        """Days the boost runs, a started day counting whole (as a daily budget is spent)."""
        return max(1, math.ceil((self.end - self.start).total_seconds() / 86400))

    @property
    def planned(self) -> int:
        """The most it may spend, in rupiah: the total, or the daily amount times its days."""
        if self.budget_kind == BudgetKind.TOTAL:
            return self.amount
        return self.amount * self.days

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED

    @property
    def objects_made(self) -> bool:
        return bool(self.campaign_id or self.adset_id or self.creative_id or self.ad_id)

    @property
    def is_over(self) -> bool:
        return timezone.now() >= self.end


class BoostStep(models.Model):
    """One step of a request's paper trail: submitted, approved, rejected, stopped, and what the
    worker did (created, running, failed)."""

    boost = models.ForeignKey(BoostRequest, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(_("step"), max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    comment = models.TextField(_("comment"), blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("boost step")
        verbose_name_plural = _("boost steps")

    def __str__(self) -> str:
        return f"{self.boost_id} {self.action}"


class BoostSpendDay(models.Model):
    """What the platform reported for one boost on one day."""

    boost = models.ForeignKey(BoostRequest, on_delete=models.CASCADE, related_name="spend_days")
    day = models.DateField(_("day"))
    spend = models.DecimalField(
        _("spend (Rp)"), max_digits=16, decimal_places=2, default=Decimal(0)
    )
    reach = models.PositiveBigIntegerField(_("reach"), null=True, blank=True)
    impressions = models.PositiveBigIntegerField(_("impressions"), null=True, blank=True)
    frequency = models.DecimalField(
        _("frequency"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    results = models.PositiveBigIntegerField(_("results"), null=True, blank=True)
    read_at = models.DateTimeField(_("read"), auto_now=True)

    class Meta:
        ordering = ["day"]
        verbose_name = _("boost spend of a day")
        verbose_name_plural = _("boost spend by day")
        constraints = [
            models.UniqueConstraint(fields=["boost", "day"], name="boosts_spend_day_unique")
        ]

    def __str__(self) -> str:
        return f"{self.boost_id} {self.day}: {self.spend}"


class ReceiptKind(models.TextChoices):
    INVOICE = "invoice", _("Meta's invoice or receipt")
    PAYMENT = "payment", _("Proof of payment")
    SPJ = "spj", _("Accountability document (SPJ)")
    OTHER = "other", _("Other")


class BoostReceipt(models.Model):
    """A receipt file of a boost, kept as an asset in the library's restricted finance folder."""

    boost = models.ForeignKey(BoostRequest, on_delete=models.CASCADE, related_name="receipts")
    kind = models.CharField(_("kind"), max_length=10, choices=ReceiptKind.choices)
    asset = models.ForeignKey(
        "assets.Asset",
        verbose_name=_("file"),
        on_delete=models.PROTECT,
        related_name="boost_receipts",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        ordering = ["added_at", "pk"]
        verbose_name = _("boost receipt")
        verbose_name_plural = _("boost receipts")

    def __str__(self) -> str:
        return f"{self.boost_id} {self.kind}"
