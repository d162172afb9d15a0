"""``manage.py telegram poll|sweep|set-webhook|delete-webhook|me``: a thin shell."""

from __future__ import annotations

import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Run the Telegram bot by long polling (poll), run only the sweeper that retries queued "
        "work (sweep; for webhook deployments), register or remove the webhook, or check the token (me)."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["poll", "sweep", "set-webhook", "delete-webhook", "me"])
        parser.add_argument("--once", action="store_true", help="With sweep: sweep once and stop.")

    def handle(self, *args, action, once, **options):
        from himoya.channels.telegram import polling
        from himoya.channels.telegram.transport import TransportError, get_transport

        if not settings.TELEGRAM_BOT_TOKEN:
            raise CommandError("TELEGRAM_BOT_TOKEN is not set.")
        try:
            if action == "poll":
                from himoya.channels.telegram.dispatch import use_local_threads

                self.stdout.write("Polling Telegram for updates. Press Ctrl+C to stop.")
                use_local_threads(settings.TELEGRAM_WORKERS)
                _until_interrupted(polling.run_polling)
            elif action == "sweep":
                if once:
                    self.stdout.write(str(polling.sweep()))
                else:
                    _until_interrupted(polling.run_sweeper)
            elif action == "set-webhook":
                url = settings.TELEGRAM_WEBHOOK_URL
                if not url:
                    raise CommandError("Set TELEGRAM_WEBHOOK_URL (and TELEGRAM_WEBHOOK_SECRET) first.")
                get_transport().set_webhook(url, settings.TELEGRAM_WEBHOOK_SECRET)
                self.stdout.write(f"Webhook set to {url}")
            elif action == "delete-webhook":
                get_transport().delete_webhook()
                self.stdout.write("Webhook removed; the bot can now be run by long polling.")
            elif action == "me":
                me = get_transport().get_me()
                self.stdout.write(f"@{me.get('username')} ({me.get('first_name')})")
        except TransportError as exc:
            raise CommandError(f"Telegram: {exc}") from exc


def _until_interrupted(loop) -> None:
    stop = threading.Event()
    try:
        loop(stop)
    except KeyboardInterrupt:
        stop.set()
