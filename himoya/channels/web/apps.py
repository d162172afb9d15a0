from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebChannelConfig(AppConfig):
    name = "himoya.channels.web"
    label = "web_channel"
    verbose_name = _("Web channel")
