from django.core.management.base import BaseCommand

from himoya.links.actions import index_report_links
from himoya.reports.models import Report


class Command(BaseCommand):
    help = (
        "Store every report's links again from its text and link field: after DJANGO_SECRET_KEY changed "
        "(the link keys derive from it), or for reports filed before links were indexed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--missing", action="store_true", help="Only reports that have no stored links yet.")

    def handle(self, *args, missing=False, **options):
        reports = Report.objects.order_by("id")
        if missing:
            reports = reports.filter(found_links__isnull=True)
        stored = index_report_links(reports)
        self.stdout.write(f"{stored} links stored")
