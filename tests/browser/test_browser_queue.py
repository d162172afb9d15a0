"""The operators' queue and the supervisor's shift view in Chromium, against a real ASGI server
(HTTP + WebSocket): a new P1 case appears without reloading, deadlines tick into "overdue",
the keyboard drives the queue, the dark theme sticks, and axe-core finds nothing serious."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from himoya.cases.actions import claim_case
from himoya.cases.models import Case, Status
from himoya.shifts.actions import start_shift
from tests.awareness.conftest import asgi_server, shared_test_connection  # noqa: F401 - fixtures, used by name
from tests.browser import test_browser_accessibility as axe
from tests.browser.pages import DESKTOP
from tests.conftest import verified_client

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def fresh_channel_layer():
    """The in-memory layer binds its queues to one event loop: a new one for each server."""
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture
def server(browser, asgi_server):  # noqa: F811 - the fixture imported above
    """The platform on uvicorn, HTTP and WebSocket (see tests/awareness/conftest.py); its base URL.

    Chromium starts first: both switch off Django's async-safety check while they run, and the
    server must hand the switch back as it found it, with Chromium still running.
    """
    return asgi_server


# Ask the page to redraw its regions; resolves once the alerts strip's request is handled.
REDRAW_ALERTS = """() => new Promise((resolve) => {
  document.body.addEventListener("htmx:afterRequest", (event) => {
    if (event.detail.elt.id === "alerts") { resolve(); }
  });
  document.body.dispatchEvent(new CustomEvent("queue-refresh"));
})"""


def signed_in(open_browser, name: str, user, base_url: str):
    """A desktop browser carrying a session that passed both factors."""
    person = open_browser(name, DESKTOP, color_scheme="light")
    key = verified_client(user).session.session_key
    person.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": key, "url": base_url}])
    return person


def check_axe(person, where: str, found: dict) -> None:
    """Light and dark, as the operator may have either at night."""
    found[f"{where} (light)"] = axe.blocking_violations(person.page)
    person.page.emulate_media(color_scheme="dark")
    found[f"{where} (dark)"] = axe.blocking_violations(person.page)
    person.shot(f"{where}-dark")
    person.page.emulate_media(color_scheme="light")


def test_a_new_p1_case_appears_live_and_the_keyboard_works_the_queue(server, operator, file_report, open_browser):
    older = file_report(harm="scam").case
    Case.objects.filter(pk=older.pk).update(urgency="P3", deadline=timezone.now() + timedelta(hours=5))
    desk = signed_in(open_browser, "operator", operator, server)
    page = desk.page
    desk.goto(f"{server}/en/staff/cases/", "queue")
    expect(page.locator("body")).to_have_attribute("data-live", "on")
    expect(page.get_by_role("status").filter(has_text="Live updates on")).to_be_visible()
    page.evaluate("window.stayedOnThePage = true")

    urgent = file_report(narrative="He says he will share my photos tonight.", harm="sextortion", needs_help_now=True)
    case = urgent.case
    row = page.locator(f'tr[data-case="{case.pk}"]')
    expect(row).to_be_visible()
    assert page.evaluate("window.stayedOnThePage") is True, "the page reloaded"
    expect(row.locator(".badge")).to_have_text("P1")
    expect(row.locator(".countdown")).to_contain_text("left")
    expect(page.locator("tr[data-case]").first).to_have_attribute("data-case", str(case.pk))
    desk.shot("queue-with-new-p1")

    # A deadline that passes while the page is open turns the row overdue, in words.
    Case.objects.filter(pk=older.pk).update(deadline=timezone.now() + timedelta(seconds=2))
    page.evaluate("document.body.dispatchEvent(new CustomEvent('queue-refresh'))")
    older_row = page.locator(f'tr[data-case="{older.pk}"]')
    expect(older_row.locator(".overdue-label")).to_be_visible(timeout=10_000)
    expect(older_row).to_have_class("queue-row urgency-P3 overdue")
    expect(older_row.locator(".countdown")).to_contain_text("late by")

    # ? lists the shortcuts; Escape closes the list.
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    desk.shot("shortcuts")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    # / goes to the filters; letters typed there stay there.
    page.keyboard.press("/")
    urgency_filter = page.get_by_label("Urgency", exact=True)
    expect(urgency_filter).to_be_focused()
    page.keyboard.press("j")
    expect(urgency_filter).to_be_focused()

    # j and k move between cases; Enter opens; c claims.
    page.locator(f'tr[data-case="{case.pk}"] .case-link').focus()
    page.keyboard.press("j")
    expect(older_row.locator(".case-link")).to_be_focused()
    page.keyboard.press("k")
    expect(row.locator(".case-link")).to_be_focused()
    page.keyboard.press("c")
    page.wait_for_url(f"**/en/staff/cases/{case.pk}/")
    case.refresh_from_db()
    assert (case.assignee, case.status) == (operator, Status.OPEN)
    page.go_back()
    page.wait_for_url("**/en/staff/cases/")
    expect(page.locator(f'tr[data-case="{case.pk}"] .holder')).to_have_text("You")
    page.locator(f'tr[data-case="{older.pk}"] .case-link').focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/en/staff/cases/{older.pk}/")
    assert not desk.console_errors, desk.console_errors


def test_a_case_someone_else_holds_is_marked_and_cannot_be_claimed(
    server, operator, operator2, file_report, open_browser
):
    case = file_report().case
    desk = signed_in(open_browser, "operator", operator, server)
    desk.goto(f"{server}/en/staff/cases/", "queue")
    expect(desk.page.locator("body")).to_have_attribute("data-live", "on")
    row = desk.page.locator(f'tr[data-case="{case.pk}"]')
    expect(row.get_by_role("button", name=f"Claim {case.reference}")).to_be_visible()
    claim_case(case, operator2)  # elsewhere, a moment later
    expect(row.locator(".holder")).to_have_text("Held by oybek")
    expect(row.get_by_role("button")).to_have_count(0)
    row.locator(".case-link").focus()
    desk.page.keyboard.press("c")
    expect(desk.page).to_have_url(f"{server}/en/staff/cases/")
    case.refresh_from_db()
    assert case.assignee == operator2


def test_the_dark_theme_is_chosen_once_and_kept(server, operator, file_report, open_browser):
    file_report()
    desk = signed_in(open_browser, "operator", operator, server)
    page = desk.page
    desk.goto(f"{server}/en/staff/cases/", "queue-light")
    toggle = page.get_by_role("button", name="Dark theme")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(21, 22, 26)", background
    desk.shot("queue-dark")
    page.reload()
    expect(page.locator("body")).to_have_class("staff theme-dark")
    # The choice wins over the system's light scheme, and back.
    page.get_by_role("button", name="Dark theme").click()
    expect(page.locator("body")).to_have_class("staff theme-light")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"


def test_queue_and_shift_view_pass_axe_and_a_supervisor_reassigns(
    server,
    operator,
    operator2,
    supervisor,
    file_report,
    open_browser,
):
    late = file_report(harm="sextortion", needs_help_now=True).case
    Case.objects.filter(pk=late.pk).update(deadline=timezone.now() - timedelta(minutes=3))
    held = file_report(harm="cyberbullying", language="ru").case
    claim_case(held, operator2)
    file_report(harm="scam", language="az")
    start_shift(operator)
    start_shift(supervisor)
    found = {}

    lead = signed_in(open_browser, "supervisor", supervisor, server)
    lead.goto(f"{server}/en/staff/cases/", "queue")
    expect(lead.page.locator("body")).to_have_attribute("data-live", "on")
    expect(lead.page.locator("#alerts")).to_contain_text(late.reference)
    # A redraw that brings nothing new leaves the alert alone, so a screen reader does not repeat it.
    lead.page.evaluate("document.querySelector('#alerts section').seenBefore = true")
    lead.page.evaluate(REDRAW_ALERTS)
    assert lead.page.evaluate("document.querySelector('#alerts section').seenBefore") is True
    check_axe(lead, "queue", found)
    lead.page.keyboard.press("?")
    check_axe(lead, "shortcuts", found)
    lead.page.keyboard.press("Escape")
    expect(lead.page.get_by_role("dialog")).to_be_hidden()

    expect(lead.page.get_by_role("link", name="Shift", exact=True)).to_have_attribute("href", "/en/staff/cases/shift/")
    lead.goto(f"{server}/en/staff/cases/shift/", "shift-view")
    expect(lead.page.locator("#median-first-response")).to_be_visible()
    check_axe(lead, "shift view", found)

    breached = lead.page.locator("section", has=lead.page.locator("#breached"))
    choice = breached.get_by_label(f"Assign {late.reference} to")
    choice.select_option(label="olga — on shift")
    # A live update while the supervisor is choosing does not undo the choice.
    with lead.page.expect_response("**/en/staff/cases/shift/body/"):
        lead.page.evaluate("document.body.dispatchEvent(new CustomEvent('queue-refresh'))")
    expect(choice).to_have_value(str(operator.pk))
    breached.get_by_role("button", name=f"Assign {late.reference}").click()
    lead.page.wait_for_url("**/en/staff/cases/shift/")
    expect(lead.page.locator(".flash")).to_contain_text(f"{late.reference} is now held by olga.")
    lead.shot("reassigned")
    late.refresh_from_db()
    assert late.assignee == operator
    check_axe(lead, "shift view after reassigning", found)

    found = {where: violations for where, violations in found.items() if violations}
    assert not found, axe.describe(found)
    assert not lead.console_errors, lead.console_errors
