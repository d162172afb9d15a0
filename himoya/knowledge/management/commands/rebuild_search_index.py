from django.core.management.base import BaseCommand
from django.db import transaction

from himoya.knowledge.search import rebuild_index


class Command(BaseCommand):
    help = "Rebuild the full-text index of advice articles (after restoring a backup, for example)."

    def handle(self, *args, **options):
        with transaction.atomic():
            count = rebuild_index()
        self.stdout.write(f"indexed {count} articles")
