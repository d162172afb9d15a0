"""Writes about staff accounts: creating staff, set-up links, sign-in records."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from himoya.accounts.models import SetupLink, User
from himoya.audit.log import log
from himoya.audit.models import Action


def create_staff(username: str, role: str, *, by=None, superuser: bool = False) -> tuple[User, str]:
    """A new staff member with no password yet; returns the user and a set-up token."""
    with transaction.atomic():
        user = User(username=username, is_staff=True, is_superuser=superuser)
        user.set_unusable_password()
        user.save()
        user.groups.add(Group.objects.get(name=role))
        token = issue_setup_link(user, by=by)
    return user, token


def issue_setup_link(user: User, *, by=None) -> str:
    """A fresh one-time set-up token for ``user``; earlier unused links stop working."""
    with transaction.atomic():
        token = SetupLink.issue(user)
        log(Action.STAFF_SETUP_ISSUED, actor=by, label="" if by else "system", user=user.pk)
    return token


def complete_setup(link: SetupLink, device: TOTPDevice, password: str) -> User:
    """Set the password and confirm the TOTP device enrolled through ``link``."""
    user = link.user
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        link.used_at = timezone.now()
        link.save(update_fields=["used_at"])
        log(Action.STAFF_ENROLLED, actor=user, user=user.pk)
    return user


def record_sign_in(user: User) -> None:
    with transaction.atomic():
        log(Action.STAFF_SIGNED_IN, actor=user)
