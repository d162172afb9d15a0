"""Known links in Chromium: a supervisor imports and adds entries by keyboard, an operator
sees what is known about a case's links; both pages pass axe in light and dark."""

from __future__ import annotations

import pytest

from himoya.accounts import roles
from tests.browser.pages import DESKTOP, sign_in_as_staff
from tests.browser.test_browser_accessibility import blocking_violations, describe
from tests.conftest import PASSWORD, make_staff

pytestmark = pytest.mark.browser

LIST = (
    "value,match,harm,source,note\n"
    "https://t.me/BlueWhale_Game,prefix,dangerous_challenge,Hotline network,\n"
    "this is no link,exact,scam,,\n"
)


def _check(desk, where: str, found: dict) -> None:
    found[f"{where} (light)"] = blocking_violations(desk.page)
    desk.page.emulate_media(color_scheme="dark")
    found[f"{where} (dark)"] = blocking_violations(desk.page)
    desk.page.emulate_media(color_scheme="light")


def test_a_supervisor_imports_a_list_and_the_case_page_shows_the_match(
    live_server, open_browser, file_report, tmp_path
):
    supervisor = make_staff("samira", roles.SUPERVISOR)
    desk = open_browser("supervisor", DESKTOP, color_scheme="light")
    sign_in_as_staff(desk, live_server.url, supervisor.username, PASSWORD, supervisor.totpdevice_set.get())
    page = desk.page
    found: dict = {}

    page.get_by_role("navigation", name="Staff").get_by_role("link", name="Known links").click()
    page.wait_for_url("**/en/staff/known-links/")
    csv_file = tmp_path / "list.csv"
    csv_file.write_text(LIST)
    page.get_by_label("CSV file").set_input_files(str(csv_file))
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_url("**/en/staff/known-links/import/*/")
    desk.shot("imported-with-an-error")
    result = page.locator("#import-status")
    assert "1 entry added." in result.inner_text()
    assert "1 line had an error and was skipped" in result.inner_text()
    assert "is not a web address or a user name" in result.get_by_role("table").inner_text()
    _check(desk, "known-link import", found)

    # Adding an entry with the keyboard only.
    page.goto(f"{live_server.url}/en/staff/known-links/")
    add = page.get_by_role("region", name="Add an entry")
    add.get_by_label("Link, domain or user name").focus()
    page.keyboard.type("paypa1.com")
    page.keyboard.press("Tab")
    assert add.get_by_label("Match").evaluate("element => element === document.activeElement")
    add.get_by_label("Match").select_option("domain")
    add.get_by_label("Harm").select_option("scam")
    add.get_by_label("Source").fill("Center")
    add.get_by_label("Source").press("Enter")
    page.wait_for_url("**/en/staff/known-links/")
    assert page.get_by_role("cell", name="paypa1.com", exact=True).is_visible()
    _check(desk, "known links", found)

    first = file_report(narrative="A channel dares my son: t.me/bluewhale_game/3", harm="dangerous_challenge")
    file_report(narrative="Same thing", links=["https://telegram.me/BlueWhale_Game/3"])
    other = file_report(narrative="They also run t.me/bluewhale_game/4 and paypa1.com/win")
    page.goto(f"{live_server.url}/en/staff/cases/{first.case.pk}/")
    desk.shot("case-with-known-link")
    body = page.locator("main").inner_text()
    assert "1 other report mentions this link." in body
    assert "On the known-link list as" in body and "Hotline network" in body
    page.get_by_role("link", name=f"Case #{other.case.pk}").click()
    page.wait_for_url(f"**/en/staff/cases/{other.case.pk}/")
    body = page.locator("main").inner_text()
    assert "Look-alike address: it imitates paypal.com" in body
    assert "That case was opened first." in body
    _check(desk, "case page with links", found)
    found = {where: violations for where, violations in found.items() if violations}
    assert not found, describe(found)
