from django.core.management.base import BaseCommand

from himoya.ops.bootstrap import bootstrap


class Command(BaseCommand):
    help = "Load the harm taxonomy, regions and roles, and make sure an administrator can sign in."

    def handle(self, *args, **options):
        result = bootstrap()
        if result.setup_token:
            self.stdout.write(
                "\nNo administrator has finished setting up yet. Open this one-time link to choose\n"
                "a password and enrol an authenticator app (it works once, for 48 hours):\n\n"
                f"    {result.setup_url()}\n"
            )
