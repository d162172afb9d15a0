"""Pictures in the console, in Chromium: blurred and grey until an operator chooses to see
one, one at a time, by mouse or keyboard; a quarantined picture is never even requested;
a supervisor's hash-list pages pass axe."""

from __future__ import annotations

import pytest

from himoya.accounts import roles
from himoya.reports.validation import check_image
from tests.browser.pages import DESKTOP, click_and_wait, sign_in_as_staff
from tests.browser.test_browser_accessibility import blocking_violations, describe
from tests.conftest import PASSWORD, make_staff
from tests.hashes_fixtures import inline_hash_index  # noqa: F401
from tests.pictures import copy_of, list_hash, make_bank, png

pytestmark = pytest.mark.browser

BLURRED = "figure => getComputedStyle(figure.querySelector('img')).filter.includes('blur')"
GREY = "figure => getComputedStyle(figure.querySelector('img')).filter.includes('grayscale')"


def _desk(open_browser, live_server, user):
    # Reduced motion: filters change at once, without a transition to wait for.
    desk = open_browser("operator", DESKTOP, color_scheme="light", reduced_motion="reduce")
    # Each picture served writes an audit row. The test database (SQLite in memory, shared
    # cache) refuses a second writer at once where the real database file queues it, so
    # the browser's parallel picture requests are passed on one after another.
    desk.context.route("**/staff/cases/attachments/**", lambda route: route.fulfill(response=route.fetch()))
    sign_in_as_staff(desk, live_server.url, user.username, PASSWORD, user.totpdevice_set.get())
    return desk


def test_pictures_are_blurred_until_shown_one_at_a_time(live_server, open_browser, file_report):
    operator = make_staff("olga", roles.OPERATOR)
    case = file_report(narrative="They post these about me.", images=[check_image(png(1)), check_image(png(2))]).case
    desk = _desk(open_browser, live_server, operator)
    desk.goto(f"{live_server.url}/en/staff/cases/{case.pk}/", "case-with-pictures")
    page = desk.page
    first, second = page.locator("figure[data-picture]").all()
    for figure in (first, second):
        figure.locator("img").scroll_into_view_if_needed()
        assert figure.evaluate(BLURRED) and figure.evaluate(GREY)
        # A thumbnail arrived, not the original.
        assert 0 < figure.locator("img").evaluate("img => img.naturalWidth") <= 480
    assert first.get_by_role("link", name="Open a larger copy").is_hidden()

    first.get_by_role("button", name="Show this picture").click()
    desk.shot("first-shown")
    assert not first.evaluate(BLURRED) and first.evaluate(GREY)
    assert second.evaluate(BLURRED)
    assert first.get_by_role("link", name="Open a larger copy").is_visible()

    # By keyboard: showing the second blurs the first again.
    second.get_by_role("button", name="Show this picture").focus()
    page.keyboard.press("Enter")
    assert not second.evaluate(BLURRED) and first.evaluate(BLURRED)
    assert first.get_by_role("button", name="Show this picture").is_visible()

    colour = second.get_by_role("button", name="Colour")
    colour.focus()
    page.keyboard.press("Space")
    assert colour.get_attribute("aria-pressed") == "true" and not second.evaluate(GREY)

    second.get_by_role("button", name="Blur again").click()
    assert second.evaluate(BLURRED) and second.evaluate(GREY)
    assert not [e for e in desk.console_errors if "reveal" in e]
    found = blocking_violations(page)
    assert not found, describe({"case page with pictures": found})


def test_a_quarantined_picture_is_never_requested_or_shown(live_server, open_browser, file_report):
    supervisor = make_staff("samira", roles.SUPERVISOR)
    list_hash(make_bank(name="Hotline list"), png(3))
    case = file_report(narrative="Someone sent me this.", images=[check_image(copy_of(3))]).case
    attachment = case.reports.get().attachments.get()
    desk = _desk(open_browser, live_server, supervisor)
    desk.goto(f"{live_server.url}/en/staff/cases/{case.pk}/", "case-with-withheld-picture")
    withheld = desk.page.get_by_role("note").filter(has_text="Picture withheld")
    assert withheld.is_visible() and "Hotline list" in withheld.inner_text()
    assert desk.page.locator("figure[data-picture]").count() == 0
    address = f"/staff/cases/attachments/{attachment.pk}/"
    assert not [url for url in desk.requests if address in url]
    # Asked for directly, with the supervisor's session, it is gone.
    assert desk.context.request.get(f"{live_server.url}/en{address}").status == 410
    found = blocking_violations(desk.page)
    assert not found, describe({"case page with a withheld picture": found})


def test_a_supervisor_creates_a_list_and_imports_a_file(live_server, open_browser, reference, tmp_path):
    supervisor = make_staff("samira", roles.SUPERVISOR)
    desk = _desk(open_browser, live_server, supervisor)
    page = desk.page
    found = {}
    desk.goto(f"{live_server.url}/en/staff/hash-lists/", "hash-lists")
    page.get_by_role("link", name="New hash list").click()
    page.get_by_label("Name", exact=True).fill("Hotline network")
    page.get_by_label("Harm", exact=True).select_option(label="Child sexual abuse material")
    found["new list form"] = blocking_violations(page)
    click_and_wait(page, page.get_by_role("button", name="Create the list"))
    desk.shot("list-created")
    found["list page"] = blocking_violations(page)
    csv_file = tmp_path / "list.csv"
    csv_file.write_text(f"hash,label\n{'a' * 64},one\n{'b' * 63},short\n")
    page.get_by_label("Hash list file (CSV)").set_input_files(str(csv_file))
    click_and_wait(page, page.get_by_role("button", name="Import"))
    page.get_by_text("Nothing was imported").wait_for()
    desk.shot("import-refused")
    assert "The hash has 63 characters" in page.locator(".import-problems").inner_text()
    found["refused import"] = blocking_violations(page)
    found = {where: violations for where, violations in found.items() if violations}
    assert not found, describe(found)
