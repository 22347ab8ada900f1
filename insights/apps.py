from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "insights"
    verbose_name = _("Insights")

    def ready(self) -> None:
        from publishing.figures import register_reach_reader

        from .selectors import delivery_reach

        # A post's reach as read day by day, for the features that compare it (paid boosts).
        register_reach_reader(delivery_reach)
