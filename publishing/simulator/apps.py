from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SimulatorConfig(AppConfig):
    name = "publishing.simulator"
    label = "simulator"
    verbose_name = _("Platform simulator")
    default_auto_field = "django.db.models.BigAutoField"
