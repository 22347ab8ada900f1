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
        indexes = [models.Index(fields=["day", "metric"])]

    def __str__(self) -> str:
        return f"{self.channel_id} {self.metric} {self.day}: {self.value}"
