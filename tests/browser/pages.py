"""What a child and an operator do in the browser, step by step, shared by the browser tests.

Visible words are looked up through Django's translations for the page's language, so the
tests keep working (and keep checking the right words) once the catalogues are filled in.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from django.utils import translation
from django_otp.oath import totp
from PIL import Image, ImageDraw
from playwright.sync_api import BrowserContext, Page

from himoya.reference.models import HarmCategory

# A child's phone and an operator's desktop. Scale 1 keeps screenshots small.
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 1,
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP = {"viewport": {"width": 1280, "height": 800}, "device_scale_factor": 1}


@dataclass
class Person:
    """One browser context (a person on one device) and what it did on the network."""

    name: str
    context: BrowserContext
    page: Page
    shots_dir: Path
    numbers: Iterator[int]
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    failed_resources: list[str] = field(default_factory=list)  # styles, scripts, images that did not load

    def goto(self, url: str, name: str | None = None):
        response = self.page.goto(url)
        self.shot(name or urlsplit(url).path.strip("/").replace("/", "_") or "root")
        return response

    def shot(self, name: str) -> Path:
        """Save the whole page as it looks now (every page visited is kept for review)."""
        path = self.shots_dir / f"{next(self.numbers):02d}-{self.name}-{name}.png"
        self.page.screenshot(path=path, full_page=True)
        return path

    def fits_width(self) -> bool:
        """No sideways scrolling: nothing sticks out past the viewport."""
        return self.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


CODE_PATTERN = re.compile(r"[2-9A-HJKMNP-Z]{4}(-[2-9A-HJKMNP-Z]{4}){3}")


def click_and_wait(page: Page, target) -> None:
    """Click something that loads a new page (a form's button, a link) and wait until it has."""
    with page.expect_navigation():
        target.click()


def t(language: str, text: str) -> str:
    """``text`` as the page in ``language`` shows it."""
    with translation.override(language):
        return translation.gettext(text)


def make_png(path: Path, size: tuple[int, int] = (360, 640)) -> Path:
    """A small but real screenshot-like PNG."""
    image = Image.new("RGB", size, "#f4f4f8")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, size[0], 56), fill="#3b5998")
    for row in range(6):
        top = 80 + row * 90
        draw.rounded_rectangle((16, top, size[0] - 60, top + 64), radius=12, fill="#ffffff", outline="#c8c8d0")
    image.save(path, format="PNG")
    return path


def current_totp(key: bytes, *, step: int = 30, t0: int = 0, digits: int = 6, drift: int = 0) -> str:
    return f"{totp(key, step=step, t0=t0, digits=digits, drift=drift):0{digits}d}"


def totp_for_device(device) -> str:
    return current_totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)


def totp_from_secret(secret: str) -> str:
    """The code an authenticator app shows for a base32 key typed in by hand."""
    compact = secret.replace(" ", "").upper()
    return current_totp(base64.b32decode(compact + "=" * (-len(compact) % 8)))


def fill_report(
    person: Person,
    language: str,
    *,
    harm: str | None = None,
    narrative: str = "",
    links: str = "",
    screenshots: tuple[Path, ...] = (),
) -> None:
    page = person.page
    if harm:
        wording = HarmCategory.objects.get(code=harm).in_child_words(language)
        page.get_by_label(wording, exact=True).check()
    if narrative:
        page.get_by_label(t(language, "Tell us in your own words")).fill(narrative)
    if links:
        page.get_by_label(t(language, "Links (optional)")).fill(links)
    if screenshots:
        page.get_by_label(t(language, "Screenshots (optional)")).set_input_files(list(screenshots))


def send_report(person: Person, language: str) -> None:
    click_and_wait(person.page, person.page.get_by_role("button", name=t(language, "Send my report")))


