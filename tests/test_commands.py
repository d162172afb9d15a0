"""Management commands: thin shells over tested actions."""

from __future__ import annotations

import base64
import os
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from config import settings as config_settings
from himoya.accounts.models import SetupLink, User
from himoya.channels.api.models import PartnerToken
from himoya.lib.crypto import Keyring
from himoya.reports.models import Report

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_partner_token_issue_prints_the_token_once_and_stores_its_hash(reference):
    output = _run("partner_token", "issue", "Platform T&S", "--label", "prod")
    token = re.search(r"(hmy_\S+)", output).group(1)
    row = PartnerToken.objects.get()
    assert row.digest == PartnerToken.hash(token)
    assert token not in _run("partner_token", "list")
    _run("partner_token", "revoke", row.prefix)
    row.refresh_from_db()
    assert row.revoked_at is not None


def test_invite_staff_creates_a_member_with_a_role_and_a_setup_link(reference):
    output = _run("invite_staff", "dilnoza", "--role", "supervisor")
    token = re.search(r"/staff/setup/([\w-]+)/", output).group(1)
    user = User.objects.get(username="dilnoza")
    assert user.groups.filter(name="supervisor").exists()
    assert not user.has_usable_password()
    assert SetupLink.objects.usable().get().digest == SetupLink.hash(token)


def test_rotate_encryption_rewrites_old_tokens_with_the_new_key(settings, file_report):
    file_report(narrative="Story under the old key", contact="+998 90 123 45 67")
    new_key = base64.urlsafe_b64encode(os.urandom(32)).decode()
    old_keys = config_settings._keys_text
    settings.ENCRYPTION_KEYRING = Keyring.from_text(f"{new_key},{old_keys}")

    output = _run("rotate_encryption")
    assert "reports.Report: 1 re-encrypted" in output

    with connection.cursor() as cursor:
        cursor.execute("SELECT narrative FROM reports_report")
        (token,) = cursor.fetchone()
    assert settings.ENCRYPTION_KEYRING.is_current(bytes(token))
    # The new key alone now reads it.
    settings.ENCRYPTION_KEYRING = Keyring.from_text(new_key)
    report = Report.objects.get()
    assert report.narrative == "Story under the old key"
    assert report.contact == "+998 90 123 45 67"


@pytest.mark.django_db(transaction=True)
def test_db_worker_loads_the_triage_engine_before_its_first_task(reference, settings, monkeypatch):
    from django.core.management import get_commands

    from himoya.triage import service

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    monkeypatch.setattr(service, "_engine", None)
    assert get_commands()["db_worker"] == "himoya.ops"
    # --batch: run what is queued (nothing), then stop.
    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)
    assert service._engine is not None
