"""axe-core on every public page, in every state a child meets it, and on the staff pages.

Serious and critical violations fail the test. WCAG 2.2's target-size rule is switched on:
axe leaves it off by default, and children tap with thumbs.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from himoya.accounts import roles
from himoya.conversations.actions import send_reply
from himoya.ops.bootstrap import bootstrap
from tests.browser.pages import DESKTOP, PHONE, sign_in_as_staff, tour_public_pages
from tests.conftest import PASSWORD, make_staff

pytestmark = pytest.mark.browser

AXE = Axe()
AXE_OPTIONS = {"resultTypes": ["violations"], "rules": {"target-size": {"enabled": True}}}
FAILING_IMPACTS = {"serious", "critical"}


def blocking_violations(page) -> list[dict]:
    violations = AXE.run(page, options=AXE_OPTIONS).response["violations"]
    return [v for v in violations if v["impact"] in FAILING_IMPACTS]


def describe(found: dict[str, list[dict]]) -> str:
    """One readable block per page and rule, with every offending element."""
    lines = []
    for where, violations in found.items():
        for violation in violations:
            lines.append(f"\n{where}: {violation['id']} ({violation['impact']}) — {violation['help']}")
            lines.append(f"    {violation['helpUrl']}")
            for node in violation["nodes"]:
                lines.append(f"    at {' '.join(map(str, node['target']))}")
                lines.append(f"       {node['html'][:200]}")
                summary = (node.get("failureSummary") or "").replace("\n", "\n         ")
                lines.append(f"         {summary}")
    return "\n".join(lines)


@pytest.mark.parametrize("language", ["en", "az"])
def test_every_public_page_passes_axe_on_a_phone(live_server, reference, open_browser, language):
    operator = make_staff("olga", roles.OPERATOR)
    child = open_browser("child", PHONE)
    found = {}
    too_wide = []
    for where in tour_public_pages(child, live_server.url, language, operator):
        if violations := blocking_violations(child.page):
            found[f"/{language}/ {where}"] = violations
        if not child.fits_width():
            too_wide.append(where)
    assert not found, describe(found)
    assert not too_wide, f"pages wider than a 390px phone: {too_wide}"


def test_the_staff_pages_pass_axe_on_a_desktop_in_light_and_dark(live_server, open_browser, file_report):
    operator = make_staff("olga", roles.OPERATOR)
    device = operator.totpdevice_set.get()
    case = file_report(narrative="They laugh at my photos in a group.", links=["https://t.me/some_group"]).case
    send_reply(case, operator, "We are looking at it.")
    found = {}

    def check(person, where: str) -> None:
        """Staff pages follow the system's colour scheme: check both."""
        found[f"{where} (light)"] = blocking_violations(person.page)
        person.page.emulate_media(color_scheme="dark")
        found[f"{where} (dark)"] = blocking_violations(person.page)
        person.shot(f"{where.replace(' ', '-')}-dark")
        person.page.emulate_media(color_scheme="light")

    desk = open_browser("operator", DESKTOP, color_scheme="light")
    sign_in_as_staff(desk, live_server.url, "olga", PASSWORD, device, on_page=lambda where: check(desk, where))
    desk.goto(f"{live_server.url}/en/staff/cases/{case.pk}/", "case-detail")
    check(desk, "case page")
    desk.goto(f"{live_server.url}/en/staff/reports/new/", "phone-report")
    check(desk, "phone report form")
    admin = open_browser("admin", DESKTOP, color_scheme="light")
    admin.goto(f"{live_server.url}/en/staff/setup/{bootstrap().setup_token}/", "setup")
    check(admin, "set-up page")
    found = {where: violations for where, violations in found.items() if violations}
    assert not found, describe(found)


def test_the_axe_check_itself_catches_what_it_should(open_browser):
    """A page with known faults fails, so a clean result above means something."""
    person = open_browser("probe")
    person.page.set_content(
        '<html lang="en"><title>Probe</title><main><h1>Probe</h1>'
        '<p style="color:#aaa;background:#fff">pale text</p><input type="text">'
        '<a href="#" style="display:inline-block;width:10px;height:10px;position:absolute;left:0;top:200px"></a>'
        '<a href="#" style="display:inline-block;width:10px;height:10px;position:absolute;left:12px;top:200px"></a>'
        "</main></html>"
    )
    found = {violation["id"] for violation in blocking_violations(person.page)}
    assert {"color-contrast", "label", "target-size", "link-name"} <= found, found
