"""Shared fixtures: reference data, personas, and helpers to file reports.

Personas follow the same roles as production: ``operator``, ``supervisor``, ``analyst``,
``administrator``, and ``outsider`` (a signed-in staff member with no role, who should
see nothing).
"""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from himoya.accounts import roles
from himoya.accounts.models import User
from himoya.reference.loader import load_reference_data
from himoya.reference.models import HarmCategory
from himoya.reports.actions import NewReport, submit_report
from himoya.reports.models import Channel

PASSWORD = "correct horse battery staple 42"


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # Tests serve static files from the source tree, without a collectstatic manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def reference(db):
    load_reference_data()
    roles.sync_roles()


def make_staff(username: str, role: str | None) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, is_staff=True)
    if role:
        from django.contrib.auth.models import Group

        user.groups.add(Group.objects.get(name=role))
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user


@pytest.fixture
def operator(reference):
    return make_staff("olga", roles.OPERATOR)


@pytest.fixture
def operator2(reference):
    return make_staff("oybek", roles.OPERATOR)


@pytest.fixture
def supervisor(reference):
    return make_staff("samira", roles.SUPERVISOR)


@pytest.fixture
def analyst(reference):
    return make_staff("anar", roles.ANALYST)


@pytest.fixture
def outsider(reference):
    return make_staff("nobody", None)


def verified_client(user) -> Client:
    """A client signed in with both factors, as after the TOTP step."""
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session["otp_device_id"] = TOTPDevice.objects.get(user=user).persistent_id
    session.save()
    return client


@pytest.fixture
def file_report(reference):
    """File a report as a reporter would; returns the Submission (with its one-time code)."""

    def _file(narrative="Someone in my class posts mean things about me.", harm="cyberbullying", **extra):
        return submit_report(
            NewReport(
                channel=extra.pop("channel", Channel.WEB),
                language=extra.pop("language", "en"),
                narrative=narrative,
                harm=HarmCategory.objects.get(code=harm) if harm else None,
                **extra,
            )
        )

    return _file
