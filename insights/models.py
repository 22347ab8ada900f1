"""What the platforms said a post and a channel reached, kept day by day: the portal's own history
of figures the platforms forget (X's private figures after 30 days, Meta's after two years).

A figure the platform refused (retired, not offered for that kind of post, permission missing) is
kept as a row without a value and with the reason, so a page says "not available" and why.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from publishing.models import Channel, Delivery


class MetricFields(models.Model):
    metric = models.CharField(_("figure"), max_length=40)
    day = models.DateField(_("day"))
    value = models.BigIntegerField(_("value"), null=True, blank=True)
    platform_metric = models.CharField(_("platform's name"), max_length=80, blank=True)
    reason = models.CharField(_("why not available"), max_length=300, blank=True)
    permission = models.CharField(_("permission missing"), max_length=60, blank=True)
    fetched_at = models.DateTimeField(_("read"), auto_now=True)

    class Meta:
        abstract = True

    @property
    def available(self) -> bool:
        return self.value is not None


class DeliveryMetricDay(MetricFields):
    """A post's figure on one channel as read on ``day`` (its total to that day)."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="metric_days")

    class Meta:
        verbose_name = _("post figure of a day")
        verbose_name_plural = _("post figures by day")
        constraints = [
            models.UniqueConstraint(
                fields=["delivery", "metric", "day"], name="insights_delivery_metric_day"
            )
        ]
        indexes = [models.Index(fields=["day", "metric"])]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.metric} {self.day}: {self.value}"


class ChannelMetricDay(MetricFields):
    """A channel's figure of one day (views, reach, followers gained that day; followers at the
    end of it)."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="metric_days")

    class Meta:
        verbose_name = _("channel figure of a day")
        verbose_name_plural = _("channel figures by day")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "metric", "day"], name="insights_channel_metric_day"
            )
        ]
        # (channel, day): a period's rows of the chosen channels, whatever the years kept.
        indexes = [models.Index(fields=["day", "metric"]), models.Index(fields=["channel", "day"])]

    def __str__(self) -> str:
        return f"{self.channel_id} {self.metric} {self.day}: {self.value}"


class ReportKind(models.TextChoices):
    MONTH = "month", _("Monthly")
    QUARTER = "quarter", _("Quarterly")
    YEAR = "year", _("Yearly")


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Being made")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class Report(models.Model):
    """A period's report of the whole office, a division or an account group, made by a worker
    (its progress kept here for the page to show) and kept in the archive as PDF and XLSX."""

    kind = models.CharField(_("kind"), max_length=10, choices=ReportKind.choices)
    start = models.DateField(_("from"))
    end = models.DateField(_("until"))
    division = models.ForeignKey(
        "accounts.Division", verbose_name=_("division"), on_delete=models.PROTECT, null=True,
        blank=True,
    )  # fmt: skip
    account_group = models.CharField(_("account group"), max_length=20, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    step = models.CharField(_("step"), max_length=120, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    pdf = models.FileField(_("PDF"), upload_to="reports/insights/", max_length=200, blank=True)
    xlsx = models.FileField(_("XLSX"), upload_to="reports/insights/", max_length=200, blank=True)
    requested_by = models.ForeignKey(
        "accounts.User", verbose_name=_("requested by"), on_delete=models.SET_NULL, null=True,
        blank=True, related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    mailed_at = models.DateTimeField(_("mailed"), null=True, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.start} {self.end}"


class PartnerFigureDay(models.Model):
    """A watched partner account's public figures as read on ``day``: followers and posts (the
    account's whole count), how many recent posts were read and the sum of their likes, comments
    and shares, and the engagement rate per post against the followers (percent).

    A partner the platform would not show (unknown, a personal account) or that was not read
    (the run's call budget, throttling) is a row without values and with the reason: never a
    zero."""

    partner = models.ForeignKey(
        "publishing_sync.PartnerAccount", on_delete=models.CASCADE, related_name="figure_days"
    )
    day = models.DateField(_("day"))
    followers = models.BigIntegerField(_("followers"), null=True, blank=True)
    posts = models.BigIntegerField(_("posts"), null=True, blank=True)
    recent_posts = models.PositiveIntegerField(_("recent posts read"), null=True, blank=True)
    recent_engagement = models.BigIntegerField(_("engagement on recent posts"), null=True,
                                               blank=True)  # fmt: skip
    engagement_rate = models.FloatField(_("engagement rate per post (%)"), null=True, blank=True)
    reason = models.CharField(_("why not available"), max_length=300, blank=True)
    # Not read in that run (the call budget was spent): read first in the next run.
    not_read = models.BooleanField(_("not read (call budget)"), default=False)
    fetched_at = models.DateTimeField(_("read"), auto_now=True)

    class Meta:
        verbose_name = _("partner figure of a day")
        verbose_name_plural = _("partner figures by day")
        constraints = [
            models.UniqueConstraint(fields=["partner", "day"], name="insights_partner_day")
        ]
        indexes = [models.Index(fields=["day"])]

    def __str__(self) -> str:
        return f"{self.partner_id} {self.day}: {self.followers}"

    @property
    def available(self) -> bool:
        return self.followers is not None
