from django.core.management.base import BaseCommand, CommandError

from himoya.channels.api.actions import issue_token, revoke_token
from himoya.channels.api.models import PartnerToken


class Command(BaseCommand):
    help = "Issue, list or revoke partner API tokens. A new token is printed once and never stored."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        issue = sub.add_parser("issue", help="Issue a token for a partner (created if new).")
        issue.add_argument("partner")
        issue.add_argument("--label", default="")
        sub.add_parser("list", help="List tokens (prefixes only).")
        revoke = sub.add_parser("revoke", help="Revoke a token by its prefix.")
        revoke.add_argument("prefix")

    def handle(self, *args, action, **options):
        if action == "issue":
            row, token = issue_token(options["partner"], label=options["label"])
            self.stdout.write(f"Token for {row.partner} (shown once, keep it secret):\n{token}")
        elif action == "list":
            for row in PartnerToken.objects.select_related("partner").order_by("partner__name", "created_at"):
                state = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "active"
                self.stdout.write(f"{row.prefix}…  {row.partner}  {row.label}  {state}")
        else:
            rows = list(PartnerToken.objects.active().filter(prefix__startswith=options["prefix"]))
            if len(rows) != 1:
                raise CommandError(f"{len(rows)} active tokens start with {options['prefix']!r}; give a longer prefix")
            revoke_token(rows[0])
            self.stdout.write(f"Revoked {rows[0]}")
