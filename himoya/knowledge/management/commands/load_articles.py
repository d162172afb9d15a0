from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from himoya.knowledge.loader import load_starter_articles


class Command(BaseCommand):
    help = (
        "Load or refresh the shipped advice articles (himoya/knowledge/data/articles). "
        "Articles edited by staff keep their text. Safe to repeat."
    )

    def add_arguments(self, parser):
        parser.add_argument("--language", action="append", help="Only this language (repeatable).")

    def handle(self, *args, language=None, **options):
        from himoya.reference.models import HarmCategory

        if not HarmCategory.objects.exists():
            raise CommandError("the harm taxonomy is not loaded yet: run `manage.py bootstrap` first")
        result = load_starter_articles(language or [code for code, _name in settings.LANGUAGES])
        self.stdout.write(
            f"created {len(result.created)}, updated {len(result.updated)}, "
            f"kept (edited here) {len(result.kept)}, unchanged {result.unchanged}"
        )
        for name in result.kept:
            self.stdout.write(f"  kept local edits: {name}")
