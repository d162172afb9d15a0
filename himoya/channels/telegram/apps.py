from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TelegramChannelConfig(AppConfig):
    name = "himoya.channels.telegram"
    label = "telegram_channel"
    verbose_name = _("Telegram channel")

    def ready(self):
        from himoya.channels.telegram.outbox import deliver_reply
        from himoya.conversations.actions import register_courier
        from himoya.reports.models import Channel

        # Operator replies on Telegram cases are queued in our outbox instead of being
        # "sent" the moment they are stored (as on the web page).
        register_courier(Channel.TELEGRAM, deliver_reply)
