"""The case page in Chromium: an operator merges, refers, prints a takedown notice and splits, by keyboard and mouse.

axe-core checks the page in light and dark, with every section filled.
"""

from __future__ import annotations

import subprocess

import pytest

from himoya.accounts import roles
from himoya.cases.models import Case
from himoya.referrals.loader import load_partner_directory
from himoya.referrals.models import Referral
from tests.browser.pages import DESKTOP, click_and_wait, sign_in_as_staff
from tests.browser.test_browser_accessibility import blocking_violations, describe
from tests.conftest import PASSWORD, make_staff

pytestmark = pytest.mark.browser

# Where the keyboard's focus is, and whether it is drawn (an outline of some width).
FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {inSide: !!el.closest('.case-side'), shown: style.outlineStyle !== 'none' && style.outlineWidth !== '0px',
          what: el.outerHTML.slice(0, 120)};
}"""


def test_an_operator_merges_refers_prints_a_notice_and_splits(live_server, open_browser, file_report):
    operator = make_staff("olga", roles.OPERATOR)
    load_partner_directory(["AZ", "UZ"])
    first = file_report("They post my photo in a group and laugh.", links=["https://t.me/laugh_group"])
    second = file_report("My son is mocked in a copy of that group.", links=["https://t.me/laugh_group_copy"])

    desk = open_browser("operator", DESKTOP, color_scheme="light", accept_downloads=True)
    page = desk.page
    sign_in_as_staff(desk, live_server.url, "olga", PASSWORD, operator.totpdevice_set.get())
    desk.goto(f"{live_server.url}/en/staff/cases/{second.case.pk}/", "case")

    # Merge by keyboard: type the other case's number, leave "keep the older case", press Enter.
    page.get_by_label("Merge with case number").fill(first.case.reference)
    with page.expect_navigation():
        page.get_by_label("Merge with case number").press("Enter")
    page.wait_for_url(f"**/en/staff/cases/{first.case.pk}/")
    desk.shot("merged")
    assert "Cases merged." in page.locator(".flash").inner_text()
    assert page.locator("article.report").count() == 2

    page.get_by_label("Partner organisation").select_option(
        label="Education authority — Ministry of Science and Education of the Republic of Azerbaijan (AZ)"
    )
    page.get_by_label("What was sent").fill("Letter about the group to the ministry.")
    click_and_wait(page, page.get_by_role("button", name="Record referral"))
    assert "Referral recorded." in page.locator(".flash").inner_text()
    page.get_by_label("The partner's answer").fill("The ministry wrote to the school.")
    click_and_wait(page, page.get_by_role("button", name="Record the answer"))
    referral = Referral.objects.get()
    assert referral.answer == "The ministry wrote to the school."

    page.get_by_label("Language of the notice").select_option("az")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the notice (PDF)").click()
    pdf = download.value.path().read_bytes()
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert "https://t.me/laugh_group" in text and first.case.reference in text
    assert "laugh." not in text

    found = {}
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        desk.shot(f"case-page-{scheme}")
        found[f"case page ({scheme})"] = blocking_violations(page)
    page.emulate_media(color_scheme="light")
    assert not any(found.values()), describe(found)
    # Tabbing through the page reaches every control in the actions column, and each shows its focus.
    page.reload()
    reached = []
    for _ in range(400):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused["inSide"]:
            assert focused["shown"], focused["what"]
            reached.append(focused["what"])
        elif reached:
            break
    assert len(reached) >= 12, reached

    # Split the second report back out: its reporter's conversation goes with it.
    second_report = page.locator("article.report").nth(1)
    click_and_wait(page, second_report.get_by_role("button", name="Split into a new case"))
    new = Case.objects.exclude(pk__in=[first.case.pk, second.case.pk]).get()
    page.wait_for_url(f"**/en/staff/cases/{new.pk}/")
    desk.shot("split")
    assert "My son is mocked" in page.locator("article.report").inner_text()
    assert new.reports.get() == second.report
