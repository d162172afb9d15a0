from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HashesConfig(AppConfig):
    name = "himoya.hashes"
    label = "hashes"
    verbose_name = _("Picture hash lists")
    default_auto_field = "django.db.models.BigAutoField"
