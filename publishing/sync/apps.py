from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SyncConfig(AppConfig):
    """Account sync and partner reposts: an app of its own, whose tables keep the names they had
    as part of ``publishing`` (``publishing_syncrule``...)."""

    name = "publishing.sync"
    label = "publishing_sync"
    verbose_name = _("Account sync")
    default_auto_field = "django.db.models.BigAutoField"
