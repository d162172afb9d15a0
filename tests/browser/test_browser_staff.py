"""Staff in the browser: two-factor sign-in, answering a child, and enrolling from a set-up link."""

from __future__ import annotations

import pytest
from django.utils import translation
from django_otp.plugins.otp_totp.models import TOTPDevice

from himoya.accounts import roles
from himoya.accounts.models import User
from himoya.cases.models import STATUS_FOR_REPORTER, Case, Status
from himoya.conversations.models import DeliveryState, Direction
from himoya.ops.bootstrap import bootstrap
from tests.browser.pages import DESKTOP, click_and_wait, file_report, sign_in_as_staff, t, totp_from_secret
from tests.conftest import PASSWORD, make_staff

pytestmark = pytest.mark.browser

NARRATIVE = "Bir oğlan Telegram-da mənə yazır və şəkillərimi istəyir. Qorxuram."
ADMIN_PASSWORD = "a long and quiet river 77"
REPLY = "Salam! Yazdığın üçün sağ ol. Ona heç nə göndərmə; biz sənə kömək edəcəyik."


def test_an_operator_signs_in_with_totp_and_answers_the_child(live_server, reference, open_browser):
    operator = make_staff("olga", roles.OPERATOR)
    device = TOTPDevice.objects.get(user=operator)
    child = open_browser("child")
    file_report(child, live_server.url, "az", harm="grooming", narrative=NARRATIVE)
    child.page.get_by_role("link", name=t("az", "See my case and write to us")).click()
    child.page.wait_for_url("**/az/status/case/")
    child.shot("case")
    case = Case.objects.get()

    desk = open_browser("operator", DESKTOP)
    sign_in_as_staff(desk, live_server.url, "olga", PASSWORD, device)
    assert desk.page.get_by_role("button", name="Sign out olga").is_visible()
    row = desk.page.get_by_role("row").filter(has=desk.page.get_by_role("link", name=case.reference, exact=True))
    assert row.count() == 1
    assert "Grooming" in row.inner_text()

    row.get_by_role("link", name=case.reference, exact=True).click()
    desk.page.wait_for_url(f"**/en/staff/cases/{case.pk}/")
    desk.shot("case-detail")
    assert NARRATIVE in desk.page.locator("blockquote.narrative").inner_text()

    click_and_wait(desk.page, desk.page.get_by_role("button", name="Claim"))
    assert desk.page.get_by_role("button", name="Release").is_visible()
    desk.page.get_by_label("Reply to the reporter").fill(REPLY)
    click_and_wait(desk.page, desk.page.get_by_role("button", name="Send reply"))
    desk.shot("replied")
    assert "Reply sent." in desk.page.locator(".flash").inner_text()
    assert REPLY in desk.page.locator(".chat .bubble.mine").inner_text()

    # The child, still on the case page, reloads it.
    child.page.reload()
    child.shot("case-with-reply")
    assert REPLY in child.page.locator(".chat .bubble.theirs").inner_text()
    with translation.override("az"):
        assert child.page.get_by_role("status").inner_text().strip() == str(STATUS_FOR_REPORTER[Status.OPEN])
    message = case.messages.get()
    assert (message.direction, message.author, message.state) == (Direction.OUTBOUND, operator, DeliveryState.READ)


def test_the_first_administrator_sets_up_from_the_link(live_server, open_browser):
    token = bootstrap().setup_token
    admin = open_browser("admin", DESKTOP)
    admin.goto(f"{live_server.url}/en/staff/setup/{token}/", "setup")
    # The whole QR code is on screen: an SVG without a viewBox is cropped, not scaled, by a CSS size.
    qr = admin.page.locator("figure.qr svg")
    assert qr.evaluate(
        "svg => svg.hasAttribute('viewBox') || svg.getBoundingClientRect().width >= svg.width.baseVal.value"
    )
    finish_setup(admin, ADMIN_PASSWORD)
    assert admin.page.get_by_role("button", name="Sign out admin").is_visible()
    assert admin.page.get_by_role("link", name="Administration").is_visible()

    user = User.objects.get(username="admin")
    assert user.check_password(ADMIN_PASSWORD)
    assert TOTPDevice.objects.get(user=user).confirmed

    # A set-up link works once.
    response = admin.goto(f"{live_server.url}/en/staff/setup/{token}/", "setup-again")
    assert response.status == 404
    assert admin.page.get_by_role("heading", level=1).inner_text() == "This link does not work"


def test_the_django_admin_accepts_a_form_post(live_server, open_browser):
    admin = open_browser("admin", DESKTOP)
    admin.goto(f"{live_server.url}/en/staff/setup/{bootstrap().setup_token}/", "setup")
    finish_setup(admin, ADMIN_PASSWORD)
    admin.goto(f"{live_server.url}/en/staff/admin/", "admin")
    # Django's admin signs out with a POST.
    click_and_wait(admin.page, admin.page.locator("#logout-form button"))
    admin.shot("admin-signed-out")
    assert admin.page.get_by_role("link", name="Log in again").is_visible()


def finish_setup(person, password: str) -> None:
    """On the set-up page: choose a password and type the code for the key shown on the page."""
    page = person.page
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("Choose a password").fill(password)
    page.get_by_label("The same password again").fill(password)
    page.get_by_label("Code from your authenticator app").fill(totp_from_secret(secret))
    person.shot("setup-filled")
    page.get_by_role("button", name="Finish set-up").click()
    page.wait_for_url("**/en/staff/cases/")
    person.shot("case-list")
