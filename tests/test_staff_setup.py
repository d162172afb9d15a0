"""Set-up links: a new staff member chooses a password and enrols TOTP, once, before the link expires.

``bootstrap()`` creates the first administrator once and hands out a set-up link until the
administrator has finished.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from himoya.accounts import roles
from himoya.accounts.actions import create_staff, issue_setup_link
from himoya.accounts.models import SetupLink, User
from himoya.audit.models import Action, AuditEntry
from himoya.ops.bootstrap import bootstrap

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a long and unusual passphrase 7"


def _url(token: str) -> str:
    return f"/en/staff/setup/{token}/"


def _finish(client: Client, user, code_for, token: str, password: str = NEW_PASSWORD):
    """Open the link as a browser would, then submit the form with ``code_for(device)``."""
    page = client.get(_url(token))
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert device.config_url.split("secret=")[1].split("&")[0] in page.content.decode()
    return client.post(
        _url(token),
        {"password1": password, "password2": password, "token": code_for(device)},
    )


@pytest.fixture
def newcomer(reference):
    return create_staff("nigar", roles.OPERATOR)


def test_a_set_up_link_sets_the_password_and_enrols_totp(newcomer, totp_code):
    user, token = newcomer
    assert not user.has_usable_password()
    client = Client()
    response = _finish(client, user, totp_code, token)
    assert response.status_code == 302
    assert response["Location"] == "/en/staff/cases/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert TOTPDevice.objects.get(user=user).confirmed
    # Signed in with both factors straight away.
    assert client.get("/en/staff/cases/").status_code == 200
    assert AuditEntry.objects.filter(action=Action.STAFF_ENROLLED, actor=user).count() == 1


def test_the_link_stores_only_a_digest(newcomer, tables_containing):
    _user, token = newcomer
    assert SetupLink.objects.get().digest == SetupLink.hash(token)
    assert tables_containing(token) == []


def test_a_set_up_link_works_once(newcomer, totp_code):
    user, token = newcomer
    assert _finish(Client(), user, totp_code, token).status_code == 302
    again = Client().get(_url(token))
    assert again.status_code == 404
    assert "This link does not work" in again.content.decode()


def test_a_set_up_link_expires(newcomer):
    _user, token = newcomer
    SetupLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert Client().get(_url(token)).status_code == 404


def test_a_set_up_link_lasts_48_hours(newcomer):
    link = SetupLink.objects.get()
    assert abs(link.expires_at - link.created_at - timedelta(hours=48)) < timedelta(minutes=1)


def test_an_unknown_link_does_not_work(reference):
    assert Client().get(_url("made-up-token")).status_code == 404


def test_a_wrong_code_leaves_the_account_as_it_was(newcomer, wrong_totp_code):
    user, token = newcomer
    client = Client()
    response = _finish(client, user, wrong_totp_code, token)
    assert response.status_code == 400
    assert "That code did not work." in response.content.decode()
    user.refresh_from_db()
    assert not user.has_usable_password()
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    assert client.get(_url(token)).status_code == 200  # still usable


def test_it_refuses_a_weak_or_mismatched_password(newcomer, totp_code):
    user, token = newcomer
    client = Client()
    assert _finish(client, user, totp_code, token, password="password").status_code == 400
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    mismatch = client.post(
        _url(token), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x", "token": totp_code(device)}
    )
    assert mismatch.status_code == 400
    assert "The two passwords are not the same." in mismatch.content.decode()
    user.refresh_from_db()
    assert not user.has_usable_password()


def test_reloading_the_page_keeps_the_same_secret(newcomer):
    user, token = newcomer
    client = Client()
    client.get(_url(token))
    client.get(_url(token))
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_a_new_link_makes_the_old_one_stop_working(newcomer):
    user, old = newcomer
    new = issue_setup_link(user)
    assert Client().get(_url(old)).status_code == 404
    assert Client().get(_url(new)).status_code == 200


def test_the_new_staff_member_can_then_sign_in_normally(newcomer, totp_code):
    from django_otp.oath import totp

    user, token = newcomer
    _finish(Client(), user, totp_code, token)
    device = TOTPDevice.objects.get(user=user)
    client = Client()
    assert client.post("/en/staff/login/", {"username": "nigar", "password": NEW_PASSWORD}).status_code == 302
    # The code of this time step was spent on set-up; the authenticator's next one is accepted.
    following = totp(device.bin_key, device.step, device.t0, device.digits, device.drift + 1)
    assert client.post("/en/staff/login/verify/", {"token": f"{following:06d}"}).status_code == 302
    assert client.get("/en/staff/cases/").status_code == 200


def test_bootstrap_creates_the_administrator_once_and_renews_the_link_until_set_up(db):
    first = bootstrap()
    admin = User.objects.get()
    assert admin.username == "admin" and admin.is_superuser and admin.is_staff
    assert not admin.has_usable_password()
    assert admin.has_role(roles.ADMINISTRATOR)
    assert first.setup_url("https://help.example").startswith("https://help.example/en/staff/setup/")
    second = bootstrap()
    assert User.objects.count() == 1
    assert second.setup_token and second.setup_token != first.setup_token
    assert Client().get(_url(first.setup_token)).status_code == 404
    assert Client().get(_url(second.setup_token)).status_code == 200


def test_bootstrap_gives_no_link_once_the_administrator_has_set_up(db, capsys, totp_code):
    call_command("bootstrap")
    printed = capsys.readouterr().out
    token = printed.split("/en/staff/setup/")[1].split("/")[0]
    assert _finish(Client(), User.objects.get(), totp_code, token).status_code == 302
    later = bootstrap()
    assert later.setup_token is None and later.setup_url() is None
    assert User.objects.count() == 1
    assert SetupLink.objects.usable().count() == 0
    call_command("bootstrap")
    assert "/staff/setup/" not in capsys.readouterr().out
