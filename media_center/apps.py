from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediaCenterConfig(AppConfig):
    name = "media_center"
    verbose_name = _("Media Center")
