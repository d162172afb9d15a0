from django.core.management.base import BaseCommand

from himoya.cases import alerts


class Command(BaseCommand):
    help = (
        "Alert supervisors when a P1 case passes its deadline unclaimed; checks every "
        "HIMOYA_ALERT_CHECK_SECONDS. `manage.py start` runs this itself; run one beside the "
        "workers when they are separate processes (a case alerts once however many run)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Check once and exit.")

    def handle(self, *args, once=False, **options):
        if once:
            alerted = alerts.raise_alerts()
            self.stdout.write(f"alerted: {len(alerted)}")
            return
        alerts.watch()
