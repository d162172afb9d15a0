from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from himoya.accounts import roles
from himoya.accounts.actions import create_staff, issue_setup_link
from himoya.accounts.models import User
from himoya.ops.bootstrap import BootstrapResult


class Command(BaseCommand):
    help = (
        "Create a staff member with a role and print a one-time set-up link (password + "
        "authenticator). For an existing member, print a new link (the old one stops working)."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", choices=list(roles.PERMISSIONS), default=roles.OPERATOR)
        parser.add_argument("--site-url", default=settings.SITE_URL)

    def handle(self, *args, username, role, site_url, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            user, token = create_staff(username, role, superuser=role == roles.ADMINISTRATOR)
        elif not user.is_active:
            raise CommandError(f"{username} is deactivated")
        else:
            token = issue_setup_link(user)
        url = BootstrapResult(setup_token=token).setup_url(site_url.rstrip("/"))
        self.stdout.write(f"Set-up link for {username} (works once, for 48 hours):\n{url}")
