"""Reading the kept figures."""

from __future__ import annotations

from datetime import date, datetime, time

from django.utils import timezone

from publishing.models import Channel, Delivery, DeliveryStatus


def active_channel_ids() -> list[int]:
    return list(
        Channel.objects.filter(is_active=True, credential__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def published_deliveries_since(first: date) -> list[tuple[int, datetime]]:
    start = timezone.make_aware(datetime.combine(first, time.min))
    return list(
        Delivery.objects.filter(
            status=DeliveryStatus.PUBLISHED, published_at__gte=start, channel__is_active=True
        )
        .exclude(external_id="")
        .order_by("pk")
        .values_list("pk", "published_at")
    )
