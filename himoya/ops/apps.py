from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "himoya.ops"
    verbose_name = "Operations"
