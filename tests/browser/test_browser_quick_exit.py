"""Quick exit: one tap leaves for a neutral site and the report form is not one "Back" away.

What Chromium really does (asserted below): quick-exit.js uses ``location.replace``, so the
neutral site takes the place of the current page in the tab's history. ``history.length``
does not grow, and Back skips the page the child left, landing on the page before it (here
the home page, which is still in the tab's history: no script may delete earlier entries).
Without JavaScript the button is an ordinary link, so Back does return to the form.
"""

from __future__ import annotations

import pytest

from tests.browser.pages import t

pytestmark = pytest.mark.browser


@pytest.fixture
def exit_url(settings, live_server):
    # No internet here: a page of the live server stands in for the neutral site.
    settings.QUICK_EXIT_URL = f"{live_server.url}/healthz"
    return settings.QUICK_EXIT_URL


def _to_report_form(child, base_url: str) -> None:
    child.goto(f"{base_url}/en/", "home")
    child.page.get_by_role("link", name=t("en", "Tell us what happened")).click()
    child.page.wait_for_url("**/en/report/")
    child.page.get_by_label(t("en", "Tell us in your own words")).fill("Something I do not want anyone to see")
    child.shot("report-form")


def test_quick_exit_replaces_the_form_in_the_history(live_server, reference, open_browser, exit_url):
    child = open_browser("child")
    _to_report_form(child, live_server.url)
    entries = child.page.evaluate("history.length")  # the new tab's blank page, home, the form

    child.page.get_by_role("link", name=t("en", "Quick exit")).click()
    child.page.wait_for_url(exit_url)
    child.shot("neutral-site")
    assert child.page.evaluate("history.length") == entries

    child.page.go_back()
    child.shot("after-back")
    assert child.page.url == f"{live_server.url}/en/"
    assert child.page.go_forward().url == exit_url

    # Pressing Escape twice, quickly, leaves the same way (for a keyboard, or a child in a hurry).
    child.page.go_back()
    _to_report_form(child, live_server.url)
    entries = child.page.evaluate("history.length")
    child.page.keyboard.press("Escape")
    child.page.keyboard.press("Escape")
    child.page.wait_for_url(exit_url)
    assert child.page.evaluate("history.length") == entries
    child.page.go_back()
    assert child.page.url == f"{live_server.url}/en/"


def test_without_javascript_quick_exit_is_a_plain_link(live_server, reference, open_browser, exit_url):
    child = open_browser("child", java_script_enabled=False)
    _to_report_form(child, live_server.url)
    entries = child.page.evaluate("history.length")
    child.page.get_by_role("link", name=t("en", "Quick exit")).click()
    child.page.wait_for_url(exit_url)
    assert child.page.evaluate("history.length") == entries + 1
    child.page.go_back()
    assert child.page.url == f"{live_server.url}/en/report/"
