from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from himoya.knowledge import leaflets
from himoya.knowledge.models import Article, Audience


class Command(BaseCommand):
    help = (
        "Print published advice articles as leaflets for a campaign: one PDF with every chosen "
        "article (or --zip: one PDF each). Filters combine; none means every published article."
    )

    def add_arguments(self, parser):
        parser.add_argument("output", help="File to write (.pdf, or .zip with --zip).")
        parser.add_argument("--language", action="append", help="Language code (repeatable).")
        parser.add_argument("--audience", choices=Audience.values)
        parser.add_argument("--harm", action="append", help="Harm code (repeatable).")
        parser.add_argument("--key", action="append", help="Article key (repeatable).")
        parser.add_argument("--size", choices=list(leaflets.SIZES), default="a5")
        parser.add_argument("--zip", action="store_true", help="One PDF per article, in a ZIP.")

    def handle(self, *args, output, language, audience, harm, key, size, zip, **options):
        chosen = Article.objects.published()
        if language:
            chosen = chosen.filter(language__in=language)
        if audience:
            chosen = chosen.for_audience(audience)
        if harm:
            chosen = chosen.filter(harms__code__in=harm).distinct()
        if key:
            chosen = chosen.filter(key__in=key)
        articles = list(chosen.order_by("language", "key"))
        if not articles:
            raise CommandError("no published article matches")
        data = leaflets.leaflet_zip(articles, size) if zip else leaflets.leaflet_pdf(articles, size)
        Path(output).write_bytes(data)
        self.stdout.write(f"{len(articles)} articles, {len(data) // 1024} KiB: {output}")