def file_report(person: Person, base_url: str, language: str, **fields) -> str:
    """Open the form, fill it, send it; returns the case code the done page shows."""
    person.goto(f"{base_url}/{language}/report/", "report-form")
    fill_report(person, language, **fields)
    person.shot("report-filled")
    send_report(person, language)
    person.shot("case-code")
    if not person.page.url.endswith(f"/{language}/report/done/"):
        summary = person.page.locator("#error-summary")
        refused = summary.inner_text() if summary.count() else person.page.locator("main").inner_text()
        raise AssertionError(f"The report was not accepted; the page says:\n{refused}")
    code = person.page.locator("#case-code").inner_text().strip()
    assert CODE_PATTERN.fullmatch(code), code
    return code


def open_case_with_code(person: Person, base_url: str, language: str, typed_code: str) -> None:
    page = person.page
    person.goto(f"{base_url}/{language}/status/", "status")
    page.get_by_label(t(language, "Your case code")).press_sequentially(typed_code)
    page.get_by_role("button", name=t(language, "Open my case")).click()
    page.wait_for_url(f"**/{language}/status/case/")
    person.shot("case")


def send_message_as_reporter(person: Person, language: str, text: str) -> None:
    page = person.page
    page.get_by_label(t(language, "Your message")).fill(text)
    page.get_by_role("button", name=t(language, "Send"), exact=True).click()
    # Over the live connection the page stays and shows it; without one the form posts and reloads.
    page.locator(".chat .bubble.mine").filter(has_text=text).wait_for()
    person.shot("message-sent")


def sign_in_as_staff(person: Person, base_url: str, username: str, password: str, device, on_page=None) -> None:
    """Password, then the authenticator's code; ``on_page(name)`` is called on each screen shown."""
    page = person.page
    on_page = on_page or (lambda name: None)
    person.goto(f"{base_url}/en/staff/login/", "staff-login")
    on_page("staff sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Next").click()
    page.wait_for_url("**/en/staff/login/verify/")
    person.shot("staff-verify")
    on_page("two-factor check")
    page.get_by_label("Code from your authenticator app").fill(totp_for_device(device))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/en/staff/cases/")
    person.shot("case-list")
    on_page("case list")


def tour_public_pages(person: Person, base_url: str, language: str, operator) -> Iterator[str]:
    """Show every public page, in every state a child meets it; yields each page's name once it is up.

    ``operator`` answers the child's message so the case page has messages both ways.
    """
    from himoya.cases.models import Case
    from himoya.conversations.actions import send_reply

    page = person.page
    base = f"{base_url}/{language}"
    person.goto(f"{base}/", "home")
    yield "home"
    person.goto(f"{base}/report/", "report-form")
    yield "report form"
    send_report(person, language)
    person.shot("report-form-errors")
    assert page.locator("#error-summary").is_visible()
    yield "report form with errors"
    fill_report(person, language, harm="scam", narrative="They took my game account and want money.")
    send_report(person, language)
    person.shot("case-code")
    code = page.locator("#case-code").inner_text()
    yield "case code page"
    person.goto(f"{base}/status/", "status")
    yield "status form"
    page.get_by_label(t(language, "Your case code")).fill("2222 2222 2222 2222")
    click_and_wait(page, page.get_by_role("button", name=t(language, "Open my case")))
    person.shot("status-error")
    assert page.locator("#error-summary").is_visible()
    yield "status form with an error"
    page.get_by_label(t(language, "Your case code")).fill(code)
    page.get_by_role("button", name=t(language, "Open my case")).click()
    page.wait_for_url(f"**/{language}/status/case/")
    send_message_as_reporter(person, language, "Can you help me get it back?")
    send_reply(Case.objects.latest("pk"), operator, "Yes. Do not pay them. First, tell us the name of the game.")
    page.reload()
    person.shot("case-with-messages")
    assert page.locator(".chat .bubble").count() == 2
    yield "case page with messages"
    response = person.goto(f"{base}/no-such-page/", "not-found")
    assert response.status == 404
    yield "error page"
    person.goto(f"{base}/staff/login/", "staff-login")
    yield "staff sign-in"
