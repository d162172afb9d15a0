from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnerApiConfig(AppConfig):
    name = "himoya.channels.api"
    label = "partner_api"
    verbose_name = _("Partner API")

    def ready(self):
        # Connects the signals that forget cached tokens when they change.
        from himoya.channels.api import auth  # noqa: F401
