"""Staff sign in with a password and then a TOTP code; nothing staff-only opens with one factor."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from himoya.accounts.models import User
from himoya.audit.models import Action, AuditEntry

pytestmark = pytest.mark.django_db

LOGIN = "/en/staff/login/"
VERIFY = "/en/staff/login/verify/"
CASES = "/en/staff/cases/"


def _password_step(client: Client, user, password: str, url: str = LOGIN):
    return client.post(url, {"username": user.get_username(), "password": password})


def test_it_signs_in_with_password_then_totp(operator, staff_password, totp_code):
    client = Client()
    response = _password_step(client, operator, staff_password)
    assert response.status_code == 302
    assert response["Location"] == VERIFY
    response = client.post(VERIFY, {"token": totp_code(TOTPDevice.objects.get(user=operator))})
    assert response.status_code == 302
    assert response["Location"] == CASES
    assert client.get(CASES).status_code == 200
    assert AuditEntry.objects.filter(action=Action.STAFF_SIGNED_IN, actor=operator).count() == 1


def test_the_password_step_alone_opens_nothing(operator, staff_password):
    client = Client()
    _password_step(client, operator, staff_password)
    response = client.get(CASES)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_it_refuses_a_wrong_totp_code(operator, staff_password, wrong_totp_code):
    client = Client()
    _password_step(client, operator, staff_password)
    response = client.post(VERIFY, {"token": wrong_totp_code(TOTPDevice.objects.get(user=operator))})
    assert response.status_code == 400
    assert "That code did not work." in response.content.decode()
    assert client.get(CASES).status_code == 302
    assert not AuditEntry.objects.filter(action=Action.STAFF_SIGNED_IN).exists()


def test_wrong_codes_make_the_next_try_wait_and_say_so(operator, staff_password, totp_code, wrong_totp_code):
    client = Client()
    _password_step(client, operator, staff_password)
    device = TOTPDevice.objects.get(user=operator)
    assert "That code did not work." in client.post(VERIFY, {"token": wrong_totp_code(device)}).content.decode()
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    # Three wrong codes in a row: the device refuses even the right one for 4 seconds, and says so.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=3, throttling_failure_timestamp=timezone.now()
    )
    response = client.post(VERIFY, {"token": totp_code(device)})
    assert response.status_code == 400
    assert "Too many wrong codes. Wait 4 seconds, then try the newest code." in response.content.decode()


def test_five_wrong_codes_lock_the_account_as_wrong_passwords_do(operator, staff_password, wrong_totp_code):
    client = Client()
    _password_step(client, operator, staff_password)
    device = TOTPDevice.objects.get(user=operator)
    statuses = []
    for _ in range(5):
        TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)  # not waiting between tries
        statuses.append(client.post(VERIFY, {"token": wrong_totp_code(device)}).status_code)
    assert statuses == [400] * 4 + [429]
    # The half-done sign-in is gone, and the right password meets the locked page.
    assert client.get(VERIFY)["Location"] == LOGIN
    again = _password_step(Client(), operator, staff_password)
    assert again.status_code == 429 and "Account locked for now" in again.content.decode()


@pytest.mark.parametrize("token", ["abcdef", "12 34", "", "1" * 9])
def test_it_refuses_a_malformed_totp_code(token, operator, staff_password):
    client = Client()
    _password_step(client, operator, staff_password)
    assert client.post(VERIFY, {"token": token}).status_code == 400
    assert client.get(CASES).status_code == 302


def test_a_totp_code_cannot_be_used_twice(operator, staff_password, totp_code):
    device = TOTPDevice.objects.get(user=operator)
    first = Client()
    _password_step(first, operator, staff_password)
    code = totp_code(device)
    assert first.post(VERIFY, {"token": code}).status_code == 302
    second = Client()
    _password_step(second, operator, staff_password)
    assert second.post(VERIFY, {"token": code}).status_code == 400


def test_it_refuses_a_wrong_password(operator):
    response = _password_step(Client(), operator, "not the password at all")
    assert response.status_code == 400
    assert "The username or password is not right." in response.content.decode()


def test_the_verify_step_needs_the_password_step_first(operator, totp_code):
    client = Client()
    response = client.post(VERIFY, {"token": totp_code(TOTPDevice.objects.get(user=operator))})
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert client.get(CASES).status_code == 302


def test_a_user_without_a_confirmed_device_cannot_sign_in(reference, staff_password):
    user = User.objects.create_user(username="halfway", password=staff_password, is_staff=True)
    TOTPDevice.objects.create(user=user, name="phone", confirmed=False)
    client = Client()
    response = _password_step(client, user, staff_password)
    assert response.status_code == 400
    assert "Your account is not set up yet." in response.content.decode()
    assert client.get(VERIFY)["Location"] == LOGIN


def test_an_inactive_user_cannot_sign_in(operator, staff_password):
    operator.is_active = False
    operator.save(update_fields=["is_active"])
    assert _password_step(Client(), operator, staff_password).status_code == 400


def test_five_wrong_passwords_lock_the_account(operator, staff_password):
    client = Client()
    statuses = [_password_step(client, operator, f"wrong {n}").status_code for n in range(4)]
    assert statuses == [400] * 4
    locked = _password_step(client, operator, "wrong 5")
    assert locked.status_code == 429
    assert "Account locked for now" in locked.content.decode()
    # Now even the right password, from anywhere, meets the locked page.
    again = _password_step(Client(REMOTE_ADDR="10.1.2.3"), operator, staff_password)
    assert again.status_code == 429
    assert "Account locked for now" in again.content.decode()


def test_a_lockout_of_one_account_leaves_others_alone(operator, operator2, staff_password):
    client = Client()
    for n in range(5):
        _password_step(client, operator, f"wrong {n}")
    assert _password_step(client, operator2, staff_password).status_code == 302


def test_it_returns_to_the_page_asked_for(operator, staff_password, totp_code):
    client = Client()
    _password_step(client, operator, staff_password, url=f"{LOGIN}?next=/en/staff/reports/new/")
    response = client.post(VERIFY, {"token": totp_code(TOTPDevice.objects.get(user=operator))})
    assert response["Location"] == "/en/staff/reports/new/"


def test_it_never_redirects_to_another_site(operator, staff_password, totp_code):
    client = Client()
    _password_step(client, operator, staff_password, url=f"{LOGIN}?next=https://evil.example/phish")
    response = client.post(VERIFY, {"token": totp_code(TOTPDevice.objects.get(user=operator))})
    assert response["Location"] == CASES


@pytest.mark.parametrize(
    "path",
    [CASES, "/en/staff/cases/1/", "/en/staff/reports/new/", "/en/staff/cases/attachments/1/", "/en/staff/admin/"],
)
def test_staff_pages_need_the_second_factor(path, reference, staff_password):
    """A session signed in with the password alone (a superuser's, even) is sent to sign in."""
    boss = User.objects.create_user(username="boss", password=staff_password, is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(boss, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(path)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_signing_out_ends_the_session(operator, staff_client):
    client = staff_client(operator)
    assert client.get(CASES).status_code == 200
    assert client.post("/en/staff/logout/").status_code == 302
    assert client.get(CASES).status_code == 302
