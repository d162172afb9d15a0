import sys

from django.core.management.base import BaseCommand

from himoya.triage.actions import export_corrections


class Command(BaseCommand):
    help = (
        "Write operators' corrections as JSON lines (decrypted text + harm) for "
        "`python -m himoya.triage train --include-corrections FILE`. The output holds "
        "children's words: keep it encrypted at rest and delete it after training."
    )

    def add_arguments(self, parser):
        parser.add_argument("output", help="A file path, or - for standard output.")

    def handle(self, *args, output, **options):
        if output == "-":
            count = export_corrections(sys.stdout)
        else:
            with open(output, "w", encoding="utf-8") as stream:
                count = export_corrections(stream)
        self.stderr.write(f"{count} corrections written")
