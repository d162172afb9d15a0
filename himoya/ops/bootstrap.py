"""First-run set-up, safe to repeat: reference data, roles, and a first administrator."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django_otp.plugins.otp_totp.models import TOTPDevice

from himoya.accounts import roles
from himoya.accounts.actions import create_staff, issue_setup_link
from himoya.accounts.models import User
from himoya.awareness.shipped import load_shipped_templates
from himoya.conversations.loader import load_canned_replies
from himoya.knowledge.loader import load_starter_articles
from himoya.reference.loader import load_reference_data
from himoya.referrals.loader import load_partner_directory

FIRST_ADMIN = "admin"


@dataclass(frozen=True)
class BootstrapResult:
    setup_token: str | None  # shown once; None when an administrator is already set up

    def setup_url(self, site_url: str = "") -> str | None:
        if self.setup_token is None:
            return None
        with translation.override(settings.LANGUAGE_CODE):
            return (site_url or settings.SITE_URL) + reverse("accounts:setup", args=[self.setup_token])


@transaction.atomic
def bootstrap() -> BootstrapResult:
    """Load reference data, the partner directory, roles, the starter advice articles and
    canned replies; make sure an administrator can sign in.

    The first run creates the administrator ``admin`` with no password and returns a
    one-time set-up link. Later runs return a new link only while no administrator has
    finished setting up (the earlier link stops working), and otherwise None.
    """
    load_reference_data(settings.COUNTRIES)
    load_partner_directory(settings.COUNTRIES)
    roles.sync_roles()
    load_shipped_templates()
    load_starter_articles([code for code, _name in settings.LANGUAGES])
    load_canned_replies([code for code, _name in settings.LANGUAGES])
    admins = User.objects.filter(is_superuser=True, is_active=True)
    ready = TOTPDevice.objects.filter(user__in=admins, confirmed=True).exists()
    if ready:
        return BootstrapResult(setup_token=None)
    admin = admins.order_by("pk").first()
    if admin is None:
        _user, token = create_staff(FIRST_ADMIN, roles.ADMINISTRATOR, superuser=True)
    else:
        token = issue_setup_link(admin)
    return BootstrapResult(setup_token=token)
