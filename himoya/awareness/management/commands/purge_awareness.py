"""Delete pupils' data of awareness sessions whose retention period is over."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from himoya.awareness.purge import purge_due


class Command(BaseCommand):
    help = (
        "Delete participants, answers and questions of awareness sessions that ended more than "
        "HIMOYA_AWARENESS_RETENTION_DAYS ago (and end sessions left live for over a day). "
        "Aggregate figures are kept. Safe to run as often as you like, e.g. daily from cron."
    )

    def handle(self, *args, **options):
        count = purge_due()
        self.stdout.write(f"Purged {count} awareness session(s).")
